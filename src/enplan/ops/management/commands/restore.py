import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enplan.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the backup at PATH into the configured database, REPLACING its content; then "
        "check every table's row count against the manifest and verify the audit chain. Stop "
        "the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the database's content is replaced"
        )

    def handle(self, path, yes, **options):
        if not yes:
            raise CommandError("Restoring replaces everything in the database: add --yes.")
        try:
            report = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, sort_keys=True))
        if not report["audit_ok"]:
            raise CommandError(
                f"Restored, but the audit chain is BROKEN at entry {report['audit_broken_at']}: "
                f"{report['audit_reason']}."
            )
        if report["counts_match"] is False:
            raise CommandError(f"Restored, but row counts differ: {report['differences']}.")
