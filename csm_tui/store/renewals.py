"""Renewal decisions and tier overrides: local writes, each one transaction with its
outbox entries (domain.renewals, domain.tiers).

`record_decision` writes, together: the decision (`renewal_decisions`), the ARR event of
the same day (renewal / churn / new), the account's ARR, stage and renewal date through
the guarded account fields (pushed with the version last seen), and a stage change when
the stage moves. A churned account keeps its tier; a renewal or win-back re-tiers it from
its new ARR (an override still wins).

`set_tier_override` writes the override on the account and a `tier_overrides` row (the
tier history the metrics read to group accounts by the tier they had on a past day).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from csm_tui.domain.errors import Refusal
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import CENT, ArrEventKind
from csm_tui.domain.renewals import (
    RenewalDecision,
    RenewalDraft,
    RenewalOutcome,
    decide,
    direction_of,
)
from csm_tui.domain.tiers import AccountTraits, OverrideReason, Tier, TierOverride, TierRules
from csm_tui.i18n import N_, Message
from csm_tui.protocol import (
    KIND_ACCOUNT,
    KIND_ARR_EVENT,
    KIND_RENEWAL_DECISION,
    KIND_STAGE_CHANGE,
    KIND_TIER_OVERRIDE,
    OP_UPSERT,
)
from csm_tui.store import outbox
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_from_db, date_to_db, to_db
from csm_tui.store.transaction import write_transaction


class RenewalRefused(Refusal, LookupError):
    """The account is not there."""


@dataclass(frozen=True)
class RecordedDecision:
    id: str
    account_id: str
    account_name: str
    currency: str
    decision: RenewalDecision
    stage_before: str
    tier: str


@dataclass(frozen=True)
class DecisionRow:
    """A decision as the cache holds it (the account's history)."""

    id: str
    decided_on: date
    outcome: str
    direction: str
    arr_before: float
    arr_after: float
    currency: str
    term_end: date | None
    reason: str


def _account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, name, currency, arr, arr_usd, stage, tier, tier_override, "
        "tier_override_reason, tier_override_note, renewal_date, created_at, version, "
        "seats, industry, is_reference "
        "FROM accounts WHERE id = ? AND deleted_at IS NULL",
        (account_id,),
    ).fetchone()
    if row is None:
        raise RenewalRefused(Message.of(N_("that account is no longer in the cache")))
    return row


def _override(row: sqlite3.Row) -> TierOverride | None:
    if not row["tier_override"]:
        return None
    try:
        reason = OverrideReason(row["tier_override_reason"] or "other")
    except ValueError:
        reason = OverrideReason.OTHER
    return TierOverride(Tier(row["tier_override"]), reason, row["tier_override_note"] or "")


def _traits(row: sqlite3.Row) -> AccountTraits:
    return AccountTraits(int(row["seats"] or 0), row["industry"] or "", bool(row["is_reference"]))


def _arr_in_force(conn: sqlite3.Connection, row: sqlite3.Row, day: date) -> float | None:
    """The USD ARR the history says was in force on `day` (None: no history at all)."""
    last = conn.execute(
        "SELECT round(total(arr_after_usd - arr_before_usd), 2), count(*) FROM arr_events "
        "WHERE account_id = ? AND effective_on <= ?",
        (row["id"], date_to_db(day)),
    ).fetchone()
    return None if last[1] == 0 else float(last[0])


def _add_arr_event(
    conn: sqlite3.Connection,
    account_id: str,
    effective_on: date,
    kind: ArrEventKind,
    before: float,
    after: float,
    now: datetime,
) -> None:
    event_id = new_id()
    conn.execute(
        INSERT["arr_events"],
        (event_id, account_id, date_to_db(effective_on), kind.value, before, after, to_db(now)),
    )
    outbox.enqueue(conn, KIND_ARR_EVENT, OP_UPSERT, event_id, {
        "account_id": account_id, "effective_on": effective_on, "kind": kind.value,
        "arr_before_usd": before, "arr_after_usd": after, "created_at": now,
    }, now=now)  # fmt: skip


