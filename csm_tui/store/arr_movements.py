"""Each account's ARR movement over a period, kept on record so a report adds them up.

Coverage's metrics (store/coverage.py) group every account with ARR history by its tier at
the start of the period, its segment, its owner and its movement (flat, expand, contract,
churn, new, none), with its ARR at the start and at the end, its renewal decisions and the
changes signed for after the end. Worked out from `arr_events`, that is one pass over every
event of every account: 0.6 s on a 100k-account book. So each account's figures are kept
in `account_movements`, for the period named in `account_movements_basis`:

- triggers (migration v18) put an account in `account_movements_stale` whenever something
  its figures are made of changes: its ARR events, its tier-override history, its tier,
  override, segment, owner or deletion — whoever writes (logging, sync, import, demo);
- `refresh` brings the table to the period asked for: when the period moved (the trailing
  12 months move every day), only the accounts with an event or an override near the old
  and new boundaries are worked out again, with the stale ones; far from the last period
  (another quarter, other ARR bands) the whole table is worked out again;
- `movement_rows` then sums it per group: 100k rows read in key order, no sort.

The record follows the trailing 12 months the Coverage screen shows. For a period asked
for once (`coverage --period q3`), and when the table cannot be written (a write of the
caller's pending, the cache busy or read-only), the same figures are worked out from the
events in one query instead (`_grouped`), as before the record existed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

from csm_tui.domain.metrics import CENT, Period
from csm_tui.domain.tiers import TierRules
from csm_tui.store.report_cache import Query, Rows
from csm_tui.store.timestamps import date_to_db
from csm_tui.store.transaction import snapshot_transaction

REFRESH_TIMEOUT_S = 0.2  # how long a refresh waits for another writer before reading events
FULL_BELOW = 4  # work every account out again when over 1 in FULL_BELOW is stale

OWNED_IN_TEAM = "AND a.owner_id IN (SELECT id FROM users WHERE team_id = :team)"
"""Accounts `a` whose owner is in the team `:team` (the book, movements and back-test)."""

STALE = "account_movements_stale"
BASIS = "account_movements_basis"
_ACCOUNT_INDEX = "ix_account_movements_account"  # (account_id), as migration v18 made it

# Metrics group each account by the tier it had at the START of the period: the override
# in force that day (tier_overrides; an override with no history counts as always there),
# else the ARR band of its starting ARR — so an upsell does not move last year's account
# into this year's tier, and a churned account (ARR 0 today) keeps the tier it had. An
# account that was not a customer at the start (a new logo) counts in its tier of today.
# `m.sa` is the account's ARR at the start; `oh` its override history: one row per account
# that has any, the override in force at the start when there is one (`in_force`), else
# any other (one probe per account instead of two: issue 12).
_TIER_AT_START = """CASE WHEN m.sa < :cent THEN a.tier
            WHEN oh.in_force THEN coalesce(oh.tier, {band})
            WHEN oh.account_id IS NULL AND a.tier_override IS NOT NULL THEN a.tier_override
            ELSE {band} END"""

# Per account, one pass over the covering index of arr_events: the ARR at the start and at
# the end of the period (ARR at a day is the sum of the changes up to it: domain.metrics),
# the renewal decisions of the period (each recorded decision wrote one renewal or churn
# event: store.renewals) and the changes signed for after the end (CMRR). Aggregates with
# FILTER, not iif(): a third less per event (issue 12). The group is one text key (tier,
# segment, owner, movement joined by `KEY_SEP`): sorting 100k accounts by one key costs a
# third less than by four. `{only}` limits it to the stale accounts.
KEY_SEP = "\x1f"
_IN_PERIOD = "effective_on > :start AND effective_on <= :end"
_PER_ACCOUNT = f"""
WITH m AS (
    SELECT account_id,
        round(total(arr_after_usd - arr_before_usd) FILTER (WHERE effective_on <= :start), 2)
            AS sa,
        round(total(arr_after_usd - arr_before_usd) FILTER (WHERE effective_on <= :end), 2)
            AS ea,
        count(*) FILTER (WHERE kind = 'renewal' AND {_IN_PERIOD}) AS rn,
        count(*) FILTER (WHERE kind = 'churn' AND {_IN_PERIOD}) AS ch,
        total(arr_before_usd) FILTER (WHERE kind IN ('renewal', 'churn') AND {_IN_PERIOD})
            AS up,
        total(min(arr_after_usd, arr_before_usd)) FILTER (WHERE kind = 'renewal' AND
            {_IN_PERIOD}) AS kept,
        total(arr_after_usd - arr_before_usd) FILTER (WHERE effective_on > :end
            AND created_at < :signed_before) AS booked
    FROM arr_events {{only}}
    GROUP BY account_id),
