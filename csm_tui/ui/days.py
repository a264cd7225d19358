"""A day in the interface language: "Wed 02 Dec 2026" in English, "2026年12月2日 周三" in
Chinese (CLDR's zh medium date plus the weekday). Written out by hand: Babel must not load
at app start (tests/test_layers.py), and two patterns do not need it."""

from __future__ import annotations

from datetime import date

from csm_tui.i18n import current_language

ZH_WEEKDAYS = "一二三四五六日"


def long_day(day: date) -> str:
    """Weekday, day, month and year: the Today title."""
    if current_language() == "zh":
        return f"{day.year}年{day.month}月{day.day}日 周{ZH_WEEKDAYS[day.weekday()]}"
    return day.strftime("%a %d %b %Y")


def short_day(day: date) -> str:
    """Weekday, day and month: "Snoozed until Thu 03 Dec"."""
    if current_language() == "zh":
        return f"{day.month}月{day.day}日 周{ZH_WEEKDAYS[day.weekday()]}"
    return day.strftime("%a %d %b")
