"""The one task the worker runs: a registered periodic job, by name (enplan.core.jobs).

Tasks are django-tasks' `Task`s stored by its database backend (django_tasks_db), so a run is
a row: enqueued in the scheduler's transaction, claimed by exactly one worker, finished with
its summary or its traceback.
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from enplan.audit.context import command_context
from enplan.core import jobs

from .models import JobOutcome

log = logging.getLogger("enplan.ops")


def count(job: str, outcome: str) -> None:
    now = timezone.now()
    updated = JobOutcome.objects.filter(job=job, outcome=outcome).update(
        count=F("count") + 1, last_at=now
    )
    if not updated:
        _, created = JobOutcome.objects.get_or_create(
            job=job, outcome=outcome, defaults={"count": 1, "last_at": now}
        )
        if not created:
            JobOutcome.objects.filter(job=job, outcome=outcome).update(
                count=F("count") + 1, last_at=now
            )


@task()
def run_job(name: str) -> object:
    job = jobs.get(name)
    started = timezone.now()
    try:
        # Audit rows a job writes (retention) say which job wrote them.
        with command_context(f"job:{name}"):
            summary = job.func()
    except Exception:
        count(name, "failed")
        log.exception("job %s failed", name)
        raise
    count(name, "succeeded")
    log.info(
        "job %s done in %.2fs: %s",
        name,
        (timezone.now() - started).total_seconds(),
        summary,
        extra={"job": name},
    )
    return summary
