"""The interface's words for more of the domain's codes (stages, sorts, health components
and bands, sales motions, task states, activation risk), as catalog msgids: a screen shows
``_(STAGE_LABEL[stage])``. Beside `ui/labels.py` (tiers, activity kinds, sentiments, roles);
the domain keeps its codes and its English `label` (scripts, CLI tables).
"""

from __future__ import annotations

from csm_tui.domain.health_terms import Band, Component
from csm_tui.domain.language.filters import PortfolioSort
from csm_tui.domain.lifecycle import ActivationRisk, Stage
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, _

STAGE_LABEL = {
    Stage.ONBOARDING: N_("Onboarding"),
    Stage.ACTIVATION: N_("Activation"),
    Stage.ADOPTION: N_("Adoption"),
    Stage.RENEWAL: N_("Renewal & Expansion"),
    Stage.CHURNED: N_("Churned"),
}
SORT_LABEL = {
    PortfolioSort.TIER_HEALTH: N_("tier, health ↑"),
    PortfolioSort.RENEWAL: N_("renewal soonest"),
    PortfolioSort.LAST_TOUCH: N_("last touch oldest"),
    PortfolioSort.ARR: N_("ARR ↓"),
    PortfolioSort.NAME: N_("name"),
}
COMPONENT_LABEL = {
    Component.USAGE: N_("Product usage"),
    Component.SUPPORT: N_("Support"),
    Component.ENGAGEMENT: N_("Engagement"),
    Component.OUTCOME: N_("Business outcome"),
    Component.COMMERCIAL: N_("Commercial"),
    Component.SENTIMENT: N_("Sentiment"),
}
BAND_LABEL = {Band.RED: N_("red"), Band.YELLOW: N_("yellow"), Band.GREEN: N_("green")}
MOTION_LABEL = {
    SalesMotion.SHORT_DIRECT: N_("short-cycle direct"),
    SalesMotion.LONG_DIRECT: N_("long-cycle direct"),
    SalesMotion.SHORT_CHANNEL: N_("short-cycle channel"),
    SalesMotion.LONG_CHANNEL: N_("long-cycle channel"),
}
TASK_STATE_LABEL = {
    "late": N_("late"),
    "today": N_("today"),
    "upcoming": N_("upcoming"),
    "none": N_("none"),
    "done": N_("done"),
}
ACTIVATION_RISK_WHY = {
    ActivationRisk.LATE: N_("not activated 30+ days after go-live (only 30–40% still do)"),
    ActivationRisk.ZOMBIE: N_("not activated 90+ days after go-live (70–80% become zombies)"),
}


def stage_label(stage: Stage | str) -> str:
    return _(STAGE_LABEL[Stage(stage)])


def sort_label(sort: PortfolioSort) -> str:
    return _(SORT_LABEL[sort])


def tier_words(tier: Tier) -> str:
    """The tier in the interface language (its label is a msgid)."""
    return _(tier.label)
