"""Recompute health from the signals in the cache: every account's (or some accounts')
score into `accounts.health_score`, and one snapshot per account per day.

An account with raw signal records (usage weeks, tickets, survey answers, invoices) is
scored from them (`domain.signals.derive_signals`): the aggregated `account_signals`
row, if any, then only lends its CSM pulse. An account with only the aggregated row is
scored from it as before; one with neither keeps what it has.

Writes are local: the score is derived from records every cache holds alike, so it is
not queued for sync (the activity log still pushes the score it sets when a touch is
logged). A day's snapshot is replaced when health is recomputed again the same day, so
there is one per account per day.

`raw_health_signals` is the one-account read path (the account screen).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.health import Component, HealthScore, HealthSignals, score_health
from csm_tui.domain.motion import ActivityStandard, SalesMotion, standard_for
from csm_tui.domain.signals import (
    SUPPORT_DAYS,
    SURVEY_DAYS,
    TREND_WEEKS,
    InvoiceRecord,
    SurveyRecord,
    TicketRecord,
    UsageWeekRecord,
    derive_signals,
    usage_window,
)
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.health_inputs import health_signals
from csm_tui.store.ids import new_id
from csm_tui.store.timestamps import date_to_db, from_db, to_db
from csm_tui.store.transaction import write_transaction

INVOICE_DAYS = 365  # paid invoices older than this do not matter (unpaid ones always do)
_CHUNK = 500

_USAGE = (
    "account_id, week_start, active_users, seats, opportunities, leads, public_pool, "
    "contacts, messages, sessions, session_minutes, source"
)
_TICKET = "account_id, opened_at, closed_at, priority, first_response_minutes, source"
_SURVEY = "account_id, contact_email, kind, score, responded_on, source"
_INVOICE = "account_id, issued_on, due_on, paid_on, source"


def _usage(row: Sequence[Any]) -> UsageWeekRecord:
    return UsageWeekRecord(date.fromisoformat(row[1]), *row[2:])


def _ticket(row: Sequence[Any]) -> TicketRecord:
    return TicketRecord(from_db(row[1]), from_db(row[2]), row[3], row[4], row[5])  # type: ignore[arg-type]


def _survey(row: Sequence[Any]) -> SurveyRecord:
    return SurveyRecord(row[1], row[2], row[3], date.fromisoformat(row[4]), row[5])


def _invoice(row: Sequence[Any]) -> InvoiceRecord:
    paid = None if row[3] is None else date.fromisoformat(row[3])
    return InvoiceRecord(date.fromisoformat(row[1]), date.fromisoformat(row[2]), paid, row[4])


class _Raw:
    """Each account's raw records that matter today, read in a few passes."""

    def __init__(self) -> None:
        self.usage: dict[str, list[UsageWeekRecord]] = {}
        self.tickets: dict[str, list[TicketRecord]] = {}
        self.surveys: dict[str, list[SurveyRecord]] = {}
        self.invoices: dict[str, list[InvoiceRecord]] = {}

    def has_any(self, aid: str) -> bool:
        return (
            aid in self.usage
            or aid in self.tickets
            or aid in self.surveys
            or (aid in self.invoices)
        )


def _where_ids(ids: Sequence[str] | None) -> Iterator[tuple[str, list[str]]]:
    """SQL `AND account_id IN (…)` clauses over `ids` in chunks (one empty one: all)."""
    if ids is None:
        yield "", []
        return
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        yield f" AND account_id IN ({', '.join('?' * len(chunk))})", chunk


def _read_raw(conn: sqlite3.Connection, now: datetime, ids: Sequence[str] | None) -> _Raw:
    today = now.date()
    raw = _Raw()
    first, last = usage_window(today)
    since = date_to_db(first - timedelta(days=7 * TREND_WEEKS))
    stamp = to_db(now)
    ticket_since = to_db(now - timedelta(days=SUPPORT_DAYS))
    survey_since = date_to_db(today - timedelta(days=SURVEY_DAYS))
    invoice_since = date_to_db(today - timedelta(days=INVOICE_DAYS))
    day = date_to_db(today)
    for clause, params in _where_ids(ids):
        for row in conn.execute(
            f"SELECT {_USAGE} FROM usage_weeks WHERE week_start >= ? AND week_start <= ?{clause}",
            [since, date_to_db(last), *params],
        ):
            raw.usage.setdefault(row[0], []).append(_usage(row))
        for row in conn.execute(
            f"SELECT {_TICKET} FROM support_tickets WHERE (closed_at IS NULL OR closed_at > ? "
            f"OR opened_at >= ?){clause}",
            [stamp, ticket_since, *params],
        ):
            raw.tickets.setdefault(row[0], []).append(_ticket(row))
        for row in conn.execute(
            f"SELECT {_SURVEY} FROM survey_responses WHERE responded_on >= ?{clause}",
            [survey_since, *params],
        ):
            raw.surveys.setdefault(row[0], []).append(_survey(row))
        for row in conn.execute(
            f"SELECT {_INVOICE} FROM invoices WHERE (paid_on IS NULL OR paid_on > ? "
            f"OR issued_on >= ?){clause}",
            [day, invoice_since, *params],
        ):
            raw.invoices.setdefault(row[0], []).append(_invoice(row))
    return raw


