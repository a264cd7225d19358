"""The demo book's instants, date texts and ids, all relative to the app clock's `now`.

Dates are day offsets from today (negative: past) turned into the storage texts of
`store.timestamps`; ids are UUIDv7-shaped (layout of `store.ids`) from the record's
creation instant and bits of a seeded stream, never `new_id()`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

from csm_tui.domain.health import DEFAULT_WEIGHTS
from csm_tui.domain.tiers import Tier
from csm_tui.store.demo.shape import (
    DAYS_AHEAD,
    DAYS_BACK,
    SNAPSHOT_EVERY_DAYS,
    SNAPSHOTS,
    split_points,
)


def utc_date(unix_s: int) -> date:
    return date(1970, 1, 1) + timedelta(days=unix_s // 86400)


def uuid7(at_s: int, bits: int) -> str:
    """A UUIDv7 for an instant: 10 bits of sub-second time and 74 random bits from `bits`."""
    ms = at_s * 1000 + (bits >> 74) % 1000
    return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031 - the fastest form here
        ms >> 16,
        ms & 0xFFFF,
        0x7000 | ((bits >> 62) & 0xFFF),
        0x8000 | ((bits >> 48) & 0x3FFF),
        bits & 0xFFFFFFFFFFFF,
    )


class Stamps:
    """Instants, dates and ids of one book, as of `now`."""

    def __init__(self, now: datetime, bits: Callable[[int], int]) -> None:
        self._bits = bits
        self.now_s = math.floor(now.timestamp())
        self.today = utc_date(self.now_s)
        self.today_ord = self.today.toordinal()
        self.today_day = self.now_s // 86400  # days since 1970-01-01 (UTC)
        # Date texts from 6 years before today to 2 years after, by day offset.
        first = self.today_day - DAYS_BACK
        self._days = [
            (date(1970, 1, 1) + timedelta(days=first + i)).isoformat()
            for i in range(DAYS_BACK + DAYS_AHEAD + 1)
        ]
        self._first_day = first
        # Snapshot ids: the UUIDv7 time prefix of each snapshot day (midnight UTC).
        self.snap_prefix = [
            "%08x-%04x-7" % (ms >> 16, ms & 0xFFFF)  # noqa: UP031
            for ms in (
                (self.today_day - k * SNAPSHOT_EVERY_DAYS) * 86_400_000 for k in range(SNAPSHOTS)
            )
        ]
        self._hm = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
        # Past snapshots: the score split over components by the tier's weights (JSON).
        self.split_cache = {
            tier: [split_points(v, DEFAULT_WEIGHTS[tier]) for v in range(101)] for tier in Tier
        }

    def id(self, at_s: int) -> str:
        """A UUIDv7 for an instant, its other bits from the book's main stream."""
        bits = self._bits(84)  # `uuid7` inlined: the book's hottest call
        ms = at_s * 1000 + (bits >> 74) % 1000
        return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031
            ms >> 16,
            ms & 0xFFFF,
            0x7000 | ((bits >> 62) & 0xFFF),
            0x8000 | ((bits >> 48) & 0x3FFF),
            bits & 0xFFFFFFFFFFFF,
        )

    def snap_tail(self) -> str:
        """The random part of an account's snapshot ids. Each snapshot id is the UUIDv7
        prefix of its day + this tail: unique, as no account has two snapshots a day."""
        bits = self._bits(74)
        return "%03x-%04x-%012x" % (  # noqa: UP031
            bits >> 62,
            0x8000 | ((bits >> 48) & 0x3FFF),
            bits & 0xFFFFFFFFFFFF,
        )

    def past(self, sec: int) -> int:
        """`sec` if it is not after now, else a moment in the hour before now."""
        if sec > self.now_s:
            sec = self.now_s - 60 - (sec - self.now_s) % 3600
        return sec

    def ts(self, sec: int) -> str:
        """Storage text of an instant given in Unix seconds (UTC), never after now."""
        if sec > self.now_s:
            sec = self.past(sec)
        day, sod = divmod(sec, 86400)
        return f"{self._days[day - self._first_day]} {self._hm[sod // 60]}{sod % 60:02d}.000000"

    def day_text(self, day_offset: int) -> str:
        return self._days[DAYS_BACK + day_offset]

    def at(self, day_offset: int, minute_of_day: int) -> int:
        """Unix seconds of a business-day instant `day_offset` days from today."""
        weekday = (self.today_ord + day_offset) % 7  # 6: Saturday, 0: Sunday
        if weekday == 6:
            day_offset -= 1
        elif weekday == 0:
            day_offset -= 2
        return self.past((self.today_day + day_offset) * 86400 + minute_of_day * 60)
