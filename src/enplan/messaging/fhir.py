"""MedCom CareCommunication and Acknowledgement as FHIR R4 message Bundles.

`parse` turns bytes (JSON or XML) into a `CareCommunication`, checking the rules of the
MedCom profiles a receiver depends on; `build` turns a `CareCommunication` back into a
Bundle. Both formats go through fhir.resources for structural validation; XML is first
screened with lxml with DTDs, entities and network access off, and any DOCTYPE is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from lxml import etree

from .models import Activity, MedComCategory

# Systems and profiles (MedCom CareCommunication 5.0, Messaging, Acknowledgement).
SOR = "urn:oid:1.2.208.176.1.1"
EAN = "https://www.gs1.org/gln"
CPR = "urn:oid:1.2.208.176.1.2"
REPLACEMENT_CPR_PREFIX = "urn:oid:1.2.208.176.1.6"
SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id="
CC_BASE = "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/"
PROFILE_MESSAGE = CC_BASE + "medcom-careCommunication-message"
PROFILE_HEADER = CC_BASE + "medcom-careCommunication-messageHeader"
PROFILE_COMMUNICATION = CC_BASE + "medcom-careCommunication-communication"
PROFILE_PROVENANCE = CC_BASE + "medcom-careCommunication-provenance"
PROFILE_ORGANIZATION = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-organization"
)
CORE = "http://medcomfhir.dk/ig/core/StructureDefinition/"
PROFILE_PATIENT = CORE + "medcom-core-patient"
PROFILE_PRACTITIONER = CORE + "medcom-core-practitioner"
PROFILE_PRACTITIONER_ROLE = CORE + "medcom-core-practitionerrole"
PROFILE_CARETEAM = CORE + "medcom-core-careteam"
PROFILE_ENCOUNTER = CORE + "medcom-core-encounter"
EXT_DATETIME = CORE + "medcom-core-datetime-extension"
EXT_IDENTIFIER = CORE + "medcom-core-identifier-extension"
EXT_PRACTITIONER = CORE + "medcom-core-practitioner-extension"
EXT_CONTACT = CORE + "medcom-core-contact-extension"
EXT_SENDER = CORE + "medcom-core-sender-extension"
EXT_DESTINATION_USE = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
)
TERMINOLOGY = "http://medcomfhir.dk/ig/terminology/CodeSystem/"
EVENT_CODES = TERMINOLOGY + "medcom-messaging-eventCodes"
ACTIVITY_CODES = TERMINOLOGY + "medcom-messaging-activityCodes"
DESTINATION_USE = TERMINOLOGY + "medcom-messaging-destinationUse"
CATEGORY_CODES = TERMINOLOGY + "medcom-careCommunication-categoryCodes"
ROLE_CODES = TERMINOLOGY + "medcom-core-PractitionerRolesSKSadministrativ"
DEFINITION_CC = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComCareCommunicationMessageDefinition|5.0"
)
ACK_BASE = "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/"
PROFILE_ACK = ACK_BASE + "medcom-messaging-acknowledgement"
PROFILE_ACK_HEADER = ACK_BASE + "medcom-messaging-acknowledgementHeader"
PROFILE_ACK_OUTCOME = ACK_BASE + "medcom-acknowledgement-operationoutcome"
PROFILE_MESSAGING_PROVENANCE = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-provenance"
)
DEFINITION_ACK = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComAcknowledgementMessageDefinition|2.0"
)

# MedCom's value set of attachment types, with the leading bytes each must start with.
ATTACHMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "image/bmp": (b"BM",),
}


class MessageError(Exception):
    """A message we must refuse, with the reason for the negative acknowledgement.

    `issue` is the FHIR issue type for the OperationOutcome; `http_status` what the HTTP
    receiving endpoint answers.
    """

    def __init__(self, reason: str, issue: str = "invalid", http_status: int = 422):
        super().__init__(reason)
        self.reason = reason
        self.issue = issue
        self.http_status = http_status


@dataclass
class OrgRef:
    sor: str
    ean: str = ""
    name: str = ""


@dataclass
class Author:
    name: str = ""
    role_code: str = ""
    role_text: str = ""


@dataclass
class Payload:
    identifier: str
    timestamp: str
    assigner_sor: str = ""
    author: Author | None = None
    phone: str = ""
    text: str | None = None
    # Attachment: contentType, title, creation, url and base64 data (absent in replies).
    content_type: str = ""
    title: str = ""
    creation: str = ""
    url: str = ""
    data: str | None = None

    @property
    def is_attachment(self) -> bool:
        return self.text is None

    def content_bytes(self) -> bytes | None:
        return base64.b64decode(self.data) if self.data else None


@dataclass
class ProvenanceEntry:
    target: str  # MessageHeader.id of the message it describes
    activity: str
    occurred: str
    agent_sor: str
    payload_ids: list[str] = field(default_factory=list)
    previous: str = ""  # MessageHeader.id of the message replied to / forwarded


@dataclass
class Party:
    """Communication.recipient or the sender extension: a care team or a practitioner."""

    kind: str  # CareTeam | PractitionerRole
    name: str
    role_code: str = ""
    role_text: str = ""
    org_sor: str = ""


@dataclass
class Patient:
    identifiers: list[tuple[str, str]]
    family: str = ""
    given: list[str] = field(default_factory=list)
    deceased: bool = False

    @property
    def cpr(self) -> str:
        return next((v for s, v in self.identifiers if s == CPR), "")

    @property
    def name(self) -> str:
        return " ".join([*self.given, self.family]).strip()

    def as_json(self) -> dict:
        return {
            "identifiers": [{"system": s, "value": v} for s, v in self.identifiers],
            "name": self.name,
            "family": self.family,
            "given": self.given,
            "deceased": self.deceased,
        }


@dataclass
class CareCommunication:
    bundle_id: str
    header_id: str
    timestamp: str
    sender: OrgRef
    receiver: OrgRef
    patient: Patient
    communication_id: str
    category: str
    payloads: list[Payload]
    provenance: list[ProvenanceEntry]
    topic: str = ""
    priority: str = ""
    recipient: Party | None = None
    sender_party: Party | None = None
    episode_of_care: dict | None = None

    @property
    def current(self) -> ProvenanceEntry:
        return next(p for p in self.provenance if p.target == self.header_id)

    @property
    def activity(self) -> str:
        return self.current.activity

    @property
    def previous_header_id(self) -> str:
        return self.current.previous


def new_id() -> str:
    return str(uuid.uuid4())


def content_hash(bundle: dict) -> str:
    """What makes two deliveries the same message: everything but the envelope's Bundle.id
    and timestamp, which a resend may renew."""
    essence = {k: v for k, v in bundle.items() if k not in ("id", "timestamp", "meta")}
    return hashlib.sha256(
        json.dumps(essence, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


# --- decoding -------------------------------------------------------------------------------


def sniff_format(data: bytes, content_type: str = "") -> str:
    ct = content_type.lower()
    if "xml" in ct:
        return "xml"
    if "json" in ct:
        return "json"
    head = data.lstrip()[:1]
    if head == b"<":
        return "xml"
    if head == b"{":
        return "json"
    raise MessageError(
        str(_("The message is neither FHIR JSON nor FHIR XML.")), "structure", http_status=415
    )


def _screen_xml(data: bytes) -> None:
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise MessageError(str(_("XML with a DOCTYPE (DTD or entities) is refused.")), "security")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise MessageError(
            str(_("Malformed XML: %(error)s") % {"error": exc}), "structure"
        ) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise MessageError(str(_("XML with a DOCTYPE (DTD or entities) is refused.")), "security")


def decode(data: bytes | dict, content_type: str = "") -> dict:
    """Bytes (or JSON already decoded, from a batch) → a validated FHIR Bundle as a
    JSON-shaped dict."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if isinstance(data, dict):
        return _validate_json(data)
    limit = settings.ENPLAN_MESSAGE_MAX_BYTES
    if len(data) > limit:
        raise MessageError(
            str(
                _("The message is %(size)s bytes; at most %(limit)s are accepted.")
                % {"size": len(data), "limit": limit}
            ),
            "too-costly",
            http_status=413,
        )
    fmt = sniff_format(data, content_type)
    try:
        if fmt == "xml":
            _screen_xml(data)
            model = Bundle.model_validate_xml(data)
        else:
            try:
                raw = json.loads(data)
            except ValueError as exc:
                raise _invalid(exc) from None
            return _validate_json(raw)
    except MessageError:
        raise
    except (ValueError, ValidationError, etree.LxmlError) as exc:
        raise _invalid(exc) from None
    return json.loads(model.model_dump_json())


