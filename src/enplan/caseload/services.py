"""Domain rules for registering citizens and changing their details."""

from django.core.exceptions import ValidationError
from django.db import transaction

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.actions import EDIT_DETAILS, REGISTER, REGISTER_CONTACT
from enplan.citizens.models import Citizen, Contact
from enplan.core.models import organisation_id_of
from enplan.network.permissions import require
from enplan.network.services import join_new_citizen
from enplan.plans.services import create_plan


def register_citizen(actor, citizen: Citizen, my_role: str) -> Citizen:
    """Register a citizen; the registering professional joins the network in `my_role` (so the
    citizen is visible to them) and the citizen gets an empty shared plan."""
    require(actor, REGISTER, None)
    return _register(actor, citizen, my_role)


@transaction.atomic
def _register(actor, citizen: Citizen, my_role: str) -> Citizen:
    citizen.full_clean(exclude=["cpr"])  # the form validated and normalised the CPR
    citizen.save()
    record(actor, citizen, Action.CREATE, citizen)
    try:
        join_new_citizen(citizen, actor, my_role)
    except ValidationError:
        transaction.set_rollback(True)
        raise
    create_plan(citizen, actor)
    return citizen


def update_details(citizen: Citizen, actor, form) -> Citizen:
    """Save a bound, valid CitizenForm. (Each `require` comes before the transaction, so a
    refusal's audit row is not rolled back with it.)"""
    require(actor, EDIT_DETAILS, citizen)
    with transaction.atomic():
        form.save()
        record(actor, citizen, Action.UPDATE, citizen, fields=form.changed_data)
    return citizen


def register_contact(citizen: Citizen, actor, contact: Contact) -> Contact:
    require(actor, REGISTER_CONTACT, citizen)
    contact.citizen = citizen
    contact.registered_by = actor
    contact.origin_id = organisation_id_of(actor)
    with transaction.atomic():
        contact.save()
        record(actor, citizen, Action.CREATE, contact)
    return contact
