"""Dates a CSM types: due dates in next steps, and when an activity happened.

Due dates (`parse_due`, `split_next_steps`) — every relative form counts from `today`:

* ``today``, ``tomorrow`` (``tmr``, ``tmrw``), ``day after tomorrow``; 今天, 明天, 后天, 大后天.
* ``in 3 days``, ``within 2 weeks``, ``in a month``, ``3 days from now`` (numbers as digits or
  the words one..twelve, "a", "an"); ``next week`` (+7 days), ``next month``;
  3天后, 3天内, 2周后, 两个星期后, 1个月后. A month later is the same day of the month,
  held to the month's last day (31 Jan + 1 month = 28 Feb).
* Weekdays: ``tue``, ``tuesday``, ``next tue``, ``this fri``, ``by fri``: the next such
  weekday strictly after today (on a Tuesday, "tue" is a week away). 周二/星期二/礼拜二: the
  same. 下周二 (下星期二): Tuesday of next calendar week (weeks start on Monday), which is
  what a Chinese speaker means. 这周五/本周五: Friday of this week (refused once it is past).
* Period edges (calendar months, quarters, years): 月底/月末, 本月底, 下个月初, 下个月底,
  12月底, 3月初, 季度末, 下季度初, 年底, 今年底, 明年初; ``end of month`` (``eom``), ``end
  of next quarter`` (``eoq``), ``end of the year`` (``eoy``), ``start of next month``. An
  end is the period's last day; a start with no "this"/"next" (月初, 年初) is the next one
  to come; "this" period's start once past is refused. 下周 / 下个月: like next week/month.
* Explicit dates: ISO ``2026-12-01`` (also ``2026/12/01``, ``2026.12.01``), ``1 Dec``,
  ``Dec 1``, ``1st December 2026``, ``Dec 1, 2026``; 2026年12月1日, 12月1日 (or 号). Without a
  year it is the next such day on or after today.
* Refused: ``12/1`` and the like — 1 Dec to an American or a Chinese reader, 12 Jan to a
  European — so it asks for an unambiguous form instead of guessing. Dates that do not exist
  ("2026-02-31" → "31 Feb 2026 does not exist"); years outside 2000–2100.

In free text (`split_next_steps`) weekday abbreviations only count after "next", "this",
"by", "on", "before", "until" or "due" ("call Sun Li" names no Sunday); full weekday names
count anywhere; "in"/"within" is needed before "3 days"; ``12/1`` is not read as a date.

When an activity happened (`parse_when`): ``now``, ``today 14:30``, ``yesterday 9:00``,
``2:30pm``, ``2026-11-20 14:30`` (or with ``T`` and an offset), ``20 Nov 10:00`` (the most
recent 20 Nov), ``2 hours ago``, ``3 days ago``; 现在, 刚才, 今天 14:30, 昨天 9:00, 前天,
2小时前, 3天前. A date without a time keeps the current time of day ("yesterday" is 24 hours
ago). Times are read in the zone given (the user's), else in `now`'s zone.

Errors are `DueDateError` / `WhenError` (both `DateTextError`, a `ValueError`) whose
`message` is meant for the user.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from csm_tui.domain.errors import MessageError
from csm_tui.i18n import N_, Message

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
TASK_TITLE_MAX = 200
"""A task title made from next steps is cut to this many characters (with an ellipsis)."""

DUE_SCAN_CHARS = 10_000
"""Free text is searched for a due date in its first this-many characters (cut at a space),
so a 1 MB note is checked in milliseconds; a date further down is not read."""

DEFAULT_TASK_TITLE = "Follow up"
"""The title when the next steps hold nothing but the date."""


class DateTextError(MessageError):
    """Typed text that is not a usable date; `message` (= `str(error)`) is for the user, in
    the interface language; `english()` is the same in English."""

    @property
    def message(self) -> str:
        return self.render()


class DueDateError(DateTextError):
    pass


class WhenError(DateTextError):
    pass


MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {
    **{calendar.month_name[i].lower(): i for i in range(1, 13)},
    **{a.lower(): i for i, a in enumerate(MONTH_ABBR, 1)},
    "sept": 9,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_FULL_WEEKDAY_RE = "|".join(calendar.day_name[i].lower() for i in range(7))
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2,
}  # fmt: skip
_WORD_NUMBER_RE = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)).replace(" ", r"\s+")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER_RE = "[零一二两三四五六七八九十]{1,3}"
_ORD = r"(?:st|nd|rd|th)?"

# -- small calendar helpers ------------------------------------------------------------------


def _in_range(value: date, text: str, error: type[DateTextError] = DueDateError) -> date:
    if not EARLIEST <= value <= LATEST:
        raise error(
            _m(N_("{text} gives {day}, outside 2000–2100"), text=repr(text.strip()), day=value)
        )
    return value


def _make_date(
    year: int, month: int, day: int, text: str, error: type[DateTextError] = DueDateError
) -> date:
    """The date, or a message naming what does not exist."""
    if not 1 <= month <= 12:
        raise error(
            _m(N_("{text}: there is no month {month}"), text=repr(text.strip()), month=month)
        )
    if not EARLIEST.year <= year <= LATEST.year:
        raise error(
            _m(
                N_("{text}: the year {year} is outside 2000–2100"),
                text=repr(text.strip()),
                year=year,
            )
        )
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise error(
            _m(N_("{day} {month} {year} does not exist"), day=day, month=_month(month), year=year)
        )
    return date(year, month, day)


def _check_month_day(month: int, day: int, text: str, error: type[DateTextError]) -> None:
    if not 1 <= month <= 12:
        raise error(
            _m(N_("{text}: there is no month {month}"), text=repr(text.strip()), month=month)
        )
    if not 1 <= day <= (29 if month == 2 else calendar.monthrange(2001, month)[1]):
        raise error(_m(N_("{day} {month} does not exist"), day=day, month=_month(month)))


def _next_occurrence(month: int, day: int, today: date, text: str) -> date:
    """The first `day` `month` on or after today (29 Feb: the next leap year's)."""
    _check_month_day(month, day, text, DueDateError)
    year = today.year
    while True:
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate >= today:
                return _in_range(candidate, text)
        year += 1


def _last_occurrence(month: int, day: int, today: date, text: str) -> date:
    """The last `day` `month` on or before today."""
    _check_month_day(month, day, text, WhenError)
    year = today.year
    while True:
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate <= today:
                return _in_range(candidate, text, WhenError)
        year -= 1


def add_months(value: date, months: int) -> date:
    """`value` moved by whole months, the day held to the target month's last day."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    return date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def next_weekday(today: date, weekday: int) -> date:
    """The first day strictly after `today` falling on `weekday` (Monday = 0)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def weekday_next_week(today: date, weekday: int) -> date:
    """`weekday` of the calendar week after today's (weeks start on Monday): 下周X."""
    return today + timedelta(days=7 - today.weekday() + weekday)


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


def _number(text: str) -> int:
    text = re.sub(r"\s+", " ", text.strip().lower())
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    return _cn_number(text)


def _shift(today: date, n: int, unit: str, text: str) -> date:
    unit = unit.lower()
    try:
        if unit.startswith(("d", "天", "日")):
            result = today + timedelta(days=n)
        elif unit.startswith(("w", "周", "星", "礼", "个星", "个礼")):
            result = today + timedelta(weeks=n)
        else:  # month, mo, 个月
            result = add_months(today, n)
    except OverflowError:
        raise DueDateError(_m(N_("{text} is too far ahead"), text=repr(text.strip()))) from None
    return _in_range(result, text)


# -- phrases -----------------------------------------------------------------------------------

Handler = Callable[[re.Match[str], date], date]


def _iso(m: re.Match[str], today: date) -> date:
    return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), m[0])


