"""Money in the reader's language and the book's reporting currency, at dated rates.

Pure: no I/O. The edge passes the language (``"en"`` / ``"zh"``) and the rates it read.

Chinese amounts (`format_money_zh`) are told in 万 (10⁴) and 亿 (10⁸), the way the seeds
write them:

* under 10,000: whole units with thousands separators (¥8,500);
* 万: one decimal below 100万 (¥2.5万, ¥28.9万), whole from 100万 on (¥289万, ¥1,234万);
* 亿: one decimal below 100亿 (¥1.2亿), whole from 100亿 on (¥1,234亿);
* a trailing ".0" is dropped (¥3万); halves round up; an amount that rounds to 10,000万
  is told in 亿 (¥99,995,000 is ¥1亿, never ¥10,000万).

So at most three or four significant digits are shown, as in English ($172k).

Exchange rates are dated: `ExchangeRates` holds CNY per USD from a day on; the rate in
force on a day is the latest one set on or before it (before the first one, the first).
History (ARR events) is converted at its own day's rate; "ARR today" at today's rate, so
a new rate never silently revalues what was booked before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal

from csm_tui.domain.errors import MessageError
from csm_tui.domain.humanize import (
    currency_symbol,
    format_money,
    format_money_full,
    normalise_lang,
)
from csm_tui.i18n import N_, Message

CURRENCIES = ("USD", "CNY")
DEFAULT_CNY_PER_USD = 7.2

_EXACT = Context(prec=400)
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)


def _decimal(amount: float) -> Decimal:
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    else:
        value = Decimal(repr(float(amount)))
    if not value.is_finite():
        raise ValueError(f"cannot format a non-finite amount: {amount!r}")
    return value


def _scaled(value: Decimal, size: Decimal) -> Decimal:
    scaled = _EXACT.divide(value, size)
    step = Decimal("0.1") if scaled < 100 else Decimal(1)
    return scaled.quantize(step, rounding=ROUND_HALF_UP, context=_EXACT)


def _number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    whole, frac = f"{value}".split(".")
    return f"{int(whole):,}.{frac}"


def format_money_zh(amount: float, currency: str = "CNY") -> str:
    """ "¥8,500", "¥28.9万", "¥289万", "¥1.2亿", "$3.5万", "-¥2万" (rules in the module doc)."""
    symbol = currency_symbol(currency)
    value = _decimal(amount)
    negative, value = value < 0, abs(value)
    whole = value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT)
    if whole < _WAN:
        text = f"{symbol}{int(whole):,}"
    else:
        wan = _scaled(value, _WAN)
        if wan < 10_000:
            text = f"{symbol}{_number(wan)}万"
        else:
            text = f"{symbol}{_number(_scaled(value, _YI))}亿"
    if negative and any(ch in "123456789" for ch in text):
        return f"-{text}"
    return text


def money(amount: float, currency: str = "USD", lang: str = "en") -> str:
    """A compact amount for tables in the reader's language: "$172k" / "¥28.9万"."""
    return format_money(amount, currency, lang)


def money_full(amount: float, currency: str = "USD", lang: str = "en") -> str:
    """The whole amount ("¥289,000"); in zh the 万 form follows when it is shorter to read:
    "¥289,000（28.9万）"."""
    full = format_money_full(amount, currency)
    if normalise_lang(lang) == "zh" and abs(amount) >= 10_000:
        return f"{full}（{format_money_zh(amount, currency)[len(currency_symbol(currency)) :]}）"
    return full


def normalise_currency(code: str) -> str:
    """'usd' → 'USD', 'RMB' → 'CNY'; others are a ValueError."""
    key = code.strip().upper()
    key = {"RMB": "CNY"}.get(key, key)
    if key not in CURRENCIES:
        raise MessageError(
            Message.of(N_("unsupported currency {code}; use USD or CNY"), code=repr(code))
        )
    return key


