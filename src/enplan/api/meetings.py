"""Meetings over the REST API: plan, change, cancel, agenda, minutes and decisions. The same
scoped access, consent policy, services and rules as the pages; a minutes read or write for
someone the minutes are not shared with answers 403."""

import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen
from enplan.consent.models import Category
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.meetings import actions, services
from enplan.meetings.models import Decision, Kind, Meeting, Minutes, ParticipantRole
from enplan.meetings.services import MeetingConflict, ParticipantSpec
from enplan.network.models import NetworkMembership
from enplan.network.permissions import require

from . import schemas as s

meetings = Router(tags=["meetings"])

ERRORS = {403: s.Error, 404: s.Error, 422: s.ValidationErrors}
CONFLICT_ERRORS = {**ERRORS, 409: s.Error}


class ParticipantIn(Schema):
    member_id: UUID | None = None
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""


class ParticipantOut(Schema):
    id: UUID
    name: str
    role: str
    organisation: str | None
    invitation: str
    attended: bool | None


class AgendaItemOut(Schema):
    id: UUID
    title: str
    area: int | None


class MeetingIn(Schema):
    kind: str
    purpose: str = ""
    working_question: str = ""
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    place_kind: str
    place_detail: str = ""
    online_link: str = ""
    requested_on: datetime.date | None = None
    participants: list[ParticipantIn] = []
    override_reason: str = ""


class MeetingPatch(Schema):
    version: int
    purpose: str | None = None
    working_question: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    place_kind: str | None = None
    place_detail: str | None = None
    online_link: str | None = None
    interpreter_status: str | None = None
    participants: list[ParticipantIn] | None = None
    override_reason: str = ""


class MeetingOut(Schema):
    id: UUID
    kind: str
    status: str
    version: int
    purpose: str
    working_question: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place_kind: str
    place_detail: str
    online_link: str
    convener: str
    interpreter_language: str
    interpreter_dialect: str
    interpreter_status: str
    requested_on: datetime.date | None
    deadline: datetime.date | None
    overlap_reason: str
    participants: list[ParticipantOut]
    agenda: list[AgendaItemOut]
    notices: list[str] = []


class CancelIn(Schema):
    version: int
    reason: str


class AgendaIn(Schema):
    title: str
    area: int | None = None


class DecisionIn(Schema):
    topic: str
    agreed: str
    who: str
    responsible_id: UUID | None = None
    due_on: datetime.date | None = None


class DecisionOut(Schema):
    id: UUID
    topic: str
    agreed: str
    who: str
    due_on: datetime.date | None
    plan_version: int | None
    activity_id: UUID | None
    goal_id: UUID | None


class MinutesIn(Schema):
    summary: str | None = None
    check_overview: int | None = None
    check_meeting: int | None = None
    check_agreed: int | None = None
    check_optimism: int | None = None
    next_meeting_at: datetime.datetime | None = None
    next_meeting_place: str | None = None
    next_meeting_with: str | None = None
    next_followup_on: datetime.date | None = None
    attended: list[UUID] | None = None


class MinutesOut(Schema):
    id: UUID
    number: int
    state: str
    summary: str
    check_overview: int | None
    check_meeting: int | None
    check_agreed: int | None
    check_optimism: int | None
    next_meeting_at: datetime.datetime | None
    next_meeting_place: str
    next_meeting_with: str
    next_followup_on: datetime.date | None
    decisions: list[DecisionOut]


class ToPlanIn(Schema):
    plan_version: int
    make: str = "activity"
    legal_basis: str = ""
    track: str = ""


def _with_parts():
    return Meeting.objects.select_related("convener").prefetch_related(
        "agenda", "participants__organisation"
    )


def _meeting(request, citizen_id, meeting_id, action=Action.READ):
    citizen = get_visible_citizen(request.user, citizen_id, "meeting", action)
    meeting = get_object_or_404(_with_parts(), citizen=citizen, uuid=meeting_id)
    return citizen, meeting


def _fresh(meeting: Meeting) -> Meeting:
    return _with_parts().get(pk=meeting.pk)


def _meeting_out(meeting: Meeting, notices=()) -> dict:
    participants = meeting.participants.all()  # prefetched
    return {
        **{
            f: getattr(meeting, f)
            for f in (
                "kind",
                "status",
                "version",
                "purpose",
                "working_question",
                "starts_at",
                "ends_at",
                "place_kind",
                "place_detail",
                "online_link",
                "interpreter_language",
                "interpreter_dialect",
                "interpreter_status",
                "requested_on",
                "deadline",
                "overlap_reason",
            )
        },
        "id": meeting.uuid,
        "convener": meeting.convener.name,
        "participants": [
            {
                "id": p.uuid,
                "name": p.name,
                "role": p.role,
                "organisation": p.organisation.name if p.organisation else None,
                "invitation": p.invitation,
                "attended": p.attended,
            }
            for p in participants
        ],
        "agenda": [{"id": a.uuid, "title": a.title, "area": a.area} for a in meeting.agenda.all()],
        "notices": list(notices),
    }


