"""The back-test's cases from a cache: recorded decisions (through the ARR event each one
writes), the tier that day, the health snapshot N days before (store.backtest), and the
`backtest` verb's JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from csm_tui.domain.backtest import Outcome
from csm_tui.domain.metrics import Period
from csm_tui.domain.renewals import RenewalDraft, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store.backtest import load_backtest, load_cases
from csm_tui.store.cache import connect
from csm_tui.store.renewals import record_decision, set_tier_override

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RULES = TierRules(cny_per_usd=7.0)
POINTS = '{"usage": 30, "support": 10, "engagement": 0, "outcome": 15, "commercial": 10, "sentiment": 15}'  # noqa: E501


@pytest.fixture
def book(tmp_path):
    c = connect(tmp_path / "book.db")
    c.executescript("""
        INSERT INTO teams VALUES ('t1', 'Nordics');
        INSERT INTO users VALUES ('u1', 'Ana', '', 'csm', 't1');
        INSERT INTO cache_meta VALUES ('me', 'u1');
    """)
    add_account(c, "a", 150_000, tier="strategic", motion="long-direct")
    add_account(c, "b", 210_000, currency="CNY", motion="short-direct")  # $30k at 7.0
    add_account(c, "c", 25_000, motion="short-channel")
    for aid, day, score, parts in [
        ("a", "2026-02-01", 30, "{}"),
        ("a", "2026-03-01", 80, POINTS),  # the latest on or before 90 days before 1 June
        ("a", "2026-05-15", 20, "{}"),  # after that day: not seen
        ("b", "2026-02-20", 35, "{}"),  # 11 days older than the day: still fresh
        ("b", "2026-05-20", 50, "{}"),
        ("c", "2026-01-01", 90, "{}"),  # for 1 July: older than 45 days before 2 April
    ]:
        c.execute("INSERT INTO health_snapshots VALUES (?, ?, ?, ?, ?)",
                  (f"s-{aid}-{day}", aid, day, score, parts))  # fmt: skip
    c.commit()
    yield c
    c.close()


def add_account(c, aid, arr, currency="USD", tier="enterprise", motion="long-direct"):
    usd = RULES.to_usd(arr, currency)
    c.execute(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "sales_motion, stage, segment, industry, seats, renewal_date, owner_id, created_at, "
        "updated_at, version) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, 'renewal', '', '', 0, "
        "'2026-06-01', 'u1', '2023-01-01 00:00:00.000000', '2023-01-01 00:00:00.000000', 1)",
        (aid, aid.upper(), currency, arr, usd, tier, Tier(tier).rank, motion),
    )


def decide(book, aid, outcome, day, arr=None, reason=""):
    term = None if outcome is RenewalOutcome.CHURNED else date(2027, 12, 31)
    record_decision(book, aid, RenewalDraft(outcome, day, arr, term, reason), RULES,
                    author_id="u1", now=NOW)  # fmt: skip


def test_each_decision_meets_its_tier_that_day_and_the_health_90_days_before(book):
    set_tier_override(book, "c", Tier.STRATEGIC, OverrideReason.FLAGSHIP, "reference",
                      RULES, author_id="u1", today=date(2026, 1, 1), now=NOW)  # fmt: skip
    decide(book, "a", RenewalOutcome.RENEWED, date(2026, 6, 1))
    decide(book, "b", RenewalOutcome.CHURNED, date(2026, 6, 1), reason="budget cut")
    decide(book, "b", RenewalOutcome.WIN_BACK, date(2026, 8, 1), 140_000)  # not a renewal
    decide(book, "c", RenewalOutcome.RENEWED, date(2026, 7, 1), 20_000)
    cases = load_cases(book, Period.trailing_months(TODAY, 12), 90, RULES)
    got = [(c.account_id, c.outcome, c.tier, c.motion, c.score, c.arr_before) for c in cases]
    assert got == [
        ("a", Outcome.RENEWED, Tier.STRATEGIC, "long-direct", 80, 150_000),
        ("b", Outcome.CHURNED, Tier.ENTERPRISE, "short-direct", 35, 30_000),
        ("c", Outcome.DOWNSELL, Tier.STRATEGIC, "short-channel", None, 25_000),
    ]
    assert cases[0].components["usage"] == 30
    report = load_backtest(book, TODAY, RULES, 90)
    assert report.overall.decisions == 3 and report.overall.unscored == 1
    assert report.overall.auc == 1.0  # kept 80 above churned 35
    assert report.overall.churned_arr_warned == 1.0  # the $30k churn was red
    # 10 days before (22 May): a's 20 of 15 May against b's 50 of 20 May: backwards.
    closer = load_backtest(book, TODAY, RULES, 10)
    assert closer.overall.auc == 0.0


def test_a_decision_before_the_period_is_left_out(book):
    decide(book, "a", RenewalOutcome.RENEWED, date(2025, 11, 15))
    assert load_cases(book, Period.trailing_months(TODAY, 12), 90, RULES) == []


def test_run_backtest_json_gives_the_bands_auc_and_groups(book, tmp_path):
    from csm_tui.commands.run import run_command
    from csm_tui.domain.clock import FixedClock
    from csm_tui.domain.language.verbs import parse_command
    from csm_tui.workspace import Workspace

    decide(book, "a", RenewalOutcome.RENEWED, date(2026, 6, 1))
    decide(book, "b", RenewalOutcome.CHURNED, date(2026, 6, 1), reason="budget cut")
    book.commit()
    ws = Workspace(db_path=tmp_path / "book.db", clock=FixedClock(NOW))
    try:
        result = run_command(ws, parse_command("backtest --days-before 90 --format json"))
    finally:
        ws.close()
    out = json.loads(json.dumps(result.as_json()))
    assert out["rows"][0] == {
        "group": "all", "decisions": 2, "scored": 2, "red_churn": 1.0, "yellow_churn": None,
        "green_churn": 0.0, "churned_arr_warned": 1.0, "auc": 1.0,
    }  # fmt: skip
    summary = out["summary"]
    assert summary["days_before"] == 90
    # ¥210k in USD as its ARR event recorded it (7.0 CNY per USD then), whatever the rate now
    assert summary["all"]["bands"]["red"]["churned_arr_usd"] == 30_000
    assert set(summary["by_tier"]) == {"strategic", "enterprise"}
    assert set(summary["by_motion"]) == {"long-direct", "short-direct"}
    assert out["message"].startswith("AUC 1.00 · 100% of churned ARR was red or yellow")


@pytest.mark.parametrize(
    "weights",
    [
        None,
        {
            "strategic": {"usage": 10, "engagement": 40},
            "enterprise": {"usage": 15, "sentiment": 35},
        },
    ],
)
def test_sql_counts_give_the_same_back_test_as_decision_by_decision(book, weights):
    """The Coverage screen and the verb count in SQL (and re-weight there); the result is
    the one domain.backtest gives from each decision and its snapshot's components."""
    from csm_tui.commands.backtest import report_rows
    from csm_tui.domain.backtest import backtest, weights_from_mapping

    book.execute(
        "UPDATE health_snapshots SET components = ? WHERE account_id = 'b'",
        ('{"usage": 5, "support": 10, "engagement": 15, "outcome": 0, "commercial": 5, '
         '"sentiment": 0}',),
    )  # fmt: skip
    book.commit()
    set_tier_override(book, "c", Tier.STRATEGIC, OverrideReason.FLAGSHIP, "reference",
                      RULES, author_id="u1", today=date(2026, 1, 1), now=NOW)  # fmt: skip
    decide(book, "a", RenewalOutcome.RENEWED, date(2026, 6, 1))
    decide(book, "b", RenewalOutcome.CHURNED, date(2026, 6, 1), reason="budget cut")
    decide(book, "c", RenewalOutcome.RENEWED, date(2026, 7, 1), 20_000)
    parsed = weights_from_mapping(weights or {})
    period = Period.trailing_months(TODAY, 12)
    for days in (10, 90):
        one_by_one = backtest(load_cases(book, period, days, RULES), days, period.start,
                              period.end, parsed)  # fmt: skip
        counted = load_backtest(book, TODAY, RULES, days, parsed)
        assert report_rows(counted) == report_rows(one_by_one)
        halves = load_backtest(book, TODAY, RULES, days, parsed, parallel=True)
        assert report_rows(halves) == report_rows(one_by_one)
        assert counted.recorded_auc == one_by_one.recorded_auc
        assert counted.overall.churned_arr == pytest.approx(one_by_one.overall.churned_arr)


def test_the_back_test_counts_the_decisions_coverages_renewal_rate_counts(demo_db, clock):
    """The demo book's renewals and churns are ARR events with no decision form behind
    them; Coverage counts them in its renewal rate, and so does the back-test."""
    from csm_tui.store.coverage import load_coverage

    conn = connect(demo_db)
    try:
        today = clock.now().date()
        rules = TierRules()
        decisions = load_coverage(conn, today, rules, parallel=False).metrics.overall
        report = load_backtest(conn, today, rules)
        assert report.overall.decisions == decisions.renewal_decisions > 100
        assert report.overall.scored > 0.9 * report.overall.decisions  # monthly snapshots
    finally:
        conn.close()
