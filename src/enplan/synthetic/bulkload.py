"""Bulk loading of generated rows: COPY on PostgreSQL, bulk_create on any other database.

Generators hand rows over as tuples of strings already in PostgreSQL's COPY text format:
NULL is `NULL` (the two characters backslash and N), booleans are `t`/`f`, free text must not
contain tabs, newlines or backslashes (the generator's text pools are checked for that), and
JSON goes through `copy_json`, which doubles JSON's own backslashes. The same tuples feed
`bulk_create` on SQLite, so both paths load exactly the same data.

`CopySink` loads into the migrated tables inside the caller's transaction. It truncates them
first, which lets COPY use FREEZE (no later vacuum to set hint bits), and it can drop the
secondary indexes and the unique and foreign-key constraints of the loaded tables and create
them again, from their own definitions, once the rows are in: building an index once is far
cheaper than maintaining it row by row, and a failure rolls everything back, schema included.
"""

from __future__ import annotations

import datetime
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import models

NULL = "\\N"


def copy_json(value) -> str:
    """A JSON value as COPY text (and as Django would store it: compact, UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\")


def copy_text(value) -> str:
    """Any Python value as COPY text (for defaults; generators format their own rows)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return copy_json(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(1)), text)


class Table:
    """A table to load: its model and the columns (attnames) each generated row fills, in order.

    Columns a generator does not fill take the field's default, so a field added later by a
    migration does not break the generator as long as it has a default (or allows null/blank).
    """

    def __init__(self, model: type[models.Model], columns: str | Sequence[str]):
        self.model = model
        self.name: str = model._meta.db_table
        self.columns = columns.split() if isinstance(columns, str) else list(columns)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in self.columns if c not in fields]
        if unknown:
            raise ImproperlyConfigured(f"{self.name} has no column(s) {', '.join(unknown)}")
        self.fields = [fields[c] for c in self.columns]
        self.unfilled = [f for f in model._meta.concrete_fields if f.attname not in self.columns]
        self.rows = 0

    def __repr__(self) -> str:
        return f"<Table {self.name}>"


def _default_text(field: models.Field) -> str:
    if field.has_default():
        return copy_text(field.get_default())
    if field.null:
        return NULL
    if field.empty_strings_allowed and not field.is_relation:
        return ""
    raise ImproperlyConfigured(
        f"The generator does not fill {field.model._meta.db_table}.{field.column}, which has no "
        "default: add it to the generator."
    )


