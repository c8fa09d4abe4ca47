import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enplan.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (PostgreSQL: pg_dump -Fc; SQLite: online backup), with "
        "PATH.manifest.json holding each table's row count as backed up."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, path, **options):
        try:
            manifest = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            json.dumps(
                {
                    "backup": str(path),
                    "bytes": manifest["bytes"],
                    "tables": len(manifest["tables"]),
                    "rows": rows,
                }
            )
        )
