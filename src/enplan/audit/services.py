"""Recording accesses. `record` is called by the access layer (reads, refusals) and by the
domain services (writes); nothing else writes audit rows."""

import functools
import json
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from enplan.audit.context import current

from .models import RECORD_FIELDS, Action, AuditEntry


def _who(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return dict(user_id=None, actor="system", actor_name="", organisation="", role="")
    professional = getattr(user, "professional_or_none", None)
    return {
        "user_id": user.pk,
        "actor": user.get_username(),
        "actor_name": user.get_full_name(),
        "organisation": professional.organisation.name if professional else "",
        "role": user.role + (f"/{_profession_label(professional)}" if professional else ""),
    }


def _profession_label(professional) -> str:
    """As get_profession_display(), which hashes every choice's label on each call. Read from
    the instance's field, not an import: audit sits below organisations."""
    value = professional.profession
    label = _profession_labels(type(professional)).get(value)
    return value if label is None else str(label)


@functools.cache
def _profession_labels(model) -> dict:
    return dict(model._meta.get_field("profession").flatchoices)


def _object(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return obj
    return obj._meta.model_name, str(getattr(obj, "uuid", obj.pk))


def _entry(who: dict, citizen, action: str, obj, extra: dict) -> AuditEntry:
    object_type, object_id = _object(obj if obj is not None else citizen)
    return AuditEntry(
        **who,
        citizen_uuid=getattr(citizen, "uuid", None),
        municipality_code=getattr(citizen, "municipality_code", "") or "",
        object_type=object_type or "citizen",
        object_id=object_id,
        action=action,
        context={**current(), **extra},
    )


def record(user, citizen, action: str, obj=None, **extra) -> AuditEntry:
    """Append one row: `user` did `action` on `obj` (a model instance or a (type, id) pair)
    belonging to `citizen`."""
    entry = _entry(_who(user), citizen, action, obj, extra)
    if connection.vendor != "postgresql":
        entry.save()
        return entry
    # Every page view writes one row: a plain INSERT costs half of what Model.save() does.
    with connection.cursor() as cursor:
        cursor.execute(
            _ROW_SQL,
            {
                **{f: getattr(entry, f) for f in RECORD_FIELDS},
                "context": json.dumps(entry.context),
            },
        )
        entry.pk = cursor.fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


def record_many(user, rows: Iterable[tuple]) -> None:
    """The rows `record` writes, for several accesses by one actor at once (a batch of
    received messages): `rows` holds (citizen, action, obj, extra) tuples."""
    who = _who(user)
    entries = [_entry(who, citizen, action, obj, extra) for citizen, action, obj, extra in rows]
    if entries:
        AuditEntry.objects.bulk_create(entries)


_ROW_SQL = """
INSERT INTO audit_auditentry (at, user_id, actor, actor_name, organisation, role,
  citizen_uuid, municipality_code, object_type, object_id, action, context, seal)
VALUES (%(at)s, %(user_id)s, %(actor)s, %(actor_name)s, %(organisation)s, %(role)s,
  %(citizen_uuid)s, %(municipality_code)s, %(object_type)s, %(object_id)s, %(action)s,
  %(context)s::jsonb, '')
RETURNING id
"""


def record_list(user, citizens: Iterable, object_type: str = "citizen") -> None:
    """One row per citizen shown in a list: each of them can later see that they were seen."""
    citizens = list(citizens)
    if not citizens:
        return
    who, ctx = _who(user), current()
    if connection.vendor == "postgresql":
        _insert_list_rows(who, ctx, citizens, object_type)
        return
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                **who,
                citizen_uuid=c.uuid,
                municipality_code=c.municipality_code,
                object_type=object_type,
                object_id=str(c.uuid),
                action=Action.LIST,
                context=ctx,
            )
            for c in citizens
        ]
    )


# A caseload page lists 50 citizens: one INSERT … SELECT FROM unnest() writes their 50 rows
# for a tenth of what building and saving 50 model instances costs (the same columns).
_LIST_ROWS_SQL = """
INSERT INTO audit_auditentry (at, user_id, actor, actor_name, organisation, role,
  citizen_uuid, municipality_code, object_type, object_id, action, context, seal)
SELECT %(at)s, %(user_id)s, %(actor)s, %(actor_name)s, %(organisation)s, %(role)s,
  c.uuid, c.code, %(object_type)s, c.uuid::text, %(action)s, %(context)s::jsonb, ''
FROM unnest(%(uuids)s::uuid[], %(codes)s::varchar[]) WITH ORDINALITY AS c(uuid, code, n)
ORDER BY c.n
"""


def _insert_list_rows(who: dict, ctx: dict, citizens: list, object_type: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _LIST_ROWS_SQL,
            {
                **who,
                "at": timezone.now(),
                "object_type": object_type,
                "action": Action.LIST.value,
                "context": json.dumps(ctx),
                "uuids": [c.uuid for c in citizens],
                "codes": [c.municipality_code for c in citizens],
            },
        )


def accesses_to(citizen_uuid):
    """The citizen-facing view: who has looked at or changed my data, newest first."""
    return AuditEntry.objects.filter(citizen_uuid=citizen_uuid).order_by("-at", "-id")
