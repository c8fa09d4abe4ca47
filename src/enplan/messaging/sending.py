"""Writing, replying and forwarding: a CareCommunication is built, stored in its thread and
either delivered within enplan at once (the recipient works here) or put in the outbox in
the same transaction (the recipient gets MedCom CareCommunication)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.consent.models import Category
from enplan.consent.policy import shares_with
from enplan.network.permissions import require
from enplan.organisations.models import Organisation

from . import directory, fhir, outbox, receiving
from .actions import ATTACH, FORWARD, REPLY, WRITE
from .models import Activity, DeliveryState, Direction, Message, Segment, SegmentKind, Thread
from .outbox import enqueue


@dataclass
class Upload:
    name: str
    content_type: str
    content: bytes


class ConsentMissing(ValidationError):
    pass


def _professional(user):
    professional = getattr(user, "professional_or_none", None)
    if professional is None:
        raise ValidationError(_("Only professionals can write messages."))
    if not professional.organisation.sor_code:
        raise ValidationError(_("Your organisation has no SOR code, so it cannot send messages."))
    return professional


def check_consent(citizen, partner: Organisation, sender: Organisation) -> None:
    if not shares_with(citizen, partner, Category.MESSAGES, origin=sender):
        raise ConsentMissing(
            _(
                "%(citizen)s has not consented to sharing messages with %(partner)s. Record the "
                "citizen's consent (samtykke) for the category 'Messages' first."
            )
            % {"citizen": citizen.full_name, "partner": partner.name}
        )


def _stamp() -> str:
    return timezone.now().isoformat(timespec="seconds")


def _text_payload(professional, text: str, when: str) -> fhir.Payload:
    org = professional.organisation
    return fhir.Payload(
        identifier=f"urn:uuid:{uuid.uuid4()}",
        timestamp=when,
        assigner_sor=org.sor_code,
        author=fhir.Author(name=professional.name, role_text=professional.get_profession_display()),
        phone=professional.phone or org.phone,
        text=text,
    )


def _attachment_payload(professional, upload: Upload, when: str) -> fhir.Payload:
    try:
        fhir.check_attachment(upload.content_type, upload.content, upload.name, strict=True)
    except fhir.MessageError as exc:
        raise ValidationError(exc.reason) from exc
    return fhir.Payload(
        identifier=f"urn:uuid:{uuid.uuid4()}",
        timestamp=when,
        assigner_sor=professional.organisation.sor_code,
        content_type=upload.content_type,
        title=upload.name[:300],
        creation=when,
        data=base64.b64encode(upload.content).decode(),
    )


def _patient(citizen) -> fhir.Patient:
    return fhir.Patient(
        identifiers=[(fhir.CPR, citizen.cpr)],
        family=citizen.family_name,
        given=citizen.given_name.split(),
    )


def _previous_payloads(thread: Thread, with_data: bool) -> list[fhir.Payload]:
    """Earlier segments as a reply (attachments by reference only) or a forward carries them."""
    out = []
    for seg in thread.segments.order_by("timestamp", "id"):
        p = fhir.Payload(
            identifier=seg.identifier,
            timestamp=seg.timestamp.isoformat(timespec="seconds"),
            assigner_sor=seg.assigner_sor,
            author=fhir.Author(seg.author_name, "", seg.author_role) if seg.author_name else None,
            phone=seg.author_phone,
        )
        if seg.kind == SegmentKind.TEXT:
            p.text = seg.text
        else:
            p.title, p.url, p.content_type = seg.title, seg.url, seg.content_type
            p.creation = seg.created.isoformat(timespec="seconds") if seg.created else ""
            if with_data and seg.data:
                p.data = base64.b64encode(bytes(seg.data)).decode()
        out.append(p)
    return out


def _history(thread: Thread | None) -> list[fhir.ProvenanceEntry]:
    return [fhir.ProvenanceEntry(**h) for h in (thread.history if thread else [])]


@transaction.atomic
def _send(
    user,
    citizen,
    *,
    thread: Thread | None,
    partner: Organisation,
    cc: fhir.CareCommunication,
    notification_kind: str = "",
) -> Message:
    professional = _professional(user)
    org = professional.organisation
    bundle = fhir.build(cc)
    if thread is None:
        thread = Thread(
            organisation=org,
            citizen=citizen,
            municipality_code=citizen.municipality_code,
            communication_id=cc.communication_id,
            partner=partner,
            category=cc.category,
            topic=cc.topic,
            patient=cc.patient.as_json(),
            last_message_at=timezone.now(),
            notification_kind=notification_kind,
        )
    thread.last_message_at = timezone.now()
    thread.history = receiving.merge_history(thread.history, cc.provenance)
    thread.save()
    message = receiving.message_for(
        cc,
        bundle,
        fhir.content_hash(bundle),
        thread=thread,
        organisation=org,
        direction=Direction.OUT,
        sent_at=timezone.now(),
        author=user,
        state=DeliveryState.QUEUED,
    )
    message.save(force_insert=True)
    receiving.store_segments(thread, message, cc, ours=org, from_partner=False)
    Segment.objects.filter(message=message).update(origin=org)
    record(user, citizen, Action.CREATE, message, to=partner.name)
    if partner.uses_enplan:
        result = receiving.receive_parsed(cc, bundle, channel="enplan", notify_sender=False)
        outbox.apply_ack(cc.header_id, result.ack_code, result.reason)
        if notification_kind:
            Thread.objects.filter(
                organisation=partner, communication_id=cc.communication_id
            ).update(notification_kind=notification_kind)
        message.refresh_from_db()
    else:
        enqueue(
            kind="carecommunication",
            header_id=cc.header_id,
            receiver_sor=partner.sor_code,
            bundle=bundle,
            endpoint=partner.message_endpoint,
            message=message,
        )
    return message


def _cc(
    professional,
    citizen,
    partner,
    *,
    communication_id,
    category,
    topic,
    earlier,
    fresh,
    history,
    activity,
    previous="",
    priority="",
) -> fhir.CareCommunication:
    header_id = str(uuid.uuid4())
    when = _stamp()
    provenance = [
        *history,
        fhir.ProvenanceEntry(
            target=header_id,
            activity=activity,
            occurred=when,
            agent_sor=professional.organisation.sor_code,
            payload_ids=[p.identifier for p in fresh],
            previous=previous,
        ),
    ]
    return fhir.CareCommunication(
        bundle_id=str(uuid.uuid4()),
        header_id=header_id,
        timestamp=when,
        sender=directory.org_ref(professional.organisation),
        receiver=directory.org_ref(partner),
        patient=_patient(citizen),
        communication_id=communication_id,
        category=category,
        topic=topic,
        priority=priority,
        payloads=[*earlier, *fresh],
        provenance=provenance,
    )


def _new_payloads(professional, text: str, uploads: list[Upload]) -> list[fhir.Payload]:
    when = _stamp()
    if not text.strip():
        raise ValidationError(_("Write a message text."))
    payloads = [_text_payload(professional, text, when)]
    payloads += [_attachment_payload(professional, u, when) for u in uploads]
    return payloads


def compose(
    user,
    citizen,
    *,
    partner: Organisation,
    category: str,
    topic: str,
    text: str,
    uploads: list[Upload] = (),
    priority: str = "",
    notification_kind: str = "",
) -> Message:
    """A new message (and thread) about `citizen` to `partner`. A systematic notification
    (`notification_kind`) follows from a change already checked, so it is not checked again
    (a coordinator who handed over has left the network when her notice goes out)."""
    if not notification_kind:
        require(user, WRITE, citizen)
    professional = _professional(user)
    check_consent(citizen, partner, professional.organisation)
    if partner.pk == professional.organisation_id:
        raise ValidationError(_("Choose another organisation than your own."))
    if not partner.sor_code:
        raise ValidationError(
            _("%(partner)s has no SOR code, so messages cannot be addressed to it.")
            % {"partner": partner.name}
        )
    cc = _cc(
        professional,
        citizen,
        partner,
        communication_id=f"urn:uuid:{uuid.uuid4()}",
        category=category,
        topic=topic,
        earlier=[],
        fresh=_new_payloads(professional, text, list(uploads)),
        history=[],
        activity=Activity.NEW,
        priority=priority,
    )
    return _send(
        user, citizen, thread=None, partner=partner, cc=cc, notification_kind=notification_kind
    )


def reply(user, thread: Thread, *, text: str, uploads: list[Upload] = ()) -> Message:
    """A reply in the thread, to its latest message; earlier segments go along, attachments
    by reference only (MedCom: never send the same content back and forth)."""
    citizen = _identified(thread)
    require(user, REPLY, citizen, origin_id=thread.organisation_id)
    professional = _professional(user)
    check_consent(citizen, thread.partner, professional.organisation)
    latest = thread.messages.order_by("-sent_at", "-id").first()
    cc = _cc(
        professional,
        citizen,
        thread.partner,
        communication_id=thread.communication_id,
        category=thread.category,
        topic=thread.topic,
        earlier=_previous_payloads(thread, with_data=False),
        fresh=_new_payloads(professional, text, list(uploads)),
        history=_history(thread),
        activity=Activity.REPLY,
        previous=latest.header_id if latest else "",
    )
    return _send(user, citizen, thread=thread, partner=thread.partner, cc=cc)


def forward(user, thread: Thread, *, partner: Organisation, text: str) -> Message:
    """The whole thread, attachments included, to another organisation: a new thread."""
    citizen = _identified(thread)
    require(user, FORWARD, citizen, origin_id=thread.organisation_id)
    professional = _professional(user)
    check_consent(citizen, partner, professional.organisation)
    latest = thread.messages.order_by("-sent_at", "-id").first()
    cc = _cc(
        professional,
        citizen,
        partner,
        communication_id=f"urn:uuid:{uuid.uuid4()}",
        category=thread.category,
        topic=thread.topic,
        earlier=_previous_payloads(thread, with_data=True),
        fresh=_new_payloads(professional, text, []),
        history=_history(thread),
        activity=Activity.FORWARD,
        previous=latest.header_id if latest else "",
    )
    message = _send(user, citizen, thread=None, partner=partner, cc=cc)
    Thread.objects.filter(pk=message.thread_id).update(forwarded_from=thread)
    return message


def _identified(thread: Thread):
    if thread.citizen is None:
        raise ValidationError(_("Attach the message to a citizen before answering it."))
    return thread.citizen


def attach_to_citizen(user, thread: Thread, citizen, remember_identifier: bool) -> Thread:
    """Triage: the person in a message is identified as `citizen`. Optionally the identifier
    the message used (e.g. a replacement CPR number) is remembered for later messages."""
    require(user, ATTACH, citizen, origin_id=thread.organisation_id)  # refusals stay audited
    with transaction.atomic():
        return _attach(user, thread, citizen, remember_identifier)


def _attach(user, thread: Thread, citizen, remember_identifier: bool) -> Thread:
    from enplan.citizens.models import CitizenIdentifier, IdentifierSystem

    if thread.citizen_id is not None:
        raise ValidationError(_("This message is already attached to a citizen."))
    if thread.partner_id is None:
        # No organisation is created from a message: an administrator adds the sender.
        thread.partner = Organisation.objects.filter(sor_code=thread.partner_sor).first()
        if thread.partner is None or not thread.partner_sor:
            raise ValidationError(
                _(
                    "The sender (SOR %(sor)s) is not in the organisation directory. Ask an "
                    "administrator to add it; then attach the message."
                )
                % {"sor": thread.partner_sor or "?"}
            )
    thread.citizen, thread.municipality_code = citizen, citizen.municipality_code
    thread.save(update_fields=["citizen", "municipality_code", "partner", "updated_at"])
    if remember_identifier:
        for ident in thread.patient.get("identifiers", []):
            if ident.get("value") and ident.get("value") != citizen.cpr:
                system = (
                    IdentifierSystem.PREVIOUS_CPR
                    if ident.get("system") == fhir.CPR
                    else IdentifierSystem.REPLACEMENT_CPR
                )
                CitizenIdentifier.objects.get_or_create(
                    issuer=ident.get("system", ""),
                    value=ident["value"][:20],
                    defaults={"citizen": citizen, "system": system},
                )
    record(user, citizen, Action.UPDATE, thread, triage="attached")
    return thread
