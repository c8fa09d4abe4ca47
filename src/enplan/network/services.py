"""Domain rules for the care network. Who may do what is declared in `actions.py` and
checked here through `permissions.require`; what others do about a change (notifications)
hangs on the signals in `signals.py`."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.actions import Actor
from enplan.organisations.models import Organisation, Professional, Sector

from . import signals
from .actions import ADD_MEMBER, HAND_OVER, LEAVE, REMOVE_MEMBER
from .models import Handover, NetworkMembership, NetworkRole
from .permissions import actor_kinds, can, require
from .queries import coordinator_of

__all__ = [
    "add_member",
    "can_end",
    "can_hand_over",
    "coordinator_of",
    "end_membership",
    "hand_over",
    "join_new_citizen",
    "mark_endable",
]


def _check_coordinator(professional: Professional | None) -> None:
    if professional is None:
        raise ValidationError(_("A coordinating caseworker must be a named person."))
    if professional.organisation.sector != Sector.JOBCENTER:
        raise ValidationError(_("The coordinating caseworker must work at a jobcenter."))


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
    require(actor, ADD_MEMBER, citizen)  # before the transaction: a refusal stays audited
    with transaction.atomic():
        return _add(citizen, actor, role, professional, organisation, note)


@transaction.atomic
def join_new_citizen(citizen, actor, role: str) -> NetworkMembership:
    """The professional registering a citizen becomes the first member (registration is
    the action; nobody else can be a member yet)."""
    if NetworkMembership.objects.filter(citizen=citizen).exists():
        raise ValidationError(_("The network changed meanwhile; reload and try again."))
    return _add(citizen, actor, role, actor.professional_or_none, None, "")


def _add(citizen, actor, role, professional, organisation, note) -> NetworkMembership:
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
        signals.coordinator_assigned.send(
            sender=NetworkMembership, actor=actor, citizen=citizen, membership=membership
        )
    return membership


def _is_own(membership: NetworkMembership, user) -> bool:
    professional = membership.professional
    return bool(user is not None and professional and professional.user_id == user.pk)


def can_end(user, membership: NetworkMembership) -> bool:
    """Whether to offer `user` the button that ends `membership` (leave, or remove)."""
    mark_endable(user, membership.citizen, [membership])
    return membership.can_end


def mark_endable(user, citizen, memberships) -> None:
    """Set `is_mine` and `can_end` on each membership shown: one look-up of the user's kinds
    for the whole list (the same declared rule `end_membership` enforces)."""
    kinds = actor_kinds(user, citizen)
    for m in memberships:
        m.is_mine = _is_own(m, user)
        action = LEAVE if m.is_mine else REMOVE_MEMBER
        mine = kinds | {Actor.SELF} if m.is_mine else kinds
        m.can_end = bool(
            m.ended_at is None and m.role != NetworkRole.COORDINATOR and mine & action.allowed
        )


def can_hand_over(user, citizen) -> bool:
    return can(user, HAND_OVER, citizen)


def end_membership(membership: NetworkMembership, actor) -> None:
    """End a membership: the coordinating caseworker may remove anyone, others only
    themselves."""
    action = LEAVE if _is_own(membership, actor) else REMOVE_MEMBER
    require(actor, action, membership.citizen, membership=membership)
    with transaction.atomic():
        _end(membership, actor)


def _end(membership: NetworkMembership, actor) -> None:
    if membership.role == NetworkRole.COORDINATOR:
        raise ValidationError(
            _("The coordinating caseworker cannot simply leave: hand the citizen over.")
        )
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at", "updated_at"])
        record(actor, membership.citizen, Action.DELETE, membership, role=membership.role)


def hand_over(citizen, actor, *, to_professional: Professional, note: str) -> Handover:
    """Replace the coordinating caseworker. The outgoing one leaves the network; the handover
    note stays with the citizen for the incoming one."""
    require(actor, HAND_OVER, citizen)  # before the transaction: a refusal stays audited
    with transaction.atomic():
        return _hand_over(citizen, actor, to_professional, note)


def _hand_over(citizen, actor, to_professional: Professional, note: str) -> Handover:
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
    signals.coordinator_assigned.send(
        sender=NetworkMembership, actor=actor, citizen=citizen, membership=membership
    )
    return handover
