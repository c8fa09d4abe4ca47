"""Reading a decoded Bundle: a CareCommunication (enforcing the MedCom profile rules a
receiver depends on), an Acknowledgement, or – for a message we refuse – enough to address
the negative acknowledgement."""

from __future__ import annotations

import datetime
import hashlib

from django.utils.translation import gettext_lazy as _

from ..models import Activity, MedComCategory
from .types import (
    CATEGORY_CODES,
    EAN,
    EXT_CONTACT,
    EXT_DATETIME,
    EXT_IDENTIFIER,
    EXT_PRACTITIONER,
    EXT_SENDER,
    PROFILE_MESSAGE,
    SOR,
    Author,
    CareCommunication,
    MessageError,
    OrgRef,
    Party,
    Patient,
    Payload,
    ProvenanceEntry,
)
from .validate import check_attachment, decode


class _Index:
    """Resolves `Type/id` references inside one bundle."""

    def __init__(self, bundle: dict):
        self.by_ref: dict[str, dict] = {}
        for entry in bundle.get("entry") or []:
            res = entry.get("resource") or {}
            if "id" in res:
                self.by_ref[f"{res['resourceType']}/{res['id']}"] = res
            if entry.get("fullUrl"):
                self.by_ref[entry["fullUrl"]] = res

    def get(self, reference: dict | None, expected: str, what: str) -> dict:
        ref = (reference or {}).get("reference", "")
        res = self.by_ref.get(ref) or self.by_ref.get("/".join(ref.rsplit("/", 2)[-2:]))
        if not res or res.get("resourceType") != expected:
            raise MessageError(
                str(
                    _("%(what)s does not resolve to a %(type)s in the message.")
                    % {"what": what, "type": expected}
                ),
                "required",
            )
        return res

    def of_type(self, rtype: str) -> list[dict]:
        seen, out = set(), []
        for res in self.by_ref.values():
            if res.get("resourceType") == rtype and id(res) not in seen:
                seen.add(id(res))
                out.append(res)
        return out


def _ext(element: dict, url: str) -> dict | None:
    return next((e for e in element.get("extension") or [] if e.get("url") == url), None)


def _identifier(res: dict, system: str) -> str:
    return next(
        (i.get("value", "") for i in res.get("identifier") or [] if i.get("system") == system), ""
    )


def _org(res: dict, what: str) -> OrgRef:
    sor = _identifier(res, SOR)
    if not sor:
        raise MessageError(str(_("%(what)s has no SOR identifier.") % {"what": what}), "required")
    return OrgRef(sor=sor, ean=_identifier(res, EAN), name=res.get("name", ""))


def _human_name(res: dict) -> str:
    name = (res.get("name") or [{}])[0]
    if isinstance(name, str):  # CareTeam.name
        return name
    return " ".join([*(name.get("given") or []), name.get("family") or ""]).strip()


def _role(idx: _Index, ref: dict | None, what: str) -> tuple[Author, str]:
    role = idx.get(ref, "PractitionerRole", what)
    code = (role.get("code") or [{}])[0]
    coding = (code.get("coding") or [{}])[0]
    name = ""
    if role.get("practitioner"):
        name = _human_name(idx.get(role["practitioner"], "Practitioner", what))
    org_sor = ""
    if role.get("organization"):
        org_sor = _identifier(idx.get(role["organization"], "Organization", what), SOR)
    return Author(
        name=name, role_code=coding.get("code", ""), role_text=code.get("text", "")
    ), org_sor


def _party(idx: _Index, ref: dict | None, what: str) -> Party | None:
    if not ref:
        return None
    kind = (ref.get("reference") or "").split("/")[-2:-1]
    if kind == ["CareTeam"]:
        team = idx.get(ref, "CareTeam", what)
        org = (team.get("managingOrganization") or [None])[0]
        org_sor = _identifier(idx.get(org, "Organization", what), SOR) if org else ""
        return Party("CareTeam", team.get("name", ""), org_sor=org_sor)
    author, org_sor = _role(idx, ref, what)
    return Party("PractitionerRole", author.name, author.role_code, author.role_text, org_sor)


