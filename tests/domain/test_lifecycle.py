"""Lifecycle: stages, per-tier checklists that gate the next stage, activation risk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from csm_tui.domain.lifecycle import (
    STAGE_ORDER,
    ActivationRisk,
    Stage,
    activation_risk,
    checklist_template,
    stage_gate,
)
from csm_tui.domain.tiers import Tier

WORKING_STAGES = (Stage.ONBOARDING, Stage.ACTIVATION, Stage.ADOPTION, Stage.RENEWAL)


@pytest.mark.parametrize("stage", WORKING_STAGES)
def test_self_serve_has_fewer_items_than_strategic(stage: Stage) -> None:
    strategic = checklist_template(stage, Tier.STRATEGIC)
    self_serve = checklist_template(stage, Tier.SELF_SERVE)
    assert len(self_serve) < len(strategic)
    assert {i.key for i in self_serve} <= {i.key for i in strategic}


@pytest.mark.parametrize("stage", WORKING_STAGES)
def test_lower_tiers_never_have_more_required_items(stage: Stage) -> None:
    required = [
        sum(i.required for i in checklist_template(stage, t))
        for t in sorted(Tier, key=lambda t: t.rank)
    ]
    assert required == sorted(required, reverse=True)
    assert required[0] > 0


@pytest.mark.parametrize("stage", WORKING_STAGES)
@pytest.mark.parametrize("tier", list(Tier))
def test_required_items_come_first(stage: Stage, tier: Tier) -> None:
    flags = [item.required for item in checklist_template(stage, tier)]
    assert flags == sorted(flags, reverse=True)
    assert len({item.key for item in checklist_template(stage, tier)}) == len(flags)


def test_strategic_onboarding_checklist() -> None:
    items = checklist_template(Stage.ONBOARDING, Tier.STRATEGIC)
    required = [i.key for i in items if i.required]
    assert required[:3] == ["kickoff", "goals", "stakeholders"]
    assert "go_live" in required
    assert all(i.required for i in items)


def test_growth_onboarding_has_optional_items() -> None:
    items = checklist_template(Stage.ONBOARDING, Tier.GROWTH)
    optional = [i.key for i in items if not i.required]
    assert optional == ["goals", "stakeholders"]


def test_churned_has_no_checklist() -> None:
    assert checklist_template(Stage.CHURNED, Tier.STRATEGIC) == ()


def test_gate_refuses_and_lists_the_missing_required_items() -> None:
    gate = stage_gate(Stage.ONBOARDING, Tier.ENTERPRISE, {"kickoff", "goals", "config"})
    assert not gate.can_advance
    assert gate.target is Stage.ACTIVATION
    assert [i.key for i in gate.missing_required] == [
        "stakeholders",
        "data",
        "admin_trained",
        "go_live",
    ]
    assert gate.why_not == (
        "missing required: Stakeholder map: sponsor and champion named; "
        "Data imported and checked; Admin trained; Go-live date set and reached"
    )


def test_optional_items_do_not_gate() -> None:
    items = checklist_template(Stage.ONBOARDING, Tier.GROWTH)
    done = {i.key for i in items if i.required}
    gate = stage_gate(Stage.ONBOARDING, Tier.GROWTH, done)
    assert gate.can_advance
    assert gate.why_not == ""


@pytest.mark.parametrize("stage", [Stage.ONBOARDING, Stage.ACTIVATION, Stage.ADOPTION])
@pytest.mark.parametrize("tier", list(Tier))
def test_gate_allows_when_every_required_item_is_done(stage: Stage, tier: Tier) -> None:
    done = frozenset(i.key for i in checklist_template(stage, tier) if i.required)
    gate = stage_gate(stage, tier, done)
    assert gate.can_advance
    assert gate.target is stage.next
    if done:
        assert not stage_gate(stage, tier, set()).can_advance


@pytest.mark.parametrize("stage", [Stage.RENEWAL, Stage.CHURNED])
def test_no_stage_after_the_last(stage: Stage) -> None:
    everything = {i.key for t in Tier for i in checklist_template(stage, t)}
    gate = stage_gate(stage, Tier.STRATEGIC, everything)
    assert gate.target is None
    assert not gate.can_advance
    assert gate.why_not == f"{stage.label} is the last stage"


def test_stages_advance_in_order() -> None:
    assert [s.next for s in STAGE_ORDER] == [
        Stage.ACTIVATION,
        Stage.ADOPTION,
        Stage.RENEWAL,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("onboarding", Stage.ONBOARDING),
        ("Implementation", Stage.ONBOARDING),
        ("delivery", Stage.ONBOARDING),
        ("onb", Stage.ONBOARDING),
        ("activate", Stage.ACTIVATION),
        ("adopt", Stage.ADOPTION),
        ("expansion", Stage.RENEWAL),
        ("renew", Stage.RENEWAL),
        ("Renewal & Expansion", Stage.RENEWAL),
        ("renewal and expansion", Stage.RENEWAL),
        ("churn", Stage.CHURNED),
        ("  CHURNED ", Stage.CHURNED),
    ],
)
def test_stage_parse_aliases(text: str, stage: Stage) -> None:
    assert Stage.parse(text) is stage


def test_every_stage_label_parses_back() -> None:
    for stage in Stage:
        assert Stage.parse(stage.label) is stage


@pytest.mark.parametrize("text", ["", "ad", "won", "live"])
def test_stage_parse_refuses_unknown_text(text: str) -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        Stage.parse(text)


# --- activation risk ---------------------------------------------------------------------

GO_LIVE = date(2026, 1, 10)


@pytest.mark.parametrize(
    ("days", "risk"),
    [
        (0, ActivationRisk.NONE),
        (29, ActivationRisk.NONE),
        (30, ActivationRisk.LATE),
        (89, ActivationRisk.LATE),
        (90, ActivationRisk.ZOMBIE),
        (400, ActivationRisk.ZOMBIE),
        (-5, ActivationRisk.NONE),
    ],
)
@pytest.mark.parametrize("stage", [Stage.ONBOARDING, Stage.ACTIVATION])
def test_activation_risk_thresholds(days: int, risk: ActivationRisk, stage: Stage) -> None:
    today = GO_LIVE + timedelta(days=days)
    assert activation_risk(GO_LIVE, None, stage, today) is risk


def test_activated_accounts_are_never_flagged() -> None:
    for days in (30, 90, 500):
        today = GO_LIVE + timedelta(days=days)
        activated = GO_LIVE + timedelta(days=days - 1)
        risk = activation_risk(GO_LIVE, activated, Stage.ACTIVATION, today)
        assert risk is ActivationRisk.NONE


@pytest.mark.parametrize("stage", [Stage.ADOPTION, Stage.RENEWAL, Stage.CHURNED])
def test_later_stages_are_never_flagged(stage: Stage) -> None:
    assert activation_risk(GO_LIVE, None, stage, GO_LIVE + timedelta(days=200)) is (
        ActivationRisk.NONE
    )


def test_no_go_live_date_no_flag() -> None:
    assert activation_risk(None, None, Stage.ONBOARDING, GO_LIVE) is ActivationRisk.NONE


def test_risk_explains_the_odds() -> None:
    assert "30–40%" in ActivationRisk.LATE.why
    assert "70–80%" in ActivationRisk.ZOMBIE.why
    assert ActivationRisk.NONE.why == ""
