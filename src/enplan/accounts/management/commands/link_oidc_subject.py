from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from enplan.accounts.models import User


class Command(BaseCommand):
    help = (
        "Link a MitID Erhverv (OpenID Connect) identity to a user by the provider's subject "
        "('sub'), so the user can log in through it. --unlink removes the link."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("subject", nargs="?", default="")
        parser.add_argument("--unlink", action="store_true")

    def handle(self, username, subject, unlink, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        if unlink == bool(subject):
            raise CommandError("Give either a subject or --unlink.")
        user.oidc_subject = subject.strip() or None
        try:
            user.save(update_fields=["oidc_subject"])
        except IntegrityError:
            raise CommandError("That subject is already linked to another user.") from None
        self.stdout.write(f"{username}: {'unlinked' if unlink else 'linked'}")
