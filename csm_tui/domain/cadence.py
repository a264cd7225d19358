"""Touch cadence: days since the last touch against the tier's cadence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from csm_tui.domain.clock import local_day
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.i18n import N_, Message, Nn_


@dataclass(frozen=True)
class TouchStatus:
    tier: Tier
    cadence_days: int | None
    days_since: int | None  # None: never touched

    @property
    def overdue(self) -> bool:
        if self.cadence_days is None:
            return False
        return self.days_since is None or self.days_since > self.cadence_days

    @property
    def days_overdue(self) -> int:
        if not self.overdue or self.cadence_days is None:
            return 0
        if self.days_since is None:
            return self.cadence_days
        return self.days_since - self.cadence_days

    @property
    def why(self) -> str:
        """In English: "Strategic · last touch 19 days ago, cadence 14"."""
        return self.words.english()

    @property
    def words(self) -> Message:
        """`why` as a `Message` (the edge renders it in the interface language)."""
        return _touch_words(self.tier, self.cadence_days, self.days_since)


@lru_cache(maxsize=4096)
def _touch_words(tier: Tier, cadence_days: int | None, days_since: int | None) -> Message:
    """`TouchStatus.words`, made once per tier, cadence and day count (a Message is a
    value: the Today agenda of a 20k-account book asks for the same few hundred 4k times)."""
    since = (
        Message.of(N_("never touched"))
        if days_since is None
        else Message.of(*Nn_("last touch {n} day ago", "last touch {n} days ago"), n=days_since)
    )
    cadence = (
        Message.of(N_("no cadence"))
        if cadence_days is None
        else Message.of(N_("cadence {n}"), n=cadence_days)
    )
    return Message.of(
        N_("{tier} · {since}, {cadence}"),
        tier=Message.of(tier.label),
        since=since,
        cadence=cadence,
    )


def days_between(earlier: datetime, later: datetime, zone: tzinfo = UTC) -> int:
    """Whole calendar days from `earlier` to `later`, counted on the user's days in `zone`.

    With the default UTC, a touch at 01:00 in Shanghai is on the previous (UTC) day; with
    `zone` Asia/Shanghai it is on its own Shanghai day. Naive datetimes are taken as UTC.
    """
    return (local_day(later, zone) - local_day(earlier, zone)).days


def touch_status(
    tier: Tier,
    last_touch: datetime | None,
    now: datetime,
    rules: TierRules,
    zone: tzinfo = UTC,
) -> TouchStatus:
    """Days since the last touch, counted in the user's `zone`, against the cadence."""
    days = None if last_touch is None else max(0, days_between(last_touch, now, zone))
    return TouchStatus(tier=tier, cadence_days=rules.cadence_days(tier), days_since=days)
