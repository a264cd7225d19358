"""Cadence: days since the last touch against the tier's cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from csm_tui.domain.cadence import days_between, touch_status
from csm_tui.domain.clock import FixedClock
from csm_tui.domain.tiers import Tier, TierRules

RULES = TierRules()
CLOCK = FixedClock(datetime(2026, 5, 20, 9, 30, tzinfo=UTC))
NOW = CLOCK.now()


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def test_days_since_last_touch() -> None:
    status = touch_status(Tier.ENTERPRISE, days_ago(12), NOW, RULES)
    assert status.days_since == 12
    assert status.cadence_days == 30
    assert not status.overdue
    assert status.days_overdue == 0


def test_days_count_calendar_days_not_24_hour_periods() -> None:
    late_yesterday = datetime(2026, 5, 19, 23, 59, tzinfo=UTC)
    assert days_between(late_yesterday, NOW) == 1
    early_today = datetime(2026, 5, 20, 0, 1, tzinfo=UTC)
    assert days_between(early_today, NOW) == 0


def test_days_are_counted_on_utc_dates_whatever_the_zone() -> None:
    shanghai = timezone(timedelta(hours=8))
    # 01:00 on the 20th in Shanghai is 17:00 on the 19th in UTC
    touch = datetime(2026, 5, 20, 1, 0, tzinfo=shanghai)
    assert days_between(touch, NOW) == 1


@pytest.mark.parametrize(
    ("tier", "cadence"),
    [(Tier.STRATEGIC, 14), (Tier.ENTERPRISE, 30), (Tier.GROWTH, 60), (Tier.SCALE, 90)],
)
def test_overdue_starts_the_day_after_the_cadence(tier: Tier, cadence: int) -> None:
    on_time = touch_status(tier, days_ago(cadence), NOW, RULES)
    assert on_time.days_since == cadence
    assert not on_time.overdue
    late = touch_status(tier, days_ago(cadence + 1), NOW, RULES)
    assert late.overdue
    assert late.days_overdue == 1


def test_strategic_fourteen_days_is_on_time_fifteen_is_overdue() -> None:
    assert not touch_status(Tier.STRATEGIC, days_ago(14), NOW, RULES).overdue
    status = touch_status(Tier.STRATEGIC, days_ago(15), NOW, RULES)
    assert status.overdue
    assert status.why == "Strategic · last touch 15 days ago, cadence 14"


def test_never_touched_is_overdue_and_says_so() -> None:
    status = touch_status(Tier.GROWTH, None, NOW, RULES)
    assert status.days_since is None
    assert status.overdue
    assert status.why == "Growth · never touched, cadence 60"


def test_self_serve_is_never_overdue() -> None:
    for last in (None, days_ago(1), days_ago(400), days_ago(5_000)):
        status = touch_status(Tier.SELF_SERVE, last, NOW, RULES)
        assert not status.overdue
        assert status.days_overdue == 0
    assert touch_status(Tier.SELF_SERVE, None, NOW, RULES).why == (
        "Self-Serve · never touched, no cadence"
    )


def test_a_touch_dated_in_the_future_counts_as_today() -> None:
    status = touch_status(Tier.STRATEGIC, NOW + timedelta(days=3), NOW, RULES)
    assert status.days_since == 0
    assert not status.overdue


def test_one_day_is_singular() -> None:
    assert "last touch 1 day ago" in touch_status(Tier.SCALE, days_ago(1), NOW, RULES).why


def test_cadence_follows_custom_rules() -> None:
    rules = TierRules.from_toml("[tiers.scale]\ntouch_every_days = 0\n")
    assert not touch_status(Tier.SCALE, None, NOW, rules).overdue
    rules = TierRules.from_toml("[tiers.strategic]\ntouch_every_days = 7\n")
    assert touch_status(Tier.STRATEGIC, days_ago(8), NOW, rules).overdue