def _validate_json(raw) -> dict:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise MessageError(str(_("The message is not a FHIR Bundle.")), "structure")
    try:
        Bundle.model_validate(raw)  # structure only: the dict as sent is what we read
    except (ValueError, ValidationError) as exc:
        raise _invalid(exc) from None
    return raw


def _invalid(exc: Exception) -> MessageError:
    first = str(exc).splitlines()
    return MessageError(
        str(_("Not a valid FHIR Bundle: %(error)s") % {"error": " ".join(first[:3])[:300]}),
        "structure",
    )


def split_batch(data: bytes, content_type: str = "") -> list[dict]:
    """The messages of a FHIR batch Bundle (JSON): each entry's resource is one message
    Bundle, received as if it had come on its own. Refuses the batch as a whole only when
    it is not a batch; what is wrong with one message is that message's acknowledgement."""
    limit = settings.ENPLAN_MESSAGE_MAX_BYTES
    if len(data) > limit:
        raise MessageError(
            str(
                _("The batch is %(size)s bytes; at most %(limit)s are accepted.")
                % {"size": len(data), "limit": limit}
            ),
            "too-costly",
            http_status=413,
        )
    if sniff_format(data, content_type) != "json":
        raise MessageError(
            str(_("Batches are accepted as FHIR JSON; send XML messages one at a time.")),
            "structure",
            http_status=415,
        )
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise _invalid(exc) from None
    if (
        not isinstance(raw, dict)
        or raw.get("resourceType") != "Bundle"
        or raw.get("type") != ("batch")
    ):
        raise MessageError(str(_("The body is not a FHIR Bundle of type batch.")), "structure")
    entries = raw.get("entry") or []
    most = settings.ENPLAN_RECEIVE_BATCH_MAX_ENTRIES
    if not isinstance(entries, list) or not entries or len(entries) > most:
        raise MessageError(
            str(_("A batch holds 1 to %(most)s messages.") % {"most": most}), "structure"
        )
    return [e.get("resource") if isinstance(e, dict) else None for e in entries]


