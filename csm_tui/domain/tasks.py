"""Tasks: when one is due, against today.

A snoozed task is out of mind until its snooze date: its effective date is the later of its
due date and the snooze date. A done task has no due state.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class DueState(StrEnum):
    LATE = "late"
    TODAY = "today"
    UPCOMING = "upcoming"
    NONE = "none"  # no date, or done


def effective_due(due_on: date | None, snoozed_until: date | None) -> date | None:
    """The day the task asks for attention: its due date, pushed out by a snooze."""
    if snoozed_until is None:
        return due_on
    if due_on is None:
        return snoozed_until
    return max(due_on, snoozed_until)


def due_state(due_on: date | None, snoozed_until: date | None, done: bool, today: date) -> DueState:
    when = effective_due(due_on, snoozed_until)
    if done or when is None:
        return DueState.NONE
    if when < today:
        return DueState.LATE
    if when == today:
        return DueState.TODAY
    return DueState.UPCOMING
