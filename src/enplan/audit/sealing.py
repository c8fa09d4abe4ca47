"""Sealing and verifying the audit log.

Sealing walks unsealed rows in id order and stores in each row
`seal = sha256(previous seal + canonical row)`; each run closes a segment (AuditSeal) that
records its first and last id, row count and final hash. Verifying recomputes the chain:
a changed row, a removed row (the next one no longer chains) or a row slipped in later inside
a sealed range (it carries no seal) is reported as the first broken entry.

Rows younger than `min_age` are left for the next run so that a transaction still open when
sealing starts cannot commit a lower id into an already sealed range.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import RECORD_FIELDS, AuditEntry, AuditSeal

GENESIS = "0" * 64
FIELDS = ("id", *RECORD_FIELDS, "context")


def canonical(row: dict) -> bytes:
    data = {}
    for name in FIELDS:
        value = row[name]
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).isoformat()
        elif value is not None and name == "citizen_uuid":
            value = str(value)
        data[name] = value
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain(previous: str, row: dict) -> str:
    return hashlib.sha256(previous.encode() + canonical(row)).hexdigest()


@transaction.atomic
def seal(min_age: datetime.timedelta = datetime.timedelta(seconds=5), batch: int = 50_000) -> int:
    """Seal the next segment. Returns the number of rows sealed."""
    last = AuditSeal.objects.select_for_update().order_by("-last_id").first()
    previous, after = (last.last_hash, last.last_id) if last else (GENESIS, 0)
    rows = list(
        AuditEntry.objects.filter(id__gt=after, at__lte=timezone.now() - min_age)
        .order_by("id")
        .values(*FIELDS)[:batch]
    )
    if not rows:
        return 0
    updates = []
    for row in rows:
        previous = chain(previous, row)
        updates.append((row["id"], previous))
    # The model refuses updates by design; sealing is the one sanctioned write.
    _write_seals(updates)
    AuditSeal.objects.create(
        first_id=rows[0]["id"], last_id=rows[-1]["id"], count=len(rows), last_hash=previous
    )
    return len(rows)


# At national scale the log grows by thousands of rows a second (a caseload page lists 50
# citizens); one UPDATE per row seals about 2,000 rows/s, so PostgreSQL gets one statement
# per chunk. Like the per-row form it never overwrites a seal already there.
_SEAL_SQL = """
UPDATE audit_auditentry AS a SET seal = v.seal
FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, seal)
WHERE a.id = v.id AND a.seal = ''
"""


def _write_seals(updates: list[tuple[int, str]], chunk: int = 5000) -> None:
    if connection.vendor != "postgresql":
        for pk, value in updates:
            AuditEntry.objects.filter(pk=pk, seal="").update(seal=value)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(updates), chunk):
            part = updates[start : start + chunk]
            cursor.execute(_SEAL_SQL, [[pk for pk, _ in part], [value for _, value in part]])


def seal_all(min_age: datetime.timedelta = datetime.timedelta(seconds=5)) -> int:
    total = 0
    while n := seal(min_age):
        total += n
    return total


@dataclass
class Verdict:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify() -> Verdict:
    previous = GENESIS
    checked = 0
    seals = list(AuditSeal.objects.order_by("last_id"))
    if not seals:
        return Verdict(True, 0)
    seal_iter = iter(seals)
    segment = next(seal_iter)
    in_segment = 0
    rows = (
        AuditEntry.objects.filter(id__lte=seals[-1].last_id)
        .order_by("id")
        .values(*FIELDS, "seal")
        .iterator(chunk_size=5000)
    )
    for row in rows:
        checked += 1
        if not row["seal"]:
            return Verdict(False, checked, row["id"], "unsealed entry inside a sealed range")
        previous = chain(previous, row)
        if previous != row["seal"]:
            return Verdict(False, checked, row["id"], "entry does not match its seal")
        in_segment += 1
        if row["id"] == segment.last_id:
            if in_segment != segment.count or previous != segment.last_hash:
                return Verdict(False, checked, row["id"], "segment count or hash differs")
            in_segment = 0
            segment = next(seal_iter, None)
            if segment is None:
                break
        elif row["id"] > segment.last_id:
            return Verdict(False, checked, segment.last_id, "sealed entry missing")
    if segment is not None:
        return Verdict(False, checked, segment.last_id, "sealed entries missing at the end")
    return Verdict(True, checked)