class Sink:
    """Where generated rows go. `start` and `finish` bracket the load."""

    def start(self, tables: Sequence[Table]) -> None:
        raise NotImplementedError

    def write(self, table: Table, rows: list[tuple[str, ...]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Called instead of `finish` when generating failed."""


def _flush_sql(connection, models_: Iterable[type[models.Model]]) -> list[str]:
    tables = sorted({m._meta.db_table for m in models_})
    return connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)


def _reset_sequences(connection, models_: Iterable[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


class CopySink(Sink):
    """PostgreSQL: COPY … FROM STDIN (FREEZE) from a writer thread, so that generating the next
    rows in Python overlaps with the server parsing the previous ones."""

    def __init__(
        self,
        connection,
        *,
        clear: Sequence[type[models.Model]],
        rebuild_indexes: bool = True,
        out: Callable[[str], None] = print,
    ):
        self.connection = connection
        self.clear = list(clear)
        self.rebuild_indexes = rebuild_indexes
        self.out = out
        self.queue: queue.Queue = queue.Queue(maxsize=6)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.recreate: list[str] = []
        self.tables: list[Table] = []
        self.layout: dict[str, tuple[str, str]] = {}

    # --- set-up ------------------------------------------------------------------------------

    def start(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        self.connection.ensure_connection()
        with self.connection.cursor() as cursor:
            # LZ4 compresses the large JSON values (plan snapshots, message bundles) several
            # times faster than the default pglz; it is a per-value choice, not part of the
            # schema, and any later write uses the server's default again.
            cursor.execute(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
            if cursor.fetchone()[0]:  # a server built without lz4 keeps its default
                cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
            # TRUNCATE in this transaction is what allows COPY FREEZE below.
            for sql in _flush_sql(self.connection, [*self.clear, *(t.model for t in tables)]):
                cursor.execute(sql)
            for table in tables:
                self.layout[table.name] = self._layout(cursor, table)
            if self.rebuild_indexes:
                self._drop_secondary(cursor, [t.name for t in tables])
        self.thread = threading.Thread(target=self._writer, name="copy-writer", daemon=True)
        self.thread.start()

    def _layout(self, cursor, table: Table) -> tuple[str, str]:
        """The COPY column list and the constant suffix for the unfilled columns."""
        present = {
            c.name for c in self.connection.introspection.get_table_description(cursor, table.name)
        }
        missing = [f.column for f in table.fields if f.column not in present]
        if missing:
            raise ImproperlyConfigured(
                f"{table.name} lacks {', '.join(missing)}: run `manage.py migrate` first."
            )
        extra = [f for f in table.unfilled if f.column in present]
        columns = [f.column for f in table.fields] + [f.column for f in extra]
        suffix = "".join("\t" + _default_text(f) for f in extra)
        quote = self.connection.ops.quote_name
        return ", ".join(quote(c) for c in columns), suffix

    def _drop_secondary(self, cursor, names: list[str]) -> None:
        """Drop the loaded tables' foreign keys, unique constraints and secondary indexes,
        remembering each definition to create it again exactly as the migrations made it."""
        cursor.execute(
            """
            SELECT con.conrelid::regclass::text, con.conname, con.contype,
                   pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            WHERE con.conrelid = ANY(%s::regclass[]) AND con.contype IN ('f', 'u')
            ORDER BY con.contype, con.conrelid::regclass::text, con.conname
            """,
            [names],
        )
        constraints = cursor.fetchall()  # 'f' sorts before 'u'
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint con
                WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
              )
            ORDER BY 1
            """,
            [names],
        )
        indexes = cursor.fetchall()
        quote = self.connection.ops.quote_name
        for table, name, _kind, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Recreate plain indexes and unique constraints first, foreign keys (which validate
        # against the referenced tables) last.
        self.recreate = [definition for _name, definition in indexes]
        self.recreate += [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            for table, name, kind, definition in reversed(constraints)
            if kind == "u"
        ]
        self.recreate += [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            for table, name, kind, definition in constraints
            if kind == "f"
        ]

    # --- loading -------------------------------------------------------------------------------

    def write(self, table: Table, rows: list[tuple[str, ...]]) -> None:
        if not rows:
            return
        suffix = self.layout[table.name][1]
        end = suffix + "\n"
        data = "".join(["\t".join(row) + end for row in rows]).encode()
        table.rows += len(rows)
        while True:
            if self.error is not None:
                raise RuntimeError(f"COPY failed: {self.error}") from self.error
            try:
                self.queue.put((table, data), timeout=0.5)
                return
            except queue.Full:
                continue

    def _writer(self) -> None:
        raw = self.connection.connection
        try:
            with raw.cursor() as cursor:
                item = self.queue.get()
                while item is not None:
                    table, data = item
                    columns = self.layout[table.name][0]
                    sql = f"COPY {table.name} ({columns}) FROM STDIN WITH (FREEZE)"
                    with cursor.copy(sql) as copy:
                        copy.write(data)
                        # Consecutive chunks for the same table share one COPY statement.
                        while True:
                            item = self.queue.get()
                            if item is None or item[0] is not table:
                                break
                            copy.write(item[1])
        except BaseException as exc:  # reported to the producer, which stops
            self.error = exc
            while self.queue.get() is not None:  # unblock the producer until it stops
                pass

    def abort(self) -> None:
        """Stop the writer (after a failure elsewhere) before the transaction rolls back."""
        if self.thread is not None and self.thread.is_alive():
            self.error = self.error or RuntimeError("aborted")
            self.queue.put(None)
            self.thread.join()

    def finish(self) -> None:
        self.queue.put(None)
        assert self.thread is not None
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"COPY failed: {self.error}") from self.error
        with self.connection.cursor() as cursor:
            if self.recreate:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                started = time.monotonic()
                for i, sql in enumerate(self.recreate, 1):
                    cursor.execute(sql)
                    if i % 10 == 0 or i == len(self.recreate):
                        self.out(
                            f"  indexes and constraints: {i}/{len(self.recreate)} "
                            f"({time.monotonic() - started:.0f} s)"
                        )
        _reset_sequences(self.connection, [*self.clear, *(t.model for t in self.tables)])
        with self.connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {table.name}")


class OrmSink(Sink):
    """Any database: the same rows as model instances through bulk_create."""

    def __init__(self, connection, *, clear: Sequence[type[models.Model]], batch_size: int = 500):
        self.connection = connection
        self.clear = list(clear)
        self.batch_size = batch_size
        self.tables: list[Table] = []
        self.converters: dict[str, list[Callable]] = {}

    def start(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        with self.connection.cursor() as cursor:
            for sql in _flush_sql(self.connection, [*self.clear, *(t.model for t in tables)]):
                cursor.execute(sql)
        for table in tables:
            self.converters[table.name] = [_converter(f) for f in table.fields]

    def write(self, table: Table, rows: list[tuple[str, ...]]) -> None:
        convert = self.converters[table.name]
        columns = table.columns
        objects = [
            table.model(**{c: f(v) for c, f, v in zip(columns, convert, row, strict=True)})
            for row in rows
        ]
        table.model.objects.using(self.connection.alias).bulk_create(
            objects, batch_size=self.batch_size
        )
        table.rows += len(rows)

    def finish(self) -> None:
        _reset_sequences(self.connection, [*self.clear, *(t.model for t in self.tables)])


def _converter(field: models.Field) -> Callable[[str], object]:
    if isinstance(field, models.JSONField):
        return lambda v: None if v == NULL else json.loads(_unescape(v))
    if isinstance(field, models.BinaryField):
        return lambda v: None if v == NULL else bytes.fromhex(_unescape(v)[2:])
    to_python = field.to_python
    return lambda v: None if v == NULL else to_python(_unescape(v))