def record_decision(
    conn: sqlite3.Connection,
    account_id: str,
    draft: RenewalDraft,
    rules: TierRules,
    *,
    author_id: str | None,
    now: datetime,
) -> RecordedDecision:
    """Validate `draft` against the account (raises `domain.renewals.RenewalInvalid`) and
    write it with all its effects in one transaction (see the module doc)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with write_transaction(conn):
        row = _account(conn, account_id)
        stage = Stage(row["stage"])
        decision = decide(draft, float(row["arr"]), stage)
        return _write_decision(conn, row, decision, rules, author_id, now)


def _write_decision(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    decision: RenewalDecision,
    rules: TierRules,
    author_id: str | None,
    now: datetime,
) -> RecordedDecision:
    account_id, currency = row["id"], row["currency"]
    day = decision.decided_on
    decision_id = new_id()
    fields = {
        "account_id": account_id, "decided_on": day, "outcome": decision.outcome.value,
        "direction": decision.direction.value, "arr_before": decision.arr_before,
        "arr_after": decision.arr_after, "currency": currency, "term_end": decision.term_end,
        "reason": decision.reason, "author_id": author_id, "created_at": now,
    }  # fmt: skip
    conn.execute(
        "INSERT INTO renewal_decisions (id, account_id, decided_on, outcome, direction, "
        "arr_before, arr_after, currency, term_end, reason, author_id, created_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        (decision_id, account_id, date_to_db(day), decision.outcome.value,
         decision.direction.value, decision.arr_before, decision.arr_after, currency,
         None if decision.term_end is None else date_to_db(decision.term_end),
         decision.reason, author_id, to_db(now)),
    )  # fmt: skip
    outbox.enqueue(conn, KIND_RENEWAL_DECISION, OP_UPSERT, decision_id, fields, now=now)

    # The ARR history: what was in force on the day (from the events; an account whose
    # ARR predates the history gets its start first, as an import does).
    # The event at the rate in force on its own day; the account's ARR today at today's.
    from csm_tui.store.rates import rules_on

    event_usd = rules_on(conn, rules, day).to_usd(decision.arr_after, currency)
    rules = rules_on(conn, rules, now.date())
    after_usd = rules.to_usd(decision.arr_after, currency)
    in_force = _arr_in_force(conn, row, day)
    if in_force is None:
        before_usd = float(row["arr_usd"])
        if before_usd >= CENT:
            created = row["created_at"]
            since = min(date.fromisoformat(created[:10]), day) if created else day
            _add_arr_event(conn, account_id, since, ArrEventKind.NEW, 0.0, before_usd, now)
    else:
        before_usd = in_force
    _add_arr_event(conn, account_id, day, decision.arr_event_kind, before_usd, event_usd, now)

    # The account: guarded fields (ARR, stage, renewal date) with the version last seen.
    target = decision.stage_after
    account_fields: dict[str, object] = {"arr": decision.arr_after, "arr_usd": after_usd}
    if target.value != row["stage"]:
        account_fields["stage"] = target.value
    if decision.term_end is not None:
        account_fields["renewal_date"] = decision.term_end
    tier = row["tier"]
    if decision.outcome.value != "churned":  # a churned account keeps the tier it had
        assigned = rules.assign(after_usd, _override(row), _traits(row)).tier
        tier = assigned.value
        if tier != row["tier"]:
            account_fields.update(tier=tier, tier_rank=assigned.rank)
    stored = {k: date_to_db(v) if isinstance(v, date) else v for k, v in account_fields.items()}
    assignments = ", ".join(f"{k} = ?" for k in stored)
    conn.execute(
        f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
        (*stored.values(), to_db(now), account_id),
    )
    outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, account_id, account_fields, now=now,
                   base_version=row["version"])  # fmt: skip
    if "stage" in account_fields:
        move_id = new_id()
        conn.execute(
            INSERT["stage_changes"],
            (move_id, account_id, row["stage"], target.value, to_db(now), author_id),
        )
        outbox.enqueue(conn, KIND_STAGE_CHANGE, OP_UPSERT, move_id, {
            "account_id": account_id, "from_stage": row["stage"], "to_stage": target.value,
            "changed_at": now, "changed_by": author_id,
        }, now=now)  # fmt: skip
    return RecordedDecision(decision_id, account_id, row["name"], currency, decision,
                            row["stage"], tier)  # fmt: skip


def apply_churn(
    conn: sqlite3.Connection,
    account_id: str,
    reason: str,
    rules: TierRules,
    *,
    author_id: str | None,
    now: datetime,
    today: date,
) -> RecordedDecision:
    """A churn decision inside the caller's transaction, whatever the stage says (an
    import of a CRM's "closed lost" row, whose stage may already read Churned): ARR to 0
    with the ARR before kept in the decision."""
    row = _account(conn, account_id)
    arr = float(row["arr"])
    decision = RenewalDecision(
        outcome=RenewalOutcome.CHURNED,
        direction=direction_of(arr, 0.0),
        decided_on=today,
        arr_before=arr,
        arr_after=0.0,
        term_end=None,
        reason=reason,
    )
    return _write_decision(conn, row, decision, rules, author_id, now)


def apply_win_back(
    conn: sqlite3.Connection,
    account_id: str,
    arr: float,
    term_end: date | None,
    reason: str,
    rules: TierRules,
    *,
    author_id: str | None,
    now: datetime,
    today: date,
) -> RecordedDecision:
    """A win-back inside the caller's transaction (an import that finds a churned account
    with ARR again): the new ARR, stage Adoption, the term end when the row gives one."""
    row = _account(conn, account_id)
    decision = RenewalDecision(
        outcome=RenewalOutcome.WIN_BACK,
        direction=direction_of(float(row["arr"]), arr),
        decided_on=today,
        arr_before=float(row["arr"]),
        arr_after=arr,
        term_end=term_end,
        reason=reason,
    )
    return _write_decision(conn, row, decision, rules, author_id, now)


def decisions_of(conn: sqlite3.Connection, account_id: str) -> list[DecisionRow]:
    """The account's decisions, newest first."""
    rows = conn.execute(
        "SELECT id, decided_on, outcome, direction, arr_before, arr_after, currency, "
        "term_end, reason FROM renewal_decisions WHERE account_id = ? "
        "ORDER BY decided_on DESC, created_at DESC",
        (account_id,),
    ).fetchall()
    return [
        DecisionRow(
            r[0],
            date_from_db(r[1]),
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            date_from_db(r[7]) if r[7] else None,
            r[8],
        )
        for r in rows
    ]