def batch_response(results: list[tuple[dict | None, int, str]]) -> dict:
    """A FHIR batch-response Bundle: per message, in order, the HTTP status receiving it
    alone would have answered, the outcome, and its Acknowledgement."""
    return {
        "resourceType": "Bundle",
        "id": new_id(),
        "type": "batch-response",
        "entry": [
            {
                **({"resource": ack} if ack else {}),
                "response": {"status": str(status), "outcome": _outcome_note(outcome)},
            }
            for ack, status, outcome in results
        ],
    }


def _outcome_note(outcome: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information" if outcome != "rejected" else "error",
                "code": "informational" if outcome != "rejected" else "processing",
                "details": {"text": outcome},
            }
        ],
    }


# --- parsing --------------------------------------------------------------------------------


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


def sniff_type(content: bytes) -> str:
    return next((t for t, magic in ATTACHMENT_TYPES.items() if content.startswith(magic)), "")


def check_attachment(
    content_type: str, content: bytes | None, what: str = "", strict: bool = False
) -> str:
    """Check an attachment and return the type to store and serve it as.

    The declared type must be one MedCom allows and the bytes must be a file of an allowed
    type, within the size limit. Received messages may mislabel one allowed image type as
    another (an official MedCom example sends a JPEG as image/png), so on receipt the bytes
    decide; what our own users upload must match exactly (`strict`).
    """
    label = what or str(_("The attachment"))
    if content_type not in ATTACHMENT_TYPES:
        raise MessageError(
            str(
                _("%(what)s has type %(type)s; allowed are %(allowed)s.")
                % {
                    "what": label,
                    "type": content_type or "?",
                    "allowed": ", ".join(ATTACHMENT_TYPES),
                }
            ),
            "value",
        )
    if content is None:
        return content_type
    if len(content) > settings.ENPLAN_ATTACHMENT_MAX_BYTES:
        raise MessageError(
            str(
                _("%(what)s is %(size)s bytes; at most %(limit)s are accepted.")
                % {
                    "what": label,
                    "size": len(content),
                    "limit": settings.ENPLAN_ATTACHMENT_MAX_BYTES,
                }
            ),
            "too-costly",
            http_status=413,
        )
    actual = sniff_type(content)
    if not actual or (strict and actual != content_type):
        raise MessageError(
            str(
                _("%(what)s is not really of type %(type)s.")
                % {"what": label, "type": content_type}
            ),
            "value",
        )
    return actual


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
    return cc


