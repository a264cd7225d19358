"""The health back-test's cases from the cache (domain.backtest), in one query.

Per recorded renewal decision in the period (win-backs left out): the outcome, the ARR
before and after in USD, the account's sales motion, its tier on the decision's day — the
override in force that day (`tier_overrides`; an override with no history counts as always
there), else the ARR band of the ARR up for renewal — and its health N days before: the
latest `health_snapshots` row taken on or before that day and at most
`SNAPSHOT_MAX_AGE_DAYS` older (found through `ix_health_account_day`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date

from csm_tui.domain.backtest import (
    DEFAULT_DAYS_BEFORE,
    SNAPSHOT_MAX_AGE_DAYS,
    BacktestCase,
    BacktestReport,
    Outcome,
    backtest,
)
from csm_tui.domain.health import Component
from csm_tui.domain.metrics import Period
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.timestamps import date_to_db

_CASES_SQL = """
SELECT d.account_id, d.decided_on, d.outcome, d.direction, d.arr_before, d.arr_after,
       d.currency, coalesce(a.sales_motion, ''),
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
FROM renewal_decisions d JOIN accounts a ON a.id = d.account_id
WHERE d.decided_on > :start AND d.decided_on <= :end AND d.outcome != 'win_back'
  AND a.deleted_at IS NULL {team_clause}
ORDER BY d.decided_on, d.id
"""

_TIERS = {t.value: t for t in Tier}


def load_cases(
    conn: sqlite3.Connection,
    period: Period,
    days_before: int,
    tier_rules: TierRules,
    team_id: str | None = None,
) -> list[BacktestCase]:
    """Every renewal decision of `period` as a back-test case (see the module doc);
    `team_id` limits them to accounts owned by that team's people."""
    if days_before < 0:
        raise ValueError("days before must be 0 or more")
    team_clause = ""
    params: dict[str, object] = {
        "start": date_to_db(period.start),
        "end": date_to_db(period.end),
        "before": f"-{days_before} days",
        "oldest": f"-{days_before + SNAPSHOT_MAX_AGE_DAYS} days",
    }
    if team_id is not None:
        team_clause = "AND a.owner_id IN (SELECT id FROM users WHERE team_id = :team)"
        params["team"] = team_id
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
        currency,
        motion,
        override_then,
        has_history,
        override_now,
        snapshot,
    ) in cursor.execute(_CASES_SQL.format(team_clause=team_clause), params):
        outcome = Outcome.of(outcome_text, direction)
        if outcome is None:
            continue
        before_usd = tier_rules.to_usd(arr_before or 0.0, currency or "USD")
        after_usd = tier_rules.to_usd(arr_after or 0.0, currency or "USD")
        tier_text = override_then if has_history else override_now
        tier = _TIERS.get(tier_text or "") or tier_rules.tier_for_arr(before_usd)
        score, components = None, {}
        if snapshot is not None:
            score_text, _, parts = snapshot.partition("|")
            score = int(score_text)
            components = components_cache.get(parts)
            if components is None:
                components = _components(parts)
                components_cache[parts] = components
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


def load_backtest(
    conn: sqlite3.Connection,
    today: date,
    tier_rules: TierRules,
    days_before: int = DEFAULT_DAYS_BEFORE,
    weights: Mapping | None = None,
    team_id: str | None = None,
    months: int = 12,
) -> BacktestReport:
    """The back-test of the last `months` months' renewal decisions up to `today`, with
    the health `days_before` days before each; `weights` re-weights the snapshots."""
    period = Period.trailing_months(today, months)
    cases = load_cases(conn, period, days_before, tier_rules, team_id)
    return backtest(cases, days_before, period.start, period.end, weights)