oh AS (
    SELECT account_id, tier, in_force FROM (
        SELECT account_id, tier, set_on <= :start AS in_force, row_number() OVER (
            PARTITION BY account_id
            ORDER BY set_on <= :start DESC, set_on DESC, created_at DESC, id DESC) AS n
        FROM tier_overrides {{only}})
    WHERE n = 1)
SELECT m.account_id,
       {{tier}} || :sep || a.segment || :sep || coalesce(a.owner_id, '') || :sep ||
       CASE WHEN m.sa < :cent THEN iif(m.ea < :cent, 'none', 'new')
            WHEN m.ea < :cent THEN 'churn'
            WHEN m.ea > m.sa THEN 'expand'
            WHEN m.ea < m.sa THEN 'contract'
            ELSE 'flat' END
       AS group_key, a.owner_id, m.sa AS start_arr, m.ea AS end_arr, m.rn AS renewals,
       m.ch AS churns, m.up AS arr_up, m.kept AS arr_renewed, m.booked AS booked_change
FROM m
CROSS JOIN accounts a INDEXED BY ix_accounts_grouping ON a.id = m.account_id
LEFT JOIN oh ON oh.account_id = m.account_id
WHERE a.deleted_at IS NULL {{team_clause}}
"""
_COLUMNS = (
    "account_id, group_key, owner_id, start_arr, end_arr, renewals, churns, arr_up, "
    "arr_renewed, booked_change"
)
_SUMS = (
    "count(*), total(start_arr), total(end_arr), sum(renewals), sum(churns), total(arr_up), "
    "total(arr_renewed), total(booked_change)"
)
REWORK = "account_movements_rework"  # temporary: the accounts this refresh works out again
_FRESH = "account_movements_fresh"  # temporary: their figures, before they are written
_ONLY_REWORK = f"WHERE account_id IN (SELECT account_id FROM temp.{REWORK})"


def _band_sql(tier_rules: TierRules, params: dict[str, object]) -> str:
    """The tier of a starting ARR (`m.sa`, USD) by the ARR bands, as SQL."""
    whens = []
    for band in tier_rules.bands:  # highest first
        params[f"band{band.tier.rank}"] = band.min_arr
        whens.append(f"WHEN m.sa >= :band{band.tier.rank} THEN '{band.tier.value}'")
    return f"(CASE {' '.join(whens)} ELSE '{tier_rules.bands[-1].tier.value}' END)"


def per_account_query(
    period: Period, tier_rules: TierRules, team_id: str | None = None, *, only_rework: bool = False
) -> Query:
    """Each live account's group key, owner and figures (the columns of
    `account_movements`) over `period`: every account with ARR history, or those in the
    rework (`refresh`)."""
    start, end, signed_before = _days_of(period)
    params: dict[str, object] = {
        "start": start, "end": end, "signed_before": signed_before, "cent": CENT, "sep": KEY_SEP,
    }  # fmt: skip
    if team_id is not None:
        params["team"] = team_id
    sql = _PER_ACCOUNT.format(
        tier=_TIER_AT_START.format(band=_band_sql(tier_rules, params)),
        only=_ONLY_REWORK if only_rework else "",
        team_clause="" if team_id is None else OWNED_IN_TEAM,
    )
    return sql, params


def _grouped(conn: sqlite3.Connection, query: Query) -> Rows:
    """The sums per group worked out from the events (no table read or written)."""
    sql, params = query
    grouped = f"SELECT group_key, {_SUMS} FROM ({sql}) GROUP BY 1"
    return [tuple(r) for r in conn.execute(grouped, params)]


def _sums(conn: sqlite3.Connection, team_id: str | None) -> Rows:
    """The sums per group from `account_movements` (read in key order: no sort)."""
    where = "" if team_id is None else "WHERE owner_id IN (SELECT id FROM users WHERE team_id = ?)"
    args = () if team_id is None else (team_id,)
    sql = f"SELECT group_key, {_SUMS} FROM account_movements {where} GROUP BY group_key"
    return [tuple(r) for r in conn.execute(sql, args)]


def _days_of(period: Period) -> tuple[str, str, str]:
    """The period's start and end, and the day before which a change counts as signed."""
    return (date_to_db(period.start), date_to_db(period.end),
            date_to_db(period.end + timedelta(days=1)))  # fmt: skip


