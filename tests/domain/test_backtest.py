"""The health back-test, hand-computed on tiny books (domain.backtest)."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.domain.backtest import (
    BacktestCase,
    Outcome,
    auc,
    backtest,
    rescore,
    weights_from_mapping,
)
from csm_tui.domain.health import DEFAULT_WEIGHTS, Band, Component
from csm_tui.domain.tiers import Tier

DAY = date(2026, 6, 1)
S, E = Tier.STRATEGIC, Tier.ENTERPRISE


def case(name, outcome, score, arr=10_000.0, tier=S, motion="long-direct", components=None):
    return BacktestCase(name, DAY, outcome, arr, 0.0 if outcome is Outcome.CHURNED else arr,
                        tier, motion, score, components or {})  # fmt: skip


BOOK = [
    case("A", Outcome.RENEWED, 80),
    case("B", Outcome.RENEWED, 55),
    case("C", Outcome.DOWNSELL, 35),
    case("D", Outcome.CHURNED, 30, arr=10_000, tier=E, motion="short-direct"),
    case("E", Outcome.CHURNED, 60, arr=30_000, tier=E, motion="short-direct"),
    case("G", Outcome.CHURNED, 75, arr=20_000, tier=E),
    case("F", Outcome.RENEWED, None),
]


def test_tiny_book_churn_per_band_warned_arr_and_auc_as_hand_computed():
    """Kept scores 80, 55, 35 (A, B, C; a downsell is kept); churned 30, 60, 75.

    Bands: red {C 35, D 30}: 1 churned of 2; yellow {B 55, E 60}: 1 of 2; green {A 80,
    G 75}: 1 of 2. F has no score then: counted apart.
    Churned ARR 10k (D, red) + 30k (E, yellow) + 20k (G, green) = 60k; red or yellow 40k
    → 2/3.
    AUC, pair by pair (kept > churned): 80 beats 30, 60, 75 (3); 55 beats 30 (1); 35
    beats 30 (1) → 5 of 3×3 = 5/9. By ranks: 30c 1, 35k 2, 55k 3, 60c 4, 75c 5, 80k 6;
    R_kept = 2+3+6 = 11, U = 11 − 3·4/2 = 5, AUC = 5/9.
    """
    report = backtest(BOOK, 90, date(2025, 11, 22), date(2026, 11, 22))
    all_ = report.overall
    assert all_.decisions == 7 and all_.scored == 6 and all_.unscored == 1
    red, yellow, green = (all_.band(b) for b in (Band.RED, Band.YELLOW, Band.GREEN))
    assert (red.decisions, red.churned, red.downsell, red.churn_rate) == (2, 1, 1, 0.5)
    assert (yellow.decisions, yellow.churned, yellow.churn_rate) == (2, 1, 0.5)
    assert (green.decisions, green.churned, green.churn_rate) == (2, 1, 0.5)
    assert all_.churned_arr == 60_000
    assert all_.churned_arr_warned == pytest.approx(2 / 3)
    assert all_.auc == pytest.approx(5 / 9)


def test_per_tier_and_per_motion_groups_split_the_same_decisions():
    report = backtest(BOOK, 90, date(2025, 11, 22), date(2026, 11, 22))
    tiers = {g.key: g for g in report.by_tier}
    assert list(tiers) == ["strategic", "enterprise"]
    # Strategic: A 80, B 55, C 35 kept, F unscored, nothing churned: no AUC.
    assert tiers["strategic"].decisions == 4 and tiers["strategic"].auc is None
    # Enterprise: churned only (30, 60, 75): no AUC either, all its churned ARR counted.
    assert tiers["enterprise"].churned == 3 and tiers["enterprise"].auc is None
    motions = {g.key: g for g in report.by_motion}
    assert list(motions) == ["long-direct", "short-direct"]
    # Long-direct: kept 80, 55, 35 against churned 75 (G): only 80 beats it → 1/3.
    assert motions["long-direct"].auc == pytest.approx(1 / 3)
    assert motions["short-direct"].churned_arr_warned == 1.0


def test_auc_ties_count_half_and_a_perfect_ranking_is_one():
    assert auc([50], [50]) == 0.5
    assert auc([90, 80], [10, 20]) == 1.0
    assert auc([10], [90]) == 0.0
    assert auc([], [10]) is None and auc([10], []) is None


def test_a_win_back_is_not_a_renewal_outcome_and_a_renewal_down_is_a_downsell():
    assert Outcome.of("win_back", "up") is None
    assert Outcome.of("renewed", "down") is Outcome.DOWNSELL
    assert Outcome.of("renewed", "flat") is Outcome.RENEWED
    assert Outcome.of("churned", "down") is Outcome.CHURNED


# Strategic defaults: usage 30, support 10, engagement 20, outcome 15, commercial 10,
# sentiment 15.
KEPT_POINTS = {"usage": 0, "support": 10, "engagement": 20, "outcome": 15, "commercial": 10,
               "sentiment": 15}  # fmt: skip  # = 70: no usage, touched on cadence
LOST_POINTS = {"usage": 30, "support": 10, "engagement": 0, "outcome": 15, "commercial": 10,
               "sentiment": 15}  # fmt: skip  # = 80: full usage, never touched


def test_rescore_weighs_each_components_value_again():
    """LOST: usage 30/30 = 1, engagement 0/20 = 0, the rest full. With usage 10 and
    engagement 40: 10 + 10 + 0 + 15 + 10 + 15 = 60."""
    weights = weights_from_mapping({"strategic": {"usage": 10, "engagement": 40}})
    assert rescore(LOST_POINTS, S, DEFAULT_WEIGHTS) == 80
    assert rescore(LOST_POINTS, S, weights) == 60
    assert rescore(KEPT_POINTS, S, weights) == 90  # 0 + 10 + 40 + 15 + 10 + 15
    assert rescore({}, S, weights) is None


def test_weights_that_favour_what_predicts_raise_the_auc_against_the_recorded_scores():
    cases = [
        case("K", Outcome.RENEWED, 70, components=KEPT_POINTS),
        case("L", Outcome.CHURNED, 80, components=LOST_POINTS),
    ]
    recorded = backtest(cases, 90, date(2025, 11, 22), date(2026, 11, 22))
    assert recorded.overall.auc == 0.0 and recorded.weights == "recorded"
    weights = weights_from_mapping({"strategic": {"usage": 10, "engagement": 40}})
    better = backtest(cases, 90, date(2025, 11, 22), date(2026, 11, 22), weights)
    assert better.weights == "settings"
    assert better.recorded_auc == 0.0
    assert better.overall.auc == 1.0
    assert better.overall.band(Band.GREEN).renewed == 1  # K rescored 90
    assert better.overall.band(Band.YELLOW).churned == 1  # L rescored 60


def test_weights_in_the_settings_must_add_up_and_name_real_components():
    assert weights_from_mapping({}) is None
    with pytest.raises(ValueError, match="add up to 100"):
        weights_from_mapping({"strategic": {"usage": 40}})
    with pytest.raises(ValueError, match="unknown component 'vibes'"):
        weights_from_mapping({"growth": {"vibes": 10}})
    with pytest.raises(ValueError, match="unknown tier"):
        weights_from_mapping({"gold": {"usage": 10}})
    row = weights_from_mapping({"scale": {"usage": 40, "support": 20}})[Tier.SCALE]
    assert row[Component.USAGE] == 40 and sum(row.values()) == 100


def test_the_settings_file_carries_health_weights_and_names_itself_in_a_mistake(tmp_path):
    from csm_tui.config import SettingsError, load_settings

    good = tmp_path / "good.toml"
    good.write_text("[health.weights.strategic]\nusage = 10\nengagement = 40\n", "utf-8")
    weights = load_settings(good).health_weights
    assert weights[Tier.STRATEGIC][Component.ENGAGEMENT] == 40
    assert weights[Tier.GROWTH] == DEFAULT_WEIGHTS[Tier.GROWTH]
    assert load_settings(tmp_path / "none.toml").health_weights is None
    bad = tmp_path / "bad.toml"
    bad.write_text("[health.weights.growth]\nusage = 90\n", "utf-8")
    with pytest.raises(SettingsError, match=r"bad\.toml: health\.weights\.growth must add up"):
        load_settings(bad)