def parse(data: bytes, content_type: str = "") -> tuple[CareCommunication, dict]:
    bundle = decode(data, content_type)
    return parse_bundle(bundle), bundle


# --- building -------------------------------------------------------------------------------


class _Builder:
    """Collects resources with stable ids derived from the message id, so that building the
    same message twice gives the same Bundle."""

    def __init__(self, seed: str):
        self.seed = seed
        self.entries: list[dict] = []
        self.refs: dict[tuple, str] = {}

    def rid(self, *key) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.seed}/{'/'.join(map(str, key))}"))

    def add(self, resource: dict, key: tuple | None = None) -> dict:
        if key is not None:
            if key in self.refs:
                return {"reference": self.refs[key]}
            self.refs[key] = f"{resource['resourceType']}/{resource['id']}"
        base = settings.ENPLAN_FHIR_BASE_URL.rstrip("/")
        self.entries.append(
            {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource}
        )
        return {"reference": f"{resource['resourceType']}/{resource['id']}"}

    def org(self, org: OrgRef) -> dict:
        res = {
            "resourceType": "Organization",
            "id": self.rid("org", org.sor),
            "meta": {"profile": [PROFILE_ORGANIZATION]},
            "identifier": [{"system": EAN, "value": org.ean}, {"system": SOR, "value": org.sor}]
            if org.ean
            else [{"system": SOR, "value": org.sor}],
        }
        if org.name:
            res["name"] = org.name
        return self.add(res, ("org", org.sor))

    def org_by_sor(self, sor: str, known: dict[str, OrgRef]) -> dict:
        return self.org(known.get(sor) or OrgRef(sor=sor))

    def role(self, author: Author, org_sor: str = "", known: dict | None = None) -> dict:
        key = ("role", author.name, author.role_code, author.role_text, org_sor)
        if key in self.refs:
            return {"reference": self.refs[key]}
        given, _sep, family = author.name.rpartition(" ")
        practitioner = {
            "resourceType": "Practitioner",
            "id": self.rid(*key, "p"),
            "meta": {"profile": [PROFILE_PRACTITIONER]},
            "name": [{"family": family, **({"given": given.split()} if given else {})}],
        }
        role = {
            "resourceType": "PractitionerRole",
            "id": self.rid(*key),
            "meta": {"profile": [PROFILE_PRACTITIONER_ROLE]},
            "practitioner": {"reference": f"Practitioner/{practitioner['id']}"},
        }
        if org_sor:
            role["organization"] = self.org_by_sor(org_sor, known or {})
        if author.role_code:
            role["code"] = [{"coding": [{"system": ROLE_CODES, "code": author.role_code}]}]
        elif author.role_text:
            role["code"] = [{"text": author.role_text}]
        ref = self.add(role, key)
        self.add(practitioner)
        return ref

    def party(self, party: Party, known: dict) -> dict:
        if party.kind == "CareTeam":
            team = {
                "resourceType": "CareTeam",
                "id": self.rid("team", party.name, party.org_sor),
                "meta": {"profile": [PROFILE_CARETEAM]},
                "name": party.name,
            }
            if party.org_sor:
                team["managingOrganization"] = [self.org_by_sor(party.org_sor, known)]
            return self.add(team, ("team", party.name, party.org_sor))
        return self.role(Author(party.name, party.role_code, party.role_text), party.org_sor, known)


