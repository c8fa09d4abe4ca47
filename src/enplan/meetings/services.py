"""Domain rules for meetings.

- Required: purpose and working question; the end after the start, within one day and at
  most two years ahead; every participant has a role.
- The coordinating caseworker is always invited (added if the convener left them out, and
  the caller is told so).
- The citizen already having a meeting or an activity that day is a warning: the change is
  refused with `DoubleBooked` until the user gives a reason, which is stored.
- A cancelled meeting is not changed any more; changes carry the version the user saw
  (`MeetingConflict` when someone saved in between).
- Approved minutes are locked; a correction is a new version.
- A decision becomes a plan activity or sub-goal through the plan's own services, with the
  plan version the user saw: a changed plan gives the plan's conflict and nothing is stored.
Every read and write is audited; writes are checked against the declared actions.
"""

from __future__ import annotations

import datetime
import uuid as _uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.models import organisation_id_of
from enplan.network.permissions import require
from enplan.plans.models import ConversationArea

from . import actions, invitations
from .models import (
    DEFAULT_RULES,
    AgendaItem,
    Decision,
    InterpreterStatus,
    Kind,
    KindRule,
    Meeting,
    Minutes,
    MinutesState,
    Participant,
    ParticipantRole,
    Status,
)
from .workdays import add_working_days

MAX_AHEAD_DAYS = 730
MAX_LENGTH = datetime.timedelta(hours=12)


class MeetingConflict(Exception):
    def __init__(self, expected: int, current: int):
        self.expected, self.current = expected, current
        super().__init__(f"Meeting is at version {current}, the change was made on {expected}.")


class DoubleBooked(ValidationError):
    """The citizen has something else that day: a warning the user may override with a
    reason."""

    def __init__(self, clashes: list[str]):
        self.clashes = clashes
        super().__init__(
            _(
                "The citizen already has %(what)s that day. Choose another day, or give a "
                "reason to keep this one."
            )
            % {"what": "; ".join(clashes)},
            code="double_booked",
        )


# --- rules ---------------------------------------------------------------------------------


def rule_for(kind: str) -> KindRule:
    rule = KindRule.objects.filter(kind=kind).first()
    return rule or KindRule(kind=kind, **DEFAULT_RULES[Kind(kind)])


def deadline_for(kind: str, requested_on: datetime.date | None) -> datetime.date | None:
    days = rule_for(kind).deadline_working_days
    if not requested_on or not days:
        return None
    return add_working_days(requested_on, days)


# --- who may change ------------------------------------------------------------------------
#
# Every write calls `require` (enplan.network.permissions) BEFORE its transaction opens:
# inside one, the refusal's audit row would be rolled back with the refused write.


def _professional(user):
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        raise PermissionDenied(_("Only professionals plan meetings."))
    return professional


# --- planning ------------------------------------------------------------------------------


@dataclass
class ParticipantSpec:
    """A participant as the form or the API gives it: a network member, or a person outside
    the network (name, role and how to reach them)."""

    membership: Any = None
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""
    organisation: Any = None


@dataclass
class Outcome:
    meeting: Meeting
    notices: list[str] = field(default_factory=list)