@dataclass(frozen=True)
class ExchangeRates:
    """CNY per USD by day: each rate is in force from its day until the next one."""

    rates: tuple[tuple[date, float], ...] = ()
    default: float = DEFAULT_CNY_PER_USD
    _days: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(dict(self.rates).items()))
        for day, rate in ordered:
            if not rate > 0:
                raise ValueError(f"the rate of {day.isoformat()} must be > 0; got {rate!r}")
        if not self.default > 0:
            raise ValueError(f"the default rate must be > 0; got {self.default!r}")
        object.__setattr__(self, "rates", ordered)
        object.__setattr__(self, "_days", tuple(d for d, _ in ordered))

    @classmethod
    def of(
        cls, rates: Iterable[tuple[date, float]], default: float = DEFAULT_CNY_PER_USD
    ) -> ExchangeRates:
        return cls(tuple(rates), default)

    def set_on(self, day: date) -> date | None:
        """The day the rate in force on `day` was set (None: the default applies)."""
        i = bisect.bisect_right(self._days, day)
        if i == 0:
            return self._days[0] if self._days else None
        return self._days[i - 1]

    def cny_per_usd(self, day: date) -> float:
        """The rate in force on `day`: the latest set on or before it; before the first
        dated rate, the first one; with none, the default."""
        since = self.set_on(day)
        if since is None:
            return self.default
        return self.rates[self._days.index(since)][1]

    def to_usd(self, amount: float, currency: str, day: date) -> float:
        """`amount` in USD at `day`'s rate, to the cent (band edges stay exact)."""
        if normalise_currency(currency) == "CNY":
            return round(amount / self.cny_per_usd(day), 2)
        return amount

    def from_usd(self, amount_usd: float, currency: str, day: date) -> float:
        """A USD amount in `currency` at `day`'s rate, to the cent."""
        if normalise_currency(currency) == "CNY":
            return round(amount_usd * self.cny_per_usd(day), 2)
        return amount_usd

    def changed_between(self, start: date, end: date) -> bool:
        """Whether a different rate came into force in (start, end]: history in that
        span mixes rates and a report should say so."""
        return self.cny_per_usd(start) != self.cny_per_usd(end) or any(
            start < d <= end and r != self.cny_per_usd(start) for d, r in self.rates
        )


def reporting_note(rates: ExchangeRates, currency: str, today: date) -> str | None:
    """The day of the rate a report in `currency` is shown at (None: USD, nothing to say).

    Returned as an ISO day; the edge words it ("at rates of 2026-11-01")."""
    if normalise_currency(currency) == "USD":
        return None
    since = rates.set_on(today)
    return None if since is None else since.isoformat()


@dataclass(frozen=True)
class Reporting:
    """Totals in the reporting currency: USD-equivalent amounts (`arr_usd`, sums of ARR
    events) shown in `currency` at the rate in force on `today` ("ARR today"). `rates_of`
    is the day that rate was set (None: the default rate), for the note reports carry
    ("at rates of 2026-11-01")."""

    currency: str = "USD"
    per_usd: float = 1.0
    rates_of: date | None = None
    mixed: bool = False  # the rate changed within the period reported on

    @classmethod
    def on(
        cls,
        currency: str,
        rates: ExchangeRates,
        today: date,
        period: tuple[date, date] | None = None,
    ) -> Reporting:
        """At the rate in force `today`; `period` (start, end): say when a new rate came
        into force in it (its ARR changes are each at their own day's rate)."""
        code = normalise_currency(currency)
        mixed = period is not None and rates.changed_between(*period)
        if code == "USD":
            return cls(mixed=mixed)
        return cls(code, rates.cny_per_usd(today), rates.set_on(today), mixed)

    def amount(self, usd: float) -> float:
        """A USD-equivalent amount in the reporting currency, to the cent."""
        return usd if self.currency == "USD" else round(usd * self.per_usd, 2)

    def money(self, usd: float, lang: str | None = None) -> str:
        """The amount in the reporting currency, told as the reader's language tells it
        (`lang` None: the interface language; "¥28.9万" in zh, "¥289k" in en)."""
        return format_money(self.amount(usd), self.currency, lang)

    @property
    def note(self) -> Message | None:
        """The words under a report: "at 7.25 CNY per USD, rates of 2026-11-01" in CNY,
        and whether the rate changed in the period (None: USD, nothing to say); a
        `Message`, the edge says it in the interface language."""
        mixed = Message.of(
            N_("the CNY rate changed in the period: each ARR change is at its day's rate")
        )
        if self.currency == "USD":
            return mixed if self.mixed else None
        if self.rates_of is None:
            template = N_("at {rate} CNY per USD, the default rate")
            note = Message.of(template, rate=f"{self.per_usd:g}")
        else:
            note = Message.of(
                N_("at {rate} CNY per USD, rates of {day}"),
                rate=f"{self.per_usd:g}",
                day=self.rates_of.isoformat(),
            )
        if self.mixed:
            return Message.of(N_("{note}; {mixed}"), note=note, mixed=mixed)
        return note
