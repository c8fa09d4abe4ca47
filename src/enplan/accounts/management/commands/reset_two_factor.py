from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from enplan.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app (e.g. a lost phone). The user logs in with the "
        "password alone, or must set up a new app if the organisation requires one."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        self.stdout.write(f"{username}: {removed} device(s) removed")
