"""Recompute health from the signals in the cache: every account's (or some accounts')
score into `accounts.health_score`, and one snapshot per account per day.

An account with raw signal records (usage weeks, tickets, survey answers, invoices) is
scored from them: SQL adds each kind up per account (`domain.signals.UsageTotals`,
`TicketTotals`, `InvoiceTotals`; survey answers are read as they are) and
`domain.signals.signals_from_totals` turns the totals into health inputs — the same sums
`domain.signals.derive_signals` makes record by record. The aggregated `account_signals`
row, if any, then only lends its CSM pulse. An account with only the aggregated row is
scored from it as before; one with neither keeps what it has.

Writes are local: the score is derived from records every cache holds alike, so it is
not queued for sync (the activity log still pushes the score it sets when a touch is
logged). A day's snapshot is replaced when health is recomputed again the same day.
History is kept sparse (issue 12: a daily recompute wrote 365 rows per account a year):
today's snapshot is written only when the score or a component's points differ from the
account's latest snapshot, or when that one is `SNAPSHOT_HEARTBEAT_DAYS` or more old —
so a steady account gets one a week, and the readers (the 90-day trend, "what changed"
against ±15 days around a month ago, the back-test's 45-day-fresh score) always find one.

`raw_health_signals` is the one-account read path (the account screen); it runs the same
queries for one account.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.health import (
    Component,
    HealthScore,
    HealthSignals,
    health_points,
    score_health,
)
from csm_tui.domain.motion import ActivityStandard, SalesMotion, standard_for
from csm_tui.domain.signals import (
    ENGAGEMENT_SOURCE,
    SUPPORT_DAYS,
    SURVEY_DAYS,
    TREND_WEEKS,
    InvoiceTotals,
    SurveyRecord,
    TicketTotals,
    UsageTotals,
    join_sources,
    signals_from_totals,
    usage_window,
)
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.health_inputs import health_signals
from csm_tui.store.ids import new_ids
from csm_tui.store.timestamps import date_to_db, from_db, to_db
from csm_tui.store.transaction import write_transaction

_CHUNK = 500
_SIGNAL_TABLES = ("usage_weeks", "support_tickets", "survey_responses", "invoices")


_SOURCE_MEMO: dict[str | None, str] = {}


def _sources(text: str | None) -> str:
    """A `group_concat` of source names as shown (a book has few distinct ones)."""
    shown = _SOURCE_MEMO.get(text)
    if shown is None:
        shown = join_sources((text or "").split(","))
        if len(_SOURCE_MEMO) < 1_000:
            _SOURCE_MEMO[text] = shown
    return shown


def _one_source(least: str | None, greatest: str | None) -> str | None:
    """The sources as shown when an account's least and greatest source name are one
    (None: they differ, list them)."""
    return _sources(least) if least == greatest else None


def _listed_sources(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> str:
    return _sources(conn.execute(sql, params).fetchone()[0])


@dataclass
class _Totals:
    """Each account's totals of each kind of signal (absent: no such record)."""

    usage: dict[str, UsageTotals] = field(default_factory=dict)
    tickets: dict[str, TicketTotals] = field(default_factory=dict)
    invoices: dict[str, InvoiceTotals] = field(default_factory=dict)
    surveys: dict[str, list[SurveyRecord]] = field(default_factory=dict)
    has_surveys: set[str] = field(default_factory=set)
    earlier: dict[str, int] = field(default_factory=dict)  # usage volume a quarter ago
    seatless: dict[str, int] = field(default_factory=dict)  # window weeks without seats

    def has_any(self, aid: str) -> bool:
        return (
            aid in self.usage
            or aid in self.tickets
            or aid in self.invoices
            or aid in self.has_surveys
        )


def _where_ids(ids: Sequence[str] | None, column: str) -> Iterator[tuple[str, list[str]]]:
    """SQL `AND <column> IN (…)` clauses over `ids` in chunks (one empty clause: all)."""
    if ids is None:
        yield "", []
        return
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        yield f" AND {column} IN ({', '.join('?' * len(chunk))})", chunk


