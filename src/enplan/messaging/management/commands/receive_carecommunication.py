"""`enplan receive-carecommunication PATH...`: receive MedCom CareCommunication files."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from enplan.audit.context import command_context
from enplan.messaging.receiving import receive


class Command(BaseCommand):
    help = (
        "Receive CareCommunication messages (FHIR JSON or XML files) in the order given. "
        "Prints one JSON object per file: file, outcome (accepted|duplicate|rejected), ack "
        "(positive|negative), message_id, reason. Exit status 0 whatever the outcomes."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Message files (.json or .xml)")

    def handle(self, *args, **options):
        with command_context("receive_carecommunication"):
            for path in options["paths"]:
                self.stdout.write(json.dumps(self.receive_file(path), ensure_ascii=False))

    @staticmethod
    def receive_file(path: str) -> dict:
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            return {
                "file": path,
                "outcome": "rejected",
                "ack": "negative",
                "message_id": None,
                "reason": f"Cannot read the file: {exc.strerror}",
            }
        content_type = "application/fhir+xml" if file.suffix.lower() == ".xml" else ""
        result = receive(data, content_type, channel="file", source=str(file))
        return result.as_json(file=path)
