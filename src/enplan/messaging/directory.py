"""Who is who in messaging: our organisations and partners by SOR, citizens by the
identifiers a message names them by, and where acknowledgements go."""

from __future__ import annotations

from django.db.models import Q

from enplan.citizens.models import Citizen, CitizenIdentifier
from enplan.organisations.models import Organisation, Sector

from . import fhir
from .models import DeliveryState, Direction, Message


def org_ref(org: Organisation) -> fhir.OrgRef:
    return fhir.OrgRef(sor=org.sor_code, ean=org.ean, name=org.name)


def partner_for(ref: fhir.OrgRef) -> Organisation:
    """The organisation behind a SOR code; one the directory does not know yet is added as
    an external partner (not using enplan), so that staff can answer it."""
    org = Organisation.objects.filter(sor_code=ref.sor).first()
    if org is None:
        org = Organisation.objects.create(
            name=(ref.name or f"SOR {ref.sor}")[:200],
            sector=Sector.OTHER,
            sor_code=ref.sor,
            ean=ref.ean if len(ref.ean) == 13 else "",
            uses_enplan=False,
        )
    return org


def find_citizen(patient: fhir.Patient) -> Citizen | None:
    """By CPR number first, then by any other identifier recorded for a citizen (a
    replacement number, or a CPR number that has since been corrected)."""
    if patient.cpr:
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


def send_ack(ack: dict, to: fhir.OrgRef) -> None:
    """Acknowledgements to partners outside enplan go through the outbox; within enplan the
    sender's message is marked at once."""
    from .outbox import enqueue

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
    )


def apply_ack(header_id: str, code: str, reason: str = "") -> int:
    return Message.objects.filter(direction=Direction.OUT, header_id=header_id).update(
        state=DeliveryState.ACKNOWLEDGED if code == "ok" else DeliveryState.FAILED,
        ack_code=code,
        ack_detail=reason[:500],
    )


def _reason(ack: dict) -> str:
    parsed = fhir.parse_ack(ack)
    return parsed[2] if parsed else ""