def _where_named(ids: Sequence[str] | None, column: str) -> Iterator[tuple[str, dict[str, str]]]:
    """As `_where_ids`, with named parameters (:id0, :id1, …)."""
    if ids is None:
        yield "", {}
        return
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        params = {f"id{i}": v for i, v in enumerate(chunk)}
        yield f" AND {column} IN ({', '.join(':' + k for k in params)})", params


# Seats: the weeks' own, and how many weeks had none (they count the account's seats).
_USAGE_SUMS = """
    SELECT u.account_id, count(*), sum(u.active_users),
           sum(CASE WHEN u.seats > 0 THEN u.seats ELSE 0 END), max(u.active_users),
           sum(u.opportunities), sum(u.leads), sum(u.public_pool), sum(u.contacts),
           sum(u.messages), sum(u.sessions), total(u.session_minutes), max(u.week_start),
           min(u.source), max(u.source), sum(u.seats <= 0)
    FROM usage_weeks u
    WHERE u.week_start >= ? AND u.week_start <= ?{clause}
    GROUP BY u.account_id
"""
_USAGE_VOLUME = """
    SELECT u.account_id, sum(u.opportunities + u.leads + u.public_pool + u.contacts + u.messages)
    FROM usage_weeks u
    WHERE u.week_start >= ? AND u.week_start <= ?{clause}
    GROUP BY u.account_id
"""
_USAGE_LATEST = (
    "SELECT week_start, source FROM usage_weeks WHERE account_id = ? "
    "ORDER BY week_start DESC LIMIT 1"
)
_TICKETS = """
    SELECT account_id,
           sum(opened_at <= :now AND (closed_at IS NULL OR closed_at > :now)),
           total(CASE WHEN first_response_minutes IS NOT NULL AND opened_at >= :since
                      AND opened_at <= :now THEN first_response_minutes END),
           count(CASE WHEN first_response_minutes IS NOT NULL AND opened_at >= :since
                      AND opened_at <= :now THEN 1 END),
           max(CASE WHEN opened_at <= :now THEN opened_at END),
           max(CASE WHEN closed_at <= :now THEN closed_at END),
           min(source), max(source)
    FROM support_tickets WHERE 1{clause}
    GROUP BY account_id
"""
_INVOICES = """
    SELECT account_id,
           max(CASE WHEN due_on < :today AND (paid_on IS NULL OR paid_on > :today)
                    THEN CAST(round(julianday(:today) - julianday(due_on)) AS INTEGER) END),
           max(CASE WHEN issued_on <= :today THEN issued_on END),
           max(CASE WHEN paid_on <= :today THEN paid_on END),
           min(source), max(source)
    FROM invoices WHERE 1{clause}
    GROUP BY account_id
"""
# An account's records nearly always come from one source: the sums above read its
# least and greatest name (no DISTINCT B-tree per group), and only an account whose two
# differ has its sources listed by these (the same rows as the sums).
_USAGE_SOURCES = (
    "SELECT group_concat(DISTINCT source) FROM usage_weeks "
    "WHERE account_id = ? AND week_start >= ? AND week_start <= ?"
)
_TICKET_SOURCES = "SELECT group_concat(DISTINCT source) FROM support_tickets WHERE account_id = ?"
_INVOICE_SOURCES = "SELECT group_concat(DISTINCT source) FROM invoices WHERE account_id = ?"
_SURVEYS = """
    SELECT account_id, contact_email, kind, score, responded_on, source
    FROM survey_responses WHERE responded_on >= ? AND responded_on <= ?{clause}
"""