# ------------------------------------------------------------------------ tier overrides


class TierOverrideInvalid(Refusal, ValueError):
    pass


@dataclass(frozen=True)
class OverrideSet:
    account_id: str
    account_name: str
    tier_before: str
    tier: str
    by_arr: str
    cleared: bool


def set_tier_override(
    conn: sqlite3.Connection,
    account_id: str,
    tier: Tier | None,
    reason: OverrideReason | None,
    note: str,
    rules: TierRules,
    *,
    author_id: str | None,
    now: datetime,
    today: date,
) -> OverrideSet:
    """Place the account in `tier` whatever its ARR says (a reason is required), or clear
    the override (`tier` None: the ARR band rules again). One transaction: the account's
    tier fields, a `tier_overrides` row from `today`, and their outbox entries."""
    note = note.strip()
    if tier is not None and reason is None:
        raise TierOverrideInvalid(
            Message.of(N_("a tier override needs a reason (flagship, influence, "
                          "seats, potential, other)"))
        )  # fmt: skip
    if tier is not None and reason is OverrideReason.OTHER and not note:
        raise TierOverrideInvalid(
            Message.of(N_('say why with --reason "..." (the reason "other" needs words)'))
        )
    with write_transaction(conn):
        return apply_tier_override(conn, account_id, tier, reason, note, rules,
                                   author_id=author_id, now=now, today=today)  # fmt: skip


def apply_tier_override(
    conn: sqlite3.Connection,
    account_id: str,
    tier: Tier | None,
    reason: OverrideReason | None,
    note: str,
    rules: TierRules,
    *,
    author_id: str | None,
    now: datetime,
    today: date,
) -> OverrideSet:
    """`set_tier_override` inside the caller's transaction (an import)."""
    row = _account(conn, account_id)
    # (reason: an import requires one with a tier; see store/importer.py's module doc)
    override = None if tier is None else TierOverride(tier, reason, note)  # type: ignore[arg-type]
    assigned = rules.assign(float(row["arr_usd"]), override, _traits(row))
    fields: dict[str, object] = {
        "tier_override": None if tier is None else tier.value,
        "tier_override_reason": None if reason is None or tier is None else reason.value,
        "tier_override_note": note if tier is not None else "",
        "tier": assigned.tier.value,
        "tier_rank": assigned.tier.rank,
    }
    assignments = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(
        f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
        (*fields.values(), to_db(now), account_id),
    )
    outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, account_id, fields, now=now,
                   base_version=row["version"])  # fmt: skip
    change_id = new_id()
    values = {
        "account_id": account_id, "set_on": today,
        "tier": None if tier is None else tier.value,
        "reason": "" if reason is None or tier is None else reason.value,
        "note": fields["tier_override_note"], "author_id": author_id, "created_at": now,
    }  # fmt: skip
    conn.execute(
        "INSERT INTO tier_overrides (id, account_id, set_on, tier, reason, note, author_id, "
        "created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        (change_id, account_id, date_to_db(today), values["tier"], values["reason"],
         values["note"], author_id, to_db(now)),
    )  # fmt: skip
    outbox.enqueue(conn, KIND_TIER_OVERRIDE, OP_UPSERT, change_id, values, now=now)
    return OverrideSet(account_id, row["name"], row["tier"], assigned.tier.value,
                       assigned.by_arr.value, tier is None)  # fmt: skip


def set_reference(
    conn: sqlite3.Connection,
    account_id: str,
    is_reference: bool,
    rules: TierRules,
    *,
    now: datetime,
) -> OverrideSet:
    """Mark the account a reference / flagship customer (or not) and re-tier it: the
    rules' `reference` criterion may lift it (an override still decides). One
    transaction with its outbox entry."""
    with write_transaction(conn):
        row = _account(conn, account_id)
        traits = AccountTraits(int(row["seats"] or 0), row["industry"] or "", is_reference)
        assigned = rules.assign(float(row["arr_usd"]), _override(row), traits)
        fields: dict[str, object] = {"is_reference": is_reference}
        if assigned.tier.value != row["tier"]:
            fields.update(tier=assigned.tier.value, tier_rank=assigned.tier.rank)
        assignments = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(
            f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
            (*fields.values(), to_db(now), account_id),
        )
        outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, account_id, fields, now=now,
                       base_version=row["version"])  # fmt: skip
        return OverrideSet(account_id, row["name"], row["tier"], assigned.tier.value,
                           assigned.by_arr.value, row["tier_override"] is None)  # fmt: skip
