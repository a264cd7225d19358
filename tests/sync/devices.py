"""A device: one person's cache file, sync client and client id, and the local changes a
person makes offline (a row and its outbox entry in one transaction, as the app does)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from csm_tui import protocol as p
from csm_tui.domain.clock import FixedClock
from csm_tui.protocol import new_uuid7
from csm_tui.store import outbox
from csm_tui.store.cache import connect, set_meta
from csm_tui.store.timestamps import to_db
from csm_tui.sync.client import RetryPolicy, SyncClient
from csm_tui.sync.engine import SyncReport, client_id_of, sync_once
from tests.server.world import NOW, Person

# Tables a synced cache holds, and how to read them for comparisons.
SYNCED_TABLES = (
    "teams",
    "users",
    "accounts",
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
    "usage_weeks",
    "support_tickets",
    "survey_responses",
    "invoices",
)


class Sleeps:
    """An injected `sleep`: remembers what the client asked for, waits for nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _wire(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass
class Device:
    label: str
    person: Person
    path: Path
    base_url: str
    timeout: float = 5.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=5))
    sleeps: Sleeps = field(default_factory=Sleeps)
    now: datetime = NOW

    def __post_init__(self) -> None:
        self.conn = connect(self.path)
        with self.conn:  # what `csm-tui login` records
            set_meta(self.conn, "server_url", self.base_url)
            set_meta(self.conn, "me", self.person.id)
        self.client_id = client_id_of(self.conn)
        self.client = self.make_client()

    def make_client(self, token: str | None = None, **kw) -> SyncClient:
        return SyncClient(
            self.base_url,
            token or self.person.token,
            timeout=self.timeout,
            retry=self.retry,
            sleep=self.sleeps,
            clock=FixedClock(self.now),
            **kw,
        )

    def close(self) -> None:
        self.client.close()
        self.conn.close()

    def sync(self, **kw) -> SyncReport:
        return sync_once(self.conn, self.client, client_id=self.client_id, now=self.now, **kw)

    # -- local changes ----------------------------------------------------------------------
    def _change(
        self,
        sql: str,
        args: tuple,
        kind: str,
        op: str,
        record_id: str,
        fields: dict[str, Any] | None,
        base_version: int | None = None,
    ) -> str:
        with self.conn:
            if sql:
                self.conn.execute(sql, args)
            return outbox.enqueue(
                self.conn, kind, op, record_id, fields, now=self.now, base_version=base_version
            )

    def new_account(self, name: str, **fields: Any) -> str:
        account_id = new_uuid7()
        values = {"name": name, "arr": 10_000.0, "stage": "onboarding", **fields}
        stamp = to_db(self.now)
        cols = {
            "id": account_id,
            "name": name,
            "currency": "USD",
            "arr": values["arr"],
            "arr_usd": values["arr"],
            "tier": "self-serve",
            "tier_rank": 4,
            "sales_motion": "short-direct",
            "stage": values["stage"],
            "segment": "",
            "industry": "",
            "seats": 0,
            "owner_id": self.person.id,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 0,
            "tier_override_note": "",
            **{k: _wire(v) for k, v in fields.items() if k not in ("arr", "stage", "name")},
        }
        sql = f"INSERT INTO accounts ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        self._change(sql, tuple(cols.values()), p.KIND_ACCOUNT, p.OP_UPSERT, account_id, values)
        return account_id

    def log_activity(
        self,
        account_id: str,
        summary: str,
        *,
        activity_id: str | None = None,
        minutes: int = 15,
        kind: str = "call",
    ) -> str:
        activity_id = activity_id or new_uuid7()
        occurred = self.now - timedelta(minutes=minutes)
        fields = {
            "account_id": account_id,
            "kind": kind,
            "occurred_at": occurred,
            "minutes": minutes,
            "summary": summary,
            "next_steps": "",
            "sentiment": "neutral",
            "contact_ids": "[]",
            "created_at": self.now,
        }
        sql = (
            "INSERT INTO activities (id, account_id, kind, occurred_at, minutes, summary, "
            "next_steps, sentiment, contact_ids, author_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '', 'neutral', '[]', ?, ?)"
        )
        args = (
            activity_id,
            account_id,
            kind,
            to_db(occurred),
            minutes,
            summary,
            self.person.id,
            to_db(self.now),
        )
        self._change(sql, args, p.KIND_ACTIVITY, p.OP_UPSERT, activity_id, fields)
        return activity_id

    def new_task(self, account_id: str, title: str, due_on: date | None = None) -> str:
        task_id = new_uuid7()
        fields = {
            "account_id": account_id,
            "title": title,
            "due_on": due_on,
            "created_at": self.now,
        }
        sql = (
            "INSERT INTO tasks (id, account_id, title, due_on, owner_id, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        args = (
            task_id,
            account_id,
            title,
            _wire(due_on),
            self.person.id,
            to_db(self.now),
            to_db(self.now),
        )
        self._change(sql, args, p.KIND_TASK, p.OP_UPSERT, task_id, fields)
        return task_id

    def edit_task(self, task_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        args = tuple(to_db(v) if isinstance(v, datetime) else _wire(v) for v in fields.values())
        self._change(
            f"UPDATE tasks SET {sets} WHERE id = ?",
            (*args, task_id),
            p.KIND_TASK,
            p.OP_UPSERT,
            task_id,
            fields,
        )

    def delete_task(self, task_id: str) -> None:
        self._change(
            "DELETE FROM tasks WHERE id = ?", (task_id,), p.KIND_TASK, p.OP_DELETE, task_id, None
        )

    def edit_account(self, account_id: str, **fields: Any) -> str:
        base = self.conn.execute(
            "SELECT version FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        sets = ", ".join(f"{k} = ?" for k in fields)
        return self._change(
            f"UPDATE accounts SET {sets} WHERE id = ?",
            (*(_wire(v) for v in fields.values()), account_id),
            p.KIND_ACCOUNT,
            p.OP_UPSERT,
            account_id,
            fields,
            base_version=base,
        )

    def write_prep_note(self, account_id: str, body: str) -> str:
        revision_id = new_uuid7()
        row = self.conn.execute(
            "SELECT id FROM prep_notes WHERE account_id = ?", (account_id,)
        ).fetchone()
        base = None if row is None else row[0]
        sql = (
            "INSERT OR REPLACE INTO prep_notes (id, account_id, body, updated_at) "
            "VALUES (?, ?, ?, ?)"
        )
        self._change(
            sql,
            (revision_id, account_id, body, to_db(self.now)),
            p.KIND_PREP_NOTE_REVISION,
            p.OP_UPSERT,
            revision_id,
            {"account_id": account_id, "body": body, "base_revision_id": base},
        )
        return revision_id

    def record_arr_change(
        self, account_id: str, effective_on: date, kind: str, before: float, after: float
    ) -> str:
        event_id = new_uuid7()
        fields = {
            "account_id": account_id,
            "effective_on": effective_on,
            "kind": kind,
            "arr_before_usd": before,
            "arr_after_usd": after,
            "created_at": self.now,
        }
        sql = (
            "INSERT INTO arr_events (id, account_id, effective_on, kind, arr_before_usd, "
            "arr_after_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        args = (event_id, account_id, _wire(effective_on), kind, before, after, to_db(self.now))
        self._change(sql, args, p.KIND_ARR_EVENT, p.OP_UPSERT, event_id, fields)
        return event_id

    # -- reading ------------------------------------------------------------------------------
    def rows(self, table: str, where: str = "", args: tuple = ()) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + " ORDER BY 1"
        return [dict(r) for r in self.conn.execute(sql, args).fetchall()]

    def row(self, table: str, record_id: str) -> dict[str, Any] | None:
        found = self.rows(table, "id = ?", (record_id,))
        return found[0] if found else None

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every synced table, live rows only, in a comparable form."""
        out = {}
        for table in SYNCED_TABLES:
            cols = [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]
            where = " WHERE deleted_at IS NULL" if "deleted_at" in cols else ""
            out[table] = [
                tuple(r)
                for r in self.conn.execute(f"SELECT * FROM {table}{where} ORDER BY 1, 2").fetchall()
            ]
        return out

    def states(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"))


def outbox_json(conn: sqlite3.Connection) -> list[dict]:
    return [json.loads(r[0]) for r in conn.execute("SELECT fields FROM outbox ORDER BY seq")]
