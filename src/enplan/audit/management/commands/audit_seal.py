import datetime

from django.core.management.base import BaseCommand

from enplan.audit.sealing import seal_all


class Command(BaseCommand):
    help = "Seal new audit entries into the hash chain (run periodically, e.g. every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=5, help="Seconds before sealing.")

    def handle(self, min_age, **options):
        n = seal_all(datetime.timedelta(seconds=min_age))
        self.stdout.write(f"Sealed {n} entries.")
