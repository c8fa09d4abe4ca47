"""`enplan receive-carecommunication PATH...`: receive MedCom CareCommunication files."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from enplan.audit.context import command_context
from enplan.messaging.receiving import Incoming, receive_many

BATCH = 100  # files received in one transaction


class Command(BaseCommand):
    help = (
        "Receive CareCommunication messages (FHIR JSON or XML files) in the order given. "
        "Prints one JSON object per file: file, outcome (accepted|duplicate|rejected), ack "
        "(positive|negative), message_id, reason. Exit status 0 whatever the outcomes. "
        f"Files are received {BATCH} at a time, each batch in one transaction, with the "
        "same outcome as one by one."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Message files (.json or .xml)")

    def handle(self, *args, **options):
        paths = options["paths"]
        with command_context("receive_carecommunication"):
            for start in range(0, len(paths), BATCH):
                for line in self.receive_files(paths[start : start + BATCH]):
                    self.stdout.write(json.dumps(line, ensure_ascii=False))

    @staticmethod
    def receive_files(paths: list[str]) -> list[dict]:
        lines: list[dict | None] = [None] * len(paths)
        readable, items = [], []
        for i, path in enumerate(paths):
            file = Path(path)
            try:
                data = file.read_bytes()
            except OSError as exc:
                lines[i] = {
                    "file": path,
                    "outcome": "rejected",
                    "ack": "negative",
                    "message_id": None,
                    "reason": f"Cannot read the file: {exc.strerror}",
                }
                continue
            content_type = "application/fhir+xml" if file.suffix.lower() == ".xml" else ""
            readable.append(i)
            items.append(Incoming(data, content_type, source=str(file)))
        for i, result in zip(readable, receive_many(items, channel="file"), strict=True):
            lines[i] = result.as_json(file=paths[i])
        return lines
