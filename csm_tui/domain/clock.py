"""The one clock the app is given.

Every "now" in the app comes from a `Clock`, so "in 23 days", overdue states and the demo
book can be frozen in tests and snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """Today's date in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FixedClock:
    """A clock frozen at one instant (tests, snapshots, `--now`)."""

    instant: datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            self.instant = self.instant.replace(tzinfo=UTC)
        self.instant = self.instant.astimezone(UTC)

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.date()

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.instant = self.instant + timedelta(**delta)


def parse_instant(text: str) -> datetime:
    """Parse an ISO date or datetime given on the command line (`--now 2026-11-22`)."""
    text = text.strip()
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def clock_from(text: str | None) -> Clock:
    return FixedClock(parse_instant(text)) if text else SystemClock()
