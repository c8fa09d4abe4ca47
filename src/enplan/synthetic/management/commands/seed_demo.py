from django.core.management.base import BaseCommand

from enplan.synthetic import demo


class Command(BaseCommand):
    help = "Load the fictitious demo data (idempotent) and print the demo log-ins."

    def handle(self, *args, **options):
        demo.seed(out=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {demo.DEMO_PASSWORD}):")
        for username, name, org_key, profession in demo.PEOPLE:
            if username:
                org = next(o[1] for o in demo.ORGANISATIONS if o[0] == org_key)
                self.stdout.write(f"  {username:<10} {name} – {profession.label}, {org}")
        self.stdout.write(
            "  birgit     Birgit Berggren – Sundhedsplejen, Aabenraa Kommune "
            "(receives the MedCom example messages)"
        )
        for username, name, role in demo.OTHER_USERS:
            self.stdout.write(f"  {username:<10} {name} – {role.label}")
