"""Systematic notifications (DOMAIN.md item 7), each consent-gated and switchable per partner:

- a coordinating caseworker is assigned → the citizen's GP;
- treatment starts (with its plan and expected duration) or ends (with a discharge summary)
  → the jobcenter of the coordinating caseworker;
- an intervention such as a work placement is planned → the GP and clinics, for comments
  before it starts.

They are messages like any other: in the recipient's inbox when it works in enplan, as
CareCommunication otherwise. Nothing is sent without the citizen's consent to share
messages with the recipient, and nothing when the sending organisation has switched the
kind off for that partner.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from enplan.consent.models import Category
from enplan.consent.policy import shares_with
from enplan.network.permissions import require
from enplan.network.queries import coordinator_of
from enplan.organisations.models import Organisation, Sector

from .actions import NOTIFICATION_SETTINGS
from .models import MedComCategory, NotificationKind, NotificationSetting

log = logging.getLogger("enplan.messaging")

HEALTH = (Sector.PSYCHIATRY, Sector.TRAUMA_CLINIC, Sector.SUBSTANCE_ABUSE, Sector.GENERAL_PRACTICE)
CLINICS = (Sector.PSYCHIATRY, Sector.TRAUMA_CLINIC, Sector.SUBSTANCE_ABUSE)


def partners_of(org: Organisation):
    """Organisations that share at least one citizen's network with `org`."""
    return (
        Organisation.objects.filter(
            memberships__ended_at__isnull=True,
            memberships__citizen__memberships__organisation=org,
            memberships__citizen__memberships__ended_at__isnull=True,
        )
        .exclude(pk=org.pk)
        .exclude(sor_code="")
        .distinct()
        .order_by("name")
    )


def save_settings(user, org: Organisation, switches: dict[str, bool]) -> None:
    """Store the organisation's switches ({"<partner id>:<kind>": on})."""
    require(user, NOTIFICATION_SETTINGS, None)
    for name, on in switches.items():
        partner_id, kind = name.split(":")
        NotificationSetting.objects.update_or_create(
            organisation=org, partner_id=int(partner_id), kind=kind, defaults={"enabled": on}
        )


def enabled(org: Organisation, partner: Organisation, kind: str) -> bool:
    setting = NotificationSetting.objects.filter(
        organisation=org, partner=partner, kind=kind
    ).first()
    return setting.enabled if setting else True


def _network_orgs(citizen, sectors) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            memberships__citizen=citizen,
            memberships__ended_at__isnull=True,
            sector__in=sectors,
        )
        .exclude(sor_code="")
        .distinct()
    )


def _jobcenter(citizen) -> list[Organisation]:
    coordinator = coordinator_of(citizen)
    return [coordinator.organisation] if coordinator else []


def notify(
    actor,
    citizen,
    kind: str,
    recipients: list[Organisation],
    text: str,
    category: str = MedComCategory.CARE_COORDINATION,
) -> list:
    """Send one notification to each recipient that may and wants to get it. Returns the
    messages sent; the reasons for any skipped are logged."""
    from .sending import compose

    professional = getattr(actor, "professional_or_none", None)
    if professional is None or not professional.organisation.sor_code:
        return []
    org = professional.organisation
    sent = []
    for partner in recipients:
        if partner.pk == org.pk or not partner.sor_code:
            continue
        if not enabled(org, partner, kind):
            log.info("notification %s to %s is switched off", kind, partner.pk)
            continue
        if not shares_with(citizen, partner, Category.MESSAGES, origin=org):
            log.info("notification %s to %s skipped: no consent", kind, partner.pk)
            continue
        try:
            sent.append(
                compose(
                    actor,
                    citizen,
                    partner=partner,
                    category=category,
                    topic=str(NotificationKind(kind).label)[:60],
                    text=text,
                    notification_kind=kind,
                )
            )
        except ValidationError as exc:
            log.warning("notification %s to %s not sent: %s", kind, partner.pk, exc)
    return sent


def _date(d) -> str:
    return formats.date_format(d, "SHORT_DATE_FORMAT") if d else "?"


def coordinator_assigned(actor, citizen, membership) -> list:
    """To the GP(s) in the network."""
    pro = membership.professional
    with override("da"):  # the message goes to another organisation: in Danish
        text = _(
            "%(citizen)s now has a coordinating caseworker: %(name)s, %(org)s, phone %(phone)s."
        ) % {
            "citizen": citizen.full_name,
            "name": pro.name if pro else "",
            "org": membership.organisation.name,
            "phone": (pro.phone if pro else "") or membership.organisation.phone,
        }
    return notify(
        actor,
        citizen,
        NotificationKind.COORDINATOR_ASSIGNED,
        _network_orgs(citizen, [Sector.GENERAL_PRACTICE]),
        text,
    )


def on_coordinator_assigned(sender, *, actor, citizen, membership, **kwargs) -> None:
    """Receiver of `enplan.network.signals.coordinator_assigned`."""
    coordinator_assigned(actor, citizen, membership)


def activity_saved(actor, activity, created: bool, previous_status: str = "") -> list:
    """Treatment started/ended (health organisations) or an intervention planned (others)."""
    activity = type(activity).objects.select_related("organisation", "citizen").get(pk=activity.pk)
    org = activity.organisation
    if org is None:
        return []
    citizen = activity.citizen
    with override("da"):
        if org.sector in HEALTH:
            if created:
                text = _(
                    "Treatment started: %(title)s (%(org)s), expected %(start)s to %(end)s. "
                    "Plan: %(purpose)s"
                ) % {
                    "title": activity.title,
                    "org": org.name,
                    "start": _date(activity.starts_on),
                    "end": _date(activity.ends_on),
                    "purpose": activity.purpose,
                }
                kind = NotificationKind.TREATMENT_STARTED
            elif activity.status == "done" and previous_status != "done":
                text = _(
                    "Treatment ended: %(title)s (%(org)s) on %(end)s. Discharge summary: "
                    "%(summary)s"
                ) % {
                    "title": activity.title,
                    "org": org.name,
                    "end": _date(activity.ends_on or timezone.localdate()),
                    "summary": activity.evaluation or "-",
                }
                kind = NotificationKind.TREATMENT_ENDED
            else:
                return []
            return notify(actor, citizen, kind, _jobcenter(citizen), text)
        if created and activity.starts_on and activity.starts_on > timezone.localdate():
            text = _(
                "Planned from %(start)s: %(title)s (%(org)s). Purpose: %(purpose)s. "
                "Please send any comments before the start date."
            ) % {
                "start": _date(activity.starts_on),
                "title": activity.title,
                "org": org.name,
                "purpose": activity.purpose,
            }
            return notify(
                actor,
                citizen,
                NotificationKind.INTERVENTION_PLANNED,
                _network_orgs(citizen, [Sector.GENERAL_PRACTICE, *CLINICS]),
                text,
            )
    return []
