"""What /readyz and /metrics measure. Counts and ages only: nothing here reads personal data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Max
from django.utils import timezone

from enplan.audit.models import AuditEntry, AuditSeal
from enplan.messaging.models import OutboxEntry, OutboxState, Receipt

from .models import JobOutcome, WorkerHeartbeat

_migrated = False  # once all are applied they stay applied for this process's code


def migrations_pending() -> int:
    global _migrated
    if _migrated:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrated = pending == 0
    return pending


def _age(moment) -> float | None:
    return None if moment is None else max(0.0, (timezone.now() - moment).total_seconds())


@dataclass
class Backlog:
    pending: int
    oldest_age: float | None
    dead: int


def outbox_backlog(limit: int | None = None) -> Backlog:
    pending = OutboxEntry.objects.filter(state=OutboxState.PENDING)
    # Bounded for /readyz: past the threshold the exact number does not matter.
    counted = pending[:limit].count() if limit else pending.count()
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    dead = OutboxEntry.objects.filter(state=OutboxState.DEAD).count()
    return Backlog(counted, _age(oldest), dead)


def seal_lag() -> float:
    """Age in seconds of the oldest audit entry not yet sealed (0 when all are sealed)."""
    last = AuditSeal.objects.order_by("-last_id").values_list("last_id", flat=True).first()
    oldest = (
        AuditEntry.objects.filter(id__gt=last or 0)
        .order_by("id")
        .values_list("at", flat=True)
        .first()
    )
    return _age(oldest) or 0.0


def worker_heartbeat_age() -> float | None:
    newest = WorkerHeartbeat.objects.aggregate(newest=Max("beat_at"))["newest"]
    return _age(newest)


def workers_alive() -> int:
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.ENPLAN_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).count()


def receipts_by_outcome() -> dict[str, int]:
    rows = Receipt.objects.order_by().values("outcome").annotate(n=Count("id"))
    return {r["outcome"]: r["n"] for r in rows}


def job_outcomes() -> list[tuple[str, str, int]]:
    return list(JobOutcome.objects.values_list("job", "outcome", "count"))


def readiness() -> tuple[bool, dict]:
    """Each check: ok, and why not. The first failing check that makes others meaningless
    (no database) stops there."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # any driver error means: not reachable
        checks["database"] = {"ok": False, "why": f"database not reachable ({type(exc).__name__})"}
        return False, checks

    pending = migrations_pending()
    checks["migrations"] = {"ok": pending == 0, "pending": pending}
    if pending:
        checks["migrations"]["why"] = f"{pending} migrations not applied: run `enplan migrate`"
        return False, checks  # the tables below may not exist yet

    age = worker_heartbeat_age()
    stale = settings.ENPLAN_WORKER_STALE_SECONDS
    worker_ok = age is not None and age <= stale
    checks["worker"] = {"ok": worker_ok or not settings.ENPLAN_READY_REQUIRE_WORKER}
    checks["worker"]["heartbeat_age_seconds"] = None if age is None else round(age, 1)
    if not worker_ok:
        checks["worker"]["why"] = (
            "no worker has ever reported: start `enplan worker`"
            if age is None
            else f"no worker heartbeat for {age:.0f} s (limit {stale:.0f} s): "
            "is `enplan worker` running?"
        )

    max_pending = settings.ENPLAN_READY_OUTBOX_MAX
    max_age = settings.ENPLAN_READY_OUTBOX_MAX_AGE
    backlog = outbox_backlog(limit=max_pending + 1)
    outbox = {"ok": True, "pending": backlog.pending, "oldest_age_seconds": backlog.oldest_age}
    if backlog.pending > max_pending:
        outbox.update(ok=False, why=f"outbox backlog over {max_pending} messages")
    elif backlog.oldest_age is not None and backlog.oldest_age > max_age:
        outbox.update(
            ok=False,
            why=f"oldest unsent message waits {backlog.oldest_age:.0f} s (limit {max_age} s)",
        )
    checks["outbox"] = outbox

    lag = seal_lag()
    max_lag = settings.ENPLAN_READY_SEAL_LAG_MAX
    checks["audit_seal"] = {"ok": lag <= max_lag, "lag_seconds": round(lag, 1)}
    if lag > max_lag:
        checks["audit_seal"]["why"] = f"audit log unsealed for {lag:.0f} s (limit {max_lag} s)"

    return all(c["ok"] for c in checks.values()), checks