def _read_totals(conn: sqlite3.Connection, now: datetime, ids: Sequence[str] | None) -> _Totals:
    today = now.date()
    totals = _Totals()
    first, last = usage_window(today)
    shift = timedelta(days=7 * TREND_WEEKS)
    window = (date_to_db(first), date_to_db(last))
    earlier_window = (date_to_db(first - shift), date_to_db(last - shift))
    stamp = to_db(now)
    day = date_to_db(today)
    named: dict[str, Any] = {
        "now": stamp,
        "since": to_db(now - timedelta(days=SUPPORT_DAYS)),
        "today": day,
    }
    earlier = totals.earlier
    days: dict[str | None, date | None] = {None: None}  # a book has few distinct days

    def day_of(text: str | None) -> date | None:
        found = days.get(text)
        if found is None and text is not None:
            found = days[text] = date.fromisoformat(text[:10])
        return found

    make_usage = UsageTotals._make
    for clause, params in _where_ids(ids, "u.account_id"):
        for row in conn.execute(_USAGE_VOLUME.format(clause=clause), [*earlier_window, *params]):
            earlier[row[0]] = row[1]
        for row in conn.execute(_USAGE_SUMS.format(clause=clause), [*window, *params]):
            aid = row[0]
            shown = _one_source(row[13], row[14])
            if shown is None:
                shown = _listed_sources(conn, _USAGE_SOURCES, (aid, *window))
            totals.usage[aid] = make_usage((*row[1:12], day_of(row[12]), shown, earlier.get(aid)))
            if row[15]:  # weeks without seats: the account's seats fill in (`_signals_of`)
                totals.seatless[aid] = row[15]
    make_tickets, make_invoices = TicketTotals._make, InvoiceTotals._make
    for clause, named_ids in _where_named(ids, "account_id"):
        for aid, n_open, minutes, responses, opened, closed, least, most in conn.execute(
            _TICKETS.format(clause=clause), {**named, **named_ids}
        ):
            latest = (
                opened if closed is None or (opened is not None and opened >= closed) else closed
            )
            shown = _one_source(least, most)
            if shown is None:
                shown = _listed_sources(conn, _TICKET_SOURCES, (aid,))
            totals.tickets[aid] = make_tickets(
                (n_open, round(minutes), responses, day_of(latest), shown)
            )
        for aid, worst, issued, paid, least, most in conn.execute(
            _INVOICES.format(clause=clause), {**named, **named_ids}
        ):
            latest = issued if paid is None or (issued is not None and issued >= paid) else paid
            shown = _one_source(least, most)
            if shown is None:
                shown = _listed_sources(conn, _INVOICE_SOURCES, (aid,))
            totals.invoices[aid] = make_invoices((worst or 0, day_of(latest), shown))
    surveys = totals.surveys
    make_survey = SurveyRecord._make
    for clause, plain in _where_ids(ids, "account_id"):
        survey_since = date_to_db(today - timedelta(days=SURVEY_DAYS))
        for row in conn.execute(_SURVEYS.format(clause=clause), [survey_since, day, *plain]):
            record = make_survey((row[1], row[2], row[3], day_of(row[4]), row[5]))
            answers = surveys.get(row[0])
            if answers is None:
                surveys[row[0]] = [record]
            else:
                answers.append(record)
    totals.has_surveys = set(totals.surveys)
    return totals


def _older_usage(
    conn: sqlite3.Connection, totals: _Totals, account_ids: Iterable[str], today: date
) -> None:
    """Accounts with usage records only before the window used the product zero times
    lately (not "no data"): their latest week dates the source."""
    first, _ = usage_window(today)
    for aid in account_ids:
        if aid in totals.usage:
            continue
        row = conn.execute(_USAGE_LATEST, (aid,)).fetchone()
        if row is None or row[0] >= date_to_db(first):
            continue
        totals.usage[aid] = UsageTotals(
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, date.fromisoformat(row[0]), _sources(row[1]),
            totals.earlier.get(aid),
        )  # fmt: skip


def _has_raw_tables(conn: sqlite3.Connection) -> bool:
    return any(
        conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None for t in _SIGNAL_TABLES
    )


def _signals(
    totals: _Totals, account: Mapping[str, Any], now: datetime, rules: TierRules, pulse: int | None
) -> HealthSignals:
    return _signals_of(
        totals, account["id"], Tier(account["tier"]), account["seats"], account["last_touch_at"],
        now, rules, pulse,
    )  # fmt: skip


