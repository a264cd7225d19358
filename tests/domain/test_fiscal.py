"""Fiscal years and quarters with a start month other than January."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.config import Settings, SettingsError
from csm_tui.domain.metrics import Period, fiscal_quarter_of, fiscal_year_of, parse_period


def days(period: Period) -> tuple[str, str]:
    """First and last day of the period (it is (start, end])."""
    return (period.label().split(" – ")[0], period.end.isoformat())


def test_with_an_april_start_q1_is_april_to_june():
    assert days(Period.fiscal_quarter(2026, 1, 4)) == ("2025-04-01", "2025-06-30")
    assert days(Period.fiscal_quarter(2026, 3, 4)) == ("2025-10-01", "2025-12-31")
    assert days(Period.fiscal_quarter(2026, 4, 4)) == ("2026-01-01", "2026-03-31")
    assert days(Period.fiscal_year(2026, 4)) == ("2025-04-01", "2026-03-31")


def test_a_day_in_march_is_q4_of_the_fiscal_year_ending_that_march():
    assert fiscal_quarter_of(date(2026, 3, 15), 4) == (2026, 4)
    assert fiscal_quarter_of(date(2026, 4, 1), 4) == (2027, 1)
    assert fiscal_year_of(date(2026, 3, 31), 4) == 2026
    assert fiscal_year_of(date(2026, 4, 1), 4) == 2027


def test_a_january_start_is_the_calendar_year():
    assert days(Period.fiscal_year(2026)) == ("2026-01-01", "2026-12-31")
    assert days(Period.fiscal_quarter(2026, 2)) == ("2026-04-01", "2026-06-30")
    assert fiscal_quarter_of(date(2026, 11, 22)) == (2026, 4)


def test_an_october_start_crosses_the_year():
    assert days(Period.fiscal_quarter(2026, 1, 10)) == ("2025-10-01", "2025-12-31")
    assert days(Period.fiscal_quarter(2026, 2, 10)) == ("2026-01-01", "2026-03-31")


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(1, 12))
def test_every_day_lies_in_its_own_fiscal_quarter_and_year(day, start_month):
    year, quarter = fiscal_quarter_of(day, start_month)
    q = Period.fiscal_quarter(year, quarter, start_month)
    fy = Period.fiscal_year(year, start_month)
    assert q.start < day <= q.end
    assert fy.start < day <= fy.end
    assert 89 <= q.days <= 92
    assert fy.days in (365, 366)


@pytest.mark.parametrize(
    ("word", "first", "last"),
    [
        ("q3", "2026-10-01", "2026-12-31"),  # today 2026-11-22 is in FY2027 (April start)
        ("Q1", "2026-04-01", "2026-06-30"),
        ("fy2026", "2025-04-01", "2026-03-31"),
        ("FY26", "2025-04-01", "2026-03-31"),
        ("fy2026q4", "2026-01-01", "2026-03-31"),
        ("fy2026-q2", "2025-07-01", "2025-09-30"),
        ("ttm", "2025-11-23", "2026-11-22"),
    ],
)
def test_a_report_period_is_named_in_a_word(word, first, last):
    assert days(parse_period(word, date(2026, 11, 22), 4)) == (first, last)


@pytest.mark.parametrize("word", ["", "q5", "fy", "next year", "2026"])
def test_an_unknown_period_word_is_refused(word):
    with pytest.raises(ValueError, match="not a period"):
        parse_period(word, date(2026, 11, 22), 4)


def test_the_fiscal_year_start_setting_is_a_month():
    assert Settings.from_toml("fiscal_year_start = 4").fiscal_year_start == 4
    assert Settings().fiscal_year_start == 1
    for bad in ("0", "13", '"april"'):
        with pytest.raises(SettingsError, match="fiscal_year_start"):
            Settings.from_toml(f"fiscal_year_start = {bad}")
