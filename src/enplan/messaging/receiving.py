"""Receiving CareCommunication, following MedCom's receiving rules.

- The receiver must be one of our organisations (by SOR); otherwise the message is refused.
- De-duplication by MessageHeader.id (reliable messaging): the same message again is a
  duplicate, acknowledged positively with the original acknowledgement and not stored twice;
  a different message under a known id, or a reused Bundle.id, is refused.
- Threads by communication identifier: a reply joins its thread, a forward starts a new one;
  segments are stored once per thread by identifier, so a reply that arrives before the
  message it answers brings that message's segments along, and the late original adds none.
- The citizen is found by CPR number or by a known replacement/previous number; otherwise
  the thread waits in the receiving organisation's triage inbox.
- Every message gets an Acknowledgement, and every attempt leaves a Receipt. A refusal
  stores nothing but the receipt.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.organisations.models import Organisation

from . import directory, fhir
from .fhir import CareCommunication, MessageError
from .models import (
    Activity,
    DeliveryState,
    Direction,
    Message,
    Outcome,
    Receipt,
    Segment,
    SegmentKind,
    Thread,
)

log = logging.getLogger("enplan.messaging")


@dataclass
class Result:
    outcome: str
    ack_code: str
    message_id: str
    reason: str = ""
    ack: dict | None = None
    message: Message | None = None
    http_status: int = 200

    @property
    def ack_label(self) -> str:
        return "positive" if self.ack_code == "ok" else "negative"

    def as_json(self, **extra) -> dict:
        return {
            **extra,
            "outcome": self.outcome,
            "ack": self.ack_label,
            "message_id": self.message_id or None,
            "reason": self.reason or None,
        }


def _now_iso() -> str:
    return timezone.now().isoformat(timespec="seconds")


def receive(data: bytes, content_type: str = "", channel: str = "api", source: str = "") -> Result:
    """Receive one message (bytes, JSON or XML). Never raises for bad input: the result says
    what happened and carries the acknowledgement."""
    bundle = None
    try:
        bundle = fhir.decode(data, content_type)
        ack_info = fhir.parse_ack(bundle)
        if ack_info is not None:
            return _receive_ack(bundle, *ack_info, channel=channel, source=source)
        cc = fhir.parse_bundle(bundle)
    except MessageError as exc:
        return _refuse(exc, bundle, channel, source)
    return receive_parsed(cc, bundle, channel=channel, source=source)


def receive_parsed(
    cc: CareCommunication, bundle: dict, *, channel: str, source: str = "", notify_sender=True
) -> Result:
    org = Organisation.objects.filter(sor_code=cc.receiver.sor, uses_enplan=True).first()
    if org is None:
        return _refuse(
            MessageError(
                _("The receiver (SOR %(sor)s) is not an organisation served here.")
                % {"sor": cc.receiver.sor},
                "not-found",
            ),
            bundle,
            channel,
            source,
        )
    digest = fhir.content_hash(bundle)
    for _attempt in range(2):  # a concurrent copy of the same message loses the race once
        try:
            with transaction.atomic():
                result = _dedupe(org, cc, digest, channel, source)
                if result is None:
                    result = _store(org, cc, bundle, digest, channel, source)
            break
        except IntegrityError:
            continue
        except MessageError as exc:
            return _refuse(exc, bundle, channel, source, org=org)
    if notify_sender and result.ack is not None:
        directory.send_ack(result.ack, cc.sender)
    return result


def _dedupe(org, cc: CareCommunication, digest: str, channel: str, source: str) -> Result | None:
    seen = list(
        Message.objects.filter(organisation=org, direction=Direction.IN).filter(
            Q(header_id=cc.header_id) | Q(bundle_id=cc.bundle_id)
        )[:2]
    )
    known = next((m for m in seen if m.header_id == cc.header_id), None)
    if known is not None:
        if known.content_hash != digest:
            raise MessageError(
                _(
                    "Message id %(id)s was already received with different content; "
                    "a new message needs a new MessageHeader.id."
                )
                % {"id": cc.header_id},
                "duplicate",
            )
        original = known.receipts.filter(outcome=Outcome.ACCEPTED).first()
        receipt = _receipt(
            cc,
            org,
            digest,
            channel,
            source,
            outcome=Outcome.DUPLICATE,
            reason=_("Already received; the original acknowledgement is sent again."),
            message=known,
            ack_header_id=original.ack_header_id if original else "",
            ack_code="ok",
            ack=original.ack if original else None,
        )
        return Result(Outcome.DUPLICATE, "ok", cc.header_id, receipt.reason, receipt.ack, known)
    if seen:  # the Bundle.id of another message
        raise MessageError(
            _("Bundle.id %(id)s was already used by another message.") % {"id": cc.bundle_id},
            "duplicate",
        )
    return None


def _store(org, cc: CareCommunication, bundle: dict, digest: str, channel, source) -> Result:
    partner = directory.partner_for(cc.sender)
    citizen = directory.find_citizen(cc.patient)
    sent_at = parse_datetime(cc.timestamp) or timezone.now()
    thread = (
        Thread.objects.select_for_update()
        .filter(organisation=org, communication_id=cc.communication_id)
        .first()
    )
    now = timezone.now()
    if thread is None:
        thread = Thread(
            organisation=org,
            communication_id=cc.communication_id,
            citizen=citizen,
            municipality_code=citizen.municipality_code if citizen else "",
            partner=partner,
            category=cc.category,
            topic=cc.topic[:60],
            patient=cc.patient.as_json(),
            last_message_at=sent_at,
        )
        if cc.activity == Activity.FORWARD:
            thread.forwarded_from = (
                Thread.objects.filter(organisation=org, messages__header_id=cc.previous_header_id)
                .exclude(communication_id=cc.communication_id)
                .first()
            )
    elif thread.citizen_id is None and citizen is not None:
        thread.citizen, thread.municipality_code = citizen, citizen.municipality_code
    thread.patient_deceased = thread.patient_deceased or cc.patient.deceased
    thread.last_message_at = max(thread.last_message_at, sent_at)
    thread.last_incoming_at = now
    thread.history = merge_history(thread.history, cc.provenance)
    thread.save()
    message = Message.objects.create(
        thread=thread,
        organisation=org,
        direction=Direction.IN,
        activity=cc.activity,
        header_id=cc.header_id,
        bundle_id=cc.bundle_id,
        content_hash=digest,
        previous_header_id=cc.previous_header_id,
        sender_sor=cc.sender.sor,
        sender_ean=cc.sender.ean,
        receiver_sor=cc.receiver.sor,
        receiver_ean=cc.receiver.ean,
        sent_at=sent_at,
        state=DeliveryState.RECEIVED,
        ack_code="ok",
        bundle=strip_attachments(bundle),
    )
    store_segments(thread, message, cc, ours=org, from_partner=True)
    if thread.citizen_id:
        record(None, thread.citizen, Action.CREATE, message, channel=channel, sender=partner.name)
    ack = fhir.build_ack(
        responding_to=cc.header_id,
        ours=directory.org_ref(org),
        theirs=cc.sender,
        code="ok",
        latest=cc.current,
        when=_now_iso(),
    )
    _receipt(
        cc,
        org,
        digest,
        channel,
        source,
        outcome=Outcome.ACCEPTED,
        message=message,
        ack_header_id=ack["entry"][0]["resource"]["id"],
        ack_code="ok",
        ack=ack,
    )
    log.info("received %s for %s (%s)", cc.header_id, org.sor_code, channel)
    return Result(Outcome.ACCEPTED, "ok", cc.header_id, "", ack, message)


def _receipt(cc: CareCommunication, org, digest: str, channel: str, source: str, **fields):
    return Receipt.objects.create(
        channel=channel,
        source=source[:500],
        header_id=cc.header_id,
        bundle_id=cc.bundle_id,
        content_hash=digest,
        organisation=org,
        sender_sor=cc.sender.sor,
        **fields,
    )


def merge_history(history: list, provenance: list[fhir.ProvenanceEntry]) -> list:
    """The thread's Provenance chain, one entry per message, in the order they happened."""
    by_target = {h["target"]: h for h in history}
    for p in provenance:
        by_target.setdefault(p.target, vars(p).copy())
    return sorted(by_target.values(), key=lambda h: (h["occurred"], h["target"]))


