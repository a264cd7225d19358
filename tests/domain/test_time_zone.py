"""Days are the user's: a book frozen at 23:30 in Shanghai on the 30th (15:30 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from csm_tui.config import Settings, SettingsError, system_zone
from csm_tui.domain.cadence import days_between, touch_status
from csm_tui.domain.clock import FixedClock, clock_from, day_start, day_start_db, local_day
from csm_tui.domain.humanize import relative_day
from csm_tui.domain.tiers import Tier, TierRules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 on the 30th in Shanghai


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_today_is_the_users_day_not_utcs():
    # 00:30 in Shanghai on 1 December is still 30 November in UTC.
    clock = FixedClock(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI)
    assert clock.today() == date(2026, 12, 1)
    assert FixedClock(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)).today() == date(2026, 11, 30)
    assert clock.now() == datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # instants stay UTC


def test_a_task_due_today_in_shanghai_is_not_overdue_at_2330_but_is_after_midnight():
    due = date(2026, 11, 30)
    late_evening = FixedClock(NOW, SHANGHAI)
    assert relative_day(due, late_evening.today()) == "today"
    after_midnight = FixedClock(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI)
    assert due < after_midnight.today()  # overdue in Shanghai, though UTC says the 30th
    assert relative_day(due, after_midnight.today()) == "yesterday"


@pytest.mark.parametrize(
    ("touched", "days_in_shanghai", "days_in_utc"),
    [
        (shanghai(2026, 11, 30, 0, 10), 0, 1),  # this morning, 16:10 UTC the 29th
        (shanghai(2026, 11, 29, 23, 50), 1, 1),  # last night
        (shanghai(2026, 11, 29, 7, 0), 1, 2),  # yesterday morning, 23:00 UTC the 28th
        (shanghai(2026, 11, 30, 23, 0), 0, 0),
    ],
)
def test_last_touch_days_are_counted_as_a_user_in_shanghai_counts_them(
    touched, days_in_shanghai, days_in_utc
):
    assert days_between(touched, NOW, SHANGHAI) == days_in_shanghai
    assert days_between(touched, NOW) == days_in_utc
    today = FixedClock(NOW, SHANGHAI).today()
    shown = relative_day(local_day(touched, SHANGHAI), today)
    assert shown == {0: "today", 1: "yesterday"}[days_in_shanghai]


def test_a_touch_on_the_cadence_day_itself_is_not_overdue_in_shanghai():
    rules = TierRules()
    tier = Tier.STRATEGIC
    cadence = rules.cadence_days(tier)
    assert cadence is not None
    # 00:10 Shanghai, exactly `cadence` Shanghai days ago (16:10 UTC the day before).
    touched = day_start(date(2026, 11, 30) - timedelta(days=cadence), SHANGHAI)
    touched += timedelta(minutes=10)
    assert not touch_status(tier, touched, NOW, rules, zone=SHANGHAI).overdue
    assert touch_status(tier, touched, NOW, rules).overdue  # UTC days would say it is


def test_a_day_starts_at_local_midnight_in_utc_storage_text():
    assert day_start(date(2026, 11, 30), SHANGHAI) == datetime(2026, 11, 29, 16, tzinfo=UTC)
    assert day_start_db(date(2026, 11, 30), SHANGHAI) == "2026-11-29 16:00:00.000000"
    assert day_start_db(date(2026, 11, 30)) == "2026-11-30 00:00:00.000000"


def test_now_without_an_offset_is_a_time_in_the_users_zone():
    clock = clock_from("2026-11-30T23:30", SHANGHAI)
    assert clock.now() == NOW
    assert clock.today() == date(2026, 11, 30)


def test_the_timezone_setting_is_read_and_checked():
    assert Settings.from_toml('timezone = "Asia/Shanghai"').zone == SHANGHAI
    with pytest.raises(SettingsError, match="timezone"):
        Settings.from_toml('timezone = "Mars/Olympus"')


def test_without_a_setting_the_zone_is_the_systems(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    assert Settings().zone == SHANGHAI
    monkeypatch.setenv("TZ", "UTC")
    assert system_zone() is UTC


def test_a_sync_two_days_back_is_told_on_shanghai_days():
    from csm_tui.domain.humanize import relative_time

    # 2026-11-28 17:00 UTC is 01:00 on the 29th in Shanghai: "yesterday" there at 23:30.
    synced = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    assert relative_time(synced, NOW, zone=SHANGHAI) == "yesterday"
    assert relative_time(synced, NOW) == "2 days ago"
