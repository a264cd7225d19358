"""Relative days and money amounts as a CSM reads them, in English and Chinese."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.humanize import (
    currency_symbol,
    format_money,
    format_money_full,
    normalise_lang,
    relative_day,
)

TODAY = date(2026, 5, 20)


def on(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.mark.parametrize(
    ("days", "en", "zh"),
    [
        (0, "today", "今天"),
        (1, "tomorrow", "明天"),
        (-1, "yesterday", "昨天"),
        (2, "in 2 days", "2天后"),
        (-2, "2 days ago", "2天前"),
        (23, "in 23 days", "23天后"),
        (-12, "12 days ago", "12天前"),
        (60, "in 60 days", "60天后"),
        (-60, "60 days ago", "60天前"),
        (61, "in 2 months", "2个月后"),
        (-61, "2 months ago", "2个月前"),
        (152, "in 5 months", "5个月后"),
        (-152, "5 months ago", "5个月前"),
        (365, "in 12 months", "12个月后"),
        (729, "in 24 months", "24个月后"),
        (730, "in 2 years", "2年后"),
        (-730, "2 years ago", "2年前"),
        (1_100, "in 3 years", "3年后"),
    ],
)
def test_relative_day(days: int, en: str, zh: str) -> None:
    assert relative_day(on(days), TODAY) == en
    assert relative_day(on(days), TODAY, lang="zh") == zh


def test_day_precision_up_to_sixty_days() -> None:
    for days in range(2, 61):
        assert relative_day(on(days), TODAY) == f"in {days} days"
        assert relative_day(on(-days), TODAY) == f"{days} days ago"


_UNIT_RANK = {"day": 0, "days": 0, "month": 1, "months": 1, "year": 2, "years": 2}


def _distance(text: str) -> tuple[int, int]:
    """(unit rank, number) of an English relative day, to compare distances."""
    if text in ("today", "tomorrow", "yesterday"):
        return (0, 0 if text == "today" else 1)
    count, unit = text.removeprefix("in ").removesuffix(" ago").split()
    return (_UNIT_RANK[unit], int(count))


@given(st.integers(0, 20_000), st.integers(0, 20_000))
def test_farther_never_reads_nearer(a: int, b: int) -> None:
    near, far = sorted((a, b))
    for sign in (1, -1):
        shown_near = relative_day(on(sign * near), TODAY)
        shown_far = relative_day(on(sign * far), TODAY)
        assert _distance(shown_near) <= _distance(shown_far)


def test_datetimes_are_taken_by_their_date() -> None:
    renewal = datetime(2026, 6, 12, 23, 59, tzinfo=UTC)
    assert relative_day(renewal, TODAY) == "in 23 days"


@pytest.mark.parametrize("lang", ["zh-CN", "zh_Hans", "ZH", "zh-TW"])
def test_chinese_variants_use_chinese(lang: str) -> None:
    assert relative_day(on(23), TODAY, lang=lang) == "23天后"


def test_english_variants_use_english() -> None:
    assert normalise_lang("en-GB") == "en"
    assert relative_day(on(-12), TODAY, lang="en_US") == "12 days ago"


def test_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        relative_day(on(3), TODAY, lang="fr")


# --- money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "usd", "cny"),
    [
        (0, "$0", "¥0"),
        (950, "$950", "¥950"),
        (999, "$999", "¥999"),
        (999.49, "$999", "¥999"),
        (999.5, "$1k", "¥1k"),
        (1_000, "$1k", "¥1k"),
        (1_234, "$1.2k", "¥1.2k"),
        (1_250, "$1.3k", "¥1.3k"),  # halves round up
        (9_949, "$9.9k", "¥9.9k"),
        (9_950, "$10k", "¥10k"),
        (99_999, "$100k", "¥100k"),
        (120_000, "$120k", "¥120k"),
        (860_000, "$860k", "¥860k"),
        (999_499, "$999k", "¥999k"),
        (999_500, "$1M", "¥1M"),  # never "$1000k"
        (1_200_000, "$1.2M", "¥1.2M"),
        (1_250_000, "$1.3M", "¥1.3M"),
        (12_340_000, "$12M", "¥12M"),
        (2_500_000_000, "$2.5B", "¥2.5B"),
        (-3_000, "-$3k", "-¥3k"),
        (-0.4, "$0", "¥0"),  # no "-$0"
        (Decimal("1234.56"), "$1.2k", "¥1.2k"),
    ],
)
def test_format_money(amount, usd: str, cny: str) -> None:
    assert format_money(amount) == usd
    assert format_money(amount, "CNY") == cny


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0"),
        (950, "$950"),
        (120_000, "$120,000"),
        (1_234_567.5, "$1,234,568"),
        (-2_500, "-$2,500"),
        (123_456_789_012_345_678, "$123,456,789,012,345,678"),
    ],
)
def test_format_money_full(amount, text: str) -> None:
    assert format_money_full(amount) == text


def test_full_cny_amount() -> None:
    assert format_money_full(860_000, "cny") == "¥860,000"
    assert format_money_full(860_000, "RMB") == "¥860,000"


@given(st.floats(0, 1e15))
def test_compact_amount_is_short_and_close(amount: float) -> None:
    text = format_money(amount)
    assert len(text) <= 6
    number = text[1:]
    scale = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}.get(number[-1:], 1)
    value = float(number.rstrip("kMBT")) * scale
    assert abs(value - amount) <= max(0.5, amount * 0.05)


def test_unknown_currency_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unsupported currency 'EUR'"):
        format_money(10, "EUR")
    with pytest.raises(ValueError, match="unsupported currency"):
        currency_symbol("GBP")


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_amounts_are_refused(amount: float) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        format_money(amount)
    with pytest.raises(ValueError, match="non-finite"):
        format_money_full(amount)


def test_huge_amounts_do_not_crash() -> None:
    assert format_money(1e300).startswith("$")
    assert format_money_full(1e300).startswith("$1,000,000")


def test_relative_time_for_status_lines():
    from datetime import UTC, datetime, timedelta

    from csm_tui.domain.humanize import relative_time

    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(seconds=5), now) == "just now"
    assert relative_time(now - timedelta(minutes=2, seconds=10), now) == "2 min ago"
    assert relative_time(now - timedelta(hours=3), now) == "3 h ago"
    assert relative_time(now - timedelta(days=3), now) == "3 days ago"
    assert relative_time("2026-11-22 08:58:00.000000", now) == "2 min ago"
    assert relative_time(now - timedelta(minutes=2), now, lang="zh") == "2分钟前"
