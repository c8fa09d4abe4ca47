"""Retention: a citizen's data is deleted a configurable period after their last course ends.

A citizen is due when every course has ended, the newest end date is older than the period,
and no course is active or paused. Deletion removes the citizen and everything they own
(cascade); the audit log keeps its rows (they name the citizen by public id only) and gets an
entry for the deletion itself.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from enplan.audit.context import command_context
from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.models import Citizen
from enplan.courses.models import Course, CourseState


def retention_days() -> int:
    return int(getattr(settings, "ENPLAN_RETENTION_DAYS", 5 * 365))


def due(today: datetime.date | None = None):
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=retention_days())
    open_course = Course.objects.filter(
        citizen=OuterRef("pk"), state__in=[CourseState.ACTIVE, CourseState.PAUSED]
    )
    return (
        Citizen.objects.annotate(last_end=Max("courses__ends_on"))
        .filter(last_end__lt=cutoff)
        .exclude(Exists(open_course))
        .order_by("last_end", "id")
    )


def apply(execute: bool, today: datetime.date | None = None) -> list[dict]:
    """List (and with `execute`, delete) the citizens due. Every run is audited."""
    found = [
        {
            "citizen": str(c.uuid),
            "municipality": c.municipality_code,
            "last_course_end": str(c.last_end),
        }
        for c in due(today)
    ]
    with command_context("apply_retention"), transaction.atomic():
        if execute:
            for citizen in due(today):
                record(None, citizen, Action.DELETE, citizen, reason="retention")
                citizen.delete()
        record(
            None,
            None,
            Action.DELETE if execute else Action.READ,
            ("retention_run", ""),
            execute=execute,
            count=len(found),
            retention_days=retention_days(),
        )
    return found
