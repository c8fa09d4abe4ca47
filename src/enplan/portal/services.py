"""What the citizen sees and does in the portal, read from and written through the apps that
own the data (plans, network, meetings, consent, audit, gdpr). Everything here takes the
citizen from `access.own_citizen`; nothing takes an id of a citizen from outside."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import accesses_to, record
from enplan.consent import services as consent_services
from enplan.consent.models import Category, Consent, GivenHow
from enplan.meetings import services as meeting_services
from enplan.meetings.actions import CITIZEN_REQUEST
from enplan.meetings.models import Meeting, MeetingRequest, MinutesState
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.permissions import require
from enplan.plans.models import TEXT_MAX
from enplan.plans.services import plan_of

from .actions import WRITE_NOTE
from .models import Comment

GOAL_MAX = 1000  # her final goal: a few sentences in her own words
COMMENT_MAX = 2000


@dataclass
class Overview:
    plan: object
    goals: list
    now: list  # activities running today
    soon: list  # activities starting within three months
    next_meeting: object | None


def overview(citizen) -> Overview:
    plan = plan_of(citizen)
    today = timezone.localdate()
    in_three = today + datetime.timedelta(days=92)
    if plan.pk is None:
        goals, activities = [], []
    else:
        goals = list(plan.goals.all())
        activities = list(
            plan.activities.select_related("organisation", "responsible__professional").exclude(
                status__in=("cancelled",)
            )
        )
    now = [
        a for a in activities if a.starts_on <= today and (a.ends_on is None or a.ends_on >= today)
    ]
    soon = [a for a in activities if today < a.starts_on <= in_three]
    return Overview(plan, goals, now, soon, next_meeting(citizen))


def contacts(citizen) -> list[NetworkMembership]:
    """Everyone in her network, the coordinating caseworker first."""
    rows = list(
        NetworkMembership.objects.active()
        .filter(citizen=citizen)
        .select_related("professional", "organisation")
    )
    rows.sort(key=lambda m: (m.role != NetworkRole.COORDINATOR, m.organisation.name))
    return rows


def meetings(citizen) -> list[Meeting]:
    rows = list(
        Meeting.objects.filter(citizen=citizen)
        .prefetch_related("agenda", "minutes__decisions", "requests")
        .order_by("-starts_at")
    )
    now = timezone.now()
    for m in rows:
        # She may ask for an interpreter or another place while the meeting is ahead.
        m.open_for_requests = m.status == "planned" and m.starts_at > now
        # What she has asked and not yet had an answer to is not offered again meanwhile.
        m.waiting_for = {r.kind for r in m.requests.all() if r.is_pending}
        approved = [x for x in m.minutes.all() if x.state == MinutesState.APPROVED]
        m.approved_minutes = max(approved, key=lambda x: x.number) if approved else None
        latest = max(m.minutes.all(), key=lambda x: x.number, default=None)
        # The check is open after the meeting, while its minutes are a draft.
        m.check_open = (
            m.starts_at <= now and latest is not None and latest.state == MinutesState.DRAFT
        )
        m.check_minutes = latest
    return rows


def interpreter_languages() -> list[tuple[str, str]]:
    """The languages she can ask an interpreter for (everyone at the meeting speaks Danish)."""
    from enplan.citizens.models import Language

    return [(v, label) for v, label in Language.choices if v != Language.DA]


def next_meeting(citizen) -> Meeting | None:
    return (
        Meeting.objects.filter(citizen=citizen, starts_at__gte=timezone.now())
        .exclude(status="cancelled")
        .order_by("starts_at")
        .first()
    )


CERTIFICATE_STEPS = ("requested", "received", "answered", "used")


def certificates(citizen) -> list:
    """Her certificate requests (attester), newest first, each with the steps it has passed
    (requested → received → answered → used); the status is computed in one query."""
    from enplan.certificates.models import CertificateRequest

    rows = list(
        CertificateRequest.objects.filter(citizen=citizen)
        .with_progress()
        .select_related("kind", "recipient")
    )
    for r in rows:
        reached = CERTIFICATE_STEPS.index(r.status)
        r.steps = [(step, i <= reached, i == reached) for i, step in enumerate(CERTIFICATE_STEPS)]
    return rows


def consents(citizen) -> list[Consent]:
    rows = list(
        Consent.objects.filter(citizen=citizen)
        .select_related("source_organisation", "recipient_organisation")
        .order_by("withdrawn_at", "-valid_from")
    )
    return rows


def access_log(citizen, limit: int = 200) -> list:
    return list(accesses_to(citizen.uuid)[:limit])


def coordinator(citizen) -> NetworkMembership | None:
    return (
        NetworkMembership.objects.active()
        .filter(citizen=citizen, role=NetworkRole.COORDINATOR)
        .select_related("professional", "organisation")
        .first()
    )


def clean_text(text: str, limit: int, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [_("Please write something first.")]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("Please keep it shorter: at most %(limit)d characters.") % {"limit": limit}]}
        )
    return text


def write_to_caseworker(
    citizen, user, text: str, goal=None, meeting_request: MeetingRequest | None = None
) -> Comment:
    """A note from the citizen: it stays in enplan, on her plan, for the network to read.
    With `meeting_request` the note tells about her request (her own words optional)."""
    if meeting_request is None or (text or "").strip():
        text = clean_text(text, COMMENT_MAX, "text")
    require(user, WRITE_NOTE, citizen)
    with transaction.atomic():
        comment = Comment.objects.create(
            citizen=citizen, goal=goal, text=text or "", meeting_request=meeting_request
        )
        record(user, citizen, Action.CREATE, ("portal_comment", str(comment.pk)))
    return comment


def ask_about_meeting(citizen, user, meeting: Meeting, kind: str, data: dict) -> MeetingRequest:
    """She asks for an interpreter or another place: the request is stored in meetings, and her
    coordinating caseworker is told through her notes, in the same transaction."""
    # Both checks before the transaction: a refusal's audit row must not roll back with it.
    require(user, CITIZEN_REQUEST, citizen)
    require(user, WRITE_NOTE, citizen)
    with transaction.atomic():
        req = meeting_services.request_change(meeting, user, kind, data)
        write_to_caseworker(citizen, user, req.note, meeting_request=req)
    return req


assert GOAL_MAX <= TEXT_MAX


def check_items() -> list[tuple[str, str]]:
    """The four questions of the check, in plain words (001:2511–2533)."""
    return [
        ("check_overview", _("I know where I am and what comes next")),
        ("check_meeting", _("I had a say in today's meeting")),
        ("check_agreed", _("I had a say in what we agreed")),
        ("check_optimism", _("I feel good about what comes next")),
    ]


def consent_choices(citizen) -> dict:
    """What she may give consent to: between organisations in her network, for the
    categories her municipality allows."""
    organisations = {m.organisation_id: m.organisation for m in contacts(citizen)}
    allowed = set(settings.PORTAL_CONSENT_CATEGORIES)
    return {
        "organisations": sorted(organisations.values(), key=lambda o: o.name),
        "categories": [(v, label) for v, label in Category.choices if v in allowed],
        "max_days": settings.PORTAL_CONSENT_MAX_DAYS,
    }


def give_consent(citizen, user, data: dict) -> Consent:
    """She gives a consent herself, within what is allowed; the consent module records it
    (and checks the period, the sides and her right to do it)."""
    choices = consent_choices(citizen)
    by_uuid = {str(o.uuid): o for o in choices["organisations"]}
    source, recipient = by_uuid.get(data.get("source", "")), by_uuid.get(data.get("recipient", ""))
    if source is None or recipient is None or source == recipient:
        raise ValidationError({"source": [_("Choose two different places from your contacts.")]})
    allowed = {v for v, _label in choices["categories"]}
    categories = [c for c in data.get("categories", []) if c]
    if not categories or not set(categories) <= allowed:
        raise ValidationError({"categories": [_("Choose what may be told, from the list.")]})
    today = timezone.localdate()
    try:
        days = int(data.get("days", ""))
    except ValueError:
        days = 0
    if not 1 <= days <= choices["max_days"]:
        raise ValidationError(
            {"days": [_("Choose a period from 1 to %(n)d days.") % {"n": choices["max_days"]}]}
        )
    purpose = clean_text(data.get("purpose", ""), 1000, "purpose")
    return consent_services.give(
        citizen,
        user,
        Consent(
            source_organisation=source,
            recipient_organisation=recipient,
            categories=categories,
            purpose=purpose,
            valid_from=today,
            valid_to=today + datetime.timedelta(days=days),
            given_how=GivenHow.DIGITAL,
        ),
    )
