"""FHIR R4 Appointment for a meeting (validated with fhir.resources' R4B model, identical to
R4 for Appointment). The meeting's time, place, kind and participants are read by every
member of the network (they are the ones invited); the minutes are not part of it."""

from uuid import UUID

from django.http import Http404
from fhir.resources.R4B.appointment import Appointment
from ninja import Router

from enplan.citizens.access import get_visible_citizen
from enplan.meetings.models import Meeting, ParticipantRole

from .fhir import FHIR_JSON, _org_ref, _patient_ref, _resource

KIND_SYSTEM = "urn:enplan:meeting-kind"
PLACE_SYSTEM = "urn:enplan:meeting-place"
STATUS = {"planned": "booked", "held": "fulfilled", "cancelled": "cancelled"}

appointments = Router(tags=["FHIR"])


def appointment(meeting: Meeting) -> Appointment:
    citizen = meeting.citizen
    participants = [
        {
            "actor": _patient_ref(citizen),
            "required": "required",
            "status": "accepted",
        }
    ]
    for p in meeting.participants.select_related("organisation"):
        if p.role == ParticipantRole.CITIZEN:
            continue
        actor = {"display": p.name}
        if p.membership_id:
            actor["type"] = "Practitioner"
        participant = {
            "actor": actor,
            "required": "required",
            "status": {True: "accepted", False: "declined"}.get(p.attended, "needs-action"),
            "type": [{"text": str(p.get_role_display())}],
        }
        participants.append(participant)
        if p.organisation_id:
            participants.append(
                {
                    "actor": _org_ref(p.organisation),
                    "required": "information-only",
                    "status": "accepted",
                }
            )
    data = {
        "resourceType": "Appointment",
        "id": str(meeting.uuid),
        "status": STATUS[meeting.status],
        "serviceType": [
            {
                "coding": [
                    {
                        "system": KIND_SYSTEM,
                        "code": meeting.kind,
                        "display": str(meeting.get_kind_display()),
                    }
                ]
            }
        ],
        "appointmentType": {
            "coding": [{"system": PLACE_SYSTEM, "code": meeting.place_kind}],
            "text": str(meeting.get_place_kind_display()),
        },
        "description": meeting.purpose[:1000],
        "comment": meeting.working_question[:1000],
        "start": meeting.starts_at.isoformat(),
        "end": meeting.ends_at.isoformat(),
        "minutesDuration": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        "created": meeting.created_at.isoformat(),
        "participant": participants,
    }
    if meeting.is_cancelled and meeting.cancel_reason:
        data["cancelationReason"] = {"text": meeting.cancel_reason}
    return Appointment.model_validate(data)


@appointments.get(
    "/Appointment/{meeting_id}",
    summary="Read a meeting as an Appointment",
    openapi_extra={"responses": {200: {"content": {FHIR_JSON: {}}}}},
)
def read_appointment(request, meeting_id: UUID):
    meeting = (
        Meeting.objects.visible_to(request.user)
        .select_related("citizen")
        .filter(uuid=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    get_visible_citizen(request.user, meeting.citizen.uuid, "meeting")
    return _resource(appointment(meeting))
