"""Recording accesses. `record` is called by the access layer (reads, refusals) and by the
domain services (writes); nothing else writes audit rows."""

import datetime
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from enplan.audit.context import current

from .models import RECORD_FIELDS, Action, AuditEntry


def _who(user) -> dict:
    # A system that delivers data (a message integration) names itself; it is no user.
    system = getattr(user, "audit_actor", None)
    if system is not None:
        return {"user_id": None, **system}
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


# --- the access log as people read it ------------------------------------------------------
# The sealed log keeps one row per access with internal names (object types such as
# "thread"); the citizen's and the professionals' view writes each page view as one sentence.

# What a page-level access (object id = the citizen) was about, by the page's object type.
_PAGE_PHRASES = {
    "citizen": _lazy("the citizen's overview"),
    "plan": _lazy("the plan"),
    "messages": _lazy("the messages"),
    "access_log": _lazy("the access log"),
    "consent": _lazy("the consents"),
    "network": _lazy("the network"),
    "course": _lazy("the courses"),
    "attachment": _lazy("an attachment"),
}
# What an access to one object was about, by its model.
_OBJECT_PHRASES = {
    "citizen": _lazy("the citizen's details"),
    "plan": _lazy("the plan"),
    "goal": _lazy("a goal in the plan"),
    "activity": _lazy("an activity in the plan"),
    "track": _lazy("a track in the plan"),
    "planversion": _lazy("the plan's history"),
    "thread": _lazy("a message thread"),
    "message": _lazy("a message"),
    "segment": _lazy("an attachment"),
    "contact": _lazy("a contact"),
    "course": _lazy("a course"),
    "consent": _lazy("a consent"),
    "networkmembership": _lazy("the network"),
    "handover": _lazy("the coordinating caseworker (handover)"),
}
_DID = {
    Action.READ: _lazy("read %(what)s"),
    Action.CREATE: _lazy("created %(what)s"),
    Action.UPDATE: _lazy("changed %(what)s"),
    Action.DELETE: _lazy("deleted %(what)s"),
    Action.EXPORT: _lazy("exported %(what)s"),
    Action.REFUSED: _lazy("was refused access to %(what)s"),
}
# A page view writes its rows within moments; rows further apart are separate visits.
_SAME_VIEW = datetime.timedelta(seconds=5)


@dataclass
class LogLine:
    """One line of the displayed access log: one page view (or one change) as a sentence."""

    at: datetime.datetime
    sentence: str
    entries: list[AuditEntry] = field(default_factory=list)


def _what(entry: AuditEntry) -> str:
    page_level = entry.object_id == str(entry.citizen_uuid)
    if page_level and entry.object_type in _PAGE_PHRASES:
        return str(_PAGE_PHRASES[entry.object_type])
    return str(_OBJECT_PHRASES.get(entry.object_type, _("the citizen's data")))


def _sentence(entry: AuditEntry) -> str:
    if entry.action == Action.LIST:
        did = _("saw the citizen in a list of citizens")
    else:
        did = str(_DID.get(entry.action, _DID[Action.READ])) % {"what": _what(entry)}
    if entry.user_id is None:
        who = _("enplan (automatically)")
    else:
        who = entry.actor_name or entry.actor
    if entry.organisation:
        return _("%(who)s, %(organisation)s, %(did)s") % {
            "who": who,
            "organisation": entry.organisation,
            "did": did,
        }
    return _("%(who)s %(did)s") % {"who": who, "did": did}


def _same_view(a: AuditEntry, b: AuditEntry) -> bool:
    ctx_a, ctx_b = a.context or {}, b.context or {}
    return (
        a.action in (Action.READ, Action.LIST)
        and b.action == a.action
        and a.user_id == b.user_id
        and a.actor == b.actor
        and ctx_a.get("path")
        and ctx_a.get("path") == ctx_b.get("path")
        and ctx_a.get("method") == ctx_b.get("method")
        and abs(a.at - b.at) <= _SAME_VIEW
    )


def _specificity(entry: AuditEntry) -> int:
    """Which row of a page view names it best: one object over the page, the page over
    the citizen."""
    if entry.object_id != str(entry.citizen_uuid):
        return 2
    return 0 if entry.object_type == "citizen" else 1


def log_lines(entries: Iterable[AuditEntry]) -> list[LogLine]:
    """The entries (newest first) as sentences, the reads of one page view merged into one
    line. Display only: the stored log is never changed."""
    groups: list[list[AuditEntry]] = []
    for entry in entries:
        if groups and _same_view(groups[-1][0], entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    lines = []
    for group in groups:
        best = max(group, key=_specificity)
        lines.append(LogLine(at=group[0].at, sentence=_sentence(best), entries=group))
    return lines
