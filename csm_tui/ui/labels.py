"""The words for the domain's codes that screens show (tiers, activity kinds, sentiments,
contact roles), as catalog msgids: a screen shows ``_(KIND_LABEL[kind])``.

The domain keeps its codes and its English `label` (scripts, CLI tables); these are the
interface's words for them, in the language of the moment.
"""

from __future__ import annotations

from csm_tui.domain.records import ActivityKind, ContactRole, Sentiment
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.i18n import N_, NC_, _

TIER_LABEL = {
    Tier.STRATEGIC: N_("Strategic"),
    Tier.ENTERPRISE: N_("Enterprise"),
    Tier.GROWTH: N_("Growth"),
    Tier.SCALE: N_("Scale"),
    Tier.SELF_SERVE: N_("Self-Serve"),
}
KIND_LABEL = {
    ActivityKind.CALL: N_("Call"),
    ActivityKind.MEETING: N_("Meeting"),
    ActivityKind.EMAIL: NC_("activity type", "Email"),
    ActivityKind.ONSITE: N_("Onsite"),
    ActivityKind.QBR: N_("QBR"),
    ActivityKind.TRAINING: N_("Training"),
    ActivityKind.ESCALATION: N_("Escalation"),
    ActivityKind.NOTE: NC_("activity type", "Note"),
}
SENTIMENT_LABEL = {
    Sentiment.POSITIVE: N_("positive"),
    Sentiment.NEUTRAL: N_("neutral"),
    Sentiment.NEGATIVE: N_("negative"),
}
ROLE_LABEL = {
    ContactRole.SPONSOR: N_("sponsor"),
    ContactRole.CHAMPION: N_("champion"),
    ContactRole.USER: NC_("contact role", "user"),
    ContactRole.BLOCKER: N_("blocker"),
}


def tier_label(tier: Tier) -> str:
    return _(TIER_LABEL[tier])


def kind_label(kind: ActivityKind) -> str:
    return _(KIND_LABEL[kind])


def sentiment_label(sentiment: Sentiment) -> str:
    return _(SENTIMENT_LABEL[sentiment])


def role_label(role: ContactRole | str) -> str:
    try:
        return _(ROLE_LABEL[ContactRole(role)])
    except ValueError:
        return str(role)


OVERRIDE_REASON_LABEL = {
    OverrideReason.FLAGSHIP: N_("flagship"),
    OverrideReason.INDUSTRY_INFLUENCE: N_("influence"),
    OverrideReason.SEATS: N_("seats"),
    OverrideReason.EXPANSION_POTENTIAL: N_("potential"),
    OverrideReason.OTHER: N_("other"),
}


def override_reason_label(reason: OverrideReason) -> str:
    return _(OVERRIDE_REASON_LABEL[reason])
