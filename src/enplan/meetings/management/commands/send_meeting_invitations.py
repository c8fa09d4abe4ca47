from django.core.management.base import BaseCommand

from enplan.meetings.invitations import deliver


class Command(BaseCommand):
    help = "Send calendar invitations that are still waiting (e.g. the SMTP server was down)."

    def handle(self, *args, **options):
        sent, failed = deliver()
        self.stdout.write(f"Sent {sent} invitation e-mail(s); {failed} failed and will be retried.")
