"""`manage.py revoke_message_integration NAME`: its key stops working at once."""

from django.core.management.base import BaseCommand, CommandError

from enplan.messaging.models import MessageIntegration


class Command(BaseCommand):
    help = "Revoke a message integration: its key is refused from now on."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, name, **options):
        integration = MessageIntegration.objects.filter(name=name, revoked_at__isnull=True).first()
        if integration is None:
            raise CommandError(f"No active integration called {name!r}.")
        integration.revoke()
        self.stdout.write(f"Revoked {name}.")
