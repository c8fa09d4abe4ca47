"""A plan activity points at an offer in the catalogue (tilbudskatalog), so that everyone who
sees the activity also sees who decides, the criteria and how to refer (004:1093–1097;
003:136–140). The link is citizen data: it is written only by someone who may change the
activity, audited, and shown only beside an activity the viewer may see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.links import UrlPattern
from enplan.plans.services import require_item

from .actions import LINK_OFFER
from .models import ActivityOffer, Offer

NOTE_MAX = 300


def offer_links(plan, activities: list) -> dict[int, list[dict]]:
    """For the plan page (registered with plans.sources): each visible activity's offer, or
    the link to point it at one. One query whatever the number of activities."""
    links = {
        link.activity_id: link
        for link in ActivityOffer.objects.filter(
            activity_id__in=[a.pk for a in activities]
        ).select_related("offer__organisation")
    }
    edit = UrlPattern("citizens:activity_offer", plan.citizen.uuid)
    catalogue = reverse("cooperation:offers")
    out = {}
    for a in activities:
        link = links.get(a.pk)
        entry = {"label": _("Offer"), "edit_url": edit(a.uuid)}
        if link is None:
            entry.update(text="", url="", edit_label=_("Point to an offer"))
        else:
            entry.update(
                text=f"{link.offer.title} ({link.offer.organisation.name})",
                url=f"{catalogue}#offer-{link.offer.uuid}",
                edit_label=_("Change offer"),
                note=link.note,
            )
        out[a.pk] = [entry]
    return out


def current(activity) -> ActivityOffer | None:
    return ActivityOffer.objects.filter(activity=activity).select_related("offer").first()


def link_offer(user, activity, offer: Offer | None, note: str = "") -> ActivityOffer | None:
    """Point `activity` at `offer` (None: take the link away). Only an offer in the catalogue
    now can be chosen; the previous link, if any, is replaced in the same transaction."""
    require_item(user, LINK_OFFER, activity)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("Keep the note to %(n)d characters.") % {"n": NOTE_MAX}]})
    if offer is not None and not offer.active:
        raise ValidationError({"offer": [_("This offer is no longer in the catalogue.")]})
    citizen = activity.plan.citizen
    with transaction.atomic():
        old = ActivityOffer.objects.select_for_update().filter(activity=activity).first()
        if old is not None:
            record(user, citizen, Action.DELETE, old)
            old.delete()
        if offer is None:
            return None
        link = ActivityOffer.objects.create(
            activity=activity, offer=offer, note=note, linked_by=user, citizen=citizen
        )
        record(user, citizen, Action.CREATE, link)
        return link
