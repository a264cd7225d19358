"""Lifecycle stages, per-tier checklists and activation risk (seeds 000, 001)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from csm_tui.domain.errors import MessageError
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message, shown_as


class Stage(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVATION = "activation"
    ADOPTION = "adoption"
    RENEWAL = "renewal"  # renewal & expansion
    CHURNED = "churned"

    @property
    def label(self) -> str:
        """The stage in English words (a msgid: the edge shows `_(stage.label)`)."""
        return {
            "onboarding": N_("Onboarding"),
            "activation": N_("Activation"),
            "adoption": N_("Adoption"),
            "renewal": N_("Renewal & Expansion"),
            "churned": N_("Churned"),
        }[self.value]

    @property
    def next(self) -> Stage | None:
        """The stage an account advances to; None at the end of the line."""
        return _NEXT.get(self)

    @classmethod
    def parse(cls, text: str) -> Stage:
        key = " ".join(text.strip().lower().replace("&", " and ").split())
        aliases = {
            "expansion": "renewal",
            "renew": "renewal",
            "onboard": "onboarding",
            "activate": "activation",
            "adopt": "adoption",
            "churn": "churned",
            "implementation": "onboarding",
            "delivery": "onboarding",
            "renewal and expansion": "renewal",
            "renewal-expansion": "renewal",
        }
        key = aliases.get(key, key)
        for stage in cls:
            if stage.value == key or (len(key) >= 3 and stage.value.startswith(key)):
                return stage
        shown = shown_as(cls, text)  # as the app shows it, in either language: "交付"
        if shown is not None:
            return shown
        raise MessageError(
            Message.of(
                N_("unknown stage {text}; expected one of {choices}"),
                text=repr(text),
                choices=", ".join(s.value for s in cls),
            )
        )


STAGE_ORDER: tuple[Stage, ...] = (
    Stage.ONBOARDING,
    Stage.ACTIVATION,
    Stage.ADOPTION,
    Stage.RENEWAL,
    Stage.CHURNED,
)
_NEXT = {
    Stage.ONBOARDING: Stage.ACTIVATION,
    Stage.ACTIVATION: Stage.ADOPTION,
    Stage.ADOPTION: Stage.RENEWAL,
}


@dataclass(frozen=True)
class ChecklistTemplateItem:
    key: str
    label: str
    required: bool


_ALL = frozenset(Tier)
_HIGH = frozenset({Tier.STRATEGIC, Tier.ENTERPRISE})
_TOUCHED = frozenset({Tier.STRATEGIC, Tier.ENTERPRISE, Tier.GROWTH})


# (stage, key, label, tiers where it is required, tiers where it is listed at all); the label
# is stored with the item (English, as data) and is a msgid: the edge shows `_(label)`, so a
# template item reads in the interface language and an item typed by hand as it was typed.
_TEMPLATE: tuple[tuple[Stage, str, str, frozenset[Tier], frozenset[Tier]], ...] = (
    (Stage.ONBOARDING, "kickoff", N_("Kickoff meeting held"), _TOUCHED, _ALL - {Tier.SELF_SERVE}),
    (Stage.ONBOARDING, "goals", N_("Success goals agreed and written down"), _HIGH, _TOUCHED),
    (
        Stage.ONBOARDING,
        "stakeholders",
        N_("Stakeholder map: sponsor and champion named"),
        _HIGH,
        _TOUCHED,
    ),
    (
        Stage.ONBOARDING,
        "config",
        N_("Product configured to the customer's process"),
        _TOUCHED,
        _ALL,
    ),
    (Stage.ONBOARDING, "data", N_("Data imported and checked"), _TOUCHED, _ALL),
    (Stage.ONBOARDING, "admin_trained", N_("Admin trained"), _ALL - {Tier.SELF_SERVE}, _ALL),
    (Stage.ONBOARDING, "go_live", N_("Go-live date set and reached"), _ALL, _ALL),
    (
        Stage.ACTIVATION,
        "users_trained",
        N_("End users trained"),
        _TOUCHED,
        _ALL - {Tier.SELF_SERVE},
    ),
    (Stage.ACTIVATION, "first_value", N_("First value reached on the key feature"), _ALL, _ALL),
    (Stage.ACTIVATION, "standard_met", N_("Activity standard met for 2 weeks"), _TOUCHED, _ALL),
    (Stage.ACTIVATION, "handover", N_("Handover from delivery to CSM"), _HIGH, _TOUCHED),
    (Stage.ADOPTION, "cadence", N_("Touch cadence agreed with the champion"), _HIGH, _TOUCHED),
    (Stage.ADOPTION, "health_review", N_("Health reviewed with the customer"), _HIGH, _TOUCHED),
    (Stage.ADOPTION, "qbr", N_("QBR held"), _HIGH, _HIGH),
    (
        Stage.ADOPTION,
        "exec_sponsor",
        N_("Executive sponsor met"),
        frozenset({Tier.STRATEGIC}),
        _HIGH,
    ),
    (Stage.ADOPTION, "nps", N_("NPS collected"), frozenset(), _ALL - {Tier.SELF_SERVE}),
    (Stage.RENEWAL, "value_summary", N_("Value summary sent"), _HIGH, _TOUCHED),
    (Stage.RENEWAL, "renewal_quote", N_("Renewal quote sent"), _ALL - {Tier.SELF_SERVE}, _ALL),
    (Stage.RENEWAL, "renewal_signed", N_("Renewal signed"), _ALL, _ALL),
    (Stage.RENEWAL, "expansion", N_("Expansion discussed"), frozenset(), _TOUCHED),
    (Stage.RENEWAL, "referral", N_("Referral or case study asked"), frozenset(), _HIGH),
)


def checklist_template(stage: Stage, tier: Tier) -> tuple[ChecklistTemplateItem, ...]:
    """The checklist for this stage and tier, required items first."""
    items = [
        ChecklistTemplateItem(key, label, tier in required)
        for st, key, label, required, listed in _TEMPLATE
        if st is stage and tier in listed
    ]
    return tuple(sorted(items, key=lambda item: not item.required))


@dataclass(frozen=True)
class StageGate:
    stage: Stage
    target: Stage | None
    missing_required: tuple[ChecklistTemplateItem, ...]

    @property
    def can_advance(self) -> bool:
        return self.target is not None and not self.missing_required

    @property
    def why_not(self) -> str:
        if self.target is None:
            return f"{self.stage.label} is the last stage"
        if not self.missing_required:
            return ""
        return "missing required: " + "; ".join(item.label for item in self.missing_required)


def stage_gate(stage: Stage, tier: Tier, done_keys: set[str] | frozenset[str]) -> StageGate:
    """May an account leave `stage`? Required items of the tier's checklist gate it."""
    missing = tuple(
        item
        for item in checklist_template(stage, tier)
        if item.required and item.key not in done_keys
    )
    return StageGate(stage=stage, target=stage.next, missing_required=missing)


