"""Receiving CareCommunication, following MedCom's receiving rules.

- Messages come from a message integration (a VANS/mailbox adapter, a partner system, the
  drop-folder command), never from a person. The sender a message claims must be one of the
  SOR codes the integration is bound to; otherwise it is refused, and the negative
  acknowledgement goes back only to the integration that delivered it.
- The receiver must be one of our organisations (by SOR); otherwise the message is refused.
- A sender the organisation directory does not know is no reason to refuse, but no
  organisation is ever created from a message: the thread waits in triage until an
  administrator has added the sender and staff attach it.
- De-duplication by MessageHeader.id (MedCom reliable messaging): a resend keeps its
  MessageHeader.id but gets a new Bundle.id and Bundle.timestamp. A known MessageHeader.id
  with the same content (compared without the envelope: `fhir.content_hash`) is a
  duplicate, acknowledged positively with the original acknowledgement and not stored twice;
  a known MessageHeader.id with different content, or a reused Bundle.id under another
  MessageHeader.id, is refused.
- Threads by communication identifier: a reply joins its thread, a forward starts a new one;
  segments are stored once per thread by identifier, so a reply that arrives before the
  message it answers brings that message's segments along, and the late original adds none.
- The citizen is found by CPR number or by a known replacement/previous number; otherwise
  the thread waits in the receiving organisation's triage inbox.
- Every message gets an Acknowledgement, and every attempt leaves a Receipt. A refusal
  stores nothing but the receipt. Nothing a message contains makes receipt fail: input the
  rules do not foresee is refused with a reason, and in a batch each message has its own
  outcome (a message that cannot be stored does not cost the others theirs).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime as _parse_datetime
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record_many
from enplan.organisations.models import Organisation

from . import directory, fhir
from .fhir import CareCommunication, MessageError
from .models import (
    Activity,
    DeliveryState,
    Direction,
    Message,
    MessageIntegration,
    Outcome,
    Receipt,
    Segment,
    SegmentKind,
    Thread,
)
from .outbox import apply_ack, enqueue_new

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

    def __post_init__(self):
        # A plain str (not the Outcome enum): it becomes an HTTP header, and WSGI servers
        # accept exactly str there.
        self.outcome = str(self.outcome)

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


def parse_datetime(value) -> datetime.datetime | None:
    """A FHIR dateTime as an aware datetime, or None when it is only a date, a year, or not
    a time at all (the message's own timestamp or the time of receipt stands in)."""
    try:
        dt = _parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if dt is not None and timezone.is_naive(dt):
        dt = timezone.make_aware(dt, datetime.UTC)
    return dt


@dataclass
class Incoming:
    """One message to receive: its bytes (or the JSON already decoded, as a dict) and where
    it came from."""

    data: bytes | dict
    content_type: str = ""
    source: str = ""


@dataclass
class _Refusal:
    error: MessageError
    org: Organisation | None = None


class _NotYours(Exception):
    """The delivering integration may not deliver for the sender the message claims."""

    def __init__(self, error: MessageError):
        self.error = error


def receive(
    data: bytes,
    content_type: str = "",
    channel: str = "api",
    source: str = "",
    *,
    integration: MessageIntegration | None = None,
) -> Result:
    """Receive one message (bytes, JSON or XML). Never raises for bad input: the result says
    what happened and carries the acknowledgement."""
    return receive_many(
        [Incoming(data, content_type, source)], channel=channel, integration=integration
    )[0]


def receive_many(
    items: Sequence[Incoming], *, channel: str, integration: MessageIntegration | None = None
) -> list[Result]:
    """Receive messages in the order given, one result each, in one transaction: the rules,
    results and stored rows are those of receiving them one at a time in that order (a
    message repeated later in the batch is a duplicate of the first, a reply before its
    original keeps the original's segments), for a few statements per batch instead of a
    dozen per message.

    `integration` is the system that delivered them: each sender must be one of its SOR
    codes, and the audit log names it. None only for enplan's own organisations writing to
    each other (and in-process tools), which are trusted."""
    results: list[Result | None] = [None] * len(items)
    parsed: list[tuple[int, CareCommunication, dict, str, str]] = []
    for i, item in enumerate(items):
        bundle = None
        try:
            bundle = fhir.decode(item.data, item.content_type)
            ack_info = fhir.parse_ack(bundle)
            if ack_info is not None:
                _check_sender(integration, fhir.peek(bundle)[1])
                fhir.content_hash(bundle)  # text that could not be stored is refused here
                results[i] = _receive_ack(
                    bundle, *ack_info, channel=channel, source=item.source, integration=integration
                )
                continue
            cc = fhir.parse_bundle(bundle)
            _check_sender(integration, cc.sender)
            parsed.append((i, cc, bundle, item.source, fhir.content_hash(bundle)))
        except _NotYours as exc:
            results[i] = _refuse(
                exc.error, bundle, channel, item.source, integration=integration, notify=False
            )
        except MessageError as exc:
            results[i] = _refuse(exc, bundle, channel, item.source, integration=integration)
        except Exception:  # input the rules do not foresee: refused, never a crash
            log.exception("could not read a message via %s (%s)", channel, item.source)
            results[i] = _refuse(
                _unreadable(), bundle, channel, item.source, integration=integration
            )
    received = _receive_batch([p[1:] for p in parsed], channel, integration=integration)
    for (i, *_rest), result in zip(parsed, received, strict=True):
        results[i] = result
    return results


def refuse_unread(exc: MessageError, *, channel: str, source: str = "", integration=None) -> Result:
    """A message refused before it could be read (e.g. too large to read at all)."""
    return _refuse(exc, None, channel, source, integration=integration)


def _check_sender(integration: MessageIntegration | None, sender: fhir.OrgRef | None) -> None:
    if integration is None:
        return
    sor = sender.sor if sender is not None else ""
    if not integration.may_send_for(sor):
        raise _NotYours(
            MessageError(
                _(
                    "The integration %(name)s may not deliver messages from sender SOR "
                    "%(sor)s; ask the administrator to bind that SOR code to it."
                )
                % {"name": integration.name, "sor": sor or "?"},
                "security",
                http_status=403,
            )
        )


def _unreadable() -> MessageError:
    return MessageError(
        _("The message could not be read: its content is outside what MedCom's profiles allow."),
        "invalid",
    )


def _unstorable() -> MessageError:
    return MessageError(
        _("The message could not be stored: a value is outside what is accepted."),
        "invalid",
    )


def receive_parsed(
    cc: CareCommunication, bundle: dict, *, channel: str, source: str = "", notify_sender=True
) -> Result:
    """Receive a message already parsed (one enplan organisation writing to another)."""
    digest = fhir.content_hash(bundle)
    return _receive_batch([(cc, bundle, source, digest)], channel, notify_sender)[0]


def _receive_batch(
    parsed: list,
    channel: str,
    notify_sender: bool = True,
    integration: MessageIntegration | None = None,
) -> list[Result]:
    if not parsed:
        return []
    codes: set[str] = set()
    for cc, _bundle, _source, _digest in parsed:
        codes |= {cc.receiver.sor, cc.sender.sor} | {p.assigner_sor for p in cc.payloads}
    try:
        outcomes = _store(parsed, codes, channel, notify_sender, integration)
    except Exception:
        if len(parsed) > 1:
            # One message the batch cannot store must not cost the others theirs: each alone.
            log.warning("a batch via %s failed; receiving its messages one by one", channel)
            return [
                r for p in parsed for r in _receive_batch([p], channel, notify_sender, integration)
            ]
        log.exception("could not store message %s via %s", parsed[0][0].header_id, channel)
        outcomes = [_Refusal(_unstorable())]
    return [
        _refuse(o.error, bundle, channel, source, org=o.org, integration=integration)
        if isinstance(o, _Refusal)
        else o
        for o, (_cc, bundle, source, _digest) in zip(outcomes, parsed, strict=True)
    ]


def _store(parsed, codes, channel, notify_sender, integration) -> list:
    orgs = directory.by_sor(codes)
    for attempt in range(2):  # a concurrent copy of a message or thread loses the race once
        try:
            with transaction.atomic():
                return _Batch(orgs, channel, notify_sender, integration).run(parsed)
        except IntegrityError:
            if attempt:
                raise
            orgs = directory.by_sor(codes)
    raise AssertionError("unreachable")


class _Batch:
    """One transaction's worth of received messages. What the database already holds about
    them is read up front, in one query per table; the receiving rules then run in memory,
    in message order, seeing the earlier messages of the batch as stored; the new rows go
    in with one statement per table."""

    def __init__(
        self,
        orgs: dict[str, Organisation],
        channel: str,
        notify_sender: bool,
        integration: MessageIntegration | None = None,
    ):
        self.orgs, self.channel, self.notify_sender = orgs, channel, notify_sender
        self.integration = integration
        self.authors = directory.enplan_ids(orgs)
        self.threads: dict[tuple[int, str], Thread] = {}
        self.segment_ids: dict[tuple[int, str], set[str]] = {}
        self.by_header: dict[tuple[int, str], Message] = {}
        self.by_bundle: dict[tuple[int, str], Message] = {}
        self.batch_acks: dict[int, dict] = {}  # id(message) -> its acknowledgement
        self.new_threads: list[Thread] = []
        self.changed_threads: dict[int, Thread] = {}
        self.messages: list[Message] = []
        self.segments: list[Segment] = []
        self.audit: list[tuple] = []
        self.receipts: list[Receipt] = []
        self.acks_out: list[dict] = []
        self.after: list = []  # calls to make once the rows exist

    def run(self, parsed: list) -> list[Result | _Refusal]:
        ours = [cc for cc, _b, _s, _d in parsed if self._receiver(cc) is not None]
        self._load(ours)
        outcomes: list[Result | _Refusal] = []
        for cc, bundle, source, digest in parsed:
            org = self._receiver(cc)
            if org is None:
                error = MessageError(
                    _("The receiver (SOR %(sor)s) is not an organisation served here.")
                    % {"sor": cc.receiver.sor},
                    "not-found",
                )
                outcomes.append(_Refusal(error))
                continue
            try:
                outcomes.append(self._receive(org, cc, bundle, source, digest))
            except MessageError as exc:
                outcomes.append(_Refusal(exc, org))
        self._flush()
        return outcomes

    def _receiver(self, cc: CareCommunication) -> Organisation | None:
        org = self.orgs.get(cc.receiver.sor)
        return org if org is not None and org.uses_enplan else None

    def _load(self, ccs: list[CareCommunication]) -> None:
        if not ccs:
            return
        org_ids = {self._receiver(cc).pk for cc in ccs}
        seen = Message.objects.filter(organisation_id__in=org_ids, direction=Direction.IN).filter(
            Q(header_id__in={cc.header_id for cc in ccs})
            | Q(bundle_id__in={cc.bundle_id for cc in ccs})
        )
        for m in seen:
            self.by_header[m.organisation_id, m.header_id] = m
            self.by_bundle[m.organisation_id, m.bundle_id] = m
        self.citizens = directory.citizens_by_cpr({cc.patient.cpr for cc in ccs})
        threads = Thread.objects.select_for_update().filter(
            organisation_id__in=org_ids,
            communication_id__in={cc.communication_id for cc in ccs},
        )
        by_id = {}
        for t in threads:
            self.threads[t.organisation_id, t.communication_id] = by_id[t.pk] = t
            self.segment_ids[t.organisation_id, t.communication_id] = set()
        for thread_id, identifier in Segment.objects.filter(thread_id__in=by_id).values_list(
            "thread_id", "identifier"
        ):
            t = by_id[thread_id]
            self.segment_ids[t.organisation_id, t.communication_id].add(identifier)

    def _receive(self, org, cc: CareCommunication, bundle: dict, source: str, digest) -> Result:
        duplicate = self._duplicate(org, cc, bundle, digest, source)
        if duplicate is not None:
            return duplicate
        partner = self.orgs.get(cc.sender.sor)
        # A sender the directory does not know leaves the thread in triage (no citizen)
        # until an administrator has added it and staff attach the message.
        citizen = directory.find_citizen(cc.patient, self.citizens) if partner else None
        sent_at = parse_datetime(cc.timestamp) or timezone.now()
        key = (org.pk, cc.communication_id)
        thread = self.threads.get(key)
        if thread is None:
            thread = Thread(
                organisation=org,
                communication_id=cc.communication_id,
                citizen=citizen,
                municipality_code=citizen.municipality_code if citizen else "",
                partner=partner,
                partner_sor=cc.sender.sor,
                partner_name=cc.sender.name[:200],
                category=cc.category,
                topic=cc.topic[:60],
                patient=cc.patient.as_json(),
                last_message_at=sent_at,
            )
            if cc.activity == Activity.FORWARD:
                thread.forwarded_from = self._forwarded_from(org, cc)
        message = message_for(
            cc,
            bundle,
            digest,
            thread=thread,
            organisation=org,
            direction=Direction.IN,
            sent_at=sent_at,
            state=DeliveryState.RECEIVED,
            ack_code="ok",
        )
        known = self.segment_ids.setdefault(key, set())
        # Checks the attachments, so nothing of a refused message reaches the thread.
        segments = new_segments(thread, message, cc, org, True, known, self.authors)

        if key not in self.threads:
            self.threads[key] = thread
            self.new_threads.append(thread)
        elif thread.pk is not None:
            self.changed_threads[thread.pk] = thread
        if thread.partner_id is None and partner and thread.partner_sor == partner.sor_code:
            thread.partner = partner
        if thread.citizen_id is None and citizen is not None and thread.partner_id is not None:
            thread.citizen, thread.municipality_code = citizen, citizen.municipality_code
        thread.patient_deceased = thread.patient_deceased or cc.patient.deceased
        thread.last_message_at = max(thread.last_message_at, sent_at)
        thread.last_incoming_at = timezone.now()
        thread.history = merge_history(thread.history, cc.provenance)
        known.update(s.identifier for s in segments)
        self.segments += segments
        self.messages.append(message)
        self.by_header[org.pk, cc.header_id] = self.by_bundle[org.pk, cc.bundle_id] = message
        if thread.citizen_id is not None:
            owner = citizen if citizen and citizen.pk == thread.citizen_id else thread.citizen
            extra = {"channel": self.channel, "sender": partner.name if partner else cc.sender.sor}
            if self.integration is not None:
                extra["integration"] = self.integration.name
            self.audit.append((owner, Action.CREATE, message, extra))

        ack = fhir.build_ack(
            responding_to=cc.header_id,
            ours=directory.org_ref(org),
            theirs=cc.sender,
            code="ok",
            latest=cc.current,
            when=_now_iso(),
        )
        self.batch_acks[id(message)] = ack
        self.receipts.append(
            self._receipt(cc, org, digest, source, Outcome.ACCEPTED, message=message, ack=ack)
        )
        if self.notify_sender:
            self._send_ack(ack, cc.sender, new=True)
        log.info("received %s for %s (%s)", cc.header_id, org.sor_code, self.channel)
        return Result(Outcome.ACCEPTED, "ok", cc.header_id, "", ack, message)

    def _duplicate(
        self, org, cc: CareCommunication, bundle: dict, digest: str, source: str
    ) -> Result | None:
        known = self.by_header.get((org.pk, cc.header_id))
        if known is None:
            if (org.pk, cc.bundle_id) in self.by_bundle:
                raise MessageError(
                    _("Bundle.id %(id)s was already used by another message.")
                    % {"id": cc.bundle_id},
                    "duplicate",
                )
            return None
        if known.content_hash != digest and not _same_content(known, bundle):
            raise MessageError(
                _(
                    "Message id %(id)s was already received with different content; "
                    "a new message needs a new MessageHeader.id."
                )
                % {"id": cc.header_id},
                "duplicate",
            )
        ack = self.batch_acks.get(id(known))
        if ack is None and known.pk is not None:
            original = known.receipts.filter(outcome=Outcome.ACCEPTED).first()
            ack = original.ack if original else None
            if ack is not None and self.notify_sender:
                self._send_ack(ack, cc.sender, new=False)
        # (an original of this batch has its acknowledgement queued already)
        reason = _("Already received; the original acknowledgement is sent again.")
        self.receipts.append(
            self._receipt(cc, org, digest, source, Outcome.DUPLICATE, known, ack, reason)
        )
        return Result(Outcome.DUPLICATE, "ok", cc.header_id, reason, ack, known)

    def _forwarded_from(self, org, cc: CareCommunication) -> Thread | None:
        earlier = self.by_header.get((org.pk, cc.previous_header_id))
        if earlier is not None and earlier.thread.communication_id != cc.communication_id:
            return earlier.thread
        return (
            Thread.objects.filter(organisation=org, messages__header_id=cc.previous_header_id)
            .exclude(communication_id=cc.communication_id)
            .first()
        )

    def _receipt(self, cc, org, digest, source, outcome, message=None, ack=None, reason=""):
        return Receipt(
            channel=self.channel,
            source=source[:500],
            header_id=cc.header_id,
            bundle_id=cc.bundle_id,
            content_hash=digest,
            organisation=org,
            sender_sor=cc.sender.sor,
            outcome=outcome,
            reason=reason,
            message=message,
            integration=self.integration,
            ack_header_id=ack["entry"][0]["resource"]["id"] if ack else "",
            ack_code="ok",
            ack=ack,
        )

    def _send_ack(self, ack: dict, to: fhir.OrgRef, *, new: bool) -> None:
        partner = self.orgs.get(to.sor)
        if new and not (partner is not None and partner.uses_enplan):
            header = ack["entry"][0]["resource"]
            self.acks_out.append(
                {
                    "kind": "acknowledgement",
                    "header_id": header["id"],
                    "receiver_sor": to.sor,
                    "bundle": ack,
                    "endpoint": partner.message_endpoint if partner else "",
                }
            )
        else:
            self.after.append(lambda: directory.send_ack(ack, to, self.orgs, new=new))

    def _flush(self) -> None:
        # A forward of a message earlier in the batch points at a thread not inserted yet.
        later = [t for t in self.new_threads if t.forwarded_from and not t.forwarded_from.pk]
        targets = [t.forwarded_from for t in later]
        for t in later:
            t.forwarded_from = None
        Thread.objects.bulk_create(self.new_threads)
        for t, target in zip(later, targets, strict=True):
            t.forwarded_from = target
            self.changed_threads[t.pk] = t
        now = timezone.now()
        for t in self.changed_threads.values():
            t.updated_at = now
        Thread.objects.bulk_update(
            list(self.changed_threads.values()),
            [
                "updated_at",
                "partner",
                "forwarded_from",
                "citizen",
                "municipality_code",
                "patient_deceased",
                "last_message_at",
                "last_incoming_at",
                "history",
            ],
        )
        Message.objects.bulk_create(self.messages)
        Segment.objects.bulk_create(self.segments)
        record_many(self.integration, self.audit)
        Receipt.objects.bulk_create(self.receipts)
        enqueue_new(self.acks_out)
        for call in self.after:
            call()


def _same_content(known: Message, bundle: dict) -> bool:
    """For a message stored before the content hash left out each resource's meta and
    narrative: compare the stored bundle with this one, attachments reduced alike."""
    if known.pk is None:
        return False
    return fhir.content_hash(known.bundle) == fhir.content_hash(strip_attachments(bundle))


def message_for(cc: CareCommunication, bundle: dict, digest: str, **fields) -> Message:
    """The Message row of `cc`, received or sent (`fields`: thread, organisation, direction,
    state, sent_at, …), not saved yet."""
    return Message(
        activity=cc.activity,
        header_id=cc.header_id,
        bundle_id=cc.bundle_id,
        content_hash=digest,
        previous_header_id=cc.previous_header_id,
        sender_sor=cc.sender.sor,
        sender_ean=cc.sender.ean,
        receiver_sor=cc.receiver.sor,
        receiver_ean=cc.receiver.ean,
        bundle=strip_attachments(bundle),
        **fields,
    )


def merge_history(history: list, provenance: list[fhir.ProvenanceEntry]) -> list:
    """The thread's Provenance chain, one entry per message, in the order they happened."""
    by_target = {h["target"]: h for h in history}
    for p in provenance:
        by_target.setdefault(p.target, vars(p).copy())
    return sorted(by_target.values(), key=lambda h: (h["occurred"], h["target"]))


def store_segments(thread, message, cc: CareCommunication, *, ours, from_partner: bool) -> None:
    """Store the message's segments that its thread does not hold yet."""
    known = set(thread.segments.values_list("identifier", flat=True))
    orgs = directory.by_sor({p.assigner_sor for p in cc.payloads})
    authors = directory.enplan_ids(orgs)
    Segment.objects.bulk_create(
        new_segments(thread, message, cc, ours, from_partner, known, authors)
    )


def new_segments(
    thread, message, cc: CareCommunication, ours, from_partner: bool, known: set, authors: dict
) -> list[Segment]:
    """The message's segments whose identifiers are not in `known`, attachments checked.
    `authors` maps the SOR codes of organisations using enplan to their ids."""
    new, seen = [], set(known)
    for p in cc.payloads:
        if p.identifier in seen:
            continue
        seen.add(p.identifier)
        seg = Segment(
            thread=thread,
            message=message,
            identifier=p.identifier,
            kind=SegmentKind.ATTACHMENT if p.is_attachment else SegmentKind.TEXT,
            timestamp=parse_datetime(p.timestamp) or message.sent_at,
            # What colleagues in enplan wrote keeps their organisation as origin (consent
            # decides whether it stays visible here); what reaches us from outside is our
            # own record.
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
    return new


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


def _refuse(
    exc: MessageError, bundle, channel, source, org=None, integration=None, notify=True
) -> Result:
    """The negative acknowledgement and the receipt of a refused message. `notify` false:
    the acknowledgement goes back only with the answer to the integration that delivered it
    (never to a sender the message may only claim)."""
    named = fhir.peek(bundle) if isinstance(bundle, dict) else ("", None, None)
    ours = directory.org_ref(org) if org else fhir.OrgRef(sor=_receiver_sor(bundle) or "unknown")
    # What the refused message names goes into the acknowledgement only as far as it is fit
    # to repeat (a valid FHIR Bundle is what we answer, whatever we were sent).
    header_id, sender, latest = named
    unknown = fhir.OrgRef(sor="unknown")
    for header_id, sender, latest, by in (  # noqa: B020 – each variant replaces the last
        (*named, ours),
        (named[0], named[1], None, ours),
        (named[0], None, None, ours),
        ("", None, None, ours),
        ("", None, None, unknown),
    ):
        ack = fhir.build_ack(
            responding_to=header_id,
            ours=by,
            theirs=sender,
            code="fatal-error",
            reason=exc.reason,
            issue=exc.issue,
            latest=latest,
            when=_now_iso(),
        )
        try:
            fhir.validate_built(ack)
            break
        except Exception:  # noqa: S112 – the next, plainer variant
            continue
    Receipt.objects.create(
        channel=channel,
        source=source[:500],
        header_id=header_id[:64],
        bundle_id=str((bundle or {}).get("id", ""))[:64] if isinstance(bundle, dict) else "",
        organisation=org,
        sender_sor=sender.sor[:18] if sender else "",
        integration=integration,
        outcome=Outcome.REJECTED,
        reason=exc.reason[:500],
        ack_header_id=ack["entry"][0]["resource"]["id"],
        ack_code="fatal-error",
        ack=ack,
    )
    log.warning("refused message %s via %s (%s): %s", header_id or "?", channel, source, exc.reason)
    if notify and sender is not None:
        directory.send_ack(ack, sender)
    return Result(
        Outcome.REJECTED, "fatal-error", header_id, exc.reason, ack, http_status=exc.http_status
    )


def _receiver_sor(bundle) -> str:
    try:
        header = bundle["entry"][0]["resource"]
        ref = header["destination"][0]["receiver"]
        sor = fhir.identifier_of(fhir.Index(bundle).get(ref, "Organization", "receiver"), fhir.SOR)
    except (KeyError, IndexError, TypeError, AttributeError, MessageError):
        return ""
    return sor[:18] if isinstance(sor, str) else ""


def _receive_ack(
    bundle, acked_id: str, code: str, reason: str, *, channel, source, integration=None
) -> Result:
    """An Acknowledgement of something we sent: delivered, or not (with the reason). Only
    the organisation the message went to can acknowledge it, so a message integration
    cannot settle the delivery of messages to partners it does not speak for."""
    _header, sender, _latest = fhir.peek(bundle)
    if not isinstance(acked_id, str) or not isinstance(code, str) or not isinstance(reason, str):
        raise MessageError(_("The acknowledgement has no response."), "required")
    updated = apply_ack(acked_id, code, reason, from_sor=sender.sor if sender else "")
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
            integration=integration,
        )
    header_id = str(bundle["entry"][0]["resource"].get("id", ""))[:64]
    Receipt.objects.create(
        channel=channel,
        source=source[:500],
        header_id=header_id,
        bundle_id=str(bundle.get("id", ""))[:64],
        integration=integration,
        outcome=Outcome.ACCEPTED,
        reason=_("Acknowledgement (%(code)s) of %(id)s") % {"code": code, "id": acked_id},
        ack_code="ok",
    )
    return Result(Outcome.ACCEPTED, "ok", header_id, "", None)