def _cn_full(m: re.Match[str], today: date) -> date:
    if m["y"]:
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), m[0])
    return _next_occurrence(int(m["m"]), int(m["d"]), today, m[0])


def _named_month(m: re.Match[str], today: date) -> date:
    month, day = _MONTHS[m["mon"].lower()], int(m["d"])
    if m["y"]:
        return _make_date(int(m["y"]), month, day, m[0])
    return _next_occurrence(month, day, today, m[0])


def _relative(m: re.Match[str], today: date) -> date:
    return _shift(today, _number(m["n"]), m["unit"], m[0])


def _day_word(m: re.Match[str], today: date) -> date:
    word = re.sub(r"\s+", " ", m["w"].lower())
    offset = {
        "today": 0, "tonight": 0, "今天": 0, "今日": 0,
        "tomorrow": 1, "tmr": 1, "tmrw": 1, "明天": 1, "明日": 1,
        "day after tomorrow": 2, "the day after tomorrow": 2, "后天": 2, "大后天": 3,
    }[word]  # fmt: skip
    return today + timedelta(days=offset)


def _next_unit(m: re.Match[str], today: date) -> date:
    return _shift(today, 1, m["unit"], m[0])


def _weekday(m: re.Match[str], today: date) -> date:
    return next_weekday(today, _WEEKDAYS[m["wd"].lower()])


