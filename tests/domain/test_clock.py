"""The clock: every "now" comes from one, so tests and snapshots can freeze time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from csm_tui.domain.clock import FixedClock, SystemClock, clock_from, parse_instant


def test_fixed_clock_is_utc_and_advances_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    assert clock.now() == datetime(2026, 1, 2, 4, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 1, 2)
    clock.advance(days=2)
    assert clock.today() == date(2026, 1, 4)


def test_naive_fixed_instant_is_taken_as_utc() -> None:
    assert FixedClock(datetime(2026, 3, 1, 12)).now().tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22", datetime(2026, 11, 22, tzinfo=UTC)),
        ("2026-11-22T10:00:00+08:00", datetime(2026, 11, 22, 2, tzinfo=UTC)),
    ],
)
def test_parse_instant(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


def test_clock_from_text_or_wall_clock() -> None:
    assert clock_from("2026-11-22").today() == date(2026, 11, 22)
    assert isinstance(clock_from(None), SystemClock)
    with pytest.raises(ValueError):
        clock_from("next tuesday")
