"""The directory (kontaktoversigt) and callbacks: every organisation and its key persons with
direct phone, phone hours and e-mail, the secure channel (SOR/EAN) and when its own staff last
verified the entry; a callback records a topic and a deadline for the other side.
No citizen's data."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.network.permissions import require
from enplan.organisations.models import Organisation, Professional

from .actions import CLOSE_CALLBACK, REQUEST_CALLBACK, VERIFY_DIRECTORY
from .models import Callback, Verification

MAX_AHEAD = datetime.timedelta(days=90)


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(days=30 * getattr(settings, "ENPLAN_DIRECTORY_STALE_MONTHS", 6))


def search(q: str = "", sector: str = "") -> tuple[list[Organisation], list[Professional]]:
    """Organisations and key persons by name, organisation, sector, municipality or role."""
    orgs = Organisation.objects.order_by("name")
    people = Professional.objects.select_related("organisation").order_by("name")
    if sector:
        orgs = orgs.filter(sector=sector)
        people = people.filter(organisation__sector=sector)
    q = q.strip()
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(municipality_code=q) | Q(sor_code=q))
        people = people.filter(
            Q(name__icontains=q)
            | Q(organisation__name__icontains=q)
            | Q(profession__icontains=q)
            | Q(organisation__municipality_code=q)
        )
    orgs = list(orgs[:100])
    verified = dict(
        Verification.objects.filter(organisation__in=orgs).values_list(
            "organisation_id", "last_verified"
        )
    )
    limit = timezone.localdate() - stale_after()
    for o in orgs:
        o.last_verified = verified.get(o.pk)
        o.stale = o.last_verified is None or o.last_verified < limit
    return orgs, list(people[:100])


def own_entry_is_stale(user) -> bool:
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return False
    row = Verification.objects.filter(organisation_id=professional.organisation_id).first()
    return row is None or row.last_verified < timezone.localdate() - stale_after()


def verify(user) -> Verification:
    require(user, VERIFY_DIRECTORY, None)
    org = user.professional_or_none.organisation
    row, _created = Verification.objects.update_or_create(
        organisation=org,
        defaults={"last_verified": timezone.localdate(), "verified_by": user},
    )
    return row


def request_callback(
    user,
    *,
    to_organisation: Organisation,
    to_professional: Professional | None,
    topic: str,
    deadline: datetime.date,
    caller_phone: str = "",
) -> Callback:
    require(user, REQUEST_CALLBACK, None)
    professional = user.professional_or_none
    errors = {}
    today = timezone.localdate()
    if deadline < today:
        errors["deadline"] = _("The deadline cannot be before today.")
    elif deadline > today + MAX_AHEAD:
        errors["deadline"] = _("Choose a deadline within three months.")
    if not topic.strip():
        errors["topic"] = _("Write what the call is about.")
    if to_professional is not None and to_professional.organisation_id != to_organisation.pk:
        errors["to_professional"] = _("Choose a person who works at the organisation.")
    if to_organisation.pk == professional.organisation_id:
        errors["to_organisation"] = _("Choose another organisation than your own.")
    phone = caller_phone.strip() or professional.phone or professional.organisation.phone
    if not phone:
        errors["caller_phone"] = _("Give a phone number to call back on.")
    if errors:
        raise ValidationError(errors)
    return Callback.objects.create(
        requested_by=user,
        from_organisation=professional.organisation,
        caller_phone=phone,
        to_organisation=to_organisation,
        to_professional=to_professional,
        topic=topic.strip(),
        deadline=deadline,
    )


def close_callback(user, callback: Callback) -> Callback:
    require(user, CLOSE_CALLBACK, None)
    if user.professional_or_none.organisation_id != callback.to_organisation_id:
        raise PermissionDenied(_("Only the organisation asked to call back can mark it done."))
    with transaction.atomic():
        if callback.done_at is None:
            callback.done_at = timezone.now()
            callback.save(update_fields=["done_at", "updated_at"])
    return callback


def callbacks_for(user):
    """(asked of my organisation, asked by my organisation), open first."""
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        return [], []
    base = Callback.objects.select_related(
        "from_organisation", "to_organisation", "to_professional"
    )
    org = professional.organisation_id
    return (
        list(base.filter(to_organisation_id=org).order_by("done_at", "deadline")[:200]),
        list(base.filter(from_organisation_id=org).order_by("done_at", "deadline")[:200]),
    )
