"""The lifecycle checklist of an account: tick, untick, advance the stage, stage history.

The items and which are required come from `domain.lifecycle.checklist_template` for the
account's tier; stored rows (`checklist_items`) add who ticked an item and when. Every
write is one SQLite transaction that also queues its outbox entries (`store.outbox`):

- a tick or untick: a "checklist_item" upsert of `done_at`, `done_by` (the whole row when
  the item had no row yet; its id is `protocol.checklist_item_id`, the same on every
  device);
- an advance: a "stage_change" (append-only), an "account" upsert of `stage` (and
  `activated_on` when leaving Activation) with base_version = the account's `version`,
  and one "checklist_item" upsert per row created for the next stage.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from csm_tui.domain.errors import Refusal
from csm_tui.domain.lifecycle import Stage, StageGate, checklist_template, stage_gate
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message
from csm_tui.protocol import (
    KIND_ACCOUNT,
    KIND_CHECKLIST_ITEM,
    KIND_STAGE_CHANGE,
    OP_UPSERT,
    checklist_item_id,
)
from csm_tui.store import outbox
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_to_db, from_db, to_db
from csm_tui.store.transaction import write_transaction


class ChecklistError(Refusal, LookupError):
    """An account or checklist item that is not there (the message says which)."""


@dataclass(frozen=True)
class ChecklistEntry:
    key: str
    label: str
    required: bool  # by the template for the account's tier (what gates the stage)
    done_at: datetime | None  # UTC; None: not done
    done_by: str | None  # user id
    done_by_name: str | None  # the user's name, when the cache knows the user
    in_template: bool = True  # False: a stored item the tier's template no longer lists

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class StageMove:
    id: str
    from_stage: Stage | None  # None: the account's first stage
    to_stage: Stage
    changed_at: datetime
    changed_by: str | None
    changed_by_name: str | None


def _stored_rows(
    conn: sqlite3.Connection, account_id: str, stage: Stage
) -> dict[str, tuple[Any, ...]]:
    rows = conn.execute(
        """SELECT c.item_key, c.label, c.required, c.done_at, c.done_by, u.name, c.id
           FROM checklist_items c LEFT JOIN users u ON u.id = c.done_by
           WHERE c.account_id = ? AND c.stage = ?
           ORDER BY c.rowid""",
        (account_id, stage.value),
    ).fetchall()
    return {row[0]: tuple(row) for row in rows}


def load_checklist(
    conn: sqlite3.Connection, account_id: str, tier: Tier | str, stage: Stage | str
) -> list[ChecklistEntry]:
    """The checklist of `stage` for an account of `tier`: the template's items (required
    first), each with who ticked it and when; then any stored item the template does not
    list (kept as history, never required)."""
    tier, stage = Tier(tier), Stage(stage)
    stored = _stored_rows(conn, account_id, stage)
    entries = []
    for item in checklist_template(stage, tier):
        row = stored.pop(item.key, None)
        done_at = None if row is None else from_db(row[3])
        entries.append(
            ChecklistEntry(
                item.key,
                item.label,
                item.required,
                done_at,
                None if row is None or done_at is None else row[4],
                None if row is None or done_at is None else row[5],
            )
        )
    for key, label, _required, done_at, done_by, name, _id in stored.values():
        entries.append(
            ChecklistEntry(
                key,
                label,
                False,
                from_db(done_at),
                done_by if done_at else None,
                name if done_at else None,
                in_template=False,
            )
        )
    return entries


def _account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, tier, stage, version, activated_on FROM accounts "
        "WHERE id = ? AND deleted_at IS NULL",
        (account_id,),
    ).fetchone()
    if row is None:
        raise ChecklistError(Message.of(N_("no account {id} in the cache"), id=repr(account_id)))
    return row


def set_item_done(
    conn: sqlite3.Connection,
    account_id: str,
    stage: Stage | str,
    item_key: str,
    done: bool,
    by_user_id: str | None,
    now: datetime,
) -> ChecklistEntry:
    """Tick (`done=True`: records who and when) or untick (clears both) one item.

    Ticking a ticked item or unticking an open one changes nothing and queues nothing.
    An item the account's tier template does not list, and that has no stored row, is a
    `ChecklistError`. Returns the item as it now is.
    """
    stage = Stage(stage)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with write_transaction(conn):
        account = _account(conn, account_id)
        tier = Tier(account["tier"])
        template = {item.key: item for item in checklist_template(stage, tier)}
        row = conn.execute(
            "SELECT id, label, required, done_at, done_by FROM checklist_items "
            "WHERE account_id = ? AND stage = ? AND item_key = ?",
            (account_id, stage.value, item_key),
        ).fetchone()
        done_at = now.astimezone(UTC) if done else None
        done_by = by_user_id if done else None
        if row is None:
            item = template.get(item_key)
            if item is None:
                raise ChecklistError(
                    Message.of(
                        N_("{stage} has no checklist item {item} for {tier} accounts"),
                        stage=Message.of(stage.label),
                        item=repr(item_key),
                        tier=Message.of(tier.label),
                    )
                )
            item_id = checklist_item_id(account_id, stage.value, item_key)
            if done:
                fields = {
                    "account_id": account_id,
                    "stage": stage.value,
                    "item_key": item_key,
                    "label": item.label,
                    "required": item.required,
                    "done_at": done_at,
                    "done_by": done_by,
                }
                conn.execute(
                    INSERT["checklist_items"],
                    (
                        item_id,
                        account_id,
                        stage.value,
                        item_key,
                        item.label,
                        int(item.required),
                        to_db(now),
                        done_by,
                        to_db(now),
                    ),
                )
                outbox.enqueue(conn, KIND_CHECKLIST_ITEM, OP_UPSERT, item_id, fields, now=now)
        elif (row["done_at"] is not None) != done:
            conn.execute(
                "UPDATE checklist_items SET done_at = ?, done_by = ?, updated_at = ? WHERE id = ?",
                (None if done_at is None else to_db(done_at), done_by, to_db(now), row["id"]),
            )
            outbox.enqueue(
                conn,
                KIND_CHECKLIST_ITEM,
                OP_UPSERT,
                row["id"],
                {"done_at": done_at, "done_by": done_by},
                now=now,
            )
    for entry in load_checklist(conn, account_id, tier, stage):
        if entry.key == item_key:
            return entry
    raise AssertionError("unreachable: the item was found above")  # pragma: no cover


def _done_keys(conn: sqlite3.Connection, account_id: str, stage: Stage) -> set[str]:
    return {
        key
        for (key,) in conn.execute(
            "SELECT item_key FROM checklist_items "
            "WHERE account_id = ? AND stage = ? AND done_at IS NOT NULL",
            (account_id, stage.value),
        )
    }


def stage_gate_of(conn: sqlite3.Connection, account_id: str) -> StageGate:
    """May the account leave its current stage now? (No writes.)"""
    account = _account(conn, account_id)
    stage = Stage(account["stage"])
    return stage_gate(stage, Tier(account["tier"]), _done_keys(conn, account_id, stage))


def advance_stage(
    conn: sqlite3.Connection, account_id: str, by_user_id: str | None, now: datetime
) -> StageGate:
    """Move the account to its next stage, if the required items of this one are done.

    Refused — nothing written, the returned gate's `missing_required` lists what is left
    (or `target` is None at the last stage) — until they are. On success, in one
    transaction: a `stage_changes` row, the account's `stage` (and `activated_on`, today
    in UTC, when it leaves Activation without one), the next stage's checklist rows from
    the template, and their outbox entries. Returns the gate that let it through.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with write_transaction(conn):
        return _advance(conn, account_id, by_user_id, now)


