"""MedCom CareCommunication and Acknowledgement as FHIR R4 message Bundles.

By concern: `types` (systems, profiles, `MessageError`, the plain data), `validate` (bytes →
a structurally valid Bundle, batches, attachments, content hash), `parse` (Bundle →
CareCommunication / Acknowledgement) and `build` (the other way, and serialisation). Both
formats go through fhir.resources for structural validation. Callers use the package:
`from enplan.messaging import fhir; fhir.parse_bundle(...)`.
"""

from .build import batch_response, build, build_ack, to_json, to_xml
from .parse import Index, essence, identifier_of, parse, parse_ack, parse_bundle, peek
from .types import (
    ACTIVITY_CODES,
    ATTACHMENT_TYPES,
    CATEGORY_CODES,
    CPR,
    EAN,
    EVENT_CODES,
    PROFILE_ACK,
    PROFILE_MESSAGE,
    REPLACEMENT_CPR_PREFIX,
    SOR,
    SOR_ENDPOINT,
    Author,
    CareCommunication,
    MessageError,
    OrgRef,
    Party,
    Patient,
    Payload,
    ProvenanceEntry,
    new_id,
)
from .validate import (
    check_attachment,
    content_essence,
    content_hash,
    decode,
    sniff_format,
    sniff_type,
    split_batch,
    validate_built,
)

__all__ = [
    "ACTIVITY_CODES",
    "ATTACHMENT_TYPES",
    "CATEGORY_CODES",
    "CPR",
    "EAN",
    "EVENT_CODES",
    "PROFILE_ACK",
    "PROFILE_MESSAGE",
    "REPLACEMENT_CPR_PREFIX",
    "SOR",
    "SOR_ENDPOINT",
    "Author",
    "CareCommunication",
    "Index",
    "MessageError",
    "OrgRef",
    "Party",
    "Patient",
    "Payload",
    "ProvenanceEntry",
    "batch_response",
    "build",
    "build_ack",
    "check_attachment",
    "content_essence",
    "content_hash",
    "decode",
    "essence",
    "identifier_of",
    "new_id",
    "parse",
    "parse_ack",
    "parse_bundle",
    "peek",
    "sniff_format",
    "sniff_type",
    "split_batch",
    "to_json",
    "to_xml",
    "validate_built",
]