def build(cc: CareCommunication) -> dict:
    """A CareCommunication → a MedCom CareCommunication message Bundle (JSON-shaped dict)."""
    b = _Builder(cc.header_id)
    known = {cc.sender.sor: cc.sender, cc.receiver.sor: cc.receiver}
    header = {
        "resourceType": "MessageHeader",
        "id": cc.header_id,
        "meta": {"profile": [PROFILE_HEADER]},
        "eventCoding": {"system": EVENT_CODES, "code": "care-communication-message"},
        "destination": [
            {
                "extension": [
                    {
                        "url": EXT_DESTINATION_USE,
                        "valueCoding": {"system": DESTINATION_USE, "code": "primary"},
                    }
                ],
                "endpoint": SOR_ENDPOINT + cc.receiver.sor,
            }
        ],
        "source": {"endpoint": SOR_ENDPOINT + cc.sender.sor},
        "definition": DEFINITION_CC,
    }
    b.add(header)
    header["destination"][0]["receiver"] = b.org(cc.receiver)
    header["sender"] = b.org(cc.sender)
    patient = {
        "resourceType": "Patient",
        "id": b.rid("patient"),
        "meta": {"profile": [PROFILE_PATIENT]},
        "identifier": [{"system": s, "value": v} for s, v in cc.patient.identifiers],
    }
    if cc.patient.family or cc.patient.given:
        name: dict = {"use": "official"}
        if cc.patient.family:
            name["family"] = cc.patient.family
        if cc.patient.given:
            name["given"] = cc.patient.given
        patient["name"] = [name]
    if cc.patient.deceased:
        patient["deceasedBoolean"] = True
    subject = b.add(patient)
    comm: dict = {
        "resourceType": "Communication",
        "id": b.rid("communication"),
        "meta": {"profile": [PROFILE_COMMUNICATION]},
        "identifier": [{"value": cc.communication_id}],
        "status": "unknown",
        "category": [{"coding": [{"system": CATEGORY_CODES, "code": cc.category}]}],
        "subject": subject,
    }
    if cc.priority:
        comm["priority"] = cc.priority
    if cc.topic:
        comm["topic"] = {"text": cc.topic}
    header["focus"] = [b.add(comm)]
    if cc.sender_party:
        comm["extension"] = [{"url": EXT_SENDER, "valueReference": b.party(cc.sender_party, known)}]
    if cc.recipient:
        comm["recipient"] = [b.party(cc.recipient, known)]
    if cc.episode_of_care:
        enc = {
            "resourceType": "Encounter",
            "id": b.rid("encounter"),
            "meta": {"profile": [PROFILE_ENCOUNTER]},
            "status": "unknown",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "subject": subject,
            "episodeOfCare": [{"identifier": cc.episode_of_care}],
        }
        comm["encounter"] = b.add(enc)
    comm["payload"] = [_build_payload(b, p, known) for p in cc.payloads]
    for prov in cc.provenance:
        res = {
            "resourceType": "Provenance",
            "id": b.rid("provenance", prov.target),
            "meta": {"profile": [PROFILE_PROVENANCE]},
            "target": [{"reference": f"MessageHeader/{prov.target}"}],
            "occurredDateTime": prov.occurred,
            "recorded": prov.occurred,
            "activity": {"coding": [{"system": ACTIVITY_CODES, "code": prov.activity}]},
            "agent": [{"who": b.org_by_sor(prov.agent_sor, known)}],
        }
        entities = [
            {"role": "source", "what": {"identifier": {"value": pid}}} for pid in prov.payload_ids
        ]
        if prov.previous:
            entities.append(
                {"role": "revision", "what": {"reference": f"MessageHeader/{prov.previous}"}}
            )
        if entities:
            res["entity"] = entities
        b.add(res)
    return {
        "resourceType": "Bundle",
        "id": cc.bundle_id,
        "meta": {"profile": [PROFILE_MESSAGE]},
        "type": "message",
        "timestamp": cc.timestamp,
        "entry": b.entries,
    }


def _build_payload(b: _Builder, p: Payload, known: dict) -> dict:
    ident: dict = {"value": p.identifier}
    if p.assigner_sor:
        ident["assigner"] = b.org_by_sor(p.assigner_sor, known)
    ext = [
        {"url": EXT_DATETIME, "valueDateTime": p.timestamp},
        {"url": EXT_IDENTIFIER, "valueIdentifier": ident},
    ]
    if p.author:
        ext.append({"url": EXT_PRACTITIONER, "valueReference": b.role(p.author)})
    if p.phone:
        ext.append({"url": EXT_CONTACT, "valueContactPoint": {"system": "phone", "value": p.phone}})
    out: dict = {"extension": ext}
    if not p.is_attachment:
        out["contentString"] = p.text
        return out
    att: dict = {"title": p.title}
    if p.content_type:
        att["contentType"] = p.content_type
    if p.data:
        att["data"] = p.data
    if p.url:
        att["url"] = p.url
    if p.creation:
        att["creation"] = p.creation
    out["contentAttachment"] = att
    return out


