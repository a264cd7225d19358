"""What a push could not apply, kept for the user: conflicts and rejected changes.

A conflict (the server's answer "conflict") is a row of `sync_conflicts` until the user
resolves it; until then the pulled record keeps the local values of the fields concerned.
`resolve_conflict` takes one of three choices, each in one local transaction:

- "mine": my values again, as a NEW mutation with the server's current version as base;
- "theirs": the server's values for the fields in conflict (the other fields of my change
  still go, as a new mutation);
- "edit": the values the user typed for the fields in conflict (and my other fields).

Append-only records (activities, notes, stage changes, health snapshots) are never merged
away: "mine" keeps the server's record and saves mine under a new id. A checklist item that
exists on the server under another id: "mine" writes my values onto the server's item.

A rejected change (4xx for that mutation: not found, forbidden, invalid field...) stays in
the outbox as "rejected" and is listed with the record it concerns; the user may send it
again (`retry_rejected`) or let it go (`dismiss_rejected`). Nothing is dropped silently.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csm_tui import protocol as p
from csm_tui.domain.errors import Refusal
from csm_tui.i18n import N_, Message
from csm_tui.store import outbox
from csm_tui.store.timestamps import from_db, to_db
from csm_tui.store.transaction import in_batch, write_transaction
from csm_tui.sync.replica import KIND_TABLES, Replica, foreign_keys_off, local_record

CHOICES = ("mine", "theirs", "edit")
DISMISSED = "dismissed"  # an outbox state: a rejected change the user let go (or re-sent)

APPEND_ONLY = frozenset(k for k, rule in p.CONFLICT_RULES.items() if rule == p.RULE_APPEND_ONLY)
_NOT_SENT = frozenset({"id", *p.SERVER_FIELDS})


class ConflictError(Refusal, ValueError):
    """A resolution that cannot be done; its words (a `Message`) say why, in the interface
    language (`error.english()` for logs)."""


@dataclass(frozen=True)
class Conflict:
    id: int
    mutation_id: str
    kind: str
    record_id: str
    mutation: dict[str, Any]
    local_fields: dict[str, Any]  # my values (wire form)
    server_record: dict[str, Any] | None  # None: deleted on the server
    server_version: int | None
    fields: list[str]  # the fields in conflict
    message: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    @property
    def deleted_on_server(self) -> bool:
        return self.server_record is None

    def mine(self) -> dict[str, Any]:
        return {name: self.local_fields.get(name) for name in self.fields}

    def theirs(self) -> dict[str, Any]:
        record = self.server_record or {}
        return {name: record.get(name) for name in self.fields}

    def describe(self) -> str:
        what = f"{self.kind} {self.record_id}"
        if self.deleted_on_server:
            return f"{what}: deleted on the server; your change is kept here"
        pairs = ", ".join(
            f"{name}: mine {self.local_fields.get(name)!r} / theirs {self.theirs()[name]!r}"
            for name in self.fields
        )
        return f"{what}: {pairs}"


_CONFLICT_COLUMNS = (
    "id, mutation_id, kind, record_id, mutation, local_fields, server_record, server_version, "
    "fields, message, created_at, resolved_at, resolution"
)


def _conflict(row: sqlite3.Row | tuple[Any, ...]) -> Conflict:
    (
        cid,
        mutation_id,
        kind,
        record_id,
        mutation,
        local_fields,
        server_record,
        server_version,
        fields,
        message,
        created_at,
        resolved_at,
        resolution,
    ) = tuple(row)
    return Conflict(
        id=cid,
        mutation_id=mutation_id,
        kind=kind,
        record_id=record_id,
        mutation=json.loads(mutation),
        local_fields=json.loads(local_fields),
        server_record=None if server_record is None else json.loads(server_record),
        server_version=server_version,
        fields=json.loads(fields),
        message=message,
        created_at=from_db(created_at),
        resolved_at=from_db(resolved_at),
        resolution=resolution,
    )


def list_conflicts(conn: sqlite3.Connection, *, include_resolved: bool = False) -> list[Conflict]:
    """Conflicts to resolve (oldest first); with `include_resolved`, the history too."""
    where = "" if include_resolved else " WHERE resolved_at IS NULL"
    rows = conn.execute(f"SELECT {_CONFLICT_COLUMNS} FROM sync_conflicts{where} ORDER BY id")
    return [_conflict(r) for r in rows.fetchall()]


def open_conflict_count(conn: sqlite3.Connection) -> int:
    count: int = conn.execute(
        "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL"
    ).fetchone()[0]
    return count


def resolve_conflict(
    conn: sqlite3.Connection,
    conflict_id: int,
    choice: str,
    edited_fields: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> str | None:
    """Resolve one conflict; the id of the mutation queued for the server (None if none)."""
    if choice not in CHOICES:
        raise ConflictError(
            Message.of(
                N_("choose one of {choices}, not {choice}"),
                choices=", ".join(CHOICES),
                choice=repr(choice),
            )
        )
    if choice == "edit" and not edited_fields:
        raise ConflictError(Message.of(N_("'edit' needs the edited values")))
    with _resolving(conn):
        row = conn.execute(
            f"SELECT {_CONFLICT_COLUMNS} FROM sync_conflicts WHERE id = ?", (conflict_id,)
        ).fetchone()
        if row is None:
            raise ConflictError(Message.of(N_("no conflict {id}"), id=conflict_id))
        conflict = _conflict(row)
        if conflict.resolved_at is not None:
            raise ConflictError(
                Message.of(
                    N_("conflict {id} was resolved already ({resolution})"),
                    id=conflict_id,
                    resolution=conflict.resolution,
                )
            )
        replica = Replica(conn)
        table, _ = KIND_TABLES[conflict.kind]
        columns = replica.columns.of(table)
        if conflict.kind == p.KIND_PREP_NOTE_REVISION:
            columns = {"account_id": None, "body": None, "base_revision_id": None}
        unknown = sorted(set(edited_fields or {}) - set(columns))
        if unknown:
            raise ConflictError(
                Message.of(
                    N_("unknown field(s) for {kind}: {fields}"),
                    kind=conflict.kind,
                    fields=", ".join(unknown),
                )
            )
        if conflict.kind in APPEND_ONLY:
            queued = _resolve_append_only(conn, replica, conflict, choice, edited_fields, now)
        elif (
            conflict.kind == p.KIND_CHECKLIST_ITEM
            and conflict.server_record is not None
            and conflict.server_record.get("id") != conflict.record_id
        ):
            queued = _resolve_checklist_twin(conn, replica, conflict, choice, edited_fields, now)
        else:
            queued = _resolve_fields(conn, replica, conflict, choice, edited_fields, now)
        conn.execute(
            "UPDATE sync_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?",
            (to_db(now), choice, conflict_id),
        )
    return queued


@contextmanager
def _resolving(conn: sqlite3.Connection) -> Iterator[None]:
    """One write for a resolution, foreign keys checked as the replica needs (see
    `foreign_keys_off`). Inside a `write_batch` (a script of commands, a dry run) it is a
    savepoint of the batch, and the keys are checked when the batch commits."""
    if in_batch(conn):
        conn.execute("PRAGMA defer_foreign_keys = ON")
        with write_transaction(conn):
            yield
        return
    with foreign_keys_off(conn), conn:
        conn.execute("BEGIN IMMEDIATE")
        yield


def _resolve_fields(
    conn: sqlite3.Connection,
    replica: Replica,
    conflict: Conflict,
    choice: str,
    edited: dict[str, Any] | None,
    now: datetime,
) -> str | None:
    """Per-field kinds (account guarded fields, and any merge kind)."""
    if conflict.deleted_on_server:
        if choice != "theirs":
            raise ConflictError(
                Message.of(
                    N_("this {kind} was deleted on the server; only 'theirs' can apply"),
                    kind=conflict.kind,
                )
            )
        replica.delete(conflict.kind, [conflict.record_id])
        return None
    others = {k: v for k, v in conflict.local_fields.items() if k not in conflict.fields}
    if choice == "mine":
        fields = dict(conflict.local_fields)
    elif choice == "theirs":
        fields = others
        replica.set_fields(conflict.kind, conflict.record_id, conflict.theirs())
    else:
        fields = {**others, **(edited or {})}
    replica.set_fields(conflict.kind, conflict.record_id, fields)
    if not fields:
        return None
    return outbox.enqueue(
        conn,
        conflict.kind,
        p.OP_UPSERT,
        conflict.record_id,
        fields,
        now=now,
        base_version=conflict.server_version,
    )


def _resolve_append_only(
    conn: sqlite3.Connection,
    replica: Replica,
    conflict: Conflict,
    choice: str,
    edited: dict[str, Any] | None,
    now: datetime,
) -> str | None:
    """Nothing is merged away: "mine" and "edit" save my content under a new id."""
    kind = conflict.kind
    if kind == p.KIND_PREP_NOTE_REVISION:
        mine = {**conflict.local_fields, **(edited or {})}
    else:
        mine = {
            **(local_record(conn, replica.columns, kind, conflict.record_id) or {}),
            **conflict.local_fields,
            **(edited or {}),
        }
    if conflict.server_record is not None:
        replica.upsert(kind, [conflict.server_record])
    elif kind != p.KIND_PREP_NOTE_REVISION:
        replica.delete(kind, [conflict.record_id])
    if choice == "theirs":
        return None
    new_id = p.new_uuid7()
    fields = {k: v for k, v in mine.items() if k not in _NOT_SENT}
    owner = p.OWNER_FIELDS.get(kind)
    if owner:
        fields.pop(owner, None)  # the server sets it from the token
    if kind == p.KIND_PREP_NOTE_REVISION:
        fields["base_revision_id"] = (conflict.server_record or {}).get("id")
        fields.setdefault("created_at", now.isoformat())
    replica.upsert(
        kind,
        [{**mine, **fields, "id": new_id, "created_at": mine.get("created_at") or now.isoformat()}],
    )
    return outbox.enqueue(conn, kind, p.OP_UPSERT, new_id, fields, now=now)


def _resolve_checklist_twin(
    conn: sqlite3.Connection,
    replica: Replica,
    conflict: Conflict,
    choice: str,
    edited: dict[str, Any] | None,
    now: datetime,
) -> str | None:
    """The item exists on the server under another id: keep one item, the server's."""
    server = dict(conflict.server_record or {})
    replica.delete(conflict.kind, [conflict.record_id])
    if choice == "theirs":
        replica.upsert(conflict.kind, [server])
        return None
    keys = {"id", "account_id", "stage", "item_key", *p.SERVER_FIELDS}
    fields = {k: v for k, v in {**conflict.local_fields, **(edited or {})}.items() if k not in keys}
    replica.upsert(conflict.kind, [{**server, **fields}])
    if not fields:
        return None
    return outbox.enqueue(conn, conflict.kind, p.OP_UPSERT, server["id"], fields, now=now)


