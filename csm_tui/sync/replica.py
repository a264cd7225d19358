"""The cache as a replica of the server: pulled records and tombstones into the local tables.

Records arrive in the wire format (instants as ISO 8601 with offset, dates as ``YYYY-MM-DD``)
and are stored in the cache's format (`store.timestamps`). Column types are read from the
cache itself (``PRAGMA table_info``), so a column added by a migration is carried along.

Local changes waiting to be pushed win over a pulled state (`Protected`): for a record with a
pending outbox entry or an unresolved conflict, the fields named there keep their local
values; a record with a pending delete stays deleted; an account with a pending prep note
revision keeps its local note. Everything else is the server's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from csm_tui import protocol as p
from csm_tui.store import outbox
from csm_tui.store.timestamps import from_db, to_db

# kind -> (local table, id column)
KIND_TABLES: dict[str, tuple[str, str]] = {
    p.KIND_ACCOUNT: ("accounts", "id"),
    p.KIND_ACCOUNT_SIGNALS: ("account_signals", "account_id"),
    p.KIND_CONTACT: ("contacts", "id"),
    p.KIND_ACTIVITY: ("activities", "id"),
    p.KIND_TASK: ("tasks", "id"),
    p.KIND_CHECKLIST_ITEM: ("checklist_items", "id"),
    p.KIND_STAGE_CHANGE: ("stage_changes", "id"),
    p.KIND_HEALTH_SNAPSHOT: ("health_snapshots", "id"),
    p.KIND_ARR_EVENT: ("arr_events", "id"),
    p.KIND_RENEWAL_DECISION: ("renewal_decisions", "id"),
    p.KIND_TIER_OVERRIDE: ("tier_overrides", "id"),
    p.KIND_PREP_NOTE_REVISION: ("prep_notes", "id"),  # the note row = the latest revision
    p.KIND_USER: ("users", "id"),
    p.KIND_TEAM: ("teams", "id"),
    p.KIND_USAGE_WEEK: ("usage_weeks", "id"),
    p.KIND_SUPPORT_TICKET: ("support_tickets", "id"),
    p.KIND_SURVEY_RESPONSE: ("survey_responses", "id"),
    p.KIND_INVOICE: ("invoices", "id"),
}

# Health's raw signals: applying them changes the health of their accounts.
SIGNAL_TABLES: tuple[str, ...] = ("usage_weeks", "support_tickets", "survey_responses", "invoices")

# Tables holding the records under an account (dropped with it by an account tombstone).
CHILD_TABLES: tuple[str, ...] = (
    "account_signals",
    "contacts",
    "activities",
    "tasks",
    "checklist_items",
    "stage_changes",
    "health_snapshots",
    "arr_events",
    "renewal_decisions",
    "tier_overrides",
    "prep_notes",
    *SIGNAL_TABLES,
)

INSTANT = "instant"
BOOLEAN = "boolean"

DELETE_ALL = "*"  # a pending delete: the whole record is protected


@contextmanager
def foreign_keys_off(conn: sqlite3.Connection) -> Iterator[None]:
    """The replica takes records in the server's version order, which is not parents-first
    (an account edited after its activities were logged comes after them): referential
    integrity is the server's, so the cache does not check it while applying."""
    if conn.in_transaction:
        raise RuntimeError("needs a connection with no open transaction")
    was_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.rollback()
        if was_on:
            conn.execute("PRAGMA foreign_keys = ON")


class Columns:
    """Each local table's columns and how its values are stored (cached per connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._types: dict[str, dict[str, str | None]] = {}

    def of(self, table: str) -> dict[str, str | None]:
        """{column: INSTANT | BOOLEAN | None} in table order."""
        if table not in self._types:
            found: dict[str, str | None] = {}
            for row in self.conn.execute(f"PRAGMA table_info({table})"):
                declared = str(row[2]).upper()
                found[row[1]] = (
                    INSTANT
                    if declared == "VARCHAR(26)"
                    else BOOLEAN
                    if declared == "BOOLEAN"
                    else None
                )
            self._types[table] = found
        return self._types[table]


def instant_to_db(value: Any) -> str | None:
    """A wire instant (or a datetime) in the cache's format."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_db(value)
    if len(value) == 32 and value[10] == "T" and value.endswith("+00:00"):
        return f"{value[:10]} {value[11:26]}"  # the server's own UTC form: no parsing
    return to_db(datetime.fromisoformat(value))


def to_local(kind: str | None, value: Any) -> Any:
    """One wire (or Python) value as the cache stores it."""
    if value is None:
        return None
    if kind == INSTANT:
        return instant_to_db(value)
    if kind == BOOLEAN:
        return 1 if value else 0
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_wire(kind: str | None, value: Any) -> Any:
    """One cached value as the wire carries it."""
    if value is None:
        return None
    if kind == INSTANT:
        return from_db(value).isoformat(timespec="microseconds")
    if kind == BOOLEAN:
        return bool(value)
    return value


