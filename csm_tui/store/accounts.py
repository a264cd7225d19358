"""Read one account and what hangs off it, with raw sqlite3 (the UI's fast path)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from csm_tui.domain.health import HealthScore, HealthSignals, score_health
from csm_tui.domain.motion import ActivityStandard, SalesMotion, standard_for
from csm_tui.domain.tiers import (
    AccountTraits,
    OverrideReason,
    Tier,
    TierAssignment,
    TierOverride,
    TierRules,
)
from csm_tui.store.health_inputs import health_signals
from csm_tui.store.health_recompute import legacy_sources, raw_health_signals
from csm_tui.store.timestamps import date_from_db, from_db


@dataclass(frozen=True)
class AccountFacts:
    id: str
    name: str
    currency: str
    arr: float
    arr_usd: float
    tier: Tier
    tier_assignment: TierAssignment
    sales_motion: SalesMotion
    stage: str
    segment: str
    industry: str
    seats: int
    go_live_date: date | None
    activated_on: date | None
    renewal_date: date | None
    owner_id: str | None
    owner_name: str | None
    health_score: int | None
    health_score_30d: int | None
    last_touch_at: datetime | None
    signals: HealthSignals | None
    signals_measured_on: date | None
    version: int
    nps_on: date | None = None  # the day of the last NPS response (None: not known)


class AccountNotFound(LookupError):
    pass


def load_account_facts(
    conn: sqlite3.Connection, account_id: str, now: datetime, rules: TierRules
) -> AccountFacts:
    row = conn.execute(
        """SELECT a.*, u.name AS owner_name, s.measured_on, s.weekly_active_users,
                  s.key_actions_per_user_week, s.dau_mau, s.session_minutes,
                  s.messages_per_user_week, s.open_tickets, s.avg_response_hours,
                  s.volume_trend_pct, s.payment, s.nps, s.nps_on, s.csm_pulse,
                  s.account_id AS has_signals
           FROM accounts a
           LEFT JOIN users u ON u.id = a.owner_id
           LEFT JOIN account_signals s ON s.account_id = a.id
           WHERE a.id = ? AND a.deleted_at IS NULL""",
        (account_id,),
    ).fetchone()
    if row is None:
        raise AccountNotFound(account_id)
    tier = Tier(row["tier"])
    override = None
    if row["tier_override"]:
        override = TierOverride(
            Tier(row["tier_override"]),
            OverrideReason(row["tier_override_reason"] or "other"),
            row["tier_override_note"] or "",
        )
    traits = AccountTraits(row["seats"] or 0, row["industry"] or "", bool(row["is_reference"]))
    assignment = rules.assign(row["arr_usd"], override, traits)
    last_touch = from_db(row["last_touch_at"])
    signals = None
    pulse = row["csm_pulse"] if row["has_signals"] is not None else None
    raw = raw_health_signals(conn, row, now, rules, pulse)  # usage weeks, tickets, …
    nps_on = date_from_db(row["nps_on"])
    if raw is not None:
        signals = raw
        if raw.nps is not None:  # from the answers themselves: the latest NPS answer's day
            nps_on = date_from_db(
                conn.execute(
                    "SELECT max(responded_on) FROM survey_responses WHERE account_id = ? "
                    "AND kind = 'nps' AND responded_on <= ?",
                    (account_id, now.date().isoformat()),
                ).fetchone()[0]
            )
    elif row["has_signals"] is not None:
        # the row carries the account's and its signals' columns alike
        signals = legacy_sources(
            health_signals(row, row, now, rules),
            date_from_db(row["measured_on"]),
            row["last_touch_at"],
        )
    return AccountFacts(
        id=row["id"],
        name=row["name"],
        currency=row["currency"],
        arr=row["arr"],
        arr_usd=row["arr_usd"],
        tier=tier,
        tier_assignment=assignment,
        sales_motion=SalesMotion(row["sales_motion"]),
        stage=row["stage"],
        segment=row["segment"],
        industry=row["industry"],
        seats=row["seats"],
        go_live_date=date_from_db(row["go_live_date"]),
        activated_on=date_from_db(row["activated_on"]),
        renewal_date=date_from_db(row["renewal_date"]),
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        health_score=row["health_score"],
        health_score_30d=row["health_score_30d"],
        last_touch_at=last_touch,
        signals=signals,
        signals_measured_on=date_from_db(row["measured_on"]),
        version=row["version"],
        nps_on=nps_on,
    )


def health_of(
    facts: AccountFacts, standards: Mapping[SalesMotion, ActivityStandard] | None = None
) -> HealthScore | None:
    """The live, explained health score of an account (None without signals), against
    `standards` (default: the built-in activity standards)."""
    if facts.signals is None:
        return None
    return score_health(facts.signals, facts.tier, standard_for(facts.sales_motion, standards))