def _advance(
    conn: sqlite3.Connection, account_id: str, by_user_id: str | None, now: datetime
) -> StageGate:
    account = _account(conn, account_id)
    stage, tier = Stage(account["stage"]), Tier(account["tier"])
    gate = stage_gate(stage, tier, _done_keys(conn, account_id, stage))
    if not gate.can_advance or gate.target is None:
        return gate
    target = gate.target
    move_id = new_id()
    conn.execute(
        INSERT["stage_changes"],
        (move_id, account_id, stage.value, target.value, to_db(now), by_user_id),
    )
    outbox.enqueue(
        conn,
        KIND_STAGE_CHANGE,
        OP_UPSERT,
        move_id,
        {
            "account_id": account_id,
            "from_stage": stage.value,
            "to_stage": target.value,
            "changed_at": now,
            "changed_by": by_user_id,
        },
        now=now,
    )
    account_fields: dict[str, str | date] = {"stage": target.value}
    if stage is Stage.ACTIVATION and account["activated_on"] is None:
        account_fields["activated_on"] = now.astimezone(UTC).date()
    assignments = ", ".join(f"{name} = ?" for name in account_fields)
    values = [date_to_db(v) if isinstance(v, date) else v for v in account_fields.values()]
    conn.execute(
        f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
        (*values, to_db(now), account_id),
    )
    outbox.enqueue(
        conn,
        KIND_ACCOUNT,
        OP_UPSERT,
        account_id,
        account_fields,
        now=now,
        base_version=account["version"],
    )
    for item in checklist_template(target, tier):
        item_id = checklist_item_id(account_id, target.value, item.key)
        created = conn.execute(
            INSERT["checklist_items"] + " ON CONFLICT (account_id, stage, item_key) DO NOTHING",
            (
                item_id,
                account_id,
                target.value,
                item.key,
                item.label,
                int(item.required),
                None,
                None,
                to_db(now),
            ),
        ).rowcount
        if created:
            outbox.enqueue(
                conn,
                KIND_CHECKLIST_ITEM,
                OP_UPSERT,
                item_id,
                {
                    "account_id": account_id,
                    "stage": target.value,
                    "item_key": item.key,
                    "label": item.label,
                    "required": item.required,
                    "done_at": None,
                    "done_by": None,
                },
                now=now,
            )
    return gate


def stage_history(conn: sqlite3.Connection, account_id: str) -> list[StageMove]:
    """Every recorded move of the account between stages, oldest first."""
    rows = conn.execute(
        """SELECT s.id, s.from_stage, s.to_stage, s.changed_at, s.changed_by, u.name
           FROM stage_changes s LEFT JOIN users u ON u.id = s.changed_by
           WHERE s.account_id = ? ORDER BY s.changed_at, s.id""",
        (account_id,),
    ).fetchall()
    return [
        StageMove(
            row[0],
            None if row[1] is None else Stage(row[1]),
            Stage(row[2]),
            from_db(row[3]),
            row[4],
            row[5],
        )
        for row in rows
    ]