def local_record(
    conn: sqlite3.Connection, columns: Columns, kind: str, record_id: str
) -> dict[str, Any] | None:
    """The cached record of `kind` `record_id` in wire form, or None."""
    table, id_column = KIND_TABLES[kind]
    row = conn.execute(f"SELECT * FROM {table} WHERE {id_column} = ?", (record_id,)).fetchone()
    if row is None:
        return None
    types = columns.of(table)
    record = {name: to_wire(types.get(name), row[name]) for name in row.keys()}  # noqa: SIM118
    if kind == p.KIND_PREP_NOTE_REVISION:
        record["created_at"] = record.pop("updated_at")
    return record


def _boolean(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _row_maker(types: dict[str, str | None]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a wire record to a row tuple in column order, made once per table
    (one plain tuple expression: a pull applies hundreds of thousands of records)."""
    parts = []
    for name, kind in types.items():
        get = f"r.get({name!r})"
        parts.append(f"_i({get})" if kind == INSTANT else f"_b({get})" if kind == BOOLEAN else get)
    source = f"lambda r: ({', '.join(parts)},)"
    maker: Callable[[dict[str, Any]], tuple[Any, ...]]
    maker = eval(source, {"_i": instant_to_db, "_b": _boolean})  # column names from PRAGMA
    return maker


@dataclass
class Protected:
    """Local changes not yet on the server, which a pull must not overwrite."""

    fields: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)  # account ids with a local prep note edit
    conflicts: set[tuple[str, str]] = field(default_factory=set)  # unresolved

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> Protected:
        found = cls()
        pending = conn.execute(
            "SELECT kind, op, record_id, fields FROM outbox WHERE state = ?", (outbox.PENDING,)
        ).fetchall()
        open_conflicts = conn.execute(
            "SELECT kind, 'upsert', record_id, local_fields FROM sync_conflicts "
            "WHERE resolved_at IS NULL"
        ).fetchall()
        for kind, op, record_id, fields_json in pending:
            found._add(kind, op, record_id, json.loads(fields_json))
        for kind, op, record_id, fields_json in open_conflicts:
            found.conflicts.add((kind, record_id))
            found._add(kind, op, record_id, json.loads(fields_json))
        return found

    def _add(self, kind: str, op: str, record_id: str, fields: dict[str, Any]) -> None:
        if kind == p.KIND_PREP_NOTE_REVISION:
            if isinstance(fields.get("account_id"), str):
                self.notes.add(fields["account_id"])
            return
        names = self.fields.setdefault((kind, record_id), set())
        if op == p.OP_DELETE:
            names.add(DELETE_ALL)
        else:
            names.update(fields)

    def __bool__(self) -> bool:
        return bool(self.fields or self.notes or self.conflicts)


LOCAL_HEALTH = frozenset({"health_score", "health_score_30d"})
"""Account columns scored in this cache: a server's empty value does not erase them."""


class Replica:
    """Applies pulled changes to the cache. The caller owns the transaction."""

    def __init__(self, conn: sqlite3.Connection, now: datetime | None = None) -> None:
        """`now` (a pull's): prep note revisions pulled are merged with a note edited here
        at the same time (`sync.note_forks`), the merge queued for sync at `now`."""
        self.conn = conn
        self.now = now
        self.merged_notes: set[str] = set()  # accounts whose note a pull merged
        self.columns = Columns(conn)
        self._sql: dict[str, str] = {}
        self._row_makers: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {}

    # -- upserts ------------------------------------------------------------------------------
    def _upsert_sql(self, table: str, names: Iterable[str]) -> str:
        names = list(names)
        key = f"{table}:{','.join(names)}"
        if key not in self._sql:
            self._sql[key] = (
                f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' for _ in names)})"
            )
        return self._sql[key]

    def _rows(self, kind: str, records: list[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
        table, _ = KIND_TABLES[kind]
        if kind == p.KIND_PREP_NOTE_REVISION:
            names = ["id", "account_id", "body", "updated_at"]
            rows = [
                (r["id"], r["account_id"], r.get("body") or "", instant_to_db(r.get("created_at")))
                for r in records
            ]
            return self._upsert_sql(table, names), rows
        types = self.columns.of(table)
        if table not in self._row_makers:
            self._row_makers[table] = _row_maker(types)
        make = self._row_makers[table]
        if kind == p.KIND_ACCOUNT:
            return self._account_upsert_sql(types), [make(r) for r in records]
        return self._upsert_sql(table, types), [make(r) for r in records]

    def _account_upsert_sql(self, names: Iterable[str]) -> str:
        """An account from the server, its health kept where the server has none: health is
        scored here from the signals in this cache (the server never scores it), and an
        account pulled back after an edit or a renewal lost its score until the next signal
        came."""
        names = list(names)
        key = f"accounts!:{','.join(names)}"
        if key not in self._sql:
            sets = ", ".join(
                f"{n} = coalesce(excluded.{n}, accounts.{n})"
                if n in LOCAL_HEALTH
                else f"{n} = excluded.{n}"
                for n in names
                if n != "id"
            )
            self._sql[key] = (
                f"INSERT INTO accounts ({', '.join(names)}) "
                f"VALUES ({', '.join('?' for _ in names)}) "
                f"ON CONFLICT (id) DO UPDATE SET {sets}"
            )
        return self._sql[key]

    def upsert(
        self, kind: str, records: list[dict[str, Any]], protected: Protected | None = None
    ) -> int:
        """Store server records of one kind; local changes in `protected` are kept."""
        if kind not in KIND_TABLES or not records:
            return 0
        if protected:
            records = [r for r in (self._keep_local(kind, r, protected) for r in records) if r]
        if not records:
            return 0
        if kind == p.KIND_PREP_NOTE_REVISION and self.now is not None:
            from csm_tui.sync.note_forks import apply_note_revisions

            written, merged = apply_note_revisions(self.conn, records, self.now)
            self.merged_notes |= merged
            return written
        sql, rows = self._rows(kind, records)
        self.conn.executemany(sql, rows)
        return len(rows)

    def _keep_local(
        self, kind: str, record: dict[str, Any], protected: Protected
    ) -> dict[str, Any] | None:
        if kind == p.KIND_PREP_NOTE_REVISION:
            return None if record.get("account_id") in protected.notes else record
        _table, id_column = KIND_TABLES[kind]
        record_id = record.get(id_column)
        if record_id is None:
            return record  # nothing protected has no id
        names = protected.fields.get((kind, record_id))
        if not names:
            return record
        if DELETE_ALL in names:
            return None  # deleted here, the delete is on its way
        local = local_record(self.conn, self.columns, kind, record_id)
        if local is None:
            return record
        return {**record, **{n: local[n] for n in names if n in local}}

    # -- tombstones ---------------------------------------------------------------------------
    def delete(self, kind: str, record_ids: list[str]) -> int:
        if kind not in KIND_TABLES or not record_ids:
            return 0
        table, id_column = KIND_TABLES[kind]
        ids = [(i,) for i in record_ids]
        if kind == p.KIND_ACCOUNT:
            for child in CHILD_TABLES:
                self.conn.executemany(f"DELETE FROM {child} WHERE account_id = ?", ids)
        self.conn.executemany(f"DELETE FROM {table} WHERE {id_column} = ?", ids)
        return len(ids)

    # -- one page -----------------------------------------------------------------------------
    def apply(self, changes: list[dict[str, Any]], protected: Protected | None = None) -> int:
        """Apply changes in order (runs of one kind and op in one statement); the count."""
        applied = 0
        run_kind: str | None = None
        run_deleted = False
        run: list[Any] = []

        def flush() -> int:
            if not run or run_kind is None:
                return 0
            if run_deleted:
                return self.delete(run_kind, run)
            return self.upsert(run_kind, run, protected)

        for change in changes:
            kind, deleted = change["kind"], bool(change["deleted"])
            if kind != run_kind or deleted != run_deleted:
                applied += flush()
                run_kind, run_deleted, run = kind, deleted, []
            if deleted or change.get("record") is None:
                if not deleted:
                    continue
                run.append(change["id"])
            else:
                run.append(change["record"])
        applied += flush()
        if protected and protected.conflicts:
            self._refresh_conflicts(changes, protected)
        return applied

    def _refresh_conflicts(self, changes: list[dict[str, Any]], protected: Protected) -> None:
        """Keep an open conflict's server record current: "take theirs" takes the latest."""
        for change in changes:
            if (change["kind"], change["id"]) in protected.conflicts:
                record = change.get("record")
                self.conn.execute(
                    "UPDATE sync_conflicts SET server_record = ?, server_version = ? "
                    "WHERE kind = ? AND record_id = ? AND resolved_at IS NULL",
                    (
                        None if record is None else json.dumps(record, ensure_ascii=False),
                        change["version"],
                        change["kind"],
                        change["id"],
                    ),
                )

    # -- local edits (conflict resolution) ----------------------------------------------------
    def set_fields(self, kind: str, record_id: str, fields: dict[str, Any]) -> None:
        """Write wire (or Python) values into a cached record's columns."""
        table, id_column = KIND_TABLES[kind]
        types = self.columns.of(table)
        if kind == p.KIND_PREP_NOTE_REVISION:
            if "body" in fields:
                self.conn.execute(
                    "UPDATE prep_notes SET body = ? WHERE id = ?", (fields["body"], record_id)
                )
            return
        known = {n: v for n, v in fields.items() if n in types and n != id_column}
        if not known:
            return
        assignments = ", ".join(f"{n} = ?" for n in known)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE {id_column} = ?",
            (*(to_local(types[n], v) for n, v in known.items()), record_id),
        )