class ActivationRisk(StrEnum):
    NONE = "none"
    LATE = "late"  # ≥ 30 days after go-live, not activated: 30–40% chance left
    ZOMBIE = "zombie"  # ≥ 90 days: 70–80% become zombies

    @property
    def why(self) -> str:
        """In English (a msgid: the edge shows `_(risk.why)`); "" for no risk."""
        return {
            ActivationRisk.NONE: "",
            ActivationRisk.LATE: N_("not activated 30+ days after go-live (only 30–40% still do)"),
            ActivationRisk.ZOMBIE: N_(
                "not activated 90+ days after go-live (70–80% become zombies)"
            ),
        }[self]


LATE_ACTIVATION_DAYS = 30
ZOMBIE_DAYS = 90


def activation_risk(
    go_live: date | None, activated: date | None, stage: Stage, today: date
) -> ActivationRisk:
    """Flag accounts past go-live that have not activated (seed 001's time box)."""
    if (
        go_live is None
        or activated is not None
        or stage not in (Stage.ONBOARDING, Stage.ACTIVATION)
    ):
        return ActivationRisk.NONE
    days = (today - go_live).days
    if days >= ZOMBIE_DAYS:
        return ActivationRisk.ZOMBIE
    if days >= LATE_ACTIVATION_DAYS:
        return ActivationRisk.LATE
    return ActivationRisk.NONE
