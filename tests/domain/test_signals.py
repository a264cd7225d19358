"""Health from raw signals, and activity standards that judge each feature on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.config import Settings, SettingsError
from csm_tui.domain.health import Component, PaymentStatus, health_points, score_health
from csm_tui.domain.motion import (
    STANDARDS,
    Feature,
    SalesMotion,
    standard_for,
    standards_from_mapping,
)
from csm_tui.domain.signals import (
    InvoiceRecord,
    SurveyRecord,
    TicketRecord,
    UsageWeekRecord,
    account_nps,
    derive_signals,
    payment_status,
    usage_window,
)
from csm_tui.domain.tiers import Tier

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # a Sunday
TODAY = NOW.date()
LONG = standard_for(SalesMotion.LONG_DIRECT)
SHORT = standard_for(SalesMotion.SHORT_DIRECT)


def week(start: date, **kw) -> UsageWeekRecord:
    base = dict(
        week_start=start, active_users=30, seats=50, opportunities=60, leads=300, public_pool=0,
        contacts=60, messages=360, sessions=75, session_minutes=1500.0, source="mixpanel",
    )  # fmt: skip
    base.update(kw)
    return UsageWeekRecord(**base)


def weeks(first: date, n: int, **kw) -> list[UsageWeekRecord]:
    return [week(first + timedelta(days=7 * i), **kw) for i in range(n)]


WINDOW = weeks(date(2026, 10, 19), 4)  # the last four full weeks before 22 Nov


def derive(**kw):
    args = dict(today=TODAY, now=NOW, account_seats=50, usage=WINDOW, days_since_touch=3,
                cadence_days=30, last_touch_on=date(2026, 11, 19))  # fmt: skip
    args.update(kw)
    return derive_signals(**args)


def usage_of(signals, standard):
    health = score_health(signals, Tier.GROWTH, standard)
    return next(c for c in health.components if c.component is Component.USAGE)


# --------------------------------------------------------------------------- standards


def test_the_defaults_follow_seed_000_long_cycle_on_opportunities_short_on_leads_and_pool():
    assert [t.feature for t in LONG.features] == [Feature.OPPORTUNITIES, Feature.CONTACTS]
    assert [t.feature for t in SHORT.features] == [Feature.LEADS, Feature.PUBLIC_POOL]
    assert LONG.target(Feature.OPPORTUNITIES) == 4 and SHORT.target(Feature.LEADS) == 15
    assert SHORT.target(Feature.OPPORTUNITIES) is None
    channel = standard_for(SalesMotion.LONG_CHANNEL)
    assert [t.feature for t in channel.features] == [Feature.OPPORTUNITIES]


def test_the_usage_window_is_the_last_four_full_weeks():
    assert usage_window(TODAY) == (date(2026, 10, 19), date(2026, 11, 9))
    assert usage_window(date(2026, 11, 23)) == (date(2026, 10, 26), date(2026, 11, 16))


def test_each_feature_is_measured_against_its_own_target_hand_computed():
    signals = derive()
    assert signals.use_of(Feature.OPPORTUNITIES) == pytest.approx(2.0)  # 240 uses / 120 users
    assert signals.use_of(Feature.CONTACTS) == pytest.approx(2.0)
    assert signals.use_of(Feature.LEADS) == pytest.approx(10.0)
    assert signals.use_of(Feature.PUBLIC_POOL) == 0.0
    assert signals.login_rate == pytest.approx(0.6)  # 30 of 50 seats
    assert signals.dau_mau == pytest.approx(0.5)  # 75 sessions / 5 days = 15 a day, of 30
    assert signals.session_minutes == pytest.approx(20.0)  # 1500 min / 75 sessions
    assert signals.messages_per_user_week == pytest.approx(12.0)

    long_usage = usage_of(signals, LONG)
    shown = {m.name: (m.raw, m.standard, round(m.value, 4)) for m in long_usage.measures}
    assert shown["opportunities"] == ("2.0/user/wk", "4", 0.5)
    assert shown["contacts"] == ("2.0/user/wk", "2", 1.0)
    assert shown["login rate"] == ("60%", "60%", 1.0)
    assert shown["DAU/MAU"] == ("50%", "35%", 1.0)
    assert shown["session length"] == ("20 min", "20 min", 1.0)
    assert shown["messages"] == ("12/user/wk", "12", 1.0)
    # login .25×1 + features .30×(0.5+1)/2 + DAU/MAU, session, messages .15×1 each
    assert long_usage.value == pytest.approx(0.925)
    assert long_usage.raw == "login 60%, opportunities 2.0/user/wk, contacts 2.0/user/wk"

    short_usage = usage_of(signals, SHORT)
    shown = {m.name: (m.raw, m.standard, round(m.value, 4)) for m in short_usage.measures}
    assert shown["leads"] == ("10.0/user/wk", "15", round(10 / 15, 4))
    assert shown["public pool"] == ("0.0/user/wk", "10", 0.0)
    # .25×(0.6/0.8) + .30×(10/15+0)/2 + .15×(1 + 20/25 + 12/30)
    assert short_usage.value == pytest.approx(0.1875 + 0.1 + 0.33)
    assert short_usage.raw == "login 60%, leads 10.0/user/wk, public pool 0.0/user/wk"


def test_features_outside_the_standard_are_shown_but_not_judged():
    long_usage = usage_of(derive(), LONG)
    unjudged = {m.name: m.raw for m in long_usage.measures if not m.judged}
    assert unjudged == {"leads": "10.0/user/wk", "public pool": "0.0/user/wk"}


def test_no_longer_one_number_under_two_labels():
    """The issue: one measured value was shown as "leads + public pool" for one motion and
    as "opportunities + contacts" for another."""
    signals = derive()
    long_raw, short_raw = usage_of(signals, LONG).raw, usage_of(signals, SHORT).raw
    assert "+" not in long_raw and "+" not in short_raw
    assert "2.0/user/wk" in long_raw and "10.0/user/wk" in short_raw


def test_standards_come_from_the_settings_toml_starting_from_the_defaults():
    settings_ = Settings.from_toml(
        "[standards.short-direct]\nlogin_rate = 0.9\nmessages = 40\n"
        "[standards.short-direct.features]\nleads = 20\n"
    )
    short = settings_.standards[SalesMotion.SHORT_DIRECT]
    assert [(t.feature, t.per_user_week) for t in short.features] == [(Feature.LEADS, 20.0)]
    assert (short.login_rate_target, short.messages_per_user_week) == (0.9, 40.0)
    assert short.dau_mau_target == SHORT.dau_mau_target
    assert settings_.standards[SalesMotion.LONG_DIRECT] == LONG
    assert Settings().standards == STANDARDS


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[standards.medium]\nlogin_rate = 0.5\n", "unknown sales motion"),
        ("[standards.long-direct]\nlogin = 0.5\n", "not a setting of a standard"),
        ("[standards.long-direct]\nlogin_rate = 1.5\n", "between 0 and 1"),
        ("[standards.long-direct.features]\ndeals = 3\n", "unknown feature"),
        ("[standards.long-direct.features]\nopportunities = 0\n", "above 0"),
        ("[standards.long-direct.features]\nmessages = 3\n", "measured for every motion"),
    ],
)
def test_a_wrong_standard_in_the_settings_says_which_key(toml, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_toml(toml)


def test_standards_from_mapping_replaces_only_what_it_names():
    out = standards_from_mapping({"long-channel": {"features": {"opportunities": 5}}})
    assert out[SalesMotion.LONG_CHANNEL].target(Feature.OPPORTUNITIES) == 5
    assert out[SalesMotion.SHORT_CHANNEL] == STANDARDS[SalesMotion.SHORT_CHANNEL]


# --------------------------------------------------------------------------- other inputs


def test_open_tickets_and_first_response_hand_computed():
    t = lambda opened, closed, first: TicketRecord(opened, closed, "normal", first, "zendesk")  # noqa: E731
    tickets = [
        t(NOW - timedelta(days=3), None, 120),  # open
        t(NOW - timedelta(days=10), NOW - timedelta(days=9), 60),
        t(NOW - timedelta(days=200), None, 9_999),  # open, but too old to time its reply
        t(NOW + timedelta(days=1), None, 5),  # not opened yet (clock): nothing
    ]
    signals = derive(tickets=tickets)
    assert signals.open_tickets == 2
    assert signals.avg_response_hours == pytest.approx(1.5)  # (120 + 60) / 2 min
    assert signals.source_of(Component.SUPPORT) == ("zendesk", TODAY - timedelta(days=3))


@pytest.mark.parametrize(
    ("days_late", "status"),
    [(0, PaymentStatus.CURRENT), (1, PaymentStatus.LATE), (30, PaymentStatus.LATE),
     (31, PaymentStatus.OVERDUE), (90, PaymentStatus.OVERDUE), (91, PaymentStatus.COLLECTIONS)],
)  # fmt: skip
def test_payment_status_from_the_oldest_unpaid_invoice_past_due(days_late, status):
    due = TODAY - timedelta(days=days_late)
    invoices = [
        InvoiceRecord(due - timedelta(days=30), due, None, "stripe"),
        InvoiceRecord(
            TODAY - timedelta(days=400),
            TODAY - timedelta(days=370),
            TODAY - timedelta(days=360),
            "stripe",
        ),
    ]
    assert payment_status(invoices, TODAY) is status


def test_nps_counts_one_vote_per_contact_their_latest():
    s = lambda email, score, day: SurveyRecord(email, "nps", score, day, "delighted")  # noqa: E731
    answers = [
        s("a@x", 3, date(2026, 9, 1)),
        s("A@x", 10, date(2026, 10, 1)),  # a@x's latest: a promoter
        s("b@x", 9, date(2026, 10, 2)),
        s("c@x", 5, date(2026, 10, 3)),
        s("", 6, date(2026, 10, 4)),  # no email: a vote of its own
    ]
    assert account_nps(answers) == round(100 * (2 - 2) / 4)
    assert account_nps(answers[:3]) == 100


def test_csat_and_nps_both_count_in_sentiment():
    surveys = [
        SurveyRecord("a@x", "nps", 10, date(2026, 11, 1), "delighted"),
        SurveyRecord("b@x", "csat", 3, date(2026, 11, 2), "delighted"),
        SurveyRecord("c@x", "nps", 0, date(2026, 1, 2), "delighted"),  # over 180 days ago
    ]
    signals = derive(surveys=surveys)
    assert (signals.nps, signals.csat) == (100, 3.0)
    health = score_health(signals, Tier.GROWTH, LONG)
    sentiment = next(c for c in health.components if c.component is Component.SENTIMENT)
    assert sentiment.value == pytest.approx((1.0 + 0.5) / 2)
    assert (sentiment.source, sentiment.as_of) == ("delighted", date(2026, 11, 2))


def test_business_outcome_compares_feature_use_with_one_quarter_earlier():
    earlier = weeks(date(2026, 7, 20), 4, opportunities=30, leads=150, contacts=30, messages=180)
    signals = derive(usage=[*earlier, *WINDOW])
    assert signals.volume_trend_pct == pytest.approx(100.0)  # twice the use
    assert Component.OUTCOME not in signals.missing
    assert Component.OUTCOME in derive().missing  # nothing a quarter ago: unknown


def test_usage_records_only_from_long_ago_mean_no_use_lately_not_no_data():
    signals = derive(usage=weeks(date(2026, 6, 1), 2))
    assert Component.USAGE not in signals.missing
    assert signals.weekly_active_users == 0 and signals.use_of(Feature.OPPORTUNITIES) == 0
    assert signals.source_of(Component.USAGE) == ("mixpanel", date(2026, 6, 8))


def test_a_kind_of_signal_the_account_lacks_scores_neutral_and_says_so():
    signals = derive(usage=())
    assert signals.missing == {
        Component.USAGE, Component.OUTCOME, Component.SUPPORT, Component.COMMERCIAL,
        Component.SENTIMENT,
    }  # fmt: skip
    health = score_health(signals, Tier.GROWTH, LONG)
    for c in health.components:
        if c.component is Component.ENGAGEMENT:
            assert (c.source, c.as_of) == ("activity log", date(2026, 11, 19))
            continue
        assert c.value == 0.5 and "no data yet" in c.raw


# --------------------------------------------------------------------------- properties

feature_st = st.tuples(*(st.floats(0, 100) for _ in range(4)))


def _with_features(values) -> tuple:
    order = (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)
    return tuple(zip(order, values, strict=True))


@settings(max_examples=150)
@given(feature_st, st.sampled_from(list(STANDARDS.values())), st.sampled_from(list(Tier)))
def test_per_feature_scores_stay_in_range_and_points_add_up(values, standard, tier):
    signals = replace(derive(), feature_use=_with_features(values))
    health = score_health(signals, tier, standard)
    assert 0 <= health.score <= 100
    assert sum(c.points for c in health.components) == health.score
    for c in health.components:
        assert 0 <= c.value <= 1 and 0 <= c.points <= c.weight


@settings(max_examples=150)
@given(feature_st, st.integers(0, 3), st.floats(0, 100), st.sampled_from(list(STANDARDS.values())))
def test_more_use_of_any_feature_never_lowers_health(values, which, more, standard):
    before = replace(derive(), feature_use=_with_features(values))
    raised = list(values)
    raised[which] += more
    after = replace(before, feature_use=_with_features(raised))
    assert (
        score_health(after, Tier.SCALE, standard).score
        >= score_health(before, Tier.SCALE, standard).score
    )


@settings(max_examples=200)
@given(
    feature_st,
    st.floats(0, 1),
    st.integers(0, 50),
    st.sampled_from(list(PaymentStatus)),
    st.none() | st.integers(-100, 100),
    st.none() | st.floats(1, 5),
    st.sampled_from(list(STANDARDS.values())),
    st.sampled_from(list(Tier)),
    st.sets(st.sampled_from(list(Component))),
)
def test_the_book_recompute_scores_exactly_as_the_explanation(
    values, dau_mau, tickets, payment, nps, csat, standard, tier, missing
):
    signals = replace(
        derive(), feature_use=_with_features(values), dau_mau=dau_mau, open_tickets=tickets,
        payment=payment, nps=nps, csat=csat, missing=frozenset(missing),
    )  # fmt: skip
    for s in (signals, replace(signals, feature_use=None)):
        health = score_health(s, tier, standard)
        assert health_points(s, tier, standard) == (
            health.score,
            tuple(c.points for c in health.components),
        )
