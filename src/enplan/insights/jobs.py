"""The insights' periodic job (discovered by the worker in `enplan.ops`)."""

from __future__ import annotations

from enplan.core.jobs import periodic


@periodic(
    "insights.refresh",
    every=1800,
    description="Precompute every manager's and politician's start page (counts only).",
)
def refresh() -> dict:
    # Every 30 minutes, inside ENPLAN_INSIGHTS_MAX_AGE_MINUTES (60): a manager's page is read
    # from a snapshot, never computed while she waits (seconds on national data).
    from .snapshots import refresh_all

    return {"refreshed": refresh_all()}
