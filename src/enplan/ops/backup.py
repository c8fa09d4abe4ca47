"""Backups that restore: `pg_dump -Fc` / `pg_restore` on PostgreSQL, SQLite's online backup API
for the demo. Next to each backup a manifest records the row count of every table *as dumped*
(PostgreSQL: counted inside the very snapshot pg_dump dumps; SQLite: counted in the copy), so
that a restore proves itself: the counts must match and the audit chain must verify.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from enplan.audit.sealing import verify


class BackupError(Exception):
    pass


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _counts(cursor, connection.introspection.table_names(cursor))


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client).")
    return found


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(path: Path) -> dict:
    """Write a consistent backup to `path` (atomically) and its manifest. Returns the manifest."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor, connection.introspection.table_names(cursor))
            # pg_dump reads the very snapshot counted above, while this transaction holds it.
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    connection.settings_dict["NAME"],
                ]
            )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)  # online: writers may go on meanwhile
            cursor = target.cursor()
            tables = [
                r[0]
                for r in cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            counts = _counts(cursor, tables)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup for the {connection.vendor} database.")
    os.replace(partial, path)
    manifest = {
        "database": connection.vendor,
        "created_at": timezone.now().isoformat(),
        "file": path.name,
        "bytes": path.stat().st_size,
        "tables": counts,
    }
    manifest_path(path).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def restore(path: Path) -> dict:
    """Replace the configured database's content with the backup at `path`, then check it:
    every table's row count as in the manifest, and the audit chain intact."""
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else None
    if manifest and manifest["database"] != connection.vendor:
        raise BackupError(
            f"This is a {manifest['database']} backup; the database is {connection.vendor}."
        )
    if connection.vendor == "postgresql":
        connection.close()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ]
        )
    elif connection.vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        raise BackupError(f"No restore for the {connection.vendor} database.")
    counts = row_counts()
    verdict = verify()
    report = {
        "restored": str(path),
        "tables": len(counts),
        "rows": sum(counts.values()),
        "audit_verified_entries": verdict.checked,
        "audit_ok": verdict.ok,
        "counts_match": None,
    }
    if manifest is not None:
        differ = {
            t: (manifest["tables"].get(t), counts.get(t))
            for t in set(manifest["tables"]) | set(counts)
            if manifest["tables"].get(t) != counts.get(t)
        }
        report["counts_match"] = not differ
        if differ:
            report["differences"] = differ
    if not verdict.ok:
        report["audit_broken_at"] = verdict.first_broken_id
        report["audit_reason"] = verdict.reason
    return report
