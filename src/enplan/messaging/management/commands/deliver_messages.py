"""The delivery worker: sends what waits in the outbox, with retries and backoff."""

import time

from django.core.management.base import BaseCommand

from enplan.messaging.outbox import deliver, worker_id


class Command(BaseCommand):
    help = (
        "Deliver outgoing CareCommunication and acknowledgements from the outbox. Runs until "
        "stopped; --once delivers what is due and exits. Several workers may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Deliver what is due, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls")
        parser.add_argument("--batch", type=int, default=50, help="Entries leased at a time")

    def handle(self, *args, **options):
        me = worker_id()
        while True:
            sent, failed = deliver(options["batch"], me)
            if sent or failed:
                self.stdout.write(f"{me}: sent {sent}, failed {failed}")
            if options["once"]:
                return
            time.sleep(options["interval"])
