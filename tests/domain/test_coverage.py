"""Coverage rules (seed 002) and the maturity estimate (seed 004)."""

from __future__ import annotations

import pytest

from csm_tui.domain.coverage import (
    CapacityVerdict,
    CoverageRules,
    CsmCoverage,
    MaturityInputs,
    MaturityLevel,
    TeamCoverage,
    TierSlice,
    estimate_maturity,
    touches_needed,
)
from csm_tui.domain.tiers import Tier, TierRules

RULES = CoverageRules()


def csm(tiers: dict[Tier, TierSlice], uid: str | None = "u1", rules=RULES) -> CsmCoverage:
    return CsmCoverage(uid, "Ana", "t1", "Nordics", "csm", tiers, rules)


def test_load_is_arr_over_the_rule_and_over_one_is_overloaded():
    ana = csm({Tier.STRATEGIC: TierSlice(accounts=10, arr=1_500_000),
               Tier.GROWTH: TierSlice(accounts=100, arr=1_000_000)})  # fmt: skip
    assert ana.total.arr == 2_500_000
    assert ana.load == pytest.approx(1.25)
    assert ana.overloaded
    assert ana.load_aggressive == pytest.approx(2.5)  # seed 002's $1M rule
    light = csm({Tier.GROWTH: TierSlice(accounts=10, arr=2_000_000)})
    assert light.load == 1.0 and not light.overloaded  # at the rule, not over it


def test_the_pool_is_never_overloaded_nor_a_small_book():
    pool = csm({Tier.SELF_SERVE: TierSlice(accounts=5000, arr=9_000_000)}, uid=None)
    assert pool.is_pool and not pool.overloaded and not pool.small_book


def test_large_accounts_on_a_big_book_want_a_dedicated_csm():
    big = TierSlice(accounts=26, arr=3_000_000, large=3, large_arr=400_000)
    assert csm({Tier.ENTERPRISE: big}).needs_dedicated == (3, 400_000)
    small = TierSlice(accounts=25, arr=3_000_000, large=3, large_arr=400_000)
    assert csm({Tier.ENTERPRISE: small}).needs_dedicated == (0, 0.0)
    stricter = CoverageRules(dedicated_book_max_accounts=10)
    assert csm({Tier.ENTERPRISE: small}, rules=stricter).needs_dedicated == (3, 400_000)


def test_touches_needed_follow_the_cadence_against_3_to_5_a_day():
    tiers = TierRules()
    assert touches_needed(Tier.GROWTH, 120, tiers) == pytest.approx(120 * 365 / 60)
    assert touches_needed(Tier.SELF_SERVE, 500, tiers) == 0
    assert RULES.capacity == (600, 1000)
    # Seed 002: 400 Growth accounts are about the book of one CSM at 3–5 a day... when
    # touched once or twice a year; at a 60-day cadence they need 2,433.
    growth = TierSlice(accounts=400, cadenced=400,
                       touches_needed=touches_needed(Tier.GROWTH, 400, tiers))  # fmt: skip
    ana = csm({Tier.GROWTH: growth})
    assert ana.growth_touches_needed == pytest.approx(2433.3, abs=0.1)
    low, high = ana.touch_load
    assert (low, high) == (pytest.approx(2433.3 / 1000, abs=1e-3),
                           pytest.approx(2433.3 / 600, abs=1e-3))  # fmt: skip


def test_slices_add_up():
    a = TierSlice(accounts=2, arr=10.0, overdue=1, renew_30=1, renew_30_arr=5.0)
    b = TierSlice(accounts=3, arr=5.0, overdue=2, renew_30=0)
    total = a + b
    assert (total.accounts, total.arr, total.overdue) == (5, 15.0, 3)
    assert total.renewals(30) == (1, 5.0)
    with pytest.raises(ValueError):
        total.renewals(45)


def test_team_needs_csms_by_the_rule():
    ana = csm({Tier.GROWTH: TierSlice(accounts=50, arr=3_000_000)})
    bo = csm({Tier.GROWTH: TierSlice(accounts=50, arr=2_000_000)}, uid="u2")
    team = TeamCoverage("t1", "Nordics", (ana, bo), RULES)
    assert team.csms_needed == pytest.approx(2.5)
    assert team.csms_needed_aggressive == pytest.approx(5.0)
    assert team.load == pytest.approx(1.25)
    assert TeamCoverage("t2", "Empty", (), RULES).load is None


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        CoverageRules(arr_per_csm=0)
    with pytest.raises(ValueError):
        CoverageRules(touches_per_day=(5, 3))


# ---- maturity ---------------------------------------------------------------------------

BEST = MaturityInputs(
    proactive_touches=95, reactive_touches=5, cadenced_accounts=100, within_cadence=97,
    live_accounts=100, health_scored=100, red_accounts=10, red_followed_up=10, grr=0.93,
)  # fmt: skip


