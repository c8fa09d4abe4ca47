"""CSV export of the audit log for the data protection officer."""

import datetime
from collections.abc import Iterable, Iterator

from enplan.core.spreadsheet import csv_lines as safe_csv_lines

from .models import AuditEntry

COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_name",
    "organisation",
    "role",
    "citizen_uuid",
    "municipality_code",
    "object_type",
    "object_id",
    "action",
    "channel",
    "path",
    "ip",
    "sealed",
)


def rows(
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    citizen_uuid=None,
) -> Iterable[AuditEntry]:
    qs = AuditEntry.objects.order_by("id")
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if citizen_uuid:
        qs = qs.filter(citizen_uuid=citizen_uuid)
    return qs.iterator(chunk_size=5000)


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """Stream CSV lines (header first) without holding the log in memory; cells that a
    spreadsheet would read as a formula are neutralised (enplan.core.spreadsheet)."""
    return safe_csv_lines(_rows_with_header(entries))


def _rows_with_header(entries: Iterable[AuditEntry]) -> Iterator[list]:
    yield list(COLUMNS)
    for e in entries:
        ctx = e.context or {}
        yield [
            e.id,
            e.at.isoformat(),
            e.actor,
            e.actor_name,
            e.organisation,
            e.role,
            e.citizen_uuid or "",
            e.municipality_code,
            e.object_type,
            e.object_id,
            e.action,
            ctx.get("channel", ""),
            ctx.get("path", ""),
            ctx.get("ip", ""),
            "yes" if e.seal else "no",
        ]
