"""Sales motion and the activity standard health is judged against (seed 000).

One activity standard for every account is the mistake the seed warns about: long-cycle
accounts are judged on their use of opportunities, short-cycle ones on leads and the
public pool; channel accounts also on partner-registered deals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SalesMotion(StrEnum):
    SHORT_DIRECT = "short-direct"
    LONG_DIRECT = "long-direct"
    SHORT_CHANNEL = "short-channel"
    LONG_CHANNEL = "long-channel"

    @property
    def label(self) -> str:
        cycle, route = self.value.split("-")
        return f"{cycle}-cycle {route}"

    @classmethod
    def parse(cls, text: str) -> SalesMotion:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        key = key.replace("-cycle", "")
        for motion in cls:
            if motion.value == key:
                return motion
        raise ValueError(
            f"unknown sales motion {text!r}; expected one of " + ", ".join(m.value for m in cls)
        )


@dataclass(frozen=True)
class ActivityStandard:
    """What "active" means for an account of this motion.

    `key_features` are the feature items whose use counts; targets are per active seat.
    """

    motion: SalesMotion
    key_features: tuple[str, ...]
    login_rate_target: float  # share of seats logging in weekly
    key_actions_per_user_week: float  # uses of the key features per active user per week
    dau_mau_target: float
    session_minutes_target: float
    messages_per_user_week: float


STANDARDS: dict[SalesMotion, ActivityStandard] = {
    SalesMotion.SHORT_DIRECT: ActivityStandard(
        SalesMotion.SHORT_DIRECT, ("leads", "public pool"), 0.80, 25.0, 0.50, 25.0, 30.0
    ),
    SalesMotion.LONG_DIRECT: ActivityStandard(
        SalesMotion.LONG_DIRECT, ("opportunities", "contacts"), 0.60, 6.0, 0.35, 20.0, 12.0
    ),
    SalesMotion.SHORT_CHANNEL: ActivityStandard(
        SalesMotion.SHORT_CHANNEL, ("leads", "partner deals"), 0.70, 15.0, 0.40, 18.0, 20.0
    ),
    SalesMotion.LONG_CHANNEL: ActivityStandard(
        SalesMotion.LONG_CHANNEL, ("opportunities", "partner deals"), 0.50, 4.0, 0.30, 15.0, 8.0
    ),
}


def standard_for(motion: SalesMotion) -> ActivityStandard:
    return STANDARDS[motion]