def store_segments(thread, message, cc: CareCommunication, *, ours, from_partner: bool) -> None:
    known = set(thread.segments.values_list("identifier", flat=True))
    # What colleagues in enplan wrote keeps their organisation as origin (consent decides
    # whether it stays visible here); what reaches us from outside is our own record.
    authors = dict(
        Organisation.objects.filter(
            sor_code__in={p.assigner_sor for p in cc.payloads}, uses_enplan=True
        ).values_list("sor_code", "id")
    )
    new = []
    for p in cc.payloads:
        if p.identifier in known:
            continue
        known.add(p.identifier)
        seg = Segment(
            thread=thread,
            message=message,
            identifier=p.identifier,
            kind=SegmentKind.ATTACHMENT if p.is_attachment else SegmentKind.TEXT,
            timestamp=parse_datetime(p.timestamp) or message.sent_at,
            origin_id=authors.get(p.assigner_sor, ours.pk),
            from_partner=from_partner and p.assigner_sor != ours.sor_code,
            assigner_sor=p.assigner_sor,
            author_name=p.author.name if p.author else "",
            author_role=(p.author.role_text or p.author.role_code) if p.author else "",
            author_phone=p.phone,
            text=p.text or "",
            title=p.title,
            url=p.url,
            created=parse_datetime(p.creation) if p.creation else None,
        )
        content = p.content_bytes()
        if content is not None:
            seg.content_type = fhir.check_attachment(p.content_type, content)
            seg.data, seg.size = content, len(content)
            seg.sha256 = hashlib.sha256(content).hexdigest()
        else:
            seg.content_type = p.content_type
        new.append(seg)
    Segment.objects.bulk_create(new)


