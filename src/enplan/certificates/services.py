"""The rules of certificate requests: what a request must say, the duplicate and timing
guards, sending as CareCommunication under consent, the answer and closing.

Guards follow the GP and trauma-clinic report: requests too often and at the wrong time
(003:244–252, 002:283), too general (003:254–258), without a visible consequence
(003:262–270); a phone call to the clinic before asking (003:391–393)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.messaging import sending
from enplan.messaging.models import MedComCategory
from enplan.network.models import NetworkMembership
from enplan.network.permissions import require
from enplan.organisations.models import Organisation, Sector
from enplan.plans.models import Activity, ActivityStatus, TrackKind

from .actions import CLOSE, RECORD_ANSWER, REQUEST
from .models import CertificateKind, CertificateRequest, Status, TimingConsulted

DUPLICATE_WINDOW = timedelta(days=91)  # "within 3 months" (002:283: the same forms again)
MAX_AHEAD = timedelta(days=366)
TREATMENT_SECTORS = (Sector.TRAUMA_CLINIC, Sector.PSYCHIATRY)
RECIPIENT_SECTORS = (
    Sector.GENERAL_PRACTICE,
    Sector.PSYCHIATRY,
    Sector.TRAUMA_CLINIC,
    Sector.OTHER,  # private psychologists are registered as "other"
)


@dataclass
class RequestSpec:
    kind: CertificateKind
    recipient: Organisation
    purpose: str
    questions: list[str]
    wanted_by: date
    activities: list[Activity] = field(default_factory=list)
    duplicate_reason: str = ""
    timing_consulted: str = ""
    timing_note: str = ""
    uploads: list[sending.Upload] = field(default_factory=list)


def recipients(citizen, own_org_id: int | None):
    """Health organisations in the citizen's network (the jobcenter asks those it works with)."""
    return (
        Organisation.objects.filter(
            memberships__citizen=citizen,
            memberships__ended_at__isnull=True,
            sector__in=RECIPIENT_SECTORS,
        )
        .exclude(pk=own_org_id)
        .distinct()
        .order_by("name")
    )


def duplicates(citizen, kind: CertificateKind, now=None) -> list[CertificateRequest]:
    """Requests of the same kind for the same citizen within the last three months."""
    now = now or timezone.now()
    return list(
        CertificateRequest.objects.with_progress()
        .filter(citizen=citizen, kind=kind, created_at__gte=now - DUPLICATE_WINDOW)
        .select_related("recipient", "kind")
        .order_by("-created_at")
    )


def treatment_courses(citizen) -> list[str]:
    """What makes this a bad moment to ask: active trauma or psychiatric treatment in the
    network, or an ongoing treatment activity in the plan (003:244–250)."""
    found = [
        f"{name} ({Sector(sector).label})"
        for name, sector in NetworkMembership.objects.active()
        .filter(citizen=citizen, organisation__sector__in=TREATMENT_SECTORS)
        .values_list("organisation__name", "organisation__sector")
        .distinct()
    ]
    found += [
        title
        for title in Activity.objects.filter(
            citizen=citizen, track=TrackKind.TREATMENT, status=ActivityStatus.ONGOING
        ).values_list("title", flat=True)
    ]
    return found


