"""Due dates and "when" as a CSM types them: what each phrase means, and clear refusals."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from csm_tui.domain.dates import (
    DEFAULT_TASK_TITLE,
    MONTH_ABBR,
    TASK_TITLE_MAX,
    DueDateError,
    WhenError,
    parse_due,
    parse_when,
    split_next_steps,
)

SUNDAY = date(2026, 11, 22)  # the frozen test day is a Sunday
WEDNESDAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
todays = st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 1, 1))


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("today", SUNDAY, SUNDAY),
        ("Tomorrow", SUNDAY, date(2026, 11, 23)),
        ("day after tomorrow", SUNDAY, date(2026, 11, 24)),
        ("in 3 days", SUNDAY, date(2026, 11, 25)),
        ("in 2 weeks", SUNDAY, date(2026, 12, 6)),
        ("in 1 month", SUNDAY, date(2026, 12, 22)),
        ("in a month", date(2027, 1, 31), date(2027, 2, 28)),
        ("within two weeks", SUNDAY, date(2026, 12, 6)),
        ("3 days from now", SUNDAY, date(2026, 11, 25)),
        ("next week", SUNDAY, date(2026, 11, 29)),
        ("next tue", SUNDAY, date(2026, 11, 24)),
        ("tuesday", SUNDAY, date(2026, 11, 24)),
        ("fri", SUNDAY, date(2026, 11, 27)),
        ("by Fri", SUNDAY, date(2026, 11, 27)),
        ("wed", WEDNESDAY, date(2026, 12, 2)),  # on a Wednesday, "wed" is a week away
        ("2026-12-01", SUNDAY, date(2026, 12, 1)),
        ("2026/12/01", SUNDAY, date(2026, 12, 1)),
        ("1 Dec", SUNDAY, date(2026, 12, 1)),
        ("Dec 1", SUNDAY, date(2026, 12, 1)),
        ("1st December 2027", SUNDAY, date(2027, 12, 1)),
        ("Dec 1, 2026", SUNDAY, date(2026, 12, 1)),
        ("1 Nov", SUNDAY, date(2027, 11, 1)),  # no year: the next one, not a past day
        ("29 Feb", SUNDAY, date(2028, 2, 29)),
        ("今天", SUNDAY, SUNDAY),
        ("明天", SUNDAY, date(2026, 11, 23)),
        ("后天", SUNDAY, date(2026, 11, 24)),
        ("3天后", SUNDAY, date(2026, 11, 25)),
        ("两周后", SUNDAY, date(2026, 12, 6)),
        ("1个月后", SUNDAY, date(2026, 12, 22)),
        ("下周二", SUNDAY, date(2026, 11, 24)),
        ("下周二", WEDNESDAY, date(2026, 12, 1)),  # Tuesday of next week, not the next Tuesday
        ("周五", WEDNESDAY, date(2026, 11, 27)),
        ("星期三", WEDNESDAY, date(2026, 12, 2)),
        ("本周五", WEDNESDAY, date(2026, 11, 27)),
        ("2026年12月1日", SUNDAY, date(2026, 12, 1)),
        ("12月1号", SUNDAY, date(2026, 12, 1)),
    ],
)
def test_due_phrases(text, today, expected):
    assert parse_due(text, today) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-31", "31 Feb 2026 does not exist"),
        ("31 Feb", "31 Feb does not exist"),
        ("Apr 31", "31 Apr does not exist"),
        ("2027-02-29", "29 Feb 2027 does not exist"),
        ("2026-13-01", "there is no month 13"),
        ("12/1", "can be read two ways (1 Dec or 12 Jan?)"),
        ("1899-01-01", "outside 2000–2100"),
        ("in 99999 days", "outside 2000–2100"),
        ("", "no date given"),
        ("whenever", "could not read 'whenever' as a date"),
        ("本周一", "already past"),
    ],
)
def test_bad_due_dates_say_what_is_wrong(text, message):
    with pytest.raises(DueDateError) as caught:
        parse_due(text, WEDNESDAY)
    assert message in caught.value.message


@given(days, todays)
def test_iso_dates_read_back_exactly(day, today):
    assert parse_due(day.isoformat(), today) == day
    assert parse_due(f"{day.day} {MONTH_ABBR[day.month - 1]} {day.year}", today) == day
    assert parse_due(f"{calendar.month_name[day.month]} {day.day}, {day.year}", today) == day


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(29, 31))
def test_days_past_the_month_end_are_refused_by_name(year, month, day):
    if day <= calendar.monthrange(year, month)[1]:
        assert parse_due(f"{year}-{month:02d}-{day:02d}", SUNDAY) == date(year, month, day)
    else:
        with pytest.raises(DueDateError, match=f"{day} {MONTH_ABBR[month - 1]} {year} does not"):
            parse_due(f"{year}-{month:02d}-{day:02d}", SUNDAY)


@given(todays, st.integers(0, 6), st.sampled_from(["short", "long", "next", "by"]))
def test_a_weekday_is_the_next_one_after_today(today, weekday, form):
    name = calendar.day_name[weekday]
    text = {"short": name[:3], "long": name, "next": f"next {name[:3]}", "by": f"by {name}"}[form]
    due = parse_due(text, today)
    assert due.weekday() == weekday
    assert 1 <= (due - today).days <= 7


@given(todays, st.integers(0, 6))
def test_chinese_next_week_weekday_is_in_the_following_calendar_week(today, weekday):
    due = parse_due("下周" + "一二三四五六日"[weekday], today)
    monday = today - timedelta(days=today.weekday())
    assert due.weekday() == weekday
    assert 7 <= (due - monday).days <= 13


@given(todays, st.integers(0, 400))
def test_in_n_days_and_weeks(today, n):
    assert parse_due(f"in {n} days", today) == today + timedelta(days=n)
    assert parse_due(f"{n}天后", today) == today + timedelta(days=n)
    assert parse_due(f"in {n} weeks", today) == today + timedelta(weeks=n)


@given(todays, st.integers(1, 24))
def test_in_n_months_keeps_the_day_or_the_month_end(today, n):
    due = parse_due(f"in {n} months", today)
    assert (due.year - today.year) * 12 + due.month - today.month == n
    assert due.day == min(today.day, calendar.monthrange(due.year, due.month)[1])


@given(todays, days)
@example(today=date(2028, 2, 29), day=date(2030, 3, 1))  # a leap day as today
def test_a_day_and_month_without_year_is_the_next_one(today, day):
    if (day.month, day.day) == (2, 29):
        return
    due = parse_due(f"{day.day} {MONTH_ABBR[day.month - 1]}", today)
    assert (due.month, due.day) == (day.month, day.day)
    # A year after today, by the calendar: 29 February's is 1 March.
    a_year_later = date(today.year + 1, today.month, 1) + timedelta(days=today.day - 1)
    assert today <= due <= a_year_later


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("Send pricing deck by next tue", "Send pricing deck", date(2026, 11, 24)),
        ("Send deck — in 3 days", "Send deck", date(2026, 11, 25)),
        ("follow up 2026-12-03", "follow up", date(2026, 12, 3)),
        ("Book the QBR by Friday. Ask about SSO.", "Book the QBR", date(2026, 11, 27)),
        ("Send deck to Dr. Wang on fri", "Send deck to Dr. Wang", date(2026, 11, 27)),
        ("Recap for Anna\nby Dec 4", "Recap for Anna", date(2026, 12, 4)),
        ("下周二前发报价", "发报价", date(2026, 11, 24)),
        ("好的。请在明天之前发送方案。", "请发送方案", date(2026, 11, 23)),
        ("3天后跟进试用情况", "跟进试用情况", date(2026, 11, 25)),
        ("tomorrow", DEFAULT_TASK_TITLE, date(2026, 11, 23)),
    ],
)
def test_next_steps_split_into_title_and_date(text, title, due):
    assert split_next_steps(text, SUNDAY) == (title, due)


@pytest.mark.parametrize(
    "text",
    [
        "Call Sun Li about the rollout",  # a surname, not Sunday
        "Summarize today's call for the team",
        "Roll out to 3/4 of the users",
        "每周一次回访",  # "once a week", not a Monday
        "Send the deck",
    ],
)
def test_next_steps_without_a_date_stay_as_they_are(text):
    assert split_next_steps(text, SUNDAY) == (text, None)


def test_next_steps_with_an_impossible_date_are_refused():
    with pytest.raises(DueDateError, match="31 Feb 2026 does not exist"):
        split_next_steps("Send the contract by 2026-02-31", SUNDAY)


def test_a_long_title_is_cut_and_a_huge_note_is_fast():
    title, due = split_next_steps("x" * 5000 + " by fri", SUNDAY)
    assert due == date(2026, 11, 27)
    assert len(title) == TASK_TITLE_MAX and title.endswith("…")
    assert split_next_steps("word " * 400_000, SUNDAY)[1] is None


words = st.lists(
    st.sampled_from(["Send", "pricing", "deck", "call", "Anna", "review", "报价", "方案"]),
    min_size=1,
    max_size=6,
)


@given(words, days)
def test_title_and_iso_date_round_trip(title_words, day):
    title = " ".join(title_words)
    assert split_next_steps(f"{title} by {day.isoformat()}", SUNDAY) == (title, day)
    assert split_next_steps(f"{title} — {day.isoformat()}", SUNDAY) == (title, day)


@given(words, st.integers(1, 60))
def test_title_and_relative_date_round_trip(title_words, n):
    title = " ".join(title_words)
    assert split_next_steps(f"{title} in {n} days", SUNDAY) == (
        title,
        SUNDAY + timedelta(days=n),
    )


# -- when ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("", NOW),
        ("today 14:30", datetime(2026, 11, 22, 14, 30, tzinfo=UTC)),
        ("yesterday 9:00", datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        ("yesterday", NOW - timedelta(days=1)),
        ("2:30pm", datetime(2026, 11, 22, 14, 30, tzinfo=UTC)),
        ("12am", datetime(2026, 11, 22, 0, 0, tzinfo=UTC)),
        ("2026-11-20 14:30", datetime(2026, 11, 20, 14, 30, tzinfo=UTC)),
        ("2026-11-20T14:30:15", datetime(2026, 11, 20, 14, 30, 15, tzinfo=UTC)),
        ("2026-11-20T14:30+08:00", datetime(2026, 11, 20, 6, 30, tzinfo=UTC)),
        ("20 Nov 10:00", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("Dec 25", datetime(2025, 12, 25, 9, 0, tzinfo=UTC)),  # the last one, not the next
        ("2 hours ago", NOW - timedelta(hours=2)),
        ("45 min ago", NOW - timedelta(minutes=45)),
        ("昨天 9:00", datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        ("今天 14点半", datetime(2026, 11, 22, 14, 30, tzinfo=UTC)),
        ("2小时前", NOW - timedelta(hours=2)),
    ],
)
def test_when_phrases(text, expected):
    assert parse_when(text, NOW) == expected


def test_when_is_read_in_the_users_zone():
    shanghai = timezone(timedelta(hours=8))
    # 09:00 UTC is 17:00 in Shanghai; "today 10:00" there is 02:00 UTC.
    got = parse_when("today 10:00", NOW, tz=shanghai)
    assert got == datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-31 10:00", "31 Feb 2026 does not exist"),
        ("today 25:00", "is not a time of day"),
        ("13pm", "is not a time of day"),
        ("today 9", "write the time as 9:00 or 9am"),
        ("last thursdayish", "could not read"),
    ],
)
def test_bad_when_says_what_is_wrong(text, message):
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW)
    assert message in caught.value.message


@given(
    st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_today_and_yesterday_at_a_time(now, hour, minute):
    today = parse_when(f"today {hour}:{minute:02d}", now)
    assert (today.date(), today.hour, today.minute) == (now.date(), hour, minute)
    yesterday = parse_when(f"yesterday {hour:02d}:{minute:02d}", now)
    assert yesterday.date() == now.date() - timedelta(days=1)


date_words = st.sampled_from(
    ["by", "next", "tue", "Friday", "in", "3", "days", "2026-02-31", "2026-12-01", "Dec",
     "31", "明天", "下周二", "3天后", "12月", "1日", "12/1", " ", "\n", "—", "。", "前", "today"]
)  # fmt: skip
mixed_text = st.one_of(st.text(), st.lists(date_words, max_size=12).map(" ".join))


@given(mixed_text, todays)
def test_any_text_gives_a_date_or_a_clear_refusal(text, today):
    for read in (lambda: parse_due(text, today), lambda: split_next_steps(text, today)):
        try:
            read()
        except DueDateError as exc:
            assert exc.message
    try:
        parse_when(text, NOW)
    except WhenError as exc:
        assert exc.message


# -- period edges: 月底, 下个月初, 季度末, 下季度初, 年底 … ----------------------------------

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("月底", date(2026, 11, 30)),
        ("月末", date(2026, 11, 30)),
        ("本月底", date(2026, 11, 30)),
        ("这个月底", date(2026, 11, 30)),
        ("下个月初", date(2026, 12, 1)),
        ("下月初", date(2026, 12, 1)),
        ("月初", date(2026, 12, 1)),  # this month's start is past: the next one
        ("下个月底", date(2026, 12, 31)),
        ("12月底", date(2026, 12, 31)),
        ("十二月底", date(2026, 12, 31)),
        ("3月初", date(2027, 3, 1)),
        ("季度末", date(2026, 12, 31)),
        ("下季度初", date(2027, 1, 1)),
        ("下个季度末", date(2027, 3, 31)),
        ("年底", date(2026, 12, 31)),
        ("今年底", date(2026, 12, 31)),
        ("明年初", date(2027, 1, 1)),
        ("下周", date(2026, 11, 30)),
        ("下个月", date(2026, 12, 23)),
        ("下周一", date(2026, 11, 30)),
        ("本周五", date(2026, 11, 27)),
        ("后天", date(2026, 11, 25)),
        ("end of month", date(2026, 11, 30)),
        ("eom", date(2026, 11, 30)),
        ("end of next quarter", date(2027, 3, 31)),
        ("start of next month", date(2026, 12, 1)),
        ("end of the year", date(2026, 12, 31)),
    ],
)
def test_a_chinese_csm_can_type_month_quarter_and_year_edges(text, expected):
    assert parse_due(text, MONDAY) == expected


def test_this_months_start_once_past_is_refused_not_moved():
    with pytest.raises(DueDateError, match="already past"):
        parse_due("本月初", MONDAY)
    assert parse_due("本月初", date(2026, 11, 1)) == date(2026, 11, 1)


def test_next_steps_with_a_chinese_period_edge_become_a_task():
    assert split_next_steps("月底前发报价", MONDAY) == ("发报价", date(2026, 11, 30))
    assert split_next_steps("下个月初 跟进续约", MONDAY) == ("跟进续约", date(2026, 12, 1))
    assert split_next_steps("Send the quote by end of month", MONDAY) == (
        "Send the quote",
        date(2026, 11, 30),
    )


@pytest.mark.parametrize("text", ["去年底的合同已经续了", "上个月底开过会", "2025年底签的"])
def test_a_past_period_named_in_notes_is_no_due_date(text):
    assert split_next_steps(text, MONDAY)[1] is None
