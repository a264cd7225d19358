"""Retention metrics checked against examples worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.metrics import (
    ArrEvent,
    ArrEventKind,
    ArrFlows,
    ArrMovement,
    NpsSummary,
    NpsVote,
    Period,
    RetentionMetrics,
    account_vote,
    combine,
    format_rate,
    survey_vote,
)

K = ArrEventKind
PERIOD = Period(date(2025, 11, 22), date(2026, 11, 22))


def ev(day: str, kind: ArrEventKind, before: float, after: float) -> ArrEvent:
    return ArrEvent(date.fromisoformat(day), kind, before, after)


def metrics_of(*histories: list[ArrEvent]) -> RetentionMetrics:
    movements = [ArrMovement.from_events(h, PERIOD) for h in histories]
    return RetentionMetrics(ArrFlows.of_movements(movements))


def test_a_churned_and_an_expanded_account_in_the_same_period():
    churned = [ev("2023-03-01", K.NEW, 0, 100_000), ev("2026-03-01", K.CHURN, 100_000, 0)]
    expanded = [ev("2024-06-01", K.NEW, 0, 100_000),
                ev("2026-02-10", K.EXPANSION, 100_000, 150_000)]  # fmt: skip
    m = metrics_of(churned, expanded)
    # Start: 200k over 2 logos. Kept: 0 + 100k. Expansion: 50k. End: 150k.
    assert m.flows.starting_arr == 200_000
    assert m.grr == pytest.approx(0.5)
    assert m.nrr == pytest.approx(0.75)
    assert m.nrr_retention == pytest.approx(0.5)
    assert m.nrr_expansion == pytest.approx(0.25)
    assert m.logo_churn_rate == pytest.approx(0.5)
    assert m.arr_churn_rate == pytest.approx(0.5)
    assert m.upsell_rate == pytest.approx(0.25)
    assert m.downsell_rate == 0
    # One renewal decision fell in the period (the churn); none renewed.
    assert m.renewal_rate == 0
    assert m.renewal_rate_arr == 0
    assert m.cmrr == pytest.approx(150_000 / 12)


def test_a_whole_book_worked_by_hand():
    a = [ev("2022-01-10", K.NEW, 0, 100_000), ev("2026-01-10", K.CHURN, 100_000, 0)]
    b = [ev("2024-05-01", K.NEW, 0, 50_000), ev("2026-07-01", K.EXPANSION, 50_000, 80_000)]
    c = [
        ev("2023-12-01", K.NEW, 0, 20_000),
        ev("2025-12-01", K.RENEWAL, 20_000, 20_000),
        ev("2026-12-01", K.CHURN, 20_000, 0),
    ]  # notice given: churns after the period
    d = [ev("2024-02-01", K.NEW, 0, 40_000), ev("2026-02-01", K.RENEWAL, 40_000, 30_000)]
    e = [ev("2026-04-01", K.NEW, 0, 10_000)]  # a new logo: outside GRR and NRR
    # Expanded, then churned, both in the period: churn of its *starting* 10k.
    f = [ev("2024-09-01", K.NEW, 0, 10_000), ev("2026-01-15", K.EXPANSION, 10_000, 15_000),
         ev("2026-09-01", K.CHURN, 15_000, 0)]  # fmt: skip
    gone = [ev("2023-01-01", K.NEW, 0, 9_000), ev("2025-06-01", K.CHURN, 9_000, 0)]
    m = metrics_of(a, b, c, d, e, f, gone)
    fl = m.flows
    assert (fl.starting_logos, fl.starting_arr) == (5, 220_000)  # a b c d f
    assert fl.retained_arr == 100_000  # 0 + 50 + 20 + 30 + 0
    assert (fl.expanded_logos, fl.expansion_arr) == (1, 30_000)
    assert (fl.contracted_logos, fl.contraction_arr) == (1, 10_000)
    assert (fl.churned_logos, fl.churned_arr) == (2, 110_000)
    assert (fl.new_logos, fl.new_arr) == (1, 10_000)
    assert m.grr == pytest.approx(100 / 220)
    assert m.nrr == pytest.approx(130 / 220)
    assert m.nrr == pytest.approx(m.nrr_retention + m.nrr_expansion)
    assert m.logo_churn_rate == pytest.approx(2 / 5)
    assert m.arr_churn_rate == pytest.approx(110 / 220)
    assert m.downsell_rate == pytest.approx(10 / 220)
    assert 1 - m.grr == pytest.approx(m.arr_churn_rate + m.downsell_rate)
    # Decisions in the period: a churn, c renewal, d renewal (lower), f churn.
    assert (fl.renewals, fl.churns_at_renewal) == (2, 2)
    assert m.renewal_rate == pytest.approx(0.5)
    assert m.renewal_rate_arr == pytest.approx((20 + 30) / (100 + 20 + 40 + 15))
    # End: b 80 + c 20 + d 30 + e 10 = 140k; c's notice takes 20k off what is committed.
    assert fl.ending_arr == 140_000
    assert fl.booked_change == -20_000
    assert m.cmrr == pytest.approx(120_000 / 12)


def test_arr_at_the_start_is_what_was_in_force_at_the_end_of_the_start_day():
    on_start = [ev("2025-11-22", K.NEW, 0, 1_000)]
    day_after = [ev("2025-11-23", K.NEW, 0, 1_000)]
    assert ArrMovement.from_events(on_start, PERIOD).start_arr == 1_000
    moved = ArrMovement.from_events(day_after, PERIOD)
    assert (moved.start_arr, moved.end_arr) == (0, 1_000)


def test_no_denominator_means_no_figure_not_zero():
    empty = RetentionMetrics(ArrFlows())
    for value in (empty.grr, empty.nrr, empty.nrr_expansion, empty.logo_churn_rate,
                  empty.arr_churn_rate, empty.upsell_rate, empty.downsell_rate,
                  empty.renewal_rate, empty.renewal_rate_arr, empty.nps.score):  # fmt: skip
        assert value is None
    assert empty.cmrr == 0
    only_new = metrics_of([ev("2026-05-01", K.NEW, 0, 5_000)])
    assert only_new.grr is None and only_new.nrr is None
    assert only_new.flows.new_arr == 5_000
    assert only_new.cmrr == pytest.approx(5_000 / 12)
    assert format_rate(None) == "—"
    assert format_rate(0.4545) == "45.5%"


def test_cent_dust_is_zero():
    m = ArrMovement(start_arr=1_000, end_arr=0.001)
    assert ArrFlows.of(m).churned_logos == 1


def test_nps_one_vote_per_account():
    assert account_vote(50) is NpsVote.PROMOTER
    assert account_vote(49) is NpsVote.PASSIVE
    assert account_vote(0) is NpsVote.PASSIVE
    assert account_vote(-1) is NpsVote.DETRACTOR
    summary = NpsSummary.of(account_vote(n) for n in (80, 50, 10, -20))
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 1, 1)
    assert summary.score == pytest.approx(25.0)
    assert NpsSummary().score is None
    with pytest.raises(ValueError):
        account_vote(101)


def test_nps_from_survey_answers_uses_the_usual_rule():
    votes = [survey_vote(s) for s in (10, 9, 8, 7, 6, 0)]
    summary = NpsSummary.of(votes)
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 2, 2)
    assert summary.score == 0
    with pytest.raises(ValueError):
        survey_vote(11)


def test_trailing_twelve_months():
    assert Period.trailing_months(date(2026, 11, 22)) == PERIOD
    assert Period.trailing_months(date(2024, 2, 29)).start == date(2023, 2, 28)
    assert Period.trailing_months(date(2026, 3, 31), 1).start == date(2026, 2, 28)


movement = st.builds(
    ArrMovement,
    start_arr=st.one_of(st.just(0.0), st.floats(1, 5e6)),
    end_arr=st.one_of(st.just(0.0), st.floats(1, 5e6)),
)


@given(st.lists(movement, max_size=30))
def test_nrr_is_always_retention_plus_expansion_and_grr_never_tops_100(movements):
    m = RetentionMetrics(ArrFlows.of_movements(movements))
    if m.flows.starting_arr == 0:
        assert m.grr is None and m.nrr is None
        return
    assert 0 <= m.grr <= 1 + 1e-12
    assert m.nrr == pytest.approx(m.nrr_retention + m.nrr_expansion)
    f = m.flows
    assert f.retained_arr + f.contraction_arr + f.churned_arr == pytest.approx(f.starting_arr)


@given(st.lists(movement, max_size=20), st.lists(movement, max_size=20))
def test_flows_add_up_over_slices(left, right):
    whole = ArrFlows.of_movements(left + right)
    parts = ArrFlows.of_movements(left) + ArrFlows.of_movements(right)
    assert whole.starting_logos == parts.starting_logos
    assert whole.churned_logos == parts.churned_logos
    assert whole.starting_arr == pytest.approx(parts.starting_arr)
    assert whole.expansion_arr == pytest.approx(parts.expansion_arr)
    summed = combine([RetentionMetrics(ArrFlows.of_movements(left)),
                      RetentionMetrics(ArrFlows.of_movements(right))])  # fmt: skip
    assert summed.flows.retained_arr == pytest.approx(whole.retained_arr)