def validate(citizen, spec: RequestSpec, today: date | None = None) -> dict[str, str]:
    """The rules, as field -> message (empty when the request may go)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not spec.purpose.strip():
        errors["purpose"] = _("Write what the answer will be used for.")
    if not [q for q in spec.questions if q.strip()]:
        errors["questions"] = _("Ask at least one specific question.")
    if spec.wanted_by < today:
        errors["wanted_by"] = _("The answer date cannot be in the past.")
    elif spec.wanted_by > today + MAX_AHEAD:
        errors["wanted_by"] = _("Choose an answer date within a year.")
    if not spec.kind.active:
        errors["kind"] = _("This kind of certificate is no longer in use.")
    if duplicates(citizen, spec.kind) and not spec.duplicate_reason.strip():
        errors["duplicate_reason"] = _(
            "A certificate of this kind was requested within the last three months. "
            "Read the earlier request and its answer, and write why a new one is needed."
        )
    if treatment_courses(citizen) and spec.timing_consulted not in (
        TimingConsulted.YES,
        TimingConsulted.NO,
    ):
        errors["timing_consulted"] = _(
            "The citizen is in a treatment course. Say whether the clinic was consulted "
            "about the timing."
        )
    for activity in spec.activities:
        if activity.citizen_id != citizen.pk:
            errors["activities"] = _("Choose activities from this citizen's plan.")
    return errors


def _text(spec: RequestSpec) -> str:
    lines = [
        _("Certificate request: %(kind)s") % {"kind": spec.kind.name},
        "",
        _("What the answer will be used for:"),
        spec.purpose.strip(),
    ]
    if spec.activities:
        lines += ["", _("Activities being considered:")]
        lines += [f"- {a.title}" for a in spec.activities]
    lines += ["", _("Questions:")]
    lines += [f"{n}. {q.strip()}" for n, q in enumerate(spec.questions, 1) if q.strip()]
    lines += [
        "",
        _("Answer wanted by %(date)s.") % {"date": spec.wanted_by.strftime("%d-%m-%Y")},
        _(
            "Please keep the assessment of health and function apart from any comment on "
            "work capacity."
        ),
    ]
    if spec.timing_consulted == TimingConsulted.YES:
        lines.append(_("The timing was agreed with the clinic beforehand."))
    if spec.timing_note.strip():
        lines.append(spec.timing_note.strip())
    return "\n".join(lines)


def create_request(user, citizen, spec: RequestSpec) -> CertificateRequest:
    """Check, store and send a request; on any error nothing is stored and nothing sent."""
    require(user, REQUEST, citizen, origin_sector=Sector.JOBCENTER)
    errors = validate(citizen, spec)
    if errors:
        raise ValidationError(errors)
    professional = user.professional_or_none
    earlier = duplicates(citizen, spec.kind)
    with transaction.atomic():
        message = sending.compose(
            user,
            citizen,
            partner=spec.recipient,
            category=MedComCategory.OTHER,
            topic=(_("Attest: %(kind)s") % {"kind": spec.kind.name})[:60],
            text=_text(spec),
            uploads=spec.uploads,
        )
        req = CertificateRequest.objects.create(
            citizen=citizen,
            organisation=professional.organisation,
            recipient=spec.recipient,
            origin=spec.recipient,
            kind=spec.kind,
            purpose=spec.purpose.strip(),
            questions=[q.strip() for q in spec.questions if q.strip()],
            wanted_by=spec.wanted_by,
            duplicate_of=earlier[0] if earlier else None,
            duplicate_reason=spec.duplicate_reason.strip() if earlier else "",
            timing_consulted=spec.timing_consulted,
            timing_note=spec.timing_note.strip(),
            thread=message.thread,
            requested_by=user,
        )
        req.activities.set(spec.activities)
        record(user, citizen, Action.CREATE, req, kind=spec.kind.name)
    return req


def record_answer(
    user, req: CertificateRequest, *, health_assessment: str, work_capacity_comment: str = ""
) -> CertificateRequest:
    """An answer that came outside enplan (paper, e-Boks), entered by the caseworker."""
    require(user, RECORD_ANSWER, req.citizen, origin_id=req.organisation_id)
    if req.used_at:
        raise ValidationError(_("This request is closed."))
    if not health_assessment.strip():
        raise ValidationError(
            {"health_assessment": _("Enter the assessment of health and function.")}
        )
    with transaction.atomic():
        req.health_assessment = health_assessment.strip()
        req.work_capacity_comment = work_capacity_comment.strip()
        req.answered_at = req.answered_at or timezone.now()
        req.save(
            update_fields=[
                "health_assessment",
                "work_capacity_comment",
                "answered_at",
                "updated_at",
            ]
        )
        record(user, req.citizen, Action.UPDATE, req, answer="entered")
    return req


def close(user, req: CertificateRequest, *, used_note: str) -> CertificateRequest:
    """Requested → … → used: closing says how the answer was used (003:262–270)."""
    require(user, CLOSE, req.citizen, origin_id=req.organisation_id)
    if req.used_at:
        raise ValidationError(_("This request is already closed."))
    if req.status != Status.ANSWERED:
        raise ValidationError(_("A request can be closed once it is answered."))
    if not used_note.strip():
        raise ValidationError({"used_note": _("Write how the answer was used in the case.")})
    with transaction.atomic():
        req.used_note = used_note.strip()
        req.used_at = timezone.now()
        # Keep the reply's time with the request: the turnaround no longer depends on the thread.
        if req.answered_at is None:
            req.answered_at = req.first_reply_at
        req.save(update_fields=["used_note", "used_at", "answered_at", "updated_at"])
        record(user, req.citizen, Action.UPDATE, req, status="used")
    return req


def remind_overdue() -> int:
    """E-mail the caseworker who asked, once, when a request is past its wanted date without
    an answer. Returns how many reminders went out."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation
    from django.utils.formats import date_format

    from enplan.core.reminders import link, send_once

    sent = 0
    rows = CertificateRequest.objects.overdue().select_related(
        "citizen", "kind", "recipient", "requested_by"
    )
    with translation.override(settings.LANGUAGE_CODE):
        for r in rows:
            if r.requested_by is None:
                continue
            path = reverse("citizens:certificate", args=[r.citizen.uuid, r.uuid])
            subject = _("Certificate past its date: %(kind)s") % {"kind": r.kind}
            body = _(
                "The answer from %(recipient)s was wanted by %(day)s and has not come.\n"
                "See the request in enplan: %(link)s"
            ) % {
                "recipient": r.recipient.name,
                "day": date_format(r.wanted_by, "SHORT_DATE_FORMAT"),
                "link": link(path),
            }
            sent += send_once(
                f"certificates.overdue:{r.uuid}", [r.requested_by.email], subject, body
            )
    return sent
