"""Money in 万/亿 for Chinese readers, and dated exchange rates."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.import_cells import MAX_ARR, parse_money
from csm_tui.domain.money import ExchangeRates, format_money_zh, money, money_full, reporting_note


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (0, "CNY", "¥0"),
        (8_500, "CNY", "¥8,500"),
        (9_999.4, "CNY", "¥9,999"),
        (9_999.5, "CNY", "¥1万"),
        (25_000, "CNY", "¥2.5万"),
        (30_000, "CNY", "¥3万"),
        (289_000, "CNY", "¥28.9万"),
        (999_499, "CNY", "¥99.9万"),
        (999_500, "CNY", "¥100万"),
        (2_890_000, "CNY", "¥289万"),
        (12_340_000, "CNY", "¥1,234万"),
        (99_995_000, "CNY", "¥1亿"),
        (120_000_000, "CNY", "¥1.2亿"),
        (123_456_000_000, "CNY", "¥1,235亿"),
        (35_000, "USD", "$3.5万"),
        (-20_000, "CNY", "-¥2万"),
        (-0.4, "CNY", "¥0"),
    ],
)
def test_a_chinese_reader_sees_amounts_in_wan_and_yi(amount, currency, shown):
    assert format_money_zh(amount, currency) == shown


def test_an_english_reader_still_sees_k_and_m():
    assert money(172_000, "USD", "en") == "$172k"
    assert money(289_000, "CNY", "en") == "¥289k"
    assert money(289_000, "CNY", "zh") == "¥28.9万"
    assert money(289_000, "CNY", "zh_CN") == "¥28.9万"


def test_the_full_amount_in_chinese_carries_its_wan_form():
    assert money_full(289_000, "CNY", "zh") == "¥289,000（28.9万）"
    assert money_full(8_500, "CNY", "zh") == "¥8,500"
    assert money_full(289_000, "CNY", "en") == "¥289,000"


def _digits(text: str) -> int:
    return len(re.sub(r"\D", "", text))


@given(st.integers(min_value=0, max_value=int(MAX_ARR) // 2) | st.floats(0, MAX_ARR / 2))
def test_a_wan_amount_reads_back_within_its_rounding(amount):
    shown = format_money_zh(amount, "CNY")
    back, currency = parse_money(shown)
    assert currency == "CNY"
    value = Decimal(repr(float(amount)))
    if "亿" in shown:
        step = Decimal(100_000_000) * (Decimal("0.1") if "." in shown else 1)
    elif "万" in shown:
        step = Decimal(10_000) * (Decimal("0.1") if "." in shown else 1)
    else:
        step = Decimal(1)
    assert abs(Decimal(repr(back)) - value) <= step / 2 + Decimal("0.01")


@given(st.floats(0, 1e13, allow_nan=False))
def test_a_wan_amount_never_shows_more_than_four_digits_once_large(amount):
    shown = format_money_zh(amount, "CNY")
    if "万" in shown or "亿" in shown:
        assert _digits(shown) <= 4 or shown.endswith("亿")
        assert not shown.startswith("¥10,000万")


# --- dated rates -----------------------------------------------------------------


RATES = ExchangeRates.of([(date(2026, 1, 1), 7.10), (date(2026, 11, 1), 7.25)], default=7.2)


def test_an_event_is_converted_at_the_rate_of_its_own_day():
    # ¥710,000 on 2026-06-30 at 7.10 → $100,000; the same on 2026-11-02 at 7.25 → $97,931.03.
    assert RATES.to_usd(710_000, "CNY", date(2026, 6, 30)) == 100_000.0
    assert RATES.to_usd(710_000, "CNY", date(2026, 11, 2)) == 97_931.03
    assert RATES.to_usd(710_000, "CNY", date(2026, 11, 1)) == 97_931.03
    assert RATES.to_usd(50_000, "USD", date(2026, 11, 2)) == 50_000


def test_before_the_first_dated_rate_the_first_one_applies_and_without_any_the_default():
    assert RATES.cny_per_usd(date(2025, 3, 1)) == 7.10
    assert ExchangeRates().cny_per_usd(date(2026, 1, 1)) == 7.2
    assert ExchangeRates(default=6.9).to_usd(690, "RMB", date(2026, 1, 1)) == 100.0


def test_a_later_rate_does_not_change_what_earlier_days_convert_to():
    before = RATES.to_usd(1_000_000, "CNY", date(2026, 3, 1))
    later = ExchangeRates.of([*RATES.rates, (date(2026, 12, 1), 8.0)])
    assert later.to_usd(1_000_000, "CNY", date(2026, 3, 1)) == before


def test_a_report_in_cny_names_the_day_of_its_rate():
    assert reporting_note(RATES, "CNY", date(2026, 11, 22)) == "2026-11-01"
    assert reporting_note(RATES, "USD", date(2026, 11, 22)) is None
    assert RATES.changed_between(date(2026, 6, 1), date(2026, 11, 22))
    assert not RATES.changed_between(date(2026, 2, 1), date(2026, 10, 31))


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError):
        ExchangeRates.of([(date(2026, 1, 1), 0)])


def test_the_table_formatter_screens_use_speaks_wan_in_chinese():
    from csm_tui.domain.humanize import format_money

    assert format_money(289_000, "CNY", lang="zh") == "¥28.9万"
    assert format_money(289_000, "CNY") == "¥289k"


def test_a_cny_report_converts_usd_totals_at_todays_rate_and_says_which():
    from csm_tui.domain.money import Reporting

    cny = Reporting.on("CNY", RATES, date(2026, 11, 22))
    # $2M per CSM at 7.25 is ¥14.5M: ¥1,450万.
    assert cny.amount(2_000_000) == 14_500_000
    assert cny.money(2_000_000, "zh") == "¥1,450万"
    assert cny.money(2_000_000) == "¥15M"  # English: no decimal from 10 of a unit on
    assert cny.note.english() == "at 7.25 CNY per USD, rates of 2026-11-01"
    usd = Reporting.on("USD", RATES, date(2026, 11, 22))
    assert usd.amount(2_000_000) == 2_000_000 and usd.note is None
    assert Reporting.on("RMB", ExchangeRates(), date(2026, 1, 1)).note.english() == (
        "at 7.2 CNY per USD, the default rate"
    )


def test_a_report_whose_period_saw_a_new_rate_says_so():
    from csm_tui.domain.money import Reporting

    year = (date(2025, 11, 22), date(2026, 11, 22))
    cny = Reporting.on("CNY", RATES, date(2026, 11, 22), year)
    assert cny.note.english() == (
        "at 7.25 CNY per USD, rates of 2026-11-01; "
        "the CNY rate changed in the period: each ARR change is at its day's rate"
    )
    usd = Reporting.on("USD", RATES, date(2026, 11, 22), year)
    assert usd.note.english() == (
        "the CNY rate changed in the period: each ARR change is at its day's rate"
    )
    quiet = (date(2026, 2, 1), date(2026, 10, 31))
    assert Reporting.on("USD", RATES, date(2026, 10, 31), quiet).note is None


def test_the_currency_setting_is_usd_or_cny():
    from csm_tui.config import Settings, SettingsError

    assert Settings().currency == "USD"
    assert Settings.from_toml('currency = "cny"').currency == "CNY"
    assert Settings.from_toml('currency = "RMB"').currency == "CNY"
    with pytest.raises(SettingsError, match="currency"):
        Settings.from_toml('currency = "EUR"')
