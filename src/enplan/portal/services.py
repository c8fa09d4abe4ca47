"""What the citizen sees and does in the portal, read from and written through the apps that
own the data (plans, network, meetings, consent, audit, gdpr). Everything here takes the
citizen from `access.own_citizen`; nothing takes an id of a citizen from outside."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import accesses_to, record
from enplan.consent.models import Consent
from enplan.meetings.models import Meeting, MinutesState
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
        .prefetch_related("agenda", "minutes__decisions")
        .order_by("-starts_at")
    )
    now = timezone.now()
    for m in rows:
        approved = [x for x in m.minutes.all() if x.state == MinutesState.APPROVED]
        m.approved_minutes = max(approved, key=lambda x: x.number) if approved else None
        latest = max(m.minutes.all(), key=lambda x: x.number, default=None)
        # The check is open after the meeting, while its minutes are a draft.
        m.check_open = (
            m.starts_at <= now and latest is not None and latest.state == MinutesState.DRAFT
        )
        m.check_minutes = latest
    return rows


def next_meeting(citizen) -> Meeting | None:
    return (
        Meeting.objects.filter(citizen=citizen, starts_at__gte=timezone.now())
        .exclude(status="cancelled")
        .order_by("starts_at")
        .first()
    )


def consents(citizen) -> list[Consent]:
    return list(
        Consent.objects.filter(citizen=citizen)
        .select_related("source_organisation", "recipient_organisation")
        .order_by("withdrawn_at", "-valid_from")
    )


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


def write_to_caseworker(citizen, user, text: str, goal=None) -> Comment:
    """A note from the citizen: it stays in enplan, on her plan, for the network to read."""
    text = clean_text(text, COMMENT_MAX, "text")
    require(user, WRITE_NOTE, citizen)
    with transaction.atomic():
        comment = Comment.objects.create(citizen=citizen, goal=goal, text=text)
        record(user, citizen, Action.CREATE, ("portal_comment", str(comment.pk)))
    return comment


assert GOAL_MAX <= TEXT_MAX


def check_items() -> list[tuple[str, str]]:
    """The four questions of the check, in plain words (001:2511–2533)."""
    return [
        ("check_overview", _("I know where I am and what comes next")),
        ("check_meeting", _("I had a say in today's meeting")),
        ("check_agreed", _("I had a say in what we agreed")),
        ("check_optimism", _("I feel good about what comes next")),
    ]