def strip_attachments(bundle: dict) -> dict:
    """The bundle as stored: attachment bytes live once, in their Segment."""
    out = {**bundle, "entry": []}
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") or {}
        if res.get("resourceType") == "Communication":
            res = {**res, "payload": [_strip_payload(p) for p in res.get("payload") or []]}
        out["entry"].append({**entry, "resource": res})
    return out


def _strip_payload(p: dict) -> dict:
    att = p.get("contentAttachment")
    if not att or "data" not in att:
        return p
    digest = hashlib.sha256(base64.b64decode(att["data"])).hexdigest()
    return {
        **p,
        "contentAttachment": {
            **{k: v for k, v in att.items() if k != "data"},
            "hash": base64.b64encode(bytes.fromhex(digest)).decode(),
        },
    }


def _refuse(exc: MessageError, bundle, channel, source, org=None) -> Result:
    header_id, sender, latest = fhir.peek(bundle) if isinstance(bundle, dict) else ("", None, None)
    ours = directory.org_ref(org) if org else fhir.OrgRef(sor=_receiver_sor(bundle) or "unknown")
    ack = fhir.build_ack(
        responding_to=header_id,
        ours=ours,
        theirs=sender,
        code="fatal-error",
        reason=exc.reason,
        issue=exc.issue,
        latest=latest,
        when=_now_iso(),
    )
    Receipt.objects.create(
        channel=channel,
        source=source[:500],
        header_id=header_id[:64],
        bundle_id=str((bundle or {}).get("id", ""))[:64] if isinstance(bundle, dict) else "",
        organisation=org,
        sender_sor=sender.sor if sender else "",
        outcome=Outcome.REJECTED,
        reason=exc.reason[:500],
        ack_header_id=ack["entry"][0]["resource"]["id"],
        ack_code="fatal-error",
        ack=ack,
    )
    log.warning("refused message %s via %s (%s): %s", header_id or "?", channel, source, exc.reason)
    if sender is not None:
        directory.send_ack(ack, sender)
    return Result(
        Outcome.REJECTED, "fatal-error", header_id, exc.reason, ack, http_status=exc.http_status
    )


def _receiver_sor(bundle) -> str:
    try:
        header = bundle["entry"][0]["resource"]
        ref = header["destination"][0]["receiver"]
        return fhir._identifier(fhir._Index(bundle).get(ref, "Organization", "receiver"), fhir.SOR)
    except (KeyError, IndexError, TypeError, MessageError):
        return ""


def _receive_ack(bundle, acked_id: str, code: str, reason: str, *, channel, source) -> Result:
    """An Acknowledgement of something we sent: delivered, or not (with the reason)."""
    updated = directory.apply_ack(acked_id, code, reason)
    if not updated:
        return _refuse(
            MessageError(
                _("The acknowledgement refers to message %(id)s, which was not sent from here.")
                % {"id": acked_id},
                "not-found",
            ),
            bundle,
            channel,
            source,
        )
    header_id = bundle["entry"][0]["resource"]["id"]
    Receipt.objects.create(
        channel=channel,
        source=source[:500],
        header_id=header_id,
        bundle_id=bundle.get("id", ""),
        outcome=Outcome.ACCEPTED,
        reason=_("Acknowledgement (%(code)s) of %(id)s") % {"code": code, "id": acked_id},
        ack_code="ok",
    )
    return Result(Outcome.ACCEPTED, "ok", header_id, "", None)
