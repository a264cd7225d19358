"""Touch cadence: days since the last touch against the tier's cadence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

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
        since = (
            Message.of(N_("never touched"))
            if self.days_since is None
            else Message.of(
                *Nn_("last touch {n} day ago", "last touch {n} days ago"), n=self.days_since
            )
        )
        cadence = (
            Message.of(N_("no cadence"))
            if self.cadence_days is None
            else Message.of(N_("cadence {n}"), n=self.cadence_days)
        )
        return Message.of(
            N_("{tier} · {since}, {cadence}"),
            tier=Message.of(self.tier.label),
            since=since,
            cadence=cadence,
        )


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar days from `earlier` to `later`, counted on UTC dates.

    Aware datetimes are converted to UTC first (a touch at 01:00 in Shanghai is on the
    previous UTC day); naive ones are taken as UTC.
    """
    return (_utc_date(later) - _utc_date(earlier)).days


def _utc_date(value: datetime) -> date:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date()


def touch_status(
    tier: Tier, last_touch: datetime | None, now: datetime, rules: TierRules
) -> TouchStatus:
    days = None if last_touch is None else max(0, days_between(last_touch, now))
    return TouchStatus(tier=tier, cadence_days=rules.cadence_days(tier), days_since=days)
