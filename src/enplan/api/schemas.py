"""Request and response shapes, for validation of types and for the OpenAPI document.
Business rules (lengths, dates, roles) are enforced by the shared forms and services."""

import datetime
from uuid import UUID

from ninja import Schema

from enplan.core.validators import SaneDate, SaneDateTime


class Error(Schema):
    detail: str


class ValidationErrors(Schema):
    detail: str
    errors: dict[str, list[str]]


class Conflict(Schema):
    detail: str
    current_version: int


class CitizenSummary(Schema):
    id: UUID
    name: str
    my_role: str | None
    target_group: str | None
    next_followup: datetime.datetime | None
    overdue_activities: int
    last_contact: datetime.datetime | None


class RegistrationReceived(Schema):
    detail: str


class CitizenOut(Schema):
    id: UUID
    cpr: str
    birth_date: datetime.date
    given_name: str
    family_name: str
    municipality_code: str
    phone: str
    preferred_language: str
    needs_interpreter: bool
    interpreter_language: str
    interpreter_dialect: str
    communication_preferences: str


class CitizenIn(Schema):
    cpr: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    municipality_code: str | None = None
    phone: str | None = None
    preferred_language: str | None = None
    needs_interpreter: bool | None = None
    interpreter_language: str | None = None
    interpreter_dialect: str | None = None
    communication_preferences: str | None = None


class NewCitizenIn(CitizenIn):
    preferred_language: str = "da"
    needs_interpreter: bool = False
    my_role: str = "coordinator"


class MemberOut(Schema):
    id: UUID
    role: str
    role_label: str
    professional: str | None
    professional_id: UUID | None
    organisation: str
    organisation_id: UUID
    sector: str
    sor_code: str
    phone: str
    phone_hours: str
    since: datetime.datetime


class MemberIn(Schema):
    role: str
    professional: UUID | None = None
    organisation: UUID | None = None
    note: str = ""


class HandoverIn(Schema):
    to_professional: UUID
    note: str


class GoalOut(Schema):
    id: UUID
    title: str
    area: int | None
    target_date: datetime.date | None
    status: str
    evaluation: str


class ActivityOut(Schema):
    id: UUID
    title: str
    goal: UUID | None
    track: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    responsible: UUID | None
    responsible_name: str | None
    organisation: UUID | None
    organisation_name: str | None
    purpose: str
    legal_basis: str
    legal_reference: str
    status: str
    citizen_view: str
    evaluation: str


class TrackOut(Schema):
    id: UUID
    kind: str
    status: str
    summary: str
    ready_for_next_step: bool
    ready_note: str
    ready_signalled_at: datetime.datetime | None


class OwnTask(Schema):
    """What the responsible person sees of her own activity without consent."""

    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None


class NotShared(Schema):
    """Something that exists but is not shared with the caller: consent is missing."""

    kind: str
    id: str
    category: str
    origin: str
    own_task: OwnTask | None = None


class PlanOut(Schema):
    id: UUID
    citizen: UUID
    version: int
    not_shared: list[NotShared]
    final_goal: str | None
    area_future: str | None
    area_everyday: str | None
    area_health: str | None
    area_psychiatry: str | None
    area_jobcenter: str | None
    mentor_role: str | None
    support_contact_role: str | None
    followup_at: datetime.datetime | None
    followup_place: str | None
    followup_with: str | None
    updated_at: datetime.datetime
    goals: list[GoalOut]
    activities: list[ActivityOut]
    tracks: list[TrackOut]


class Versioned(Schema):
    version: int


class PlanIn(Versioned):
    final_goal: str | None = None
    area_future: str | None = None
    area_everyday: str | None = None
    area_health: str | None = None
    area_psychiatry: str | None = None
    area_jobcenter: str | None = None
    mentor_role: str | None = None
    support_contact_role: str | None = None
    followup_at: SaneDateTime | None = None
    followup_place: str | None = None
    followup_with: str | None = None


class GoalIn(Versioned):
    title: str | None = None
    area: int | None = None
    target_date: SaneDate | None = None
    status: str | None = None
    evaluation: str | None = None


class ActivityIn(Versioned):
    title: str | None = None
    goal: UUID | None = None
    track: str | None = None
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None
    responsible: UUID | None = None
    organisation: UUID | None = None
    purpose: str | None = None
    legal_basis: str | None = None
    legal_reference: str | None = None
    status: str | None = None
    citizen_view: str | None = None
    evaluation: str | None = None


class TrackIn(Versioned):
    status: str | None = None
    summary: str | None = None
    ready_for_next_step: bool | None = None
    ready_note: str | None = None


class VersionOut(Schema):
    number: int
    change: str
    subject: str
    author: str | None
    created_at: datetime.datetime


class VersionDetail(VersionOut):
    snapshot: dict


class AccessOut(Schema):
    at: datetime.datetime
    who: str
    organisation: str
    role: str
    action: str
    object_type: str
    channel: str


class ConsentOut(Schema):
    id: UUID
    source_organisation: UUID | None
    source_organisation_name: str | None
    source_sector: str
    source_any: bool
    needs_review: bool
    has_document: bool
    recipient_organisation: UUID | None
    recipient_organisation_name: str | None
    recipient_sector: str
    categories: list[str]
    purpose: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    given_how: str
    state: str
    recorded_by: str | None
    withdrawn_at: datetime.datetime | None


class ConsentIn(Schema):
    source_organisation: UUID | None = None
    source_sector: str = ""
    recipient_organisation: UUID | None = None
    recipient_sector: str = ""
    categories: list[str]
    purpose: str
    valid_from: SaneDate
    valid_to: SaneDate | None = None
    given_how: str


class WithdrawIn(Schema):
    note: str = ""
