"""`enplan receive-carecommunication --integration NAME PATH...`: receive MedCom
CareCommunication files (a drop folder) as the named message integration."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enplan.audit.context import command_context
from enplan.messaging.models import MessageIntegration
from enplan.messaging.receiving import Incoming, receive_many

BATCH = 100  # files received in one transaction


class Command(BaseCommand):
    help = (
        "Receive CareCommunication messages (FHIR JSON or XML files) in the order given. "
        "Prints one JSON object per file: file, outcome (accepted|duplicate|rejected), ack "
        "(positive|negative), message_id, reason. Exit status 0 whatever the outcomes. "
        f"Files are received {BATCH} at a time, each batch in one transaction, with the "
        "same outcome as one by one. The files are received as the message integration "
        "named by --integration (create_message_integration): each sender must be one of "
        "its SOR codes, and the audit log names it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--integration",
            required=True,
            help="The message integration the files come from (create_message_integration).",
        )
        parser.add_argument("paths", nargs="+", help="Message files (.json or .xml)")

    def handle(self, *args, **options):
        paths = options["paths"]
        integration = MessageIntegration.objects.filter(
            name=options["integration"], revoked_at__isnull=True
        ).first()
        if integration is None:
            raise CommandError(
                f"No active message integration called {options['integration']!r}; "
                "create one with create_message_integration."
            )
        with command_context("receive_carecommunication"):
            for start in range(0, len(paths), BATCH):
                for line in self.receive_files(paths[start : start + BATCH], integration):
                    self.stdout.write(json.dumps(line, ensure_ascii=False))

    @staticmethod
    def receive_files(paths: list[str], integration: MessageIntegration) -> list[dict]:
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
        results = receive_many(items, channel="file", integration=integration)
        for i, result in zip(readable, results, strict=True):
            lines[i] = result.as_json(file=paths[i])
        return lines