def _specs(citizen, rows: list[ParticipantIn]) -> list[ParticipantSpec]:
    ids = [r.member_id for r in rows if r.member_id]
    members = {
        m.uuid: m
        for m in NetworkMembership.objects.active()
        .filter(citizen=citizen, uuid__in=ids)
        .select_related("professional", "organisation")
    }
    specs = []
    for r in rows:
        if r.member_id:
            if r.member_id not in members:
                raise ValidationError(
                    {"participants": ["No such active member in the citizen's network."]}
                )
            specs.append(
                ParticipantSpec(
                    membership=members[r.member_id], role=r.role or ParticipantRole.PROFESSIONAL
                )
            )
        else:
            specs.append(ParticipantSpec(name=r.name, role=r.role, email=r.email, phone=r.phone))
    return specs


def _conflict(exc: MeetingConflict):
    raise HttpError(
        409,
        f"The meeting changed since version {exc.expected} (it is now version {exc.current}). "
        "Reload it and apply your change again.",
    )


@meetings.get("/{citizen_id}/meetings", response={200: list[MeetingOut], **ERRORS})
def list_meetings(request, citizen_id: UUID):
    citizen = get_visible_citizen(request.user, citizen_id, "meetings", Action.LIST)
    rows = _with_parts().filter(citizen=citizen).order_by("-starts_at")[:200]
    return [_meeting_out(m) for m in rows]


@meetings.post("/{citizen_id}/meetings", response={201: MeetingOut, **ERRORS})
@performs(actions.PLAN)
def plan_meeting(request, citizen_id: UUID, payload: MeetingIn):
    citizen = get_visible_citizen(request.user, citizen_id, "meetings", Action.UPDATE)
    data = payload.model_dump(exclude={"participants", "override_reason"})
    if payload.kind not in Kind.values:
        raise ValidationError({"kind": [f"Choose one of: {', '.join(Kind.values)}."]})
    if data.get("ends_at") is None:
        minutes = services.rule_for(payload.kind).duration_minutes
        data["ends_at"] = payload.starts_at + datetime.timedelta(minutes=minutes)
    outcome = services.plan_meeting(
        request.user,
        citizen,
        data,
        _specs(citizen, payload.participants),
        override_reason=payload.override_reason,
    )
    return Status(201, _meeting_out(_fresh(outcome.meeting), outcome.notices))


@meetings.get("/{citizen_id}/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS})
def get_meeting(request, citizen_id: UUID, meeting_id: UUID):
    return _meeting_out(_meeting(request, citizen_id, meeting_id)[1])


@meetings.patch(
    "/{citizen_id}/meetings/{meeting_id}", response={200: MeetingOut, **CONFLICT_ERRORS}
)
@performs(actions.PLAN)
def update_meeting(request, citizen_id: UUID, meeting_id: UUID, payload: MeetingPatch):
    citizen, meeting = _meeting(request, citizen_id, meeting_id, Action.UPDATE)
    data = payload.model_dump(
        exclude_none=True, exclude={"version", "participants", "override_reason"}
    )
    specs = _specs(citizen, payload.participants) if payload.participants is not None else None
    try:
        outcome = services.update_meeting(
            meeting,
            request.user,
            payload.version,
            data,
            specs,
            override_reason=payload.override_reason,
        )
    except MeetingConflict as exc:
        _conflict(exc)
    return _meeting_out(_fresh(outcome.meeting), outcome.notices)


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/cancel", response={200: MeetingOut, **CONFLICT_ERRORS}
)
@performs(actions.PLAN)
def cancel_meeting(request, citizen_id: UUID, meeting_id: UUID, payload: CancelIn):
    _citizen, meeting = _meeting(request, citizen_id, meeting_id, Action.UPDATE)
    try:
        services.cancel_meeting(meeting, request.user, payload.version, payload.reason)
    except MeetingConflict as exc:
        _conflict(exc)
    return _meeting_out(_fresh(meeting))


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/agenda", response={201: AgendaItemOut, **ERRORS}
)
@performs(actions.ADD_AGENDA_ITEM)
def add_agenda_item(request, citizen_id: UUID, meeting_id: UUID, payload: AgendaIn):
    _citizen, meeting = _meeting(request, citizen_id, meeting_id, Action.UPDATE)
    if payload.area is not None and payload.area not in range(1, 6):
        raise ValidationError({"area": ["A conversation area is 1 to 5."]})
    item = services.add_agenda_item(meeting, request.user, payload.title, payload.area)
    return Status(201, {"id": item.uuid, "title": item.title, "area": item.area})


def _shared_minutes(request, citizen, meeting) -> None:
    if for_viewer(request.user, citizen).withheld(Category.MINUTES, meeting.origin_id):
        record(request.user, citizen, Action.REFUSED, meeting, reason="minutes not shared")
        raise PermissionDenied("The minutes are not shared with you: the consent is missing.")


