from django.core.management.base import BaseCommand, CommandError

from enplan.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Issue a personal API token for a user. The token is printed once; only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="What the token is for.")

    def handle(self, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user called {username!r}.") from None
        _, raw = ApiToken.issue(user, name)
        self.stdout.write(raw)