def _basis_of(period: Period, tier_rules: TierRules) -> tuple[str, str, str, str]:
    """(start, end, signed before, the ARR bands) the figures are worked out for."""
    bands = json.dumps([(b.tier.value, b.min_arr) for b in tier_rules.bands])
    return (*_days_of(period), bands)


def _mark_moved(conn: sqlite3.Connection, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Add to the rework the accounts whose figures differ between two periods: an event dated
    between the two starts or the two ends, one signed between the two signing days for
    after the earlier end, an override set between the two starts."""
    (s0, e0, b0), (s1, e1, b1) = old[:3], new[:3]
    p = {"lo_s": min(s0, s1), "hi_s": max(s0, s1), "lo_e": min(e0, e1), "hi_e": max(e0, e1),
         "lo_b": min(b0, b1), "hi_b": max(b0, b1)}  # fmt: skip
    conn.execute(
        f"INSERT OR IGNORE INTO temp.{REWORK} (account_id) SELECT account_id FROM arr_events "
        "WHERE (effective_on > :lo_s AND effective_on <= :hi_s) "
        "OR (effective_on > :lo_e AND effective_on <= :hi_e) "
        "OR (created_at >= :lo_b AND created_at < :hi_b AND effective_on > :lo_e)",
        p,
    )
    conn.execute(
        f"INSERT OR IGNORE INTO temp.{REWORK} (account_id) SELECT account_id FROM tier_overrides "
        "WHERE set_on > :lo_s AND set_on <= :hi_s",
        p,
    )


def refresh(conn: sqlite3.Connection, period: Period, tier_rules: TierRules) -> str:
    """Bring `account_movements` to `period` and the ARR bands of `tier_rules`, on `conn`
    (which must have no transaction open). Returns what it did: "kept" (nothing stale),
    "updated" (some accounts worked out again) or "rebuilt" (all of them).

    The figures are worked out in a read transaction, into a temporary table, and only
    then written: the cache's write lock is held for the copy (a few rows on the next
    day), not for the pass over the events — a CSM logging a call meanwhile does not
    wait on the report. If anyone wrote in between, the write fails (SQLite refuses to
    write from an old snapshot) and nothing changes. Raises `sqlite3.OperationalError`
    then, and when the cache is busy or read-only."""
    want = _basis_of(period, tier_rules)
    try:
        with snapshot_transaction(conn):
            return _bring_to(conn, period, tier_rules, want)
    finally:
        conn.execute(f"DROP TABLE IF EXISTS temp.{_FRESH}")


def _bring_to(conn: sqlite3.Connection, period: Period, tier_rules: TierRules,
              want: tuple[str, str, str, str]) -> str:  # fmt: skip
    have = conn.execute(f"SELECT start_on, end_on, signed_before, bands FROM {BASIS}").fetchone()
    full = have is None or have[3] != want[3]
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REWORK} (account_id VARCHAR NOT NULL, "
                 "PRIMARY KEY (account_id)) WITHOUT ROWID")  # fmt: skip
    conn.execute(f"DELETE FROM temp.{REWORK}")
    if not full:
        conn.execute(f"INSERT INTO temp.{REWORK} SELECT account_id FROM {STALE}")
        if tuple(have) != want:
            _mark_moved(conn, tuple(have), want)
        rework = conn.execute(f"SELECT count(*) FROM temp.{REWORK}").fetchone()[0]
        if not rework and tuple(have) == want:
            return "kept"
        kept = conn.execute("SELECT count(*) FROM account_movements").fetchone()[0]
        full = rework * FULL_BELOW > kept
    sql, params = per_account_query(period, tier_rules, only_rework=not full)
    if not full:
        conn.execute(f"CREATE TEMP TABLE {_FRESH} AS {sql}", params)  # reads only
        conn.execute(f"DELETE FROM account_movements WHERE account_id IN "
                     f"(SELECT account_id FROM temp.{REWORK})")  # fmt: skip
        conn.execute(f"INSERT INTO account_movements ({_COLUMNS}) "
                     f"SELECT {_COLUMNS} FROM temp.{_FRESH}")  # fmt: skip
    else:
        # Every account: in the table's key order (group key, account: columns 2, 1),
        # written with its account index made afresh after — 0.2 s of write lock on 100k
        # accounts instead of 0.45 s.
        conn.execute(f"CREATE TEMP TABLE {_FRESH} AS {sql} ORDER BY 2, 1", params)
        conn.execute(f"DROP INDEX {_ACCOUNT_INDEX}")
        conn.execute("DELETE FROM account_movements")
        conn.execute(f"INSERT INTO account_movements ({_COLUMNS}) "
                     f"SELECT {_COLUMNS} FROM temp.{_FRESH}")  # fmt: skip
        conn.execute(f"CREATE INDEX {_ACCOUNT_INDEX} ON account_movements (account_id)")
    conn.execute(f"DELETE FROM {STALE}")  # every mark: a later one would fail this write
    conn.execute(f"DELETE FROM {BASIS}")
    conn.execute(f"INSERT INTO {BASIS} (id, start_on, end_on, signed_before, bands) "
                 "VALUES (1, ?, ?, ?, ?)", want)  # fmt: skip
    return "rebuilt" if full else "updated"


def movement_rows(
    conn: sqlite3.Connection,
    path: str | None,
    period: Period,
    tier_rules: TierRules,
    team_id: str | None,
    *,
    on_record: bool = True,
) -> Rows:
    """The ARR movements per group key (tier at the start, segment, owner, movement):
    count, starting and ending ARR, renewals, churns, ARR up for renewal, ARR renewed and
    changes signed for after the end — from `account_movements`, brought to `period`
    first on a short connection of its own to the cache file at `path` (or on `conn`
    itself for a cache in memory). Worked out from the events instead when that cannot
    be written, when `conn` has a write pending (its own reads must see it), or when not
    `on_record` (a period asked for once, such as a past quarter: the record stays with
    the trailing 12 months the screen shows, instead of being worked out again for each).
    """
    if conn.in_transaction or not on_record:
        return _grouped(conn, per_account_query(period, tier_rules, team_id))
    writer = conn if path is None else sqlite3.connect(path, timeout=REFRESH_TIMEOUT_S)
    try:
        try:
            refresh(writer, period, tier_rules)
        except sqlite3.OperationalError:
            return _grouped(writer, per_account_query(period, tier_rules, team_id))
        return _sums(writer, team_id)
    finally:
        if writer is not conn:
            writer.close()