def _cn_weekday(m: re.Match[str], today: date) -> date:
    return next_weekday(today, _CN_WEEKDAYS[m["wd"]])


def _cn_next_week_weekday(m: re.Match[str], today: date) -> date:
    return weekday_next_week(today, _CN_WEEKDAYS[m["wd"]])


def _cn_this_week_weekday(m: re.Match[str], today: date) -> date:
    result = today + timedelta(days=_CN_WEEKDAYS[m["wd"]] - today.weekday())
    if result < today:
        raise DueDateError(
            _m(
                N_("{text} ({day}) is already past"),
                text=m[0],
                day=f"{result:%a} {result.day} {result:%b}",
            )
        )
    return result


def _period_first(today: date, unit: str, ahead: int) -> date:
    """The first day of this (`ahead` 0) or a later month, calendar quarter or year."""
    if unit == "month":
        first = date(today.year, today.month, 1)
        return add_months(first, ahead)
    if unit == "quarter":
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return add_months(first, 3 * ahead)
    return date(today.year + ahead, 1, 1)


def _period_last(today: date, unit: str, ahead: int) -> date:
    span = {"month": 1, "quarter": 3, "year": 12}[unit]
    return add_months(_period_first(today, unit, ahead), span) - timedelta(days=1)


_CN_UNITS = {"月": "month", "季度": "quarter", "季": "quarter", "年": "year"}


def _period_edge(unit: str, ahead: int | None, start: bool, today: date, text: str) -> date:
    """First (`start`) or last day of a period; `ahead` None: not said. An unsaid start is
    the next one still to come (月初 on the 15th is the 1st of next month); a start said
    to be this period's and already past is refused."""
    try:
        if not start:
            return _in_range(_period_last(today, unit, ahead or 0), text)
        if ahead is None:
            first = _period_first(today, unit, 0)
            return first if first == today else _period_first(today, unit, 1)
        first = _period_first(today, unit, ahead)
    except OverflowError:
        raise DueDateError(_m(N_("{text} is too far ahead"), text=repr(text.strip()))) from None
    if first < today:
        raise DueDateError(
            _m(N_("{text} ({day}) is already past"), text=text.strip(), day=first.isoformat())
        )
    return _in_range(first, text)


def _cn_period_edge(m: re.Match[str], today: date) -> date:
    """月底, 本月底, 下个月初, 季度末, 下季度初, 年底, 今年底, 明年初 …"""
    which = (m["which"] or "").replace("个", "")
    unit = _CN_UNITS[m["unit"]]
    if which in ("今", "明") and unit != "year":
        raise DueDateError(
            _m(
                N_("{text}: say {this} or {next}"),
                text=repr(m[0]),
                this=f"本{m['unit']}",
                next=f"下个{m['unit']}",
            )
        )
    ahead = None if not which else (1 if which in ("下", "明") else 0)
    return _period_edge(unit, ahead, m["edge"] == "初", today, m[0])


def _cn_month_edge(m: re.Match[str], today: date) -> date:
    """12月底, 3月初: that month's last or first day, the next one to come."""
    month = int(m["m"]) if m["m"].isdigit() else _cn_number(m["m"])
    if not 1 <= month <= 12:
        raise DueDateError(
            _m(N_("{text}: there is no month {month}"), text=repr(m[0]), month=month)
        )
    year = today.year
    if m["edge"] == "初":
        day = date(year, month, 1)
        return _in_range(day if day >= today else date(year + 1, month, 1), m[0])
    day = _period_last(date(year, month, 1), "month", 0)
    if day < today:
        day = _period_last(date(year + 1, month, 1), "month", 0)
    return _in_range(day, m[0])


def _cn_next_span(m: re.Match[str], today: date) -> date:
    """下周 (+7 days), 下个月 (+1 month), as "next week" and "next month"."""
    return _shift(today, 1, "month" if "月" in m[0] else "week", m[0])


