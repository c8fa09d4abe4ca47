"""Agreements: writing one, and its compliance computed from the real data.

Compliance is counts only (a manager reads it; no citizen is named): certificate requests
between the parties answered within the agreed days, cooperation meetings held in the last
year against the agreed number, and discharge conferences held within the agreed working
days (003:284–330; 000:2220–2226)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.certificates.models import CertificateRequest
from enplan.consent.models import Category
from enplan.meetings.workdays import add_working_days
from enplan.network.permissions import require
from enplan.organisations.models import Organisation

from . import queries
from .actions import WRITE_AGREEMENT
from .models import Agreement, Callback, Contact

YEAR = datetime.timedelta(days=365)


@dataclass
class ContactSpec:
    organisation: Organisation
    name: str
    role: str = ""
    phone: str = ""
    phone_hours: str = ""
    email: str = ""


def visible_agreements(user):
    """A professional sees her organisation's agreements; managers and politicians all of
    them (they hold no citizen's data)."""
    qs = Agreement.objects.prefetch_related("parties")
    if getattr(user, "role", None) in ("manager", "politician"):
        return qs
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return qs.none()
    return qs.filter(parties=professional.organisation_id).distinct()


def create_agreement(
    user, data: dict, parties: list[Organisation], contacts: list[ContactSpec]
) -> Agreement:
    require(user, WRITE_AGREEMENT, None)
    own = user.professional_or_none.organisation
    party_ids = {p.pk for p in parties} | {own.pk}
    errors = {}
    if len(party_ids) < 2:
        errors["parties"] = _("Choose at least one partner organisation.")
    if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        errors["valid_to"] = _("The end date must be after the start date.")
    unknown = set(data.get("shared_categories") or []) - set(Category.values)
    if unknown:
        errors["shared_categories"] = _("Choose categories from the list.")
    if not data.get("responsibilities", "").strip():
        errors["responsibilities"] = _("Write who does what.")
    for c in contacts:
        if c.organisation.pk not in party_ids:
            errors["contacts"] = _("A contact person must work at one of the parties.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = Agreement.objects.create(created_by=user, **data)
        agreement.parties.set(party_ids)
        Contact.objects.bulk_create(
            Contact(agreement=agreement, **c.__dict__) for c in contacts if c.name.strip()
        )
    return agreement


@dataclass
class Compliance:
    since: datetime.date
    certificates: int
    certificates_on_time: int
    certificates_late: int
    certificates_waiting: int
    certificates_overdue: int
    median_days: float | None
    meetings_held: int | None
    meetings_required: int
    discharges: int
    discharges_on_time: int
    callbacks: int = 0
    callbacks_kept: int = 0
    callbacks_overdue: int = 0

    @property
    def meetings_ok(self) -> bool | None:
        return None if self.meetings_held is None else self.meetings_held >= self.meetings_required


def compliance(agreement: Agreement, now: datetime.datetime | None = None) -> Compliance:
    now = now or timezone.now()
    start = max(
        timezone.make_aware(datetime.datetime.combine(agreement.valid_from, datetime.time())),
        now - YEAR,
    )
    org_ids = list(agreement.parties.values_list("pk", flat=True))
    rows = list(
        CertificateRequest.objects.with_progress()
        .filter(organisation_id__in=org_ids, recipient_id__in=org_ids, created_at__gte=start)
        .only("created_at", "answered_at", "used_at", "wanted_by")
    )
    limit = agreement.certificate_answer_days
    on_time = late = waiting = overdue = 0
    days = []
    for r in rows:
        t = r.turnaround_days
        if t is None:
            age = (timezone.localdate(now) - timezone.localtime(r.created_at).date()).days
            waiting += 1
            overdue += age > limit
        else:
            days.append(t)
            if t <= limit:
                on_time += 1
            else:
                late += 1
    days.sort()
    median = None
    if days:
        mid = len(days) // 2
        median = float(days[mid]) if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    discharges = queries.discharge_conferences(org_ids, start)
    discharge_ok = sum(
        1
        for asked, starts in discharges
        if timezone.localtime(starts).date()
        <= add_working_days(
            timezone.localtime(asked).date(), agreement.discharge_conference_working_days
        )
    )
    calls = list(
        Callback.objects.filter(
            from_organisation_id__in=org_ids, to_organisation_id__in=org_ids, created_at__gte=start
        ).only("done_at", "deadline")
    )
    today = timezone.localdate(now)
    return Compliance(
        callbacks=len(calls),
        callbacks_kept=sum(1 for c in calls if c.kept),
        callbacks_overdue=sum(1 for c in calls if c.done_at is None and c.deadline < today),
        since=timezone.localtime(start).date(),
        certificates=len(rows),
        certificates_on_time=on_time,
        certificates_late=late,
        certificates_waiting=waiting,
        certificates_overdue=overdue,
        median_days=median,
        meetings_held=queries.held_cooperation_meetings(org_ids, start),
        meetings_required=agreement.cooperation_meetings_per_year,
        discharges=len(discharges),
        discharges_on_time=discharge_ok,
    )
