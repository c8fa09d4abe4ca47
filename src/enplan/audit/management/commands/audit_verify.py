import datetime

from django.core.management.base import BaseCommand, CommandError

from enplan.audit.sealing import seal_all, verify


class Command(BaseCommand):
    help = (
        "Seal new audit entries into the hash chain, then verify the whole chain. "
        "Exits with status 1 and names the first broken entry if anything was altered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="Only verify.")
        parser.add_argument("--min-age", type=int, default=5, help="Seconds before sealing.")

    def handle(self, no_seal, min_age, **options):
        if not no_seal:
            sealed = seal_all(datetime.timedelta(seconds=min_age))
            self.stdout.write(f"Sealed {sealed} new entries.")
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"Audit chain BROKEN at entry {verdict.first_broken_id}: {verdict.reason} "
                f"({verdict.checked} entries checked)."
            )
        self.stdout.write(f"Audit chain intact: {verdict.checked} sealed entries verified.")