def _en_period_edge(m: re.Match[str], today: date) -> date:
    """end of (this|next) month|quarter|year, eom/eoq/eoy, start of next month …"""
    if m["abbr"]:
        unit = {"m": "month", "q": "quarter", "y": "year"}[m["abbr"][-1].lower()]
        return _period_edge(unit, 0, False, today, m[0])
    which = (m["which"] or "").lower()
    ahead = None if not which else (1 if which == "next" else 0)
    start = m["edge"].lower() != "end"
    return _period_edge(m["unit"].lower(), ahead, start, today, m[0])


def _ambiguous(m: re.Match[str], today: date) -> date:
    a, b = int(m["a"]), int(m["b"])
    readings: Message | str = ""
    if 1 <= a <= 12 and 1 <= b <= 12 and a != b:
        readings = _m(
            N_(" ({day} {month} or {other_day} {other_month}?)"),
            day=b,
            month=_month(a),
            other_day=a,
            other_month=_month(b),
        )
    raise DueDateError(
        _m(
            N_("{text} can be read two ways{readings}; write it as 2026-12-01, 1 Dec or Dec 1"),
            text=repr(m[0]),
            readings=readings,
        )
    )


def _m(template: str | Message, /, **values: object) -> Message:
    return template if isinstance(template, Message) else Message.of(template, **values)


def _month(month: int) -> Message:
    """The month's short name as a msgid ("Feb"): 2月 in Chinese."""
    return _m(_MONTH_WORDS[month - 1])


_MONTH_WORDS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
                N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))  # fmt: skip

_I = re.IGNORECASE
_ISO_RE = r"(?<![\d/.\-])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d/\-])"
_CN_FULL_RE = r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
_DAY_MONTH_RE = (
    rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\b(?:,?\s+(?P<y>\d{{4}})\b)?"
)
_MONTH_DAY_RE = rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y>\d{{4}})\b)?"
_NUM = rf"(?P<n>\d{{1,6}}|{_WORD_NUMBER_RE})"
_UNIT = r"(?P<unit>days?|weeks?|wks?|months?)"
_RELATIVE_RE = rf"\b(?:in|within)\s+{_NUM}\s+{_UNIT}\b"
_FROM_NOW_RE = rf"\b{_NUM}\s+{_UNIT}\s+from\s+(?:now|today)\b"
_CN_RELATIVE_RE = (
    rf"(?P<n>\d{{1,4}}|{_CN_NUMBER_RE})\s*(?P<unit>天|日|个?星期|个?礼拜|周|个月)"
    r"\s*(?:之后|以后|后|之内|以内|内)"
)
_DAY_WORD_RE = (
    r"\b(?P<w>(?:the\s+)?day\s+after\s+tomorrow|tomorrow|tmrw|tmr|today|tonight)\b(?!['’])"
)
_CN_DAY_WORD_RE = r"(?P<w>大后天|后天|明天|明日|今天|今日)"
_NEXT_UNIT_RE = r"\bnext\s+(?P<unit>week|month)\b(?!['’])"
_WEEKDAY_LEAD_RE = (
    rf"\b(?:(?:by|on|before|until|till|due(?:\s+(?:by|on))?)\s+)?(?:(?:next|this|coming)\s+)?"
    rf"(?P<wd>{_WEEKDAY_RE})\b\.?"
)
_FREE_WEEKDAY_RE = (
    rf"\b(?:(?:(?:by|on|before|until|till|due(?:\s+(?:by|on))?)\s+)?(?:next|this|coming)\s+"
    rf"|(?:by|on|before|until|till|due(?:\s+(?:by|on))?)\s+)(?P<wd>{_WEEKDAY_RE})\b"
)
_FULL_WEEKDAY_ONLY_RE = rf"\b(?P<wd>{_FULL_WEEKDAY_RE})\b(?!['’])"
_CN_NEXT_WEEK_RE = r"下\s*(?:个\s*)?(?:周|星期|礼拜)\s*(?P<wd>[一二三四五六日天])"
_CN_THIS_WEEK_RE = r"(?:这|本)\s*(?:个\s*)?(?:周|星期|礼拜)\s*(?P<wd>[一二三四五六日天])"
_CN_WEEKDAY_RE = (
    r"(?<![上下这本个每一二两三四五六七八九十\d])(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])"
)
_SLASH_RE = r"(?P<a>\d{1,2})/(?P<b>\d{1,2})"
_CN_PERIOD_EDGE_RE = (
    r"(?<![\d零一二两三四五六七八九十个上去前每])(?P<which>本|这个?|今|下个?|明)?\s*"
    r"(?P<unit>季度|季|月|年)\s*(?P<edge>底|末|初)"
)
_CN_MONTH_EDGE_RE = (
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月\s*(?P<edge>底|末|初)"
)
_CN_NEXT_SPAN_RE = r"下\s*(?:个\s*)?(?:(?:周|星期|礼拜)(?![一二三四五六日天])|月(?![初底末]))"
_EN_PERIOD_EDGE_RE = (
    r"\b(?:(?P<abbr>eo[mqy])|(?P<edge>end|start|beginning)\s+of\s+(?:the\s+)?"
    r"(?:(?P<which>this|next)\s+)?(?P<unit>month|quarter|year))\b"
)

