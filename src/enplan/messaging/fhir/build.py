"""Writing Bundles: a CareCommunication message, a MedCom Acknowledgement, the response
to a batch, and the JSON/XML serialisations of what we emit."""

from __future__ import annotations

import datetime
import json
import uuid

from django.conf import settings

from .types import (
    ACTIVITY_CODES,
    CATEGORY_CODES,
    DEFINITION_ACK,
    DEFINITION_CC,
    DESTINATION_USE,
    EAN,
    EVENT_CODES,
    EXT_CONTACT,
    EXT_DATETIME,
    EXT_DESTINATION_USE,
    EXT_IDENTIFIER,
    EXT_PRACTITIONER,
    EXT_SENDER,
    PROFILE_ACK,
    PROFILE_ACK_HEADER,
    PROFILE_ACK_OUTCOME,
    PROFILE_CARETEAM,
    PROFILE_COMMUNICATION,
    PROFILE_ENCOUNTER,
    PROFILE_HEADER,
    PROFILE_MESSAGE,
    PROFILE_MESSAGING_PROVENANCE,
    PROFILE_ORGANIZATION,
    PROFILE_PATIENT,
    PROFILE_PRACTITIONER,
    PROFILE_PRACTITIONER_ROLE,
    PROFILE_PROVENANCE,
    ROLE_CODES,
    SOR,
    SOR_ENDPOINT,
    Author,
    CareCommunication,
    OrgRef,
    Party,
    Payload,
    ProvenanceEntry,
    new_id,
)


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


def to_xml(bundle: dict) -> bytes:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle).model_dump_xml()


def to_json(bundle: dict) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def _usable(prov: ProvenanceEntry) -> bool:
    """Whether a message's Provenance can be repeated in our acknowledgement as it stands
    (a refused message's may be anything)."""
    values = (prov.target, prov.activity, prov.occurred, prov.agent_sor)
    if not all(isinstance(v, str) and v and v == v.strip() for v in values):
        return False
    try:
        datetime.datetime.fromisoformat(prov.occurred.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


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
    for prov in ([latest] if latest and _usable(latest) else []) + [
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