def with_(**kw) -> MaturityInputs:
    return MaturityInputs(**{**BEST.__dict__, **kw})


@pytest.mark.parametrize(
    ("inputs", "level"),
    [
        (BEST, MaturityLevel.REFINED),
        (with_(grr=0.85), MaturityLevel.SCIENTIFICALLY_MANAGED),
        (with_(grr=None), MaturityLevel.SCIENTIFICALLY_MANAGED),
        (with_(red_followed_up=6), MaturityLevel.FULLY_PROACTIVE),
        (with_(health_scored=80), MaturityLevel.FULLY_PROACTIVE),
        (with_(within_cadence=79), MaturityLevel.PARTIALLY_PROACTIVE),
        (with_(proactive_touches=70, reactive_touches=30), MaturityLevel.PARTIALLY_PROACTIVE),
        (with_(proactive_touches=40, reactive_touches=60), MaturityLevel.REACTIVE),
        (MaturityInputs(), MaturityLevel.REACTIVE),
    ],
)
def test_the_level_is_the_highest_whose_evidence_and_all_below_is_met(inputs, level):
    assert estimate_maturity(inputs).level is level


def test_no_red_account_counts_as_followed_up_only_where_health_is_known():
    """A book with no health score (imported without signals) has no red account only
    because nothing is scored: that is not a ✓ for following red accounts up."""
    unscored = estimate_maturity(with_(health_scored=0, red_accounts=0, red_followed_up=0))
    follow = [s for s in unscored.evidence if "red" in s]
    assert follow and all(s.startswith("✗") for s in follow), follow
    assert all("unknown" in s for s in follow), follow
    scored = estimate_maturity(with_(red_accounts=0, red_followed_up=0))
    assert all(s.startswith("✓") for s in scored.evidence if "no account is red" in s)


def test_a_level_is_never_skipped():
    # Everything of level 4 and 5 holds, but touches are mostly escalations.
    assert estimate_maturity(with_(proactive_touches=10, reactive_touches=90)).level is (
        MaturityLevel.REACTIVE
    )


def test_every_check_says_its_evidence_in_numbers():
    estimate = estimate_maturity(with_(within_cadence=79))
    lines = estimate.evidence
    assert any("95% of touches in the last 90 days were proactive (95 of 100" in s
               for s in lines)  # fmt: skip
    assert any(s.startswith("✗ Fully proactive: 79% of accounts with a cadence are within it")
               for s in lines)  # fmt: skip
    assert any("GRR over 12 months is 93%" in s for s in lines)
    assert estimate.next_step.startswith("to reach Fully proactive: 79% of accounts")
    assert estimate_maturity(BEST).next_step == ""


def test_no_red_account_is_not_a_failure_to_follow_up():
    estimate = estimate_maturity(with_(red_accounts=0, red_followed_up=0))
    assert estimate.level is MaturityLevel.REFINED
    assert any("no account is red" in c.sentence for c in estimate.checks)


def test_levels_have_the_seeds_names():
    assert [lv.label_zh for lv in MaturityLevel] == [
        "完全被动", "部分主动", "全部主动", "科学管理", "精细化提升"]  # fmt: skip


def _strategic_and_enterprise(strategic: int, enterprise: int = 0):
    tiers = TierRules()
    return csm({
        Tier.STRATEGIC: TierSlice(accounts=strategic, cadenced=strategic,
                                  touches_needed=touches_needed(Tier.STRATEGIC, strategic, tiers)),
        Tier.ENTERPRISE: TierSlice(accounts=enterprise, cadenced=enterprise,
                                   touches_needed=touches_needed(Tier.ENTERPRISE, enterprise,
                                                                 tiers)),
    })  # fmt: skip


def test_a_book_whose_cadences_need_more_than_5_touches_a_day_cannot_be_kept():
    """Strategic every 14 days: 365/14 = 26.07 touches a year each; Enterprise every 30:
    12.17. Capacity 3–5 a day × 200 working days = 600–1,000."""
    assert _strategic_and_enterprise(20).capacity_verdict is CapacityVerdict.WITHIN  # 521
    # 10 × 26.07 + 30 × 12.17 = 625.7: only at more than 3 a day
    assert _strategic_and_enterprise(10, 30).capacity_verdict is CapacityVerdict.STRETCHED
    # 40 × 26.07 = 1,042.9 > 1,000: a Strategic account is touched every 14.6 days at best
    full = _strategic_and_enterprise(40)
    assert full.capacity_verdict is CapacityVerdict.CANNOT_KEEP
    assert full.kept_every_days(Tier.STRATEGIC, TierRules()) == pytest.approx(14.6, abs=0.01)
    assert _strategic_and_enterprise(20).kept_every_days(Tier.STRATEGIC, TierRules()) == 14
    assert full.kept_every_days(Tier.SELF_SERVE, TierRules()) is None
    assert csm({}).capacity_verdict is CapacityVerdict.NONE
