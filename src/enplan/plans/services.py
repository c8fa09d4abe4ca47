"""Domain rules for the plan: every change is a new version; none silently overwrites another.

Each change claims the plan with a compare-and-set on its version number
(`UPDATE … SET version = version + 1 WHERE id = … AND version = <expected>`). The caller
passes the version it showed the user; if someone saved in between, nothing is written and
`PlanConflict` tells the caller which version is current.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.models import organisation_id_of
from enplan.network.permissions import require

from .actions import (
    ADD_ACTIVITY,
    ADD_GOAL,
    CITIZEN_VIEW,
    EDIT_ACTIVITY,
    EDIT_GOAL,
    EDIT_PLAN,
    EDIT_TRACK,
    REMOVE_ACTIVITY,
    REMOVE_GOAL,
)
from .models import (
    PLAN_FIELD_CATEGORIES,
    Activity,
    ChangeKind,
    CitizenView,
    Goal,
    Plan,
    PlanVersion,
    Track,
    TrackKind,
)
from .snapshots import snapshot


class PlanConflict(Exception):
    def __init__(self, expected: int, current: int):
        self.expected = expected
        self.current = current
        super().__init__(f"Plan is at version {current}, the change was made on {expected}.")


def plan_of(citizen) -> Plan:
    """The citizen's plan for reading: the stored one, or an empty unsaved one for a citizen
    who has none yet (a GET never writes; the plan is created at the first write)."""
    try:
        return citizen.plan
    except Plan.DoesNotExist:
        # Empty since registration: that is when it is dated.
        return Plan(
            citizen=citizen,
            version=1,
            municipality_code=citizen.municipality_code,
            created_at=citizen.created_at,
            updated_at=citizen.created_at,
        )


def create_plan(citizen, actor) -> Plan:
    """Create the citizen's plan with its tracks (at registration, or at the first write for
    a citizen registered before plans were created then). Idempotent."""
    # A citizen from get_visible_citizen() brings its plan along (select_related): no query.
    try:
        return citizen.plan
    except Plan.DoesNotExist:
        pass
    with transaction.atomic():
        origin = organisation_id_of(actor)
        plan, created = Plan.objects.get_or_create(
            citizen=citizen, defaults={"version": 1, "origin_id": origin}
        )
        if created:
            for kind in TrackKind.values:
                Track.objects.create(plan=plan, citizen=citizen, kind=kind, origin_id=origin)
            _record(plan, actor, ChangeKind.CREATED, plan)
    citizen.plan = plan
    return plan


# For writes only: reads use `plan_of`.
get_or_create_plan = create_plan


def _item_origin(obj) -> int | None:
    """The origin the write check compares with: none for an item nobody has written in."""
    return None if getattr(obj, "is_blank", False) else obj.origin_id


def _require_item(actor, action, obj) -> None:
    require(actor, action, obj.plan.citizen, origin_id=_item_origin(obj), category=obj.category)


def require_item(actor, action, obj) -> None:
    """Raise PermissionDenied unless `actor` may perform `action` on this goal or activity:
    the rule the plan's own edits follow, for other apps that act on an item."""
    _require_item(actor, action, obj)


def _claim(plan: Plan, expected_version: int, actor) -> None:
    rows = Plan.objects.filter(pk=plan.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor
    )
    if rows != 1:
        current = Plan.objects.values_list("version", flat=True).get(pk=plan.pk)
        raise PlanConflict(expected_version, current)
    plan.version = expected_version + 1


_AUDIT_ACTION = {"added": Action.CREATE, "removed": Action.DELETE}