# -- rejected changes ------------------------------------------------------------------------
@dataclass(frozen=True)
class RejectedChange:
    """A change the server refused, with the record it concerns."""

    item: outbox.OutboxItem
    code: str
    message: str
    record: dict[str, Any] | None  # the cached record now (None: not in the cache)
    account_id: str | None
    account_name: str | None

    def describe(self) -> str:
        item = self.item
        where = (
            f" on {self.account_name}"
            if self.account_name
            else (f" on account {self.account_id}" if self.account_id else "")
        )
        shown = self.record or _fields_of(item)
        label = shown.get("summary") or shown.get("title") or shown.get("name") or item.record_id
        verb = "delete" if item.op == p.OP_DELETE else "change"
        return f"{item.kind} {verb}{where} ({label}): {self.code} — {self.message}"


def _fields_of(item: outbox.OutboxItem) -> dict[str, Any]:
    return item.fields if isinstance(item.fields, dict) else {}


def _split_error(text: str | None) -> tuple[str, str]:
    code, _, message = (text or "rejected: ").partition(": ")
    return code, message


def list_rejected(conn: sqlite3.Connection) -> list[RejectedChange]:
    """Rejected changes, oldest first, each with its record and account as cached now."""
    replica = Replica(conn)
    found = []
    for item in outbox.entries(conn, outbox.REJECTED):
        record = None
        if item.kind in KIND_TABLES and item.kind != p.KIND_PREP_NOTE_REVISION:
            record = local_record(conn, replica.columns, item.kind, item.record_id)
        account_id = (
            item.record_id
            if item.kind == p.KIND_ACCOUNT
            else (record or {}).get("account_id") or _fields_of(item).get("account_id")
        )
        name_row = (
            None
            if account_id is None
            else conn.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()
        )
        code, message = _split_error(item.last_error)
        found.append(
            RejectedChange(
                item, code, message, record, account_id, None if name_row is None else name_row[0]
            )
        )
    return found


