"""`enplan worker`: django-tasks' database worker, plus what running it as a service needs.

Around django_tasks_db's claim-and-run loop (a run is claimed under SELECT … FOR UPDATE SKIP
LOCKED on PostgreSQL, inside an exclusive transaction on SQLite, so exactly one worker runs
it) this adds:

- a heartbeat, from its own thread so that a long job does not look like a dead worker;
- recovery: a run left RUNNING by a worker whose heartbeat went stale (killed, machine lost)
  goes back to READY and another worker runs it again. Jobs are written to be re-run, so a
  kill loses nothing;
- the scheduler: each periodic job (enplan.core.jobs) has a row; a worker claims the due rows
  and enqueues their runs in the same transaction, so one period gives one run however many
  workers there are, and a job whose previous run has not finished is not enqueued again.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from enplan.core import jobs

from .models import JobSchedule, WorkerHeartbeat
from .tasks import count, run_job

log = logging.getLogger("enplan.ops")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{os.urandom(3).hex()}"


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ENPLAN_WORKER_STALE_SECONDS)


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str, every: float):
        super().__init__(name="enplan-heartbeat", daemon=True)
        self.worker_id, self.every = worker_id, every
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "beat_at": timezone.now(),
            },
        )

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    self.beat()
                except OperationalError as exc:  # SQLite busy: the next beat will do
                    log.warning("heartbeat skipped: %s", exc)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


def requeue_abandoned(backend_name: str = "default") -> int:
    """Runs left RUNNING by workers whose heartbeat is stale go back to READY."""
    cutoff = timezone.now() - stale_after()
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    requeued = 0
    with exclusive_transaction():
        running = DBTaskResult.objects.running().filter(
            backend_name=backend_name, started_at__lt=cutoff
        )
        for result in running.select_for_update(skip_locked=True):
            owner = result.worker_ids[-1] if result.worker_ids else ""
            if owner in alive:
                continue
            DBTaskResult.objects.filter(pk=result.pk).update(
                status=TaskResultStatus.READY, started_at=None
            )
            requeued += 1
            name = (result.args_kwargs.get("args") or ["?"])[0]
            count(str(name), "requeued")
            log.warning("run %s of %s requeued: worker %s is gone", result.pk, name, owner)
    return requeued


def _pending_jobs() -> set[str]:
    pending = DBTaskResult.objects.filter(
        task_path=run_job.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True)
    return {(a.get("args") or [""])[0] for a in pending}


_known: set[str] = set()  # jobs whose schedule row this process has made sure of


def schedule_due() -> list[str]:
    """Enqueue one run of each periodic job that is due. Returns the names enqueued."""
    now = timezone.now()
    active = {name: job for name, job in jobs.registered().items() if job.interval() > 0}
    if not _known.issuperset(active):
        JobSchedule.objects.bulk_create(
            [JobSchedule(name=name, next_run_at=now) for name in active], ignore_conflicts=True
        )
        _known.update(active)
    enqueued = []
    with exclusive_transaction():
        due = list(
            JobSchedule.objects.select_for_update(skip_locked=True)
            .filter(name__in=list(active), next_run_at__lte=now)
            .order_by("next_run_at")
        )
        if not due:
            return []
        pending = _pending_jobs()
        for row in due:
            if row.name not in pending:
                # run_after records the period's slot (it is due at once): one run per slot.
                run_job.using(run_after=now).enqueue(row.name)
                row.last_enqueued_at = now
                enqueued.append(row.name)
            row.next_run_at = now + datetime.timedelta(seconds=active[row.name].interval())
            row.save(update_fields=["next_run_at", "last_enqueued_at"])
    return enqueued


class Worker(DBWorker):
    def __init__(self, *, worker_id: str, interval: float, once: bool):
        super().__init__(
            queue_names=["default"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=not once,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.heartbeat = Heartbeat(worker_id, settings.ENPLAN_WORKER_HEARTBEAT_SECONDS)

    def _housekeeping(self) -> None:
        try:
            requeue_abandoned(self.backend_name)
            schedule_due()
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            log.info("scheduler skipped a turn: database busy")

    def _claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        try:
            with exclusive_transaction(tasks.db):
                result = tasks.get_locked()
                if result is not None:
                    result.claim(self.worker_id)
                return result
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise

    def run(self) -> None:
        log.info("worker %s starting; jobs: %s", self.worker_id, sorted(jobs.registered()))
        self.heartbeat.beat()  # before the first claim, so nobody takes us for dead
        self.heartbeat.start()
        try:
            if self.startup_delay and self.interval:
                time.sleep(self.interval * 0.5)
            while self.running:
                close_old_connections()
                self._housekeeping()
                ran = False
                while self.running and (result := self._claim()) is not None:
                    self.run_task(result)
                    ran = True
                close_old_connections()
                if self.batch:
                    return
                if self.running and not ran:
                    time.sleep(self.interval)
        finally:
            self.heartbeat.stop()
