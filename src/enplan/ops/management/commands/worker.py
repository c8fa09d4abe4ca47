"""`enplan worker`: runs every background job (outbox delivery, audit sealing, retention, and
what other apps register in enplan.core.jobs). Run one or more, on one or more machines."""

from django.conf import settings
from django.core.management.base import BaseCommand

from enplan.ops.worker import Worker, new_worker_id


class Command(BaseCommand):
    help = (
        "Run the background worker: schedules the periodic jobs and runs them. Several may "
        "run at once; SIGTERM finishes the current job, then stops."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="enqueue what is due, run everything, exit"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between polls when idle (ENPLAN_WORKER_POLL_SECONDS)",
        )
        parser.add_argument("--worker-id", default=None, help="unique per worker (default: made)")

    def handle(self, *args, once, interval, worker_id, **options):
        worker = Worker(
            worker_id=worker_id or new_worker_id(),
            interval=settings.ENPLAN_WORKER_POLL_SECONDS if interval is None else interval,
            once=once,
        )
        worker.configure_signals()
        worker.run()
