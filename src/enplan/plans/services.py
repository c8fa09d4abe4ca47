"""Domain rules for the plan: every change is a new version; none silently overwrites another.

Each change claims the plan with a compare-and-set on its version number
(`UPDATE … SET version = version + 1 WHERE id = … AND version = <expected>`). The caller
passes the version it showed the user; if someone saved in between, nothing is written and
`PlanConflict` tells the caller which version is current.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from .models import Activity, ChangeKind, Goal, Plan, PlanVersion, Track, TrackKind
from .snapshots import snapshot


class PlanConflict(Exception):
    def __init__(self, expected: int, current: int):
        self.expected = expected
        self.current = current
        super().__init__(f"Plan is at version {current}, the change was made on {expected}.")


def get_or_create_plan(citizen, actor) -> Plan:
    plan = Plan.objects.filter(citizen=citizen).first()
    if plan is not None:
        return plan
    with transaction.atomic():
        plan, created = Plan.objects.get_or_create(citizen=citizen, defaults={"version": 1})
        if created:
            for kind in TrackKind.values:
                Track.objects.create(plan=plan, citizen=citizen, kind=kind)
            _record(plan, actor, ChangeKind.CREATED, "")
    return plan


def _claim(plan: Plan, expected_version: int, actor) -> None:
    rows = Plan.objects.filter(pk=plan.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor
    )
    if rows != 1:
        current = Plan.objects.values_list("version", flat=True).get(pk=plan.pk)
        raise PlanConflict(expected_version, current)
    plan.version = expected_version + 1


def _record(plan: Plan, actor, change: str, subject: str) -> PlanVersion:
    return PlanVersion.objects.create(
        plan=plan,
        citizen_id=plan.citizen_id,
        municipality_code=plan.municipality_code,
        number=plan.version,
        change=change,
        subject=subject[:300],
        snapshot=snapshot(plan),
        author=actor,
    )


def _change(
    plan: Plan, actor, expected_version: int, change: str, apply: Callable[[], str]
) -> PlanVersion:
    with transaction.atomic():
        _claim(plan, expected_version, actor)
        subject = apply()
        return _record(plan, actor, change, subject)


def _assign(obj, data: dict[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)
    obj.save()


def update_plan(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    def apply() -> str:
        for name, value in data.items():
            setattr(plan, name, value)
        plan.save(update_fields=[*data, "updated_at"])
        return ""

    return _change(plan, actor, expected_version, ChangeKind.PLAN_UPDATED, apply)


def add_goal(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> Goal:
    goal = Goal(plan=plan, citizen_id=plan.citizen_id, municipality_code=plan.municipality_code)

    def apply() -> str:
        top = plan.goals.aggregate(m=Max("position"))["m"]
        goal.position = 0 if top is None else top + 1
        _assign(goal, data)
        return goal.title

    _change(plan, actor, expected_version, ChangeKind.GOAL_ADDED, apply)
    return goal


def update_goal(goal: Goal, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    return _change(
        goal.plan,
        actor,
        expected_version,
        ChangeKind.GOAL_UPDATED,
        lambda: (_assign(goal, data), goal.title)[1],
    )


def remove_goal(goal: Goal, actor, expected_version: int) -> PlanVersion:
    def apply() -> str:
        title = goal.title
        goal.delete()
        return title

    return _change(goal.plan, actor, expected_version, ChangeKind.GOAL_REMOVED, apply)


def add_activity(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> Activity:
    activity = Activity(
        plan=plan, citizen_id=plan.citizen_id, municipality_code=plan.municipality_code
    )
    _change(
        plan,
        actor,
        expected_version,
        ChangeKind.ACTIVITY_ADDED,
        lambda: (_assign(activity, data), activity.title)[1],
    )
    return activity


def update_activity(
    activity: Activity, actor, expected_version: int, data: dict[str, Any]
) -> PlanVersion:
    return _change(
        activity.plan,
        actor,
        expected_version,
        ChangeKind.ACTIVITY_UPDATED,
        lambda: (_assign(activity, data), activity.title)[1],
    )


def remove_activity(activity: Activity, actor, expected_version: int) -> PlanVersion:
    def apply() -> str:
        title = activity.title
        activity.delete()
        return title

    return _change(activity.plan, actor, expected_version, ChangeKind.ACTIVITY_REMOVED, apply)


def update_track(track: Track, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    """Change a track. Setting 'ready for the next step' records who signalled it and when."""

    def apply() -> str:
        became_ready = data.get("ready_for_next_step") and not track.ready_for_next_step
        _assign(track, data)
        if became_ready:
            track.ready_signalled_at = timezone.now()
            track.ready_signalled_by = actor
        elif not track.ready_for_next_step:
            track.ready_signalled_at = None
            track.ready_signalled_by = None
        track.save()
        return str(track.get_kind_display())

    return _change(track.plan, actor, expected_version, ChangeKind.TRACK_UPDATED, apply)
