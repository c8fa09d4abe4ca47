"""Precomputed start pages. On national data the start page's ten aggregates take seconds on
2 cores; read from a snapshot they take milliseconds. A snapshot holds the suppressed tables of
one scope, the default period (the last 12 months) and one language, and says when it was
computed: the page shows its age. `refresh_insights` renews every mandate's snapshots (run it
as a job, e.g. hourly); a page that finds none young enough computes the figures and stores
them. Any other period is computed when asked."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation

from . import queries
from .models import Snapshot
from .privacy import Column, Table
from .scope import Period, Scope


def max_age() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "ENPLAN_INSIGHTS_MAX_AGE_MINUTES", 60))


def _key(scope: Scope, period: Period, language: str) -> str:
    who = scope.organisation_id if scope.organisation_id is not None else scope.municipality_code
    return f"{scope.role}:{who}:{period.start}:{period.end}:{language}"


def _dump(t: Table) -> dict:
    return {
        "key": t.key,
        "title": str(t.title),
        "columns": [[c.key, str(c.label), c.kind, c.base] for c in t.columns],
        "rows": t.rows,
        "note": str(t.note),
    }


def _load(d: dict) -> Table:
    return Table(d["key"], d["title"], [Column(*c) for c in d["columns"]], d["rows"], d["note"])


def start_page(
    scope: Scope, period: Period, *, refresh: bool = False
) -> tuple[list[Table], datetime.datetime]:
    """The start page's tables and when they were computed."""
    if period != Period.default():
        return queries.start_page(scope, period), timezone.now()
    key = _key(scope, period, translation.get_language() or settings.LANGUAGE_CODE)
    if not refresh:
        found = Snapshot.objects.filter(key=key, computed_at__gte=timezone.now() - max_age())
        snapshot = found.first()
        if snapshot is not None:
            return [_load(d) for d in snapshot.tables], snapshot.computed_at
    tables = queries.start_page(scope, period)
    now = timezone.now()
    Snapshot.objects.update_or_create(
        key=key, defaults={"computed_at": now, "tables": [_dump(t) for t in tables]}
    )
    return tables, now


def refresh_all(languages=("da", "en")) -> int:
    """Renew the default period's snapshot of every mandate, in each language."""
    from django.db.models import Q

    from .models import Mandate

    scopes = set()
    for m in Mandate.objects.select_related("user", "organisation").filter(
        Q(user__role="manager", organisation__isnull=False) | Q(user__role="politician")
    ):
        if m.user.role == "manager":
            scopes.add(Scope("manager", m.organisation_id, "", m.organisation.name))
        else:
            code = m.municipality_code or (
                m.organisation.municipality_code if m.organisation else ""
            )
            if code:
                scopes.add(Scope("politician", None, code, code))
    period = Period.default()
    for scope in scopes:
        for language in languages:
            with translation.override(language):
                start_page(scope, period, refresh=True)
    Snapshot.objects.filter(computed_at__lt=timezone.now() - datetime.timedelta(days=2)).delete()
    return len(scopes)
