"""User-facing relative days and money amounts, in English and Simplified Chinese.

Pure arithmetic on dates: pendulum's `diff_for_humans` says "in 3 weeks" from 7 days on,
and the portfolio needs day precision ("in 23 days" to a renewal, "12 days ago" since the
last touch), so it does not help here.

Rules of `relative_day` (n = whole days from `today` to `target`):

* 0, +1, -1: "today", "tomorrow", "yesterday" (今天, 明天, 昨天);
* up to 60 days either way: days ("in 23 days", "12 days ago"; 23天后, 12天前);
* up to 729 days: months, rounded to the nearest month of 30.44 days (61 days is
  "in 2 months", 729 is "in 24 months");
* from 730 days: years, rounded to the nearest year of 365.25 days ("in 2 years").
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Context, Decimal

from csm_tui.i18n import current_language

DAYS_LIMIT = 60
"""Up to this many days away, a date is told in days."""
MONTHS_LIMIT = 730
"""From this many days away, a date is told in years."""

_DAYS_PER_MONTH = 365.25 / 12
_DAYS_PER_YEAR = 365.25

LANGS = ("en", "zh")


def normalise_lang(lang: str) -> str:
    """'en', 'en-GB', 'zh', 'zh_CN', 'zh-Hans' → 'en' or 'zh'; anything else is a ValueError."""
    key = lang.strip().lower().replace("_", "-")
    base = key.split("-", 1)[0]
    if base in LANGS:
        return base
    raise ValueError(f"unsupported language {lang!r}; use one of " + ", ".join(LANGS))


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def relative_day(target: date, today: date, lang: str | None = None) -> str:
    """How far `target` is from `today`, in words: "in 23 days", "12 days ago", "明天"."""
    lang = normalise_lang(lang or current_language())  # None: the interface language
    days = (_as_date(target) - _as_date(today)).days
    future = days > 0
    span = abs(days)
    if span == 0:
        return "today" if lang == "en" else "今天"
    if span == 1:
        if lang == "en":
            return "tomorrow" if future else "yesterday"
        return "明天" if future else "昨天"
    if span <= DAYS_LIMIT:
        count, en_unit, zh_unit = span, "day", "天"
    elif span < MONTHS_LIMIT:
        count, en_unit, zh_unit = max(2, _round_half_up(span / _DAYS_PER_MONTH)), "month", "个月"
    else:
        count, en_unit, zh_unit = max(2, _round_half_up(span / _DAYS_PER_YEAR)), "year", "年"
    if lang == "zh":
        return f"{count}{zh_unit}{'后' if future else '前'}"
    unit = en_unit if count == 1 else f"{en_unit}s"
    return f"in {count} {unit}" if future else f"{count} {unit} ago"


def never(lang: str | None = None) -> str:
    """A day or time that never was ("never" / "从未"); None: the interface language."""
    return "never" if normalise_lang(lang or current_language()) == "en" else "从未"


def relative_time(
    instant: datetime | str, now: datetime, lang: str | None = None, zone: tzinfo = UTC
) -> str:
    """How long ago an instant was, for status lines: "just now", "2 min ago", "3 h ago".

    Beyond a day it falls back to `relative_day`, on the user's days in `zone`. A stored
    UTC text is accepted too.
    """
    lang = normalise_lang(lang or current_language())  # None: the interface language
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
    seconds = (now - instant).total_seconds()
    if seconds < 0:
        return (
            relative_day(instant.astimezone(zone).date(), now.astimezone(zone).date(), lang)
            if seconds < -86_400
            else ("just now" if lang == "en" else "刚刚")
        )
    if seconds < 60:
        return "just now" if lang == "en" else "刚刚"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} min ago" if lang == "en" else f"{minutes}分钟前"
    if seconds < 86_400:
        hours = int(seconds // 3600)
        return f"{hours} h ago" if lang == "en" else f"{hours}小时前"
    return relative_day(instant.astimezone(zone).date(), now.astimezone(zone).date(), lang)


_SYMBOLS = {"USD": "$", "CNY": "¥"}
_CURRENCY_ALIASES = {"RMB": "CNY"}
_EXACT = Context(prec=400)  # room for every float's integer part (up to ~1.8e308)
_UNITS = (
    (Decimal(1_000), "k"),
    (Decimal(1_000_000), "M"),
    (Decimal(1_000_000_000), "B"),
    (Decimal(1_000_000_000_000), "T"),
)


def currency_symbol(currency: str) -> str:
    """'$' for USD, '¥' for CNY (or RMB); other currencies are a ValueError."""
    code = currency.strip().upper()
    code = _CURRENCY_ALIASES.get(code, code)
    try:
        return _SYMBOLS[code]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}; use USD or CNY") from None


def _decimal(amount: float) -> Decimal:
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    else:
        value = Decimal(repr(float(amount)))  # shortest repr: 1.25 stays 1.25
    if not value.is_finite():
        raise ValueError(f"cannot format a non-finite amount: {amount!r}")
    return value


def _signed(negative: bool, text: str) -> str:
    return f"-{text}" if negative and any(ch in "123456789" for ch in text) else text


def format_money(amount: float, currency: str = "USD", lang: str | None = None) -> str:
    """A compact amount for tables: "$950", "$1.2k", "$120k", "$1.2M", "¥860k", "-$3k".

    In Chinese (`lang="zh"`; None: the interface language) it is told in 万 / 亿 instead:
    domain.money.format_money_zh.

    Under 1,000: whole units. Then k, M, B, T: one decimal below 10 of the unit, none from
    10 on, a trailing ".0" dropped; halves round up; a value that rounds to 1,000 of a unit
    is told in the next one ($999,999 is "$1M", not "$1000k").
    """
    if normalise_lang(lang or current_language()) == "zh":
        from csm_tui.domain.money import format_money_zh

        return format_money_zh(amount, currency)
    symbol = currency_symbol(currency)
    value = _decimal(amount)
    negative, value = value < 0, abs(value)
    whole = value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT)
    if whole < 1000:
        return _signed(negative, f"{symbol}{whole}")
    text = ""
    for index, (size, suffix) in enumerate(_UNITS):
        scaled = _EXACT.divide(value, size)
        step = Decimal("0.1") if scaled < 10 else Decimal(1)
        rounded = scaled.quantize(step, rounding=ROUND_HALF_UP, context=_EXACT)
        if rounded >= 1000 and index < len(_UNITS) - 1:
            continue
        number = f"{rounded}"
        if number.endswith(".0"):
            number = number[:-2]
        text = f"{symbol}{number}{suffix}"
        break
    return _signed(negative, text)


def format_money_full(amount: float, currency: str = "USD") -> str:
    """The whole amount with thousands separators: "$120,000", "¥1,234,568", "-$950"."""
    symbol = currency_symbol(currency)
    value = _decimal(amount)
    negative, value = value < 0, abs(value)
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT))
    return _signed(negative, f"{symbol}{whole:,}")
