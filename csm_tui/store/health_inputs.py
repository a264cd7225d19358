"""Health from the cache: turn stored rows into the domain's `HealthSignals` and score.

The account screen, the demo book's tests and any recomputation use this one mapping, so
the score a user sees explained is the score stored in `accounts.health_score`.
Rows may be `sqlite3.Row`s (raw read paths) or SQLModel objects (ORM).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.health import HealthScore, HealthSignals, PaymentStatus, score_health
from csm_tui.domain.motion import SalesMotion, standard_for
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.timestamps import from_db


def _field(row: Any, name: str) -> Any:
    try:
        return row[name]
    except TypeError:  # an ORM object
        return getattr(row, name)


def health_signals(account: Any, signals: Any, now: datetime, rules: TierRules) -> HealthSignals:
    """The health inputs of `account` as of `now`, from its `account_signals` row."""
    tier = Tier(_field(account, "tier"))
    last = _field(account, "last_touch_at")
    if isinstance(last, str):
        last = from_db(last)
    touch = touch_status(tier, last, now, rules)
    return HealthSignals(
        seats=_field(account, "seats"),
        weekly_active_users=_field(signals, "weekly_active_users"),
        key_actions_per_user_week=_field(signals, "key_actions_per_user_week"),
        dau_mau=_field(signals, "dau_mau"),
        session_minutes=_field(signals, "session_minutes"),
        messages_per_user_week=_field(signals, "messages_per_user_week"),
        open_tickets=_field(signals, "open_tickets"),
        avg_response_hours=_field(signals, "avg_response_hours"),
        days_since_touch=touch.days_since,
        cadence_days=touch.cadence_days,
        volume_trend_pct=_field(signals, "volume_trend_pct"),
        payment=PaymentStatus(_field(signals, "payment")),
        nps=_field(signals, "nps"),
        csm_pulse=_field(signals, "csm_pulse"),
    )


def account_health(account: Any, signals: Any, now: datetime, rules: TierRules) -> HealthScore:
    """The explained health score of `account` (tier and motion from the account row)."""
    tier = Tier(_field(account, "tier"))
    standard = standard_for(SalesMotion(_field(account, "sales_motion")))
    return score_health(health_signals(account, signals, now, rules), tier, standard)
