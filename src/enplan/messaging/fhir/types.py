"""The shared vocabulary of MedCom messaging: systems, profiles and codes, the refusal
(`MessageError`) and the plain data a CareCommunication is read into and built from."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

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
        if not self.data:
            return None
        try:
            return base64.b64decode(self.data)
        except (ValueError, TypeError):
            raise MessageError(str(_("An attachment's data is not base64.")), "value") from None


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
