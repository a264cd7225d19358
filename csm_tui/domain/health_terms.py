"""The terms health is told in: its six components, its three bands and the arrow of its
trend. What a list of accounts shows of health, apart from the scoring model
(`domain.health`, which uses these): the portfolio imports only this before its first
frame (issue 12)."""

from __future__ import annotations

from enum import StrEnum

from csm_tui.i18n import N_


class Component(StrEnum):
    USAGE = "usage"
    SUPPORT = "support"
    ENGAGEMENT = "engagement"
    OUTCOME = "outcome"
    COMMERCIAL = "commercial"
    SENTIMENT = "sentiment"

    @property
    def label(self) -> str:
        """The component in English words (a msgid: the edge shows `_(component.label)`)."""
        return {
            "usage": N_("Product usage"),
            "support": N_("Support"),
            "engagement": N_("Engagement"),
            "outcome": N_("Business outcome"),
            "commercial": N_("Commercial"),
            "sentiment": N_("Sentiment"),
        }[self.value]


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


def band_for(score: float) -> Band:
    if score < 40:
        return Band.RED
    if score < 70:
        return Band.YELLOW
    return Band.GREEN


TREND_POINTS = 3
"""A change of this many points or more shows as a rise or a fall; less, as steady."""


def arrow_for(delta: int | None) -> str:
    """The trend arrow for a change of `delta` points (None: no history)."""
    if delta is None:
        return " "
    if delta >= TREND_POINTS:
        return "↑"
    if delta <= -TREND_POINTS:
        return "↓"
    return "→"
