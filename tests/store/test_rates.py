"""Dated exchange rates: ARR history keeps the rate of its own day (hand-computed numbers)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from csm_tui.domain.renewals import RenewalDraft, RenewalOutcome
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.cache import connect
from csm_tui.store.rates import RateError, import_rates, load_rates, rules_on, set_rate
from csm_tui.store.renewals import record_decision

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RULES = TierRules(cny_per_usd=7.2)


@pytest.fixture
def book(tmp_path):
    c = connect(tmp_path / "book.db")
    c.executescript("""
        INSERT INTO teams VALUES ('t1', 'Shanghai');
        INSERT INTO users VALUES ('u1', 'Li', '', 'csm', 't1');
        INSERT INTO cache_meta VALUES ('me', 'u1');
    """)
    c.execute(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "sales_motion, stage, segment, industry, seats, renewal_date, owner_id, created_at, "
        "updated_at, version) VALUES ('cny', 'CNY Co', '', 'CNY', 710000, 100000, 'enterprise', "
        "?, 'long-direct', 'adoption', '', '', 0, '2026-12-01', 'u1', "
        "'2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000', 1)",
        (Tier.ENTERPRISE.rank,),
    )
    c.execute(
        "INSERT INTO arr_events VALUES ('e0', 'cny', '2024-01-01', 'new', 0, 100000, "
        "'2024-01-01 00:00:00.000000')"
    )
    c.commit()
    yield c
    c.close()


def events(c):
    return c.execute(
        "SELECT effective_on, kind, arr_before_usd, arr_after_usd FROM arr_events "
        "ORDER BY effective_on, created_at"
    ).fetchall()


def test_a_renewal_is_converted_at_the_rate_of_its_day_and_a_later_rate_revalues_nothing(book):
    set_rate(book, date(2026, 1, 1), 7.10)
    set_rate(book, date(2026, 11, 1), 7.25)
    # Renewed on 2026-06-30 at ¥781,000: at 7.10 that is $110,000.00 exactly.
    record_decision(book, "cny", RenewalDraft(RenewalOutcome.RENEWED, date(2026, 6, 30),
                    781_000, date(2027, 6, 30)), RULES, author_id="u1", now=NOW)  # fmt: skip
    june = [tuple(e) for e in events(book)][-1]
    assert june == ("2026-06-30", "renewal", 100_000.0, 110_000.0)
    # ARR today is at today's rate (7.25 since 1 November): 781,000 / 7.25 = 107,724.14.
    arr_usd = book.execute("SELECT arr_usd FROM accounts WHERE id = 'cny'").fetchone()[0]
    assert arr_usd == 107_724.14
    # A new rate for the summer, set afterwards, changes no stored event.
    set_rate(book, date(2026, 6, 1), 8.00)
    assert [tuple(e) for e in events(book)][-1] == june


def test_without_dated_rates_the_setting_is_the_rate(book):
    assert rules_on(book, RULES, date(2026, 6, 30)) is RULES
    set_rate(book, date(2026, 1, 1), 7.10)
    assert rules_on(book, RULES, date(2026, 6, 30)).to_usd(710_000, "CNY") == 100_000.0
    assert rules_on(book, RULES, date(2025, 6, 30)).cny_per_usd == 7.10  # before the first


def test_rates_import_from_csv_sets_all_or_none(book):
    assert import_rates(book, "day,per_usd\n2026-01-01,7.10\n2026-11-01,7.25\n") == 2
    assert load_rates(book, 7.2).rates == ((date(2026, 1, 1), 7.10), (date(2026, 11, 1), 7.25))
    with pytest.raises(RateError, match="line 3"):
        import_rates(book, "2026-12-01,CNY,7.3\n2027-01-01,CNY,7.4\n2027-02-01,-1\n")
    assert len(load_rates(book, 7.2).rates) == 2  # nothing of the bad file was set
    set_rate(book, date(2026, 1, 1), 7.05)  # setting a day again replaces its rate
    assert load_rates(book, 7.2).cny_per_usd(date(2026, 2, 1)) == 7.05


def test_a_rate_must_be_positive_and_usd_has_none(book):
    with pytest.raises(RateError):
        set_rate(book, date(2026, 1, 1), 0)
    with pytest.raises(RateError):
        set_rate(book, date(2026, 1, 1), 1.0, "USD")


def test_arr_today_is_revalued_by_a_later_rate_and_history_keeps_its_own(book):
    from csm_tui.store.rates import revalue_arr_today

    set_rate(book, date(2026, 1, 1), 7.10)
    # ¥710,000 at 7.10: $100,000 already; nothing to change, the rate is remembered.
    assert revalue_arr_today(book, 7.2, date(2026, 11, 30)) == 0
    history = [tuple(e) for e in events(book)]
    # A rate set later for a day before today: today's ARR moves to it (710,000 / 8).
    set_rate(book, date(2026, 11, 1), 8.00)
    assert revalue_arr_today(book, 7.2, date(2026, 11, 30)) == 1
    assert book.execute("SELECT arr_usd FROM accounts WHERE id = 'cny'").fetchone()[0] == 88_750.0
    assert [tuple(e) for e in events(book)] == history  # the events keep their own rates
    assert revalue_arr_today(book, 7.2, date(2026, 11, 30)) == 0  # once is enough
    # A rate dated ahead counts from its day on, not before.
    set_rate(book, date(2027, 1, 1), 6.25)
    assert revalue_arr_today(book, 7.2, date(2026, 12, 31)) == 0
    assert revalue_arr_today(book, 7.2, date(2027, 1, 1)) == 1
    assert book.execute("SELECT arr_usd FROM accounts WHERE id = 'cny'").fetchone()[0] == 113_600.0


def test_opening_the_workspace_values_arr_today_at_todays_rate(tmp_path, book):
    from csm_tui.domain.clock import FixedClock
    from csm_tui.workspace import Workspace

    set_rate(book, date(2026, 11, 1), 8.00)
    book.commit()
    path = book.execute("PRAGMA database_list").fetchone()[2]
    ws = Workspace(db_path=path, clock=FixedClock(NOW))
    try:
        arr_usd = ws.conn.execute("SELECT arr_usd FROM accounts WHERE id = 'cny'").fetchone()[0]
    finally:
        ws.close()
    assert arr_usd == 88_750.0