def _signals_of(
    totals: _Totals,
    aid: str,
    tier: Tier,
    account_seats: int,
    last: Any,
    now: datetime,
    rules: TierRules,
    pulse: int | None,
    touch_memo: dict[tuple[Tier, str], tuple[int | None, int | None, date]] | None = None,
) -> HealthSignals:
    last_on: date | None
    if isinstance(last, str) and touch_memo is not None:
        # Days since a touch are counted on UTC dates, and the cache stores UTC text: the
        # date part decides (cadence.days_between), so one answer serves a whole day.
        key = (tier, last[:10])
        known = touch_memo.get(key)
        if known is None:
            stamp = from_db(last)
            touch = touch_status(tier, stamp, now, rules)
            known = touch_memo[key] = (touch.days_since, touch.cadence_days, stamp.date())
        days_since, cadence, last_on = known
    else:
        if isinstance(last, str):
            last = from_db(last)
        touch = touch_status(tier, last, now, rules)
        days_since, cadence = touch.days_since, touch.cadence_days
        last_on = None if last is None else last.date()
    usage = totals.usage.get(aid)
    seatless = totals.seatless.get(aid)
    if usage is not None and seatless:
        usage = usage._replace(seats=usage.seats + seatless * account_seats)
    return signals_from_totals(
        today=now.date(),
        account_seats=account_seats,
        usage=usage,
        tickets=totals.tickets.get(aid),
        surveys=totals.surveys.get(aid, ()),
        invoices=totals.invoices.get(aid),
        days_since_touch=days_since,
        cadence_days=cadence,
        last_touch_on=last_on,
        csm_pulse=pulse,
    )


def raw_health_signals(
    conn: sqlite3.Connection,
    account: Mapping[str, Any],
    now: datetime,
    rules: TierRules,
    pulse: int | None = None,
) -> HealthSignals | None:
    """One account's health inputs from its raw records; None when it has none.
    `account` needs id, tier, seats and last_touch_at."""
    aid = account["id"]
    totals = _read_totals(conn, now, [aid])
    _older_usage(conn, totals, [aid], now.date())
    if not totals.has_any(aid) and not _has_old_surveys(conn, aid):
        return None
    return _signals(totals, account, now, rules, pulse)


def _has_old_surveys(conn: sqlite3.Connection, aid: str) -> bool:
    row = conn.execute("SELECT 1 FROM survey_responses WHERE account_id = ? LIMIT 1", (aid,))
    return row.fetchone() is not None


