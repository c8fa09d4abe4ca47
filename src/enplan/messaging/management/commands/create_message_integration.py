"""`manage.py create_message_integration NAME --sor SOR [--sor SOR …]`: a credential for a
system that delivers MedCom messages (VANS/mailbox adapter, partner system, drop folder)."""

from django.core.management.base import BaseCommand, CommandError

from enplan.messaging.models import MessageIntegration


class Command(BaseCommand):
    help = (
        "Issue a message-integration key, bound to the SOR codes of the senders it may "
        "deliver for. The key is printed once; only its hash is kept. Receipt "
        "(POST /api/v1/messaging/receive, receive-batch) accepts only such a key."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the integration is, e.g. 'VANS Aabenraa'.")
        parser.add_argument(
            "--sor",
            action="append",
            default=[],
            metavar="SOR",
            help="A sender's SOR code it may deliver for (repeat for several).",
        )
        parser.add_argument(
            "--any-sender",
            action="store_true",
            help="Any sender: only for an adapter whose network authenticates senders (VANS).",
        )

    def handle(self, name, sor, any_sender, **options):
        codes = [c.strip() for c in sor if c.strip()]
        bad = [c for c in codes if not (c.isascii() and c.isdigit() and len(c) <= 18)]
        if bad:
            raise CommandError(f"Not SOR codes (up to 18 digits): {', '.join(bad)}")
        if not codes and not any_sender:
            raise CommandError("Name at least one --sor, or --any-sender.")
        if MessageIntegration.objects.filter(name=name).exists():
            raise CommandError(f"An integration called {name!r} exists already.")
        _integration, raw = MessageIntegration.issue(name, codes, any_sender=any_sender)
        self.stdout.write(raw)