def validate_built(bundle: dict) -> None:
    """Everything we emit passes the same structural validation as what we receive."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def to_xml(bundle: dict) -> bytes:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle).model_dump_xml()


def to_json(bundle: dict) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


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


# --- acknowledgement ------------------------------------------------------------------------


def build_ack(
    *,
    responding_to: str,
    ours: OrgRef,
    theirs: OrgRef | None,
    code: str,
    reason: str = "",
    issue: str = "invalid",
    latest: ProvenanceEntry | None = None,
    when: str,
) -> dict:
    """A MedCom Acknowledgement for message `responding_to`: `ok`, or `fatal-error` with an
    OperationOutcome saying why. It carries the message's latest Provenance and its own."""
    header_id = new_id()
    b = _Builder(header_id)
    theirs = theirs or OrgRef(sor="unknown")
    known = {ours.sor: ours, theirs.sor: theirs}
    header: dict = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [PROFILE_ACK_HEADER]},
        "eventCoding": {"system": EVENT_CODES, "code": "acknowledgement-message"},
        "destination": [
            {
                "extension": [
                    {
                        "url": EXT_DESTINATION_USE,
                        "valueCoding": {"system": DESTINATION_USE, "code": "primary"},
                    }
                ],
                "endpoint": SOR_ENDPOINT + theirs.sor,
            }
        ],
        "source": {"endpoint": SOR_ENDPOINT + ours.sor},
        "response": {"identifier": responding_to or "unknown", "code": code},
        "definition": DEFINITION_ACK,
    }
    b.add(header)
    header["destination"][0]["receiver"] = b.org(theirs)
    header["sender"] = b.org(ours)
    if code != "ok":
        outcome = {
            "resourceType": "OperationOutcome",
            "id": b.rid("outcome"),
            "meta": {"profile": [PROFILE_ACK_OUTCOME]},
            "issue": [{"severity": "error", "code": issue, "details": {"text": reason[:1000]}}],
        }
        header["response"]["details"] = b.add(outcome)
    for prov in ([latest] if latest else []) + [
        ProvenanceEntry(
            target=header_id,
            activity="acknowledgement",
            occurred=when,
            agent_sor=ours.sor,
            previous=responding_to,
        )
    ]:
        res = {
            "resourceType": "Provenance",
            "id": b.rid("provenance", prov.target),
            "meta": {"profile": [PROFILE_MESSAGING_PROVENANCE]},
            "target": [{"reference": f"MessageHeader/{prov.target}"}],
            "occurredDateTime": prov.occurred,
            "recorded": prov.occurred,
            "activity": {"coding": [{"system": ACTIVITY_CODES, "code": prov.activity}]},
            "agent": [{"who": b.org_by_sor(prov.agent_sor, known)}],
        }
        if prov.previous:
            res["entity"] = [
                {"role": "revision", "what": {"reference": f"MessageHeader/{prov.previous}"}}
            ]
        b.add(res)
    return {
        "resourceType": "Bundle",
        "id": new_id(),
        "meta": {"profile": [PROFILE_ACK]},
        "type": "message",
        "timestamp": when,
        "entry": b.entries,
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
    negative acknowledgement can still be addressed."""
    try:
        entries = bundle.get("entry") or []
        header = entries[0]["resource"]
        idx = _Index(bundle)
        sender = _org(idx.get(header.get("sender"), "Organization", "sender"), "sender")
    except (KeyError, IndexError, TypeError, AttributeError, MessageError):
        return (bundle.get("entry") or [{}])[0].get("resource", {}).get("id", ""), None, None
    latest = None
    try:
        latest = next(
            _provenance(idx, r)
            for r in idx.of_type("Provenance")
            if ((r.get("target") or [{}])[0].get("reference") or "").endswith(header.get("id", "?"))
        )
    except (StopIteration, MessageError):
        pass
    return header.get("id", ""), sender, latest