def _record(plan: Plan, actor, change: str, subject, changed: list[str] = ()) -> PlanVersion:
    """Store the new version and audit the write. `subject` is the goal, activity or track
    changed (its title, category and origin go with the version), or the plan itself;
    `changed` names the fields the change altered."""
    if subject is plan:
        title, category, origin = "", "plan", organisation_id_of(actor)
    else:
        title, category, origin = str(subject), subject.category, subject.origin_id
    version = PlanVersion.objects.create(
        plan=plan,
        citizen_id=plan.citizen_id,
        municipality_code=plan.municipality_code,
        number=plan.version,
        change=change,
        subject=title[:300],
        subject_category=category,
        subject_origin_id=origin,
        snapshot=snapshot(plan),
        changed_fields=list(changed),
        author=actor,
    )
    action = _AUDIT_ACTION.get(change.rsplit("_", 1)[-1], Action.UPDATE)
    record(actor, plan.citizen, action, subject, change=change, version=plan.version)
    return version


def _change(
    plan: Plan,
    actor,
    expected_version: int,
    change: str,
    apply: Callable,
    changed: list[str] = (),
) -> PlanVersion:
    with transaction.atomic():
        _claim(plan, expected_version, actor)
        subject = apply()
        return _record(plan, actor, change, subject, changed)


def _differences(obj, data: dict[str, Any]) -> list[str]:
    """The fields of `data` whose value differs from what is stored for `obj`. Compared with
    the database, not with `obj`: a validated ModelForm has already put its values on it."""
    stored = (
        type(obj)
        ._base_manager.filter(pk=obj.pk)
        .values(*(obj._meta.get_field(name).attname for name in data))[0]
    )
    changed = []
    for name, value in data.items():
        field = obj._meta.get_field(name)
        old = stored[field.attname]
        if field.is_relation:
            value = getattr(value, "pk", value)
        elif isinstance(value, str) and isinstance(old, str):
            # Browsers send line breaks as CR LF: the same text, however its breaks are written.
            old, value = old.replace("\r\n", "\n"), value.replace("\r\n", "\n")
        if old != value:
            changed.append(name)
    return changed


def _unchanged(plan: Plan) -> PlanVersion:
    """Saving what is already stored changes nothing: no new version, and the content keeps
    its origin (an unchanged save must not make another organisation its author)."""
    return plan.versions.first()


def _assign(obj, data: dict[str, Any], actor=None):
    """Apply `data`; whoever writes the content becomes its origin (for consent)."""
    for name, value in data.items():
        setattr(obj, name, value)
    obj.origin_id = organisation_id_of(actor)
    obj.save()
    return obj