def _latest_outside(conn: sqlite3.Connection, raw: _Raw, account_ids: Iterable[str]) -> None:
    """For accounts with records only outside the windows, their latest record: it tells
    "no use lately" from "no data", and dates the source (it adds nothing to the sums)."""
    wanted = [a for a in account_ids if a not in raw.usage]
    for aid in wanted:
        row = conn.execute(
            f"SELECT {_USAGE} FROM usage_weeks WHERE account_id = ? "
            "ORDER BY week_start DESC LIMIT 1",
            (aid,),
        ).fetchone()
        if row is not None:
            raw.usage[aid] = [_usage(row)]
    for aid in [a for a in account_ids if a not in raw.tickets]:
        row = conn.execute(
            f"SELECT {_TICKET} FROM support_tickets WHERE account_id = ? "
            "ORDER BY opened_at DESC LIMIT 1",
            (aid,),
        ).fetchone()
        if row is not None:
            raw.tickets[aid] = [_ticket(row)]
    for aid in [a for a in account_ids if a not in raw.invoices]:
        row = conn.execute(
            f"SELECT {_INVOICE} FROM invoices WHERE account_id = ? ORDER BY issued_on DESC LIMIT 1",
            (aid,),
        ).fetchone()
        if row is not None:
            raw.invoices[aid] = [_invoice(row)]


def _has_raw_tables(conn: sqlite3.Connection) -> bool:
    return any(
        conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None
        for t in ("usage_weeks", "support_tickets", "survey_responses", "invoices")
    )


def signals_from_raw(
    raw: _Raw, account: Mapping[str, Any], now: datetime, rules: TierRules, pulse: int | None
) -> HealthSignals:
    aid = account["id"]
    tier = Tier(account["tier"])
    last = account["last_touch_at"]
    if isinstance(last, str):
        last = from_db(last)
    touch = touch_status(tier, last, now, rules)
    return derive_signals(
        today=now.date(),
        now=now,
        account_seats=account["seats"],
        usage=raw.usage.get(aid, ()),
        tickets=raw.tickets.get(aid, ()),
        surveys=raw.surveys.get(aid, ()),
        invoices=raw.invoices.get(aid, ()),
        days_since_touch=touch.days_since,
        cadence_days=touch.cadence_days,
        last_touch_on=None if last is None else last.date(),
        csm_pulse=pulse,
    )


def raw_health_signals(
    conn: sqlite3.Connection,
    account: Mapping[str, Any],
    now: datetime,
    rules: TierRules,
    pulse: int | None = None,
) -> HealthSignals | None:
    """One account's health inputs from its raw records; None when it has none."""
    aid = account["id"]
    raw = _read_raw(conn, now, [aid])
    _latest_outside(conn, raw, [aid])
    if not raw.has_any(aid):
        return None
    return signals_from_raw(raw, account, now, rules, pulse)


def legacy_sources(signals: HealthSignals, measured_on: date | None, last: Any) -> HealthSignals:
    """`signals` from the aggregated `account_signals` row, saying so per component."""
    from dataclasses import replace

    if isinstance(last, str):
        last = from_db(last)
    parts = [
        (c, "account signals", measured_on) for c in Component if c is not Component.ENGAGEMENT
    ]
    parts.append((Component.ENGAGEMENT, "activity log", None if last is None else last.date()))
    return replace(signals, provenance=tuple(parts))