# (pattern, handler): the same phrases for a whole due-date field and for free text, except
# where a field may say more ("fri" alone, "3 days" without "in", "12/1" gets a message).
_COMMON: list[tuple[str, Handler]] = [
    (_ISO_RE, _iso),
    (_CN_FULL_RE, _cn_full),
    (_DAY_MONTH_RE, _named_month),
    (_MONTH_DAY_RE, _named_month),
    (_RELATIVE_RE, _relative),
    (_FROM_NOW_RE, _relative),
    (_CN_RELATIVE_RE, _relative),
    (_DAY_WORD_RE, _day_word),
    (_CN_DAY_WORD_RE, _day_word),
    (_NEXT_UNIT_RE, _next_unit),
    (_CN_NEXT_WEEK_RE, _cn_next_week_weekday),
    (_CN_THIS_WEEK_RE, _cn_this_week_weekday),
    (_CN_WEEKDAY_RE, _cn_weekday),
    (_CN_MONTH_EDGE_RE, _cn_month_edge),
    (_CN_PERIOD_EDGE_RE, _cn_period_edge),
    (_CN_NEXT_SPAN_RE, _cn_next_span),
    (_EN_PERIOD_EDGE_RE, _en_period_edge),
]
_FIELD_PHRASES = [
    (re.compile(p, _I), h)
    for p, h in [
        *_COMMON,
        (_WEEKDAY_LEAD_RE, _weekday),
        (rf"(?:in\s+|within\s+)?{_NUM}\s*(?P<unit>d|days?|w|weeks?|wks?|mo|months?)", _relative),
        (_SLASH_RE, _ambiguous),
    ]
]
_FREE_PHRASES = [
    (re.compile(p, _I), h)
    for p, h in [*_COMMON, (_FREE_WEEKDAY_RE, _weekday), (_FULL_WEEKDAY_ONLY_RE, _weekday)]
]
_FIELD_LEAD = re.compile(r"^(?:due\s+(?:by|on)?|by|on|before|until|till|due)\s+", _I)
_EXAMPLES = N_("try 'tomorrow', 'in 3 days', 'next tue', '2026-12-01', '1 Dec' or '明天'")


def parse_due(text: str, today: date) -> date:
    """The due date `text` names, counted from `today` (see the module docstring)."""
    cleaned = re.sub(r"\s+", " ", text.strip()).rstrip(".")
    if not cleaned:
        raise DueDateError(_m(N_("no date given; {examples}"), examples=_m(_EXAMPLES)))
    for candidate in dict.fromkeys((cleaned, _FIELD_LEAD.sub("", cleaned))):
        for pattern, handler in _FIELD_PHRASES:
            m = pattern.fullmatch(candidate)
            if m is not None:
                return _in_range(handler(m, today), cleaned)
    raise DueDateError(
        _m(
            N_("could not read {text} as a date; {examples}"),
            text=repr(cleaned),
            examples=_m(_EXAMPLES),
        )
    )


def find_due_phrase(text: str, today: date) -> tuple[int, int, date] | None:
    """The first due-date phrase in free text: (start, end, date), or None.

    Only the first `DUE_SCAN_CHARS` characters are searched. Raises `DueDateError` when
    that phrase names a date that does not exist.
    """
    if len(text) > DUE_SCAN_CHARS:
        cut = max(text.rfind(" ", 0, DUE_SCAN_CHARS), text.rfind("\n", 0, DUE_SCAN_CHARS))
        text = text[: cut if cut > 0 else DUE_SCAN_CHARS]
    best: tuple[int, int, re.Match[str], Handler] | None = None
    for pattern, handler in _FREE_PHRASES:
        m = pattern.search(text)
        if m is None:
            continue
        if best is None or (m.start(), -m.end()) < (best[0], -best[1]):
            best = (m.start(), m.end(), m, handler)
    if best is None:
        return None
    start, end, m, handler = best
    return start, end, _in_range(handler(m, today), m[0])