def _validate(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in data.items():  # the API reaches here without a form: check the shape
        try:
            model_field = Meeting._meta.get_field(name)
        except Exception:  # noqa: BLE001, S112 - not a field of the meeting
            continue
        if model_field.choices and value not in ("", None):
            if value not in {str(v) for v, _label in model_field.flatchoices}:
                errors.setdefault(name, []).append(_("Choose one of the offered values."))
        if getattr(model_field, "max_length", None) and isinstance(value, str):
            if len(value) > model_field.max_length:
                errors.setdefault(name, []).append(
                    _("At most %(n)s characters.") % {"n": model_field.max_length}
                )
    for name, label in (("purpose", _("purpose")), ("working_question", _("working question"))):
        if not str(data.get(name) or "").strip():
            errors.setdefault(name, []).append(
                _("Write the meeting's %(what)s: a meeting must have one.") % {"what": label}
            )
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends:
        if ends <= starts:
            errors.setdefault("ends_at", []).append(_("The meeting must end after it starts."))
        elif ends - starts > MAX_LENGTH:
            errors.setdefault("ends_at", []).append(_("A meeting lasts at most 12 hours."))
        now = timezone.now()
        if starts > now + datetime.timedelta(days=MAX_AHEAD_DAYS):
            errors.setdefault("starts_at", []).append(
                _("A meeting is planned at most two years ahead.")
            )
        if starts < now - datetime.timedelta(days=MAX_AHEAD_DAYS):
            errors.setdefault("starts_at", []).append(_("This date is too far in the past."))
    else:
        errors.setdefault("starts_at", []).append(_("Give the start and the end."))
    if data.get("kind") == Kind.COOPERATION:
        errors.setdefault("kind", []).append(
            _("A samarbejdsmøde is between organisations, not about one citizen.")
        )
    if data.get("place_kind") == "online" and not data.get("online_link"):
        errors.setdefault("online_link", []).append(_("Give the link to the online meeting."))
    if errors:
        raise ValidationError(errors)


def _validate_participants(specs: list[ParticipantSpec]) -> None:
    from django.core.validators import validate_email

    for spec in specs:
        if spec.email:
            try:
                validate_email(spec.email.strip())
            except ValidationError:
                raise ValidationError(
                    _("%(email)s is not an e-mail address.") % {"email": spec.email[:100]}
                ) from None
        if spec.membership is None and not spec.name.strip():
            raise ValidationError(_("Give each participant outside the network a name."))
        if not spec.role or spec.role not in ParticipantRole.values:
            who = spec.name or str(spec.membership)
            raise ValidationError(
                _("Choose a role for %(who)s (e.g. relative, bisidder, interpreter).")
                % {"who": who}
            )


def clashes(citizen, starts_at: datetime.datetime, exclude: Meeting | None = None) -> list[str]:
    """What the citizen already has on the (local) day of `starts_at`."""
    from enplan.plans.models import OPEN_ACTIVITY_STATUSES, Activity

    day = timezone.localtime(starts_at).date()
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = begin + datetime.timedelta(days=1)
    others = Meeting.objects.active().filter(
        citizen=citizen, starts_at__gte=begin, starts_at__lt=end
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    found = [
        _("%(kind)s at %(time)s")
        % {"kind": m.get_kind_display(), "time": timezone.localtime(m.starts_at).strftime("%H:%M")}
        for m in others
    ]
    activities = Activity.objects.filter(citizen=citizen, status__in=OPEN_ACTIVITY_STATUSES).filter(
        Q(starts_on=day) | Q(ends_on=day)
    )
    found += [_("an activity in the plan") for _a in activities[:1]]
    return found


def _check_day(citizen, data, override_reason: str, exclude=None) -> str:
    found = clashes(citizen, data["starts_at"], exclude)
    if found and not override_reason.strip():
        raise DoubleBooked(found)
    return override_reason.strip()[:300] if found else ""


def _participants(
    meeting: Meeting,
    specs: list[ParticipantSpec],
    notices: list[str],
    known: frozenset = frozenset(),
) -> None:
    """Create the participants; `known`: memberships already taking part (an update)."""
    from enplan.network.services import coordinator_of

    coordinator = coordinator_of(meeting.citizen)
    chosen = {s.membership.pk for s in specs if s.membership is not None} | known
    if coordinator is None:
        notices.append(_("The citizen has no coordinating caseworker to invite."))
    elif coordinator.pk not in chosen:
        specs = [ParticipantSpec(membership=coordinator, role=ParticipantRole.PROFESSIONAL), *specs]
        notices.append(
            _("%(name)s was added: the coordinating caseworker is always invited.")
            % {"name": coordinator.professional.name if coordinator.professional else ""}
        )
    rows = []
    for s in specs:
        m = s.membership
        if m is not None:
            pro = m.professional
            rows.append(
                Participant(
                    meeting=meeting,
                    citizen=meeting.citizen,
                    membership=m,
                    role=s.role or ParticipantRole.PROFESSIONAL,
                    name=(pro.name if pro else m.organisation.name)[:200],
                    organisation=m.organisation,
                    email=(pro.email if pro else "") or "",
                    phone=m.phone or "",
                )
            )
        else:
            rows.append(
                Participant(
                    meeting=meeting,
                    citizen=meeting.citizen,
                    role=s.role,
                    name=s.name.strip()[:200],
                    email=s.email.strip(),
                    phone=s.phone.strip()[:30],
                    organisation=s.organisation,
                )
            )
    for r in rows:
        r.municipality_code = meeting.municipality_code
    Participant.objects.bulk_create(rows)


def _replace_participants(meeting: Meeting, specs: list[ParticipantSpec], notices) -> None:
    """Keep who stays (their invitation thread too), remove who was taken off, add the new."""
    members = {s.membership.pk for s in specs if s.membership is not None}
    outside = {(s.name.strip(), s.email.strip()) for s in specs if s.membership is None}
    existing = list(meeting.participants.exclude(role=ParticipantRole.CITIZEN))
    gone = [
        p.pk
        for p in existing
        if (p.membership_id and p.membership_id not in members)
        or (not p.membership_id and (p.name, p.email) not in outside)
    ]
    # Who was taken off the meeting is told: a cancellation for their calendar.
    invitations.cancel_for(meeting, [p for p in existing if p.pk in gone and p.email])
    meeting.participants.filter(pk__in=gone).delete()
    known_members = {p.membership_id for p in existing if p.membership_id and p.pk not in gone}
    known_outside = {
        (p.name, p.email) for p in existing if not p.membership_id and p.pk not in gone
    }
    fresh = [
        s
        for s in specs
        if (s.membership is not None and s.membership.pk not in known_members)
        or (s.membership is None and (s.name.strip(), s.email.strip()) not in known_outside)
    ]
    _participants(meeting, fresh, notices, frozenset(known_members))


def _interpreter(meeting: Meeting, citizen) -> None:
    """The need comes from the citizen's record; who books it and its status are the
    meeting's."""
    if citizen.needs_interpreter:
        meeting.interpreter_language = citizen.interpreter_language
        meeting.interpreter_dialect = citizen.interpreter_dialect
        if meeting.interpreter_status == InterpreterStatus.NOT_NEEDED:
            meeting.interpreter_status = InterpreterStatus.TO_BOOK
    else:
        meeting.interpreter_language = meeting.interpreter_dialect = ""


STARTING_AGENDA = {
    Kind.PLANNING: [str(label) for label in ConversationArea.labels],
}


def plan_meeting(
    user,
    citizen,
    data: dict[str, Any],
    participants: list[ParticipantSpec],
    *,
    override_reason: str = "",
) -> Outcome:
    """Plan a meeting, invite the participants. The planning meeting starts from the five
    conversation areas as its agenda."""
    require(user, actions.PLAN, citizen)
    with transaction.atomic():
        professional = _professional(user)
        _validate(data)
        _validate_participants(participants)
        overlap = _check_day(citizen, data, override_reason)
        meeting = Meeting(
            citizen=citizen, convener=professional, origin_id=professional.organisation_id
        )
        for name, value in data.items():
            setattr(meeting, name, value)
        meeting.overlap_reason = overlap
        _interpreter(meeting, citizen)
        meeting.deadline = deadline_for(meeting.kind, meeting.requested_on)
        meeting.save()
        notices: list[str] = []
        if rule_for(meeting.kind).needs_citizen:
            Participant.objects.create(
                meeting=meeting,
                citizen=citizen,
                role=ParticipantRole.CITIZEN,
                name=citizen.full_name[:200],
                phone=citizen.phone,
            )
        _participants(meeting, participants, notices)
        if meeting.kind == Kind.PLANNING:
            AgendaItem.objects.bulk_create(
                [
                    AgendaItem(
                        meeting=meeting,
                        citizen=citizen,
                        municipality_code=citizen.municipality_code,
                        position=i,
                        title=str(label),
                        area=value,
                        added_by=user,
                        origin_id=professional.organisation_id,
                    )
                    for i, (value, label) in enumerate(ConversationArea.choices)
                ]
            )
        invitations.queue(meeting, user, method="REQUEST")
        record(user, citizen, Action.CREATE, meeting, kind=meeting.kind)
        return Outcome(meeting, notices)


def _claim(meeting: Meeting, expected_version: int) -> None:
    if meeting.is_cancelled:
        raise ValidationError(
            _("This meeting is cancelled and can no longer be changed. Plan a new meeting.")
        )
    rows = Meeting.objects.filter(
        pk=meeting.pk, version=expected_version, status=meeting.status
    ).update(version=F("version") + 1)
    if rows != 1:
        current = Meeting.objects.filter(pk=meeting.pk).values_list("version", "status").get()
        if current[1] == Status.CANCELLED:
            raise ValidationError(
                _("This meeting is cancelled and can no longer be changed. Plan a new meeting.")
            )
        raise MeetingConflict(expected_version, current[0])
    meeting.version = expected_version + 1


def update_meeting(
    meeting: Meeting,
    user,
    expected_version: int,
    data: dict[str, Any],
    participants: list[ParticipantSpec] | None = None,
    *,
    override_reason: str = "",
) -> Outcome:
    """Change a planned meeting; participants get an update (same UID, higher SEQUENCE)."""
    require(user, actions.PLAN, meeting.citizen)
    with transaction.atomic():
        merged = {
            name: getattr(meeting, name)
            for name in (
                "kind",
                "purpose",
                "working_question",
                "starts_at",
                "ends_at",
                "place_kind",
            )
        }
        merged["online_link"] = meeting.online_link
        merged.update(data)  # the page sends every field, the link too
        _validate(merged)
        if participants is not None:
            _validate_participants(participants)
        _claim(meeting, expected_version)
        if "starts_at" in data and data["starts_at"] != meeting.starts_at:
            meeting.overlap_reason = _check_day(meeting.citizen, merged, override_reason, meeting)
        for name, value in data.items():
            setattr(meeting, name, value)
        meeting.deadline = deadline_for(meeting.kind, meeting.requested_on)
        meeting.sequence += 1
        meeting.save()
        notices: list[str] = []
        if participants is not None:
            _replace_participants(meeting, participants, notices)
        invitations.queue(meeting, user, method="REQUEST", changed=True)
        record(user, meeting.citizen, Action.UPDATE, meeting, version=meeting.version)
        return Outcome(meeting, notices)


def cancel_meeting(meeting: Meeting, user, expected_version: int, reason: str) -> Meeting:
    require(user, actions.PLAN, meeting.citizen)
    with transaction.atomic():
        if not reason.strip():
            raise ValidationError({"reason": [_("Say why the meeting is cancelled.")]})
        _claim(meeting, expected_version)
        meeting.status = Status.CANCELLED
        meeting.cancel_reason = reason.strip()[:300]
        meeting.sequence += 1
        meeting.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
        invitations.queue(meeting, user, method="CANCEL")
        record(user, meeting.citizen, Action.UPDATE, meeting, status="cancelled")
        return meeting


def add_agenda_item(meeting: Meeting, user, title: str, area: int | None = None) -> AgendaItem:
    """Every invited party adds items until the meeting starts."""
    require(user, actions.ADD_AGENDA_ITEM, meeting.citizen)
    with transaction.atomic():
        if meeting.is_cancelled:
            raise ValidationError(_("This meeting is cancelled."))
        if meeting.starts_at <= timezone.now():
            raise ValidationError(_("The meeting has started: the agenda is closed."))
        if not title.strip():
            raise ValidationError({"title": [_("Write the agenda item.")]})
        top = meeting.agenda.aggregate(m=Max("position"))["m"]
        item = AgendaItem.objects.create(
            meeting=meeting,
            citizen=meeting.citizen,
            position=0 if top is None else top + 1,
            title=title.strip()[:300],
            area=area,
            added_by=user,
            origin_id=organisation_id_of(user),
        )
        record(user, meeting.citizen, Action.CREATE, item, meeting=str(meeting.uuid))
        return item


# --- minutes -------------------------------------------------------------------------------


def current_minutes(meeting: Meeting) -> Minutes | None:
    return meeting.minutes.order_by("-number").first()


def _writable(minutes: Minutes) -> None:
    if minutes.locked:
        raise ValidationError(
            _("These minutes are approved and locked. Start a correction (a new version).")
        )


def start_minutes(meeting: Meeting, user) -> Minutes:
    require(user, actions.WRITE_MINUTES, meeting.citizen, origin_id=meeting.origin_id)
    with transaction.atomic():
        if meeting.is_cancelled:
            raise ValidationError(_("A cancelled meeting has no minutes."))
        minutes = current_minutes(meeting)
        if minutes is not None:
            return minutes
        minutes = Minutes.objects.create(
            meeting=meeting, citizen=meeting.citizen, author=user, origin_id=meeting.origin_id
        )
        if meeting.status == Status.PLANNED:
            Meeting.objects.filter(pk=meeting.pk).update(
                status=Status.HELD, version=F("version") + 1
            )
            meeting.status = Status.HELD
        record(user, meeting.citizen, Action.CREATE, minutes)
        return minutes


MINUTES_FIELDS = (
    "summary",
    "check_overview",
    "check_meeting",
    "check_agreed",
    "check_optimism",
    "next_meeting_at",
    "next_meeting_place",
    "next_meeting_with",
    "next_followup_on",
    "correction_note",
)


def save_minutes(
    minutes: Minutes, user, data: dict[str, Any], attended: set[int] | None = None
) -> Minutes:
    meeting = minutes.meeting
    require(user, actions.WRITE_MINUTES, meeting.citizen, origin_id=minutes.origin_id)
    with transaction.atomic():
        minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
        _writable(minutes)
        for name, value in data.items():
            if name in MINUTES_FIELDS:
                setattr(minutes, name, value)
        for name in ("check_overview", "check_meeting", "check_agreed", "check_optimism"):
            value = getattr(minutes, name)
            if value is not None and not 1 <= value <= 5:
                raise ValidationError({name: [_("Answer 1 (very much) to 5 (not at all).")]})
        minutes.author = user
        minutes.save()
        if attended is not None:
            meeting.participants.update(attended=False)
            meeting.participants.filter(pk__in=attended).update(attended=True)
        record(user, meeting.citizen, Action.UPDATE, minutes)
        return minutes


def add_decision(minutes: Minutes, user, data: dict[str, Any]) -> Decision:
    require(user, actions.WRITE_MINUTES, minutes.citizen, origin_id=minutes.origin_id)
    with transaction.atomic():
        _writable(Minutes.objects.select_for_update().get(pk=minutes.pk))
        errors = {
            name: [_("This field is required.")]
            for name in ("topic", "agreed", "who")
            if not str(data.get(name) or "").strip()
        }
        if errors:
            raise ValidationError(errors)
        top = minutes.decisions.aggregate(m=Max("position"))["m"]
        decision = Decision.objects.create(
            minutes=minutes,
            citizen=minutes.citizen,
            position=0 if top is None else top + 1,
            topic=data["topic"].strip()[:300],
            agreed=data["agreed"].strip(),
            who=data["who"].strip()[:300],
            responsible=data.get("responsible"),
            due_on=data.get("due_on"),
            origin_id=minutes.origin_id,
        )
        record(user, minutes.citizen, Action.CREATE, decision)
        return decision


def approve_minutes(minutes: Minutes, user) -> Minutes:
    require(user, actions.APPROVE_MINUTES, minutes.citizen, origin_id=minutes.origin_id)
    with transaction.atomic():
        rows = Minutes.objects.filter(pk=minutes.pk, state=MinutesState.DRAFT).update(
            state=MinutesState.APPROVED, approved_at=timezone.now(), approved_by=user
        )
        if rows != 1:
            raise ValidationError(_("These minutes are already approved."))
        minutes.refresh_from_db()
        record(user, minutes.citizen, Action.UPDATE, minutes, state="approved")
        return minutes


def correct_minutes(minutes: Minutes, user) -> Minutes:
    """A new draft version, a copy of the approved one (its decisions included)."""
    require(user, actions.APPROVE_MINUTES, minutes.citizen, origin_id=minutes.origin_id)
    with transaction.atomic():
        if not minutes.locked:
            raise ValidationError(
                _("Correct the draft directly; only approved minutes get versions.")
            )
        latest = current_minutes(minutes.meeting)
        if latest.pk != minutes.pk:
            raise ValidationError(_("A newer version of these minutes exists."))
        decisions = list(minutes.decisions.all())
        copy = Minutes.objects.get(pk=minutes.pk)
        copy.pk = copy.id = None
        copy.uuid = _uuid.uuid4()
        copy.number = minutes.number + 1
        copy.state = MinutesState.DRAFT
        copy.approved_at = copy.approved_by = None
        copy.correction_note = ""
        copy.author = user
        copy._state.adding = True
        copy.save(force_insert=True)
        for d in decisions:
            d.pk = d.id = None
            d.uuid = _uuid.uuid4()
            d.minutes = copy
            d._state.adding = True
        Decision.objects.bulk_create(decisions)
        record(user, minutes.citizen, Action.CREATE, copy, corrects=minutes.number)
        return copy


def decision_to_plan(
    decision: Decision, user, expected_plan_version: int, *, as_goal: bool = False, **extra
):
    """ONE action: the decision becomes a plan activity (or sub-goal) with nothing
    re-typed; the new plan version links back to the meeting through the decision."""
    from enplan.plans import services as plan_services
    from enplan.plans.models import LegalBasis

    citizen = decision.citizen
    require(user, actions.DECISION_TO_PLAN, citizen, origin_id=decision.origin_id)
    with transaction.atomic():
        if decision.in_plan:
            raise ValidationError(_("This decision is already in the plan."))
        minutes = decision.minutes
        meeting = minutes.meeting
        plan = plan_services.get_or_create_plan(citizen, user)
        if as_goal:
            goal = plan_services.add_goal(
                plan,
                user,
                expected_plan_version,
                {"title": decision.agreed[:300], "target_date": decision.due_on, "status": "open"},
            )
            decision.goal = goal
        else:
            responsible = decision.responsible
            activity = plan_services.add_activity(
                plan,
                user,
                expected_plan_version,
                {
                    "title": decision.agreed[:300],
                    "starts_on": timezone.localdate(),
                    "ends_on": decision.due_on,
                    "responsible": responsible,
                    "organisation": responsible.organisation if responsible else None,
                    "purpose": f"{decision.topic} ({meeting}): {decision.who}"[:2000],
                    "legal_basis": extra.get("legal_basis") or LegalBasis.VOLUNTARY,
                    "track": extra.get("track", ""),
                    "status": "planned",
                },
            )
            decision.activity = activity
        decision.plan_version = plan.version
        decision.save(update_fields=["activity", "goal", "plan_version", "updated_at"])
        record(user, citizen, Action.UPDATE, decision, plan_version=plan.version)
        return decision


def plan_version_sources(plan, versions: list) -> dict[int, tuple[str, str]]:
    """For the plan history: which versions came from a meeting's decision (one query)."""
    numbers = [v.number for v in versions]
    rows = Decision.objects.filter(
        citizen_id=plan.citizen_id, plan_version__in=numbers
    ).select_related("minutes__meeting")
    out = {}
    for d in rows:
        meeting = d.minutes.meeting
        out[d.plan_version] = (
            _("from meeting %(meeting)s") % {"meeting": meeting},
            reverse("citizens:meeting", args=[plan.citizen.uuid, meeting.uuid]),
        )
    return out


def plan_timeline(plan, first_day: datetime.date, days: int) -> list[dict]:
    """The citizen's coming meetings, for the plan's timeline (one query)."""
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    rows = Meeting.objects.active().filter(
        citizen_id=plan.citizen_id,
        starts_at__gte=begin,
        starts_at__lt=begin + datetime.timedelta(days=days),
    )
    return [
        {
            "label": str(m.get_kind_display()),
            "day": timezone.localtime(m.starts_at).date(),
            "url": reverse("citizens:meeting", args=[plan.citizen.uuid, m.uuid]),
        }
        for m in rows[:20]
    ]


# --- nothing slips -------------------------------------------------------------------------


def minutes_missing(meetings, now: datetime.datetime | None = None) -> list[Meeting]:
    """Meetings held in the last 180 days whose kind needs minutes and whose minutes are not
    approved by the rule's working days after (`minutes_due` set on each): My meetings and
    the reminder job read the same rule."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = {r.kind: r for r in KindRule.objects.all()}
    past = (
        meetings.exclude(status=Status.CANCELLED)
        .filter(starts_at__lt=now, starts_at__gte=now - datetime.timedelta(days=180))
        .annotate(n_approved=Max("minutes__approved_at"))
        .order_by("starts_at")
    )
    missing = []
    for m in past:
        rule = rules.get(m.kind) or rule_for_default(m.kind)
        due = add_working_days(
            timezone.localtime(m.starts_at).date(), rule.minutes_due_working_days
        )
        if rule.minutes_required and m.n_approved is None and due < today:
            m.minutes_due = due
            missing.append(m)
    return missing


def remind_missing_minutes() -> int:
    """E-mail the convener and the minute-taker once when a meeting's minutes are overdue.
    Returns how many reminders went out."""
    from django.utils import translation

    from enplan.core.reminders import link, send_once

    sent = 0
    rows = minutes_missing(Meeting.objects.select_related("citizen", "convener", "minute_taker"))
    with translation.override(settings.LANGUAGE_CODE):
        for m in rows:
            path = reverse("citizens:meeting_minutes", args=[m.citizen.uuid, m.uuid])
            subject = _("Minutes missing: %(kind)s on %(day)s") % {
                "kind": m.get_kind_display(),
                "day": date_format(timezone.localtime(m.starts_at), "SHORT_DATE_FORMAT"),
            }
            body = _(
                "The minutes of this meeting were due on %(due)s and are not approved yet.\n"
                "Write or approve them in enplan: %(link)s"
            ) % {"due": date_format(m.minutes_due, "SHORT_DATE_FORMAT"), "link": link(path)}
            to = [m.convener.email, m.minute_taker.email if m.minute_taker else ""]
            sent += send_once(f"meetings.minutes-missing:{m.uuid}", to, subject, body)
    return sent


def my_meetings(user) -> dict[str, list[Meeting]]:
    """The professional's upcoming meetings, minutes missing 2 working days after a meeting,
    and discharge conferences past their deadline – in a fixed number of queries."""
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return {
            "upcoming": [],
            "minutes_missing": [],
            "discharge_late": [],
            "followups_due": [],
            "cooperation": [],
        }
    now = timezone.now()
    today = timezone.localdate()
    mine = (
        Meeting.objects.visible_to(user)
        .filter(Q(participants__membership__professional=professional) | Q(convener=professional))
        .distinct()
        .select_related("citizen", "convener")
    )
    from django.db.models import Exists, OuterRef

    from .models import MeetingRequest

    # What the citizen asked for in Min plan and nobody has answered yet: flagged in the list.
    waiting = MeetingRequest.objects.filter(meeting=OuterRef("pk"), status="pending")
    upcoming = list(
        mine.filter(status=Status.PLANNED, starts_at__gte=now)
        .annotate(requests_waiting=Exists(waiting))
        .order_by("starts_at")[:50]
    )
    missing = minutes_missing(mine, now)
    # Held (or to be held) on a local day after the deadline.
    late = list(
        mine.filter(kind=Kind.DISCHARGE, starts_at__date__gt=F("deadline"))
        .exclude(status=Status.CANCELLED)
        .order_by("starts_at")[:100]
    )
    # Minutes set a next follow-up; past due when no meeting has been held or planned since.
    followed_up = Meeting.objects.active().filter(
        citizen_id=OuterRef("citizen_id"), starts_at__date__gte=OuterRef("next_followup_on")
    )
    followups = list(
        Minutes.objects.filter(
            meeting__in=mine.values("pk"),
            state=MinutesState.APPROVED,
            next_followup_on__lt=today,
        )
        .exclude(Exists(followed_up))
        .select_related("meeting__citizen")
        .order_by("next_followup_on")[:50]
    )
    from .models import CooperationMeeting

    cooperation = list(
        CooperationMeeting.objects.filter(
            organisations=professional.organisation_id, status=Status.PLANNED
        )
        .prefetch_related("organisations")
        .order_by("starts_at")[:50]
    )
    return {
        "upcoming": upcoming,
        "minutes_missing": missing,
        "discharge_late": late,
        "followups_due": followups,
        "cooperation": cooperation,
    }


def rule_for_default(kind: str) -> KindRule:
    return KindRule(kind=kind, **DEFAULT_RULES[Kind(kind)])


# --- samarbejdsmøder (between organisations, no citizen) ------------------------------------


def plan_cooperation(user, data: dict[str, Any], partners: list):
    from .models import CooperationMeeting

    require(user, actions.COOPERATION, None)
    professional = _professional(user)
    errors: dict[str, list[str]] = {}
    if not str(data.get("purpose") or "").strip():
        errors["purpose"] = [
            _("Write the meeting's %(what)s: a meeting must have one.") % {"what": _("purpose")}
        ]
    if data.get("ends_at") and data.get("starts_at") and data["ends_at"] <= data["starts_at"]:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    others = [o for o in partners if o.pk != professional.organisation_id]
    if not others:
        errors["partners"] = [_("Choose at least one other organisation.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = CooperationMeeting.objects.create(convener=professional, **data)
        meeting.organisations.set([professional.organisation, *others])
    return meeting


def mark_cooperation_held(meeting, user) -> None:
    require(user, actions.COOPERATION, None)
    professional = _professional(user)
    if not meeting.organisations.filter(pk=professional.organisation_id).exists():
        raise PermissionDenied(_("Only the organisations of the meeting mark it as held."))
    if meeting.status != Status.PLANNED:
        raise ValidationError(_("This meeting is not planned any more."))
    meeting.status = Status.HELD
    meeting.save(update_fields=["status", "updated_at"])


def _partner_ids(organisation_id: int):
    from enplan.network.models import NetworkMembership

    shared = NetworkMembership.objects.active().filter(organisation_id=organisation_id)
    return (
        NetworkMembership.objects.active()
        .filter(citizen_id__in=shared.values("citizen_id"))
        .exclude(organisation_id=organisation_id)
        .values("organisation_id")
        .distinct()
    )


def partner_organisations(user):
    """The organisations the user's organisation meets in citizens' networks."""
    from enplan.organisations.models import Organisation

    professional = _professional(user)
    return Organisation.objects.filter(pk__in=_partner_ids(professional.organisation_id))


def cooperation_due(user) -> list[dict]:
    """Partner organisations (met in the networks of the same citizens) with fewer
    samarbejdsmøder held in the last 12 months than the rule asks (default 2)."""
    from django.db.models import Count

    from enplan.organisations.models import Organisation

    from .models import CooperationMeeting

    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return []
    wanted = rule_for(Kind.COOPERATION).per_year or 0
    if not wanted:
        return []
    mine = professional.organisation_id
    partner_ids = _partner_ids(mine)
    since = timezone.now() - datetime.timedelta(days=365)
    held = dict(
        CooperationMeeting.objects.filter(
            organisations=mine, status=Status.HELD, starts_at__gte=since
        )
        .filter(organisations__in=partner_ids)
        .values("organisations")
        .annotate(n=Count("id", distinct=True))
        .values_list("organisations", "n")
    )
    return [
        {"organisation": org, "held": held.get(org.pk, 0), "wanted": wanted}
        for org in Organisation.objects.filter(pk__in=partner_ids).order_by("name")
        if held.get(org.pk, 0) < wanted
    ]


CHECK_ITEMS = ("check_overview", "check_meeting", "check_agreed", "check_optimism")


def record_citizen_check(meeting: Meeting, user, answers: dict[str, int]) -> Minutes:
    """The citizen answers the four-item check herself (1–5 each) after the meeting, into the
    meeting's draft minutes; once the minutes are approved the check is closed."""
    require(user, actions.CITIZEN_CHECK, meeting.citizen)
    if meeting.is_cancelled or meeting.starts_at > timezone.now():
        raise ValidationError(_("You can answer when the meeting has been held."))
    minutes = current_minutes(meeting)
    if minutes is None or minutes.locked:
        raise ValidationError(_("The check for this meeting is closed."))
    values = {}
    for name in CHECK_ITEMS:
        value = answers.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({name: [_("Choose a number from 1 to 5.")]})
        values[name] = value
    with transaction.atomic():
        for name, value in values.items():
            setattr(minutes, name, value)
        minutes.save(update_fields=[*values, "updated_at"])
        record(user, meeting.citizen, Action.UPDATE, minutes, change="citizen_check")
    return minutes


# --- the citizen's requests: an interpreter or another place --------------------------------

REQUEST_NOTE_MAX = 300
ANSWER_MAX = 300


def _open_for_requests(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled. You cannot ask for changes to it."))
    if meeting.status != Status.PLANNED or meeting.starts_at <= timezone.now():
        raise ValidationError(_("You can only ask for changes to a meeting that is coming up."))


def request_change(meeting: Meeting, user, kind: str, data: dict[str, Any]):
    """The citizen asks for an interpreter (language, dialect) or another place (one of the
    place choices, with a note). Stored as hers and audited; the meeting itself changes only
    when the convener or the coordinating caseworker accepts."""
    from enplan.citizens.models import Language

    from .models import MeetingRequest, PlaceKind, RequestKind, RequestStatus

    require(user, actions.CITIZEN_REQUEST, meeting.citizen)
    _open_for_requests(meeting)
    note = str(data.get("note") or "").strip()
    errors: dict[str, list[str]] = {}
    if len(note) > REQUEST_NOTE_MAX:
        errors["note"] = [
            _("Please keep it shorter: at most %(limit)d characters.") % {"limit": REQUEST_NOTE_MAX}
        ]
    fields: dict[str, str] = {}
    if kind == RequestKind.INTERPRETER:
        language = str(data.get("language") or "").strip()
        dialect = str(data.get("dialect") or "").strip()
        if not language:
            errors["language"] = [_("Choose the language you want an interpreter for.")]
        elif language not in Language.values or language == Language.DA:
            errors["language"] = [_("Choose a language from the list.")]
        if len(dialect) > 100:
            errors["dialect"] = [
                _("Please keep it shorter: at most %(limit)d characters.") % {"limit": 100}
            ]
        fields = {"language": language, "dialect": dialect}
    elif kind == RequestKind.PLACE:
        place = str(data.get("place_kind") or "").strip()
        if place not in PlaceKind.values:
            errors["place_kind"] = [_("Choose a place from the list.")]
        elif place == meeting.place_kind and not note:
            errors["place_kind"] = [
                _("The meeting is already there. Choose another place, or write what you need.")
            ]
        fields = {"place_kind": place}
    else:
        errors["kind"] = [_("Choose what you want to ask for.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        if MeetingRequest.objects.filter(
            meeting=meeting, kind=kind, status=RequestStatus.PENDING
        ).exists():
            raise ValidationError(_("You have already asked. Please wait for the answer."))
        req = MeetingRequest.objects.create(
            meeting=meeting,
            citizen=meeting.citizen,
            kind=kind,
            note=note,
            requested_by=user,
            **fields,
        )
        record(user, meeting.citizen, Action.CREATE, req, meeting=str(meeting.uuid), kind=kind)
    return req


ROLE_FIELDS = ("chair", "minute_taker", "interpreter_booked_by")


def attach_roles(meeting: Meeting) -> Meeting:
    """Chair, minute-taker and interpreter booker onto a meeting fetched with its convener, in
    at most one query. Joining the professional table four times in the meeting's own query
    made PostgreSQL plan for 2 ms to run for 0.1 ms (bench/profile_path.py, national data);
    the convener often holds one of the roles and then costs nothing."""
    from enplan.organisations.models import Professional

    wanted = {getattr(meeting, f"{name}_id") for name in ROLE_FIELDS} - {None}
    known = {meeting.convener_id: meeting.convener} if meeting.convener_id else {}
    people = {**Professional.objects.in_bulk(wanted - known.keys()), **known} if wanted else {}
    for name in ROLE_FIELDS:
        pk = getattr(meeting, f"{name}_id")
        if pk is not None:
            setattr(meeting, name, people[pk])
    return meeting


def convener_membership(meeting: Meeting):
    """The convener's active membership in the citizen's network (None once she has left it):
    what makes her the SELF of a request about her meeting."""
    from enplan.network.models import NetworkMembership

    return (
        NetworkMembership.objects.active()
        .filter(citizen_id=meeting.citizen_id, professional_id=meeting.convener_id)
        .select_related("professional")
        .first()
    )


def may_answer(user, meeting: Meeting) -> bool:
    from enplan.network.permissions import can

    # Only the convener can be SELF, so for anyone else the membership lookup cannot change
    # the answer: the meeting page asks this on every view.
    professional = getattr(user, "professional_or_none", None)
    is_convener = professional is not None and professional.pk == meeting.convener_id
    membership = convener_membership(meeting) if is_convener else None
    return can(user, actions.ANSWER_REQUEST, meeting.citizen, membership=membership)


def answer_request(
    req, user, accept: bool, answer: str, place: dict[str, Any] | None = None
) -> Outcome:
    """Accept or decline, with a short answer (needed to decline). Accepting an interpreter
    sets the meeting's interpreter need; accepting a place changes the meeting's place through
    `update_meeting`, so the participants get the usual calendar update."""
    from .models import RequestKind, RequestStatus

    meeting = req.meeting
    require(user, actions.ANSWER_REQUEST, meeting.citizen, membership=convener_membership(meeting))
    answer = (answer or "").strip()
    if len(answer) > ANSWER_MAX:
        raise ValidationError({"answer": [_("At most %(n)s characters.") % {"n": ANSWER_MAX}]})
    if not accept and not answer:
        raise ValidationError({"answer": [_("Say briefly why the request is declined.")]})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if accept:
            _open_for_answer(meeting)
        rows = (
            type(req)
            .objects.filter(pk=req.pk, status=RequestStatus.PENDING)
            .update(
                status=RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED,
                answer=answer,
                answered_by=user,
                answered_at=timezone.now(),
            )
        )
        if rows != 1:
            raise ValidationError(_("This request has already been answered."))
        req.refresh_from_db()
        outcome = Outcome(meeting)
        if accept and req.kind == RequestKind.INTERPRETER:
            # A booking already under way for the same language stays as it is.
            status = meeting.interpreter_status
            if status in (InterpreterStatus.NOT_NEEDED, InterpreterStatus.CANCELLED) or (
                meeting.interpreter_language != req.language
            ):
                status = InterpreterStatus.TO_BOOK
            Meeting.objects.filter(pk=meeting.pk).update(
                interpreter_language=req.language,
                interpreter_dialect=req.dialect,
                interpreter_status=status,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
            meeting.refresh_from_db()
            record(user, meeting.citizen, Action.UPDATE, meeting, interpreter=req.language)
        elif accept:
            data: dict[str, Any] = {"place_kind": req.place_kind}
            place = place or {}
            if req.place_kind != meeting.place_kind:
                data["place_detail"] = str(place.get("place_detail") or "").strip()
                data["online_link"] = _web_link(str(place.get("online_link") or "").strip())
            if req.note:
                notes = " · ".join(p for p in (meeting.practical_notes, req.note) if p)
                data["practical_notes"] = notes[:500]
            outcome = update_meeting(meeting, user, meeting.version, data)
        record(user, meeting.citizen, Action.UPDATE, req, status=req.status)
        return outcome


def _web_link(link: str) -> str:
    """The meeting page links to it: only an http(s) address (the form's check, for a link
    typed into the answer)."""
    from django.core.validators import URLValidator

    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise ValidationError(
                {"online_link": [_("Give the link to the online meeting.")]}
            ) from None
    return link


def _open_for_answer(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled. Decline the request instead."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("The meeting has started. Decline the request instead."))


def requests_of(meeting: Meeting) -> list:
    from .models import MeetingRequest

    return list(
        MeetingRequest.objects.filter(meeting=meeting).select_related("answered_by", "requested_by")
    )
