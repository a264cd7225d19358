"""The health back-test's cases from the cache (domain.backtest), in one query.

The renewal decisions are the `arr_events` of kind renewal or churn in the period: each
recorded decision (store.renewals, an import's churn) writes exactly one, a win-back writes
a `new` one, and they are what Coverage's renewal rate counts — so the back-test and the
renewal rate speak of the same decisions, books synced from elsewhere included. Outcome:
churn → churned; renewal for less (by a cent or more) → downsell; else renewed.

Per decision: the outcome, the ARR before and after in USD, the account's sales motion,
its tier on the decision's day — the
override in force that day (`tier_overrides`; an override with no history counts as always
there), else the ARR band of the ARR up for renewal — and its health N days before: the
latest `health_snapshots` row taken on or before that day and at most
`SNAPSHOT_MAX_AGE_DAYS` older (found through `ix_health_account_day`).

`load_cases` gives one case per decision (with the snapshot's components); `load_backtest`
asks SQL for the same cases already counted per (tier, motion, outcome, score) — a few
thousand rows at most, whatever the size of the book — with each snapshot re-weighted in
SQL (`json_extract`) when the settings name health weights, exactly as
`domain.backtest.rescore` would. 100k decisions: see bench/backtest.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from csm_tui.domain.backtest import (
    DEFAULT_DAYS_BEFORE,
    SNAPSHOT_MAX_AGE_DAYS,
    BacktestCase,
    BacktestReport,
    Outcome,
    backtest,
)
from csm_tui.domain.health import DEFAULT_WEIGHTS, NEUTRAL, Component
from csm_tui.domain.metrics import CENT, Period
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.arr_movements import OWNED_IN_TEAM
from csm_tui.store.timestamps import date_to_db

# Renewal decisions as ARR events: (day, outcome, direction) in the words of
# domain.renewals, so that domain.backtest.Outcome.of reads them.
_DECISIONS = """(SELECT account_id, effective_on AS decided_on, id,
        iif(kind = 'churn', 'churned', 'renewed') AS outcome,
        iif(arr_after_usd <= arr_before_usd - :cent, 'down', 'flat') AS direction,
        arr_before_usd AS arr_before, arr_after_usd AS arr_after
    FROM arr_events WHERE kind IN ('renewal', 'churn')
      AND effective_on > :start AND effective_on <= :end)"""

_CASES_SQL = """
SELECT d.account_id, d.decided_on, d.outcome, d.direction, d.arr_before, d.arr_after,
       coalesce(a.sales_motion, ''),
       (SELECT o.tier FROM tier_overrides o
         WHERE o.account_id = d.account_id AND o.set_on <= d.decided_on
         ORDER BY o.set_on DESC, o.created_at DESC, o.id DESC LIMIT 1) AS override_then,
       EXISTS (SELECT 1 FROM tier_overrides o WHERE o.account_id = d.account_id) AS has_history,
       a.tier_override,
       (SELECT s.score || '|' || s.components FROM health_snapshots s
         WHERE s.account_id = d.account_id
           AND s.taken_on <= date(d.decided_on, :before)
           AND s.taken_on >= date(d.decided_on, :oldest)
         ORDER BY s.taken_on DESC LIMIT 1) AS snapshot
FROM {decisions} d JOIN accounts a ON a.id = d.account_id
WHERE a.deleted_at IS NULL {team_clause}
ORDER BY d.decided_on, d.id
"""

_TIERS = {t.value: t for t in Tier}

# The same decisions and snapshots as _CASES_SQL, counted per group in SQL: the tier that
# day (override
# history, else the override with no history, else the ARR band), and the snapshot's score
# as recorded and {rescored} (the recorded score again when no weights are given).
_GROUPED_SQL = """
WITH c0 AS (
    SELECT d.outcome, d.direction, coalesce(a.sales_motion, '') AS motion,
           d.arr_before AS usd,
           {override_then} AS override_then,
           (SELECT s.rowid FROM health_snapshots s
             WHERE s.account_id = d.account_id
               AND s.taken_on <= date(d.decided_on, :before)
               AND s.taken_on >= date(d.decided_on, :oldest)
             ORDER BY s.taken_on DESC LIMIT 1) AS snap
    FROM {decisions} d JOIN accounts a ON a.id = d.account_id
    WHERE a.deleted_at IS NULL {team_clause}),