def _payload(idx: _Index, raw: dict, n: int) -> Payload:
    what = str(_("Message segment %(n)s") % {"n": n})
    dt = _ext(raw, EXT_DATETIME)
    ident = _ext(raw, EXT_IDENTIFIER)
    if not dt or not dt.get("valueDateTime"):
        raise MessageError(str(_("%(what)s has no timestamp.") % {"what": what}), "required")
    if not ident or not (ident.get("valueIdentifier") or {}).get("value"):
        raise MessageError(str(_("%(what)s has no identifier.") % {"what": what}), "required")
    assigner = ident["valueIdentifier"].get("assigner") or None
    assigner_sor = _identifier(idx.get(assigner, "Organization", what), SOR) if assigner else ""
    author = None
    practitioner = _ext(raw, EXT_PRACTITIONER)
    if practitioner:
        author, _org_sor = _role(idx, practitioner.get("valueReference"), what)
    contact = _ext(raw, EXT_CONTACT)
    p = Payload(
        identifier=ident["valueIdentifier"]["value"],
        timestamp=dt["valueDateTime"],
        assigner_sor=assigner_sor,
        author=author,
        phone=((contact or {}).get("valueContactPoint") or {}).get("value", ""),
    )
    if "contentString" in raw:
        if author is None or not author.name:
            raise MessageError(
                str(_("%(what)s: a message text must be signed by its author.") % {"what": what}),
                "required",
            )
        p.text = raw["contentString"]
        return p
    att = raw.get("contentAttachment")
    if not att:
        raise MessageError(str(_("%(what)s has no content.") % {"what": what}), "required")
    p.title = att.get("title", "")
    if not p.title:
        raise MessageError(
            str(_("%(what)s: an attachment needs a title.") % {"what": what}), "required"
        )
    p.creation = att.get("creation", "")
    p.url = att.get("url", "")
    p.content_type = att.get("contentType", "")
    p.data = att.get("data")
    if p.data is not None or p.content_type:
        check_attachment(p.content_type, p.content_bytes() if p.data else None, what)
    return p


def _provenance(idx: _Index, res: dict) -> ProvenanceEntry:
    what = "Provenance"
    target = ((res.get("target") or [{}])[0].get("reference") or "").split("/")[-1]
    coding = ((res.get("activity") or {}).get("coding") or [{}])[0]
    agent = ((res.get("agent") or [{}])[0]).get("who")
    agent_sor = _identifier(idx.get(agent, "Organization", what), SOR) if agent else ""
    entry = ProvenanceEntry(
        target=target,
        activity=coding.get("code", ""),
        occurred=res.get("occurredDateTime", ""),
        agent_sor=agent_sor,
    )
    for entity in res.get("entity") or []:
        what_ = entity.get("what") or {}
        if entity.get("role") == "source" and (what_.get("identifier") or {}).get("value"):
            entry.payload_ids.append(what_["identifier"]["value"])
        elif entity.get("role") == "revision" and what_.get("reference"):
            entry.previous = what_["reference"].split("/")[-1]
    return entry


