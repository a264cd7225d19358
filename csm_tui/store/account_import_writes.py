"""Planned account changes written: accounts inserted and updated with their outbox
entries, stage changes, ARR history events, and the contract decisions (tier overrides,
win-backs, churns) through `store.renewals`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from csm_tui.domain.metrics import CENT, ArrEventKind
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.protocol import KIND_ACCOUNT, KIND_ARR_EVENT, KIND_STAGE_CHANGE, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.account_import import AccountPlan
from csm_tui.store.cache import META_ME, get_meta
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_to_db, to_db


def write_contract(
    conn: sqlite3.Connection, plans: Sequence[AccountPlan], rules: TierRules, now: datetime
) -> int:
    """Tier overrides, then churn decisions, of the written plans; returns outbox entries."""
    from csm_tui.store.renewals import apply_churn, apply_tier_override, apply_win_back

    me = get_meta(conn, META_ME)
    before: int = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    for plan in plans:
        assert plan.account_id is not None
        if plan.override is not None:
            tier, reason, note = plan.override
            apply_tier_override(
                conn, plan.account_id, None if tier is None else Tier(tier),
                OverrideReason(reason) if reason else None, note, rules,
                author_id=me, now=now, today=now.date(),
            )  # fmt: skip
        if plan.win_back is not None:
            arr, term_end = plan.win_back
            apply_win_back(conn, plan.account_id, arr, term_end, "imported: ARR again in the CRM",
                           rules, author_id=me, now=now, today=now.date())  # fmt: skip
        if plan.churn_reason is not None:
            apply_churn(conn, plan.account_id, plan.churn_reason, rules, author_id=me,
                        now=now, today=now.date())  # fmt: skip
    after: int = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    return after - before


def write_accounts(
    conn: sqlite3.Connection, plans: Sequence[AccountPlan], now: datetime
) -> tuple[list[str], int]:
    """Insert and update; returns the new accounts' ids (in plan order) and outbox count."""
    me = get_meta(conn, META_ME)
    stamp = to_db(now)
    entries = 0
    created: list[str] = []
    inserts = []
    for plan in plans:
        if not plan.new:
            continue
        plan.account_id = new_id()
        created.append(plan.account_id)
        v = plan.values
        inserts.append(
            (
                plan.account_id,
                v["name"],
                v["external_id"],
                v["currency"],
                v["arr"],
                v["arr_usd"],
                v["tier"],
                v["tier_rank"],
                v["sales_motion"],
                v["stage"],
                v["segment"],
                v["industry"],
                v["seats"],
                None if v["go_live_date"] is None else date_to_db(v["go_live_date"]),
                None if v["renewal_date"] is None else date_to_db(v["renewal_date"]),
                v["owner_id"],
                stamp,
                stamp,
                int(v["is_reference"]),
            )
        )
    conn.executemany(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "tier_override_note, sales_motion, stage, segment, industry, seats, go_live_date, "
        "renewal_date, owner_id, created_at, updated_at, version, is_reference) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        inserts,
    )
    for plan in plans:
        assert plan.account_id is not None
        if plan.new or not plan.values:
            continue
        v = plan.values
        stored = {k: date_to_db(x) if isinstance(x, date) else x for k, x in v.items()}
        assignments = ", ".join(f"{k} = ?" for k in stored)
        conn.execute(
            f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
            (*stored.values(), stamp, plan.account_id),
        )
    for plan in plans:
        aid = plan.account_id
        assert aid is not None
        if plan.new:
            fields = {k: v for k, v in plan.values.items() if k != "owner_id"}
            owner = plan.values["owner_id"]
            if owner is not None and owner == me:
                fields["owner_id"] = owner
            fields["created_at"] = now
            outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, aid, fields, now=now)
            entries += 1
            if owner is not None and owner != me:
                # The server makes the pusher the owner of a new account: hand it over after.
                outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, aid, {"owner_id": owner}, now=now)
                entries += 1
            continue
        if not plan.values:  # only a churn or a tier override (written after)
            continue
        outbox.enqueue(
            conn, KIND_ACCOUNT, OP_UPSERT, aid, plan.values, now=now, base_version=plan.base_version
        )
        entries += 1
        if plan.stage_from is not None:
            move_id = new_id()
            conn.execute(
                INSERT["stage_changes"],
                (move_id, aid, plan.stage_from, plan.values["stage"], stamp, me),
            )
            outbox.enqueue(
                conn,
                KIND_STAGE_CHANGE,
                OP_UPSERT,
                move_id,
                {
                    "account_id": aid,
                    "from_stage": plan.stage_from,
                    "to_stage": plan.values["stage"],
                    "changed_at": now,
                    "changed_by": me,
                },
                now=now,
            )
            entries += 1
    entries += _write_arr_events(conn, plans, now)
    return created, entries


def _write_arr_events(conn: sqlite3.Connection, plans: Sequence[AccountPlan], now: datetime) -> int:
    """The ARR changes of `plans` into the ARR history, each with its outbox entry."""
    entries = 0
    today = now.date()
    for plan in plans:
        aid = plan.account_id
        assert aid is not None
        if plan.new:
            after = plan.values["arr_usd"]
            changes = [(today, ArrEventKind.NEW, 0.0, after)] if after > 0 else []
        elif plan.arr_usd_from is not None:
            after = plan.values["arr_usd"]
            changes = _arr_changes(conn, aid, plan.arr_usd_from, after, today)
        else:
            continue
        for effective_on, kind, before, after in changes:
            event_id = new_id()
            conn.execute(
                INSERT["arr_events"],
                (event_id, aid, date_to_db(effective_on), kind.value, before, after, to_db(now)),
            )
            fields = {
                "account_id": aid,
                "effective_on": effective_on,
                "kind": kind.value,
                "arr_before_usd": before,
                "arr_after_usd": after,
                "created_at": now,
            }
            outbox.enqueue(conn, KIND_ARR_EVENT, OP_UPSERT, event_id, fields, now=now)
            entries += 1
    return entries


def _arr_changes(
    conn: sqlite3.Connection, account_id: str, old: float, new: float, today: date
) -> list[tuple[date, ArrEventKind, float, float]]:
    """Events taking an existing account's history from its ARR in force today (the
    last event effective by today; changes signed for later stay as signed) to `new`."""
    last = conn.execute(
        "SELECT arr_after_usd FROM arr_events WHERE account_id = ? AND effective_on <= ? "
        "ORDER BY effective_on DESC, created_at DESC, id DESC LIMIT 1",
        (account_id, date_to_db(today)),
    ).fetchone()
    changes: list[tuple[date, ArrEventKind, float, float]] = []
    if last is not None:
        before = last[0]
    elif old > 0:  # ARR from before the history was kept: its start first
        created = conn.execute(
            "SELECT created_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        since = min(date.fromisoformat(created[:10]), today) if created else today
        changes.append((since, ArrEventKind.NEW, 0.0, old))
        before = old
    else:
        before = 0.0
    if abs(new - before) >= CENT:
        kind = ArrEventKind.EXPANSION if new > before else ArrEventKind.CONTRACTION
        if before < CENT:
            kind = ArrEventKind.NEW
        changes.append((today, kind, before, new))
    return changes