c AS (SELECT c0.*, coalesce(c0.override_then, {band}) AS tier FROM c0),
r AS {materialized} (
    SELECT c.tier, c.motion, c.outcome, c.direction, s.score, {rescored} AS rescored, c.usd
    FROM c LEFT JOIN health_snapshots s ON s.rowid = c.snap)
SELECT tier, motion, outcome, direction, score, rescored, count(*), total(usd)
FROM r GROUP BY 1, 2, 3, 4, 5, 6
"""
# The override in force on the decision's day, when the cache holds any override history.
_OVERRIDE_THEN = """CASE
    WHEN EXISTS (SELECT 1 FROM tier_overrides o WHERE o.account_id = d.account_id)
    THEN (SELECT o.tier FROM tier_overrides o
           WHERE o.account_id = d.account_id AND o.set_on <= d.decided_on
           ORDER BY o.set_on DESC, o.created_at DESC, o.id DESC LIMIT 1)
    ELSE a.tier_override END"""


def _band_sql(tier_rules: TierRules) -> str:
    """The tier of `c0.usd` by the ARR bands, as SQL (bands are numbers we hold)."""
    whens = " ".join(
        f"WHEN c0.usd >= {float(band.min_arr)!r} THEN '{band.tier.value}'"
        for band in tier_rules.bands  # highest first
    )
    return f"(CASE {whens} ELSE '{tier_rules.bands[-1].tier.value}' END)"


def _rescored_sql(weights: Mapping[Tier, Mapping[Component, int]] | None) -> str:
    """`domain.backtest.rescore` of the snapshot `s` under `weights`, as SQL: each
    component's points over its default weight, held to 0..1 (neutral when the default
    weight is 0 or the snapshot lacks it), weighed again; the recorded score when the
    snapshot kept no components or no weights are given."""
    if weights is None:
        return "s.score"
    tiers = []
    for tier in Tier:
        terms = []
        for component in Component:
            new = int(weights[tier][component])
            old = int(DEFAULT_WEIGHTS[tier][component])
            if new == 0:
                continue
            if old <= 0:
                terms.append(f"{new} * {NEUTRAL!r}")
                continue
            points = f"json_extract(s.components, '$.{component.value}')"
            terms.append(
                f"{new} * coalesce(min(1.0, max(0.0, {points} / {float(old)!r})), {NEUTRAL!r})"
            )
        tiers.append(f"WHEN '{tier.value}' THEN {' + '.join(terms) or '0'}")
    total = f"(CASE c.tier {' '.join(tiers)} END)"
    return (
        "CASE WHEN s.rowid IS NULL THEN NULL "
        "WHEN s.components IS NULL OR NOT json_valid(s.components) "
        "OR s.components NOT LIKE '%\"%' THEN s.score "
        f"ELSE CAST({total} + 0.5 + 1e-9 AS INTEGER) END"
    )


def load_cases(
    conn: sqlite3.Connection,
    period: Period,
    days_before: int,
    tier_rules: TierRules,
    team_id: str | None = None,
) -> list[BacktestCase]:
    """Every renewal decision of `period` as a back-test case (see the module doc);
    `team_id` limits them to accounts owned by that team's people."""
    team_clause, params = _params(period, days_before, team_id)
    cursor = conn.cursor()
    cursor.row_factory = None
    cases = []
    components_cache: dict[str, Mapping[str, int]] = {}
    for (
        account_id,
        decided_on,
        outcome_text,
        direction,
        arr_before,
        arr_after,
        motion,
        override_then,
        has_history,
        override_now,
        snapshot,
    ) in cursor.execute(_CASES_SQL.format(decisions=_DECISIONS, team_clause=team_clause), params):
        outcome = Outcome.of(outcome_text, direction)
        if outcome is None:
            continue
        before_usd, after_usd = arr_before or 0.0, arr_after or 0.0
        tier_text = override_then if has_history else override_now
        tier = _TIERS.get(tier_text or "") or tier_rules.tier_for_arr(before_usd)
        score: int | None = None
        components: Mapping[str, int] = {}
        if snapshot is not None:
            score_text, _, parts = snapshot.partition("|")
            score = int(score_text)
            cached = components_cache.get(parts)
            if cached is None:
                cached = _components(parts)
                components_cache[parts] = cached
            components = cached
        cases.append(
            BacktestCase(
                account_id,
                date.fromisoformat(decided_on),
                outcome,
                before_usd,
                after_usd,
                tier,
                motion,
                score,
                components,
            )
        )
    return cases