def update_plan(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    """Change plan fields; each changed field is attributed to the actor's organisation."""
    changed = _differences(plan, data)
    # Whether a field already holds text is read from the database: a validated ModelForm has
    # already put the new values on `plan`, and only what is stored has an origin to protect.
    stored = (
        type(plan)._base_manager.filter(pk=plan.pk).values(*changed).first() or {}
        if changed and plan.pk
        else {}
    )
    for name in changed or [None]:
        filled = name is not None and stored.get(name) not in ("", None)
        require(
            actor,
            EDIT_PLAN,
            plan.citizen,
            origin_id=plan.origin_of(name) if filled else None,
            category=PLAN_FIELD_CATEGORIES.get(name) if name else None,
        )
    if not changed:
        return _unchanged(plan)

    def apply() -> Plan:
        origin = organisation_id_of(actor)
        origins = dict(plan.field_origins)
        for name, value in data.items():
            if name in PLAN_FIELD_CATEGORIES and name in changed:
                origins[name] = origin
            setattr(plan, name, value)
        plan.field_origins = origins
        plan.save(update_fields=[*data, "field_origins", "updated_at"])
        return plan

    return _change(plan, actor, expected_version, ChangeKind.PLAN_UPDATED, apply, changed)


def add_goal(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> Goal:
    require(actor, ADD_GOAL, plan.citizen)
    goal = Goal(plan=plan, citizen_id=plan.citizen_id, municipality_code=plan.municipality_code)

    def apply() -> Goal:
        top = plan.goals.aggregate(m=Max("position"))["m"]
        goal.position = 0 if top is None else top + 1
        return _assign(goal, data, actor)

    _change(plan, actor, expected_version, ChangeKind.GOAL_ADDED, apply)
    return goal


def update_goal(goal: Goal, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    _require_item(actor, EDIT_GOAL, goal)
    changed = _differences(goal, data)
    if not changed:
        return _unchanged(goal.plan)
    return _change(
        goal.plan,
        actor,
        expected_version,
        ChangeKind.GOAL_UPDATED,
        lambda: _assign(goal, data, actor),
        changed,
    )


def remove_goal(goal: Goal, actor, expected_version: int) -> PlanVersion:
    _require_item(actor, REMOVE_GOAL, goal)

    def apply() -> Goal:
        goal.delete()
        return goal

    return _change(goal.plan, actor, expected_version, ChangeKind.GOAL_REMOVED, apply)


def add_activity(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> Activity:
    require(actor, ADD_ACTIVITY, plan.citizen)  # before the transaction: refusals stay audited
    with transaction.atomic():
        return _add_activity(plan, actor, expected_version, data)


def _add_activity(plan: Plan, actor, expected_version: int, data: dict[str, Any]) -> Activity:
    from enplan.messaging.notifications import activity_saved

    activity = Activity(
        plan=plan, citizen_id=plan.citizen_id, municipality_code=plan.municipality_code
    )
    _change(
        plan,
        actor,
        expected_version,
        ChangeKind.ACTIVITY_ADDED,
        lambda: _assign(activity, data, actor),
    )
    activity_saved(actor, activity, created=True)  # same transaction: the outbox
    return activity


def update_activity(
    activity: Activity, actor, expected_version: int, data: dict[str, Any]
) -> PlanVersion:
    _require_item(actor, EDIT_ACTIVITY, activity)
    with transaction.atomic():
        return _update_activity(activity, actor, expected_version, data)


def _update_activity(
    activity: Activity, actor, expected_version: int, data: dict[str, Any]
) -> PlanVersion:
    from enplan.messaging.notifications import activity_saved

    changed = _differences(activity, data)
    if not changed:
        return _unchanged(activity.plan)
    previous_status = (
        Activity.objects.filter(pk=activity.pk).values_list("status", flat=True).first()
    )
    version = _change(
        activity.plan,
        actor,
        expected_version,
        ChangeKind.ACTIVITY_UPDATED,
        lambda: _assign(activity, data, actor),
        changed,
    )
    activity_saved(actor, activity, created=False, previous_status=previous_status)
    return version


def set_citizen_view(activity: Activity, actor, expected_version: int, value: str) -> PlanVersion:
    """The citizen says whether an activity makes sense to her. Only that field changes, and
    the activity keeps its origin: her answer does not make another organisation's activity
    visible across organisations."""
    if value not in CitizenView.values:
        raise ValidationError({"citizen_view": [_("Choose one of the answers.")]})
    require(actor, CITIZEN_VIEW, activity.plan.citizen)

    def apply() -> Activity:
        activity.citizen_view = value
        activity.save(update_fields=["citizen_view", "updated_at"])
        return activity

    return _change(activity.plan, actor, expected_version, ChangeKind.ACTIVITY_UPDATED, apply)


def remove_activity(activity: Activity, actor, expected_version: int) -> PlanVersion:
    _require_item(actor, REMOVE_ACTIVITY, activity)

    def apply() -> Activity:
        activity.delete()
        return activity

    return _change(activity.plan, actor, expected_version, ChangeKind.ACTIVITY_REMOVED, apply)


def update_track(track: Track, actor, expected_version: int, data: dict[str, Any]) -> PlanVersion:
    """Change a track. Setting 'ready for the next step' records who signalled it and when."""
    _require_item(actor, EDIT_TRACK, track)
    changed = _differences(track, data)
    if not changed:
        return _unchanged(track.plan)

    def apply() -> Track:
        became_ready = data.get("ready_for_next_step") and not track.ready_for_next_step
        _assign(track, data, actor)
        if became_ready:
            track.ready_signalled_at = timezone.now()
            track.ready_signalled_by = actor
        elif not track.ready_for_next_step:
            track.ready_signalled_at = None
            track.ready_signalled_by = None
        track.save()
        return track

    return _change(track.plan, actor, expected_version, ChangeKind.TRACK_UPDATED, apply, changed)
