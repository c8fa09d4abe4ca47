import json

from django.core.management.base import BaseCommand

from enplan.gdpr.retention import apply, retention_days


class Command(BaseCommand):
    help = (
        "Delete citizens whose last course ended more than ENPLAN_RETENTION_DAYS ago. "
        "Dry run unless --execute; both are audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--execute", action="store_true", help="really delete")

    def handle(self, execute, **options):
        found = apply(execute)
        for row in found:
            self.stdout.write(json.dumps(row))
        verb = "Deleted" if execute else "Would delete (dry run)"
        self.stdout.write(f"{verb}: {len(found)} citizens (retention {retention_days()} days).")
