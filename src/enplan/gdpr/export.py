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
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Q

from enplan.audit.models import Action, AuditEntry
from enplan.audit.services import record
from enplan.citizens.models import Citizen

SKIP_FIELDS = {"citizen", "municipality_code"}


def _value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
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


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model


def _foreign_keys(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model
    ]


@cache
def citizen_paths() -> dict[type[models.Model], tuple[str, ...]]:
    """Every concrete model with a foreign-key path to the citizen, with the ORM lookups
    (one per foreign key that leads there, each along a shortest path) that reach it."""
    shortest: dict[type[models.Model], str] = {Citizen: ""}
    lookups: dict[type[models.Model], list[str]] = {}
    candidates = [m for m in apps.get_models() if not m._meta.proxy and _concrete(m) is not Citizen]
    frontier = {Citizen}
    while frontier:
        reached: dict[type[models.Model], str] = {}
        for model in candidates:
            if model in shortest:
                continue
            for f in _foreign_keys(model):
                target = _concrete(f.related_model)
                if target in frontier:
                    path = f"{f.name}__{shortest[target]}" if shortest[target] else f.name
                    reached.setdefault(model, path)
        shortest.update(reached)
        frontier = set(reached)
    for model in shortest:
        if model is Citizen:
            continue
        for f in _foreign_keys(model):
            target = _concrete(f.related_model)
            if target in shortest and target is not model:
                tail = shortest[target]
                lookups.setdefault(model, []).append(f"{f.name}__{tail}" if tail else f.name)
    return {m: tuple(p) for m, p in lookups.items()}


def citizen_owned_models() -> list[type[models.Model]]:
    return sorted(citizen_paths(), key=lambda m: m._meta.label)


def rows_of(model: type[models.Model], citizen: Citizen) -> models.QuerySet:
    condition = Q()
    for lookup in citizen_paths()[model]:
        condition |= Q(**{lookup: citizen})
    forward = [f.name for f in _foreign_keys(model) if f.name not in SKIP_FIELDS]
    return model._base_manager.filter(condition).select_related(*forward).distinct().order_by("pk")


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
    from .pdf import attachments, render_pdf

    data = export_data(citizen)
    record(actor, citizen, Action.EXPORT, citizen, purpose="gdpr-art-15")
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Export(body, render_pdf(citizen), attachments(citizen))
