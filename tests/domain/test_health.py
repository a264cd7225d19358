"""Health: 0–100, weighted per tier, explainable, judged against the sales motion."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.health import (
    DEFAULT_WEIGHTS,
    Band,
    Component,
    HealthScore,
    HealthSignals,
    HealthTrend,
    PaymentStatus,
    arrow_for,
    band_for,
    score_health,
    validate_weights,
)
from csm_tui.domain.motion import STANDARDS, SalesMotion, standard_for
from csm_tui.domain.tiers import Tier

PERFECT = HealthSignals(
    seats=20,
    weekly_active_users=20,
    key_actions_per_user_week=100.0,
    dau_mau=1.0,
    session_minutes=120.0,
    messages_per_user_week=100.0,
    open_tickets=0,
    avg_response_hours=1.0,
    days_since_touch=3,
    cadence_days=14,
    volume_trend_pct=40.0,
    payment=PaymentStatus.CURRENT,
    nps=100,
    csm_pulse=5,
)

LONG = standard_for(SalesMotion.LONG_DIRECT)
SHORT = standard_for(SalesMotion.SHORT_DIRECT)

# Worst to best, so "better" is a higher index.
PAYMENT_ORDER = [
    PaymentStatus.COLLECTIONS,
    PaymentStatus.OVERDUE,
    PaymentStatus.LATE,
    PaymentStatus.CURRENT,
]

signals_st = st.builds(
    HealthSignals,
    seats=st.integers(0, 5_000),
    weekly_active_users=st.integers(0, 6_000),
    key_actions_per_user_week=st.floats(0, 200),
    dau_mau=st.floats(0, 1),
    session_minutes=st.floats(0, 300),
    messages_per_user_week=st.floats(0, 200),
    open_tickets=st.integers(0, 200),
    avg_response_hours=st.floats(0, 1_000),
    days_since_touch=st.none() | st.integers(0, 3_000),
    cadence_days=st.none() | st.sampled_from([7, 14, 30, 60, 90]) | st.integers(1, 400),
    volume_trend_pct=st.floats(-100, 1_000),
    payment=st.sampled_from(PaymentStatus),
    nps=st.none() | st.integers(-100, 100),
    csm_pulse=st.none() | st.integers(1, 5),
)
tier_st = st.sampled_from(Tier)
standard_st = st.sampled_from(list(STANDARDS.values()))


def component(score: HealthScore, which: Component):
    return next(c for c in score.components if c.component is which)


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=200)
@given(signals_st, tier_st, standard_st)
def test_score_is_in_range_and_its_points_add_up(signals, tier, standard) -> None:
    health = score_health(signals, tier, standard)
    assert 0 <= health.score <= 100
    assert sum(c.points for c in health.components) == health.score
    assert [c.component for c in health.components] == list(Component)
    for c in health.components:
        assert 0 <= c.value <= 1
        assert 0 <= c.points <= c.weight
        assert abs(c.points - c.exact_points) < 1
    assert health.band is band_for(health.score)


def _better(field: str, signals: HealthSignals, draw) -> HealthSignals | None:
    """A copy of `signals` with one raw signal moved in its "better" direction."""
    old = getattr(signals, field)
    match field:
        case "weekly_active_users":
            new = old + draw(st.integers(0, 1_000))
        case (
            "key_actions_per_user_week"
            | "session_minutes"
            | "messages_per_user_week"
            | "volume_trend_pct"
        ):
            new = old + draw(st.floats(0, 500))
        case "dau_mau":
            new = draw(st.floats(old, 1))
        case "open_tickets":
            new = draw(st.integers(0, old))
        case "avg_response_hours":
            new = draw(st.floats(0, old))
        case "days_since_touch":
            new = draw(st.integers(0, 3_000 if old is None else old))
        case "payment":
            new = draw(st.sampled_from(PAYMENT_ORDER[PAYMENT_ORDER.index(old) :]))
        case "nps":
            if old is None:
                return None
            new = draw(st.integers(old, 100))
        case "csm_pulse":
            if old is None:
                return None
            new = draw(st.integers(old, 5))
        case _:
            raise AssertionError(field)
    return replace(signals, **{field: new})


IMPROVABLE = [
    "weekly_active_users",
    "key_actions_per_user_week",
    "dau_mau",
    "session_minutes",
    "messages_per_user_week",
    "open_tickets",
    "avg_response_hours",
    "days_since_touch",
    "volume_trend_pct",
    "payment",
    "nps",
    "csm_pulse",
]


@pytest.mark.parametrize("field", IMPROVABLE)
@settings(max_examples=100)
@given(signals=signals_st, tier=tier_st, standard=standard_st, data=st.data())
def test_improving_one_signal_never_lowers_the_score(field, signals, tier, standard, data) -> None:
    better = _better(field, signals, data.draw)
    if better is None:
        return
    before = score_health(signals, tier, standard)
    after = score_health(better, tier, standard)
    assert after.score >= before.score, (field, getattr(signals, field), getattr(better, field))
    for b, a in zip(before.components, after.components, strict=True):
        assert a.value >= b.value - 1e-12


@settings(max_examples=100)
@given(signals_st, tier_st, standard_st)
def test_every_component_is_explained(signals, tier, standard) -> None:
    health = score_health(signals, tier, standard)
    lines = health.explain()
    assert len(lines) == len(Component)
    for c, line in zip(health.components, lines, strict=True):
        assert c.raw and c.standard
        assert c.component.label in line
        assert c.raw in line
        assert c.standard in line
        assert f"{c.points}/{c.weight}" in line


# --- examples -----------------------------------------------------------------------------


@pytest.mark.parametrize("tier", list(Tier))
def test_perfect_account_scores_100_and_has_no_weakness(tier: Tier) -> None:
    health = score_health(PERFECT, tier, LONG)
    assert health.score == 100
    assert health.band is Band.GREEN
    assert health.weakest() == ()


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, Band.RED),
        (39, Band.RED),
        (40, Band.YELLOW),
        (69, Band.YELLOW),
        (70, Band.GREEN),
        (100, Band.GREEN),
    ],
)
def test_band_edges(score: int, band: Band) -> None:
    assert band_for(score) is band
    assert HealthScore(score=score).band is band


def test_default_weights_add_to_100_for_every_tier() -> None:
    validate_weights(DEFAULT_WEIGHTS)
    for tier in Tier:
        assert sum(DEFAULT_WEIGHTS[tier].values()) == 100


def test_weights_follow_the_service_model() -> None:
    # high-touch tiers weigh the relationship, low-touch tiers what the product tells
    assert (
        DEFAULT_WEIGHTS[Tier.STRATEGIC][Component.ENGAGEMENT]
        > DEFAULT_WEIGHTS[Tier.SCALE][Component.ENGAGEMENT]
    )
    assert (
        DEFAULT_WEIGHTS[Tier.SCALE][Component.USAGE]
        > DEFAULT_WEIGHTS[Tier.STRATEGIC][Component.USAGE]
    )
    assert DEFAULT_WEIGHTS[Tier.SELF_SERVE][Component.ENGAGEMENT] == 0


def _weights_with(tier: Tier, row: dict) -> dict:
    weights = {t: dict(r) for t, r in DEFAULT_WEIGHTS.items()}
    weights[tier] = row
    return weights


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({t: r for t, r in DEFAULT_WEIGHTS.items() if t is not Tier.SCALE}, "missing tier scale"),
        (_weights_with(Tier.GROWTH, {Component.USAGE: 100}), "growth must name every"),
        (_weights_with(Tier.GROWTH, {c: 20 for c in Component}), "add up to 100"),
        (
            _weights_with(Tier.GROWTH, {**{c: 25 for c in Component}, Component.USAGE: -25}),
            "must be ≥ 0",
        ),
    ],
)
def test_bad_weights_are_refused(weights, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_weights(weights)


def test_custom_weights_change_the_score() -> None:
    only_usage = {t: {c: (100 if c is Component.USAGE else 0) for c in Component} for t in Tier}
    validate_weights(only_usage)
    idle = replace(
        PERFECT,
        weekly_active_users=0,
        key_actions_per_user_week=0,
        dau_mau=0,
        session_minutes=0,
        messages_per_user_week=0,
    )
    assert score_health(idle, Tier.GROWTH, LONG, only_usage).score == 0
    assert score_health(idle, Tier.GROWTH, LONG).score > 40


def test_explanation_names_raw_value_standard_weight_and_points() -> None:
    signals = replace(PERFECT, days_since_touch=21, open_tickets=4, avg_response_hours=30)
    health = score_health(signals, Tier.STRATEGIC, LONG)
    engagement = component(health, Component.ENGAGEMENT)
    assert engagement.raw == "last touch 21 days ago"
    assert engagement.standard == "every 14 days"
    assert engagement.weight == 20
    assert engagement.points == 10
    support = component(health, Component.SUPPORT)
    assert support.raw == "4 open tickets, 30 h response"
    assert support.standard == "0 tickets, ≤ 4 h"
    assert {m.name for m in support.measures} == {"open tickets", "response time"}
    assert "Engagement: last touch 21 days ago vs every 14 days → 10/20" in health.explain()
    one = score_health(replace(signals, open_tickets=1), Tier.STRATEGIC, LONG)
    assert component(one, Component.SUPPORT).raw == "1 open ticket, 30 h response"


def test_engagement_at_the_cadence_edge() -> None:
    on_time = score_health(replace(PERFECT, days_since_touch=14), Tier.STRATEGIC, LONG)
    late = score_health(replace(PERFECT, days_since_touch=15), Tier.STRATEGIC, LONG)
    assert component(on_time, Component.ENGAGEMENT).value == 1.0
    assert component(late, Component.ENGAGEMENT).value < 1.0
    never = score_health(replace(PERFECT, days_since_touch=None), Tier.STRATEGIC, LONG)
    assert component(never, Component.ENGAGEMENT).points == 0
    assert component(never, Component.ENGAGEMENT).raw == "never touched"


def test_no_cadence_never_costs_engagement() -> None:
    signals = replace(PERFECT, cadence_days=None, days_since_touch=None)
    health = score_health(signals, Tier.SELF_SERVE, LONG)
    assert component(health, Component.ENGAGEMENT).value == 1.0
    # a zero cadence is "none", not a division by zero
    health = score_health(replace(PERFECT, cadence_days=0, days_since_touch=30), Tier.SCALE, LONG)
    assert component(health, Component.ENGAGEMENT).value == 1.0


def test_missing_sentiment_counts_neutral_and_says_so() -> None:
    health = score_health(replace(PERFECT, nps=None, csm_pulse=None), Tier.GROWTH, LONG)
    sentiment = component(health, Component.SENTIMENT)
    assert sentiment.value == 0.5
    assert "neutral" in sentiment.raw


def test_a_broken_signal_never_counts_as_perfect() -> None:
    broken = replace(
        PERFECT, dau_mau=math.nan, avg_response_hours=math.nan, volume_trend_pct=math.nan
    )
    health = score_health(broken, Tier.STRATEGIC, LONG)
    assert health.score < 100
    assert component(health, Component.OUTCOME).value == 0.0


def test_payment_status_orders_commercial_health() -> None:
    values = [
        component(
            score_health(replace(PERFECT, payment=p), Tier.GROWTH, LONG), Component.COMMERCIAL
        ).points
        for p in PAYMENT_ORDER
    ]
    assert values == sorted(values)
    assert values[0] == 0
    assert values[-1] == DEFAULT_WEIGHTS[Tier.GROWTH][Component.COMMERCIAL]


# --- sales motion: one standard for every account is the mistake --------------------------

# An account whose reps live in opportunities: 60% log in weekly, 6 uses a week each.
OPPORTUNITY_USER = replace(
    PERFECT,
    seats=50,
    weekly_active_users=30,
    key_actions_per_user_week=6.0,
    dau_mau=0.35,
    session_minutes=20.0,
    messages_per_user_week=12.0,
)


def test_long_cycle_is_judged_on_opportunities_short_cycle_on_leads() -> None:
    long_usage = component(score_health(OPPORTUNITY_USER, Tier.ENTERPRISE, LONG), Component.USAGE)
    short_usage = component(score_health(OPPORTUNITY_USER, Tier.ENTERPRISE, SHORT), Component.USAGE)
    assert "opportunities" in long_usage.raw
    assert "leads + public pool" in short_usage.raw
    assert "long-cycle direct standard" in long_usage.standard
    assert "short-cycle direct standard" in short_usage.standard


def test_the_same_usage_is_healthy_long_cycle_and_weak_short_cycle() -> None:
    long_health = score_health(OPPORTUNITY_USER, Tier.ENTERPRISE, LONG)
    short_health = score_health(OPPORTUNITY_USER, Tier.ENTERPRISE, SHORT)
    assert component(long_health, Component.USAGE).value == pytest.approx(1.0)
    assert component(short_health, Component.USAGE).value < 0.6
    assert long_health.score > short_health.score
    assert long_health.band is Band.GREEN
    assert short_health.weakest(1)[0].component is Component.USAGE


@pytest.mark.parametrize("motion", list(SalesMotion))
def test_meeting_the_own_standard_gives_full_usage(motion: SalesMotion) -> None:
    std = standard_for(motion)
    seats = 100
    signals = replace(
        PERFECT,
        seats=seats,
        weekly_active_users=math.ceil(std.login_rate_target * seats),
        key_actions_per_user_week=std.key_actions_per_user_week,
        dau_mau=std.dau_mau_target,
        session_minutes=std.session_minutes_target,
        messages_per_user_week=std.messages_per_user_week,
    )
    usage = component(score_health(signals, Tier.GROWTH, std), Component.USAGE)
    assert usage.value == pytest.approx(1.0)
    stricter = [
        s for s in STANDARDS.values() if s.key_actions_per_user_week > std.key_actions_per_user_week
    ]
    for other in stricter:
        assert (
            component(score_health(signals, Tier.GROWTH, other), Component.USAGE).value
            < usage.value
        )


def test_every_motion_has_its_own_standard() -> None:
    assert len({(s.key_features, s.key_actions_per_user_week) for s in STANDARDS.values()}) == len(
        SalesMotion
    )
    for motion in SalesMotion:
        assert STANDARDS[motion].motion is motion
        assert SalesMotion.parse(motion.label) is motion
    with pytest.raises(ValueError, match="unknown sales motion"):
        SalesMotion.parse("medium-cycle")


# --- weakest and trend ---------------------------------------------------------------------


def test_weakest_returns_the_components_losing_most_points_worst_first() -> None:
    signals = replace(PERFECT, days_since_touch=None, payment=PaymentStatus.LATE, open_tickets=2)
    health = score_health(signals, Tier.STRATEGIC, LONG)
    # engagement loses 20, commercial 4, support 2.5
    assert [c.component for c in health.weakest()] == [Component.ENGAGEMENT, Component.COMMERCIAL]
    assert [c.component for c in health.weakest(5)] == [
        Component.ENGAGEMENT,
        Component.COMMERCIAL,
        Component.SUPPORT,
    ]


def test_weakest_ignores_components_with_no_weight() -> None:
    signals = replace(PERFECT, open_tickets=10)
    health = score_health(signals, Tier.SELF_SERVE, LONG)
    assert all(c.weight > 0 for c in health.weakest(6))


@pytest.mark.parametrize(
    ("delta", "arrow"),
    [(None, " "), (0, "→"), (2, "→"), (-2, "→"), (3, "↑"), (25, "↑"), (-3, "↓"), (-40, "↓")],
)
def test_arrow_for(delta, arrow: str) -> None:
    assert arrow_for(delta) == arrow


def test_trend_compares_with_the_earlier_score() -> None:
    assert HealthTrend(current=55, previous=70).delta == -15
    assert HealthTrend(current=55, previous=70).arrow == "↓"
    assert HealthTrend(current=55, previous=None).arrow == " "
