"""How one cell of an imported CSV reads: amounts and their currency, whole numbers,
calendar dates and one line of text — and the `CellError` that says why a cell cannot be.

Pure: text in, values or messages out. The forms each reads are listed in
`domain.csv_mapping`'s module doc; account imports (`domain.csv_mapping`) and signal
imports (`domain.signal_mapping`) read their cells with these.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from csm_tui.i18n import N_, Message


class DateOrder(StrEnum):
    MDY = "MDY"  # 03/04/2026 is 4 March (United States)
    DMY = "DMY"  # 03/04/2026 is 3 April (most of Europe)


MAX_TEXT = 200
MAX_EXTERNAL_ID = 100
MAX_ARR = 1e12
MAX_SEATS = 2**31 - 1
EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)


class CellError(ValueError):
    """A cell that cannot be read: `words` (a `Message`) say why, the edge renders them in
    the interface language; `message` is the same words in English (logs, JSON)."""

    def __init__(self, words: Message | str) -> None:
        self.words = words if isinstance(words, Message) else Message.text(words)
        super().__init__(self.words)  # made into English only when asked (bad rows are many)

    @property
    def message(self) -> str:
        return self.words.english()

    def __str__(self) -> str:
        return self.words.english()


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # spaces and the ' of 1'200 (Swiss)
_MULTIPLIERS = {
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mm": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
}
# Longest first, so "US$" wins over "$".
_CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("US$", "USD"),
    ("USD", "USD"),
    ("CN¥", "CNY"),
    ("CNY", "CNY"),
    ("RMB", "CNY"),
    ("$", "USD"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("元", "CNY"),
)
_FOREIGN_MARKS = ("€", "£", "EUR", "GBP", "JPY", "HK$", "HKD", "C$", "CAD", "A$", "AUD", "₹")
_PLAIN = {".": re.compile(r"\d+(\.\d+)?"), ",": re.compile(r"\d+(,\d+)?")}
_GROUPED = {
    ".": re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?"),
    ",": re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?"),
}
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+-]?\d+")


def parse_currency(text: str) -> str:
    """USD or CNY from a code or symbol (``RMB``, ``¥`` and ``元`` are CNY)."""
    key = text.strip().upper()
    for mark, code in _CURRENCY_MARKS:
        if key == mark.upper():
            return code
    raise CellError(
        Message.of(
            N_("currency {text} is not one the book holds; use USD or CNY"), text=repr(text.strip())
        )
    )


def parse_money(text: str, decimal: str = ".") -> tuple[float, str | None]:
    """An amount and the currency its symbol or code names (None: none given).

    Rounded to the cent. Refuses negative amounts, other currencies and numbers whose
    thousands separators do not fall every three digits (``1,20``).
    """
    raw = text.strip()
    s = _SPACES.sub("", raw)
    if not s:
        raise CellError(Message.of(N_("no amount")))
    currency = None
    upper = s.upper()
    for mark in _FOREIGN_MARKS:
        if mark.upper() in upper:
            raise CellError(
                Message.of(
                    N_("{raw} is not in USD or CNY; convert it before importing"), raw=repr(raw)
                )
            )
    for mark, code in _CURRENCY_MARKS:
        m = mark.upper()
        if upper.startswith(m):
            s, currency = s[len(mark) :], code
            break
        if upper.endswith(m):
            s, currency = s[: -len(mark)], code
            break
    if s.startswith("-") or (s.startswith("(") and s.endswith(")")) or s.endswith("-"):
        raise CellError(Message.of(N_("{raw} is negative; ARR cannot be below 0"), raw=repr(raw)))
    s = s.lstrip("+")
    multiplier = Decimal(1)
    lowered = s.lower()
    for suffix in sorted(_MULTIPLIERS, key=len, reverse=True):
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            multiplier = _MULTIPLIERS[suffix]
            s = s[: -len(suffix)]
            break
    if _PLAIN[decimal].fullmatch(s) or _SCIENTIFIC.fullmatch(s):
        number = s.replace(",", ".") if decimal == "," else s
    elif _GROUPED[decimal].fullmatch(s):
        group = "," if decimal == "." else "."
        number = s.replace(group, "")
        if decimal == ",":
            number = number.replace(",", ".")
    else:
        if decimal == "." and re.fullmatch(r"\d+(\.\d{3})*,\d+", s):
            raise CellError(
                Message.of(
                    N_(
                        '{raw} is not an amount (a decimal comma? set decimal = "," in the mapping)'
                    ),
                    raw=repr(raw),
                )
            )
        raise CellError(Message.of(N_("{raw} is not an amount"), raw=repr(raw)))
    try:
        amount = Decimal(number) * multiplier
    except InvalidOperation:
        raise CellError(Message.of(N_("{raw} is not an amount"), raw=repr(raw))) from None
    if amount > Decimal(MAX_ARR):
        raise CellError(Message.of(N_("{raw} is too large for an annual amount"), raw=repr(raw)))
    return float(round(amount, 2)), currency


def parse_count(text: str) -> int:
    """A whole number ≥ 0: ``1200``, ``1,200``, ``1 200`` or ``12.0`` (spreadsheets)."""
    raw = text.strip()
    s = _SPACES.sub("", raw)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        s = s.replace(",", "")
    m = re.fullmatch(r"(\d+)(\.0+)?", s)
    if m is None:
        if s.startswith("-"):
            raise CellError(
                Message.of(N_("{raw} is negative; expected a whole number ≥ 0"), raw=repr(raw))
            )
        raise CellError(Message.of(N_("{raw} is not a whole number"), raw=repr(raw)))
    value = int(m.group(1))
    if value > MAX_SEATS:
        raise CellError(Message.of(N_("{raw} is too large"), raw=repr(raw)))
    return value


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<y>\d{4}|\d{2})"
# A time (and zone) after a date is dropped: only the calendar date is stored.
_TIME = (
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
)
_DATE_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern + _TIME, re.IGNORECASE))
    for name, pattern in (
        ("ymd", r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
        ("cn", r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
        ("numeric", r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR),
        ("d_mon_y", r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+" + _MONTH + r"[\s,-]+" + _YEAR),
        ("mon_d_y", _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR),
    )
)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int, raw: str) -> date:
    if not 1 <= month <= 12:
        raise CellError(
            Message.of(N_("{raw}: there is no month {month}"), raw=repr(raw), month=month)
        )
    try:
        value = date(year, month, day)
    except ValueError:
        raise CellError(
            Message.of(
                N_("{raw} is not a date: day {day} does not exist in that month"),
                raw=repr(raw),
                day=day,
            )
        ) from None
    if not EARLIEST <= value <= LATEST:
        raise CellError(
            Message.of(
                N_("{raw} is outside {first}–{last}"),
                raw=repr(raw),
                first=EARLIEST.year,
                last=LATEST.year,
            )
        )
    return value


def parse_date(text: str, order: DateOrder | None = None) -> date:
    """A calendar date from the forms in the module doc; see there for ambiguity."""
    raw = text.strip()
    for name, pattern in _DATE_FORMS:
        m = pattern.fullmatch(raw)
        if m is None:
            continue
        if name in ("ymd", "cn"):
            return _make(int(m["y"]), int(m["m"]), int(m["d"]), raw)
        if name in ("d_mon_y", "mon_d_y"):
            month = _MONTHS[m["mon"].lower()]
            return _make(_year(m["y"]), month, int(m["d"]), raw)
        a, b, year = int(m["a"]), int(m["b"]), _year(m["y"])
        if order is DateOrder.MDY:
            if a > 12:
                raise CellError(
                    Message.of(
                        N_("{raw}: there is no month {month} (the mapping reads dates as {order})"),
                        raw=repr(raw),
                        month=a,
                        order="MDY",
                    )
                )
            return _make(year, a, b, raw)
        if order is DateOrder.DMY:
            if b > 12:
                raise CellError(
                    Message.of(
                        N_("{raw}: there is no month {month} (the mapping reads dates as {order})"),
                        raw=repr(raw),
                        month=b,
                        order="DMY",
                    )
                )
            return _make(year, b, a, raw)
        if a > 12 >= b:
            return _make(year, b, a, raw)
        if b > 12 >= a or a == b:
            return _make(year, a, b, raw)
        raise CellError(
            Message.of(
                N_(
                    "{raw} could be {one} or {other}; set "
                    'date_order = "MDY" or "DMY" in the mapping, or use 2026-03-04'
                ),
                raw=repr(raw),
                one=_day_month(a, b),
                other=_day_month(b, a),
            )
        )
    raise CellError(
        Message.of(
            N_("{raw} is not a date (use 2026-03-15, 15 Mar 2026 or the export's form)"),
            raw=repr(raw),
        )
    )


def _day_month(day: int, month: int) -> str:
    name = _MONTH_ABBR[month - 1] if 1 <= month <= 12 else f"month {month}"
    return f"{day} {name}"


_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Unicode categories Cc (C0, DEL, C1), Zl and Zp: what `domain.contacts` refuses too.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_text(value: str, limit: int = MAX_TEXT) -> str:
    """One line of text as it will be stored (surrounding spaces already stripped)."""
    found = _CONTROL.search(value)
    if found is not None:
        bad = found.group()
        shown = (
            Message.of(N_("a line break"))
            if bad in "\r\n\u2028\u2029"
            else Message.text(f"U+{ord(bad):04X}")
        )
        raise CellError(
            Message.of(
                N_("contains {shown}; it must be one line of text without control characters"),
                shown=shown,
            )
        )
    if len(value) > limit:
        raise CellError(
            Message.of(
                N_("is {length} characters long; at most {limit}"), length=len(value), limit=limit
            )
        )
    return value
