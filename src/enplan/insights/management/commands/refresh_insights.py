from django.core.management.base import BaseCommand

from enplan.insights.snapshots import refresh_all


class Command(BaseCommand):
    help = "Precompute the insights start page of every manager and politician (run as a job)."

    def handle(self, *args, **options):
        n = refresh_all()
        self.stdout.write(f"Refreshed the insights of {n} organisations and municipalities.")
