"""Domain rules for the care network."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.organisations.models import Organisation, Professional, Sector

from .models import Handover, NetworkMembership, NetworkRole


def coordinator_of(citizen) -> NetworkMembership | None:
    return (
        NetworkMembership.objects.active()
        .filter(citizen=citizen, role=NetworkRole.COORDINATOR)
        .select_related("professional", "organisation")
        .first()
    )


def _check_coordinator(professional: Professional | None) -> None:
    if professional is None:
        raise ValidationError(_("A coordinating caseworker must be a named person."))
    if professional.organisation.sector != Sector.JOBCENTER:
        raise ValidationError(_("The coordinating caseworker must work at a jobcenter."))


@transaction.atomic
def add_member(
    citizen,
    actor,
    *,
    role: str,
    professional: Professional | None = None,
    organisation: Organisation | None = None,
    note: str = "",
) -> NetworkMembership:
    """Add someone to the network. The coordinator is only set here for a citizen who has
    none yet; changing coordinator is a handover."""
    if professional is None and organisation is None:
        raise ValidationError(_("Choose a professional or an organisation."))
    if professional is not None:
        organisation = professional.organisation
    if role == NetworkRole.COORDINATOR:
        _check_coordinator(professional)
        if coordinator_of(citizen):
            raise ValidationError(
                _("The citizen already has a coordinating caseworker. Use handover to change.")
            )
    if (
        professional is not None
        and NetworkMembership.objects.active()
        .filter(citizen=citizen, professional=professional, role=role)
        .exists()
    ):
        raise ValidationError(_("This person already has that role in the network."))
    try:
        with transaction.atomic():
            membership = NetworkMembership.objects.create(
                citizen=citizen,
                professional=professional,
                organisation=organisation,
                role=role,
                note=note,
                started_at=timezone.now(),
                added_by=actor,
            )
    except IntegrityError:  # a concurrent add won the race
        raise ValidationError(_("The network changed meanwhile; reload and try again.")) from None
    record(actor, citizen, Action.CREATE, membership, role=role)
    if role == NetworkRole.COORDINATOR:
        from enplan.messaging.notifications import coordinator_assigned

        coordinator_assigned(actor, citizen, membership)
    return membership


@transaction.atomic
def end_membership(membership: NetworkMembership, actor) -> None:
    """End a membership: the coordinating caseworker may remove anyone, others only
    themselves."""
    leaving_myself = bool(
        actor and membership.professional and membership.professional.user_id == actor.pk
    )
    coordinator = coordinator_of(membership.citizen)
    if (
        actor is not None
        and not leaving_myself
        and (
            coordinator is None
            or coordinator.professional is None
            or coordinator.professional.user_id != actor.pk
        )
    ):
        raise PermissionDenied(
            _("Only the coordinating caseworker can remove others from the network.")
        )
    if membership.role == NetworkRole.COORDINATOR:
        raise ValidationError(
            _("The coordinating caseworker cannot simply leave: hand the citizen over.")
        )
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at", "updated_at"])
        record(actor, membership.citizen, Action.DELETE, membership, role=membership.role)


@transaction.atomic
def hand_over(citizen, actor, *, to_professional: Professional, note: str) -> Handover:
    """Replace the coordinating caseworker. The outgoing one leaves the network; the handover
    note stays with the citizen for the incoming one."""
    _check_coordinator(to_professional)
    if not note or not note.strip():
        raise ValidationError(_("Write a handover note for the new coordinating caseworker."))
    current = (
        NetworkMembership.objects.select_for_update()
        .filter(citizen=citizen, role=NetworkRole.COORDINATOR, ended_at__isnull=True)
        .first()
    )
    if current and current.professional_id == to_professional.pk:
        raise ValidationError(_("That person is already the coordinating caseworker."))
    now = timezone.now()
    if current:
        current.ended_at = now
        current.save(update_fields=["ended_at", "updated_at"])
    membership = NetworkMembership.objects.create(
        citizen=citizen,
        professional=to_professional,
        organisation=to_professional.organisation,
        role=NetworkRole.COORDINATOR,
        started_at=now,
        added_by=actor,
    )
    handover = Handover.objects.create(
        citizen=citizen,
        from_professional=current.professional if current else None,
        to_professional=to_professional,
        note=note.strip(),
        handed_over_at=now,
        handed_over_by=actor,
    )
    record(actor, citizen, Action.CREATE, handover)
    from enplan.messaging.notifications import coordinator_assigned

    coordinator_assigned(actor, citizen, membership)
    return handover
