"""The outbox: local changes waiting to be pushed, written with the change itself.

Call `enqueue` inside the transaction that makes the change; the sync client reads
`pending` in `seq` order and marks entries as it gets answers.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from csm_tui.protocol import OP_DELETE, OP_UPSERT
from csm_tui.store.ids import new_id
from csm_tui.store.timestamps import from_db, to_db

PENDING = "pending"
SENT = "sent"
CONFLICT = "conflict"
REJECTED = "rejected"


def _wire(value: Any) -> Any:
    """Field values as the wire carries them: ISO instants with offset, ISO dates."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} in an outbox entry")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class OutboxItem:
    seq: int
    mutation_id: str
    kind: str
    op: str
    record_id: str
    base_version: int | None
    fields: dict[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None
    state: str

    def as_mutation(self) -> dict[str, Any]:
        """The entry as a `csm_tui.protocol` mutation."""
        return {
            "mutation_id": self.mutation_id,
            "kind": self.kind,
            "op": self.op,
            "id": self.record_id,
            "base_version": self.base_version,
            "fields": self.fields,
        }


def enqueue(
    conn: sqlite3.Connection,
    kind: str,
    op: str,
    record_id: str,
    fields: dict[str, Any] | None = None,
    *,
    now: datetime,
    base_version: int | None = None,
) -> str:
    """Queue one mutation; returns its mutation id. Does not commit."""
    if op not in (OP_UPSERT, OP_DELETE):
        raise ValueError(f"unknown outbox op {op!r}")
    mutation_id = new_id()
    payload = json.dumps(
        {k: _wire(v) for k, v in (fields or {}).items()}, ensure_ascii=False, sort_keys=True
    )
    conn.execute(
        "INSERT INTO outbox (mutation_id, kind, op, record_id, base_version, fields, "
        "created_at, attempts, last_error, state) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)",
        (mutation_id, kind, op, record_id, base_version, payload, to_db(now), PENDING),
    )
    return mutation_id


def entry_from_row(row: sqlite3.Row | tuple[Any, ...]) -> OutboxItem:
    (
        seq,
        mutation_id,
        kind,
        op,
        record_id,
        base_version,
        fields,
        created_at,
        attempts,
        last_error,
        state,
    ) = tuple(row)
    return OutboxItem(
        seq,
        mutation_id,
        kind,
        op,
        record_id,
        base_version,
        json.loads(fields),
        from_db(created_at),
        attempts,
        last_error,
        state,
    )


_COLUMNS = (
    "seq, mutation_id, kind, op, record_id, base_version, fields, created_at, "
    "attempts, last_error, state"
)


def pending(conn: sqlite3.Connection, limit: int = 1000, after_seq: int = 0) -> list[OutboxItem]:
    """Pending entries in push order (those queued after `after_seq`)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",
        (PENDING, after_seq, limit),
    ).fetchall()
    return [entry_from_row(r) for r in rows]


def pending_count(conn: sqlite3.Connection) -> int:
    count: int = conn.execute("SELECT count(*) FROM outbox WHERE state = ?", (PENDING,)).fetchone()[
        0
    ]
    return count


def entries(conn: sqlite3.Connection, state: str | None = None) -> list[OutboxItem]:
    sql = f"SELECT {_COLUMNS} FROM outbox"
    args: tuple[str, ...] = ()
    if state is not None:
        sql += " WHERE state = ?"
        args = (state,)
    return [entry_from_row(r) for r in conn.execute(sql + " ORDER BY seq", args).fetchall()]
