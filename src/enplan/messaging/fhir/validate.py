"""Decoding and validating what arrives: bytes (JSON or XML) → a structurally valid FHIR
Bundle, batches split into their messages, attachments checked by their content, and the
content hash that tells a resend from a different message. XML is screened with lxml with
DTDs, entities and network access off, and any DOCTYPE is refused."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from lxml import etree

from .types import ATTACHMENT_TYPES, MessageError

FHIR_NS = "http://hl7.org/fhir"
XINCLUDE_NS = b"http://www.w3.org/2001/XInclude"


def content_hash(bundle: dict) -> str:
    """What makes two deliveries the same message. MedCom: a resend keeps its
    MessageHeader.id but gets a new Bundle.id and Bundle.timestamp. So the hash leaves out
    the envelope (the Bundle's id, timestamp and meta) and, in each resource, what a relay or
    the format may change without touching the content: its meta and its generated narrative
    (text.div differs between the XML and the JSON serialisation of one message).

    Refuses text that cannot be stored (a lone surrogate from a JSON escape)."""
    essence = content_essence(bundle)
    try:
        text = json.dumps(essence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        encoded = text.encode()
    except UnicodeEncodeError:
        raise MessageError(
            str(_("The message contains text that is not valid Unicode (a lone surrogate).")),
            "invalid",
        ) from None
    except (RecursionError, TypeError, ValueError):
        raise MessageError(str(_("The message is nested too deeply.")), "structure") from None
    if "\\u0000" in text:  # a NUL character: no database column holds it
        raise MessageError(str(_("The message contains a NUL character.")), "invalid")
    return hashlib.sha256(encoded).hexdigest()


def content_essence(bundle: dict) -> dict:
    """The part of a message Bundle that `content_hash` compares (see there)."""
    essence = {k: v for k, v in bundle.items() if k not in ("id", "timestamp", "meta")}
    entries = essence.get("entry")
    if isinstance(entries, list):
        essence["entry"] = [_entry_essence(e) for e in entries]
    return essence


def _entry_essence(entry):
    res = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(res, dict):
        return entry
    return {
        **entry,
        "resource": {
            k: v
            for k, v in res.items()
            if k != "meta" and not (k == "text" and isinstance(v, dict))
        },
    }


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
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MessageError(
            str(_("Malformed XML: %(error)s") % {"error": exc}), "structure"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise MessageError(str(_("XML with a DOCTYPE (DTD or entities) is refused.")), "security")
    if XINCLUDE_NS in data:
        raise MessageError(str(_("XML with XInclude is refused.")), "security")
    if not isinstance(root.tag, str) or root.tag != f"{{{FHIR_NS}}}Bundle":
        raise MessageError(
            str(_("The XML is not a FHIR Bundle (root element Bundle in the FHIR namespace).")),
            "structure",
        )


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
            return _validate_json(_loads(data))
    except MessageError:
        raise
    except RecursionError:
        raise MessageError(str(_("The message is nested too deeply.")), "structure") from None
    except (ValueError, TypeError, ValidationError, etree.LxmlError) as exc:
        raise _invalid(exc) from None
    return json.loads(model.model_dump_json())


def _loads(data: bytes):
    try:
        return json.loads(data)
    except RecursionError:
        raise MessageError(str(_("The message is nested too deeply.")), "structure") from None
    except ValueError as exc:  # also bytes that are not UTF-8
        raise _invalid(exc) from None


def _validate_json(raw) -> dict:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise MessageError(str(_("The message is not a FHIR Bundle.")), "structure")
    try:
        Bundle.model_validate(raw)  # structure only: the dict as sent is what we read
    except RecursionError:
        raise MessageError(str(_("The message is nested too deeply.")), "structure") from None
    except (ValueError, TypeError, ValidationError) as exc:
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
    raw = _loads(data)
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


def validate_built(bundle: dict) -> None:
    """Everything we emit passes the same structural validation as what we receive."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
