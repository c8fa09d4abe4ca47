"""Everything enplan holds about one citizen (GDPR art. 15 and 20): JSON and a readable PDF.

The export is complete by construction: it walks every model that has a foreign key to the
citizen, so a new citizen-owned model is included without changing this file (a test checks
that), plus the audit log entries about the citizen.
"""

import base64
import datetime
import json
import uuid
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.template.loader import render_to_string

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.models import Citizen

SKIP_FIELDS = {"citizen", "municipality_code"}


def _value(value):
    if isinstance(value, bytes | memoryview):  # a stored document (e.g. a signed consent)
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _row(obj: models.Model) -> dict:
    row = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIP_FIELDS or f.name == "id":
            continue
        if f.is_relation:
            related = getattr(obj, f.name)
            row[f.name] = str(related) if related is not None else None
        else:
            row[f.name] = _value(getattr(obj, f.attname))
    return row


def citizen_owned_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is Citizen and f.name == "citizen"
    ]


def export_data(citizen: Citizen) -> dict:
    from enplan.audit.models import AuditEntry

    data = {
        "exported_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "citizen": {**_row(citizen), "municipality_code": citizen.municipality_code},
    }
    for model in sorted(citizen_owned_models(), key=lambda m: m._meta.label):
        rows = model._default_manager.filter(citizen=citizen).order_by("pk")
        data[model._meta.label_lower] = [_row(o) for o in rows]
    data["audit.auditentry"] = [
        {
            "at": e.at.isoformat(),
            "who": e.actor_name or e.actor,
            "organisation": e.organisation,
            "role": e.role,
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
        }
        for e in AuditEntry.objects.filter(citizen_uuid=citizen.uuid).order_by("id")
    ]
    return data


def export_pdf(citizen: Citizen, data: dict) -> bytes:
    from weasyprint import HTML

    sections = [(label, rows) for label, rows in data.items() if isinstance(rows, list) and rows]
    html = render_to_string(
        "gdpr/export.html", {"citizen": citizen, "data": data, "sections": sections}
    )
    return HTML(string=html).write_pdf()


def export_citizen(citizen: Citizen, actor=None) -> tuple[bytes, bytes]:
    """Return (json bytes, pdf bytes) and audit the export."""
    data = export_data(citizen)
    record(actor, citizen, Action.EXPORT, citizen, purpose="gdpr-art-15")
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return body, export_pdf(citizen, data)
