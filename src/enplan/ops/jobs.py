"""The built-in periodic jobs (discovered like every app's `jobs.py`). Each wraps the callable
entry point its own app already has; all of them are safe to run again after a crash."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from enplan.core.jobs import periodic


@periodic("messaging.deliver", every=5, description="Send what waits in the outbox.")
def deliver_outbox() -> dict:
    from enplan.messaging.outbox import deliver

    sent, failed = deliver()
    return {"sent": sent, "failed": failed}


@periodic("audit.seal", every=60, description="Chain new audit entries into sealed segments.")
def seal_audit_log() -> dict:
    from enplan.audit.sealing import seal_all

    return {"sealed": seal_all(datetime.timedelta(seconds=5))}


@periodic(
    "gdpr.retention",
    every=24 * 3600,
    description="Citizens past retention: reported (dry run) unless ENPLAN_RETENTION_EXECUTE.",
)
def retention() -> dict:
    from enplan.gdpr.retention import apply, retention_days

    execute = bool(settings.ENPLAN_RETENTION_EXECUTE)
    found = apply(execute)
    # Counts only: the list itself (public ids) is in the audit row and `apply_retention`.
    return {"execute": execute, "due": len(found), "retention_days": retention_days()}


@periodic("ops.prune", every=3600, description="Forget finished runs and departed workers.")
def prune() -> dict:
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    now = timezone.now()
    keep = datetime.timedelta(days=settings.ENPLAN_JOB_RESULTS_KEEP_DAYS)
    done, _ = DBTaskResult.objects.successful().filter(finished_at__lt=now - keep).delete()
    failed, _ = DBTaskResult.objects.failed().filter(finished_at__lt=now - 4 * keep).delete()
    gone, _ = WorkerHeartbeat.objects.filter(beat_at__lt=now - datetime.timedelta(days=1)).delete()
    return {"results_deleted": done + failed, "workers_forgotten": gone}