_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")
_TRAILING_LEAD = re.compile(
    r"(?:[\s—–\-:,;(\[]|\b(?:by|on|before|until|till|due|no\s+later\s+than|at\s+the\s+latest)\b"
    r"|在|于)+$",
    _I,
)
_LEADING_TAIL = re.compile(r"^(?:[\s)\],;:—–\-]|之前|以前|前|为止)+")
_END_PUNCT = " \t—–-:;,("
# The title is the clause holding the date: it ends at the next sentence stop and starts
# after the last strong stop before the date (not a period: "Dr. Wang" keeps its name).
_SUFFIX_STOP = re.compile(r"[.;!?](?=\s|$)|[。；！？]")
_PREFIX_STOP = re.compile(r"[;!?](?=\s)|[。；！？]")


def _join(prefix: str, suffix: str) -> str:
    if not prefix or not suffix:
        return prefix + suffix
    if _CJK.match(prefix[-1]) or _CJK.match(suffix[0]):
        return prefix + suffix
    return f"{prefix} {suffix}"


def _clean_title(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip().strip(_END_PUNCT).strip()


def _cut(title: str) -> str:
    return title if len(title) <= TASK_TITLE_MAX else title[: TASK_TITLE_MAX - 1] + "…"


def split_next_steps(text: str, today: date) -> tuple[str, date | None]:
    """Find a due date in next-steps text: (task title without the date phrase, date).

    "Send pricing deck by next tue" → ("Send pricing deck", the next Tuesday). The title
    is the clause holding the first date phrase (its line, from the last ";" "?" "!" "。"
    before the phrase to the next "." ";" "?" "!" "。" after it), without the phrase and
    its "by"/"—"/"前"; when that leaves nothing it is the first other non-empty line, else
    "Follow up"; it is cut to `TASK_TITLE_MAX` characters. No phrase: (text, None).
    Raises `DueDateError` for a date that does not exist ("2026-02-31").
    """
    found = find_due_phrase(text, today)
    if found is None:
        return text, None
    start, end, due = found
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    room = 2 * TASK_TITLE_MAX  # the title is cut anyway: never clean megabytes for it
    prefix = text[line_start:start]
    stops = list(_PREFIX_STOP.finditer(prefix))
    prefix = _TRAILING_LEAD.sub("", prefix[stops[-1].end() :] if stops else prefix)
    suffix = text[end : min(line_end, end + room)]
    stop = _SUFFIX_STOP.search(suffix)
    suffix = _LEADING_TAIL.sub("", suffix[: stop.start()] if stop else suffix)
    title = _clean_title(_join(prefix.rstrip()[:room], suffix.lstrip()))
    if not title:
        others = (text[:line_start] + "\n" + text[line_end:]).splitlines()
        title = next((t for t in (_clean_title(s[:room]) for s in others) if t), DEFAULT_TASK_TITLE)
    return _cut(title), due


# -- when ----------------------------------------------------------------------------------

_TIME_RE = (
    r"(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?\s*(?P<ap>am|pm)?"
    r"|(?P<ch>\d{1,2})\s*[点時时](?:\s*(?P<cm>\d{1,2})\s*分?|\s*(?P<half>半))?"
)
_OFFSET_RE = r"(?P<tz>z|[+-]\d{2}(?::?\d{2})?)"
_WHEN_DATE_RE = (
    r"(?P<word>now|today|yesterday|day\s+before\s+yesterday|今天|今日|昨天|昨日|前天)"
    r"|(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    rf"|(?P<d2>\d{{1,2}}){_ORD}\s+(?P<mon2>{_MONTH_RE})\.?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<mon3>{_MONTH_RE})\.?\s+(?P<d3>\d{{1,2}}){_ORD}(?:,?\s+(?P<y3>\d{{4}}))?"
    r"|(?:(?P<y4>\d{4})\s*年\s*)?(?P<m4>\d{1,2})\s*月\s*(?P<d4>\d{1,2})\s*[日号]"
)
_WHEN_RE = re.compile(
    rf"(?:(?P<date>{_WHEN_DATE_RE})(?:\s*(?:t|,|at)\s*|\s+)?)?(?P<time>{_TIME_RE})?"
    rf"\s*{_OFFSET_RE}?",
    _I,
)
_AGO_RE = re.compile(
    r"(?P<n>\d{1,5})\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|d)\s+ago"
    r"|(?P<cn>\d{1,5})\s*(?P<cunit>分钟|个小时|小时|天)[之以]?前",
    _I,
)
_NOW_WORDS = {"", "now", "just now", "现在", "刚才", "刚刚"}


