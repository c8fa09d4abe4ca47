"""Who is who in messaging: our organisations and partners by SOR, citizens by the
identifiers a message names them by, and where acknowledgements go. It only looks up:
no organisation is ever created from a message (an unknown sender waits in triage)."""

from __future__ import annotations

from django.db.models import Q

from enplan.citizens.models import Citizen, CitizenIdentifier
from enplan.organisations.models import Organisation

from . import fhir
from .outbox import apply_ack, enqueue


def org_ref(org: Organisation) -> fhir.OrgRef:
    return fhir.OrgRef(sor=org.sor_code, ean=org.ean, name=org.name)


def by_sor(codes: set[str]) -> dict[str, Organisation]:
    """The organisations a message names, in one query."""
    return {o.sor_code: o for o in Organisation.objects.filter(sor_code__in=codes - {""})}


def enplan_ids(orgs: dict[str, Organisation]) -> dict[str, int]:
    """SOR code → id of the organisations among `orgs` that use enplan (what they write
    keeps them as its origin)."""
    return {sor: o.pk for sor, o in orgs.items() if o.uses_enplan}


def citizens_by_cpr(cprs: set[str]) -> dict[str, Citizen]:
    return {c.cpr: c for c in Citizen.objects.filter(cpr__in=cprs - {""})}


def find_citizen(patient: fhir.Patient, by_cpr: dict[str, Citizen] | None = None) -> Citizen | None:
    """By CPR number first, then by any other identifier recorded for a citizen (a
    replacement number, or a CPR number that has since been corrected). `by_cpr` is what
    `citizens_by_cpr` already found for a batch."""
    if patient.cpr:
        if by_cpr is not None:
            citizen = by_cpr.get(patient.cpr)
        else:
            citizen = Citizen.objects.filter(cpr=patient.cpr).first()
        if citizen is not None:
            return citizen
    values = [v for _s, v in patient.identifiers]
    if not values:
        return None
    known = (
        CitizenIdentifier.objects.filter(value__in=values)
        .filter(Q(issuer="") | Q(issuer__in=[s for s, _v in patient.identifiers]))
        .select_related("citizen")
        .first()
    )
    return known.citizen if known else None


def send_ack(
    ack: dict, to: fhir.OrgRef, known: dict[str, Organisation] | None = None, *, new: bool = True
) -> None:
    """Acknowledgements to partners outside enplan go through the outbox; within enplan the
    sender's message is marked at once. Called in the transaction that stored the message,
    so the acknowledgement is queued exactly when the message is stored. `new` is false
    for the original acknowledgement sent again for a duplicate."""
    if known is not None:
        partner = known.get(to.sor)
    else:
        partner = Organisation.objects.filter(sor_code=to.sor).first()
    header = ack["entry"][0]["resource"]
    if partner is not None and partner.uses_enplan:
        apply_ack(header["response"]["identifier"], header["response"]["code"], _reason(ack))
        return
    enqueue(
        kind="acknowledgement",
        header_id=header["id"],
        receiver_sor=to.sor,
        bundle=ack,
        endpoint=partner.message_endpoint if partner else "",
        new=new,
    )


def _reason(ack: dict) -> str:
    parsed = fhir.parse_ack(ack)
    return parsed[2] if parsed else ""