def _minutes_out(minutes: Minutes) -> dict:
    decisions = minutes.decisions.select_related("activity", "goal")
    return {
        **{f: getattr(minutes, f) for f in MinutesOut.model_fields if f not in ("id", "decisions")},
        "id": minutes.uuid,
        "decisions": [_decision_out(d) for d in decisions],
    }


def _decision_out(d: Decision) -> dict:
    return {
        "id": d.uuid,
        "topic": d.topic,
        "agreed": d.agreed,
        "who": d.who,
        "due_on": d.due_on,
        "plan_version": d.plan_version,
        "activity_id": d.activity.uuid if d.activity_id else None,
        "goal_id": d.goal.uuid if d.goal_id else None,
    }


def _minutes(request, citizen_id, meeting_id, action=Action.READ):
    citizen, meeting = _meeting(request, citizen_id, meeting_id, action)
    _shared_minutes(request, citizen, meeting)
    return citizen, meeting, services.current_minutes(meeting)


@meetings.get("/{citizen_id}/meetings/{meeting_id}/minutes", response={200: MinutesOut, **ERRORS})
def get_minutes(request, citizen_id: UUID, meeting_id: UUID):
    _citizen, _meeting_, minutes = _minutes(request, citizen_id, meeting_id)
    if minutes is None:
        raise HttpError(404, "No minutes yet.")
    return _minutes_out(minutes)


@meetings.put("/{citizen_id}/meetings/{meeting_id}/minutes", response={200: MinutesOut, **ERRORS})
@performs(actions.WRITE_MINUTES)
def save_minutes(request, citizen_id: UUID, meeting_id: UUID, payload: MinutesIn):
    _citizen, meeting, minutes = _minutes(request, citizen_id, meeting_id, Action.UPDATE)
    if minutes is None:
        minutes = services.start_minutes(meeting, request.user)
    attended = None
    if payload.attended is not None:
        attended = set(
            meeting.participants.filter(uuid__in=payload.attended).values_list("pk", flat=True)
        )
    data = payload.model_dump(exclude_unset=True, exclude={"attended"})
    minutes = services.save_minutes(minutes, request.user, data, attended)
    return _minutes_out(minutes)


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/minutes/decisions",
    response={201: DecisionOut, **ERRORS},
)
@performs(actions.WRITE_MINUTES)
def add_decision(request, citizen_id: UUID, meeting_id: UUID, payload: DecisionIn):
    citizen, meeting, minutes = _minutes(request, citizen_id, meeting_id, Action.UPDATE)
    if minutes is None:
        minutes = services.start_minutes(meeting, request.user)
    data = payload.model_dump(exclude={"responsible_id"})
    if payload.responsible_id:
        data["responsible"] = get_object_or_404(
            NetworkMembership.objects.active(), citizen=citizen, uuid=payload.responsible_id
        )
    return Status(201, _decision_out(services.add_decision(minutes, request.user, data)))


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/minutes/decisions/{decision_id}/to-plan",
    response={200: DecisionOut, **CONFLICT_ERRORS},
)
@performs(actions.DECISION_TO_PLAN)
def decision_to_plan(
    request, citizen_id: UUID, meeting_id: UUID, decision_id: UUID, payload: ToPlanIn
):
    """One call: the decision becomes a plan activity (or sub-goal, `make: "goal"`) on the
    plan version the caller saw; a changed plan answers 409 and nothing is stored."""
    _citizen, meeting, _m = _minutes(request, citizen_id, meeting_id, Action.UPDATE)
    decision = get_object_or_404(Decision, minutes__meeting=meeting, uuid=decision_id)
    if payload.make not in ("activity", "goal"):
        raise ValidationError({"make": ["Choose 'activity' or 'goal'."]})
    decision = services.decision_to_plan(
        decision,
        request.user,
        payload.plan_version,
        as_goal=payload.make == "goal",
        legal_basis=payload.legal_basis,
        track=payload.track,
    )
    return _decision_out(decision)


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/minutes/approve", response={200: MinutesOut, **ERRORS}
)
@performs(actions.APPROVE_MINUTES)
def approve_minutes(request, citizen_id: UUID, meeting_id: UUID):
    _citizen, _meeting_, minutes = _minutes(request, citizen_id, meeting_id, Action.UPDATE)
    if minutes is None:
        raise ValidationError("Write the minutes before approving them.")
    return _minutes_out(services.approve_minutes(minutes, request.user))


@meetings.post(
    "/{citizen_id}/meetings/{meeting_id}/minutes/send", response={200: list[str], **ERRORS}
)
@performs(actions.SEND_MINUTES)
def send_minutes(request, citizen_id: UUID, meeting_id: UUID):
    """Send the approved minutes as CareCommunication to participants outside enplan."""
    from enplan.meetings.invitations import send_minutes as send

    citizen, meeting, minutes = _minutes(request, citizen_id, meeting_id, Action.UPDATE)
    require(request.user, actions.SEND_MINUTES, citizen, origin_id=meeting.origin_id)
    if minutes is None or not minutes.locked:
        raise ValidationError("Approve the minutes before sending them.")
    return [p.name for p in send(minutes, request.user)]