def parse_bundle(bundle: dict) -> CareCommunication:
    """A decoded Bundle → CareCommunication, enforcing the profile rules we rely on."""
    if bundle.get("type") != "message":
        raise MessageError(str(_("The Bundle is not of type message.")), "structure")
    if PROFILE_MESSAGE not in ((bundle.get("meta") or {}).get("profile") or []):
        raise MessageError(
            str(_("The Bundle does not claim the MedCom CareCommunication profile.")), "structure"
        )
    if not bundle.get("id") or not bundle.get("timestamp"):
        raise MessageError(str(_("The Bundle has no id or timestamp.")), "required")
    entries = bundle.get("entry") or []
    header = (entries[0].get("resource") if entries else None) or {}
    if header.get("resourceType") != "MessageHeader":
        raise MessageError(str(_("The first entry is not a MessageHeader.")), "structure")
    if (header.get("eventCoding") or {}).get("code") != "care-communication-message":
        raise MessageError(str(_("The message event is not care-communication-message.")), "value")
    if not header.get("id"):
        raise MessageError(str(_("The MessageHeader has no id.")), "required")
    idx = _Index(bundle)
    destinations = header.get("destination") or []
    if len(destinations) != 1:
        raise MessageError(
            str(_("A CareCommunication has exactly one (primary) destination.")), "structure"
        )
    receiver = _org(
        idx.get(destinations[0].get("receiver"), "Organization", "receiver"), "receiver"
    )
    sender = _org(idx.get(header.get("sender"), "Organization", "sender"), "sender")
    focus = (header.get("focus") or [None])[0]
    comm = idx.get(focus, "Communication", "MessageHeader.focus")
    comm_id = ((comm.get("identifier") or [{}])[0]).get("value", "")
    if not comm_id:
        raise MessageError(str(_("The Communication has no communication identifier.")), "required")
    categories = comm.get("category") or []
    codings = [c for cat in categories for c in cat.get("coding") or []]
    if len(codings) != 1 or codings[0].get("system") != CATEGORY_CODES:
        raise MessageError(str(_("The Communication needs exactly one MedCom category.")), "value")
    category = codings[0].get("code", "")
    if category not in MedComCategory.values:
        raise MessageError(
            str(_("Unknown CareCommunication category: %(code)s") % {"code": category}), "value"
        )
    topic = (comm.get("topic") or {}).get("text", "")
    if category == MedComCategory.OTHER and not topic:
        raise MessageError(str(_("A message in category 'other' needs a topic.")), "required")
    pat = idx.get(comm.get("subject"), "Patient", "Communication.subject")
    identifiers = [
        (i.get("system", ""), i.get("value", ""))
        for i in pat.get("identifier") or []
        if i.get("value")
    ]
    if not identifiers:
        raise MessageError(str(_("The Patient has no identifier.")), "required")
    name = (pat.get("name") or [{}])[0]
    patient = Patient(
        identifiers=identifiers,
        family=name.get("family") or "",
        given=list(name.get("given") or []),
        deceased=bool(pat.get("deceasedBoolean") or pat.get("deceasedDateTime")),
    )
    raw_payloads = comm.get("payload") or []
    payloads = [_payload(idx, p, n) for n, p in enumerate(raw_payloads, 1)]
    if not any(not p.is_attachment for p in payloads):
        raise MessageError(str(_("The message has no message text.")), "required")
    provenance = [_provenance(idx, r) for r in idx.of_type("Provenance")]
    cc = CareCommunication(
        bundle_id=bundle["id"],
        header_id=header["id"],
        timestamp=bundle["timestamp"],
        sender=sender,
        receiver=receiver,
        patient=patient,
        communication_id=comm_id,
        category=category,
        topic=topic,
        priority=comm.get("priority", ""),
        payloads=payloads,
        provenance=provenance,
        recipient=_party(idx, (comm.get("recipient") or [None])[0], "Communication.recipient"),
        sender_party=_party(
            idx, ((_ext(comm, EXT_SENDER) or {}).get("valueReference")), "sender extension"
        ),
    )
    if comm.get("encounter"):
        enc = idx.get(comm["encounter"], "Encounter", "Communication.encounter")
        eoc = ((enc.get("episodeOfCare") or [{}])[0]).get("identifier") or {}
        cc.episode_of_care = {"system": eoc.get("system", ""), "value": eoc.get("value", "")}
    try:
        current = cc.current
    except StopIteration:
        raise MessageError(
            str(_("No Provenance describes this message (target MessageHeader).")), "required"
        ) from None
    if current.activity not in Activity.values:
        raise MessageError(
            str(_("Unknown message activity: %(code)s") % {"code": current.activity}), "value"
        )
    if current.activity != Activity.NEW and not current.previous:
        raise MessageError(
            str(_("A reply or forward must name the message it answers (Provenance.entity).")),
            "required",
        )
    known = {p.identifier for p in payloads}
    if any(pid not in known for pid in current.payload_ids):
        raise MessageError(
            str(_("The Provenance names a message segment that is not in the message.")),
            "invalid",
        )
    check_fields(cc)
    return cc