def retry_rejected(conn: sqlite3.Connection, mutation_id: str, *, now: datetime) -> str:
    """Send a rejected change again (after the cause was fixed) under a new mutation id."""
    with write_transaction(conn):  # a savepoint inside a write batch
        item = _rejected(conn, mutation_id)
        base = item.base_version
        if item.kind == p.KIND_ACCOUNT:
            row = conn.execute(
                "SELECT version FROM accounts WHERE id = ?", (item.record_id,)
            ).fetchone()
            base = base if row is None else row[0]
        new_id = outbox.enqueue(
            conn, item.kind, item.op, item.record_id, item.fields, now=now, base_version=base
        )
        conn.execute("UPDATE outbox SET state = ? WHERE seq = ?", (DISMISSED, item.seq))
    return new_id


def dismiss_rejected(conn: sqlite3.Connection, mutation_id: str) -> None:
    """The user saw a rejected change and lets it go (it stays in the outbox's history)."""
    with write_transaction(conn):  # a savepoint inside a write batch
        item = _rejected(conn, mutation_id)
        conn.execute("UPDATE outbox SET state = ? WHERE seq = ?", (DISMISSED, item.seq))


def _rejected(conn: sqlite3.Connection, mutation_id: str) -> outbox.OutboxItem:
    for item in outbox.entries(conn, outbox.REJECTED):
        if item.mutation_id == mutation_id:
            return item
    raise ConflictError(Message.of(N_("no rejected change {id}"), id=mutation_id))