def _components(text: str) -> Mapping[str, int]:
    """A snapshot's points per component; {} when it kept none (or unreadable JSON)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    names = {c.value for c in Component}
    return {k: int(v) for k, v in data.items() if k in names and isinstance(v, int | float)}


def _params(period: Period, days_before: int, team_id: str | None) -> tuple[str, dict[str, object]]:
    if days_before < 0:
        raise ValueError("days before must be 0 or more")
    params: dict[str, object] = {
        "start": date_to_db(period.start),
        "end": date_to_db(period.end),
        "before": f"-{days_before} days",
        "oldest": f"-{days_before + SNAPSHOT_MAX_AGE_DAYS} days",
        "cent": CENT,
    }
    if team_id is None:
        return "", params
    params["team"] = team_id
    return OWNED_IN_TEAM, params


def load_grouped_cases(
    conn: sqlite3.Connection,
    period: Period,
    days_before: int,
    tier_rules: TierRules,
    weights: Mapping[Tier, Mapping[Component, int]] | None = None,
    team_id: str | None = None,
    *,
    parallel: bool = False,
) -> list[BacktestCase]:
    """`load_cases`, counted in SQL per (tier, motion, outcome, score): each case stands
    for `count` decisions, its ARR their sum; with `weights`, `rescored` is each group's
    score under them. With `parallel` (a cache file, no write pending on `conn`), the two
    halves of the period are counted at once on two read-only connections: faster on an
    idle two-core machine, slower on a loaded one (bench/backtest.py), and the Coverage
    screen already computes the rest of its report beside it — so it is off by default."""
    team_clause, params = _params(period, days_before, team_id)
    history = conn.execute("SELECT 1 FROM tier_overrides LIMIT 1").fetchone() is not None
    sql = _GROUPED_SQL.format(
        decisions=_DECISIONS,
        team_clause=team_clause,
        band=_band_sql(tier_rules),
        rescored=_rescored_sql(weights),
        override_then=_OVERRIDE_THEN if history else "a.tier_override",
        # Re-weighting reads six JSON fields a row: once, into a temporary table.
        materialized="" if weights is None else "MATERIALIZED",
    )
    cases = []
    for tier_text, motion, outcome_text, direction, score, rescored, count, usd in _fetch(
        conn, sql, params, parallel
    ):
        outcome = Outcome.of(outcome_text, direction)
        if outcome is None:
            continue
        after = 0.0  # not used by the back-test's groups
        tier = _TIERS.get(tier_text) or tier_rules.tier_for_arr(usd / max(count, 1))
        cases.append(
            BacktestCase("", period.end, outcome, usd, after, tier, motion, score,
                         count=count, rescored=None if weights is None else rescored)
        )  # fmt: skip
    return cases


def _db_file(conn: sqlite3.Connection) -> str | None:
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _fetch(
    conn: sqlite3.Connection, sql: str, params: dict[str, object], parallel: bool
) -> list[tuple[Any, ...]]:
    """The grouped rows; in parallel, each half of the period on a read-only connection
    of its own (SQLite runs without the GIL): groups may then come twice, which the
    domain adds up, as it counts by `count`."""
    path = _db_file(conn) if parallel else None
    if path is None or conn.in_transaction:
        cursor = conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()
    from concurrent.futures import ThreadPoolExecutor

    from csm_tui.store.cache import connect

    start = date.fromisoformat(str(params["start"]))
    end = date.fromisoformat(str(params["end"]))
    middle = date_to_db(start + (end - start) / 2)
    halves = [{**params, "end": middle}, {**params, "start": middle}]

    def fetch(half: dict[str, object]) -> list[tuple[Any, ...]]:
        reader = connect(path, readonly=True)
        try:
            return reader.execute(sql, half).fetchall()
        finally:
            reader.close()

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="backtest") as pool:
        return [tuple(row) for rows in pool.map(fetch, halves) for row in rows]


def load_backtest(
    conn: sqlite3.Connection,
    today: date,
    tier_rules: TierRules,
    days_before: int = DEFAULT_DAYS_BEFORE,
    weights: Mapping[Tier, Mapping[Component, int]] | None = None,
    team_id: str | None = None,
    months: int = 12,
    *,
    parallel: bool = False,
) -> BacktestReport:
    """The back-test of the last `months` months' renewal decisions up to `today`, with
    the health `days_before` days before each; `weights` re-weights the snapshots."""
    period = Period.trailing_months(today, months)
    cases = load_grouped_cases(
        conn, period, days_before, tier_rules, weights, team_id, parallel=parallel
    )
    return backtest(cases, days_before, period.start, period.end, weights)