def recompute_accounts(
    conn: sqlite3.Connection,
    now: datetime,
    account_ids: Iterable[str] | None = None,
    *,
    rules: TierRules | None = None,
    standards: Mapping[SalesMotion, ActivityStandard] | None = None,
    snapshot: bool = True,
) -> int:
    """Score the live accounts named (default: all) from their signals; store each score
    and today's snapshot. Returns how many accounts were scored."""
    rules = rules or TierRules()
    ids = None if account_ids is None else sorted(set(account_ids))
    today = now.date()
    with write_transaction(conn):
        accounts: list[sqlite3.Row] = []
        cols = "id, tier, seats, sales_motion, last_touch_at, health_score"
        for clause, params in _where_ids(ids):
            clause = clause.replace("account_id", "id")
            accounts.extend(
                conn.execute(
                    f"SELECT {cols} FROM accounts WHERE deleted_at IS NULL{clause}", params
                )
            )
        legacy: dict[str, sqlite3.Row] = {}
        for clause, params in _where_ids(ids):
            for row in conn.execute(f"SELECT * FROM account_signals WHERE 1{clause}", params):
                legacy[row["account_id"]] = row
        raw = _read_raw(conn, now, ids) if _has_raw_tables(conn) else _Raw()
        if _has_raw_tables(conn):
            _latest_outside(conn, raw, [a["id"] for a in accounts])
        scores: list[tuple[int, str]] = []
        snaps: list[tuple[str, str, str, int, str]] = []
        day = date_to_db(today)
        for account in accounts:
            aid = account["id"]
            old = legacy.get(aid)
            if raw.has_any(aid):
                pulse = None if old is None else old["csm_pulse"]
                signals = signals_from_raw(raw, account, now, rules, pulse)
            elif old is not None:
                signals = legacy_sources(
                    health_signals(account, old, now, rules),
                    date.fromisoformat(old["measured_on"]),
                    account["last_touch_at"],
                )
            else:
                continue
            motion = SalesMotion(account["sales_motion"])
            health = score_health(signals, Tier(account["tier"]), standard_for(motion, standards))
            if health.score != account["health_score"]:
                scores.append((health.score, aid))
            if snapshot:
                parts = json.dumps(
                    {c.component.value: c.points for c in health.components},
                    separators=(",", ":"),
                )
                snaps.append((new_id(), aid, day, health.score, parts))
        conn.executemany("UPDATE accounts SET health_score = ? WHERE id = ?", scores)
        if snaps:
            conn.executemany(
                "DELETE FROM health_snapshots WHERE account_id = ? AND taken_on = ?",
                [(s[1], day) for s in snaps],
            )
            conn.executemany(
                "INSERT INTO health_snapshots (id, account_id, taken_on, score, components) "
                "VALUES (?, ?, ?, ?, ?)",
                snaps,
            )
        return len(snaps) if snapshot else len(accounts)


def explained_health(
    conn: sqlite3.Connection,
    account_id: str,
    now: datetime,
    rules: TierRules | None = None,
    standards: Mapping[SalesMotion, ActivityStandard] | None = None,
) -> HealthScore | None:
    """The explained score of one account as the recompute would store it."""
    rules = rules or TierRules()
    account = conn.execute(
        "SELECT id, tier, seats, sales_motion, last_touch_at, health_score FROM accounts "
        "WHERE id = ?",
        (account_id,),
    ).fetchone()
    if account is None:
        return None
    old = conn.execute(
        "SELECT * FROM account_signals WHERE account_id = ?", (account_id,)
    ).fetchone()
    signals = raw_health_signals(
        conn, account, now, rules, None if old is None else old["csm_pulse"]
    )
    if signals is None:
        if old is None:
            return None
        signals = legacy_sources(
            health_signals(account, old, now, rules),
            date.fromisoformat(old["measured_on"]),
            account["last_touch_at"],
        )
    motion = SalesMotion(account["sales_motion"])
    return score_health(signals, Tier(account["tier"]), standard_for(motion, standards))


def recent_answers(
    conn: sqlite3.Connection, account_id: str, today: date, limit: int = 5
) -> list[sqlite3.Row]:
    """The account's latest survey answers up to `today` (newest first): responded_on,
    kind, score, contact_email, comment, source."""
    return conn.execute(
        "SELECT responded_on, kind, score, contact_email, comment, source FROM survey_responses "
        "WHERE account_id = ? AND responded_on <= ? ORDER BY responded_on DESC, id LIMIT ?",
        (account_id, date_to_db(today), limit),
    ).fetchall()
