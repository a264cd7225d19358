"""The one clock the app is given.

Every "now" in the app comes from a `Clock`, so "in 23 days", overdue states and the demo
book can be frozen in tests and snapshots.

The clock carries the user's time zone (`zone`): instants stay UTC (storage is UTC), but
*days* — today, "12 days ago", overdue, due dates — are the user's calendar days. A touch
at 00:10 in Shanghai is on that Shanghai day, though UTC still says the day before.
`local_day` and `day_start` convert between the two for code that holds an instant or
has to compare stored UTC text with a day boundary.

The zone is a `tzinfo` (zoneinfo from the standard library: pendulum is not used, its
63 ms import would sit on the first-paint path for nothing zoneinfo cannot do). Finding
the system's zone reads the environment, so it lives at the edge (config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    zone: tzinfo

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """Today's date in the user's zone."""
        ...


def local_day(instant: datetime, zone: tzinfo = UTC) -> date:
    """The user's calendar day of an instant (a naive one is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone).date()


def day_start(day: date, zone: tzinfo = UTC) -> datetime:
    """The UTC instant the user's `day` begins (local midnight)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_start_db(day: date, zone: tzinfo = UTC) -> str:
    """`day_start` in the cache's text form (store.timestamps.DB_FORMAT), for SQL that
    compares stored UTC instants with a day boundary: `last_touch_at < ?`."""
    return day_start(day, zone).strftime("%Y-%m-%d %H:%M:%S.%f")


class SystemClock:
    """The wall clock."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return local_day(self.now(), self.zone)


@dataclass
class FixedClock:
    """A clock frozen at one instant (tests, snapshots, `--now`)."""

    instant: datetime
    zone: tzinfo = field(default=UTC)

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            self.instant = self.instant.replace(tzinfo=UTC)
        self.instant = self.instant.astimezone(UTC)

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return local_day(self.instant, self.zone)

    def advance(self, **delta: float) -> None:
        self.instant = self.instant + timedelta(**delta)


def parse_instant(text: str, zone: tzinfo = UTC) -> datetime:
    """Parse an ISO date or datetime given on the command line (`--now 2026-11-22`).

    Without an offset it is a time in the user's `zone` (a bare date: its start)."""
    text = text.strip()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def clock_from(text: str | None, zone: tzinfo = UTC) -> Clock:
    return FixedClock(parse_instant(text, zone), zone) if text else SystemClock(zone)