def _time_of(m: re.Match[str], text: str) -> tuple[int, int, int, int]:
    g = m.groupdict()
    if g.get("ch") is not None:
        hour = int(g["ch"])
        minute = 30 if g.get("half") else int(g["cm"] or 0)
        second = micro = 0
    else:
        hour, minute = int(g["h"]), int(g["mi"] or 0)
        second = int(g["s"] or 0)
        micro = int((g["f"] or "0").ljust(6, "0"))
        if g.get("ap"):
            if not 1 <= hour <= 12:
                raise WhenError(
                    _m(N_("{text}: {time} is not a time of day"), text=repr(text.strip()),
                       time=f"{hour}{g['ap']}")
                )  # fmt: skip
            hour = hour % 12 + (12 if g["ap"].lower() == "pm" else 0)
        elif g["mi"] is None:
            raise WhenError(
                _m(N_("{text}: write the time as 9:00 or 9am"), text=repr(text.strip()))
            )
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise WhenError(
            _m(N_("{text}: {time} is not a time of day"), text=repr(text.strip()),
               time=f"{hour}:{minute:02d}")
        )  # fmt: skip
    return hour, minute, second, micro


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text.lower() == "z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise WhenError(_m(N_("{text} is not a UTC offset"), text=repr(text)))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _when_date(m: re.Match[str], local_now: datetime, text: str) -> date:
    g = m.groupdict()
    today = local_now.date()
    if g["word"]:
        word = re.sub(r"\s+", " ", g["word"].lower())
        back = {"now": 0, "today": 0, "今天": 0, "今日": 0, "yesterday": 1, "昨天": 1,
                "昨日": 1, "day before yesterday": 2, "前天": 2}[word]  # fmt: skip
        return today - timedelta(days=back)
    if g["y"]:
        return _make_date(int(g["y"]), int(g["m"]), int(g["d"]), text, WhenError)
    if g["d2"]:
        month, day, year = _MONTHS[g["mon2"].lower()], int(g["d2"]), g["y2"]
    elif g["d3"]:
        month, day, year = _MONTHS[g["mon3"].lower()], int(g["d3"]), g["y3"]
    else:
        month, day, year = int(g["m4"]), int(g["d4"]), g["y4"]
    if year:
        return _make_date(int(year), month, day, text, WhenError)
    return _last_occurrence(month, day, today, text)


def parse_when(text: str, now: datetime, tz: tzinfo | None = None) -> datetime:
    """The instant `text` names (see the module docstring), aware, in `tz` (else now's zone)."""
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone")
    zone = tz or now.tzinfo
    local_now = now.astimezone(zone)
    cleaned = re.sub(r"\s+", " ", text.strip())
    if cleaned.lower() in _NOW_WORDS:
        return local_now
    ago = _AGO_RE.fullmatch(cleaned)
    if ago is not None:
        n = int(ago["n"] or ago["cn"])
        unit = (ago["unit"] or ago["cunit"]).lower()
        if unit.startswith(("mi", "分")) or unit == "m":
            delta = timedelta(minutes=n)
        elif unit.startswith(("h", "小", "个")):
            delta = timedelta(hours=n)
        else:
            delta = timedelta(days=n)
        return local_now - delta
    m = _WHEN_RE.fullmatch(cleaned)
    if m is None or not (m["date"] or m["time"]):
        raise WhenError(
            _m(
                N_(
                    "could not read {text} as a time; try 'now', 'today 14:30', "
                    "'yesterday 9:00', '2 hours ago' or '2026-11-20 14:30'"
                ),
                text=repr(cleaned),
            )
        )
    zone = _offset(m["tz"]) or zone
    local_now = now.astimezone(zone)
    day = _when_date(m, local_now, cleaned) if m["date"] else local_now.date()
    if m["time"]:
        hour, minute, second, micro = _time_of(m, cleaned)
    else:
        hour, minute = local_now.hour, local_now.minute
        second, micro = local_now.second, local_now.microsecond
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=zone)
