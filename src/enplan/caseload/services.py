"""Domain rules for registering citizens."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.models import Citizen
from enplan.network.services import add_member
from enplan.plans.services import get_or_create_plan


@transaction.atomic
def register_citizen(actor, citizen: Citizen, my_role: str) -> Citizen:
    """Register a citizen; the registering professional joins the network in `my_role` (so the
    citizen is visible to them) and the citizen gets an empty shared plan."""
    professional = actor.professional_or_none
    if professional is None:
        raise PermissionDenied(_("Only professionals can register citizens."))
    citizen.full_clean(exclude=["cpr"])  # the form validated and normalised the CPR
    citizen.save()
    record(actor, citizen, Action.CREATE, citizen)
    try:
        add_member(citizen, actor, role=my_role, professional=professional)
    except ValidationError:
        transaction.set_rollback(True)
        raise
    get_or_create_plan(citizen, actor)
    return citizen