# -- changes that went with their account ----------------------------------------------------
@dataclass(frozen=True)
class HandedOver:
    """A call or task this cache pushed (the server took it) on an account that has since left
    the book: it is no longer shown anywhere else here, so it is listed with what was typed."""

    item: outbox.OutboxItem
    account_id: str

    def describe(self) -> str:
        fields = _fields_of(self.item)
        label = fields.get("summary") or fields.get("title") or self.item.record_id
        return (
            f"{self.item.kind} ({label}): kept on the server; its account left your book "
            "(moved to someone else, or deleted)"
        )


_HANDED_OVER = (
    "SELECT seq, mutation_id, kind, op, record_id, base_version, fields, created_at, attempts, "
    "last_error, state FROM outbox "
    "WHERE state = ? AND op = ? AND kind IN (?, ?) AND json_valid(fields) "
    "AND json_extract(fields, '$.account_id') IS NOT NULL "
    "AND json_extract(fields, '$.account_id') NOT IN (SELECT id FROM accounts) "
    "ORDER BY seq DESC LIMIT ?"
)


def list_handed_over(conn: sqlite3.Connection, limit: int = 500) -> list[HandedOver]:
    """Calls and tasks the server took on accounts that then left this book, newest first."""
    rows = conn.execute(
        _HANDED_OVER, (outbox.SENT, p.OP_UPSERT, p.KIND_ACTIVITY, p.KIND_TASK, limit)
    ).fetchall()
    items = [outbox.entry_from_row(row) for row in rows]
    return [HandedOver(item, _fields_of(item)["account_id"]) for item in items]