# What the stored rows hold at most (text longer than this is refused, not cut).
_TEXT_LIMITS = {
    "Bundle.id": 64,
    "MessageHeader.id": 64,
    "Communication.identifier": 100,
    "SOR": 18,
    "EAN": 13,
    "name": 200,
    "Payload.identifier": 100,
    "phone": 40,
    "title": 300,
    "url": 500,
    "contentType": 100,
    "timestamp": 40,
}
EARLIEST, LATEST = 1900, 2200


def _text(value, what: str, limit_key: str = "", *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise MessageError(str(_("%(what)s must be text.") % {"what": what}), "value")
    limit = _TEXT_LIMITS.get(limit_key or what)
    if limit and len(value) > limit:
        raise MessageError(
            str(
                _("%(what)s is longer than %(limit)s characters.") % {"what": what, "limit": limit}
            ),
            "value",
        )


def _time(value: str, what: str) -> None:
    """A FHIR dateTime within the years a message can be about (a date or year alone is
    fine; a time needs its zone)."""
    if not value:
        return
    try:
        dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        if len(value) >= 4 and value[:4].isdigit() and EARLIEST <= int(value[:4]) <= LATEST:
            return  # a year or year-month: kept as text
        raise MessageError(
            str(_("%(what)s is not a date and time: %(value)s") % {"what": what, "value": value}),
            "value",
        ) from None
    if not EARLIEST <= dt.year <= LATEST:
        raise MessageError(
            str(
                _("%(what)s lies outside the years %(first)s–%(last)s.")
                % {"what": what, "first": EARLIEST, "last": LATEST}
            ),
            "value",
        )
    try:
        dt.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise MessageError(str(_("%(what)s is out of range.") % {"what": what}), "value") from None


def check_fields(cc: CareCommunication) -> None:
    """Every value we store is text of a length the database holds, and every time lies in
    a sane range: a number where a date belongs, or an id longer than any real one, is
    refused with the reason instead of failing when stored."""
    _text(cc.bundle_id, "Bundle.id")
    _text(cc.header_id, "MessageHeader.id")
    _text(cc.timestamp, "Bundle.timestamp", "timestamp")
    _time(cc.timestamp, "Bundle.timestamp")
    for org, what in ((cc.sender, "sender"), (cc.receiver, "receiver")):
        _text(org.sor, f"{what} SOR", "SOR")
        _text(org.ean, f"{what} EAN", "EAN")
        _text(org.name, f"{what} name", "name")
    _text(cc.communication_id, "Communication.identifier")
    _text(cc.topic, "Communication.topic")
    _text(cc.priority, "Communication.priority", "name")
    for system, value in cc.patient.identifiers:
        _text(system, "Patient.identifier.system", "url")
        _text(value, "Patient.identifier.value", "Payload.identifier")
    _text(cc.patient.family, "Patient.name.family", "name")
    for given in cc.patient.given:
        _text(given, "Patient.name.given", "name")
    for n, p in enumerate(cc.payloads, 1):
        what = str(_("Message segment %(n)s") % {"n": n})
        _text(p.identifier, what, "Payload.identifier")
        _text(p.timestamp, what, "timestamp")
        _time(p.timestamp, what)
        _text(p.assigner_sor, what, "SOR")
        _text(p.phone, what, "phone")
        _text(p.text, what, optional=True)
        _text(p.title, what, "title")
        _text(p.url, what, "url")
        _text(p.content_type, what, "contentType")
        _text(p.creation, what, "timestamp")
        _time(p.creation, what)
        if p.author:
            for value in vars(p.author).values():
                _text(value, what, "name")
    for prov in cc.provenance:
        for value in (prov.target, prov.previous):
            _text(value, "Provenance", "MessageHeader.id")
        _text(prov.activity, "Provenance.activity", "name")
        _text(prov.occurred, "Provenance.occurred", "timestamp")
        _text(prov.agent_sor, "Provenance.agent", "SOR")
        for pid in prov.payload_ids:
            _text(pid, "Provenance.entity", "Payload.identifier")
    for party in (cc.recipient, cc.sender_party):
        if party is not None:
            for value in vars(party).values():
                _text(value, "Communication.recipient", "name")


def parse(data: bytes, content_type: str = "") -> tuple[CareCommunication, dict]:
    bundle = decode(data, content_type)
    return parse_bundle(bundle), bundle


def essence(cc: CareCommunication) -> dict:
    """The content two equivalent messages share, whatever their resource ids and format."""

    def payload(p: Payload) -> dict:
        d = {
            "id": p.identifier,
            "ts": p.timestamp,
            "assigner": p.assigner_sor,
            "author": vars(p.author) if p.author else None,
            "phone": p.phone,
            "text": p.text,
            "type": p.content_type,
            "title": p.title,
            "creation": p.creation,
            "url": p.url,
            "sha": hashlib.sha256(p.content_bytes()).hexdigest() if p.data else None,
        }
        return d

    return {
        "bundle": cc.bundle_id,
        "header": cc.header_id,
        "timestamp": cc.timestamp,
        "sender": vars(cc.sender),
        "receiver": vars(cc.receiver),
        "patient": cc.patient.as_json(),
        "communication": cc.communication_id,
        "category": cc.category,
        "topic": cc.topic,
        "priority": cc.priority,
        "recipient": vars(cc.recipient) if cc.recipient else None,
        "sender_party": vars(cc.sender_party) if cc.sender_party else None,
        "episode_of_care": cc.episode_of_care,
        "payloads": [payload(p) for p in cc.payloads],
        "provenance": sorted((vars(p) for p in cc.provenance), key=lambda d: d["target"]),
    }


def parse_ack(bundle: dict) -> tuple[str, str, str] | None:
    """(message id acknowledged, code, reason) if `bundle` is an Acknowledgement, else None."""
    entries = bundle.get("entry") or []
    header = (entries[0].get("resource") if entries else None) or {}
    if (header.get("eventCoding") or {}).get("code") != "acknowledgement-message":
        return None
    response = header.get("response") or {}
    if not response.get("identifier") or not response.get("code"):
        raise MessageError(str(_("The acknowledgement has no response.")), "required")
    reason = ""
    if response.get("details"):
        outcome = _Index(bundle).get(response["details"], "OperationOutcome", "response.details")
        reason = "; ".join(
            ((i.get("details") or {}).get("text") or i.get("code", ""))
            for i in outcome.get("issue") or []
        )
    return response["identifier"], response["code"], reason


def peek(bundle: dict) -> tuple[str, OrgRef | None, ProvenanceEntry | None]:
    """Best effort on a message we refuse: its id, sender and latest Provenance, so the
    negative acknowledgement can still be addressed. Whatever shape the bundle has, this
    answers (with less) rather than fails."""
    header_id, sender, latest = "", None, None
    try:
        header = (bundle.get("entry") or [])[0]["resource"]
        value = header.get("id", "")
        header_id = value[:64] if isinstance(value, str) else ""
        idx = _Index(bundle)
        found = _org(idx.get(header.get("sender"), "Organization", "sender"), "sender")
        if all(isinstance(v, str) for v in (found.sor, found.ean, found.name)):
            sender = OrgRef(sor=found.sor[:18], ean=found.ean[:13], name=found.name[:200])
        latest = next(
            _provenance(idx, r)
            for r in idx.of_type("Provenance")
            if ((r.get("target") or [{}])[0].get("reference") or "").endswith(header_id or "?")
        )
        if not all(isinstance(v, str) for v in (latest.target, latest.activity, latest.occurred)):
            latest = None
    except Exception:  # noqa: S110 – best effort by design: less to address it with
        pass
    return header_id, sender, latest


# Public names for the receiver's best-effort look-ups on a refused message.
Index = _Index
identifier_of = _identifier
