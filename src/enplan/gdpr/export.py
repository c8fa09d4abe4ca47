"""Everything enplan holds about one citizen (GDPR art. 15 and 20): JSON and a readable PDF.

The export is complete by construction: `citizen_paths` walks Django's model meta from the
citizen along every foreign key, directly (a plan, a consent) or indirectly (segments via
messages, receipts via messages, versions via plans), so a new model that refers to the
citizen, however deep, is exported without changing this file. A test walks the same graph
independently and checks that every such model is in the export. The audit log entries about
the citizen (stored by public id, not by foreign key) are added.

The JSON is for machines and holds every column (attachments base64). The PDF is for the
citizen: headings, Danish labels, local times, no field names.
"""

import base64
import datetime
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from enplan.audit.models import Action, AuditEntry
from enplan.audit.services import record
from enplan.citizens.models import Citizen

from .graph import SKIP_FIELDS, citizen_owned_models, rows_of
from .pdf import attachments, render_pdf


def _value(value):
    if isinstance(value, bytes | memoryview):  # a stored document (e.g. a signed consent)
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _related_value(related) -> str | None:
    if related is None:
        return None
    public = getattr(related, "uuid", None)
    return str(public) if public is not None else str(related.pk)


def _row(obj: models.Model) -> dict:
    row = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIP_FIELDS or f.primary_key:
            continue
        if f.is_relation:
            row[f.name] = _related_value(getattr(obj, f.name))
        else:
            row[f.name] = _value(getattr(obj, f.attname))
    return row


def export_data(citizen: Citizen) -> dict:
    data = {
        "exported_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "citizen": {**_row(citizen), "municipality_code": citizen.municipality_code},
    }
    for model in citizen_owned_models():
        data[model._meta.label_lower] = [_row(o) for o in rows_of(model, citizen)]
    data["audit.auditentry"] = [
        {
            "at": e.at.isoformat(),
            "who": e.actor_name or e.actor,
            "organisation": e.organisation,
            "role": e.role,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
        }
        for e in AuditEntry.objects.filter(citizen_uuid=citizen.uuid).order_by("id")
    ]
    return data


@dataclass
class Export:
    """What one export of a citizen produces."""

    json: bytes
    pdf: bytes
    attachments: dict[str, bytes] = field(default_factory=dict)

    def files(self, citizen: Citizen) -> Iterable[tuple[str, bytes]]:
        yield f"enplan-{citizen.uuid}.json", self.json
        yield f"enplan-{citizen.uuid}.pdf", self.pdf
        for name, content in self.attachments.items():
            yield f"enplan-{citizen.uuid}-attachments/{name}", content


def export_citizen(citizen: Citizen, actor=None) -> Export:
    """Build the export (JSON, PDF, attached files) and audit it."""
    data = export_data(citizen)
    record(actor, citizen, Action.EXPORT, citizen, purpose="gdpr-art-15")
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Export(body, render_pdf(citizen), attachments(citizen))