def legacy_sources(signals: HealthSignals, measured_on: date | None, last: Any) -> HealthSignals:
    """`signals` from the aggregated `account_signals` row, saying so per component."""
    if isinstance(last, str):
        last = from_db(last)
    parts: list[tuple[Component, str, date | None]] = [
        (c, "account signals", measured_on) for c in Component if c is not Component.ENGAGEMENT
    ]
    parts.append((Component.ENGAGEMENT, ENGAGEMENT_SOURCE, None if last is None else last.date()))
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
    day = date_to_db(today)
    with write_transaction(conn):
        # Plain tuples (id, tier, seats, sales motion, last touch, health score): a whole
        # book's worth of sqlite3.Row lookups by name costs more than the scoring.
        accounts: list[tuple[Any, ...]] = []
        cols = "id, tier, seats, sales_motion, last_touch_at, health_score"
        cursor = conn.cursor()
        cursor.row_factory = None
        for clause, params in _where_ids(ids, "id"):
            accounts.extend(
                cursor.execute(
                    f"SELECT {cols} FROM accounts WHERE deleted_at IS NULL{clause}", params
                )
            )
        legacy: dict[str, sqlite3.Row] = {}
        for clause, params in _where_ids(ids, "account_id"):
            for row in conn.execute(f"SELECT * FROM account_signals WHERE 1{clause}", params):
                legacy[row["account_id"]] = row
        totals = _Totals()
        if _has_raw_tables(conn):
            totals = _read_totals(conn, now, ids)
            _older_usage(conn, totals, [a[0] for a in accounts], today)
            old_surveys = {
                r[0] for r in conn.execute("SELECT DISTINCT account_id FROM survey_responses")
            }
            totals.has_surveys |= old_surveys
        scores: list[tuple[int, str]] = []
        snaps: list[tuple[str, str, str, int, str]] = []
        # {"usage":21,"support":6,...}: what json.dumps writes, made 10× faster
        parts_json = "{" + ",".join(f"{json.dumps(c.value)}:%d" for c in Component) + "}"
        std_of: dict[str, ActivityStandard] = {}
        tier_of = {tier.value: tier for tier in Tier}
        has_any = totals.has_any
        touch_memo: dict[tuple[Tier, str], tuple[int | None, int | None, date]] = {}
        scored: list[tuple[str, int, tuple[int, ...]]] = []
        for aid, tier_text, seats, motion, last_touch, old_score in accounts:
            old = legacy.get(aid)
            tier = tier_of[tier_text]
            if has_any(aid):
                pulse = old["csm_pulse"] if old else None
                signals = _signals_of(
                    totals, aid, tier, seats, last_touch, now, rules, pulse, touch_memo
                )
            elif old is not None:
                account = {"id": aid, "tier": tier_text, "seats": seats,
                           "last_touch_at": last_touch}  # fmt: skip
                signals = legacy_sources(
                    health_signals(account, old, now, rules),
                    date.fromisoformat(old["measured_on"]),
                    last_touch,
                )
            else:
                continue
            standard = std_of.get(motion)
            if standard is None:
                standard = std_of[motion] = standard_for(SalesMotion(motion), standards)
            score, points = health_points(signals, tier, standard)
            if score != old_score:
                scores.append((score, aid))
            if snapshot:
                scored.append((aid, score, points))
        if scored:
            recent = _recent_snapshots(conn, today, ids)
            made = [(aid, score, parts_json % points) for aid, score, points in scored]
            changed = [m for m in made if recent.get(m[0]) != m[1:]]
            snaps = [
                (sid, aid, day, score, text)
                for sid, (aid, score, text) in zip(new_ids(len(changed)), changed, strict=True)
            ]
            # Today's earlier snapshot goes, whether a new one replaces it or not.
            conn.executemany(
                "DELETE FROM health_snapshots WHERE account_id = ? AND taken_on = ?",
                [(aid, day) for aid, _, _ in scored],
            )
        _update_scores(conn, scores)
        if snaps:
            conn.executemany(
                "INSERT INTO health_snapshots (id, account_id, taken_on, score, components) "
                "VALUES (?, ?, ?, ?, ?)",
                snaps,
            )
        return len(scored) if snapshot else len(accounts)


SNAPSHOT_HEARTBEAT_DAYS = 7  # an unchanged score is snapshotted again after this many days


def _recent_snapshots(
    conn: sqlite3.Connection, today: date, ids: Sequence[str] | None
) -> dict[str, tuple[int, str]]:
    """(score, components) of each account's latest snapshot of the last
    SNAPSHOT_HEARTBEAT_DAYS - 1 days before today (accounts with none are left out)."""
    since = date_to_db(today - timedelta(days=SNAPSHOT_HEARTBEAT_DAYS - 1))
    out: dict[str, tuple[int, str]] = {}
    for clause, params in _where_ids(ids, "account_id"):
        rows = conn.execute(
            "SELECT account_id, max(taken_on), score, components FROM health_snapshots "
            f"WHERE taken_on >= ? AND taken_on < ?{clause} GROUP BY account_id",
            (since, date_to_db(today), *params),
        )
        for aid, _day, score, components in rows:
            out[aid] = (score, components)
    return out


# From this many changed scores, the accounts' indexes that hold the score are dropped and
# built again around the update: six of them carry it (store/migrations.py), and keeping
# each one up to date row by row costs ~2.5× building it once after the UPDATE.
REBUILD_INDEXES_FROM = 20_000


def _update_scores(conn: sqlite3.Connection, scores: list[tuple[int, str]]) -> None:
    """Store (score, account id) pairs, inside the caller's write transaction."""
    rebuilt: list[tuple[str, str]] = []
    if len(scores) >= REBUILD_INDEXES_FROM:
        rebuilt = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'"
            " AND sql LIKE '%health_score%' ORDER BY name"
        ).fetchall()
        for name, _sql in rebuilt:
            conn.execute(f'DROP INDEX "{name}"')
    conn.executemany("UPDATE accounts SET health_score = ? WHERE id = ?", scores)
    for _name, sql in rebuilt:
        conn.execute(sql)


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
