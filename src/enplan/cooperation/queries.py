"""What an agreement's compliance is computed from, read from the apps below as counts.
Meetings is optional (an installation without it simply has no meeting figures): it is read
through the app registry, not imported."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Count, Q


def meetings_installed() -> bool:
    return apps.is_installed("enplan.meetings")


def held_cooperation_meetings(org_ids: list[int], since: datetime.datetime) -> int | None:
    """Samarbejdsmøder held since `since` with at least two of the parties present."""
    if not meetings_installed():
        return None
    model = apps.get_model("meetings", "CooperationMeeting")
    return (
        model.objects.filter(status="held", starts_at__gte=since)
        .annotate(n=Count("organisations", filter=Q(organisations__in=org_ids), distinct=True))
        .filter(n__gte=min(2, len(org_ids)))
        .count()
    )


def discharge_conferences(org_ids: list[int], since: datetime.datetime) -> list[tuple]:
    """(asked for, starts) of each udskrivningskonference since `since` between the parties:
    the time it was planned is when it was asked for."""
    if not meetings_installed():
        return []
    model = apps.get_model("meetings", "Meeting")
    return list(
        model.objects.filter(kind="discharge", created_at__gte=since)
        .exclude(status="cancelled")
        .annotate(
            n=Count(
                "participants__organisation",
                filter=Q(participants__organisation__in=org_ids),
                distinct=True,
            )
        )
        .filter(n__gte=min(2, len(org_ids)))
        .values_list("created_at", "starts_at")
    )
