"""Requests to join a citizen's network: the neutral path for a professional who registers a
citizen enplan already knows (issue: registering must not reveal whether a CPR number is
known). Only the coordinating caseworker decides; every step is audited on the citizen, so
the request also shows in the citizen's access log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.actions import DECIDE_JOIN_REQUEST
from enplan.citizens.models import Citizen, JoinRequest, JoinRequestStatus
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.permissions import require
from enplan.network.services import add_member, coordinator_of

from .services import register_citizen

# The one answer to every registration through the API (the page says the same at length).
REGISTRATION_RECEIVED = gettext_lazy(
    "Registration received. A new citizen is now in your caseload; if enplan already knew "
    "the citizen, your request to join the network has gone to the coordinating caseworker."
)


def request_to_join(actor, citizen: Citizen, role: str, note: str = "") -> JoinRequest:
    """Record (or refresh) the actor's pending request; idempotent per requester."""
    professional = actor.professional_or_none
    if professional is None:
        raise PermissionDenied(_("Only professionals can register citizens."))
    pending = JoinRequest.objects.filter(
        citizen=citizen, requester=professional, status=JoinRequestStatus.PENDING
    ).first()
    if pending is None:
        try:
            with transaction.atomic():
                pending = JoinRequest.objects.create(
                    citizen=citizen, requester=professional, role=role, note=note
                )
        except IntegrityError:  # the same person asked twice at once
            pending = JoinRequest.objects.get(
                citizen=citizen, requester=professional, status=JoinRequestStatus.PENDING
            )
    else:
        pending.role, pending.note = role, note or pending.note
        pending.save(update_fields=["role", "note", "updated_at"])
    record(actor, citizen, Action.CREATE, pending, role=role)
    return pending


def pending_for(citizen: Citizen) -> list[JoinRequest]:
    return list(
        JoinRequest.objects.filter(citizen=citizen, status=JoinRequestStatus.PENDING)
        .select_related("requester__organisation")
        .order_by("created_at")
    )


def is_coordinator(user, citizen: Citizen) -> bool:
    coordinator = coordinator_of(citizen)
    return bool(
        coordinator and coordinator.professional and coordinator.professional.user_id == user.pk
    )


def decide(actor, citizen: Citizen, request_uuid, accept: bool, role: str = "") -> JoinRequest:
    """The coordinating caseworker accepts (adding the requester in `role`, by default the
    role asked for) or declines a pending request."""
    # Checked before the transaction, so that a refusal's audit row stays.
    require(actor, DECIDE_JOIN_REQUEST, citizen)
    with transaction.atomic():
        try:
            join = JoinRequest.objects.select_for_update().get(
                citizen=citizen, uuid=request_uuid, status=JoinRequestStatus.PENDING
            )
        except (JoinRequest.DoesNotExist, ValidationError, ValueError):
            raise ValidationError(
                _("The request has been decided already or does not exist.")
            ) from None
        if accept:
            role = role or join.role
            if role == NetworkRole.COORDINATOR:
                raise ValidationError(
                    _(
                        "The citizen has a coordinating caseworker. Choose another role; use handover to change coordinator."  # noqa: E501
                    )
                )
            already = NetworkMembership.objects.active().filter(
                citizen=citizen, professional=join.requester
            )
            if not already.filter(role=role).exists():
                add_member(citizen, actor, role=role, professional=join.requester, note=join.note)
        join.status = JoinRequestStatus.ACCEPTED if accept else JoinRequestStatus.DECLINED
        join.role = role or join.role
        join.decided_by, join.decided_at = actor, timezone.now()
        join.save(update_fields=["status", "role", "decided_by", "decided_at", "updated_at"])
        record(actor, citizen, Action.UPDATE, join, decision=join.status)
        return join


def register_or_ask(actor, form) -> Citizen | None:
    """Act on a valid NewCitizenForm: register a new citizen (returned), or – for a CPR
    number enplan knows – ask to join the network (None; the existing citizen when the actor
    is already in its network). Callers answer both cases alike."""

    existing = form.existing
    if existing is None:
        citizen = form.save(commit=False)
        return register_citizen(actor, citizen, form.cleaned_data["my_role"])
    if Citizen.objects.filter(pk=existing.pk).visible_to(actor).exists():
        return existing
    request_to_join(actor, existing, form.cleaned_data["my_role"], form.cleaned_data["note"])
    return None
