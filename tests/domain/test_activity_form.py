"""The log form's validation: every problem named on its field, nothing raised."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from csm_tui.domain.activity_form import (
    MAX_TEXT_CHARS,
    ActivityDraft,
    due_of,
    validate_activity,
)
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.tasks import DueState, due_state, effective_due

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GOOD = ActivityDraft(
    account_id="acc-1",
    kind=ActivityKind.CALL,
    occurred_at=NOW - timedelta(hours=1),
    minutes=30,
    contact_ids=("c-1",),
    summary="Walked through the rollout plan",
    next_steps="Send pricing deck by next tue",
    sentiment=Sentiment.POSITIVE,
)


def fields(draft: ActivityDraft) -> dict[str, str]:
    return {e.field: e.message for e in validate_activity(draft, NOW)}


def test_a_complete_draft_passes():
    assert validate_activity(GOOD, NOW) == []


@pytest.mark.parametrize("summary", ["", "   \n\t "])
def test_summary_is_required(summary):
    assert fields(replace(GOOD, summary=summary)) == {"summary": "Summary is required"}


def test_a_1mb_note_fits_and_the_limit_is_named():
    megabyte = "会议纪要 notes " * (1024 * 1024 // 16)
    assert validate_activity(replace(GOOD, summary=megabyte, next_steps=megabyte), NOW) == []
    assert validate_activity(replace(GOOD, summary="x" * MAX_TEXT_CHARS), NOW) == []
    errors = fields(replace(GOOD, summary="x" * (MAX_TEXT_CHARS + 1)))
    assert errors == {"summary": "Summary is 2,000,001 characters long; the limit is 2,000,000"}


def test_unstorable_text_is_named():
    errors = fields(replace(GOOD, summary="ok \ud800 broken"))
    assert "position 4" in errors["summary"]


@pytest.mark.parametrize("minutes", [-1, 1441, True, 2.5])
def test_minutes_out_of_range(minutes):
    assert set(fields(replace(GOOD, minutes=minutes))) == {"minutes"}


@pytest.mark.parametrize("minutes", [None, 0, 1440])
def test_minutes_in_range(minutes):
    assert fields(replace(GOOD, minutes=minutes)) == {}


@pytest.mark.parametrize(
    ("when", "ok"),
    [
        (NOW + timedelta(hours=23), True),
        (NOW + timedelta(days=1, minutes=1), False),
        (datetime(1999, 12, 31, 23, 0, tzinfo=UTC), False),
        (datetime(2000, 1, 1, tzinfo=UTC), True),
        (datetime(2026, 11, 22, 8, 0), False),  # naive
    ],
)
def test_when_must_be_a_real_past_instant(when, ok):
    assert ("occurred_at" not in fields(replace(GOOD, occurred_at=when))) is ok


def test_unknown_kind_and_sentiment_are_named():
    errors = fields(replace(GOOD, kind="lunch", sentiment="ecstatic"))
    assert "'lunch' is not a kind of activity" in errors["kind"]
    assert "'ecstatic' is not a sentiment" in errors["sentiment"]


def test_next_steps_with_an_impossible_date_name_it():
    errors = fields(replace(GOOD, next_steps="Send the contract by 2026-02-31"))
    assert errors == {"next_steps": "due date: 31 Feb 2026 does not exist"}


def test_several_problems_are_reported_together():
    errors = fields(replace(GOOD, account_id=" ", summary="", minutes=-5))
    assert set(errors) == {"account_id", "summary", "minutes"}


def test_due_of_gives_the_task_the_next_steps_make():
    assert due_of(GOOD, NOW.date()) == ("Send pricing deck", date(2026, 11, 24))
    assert due_of(replace(GOOD, next_steps="Keep in touch"), NOW.date()) is None
    assert due_of(replace(GOOD, next_steps=""), NOW.date()) is None


@pytest.mark.parametrize(
    ("due", "snoozed", "done", "state"),
    [
        (date(2026, 11, 21), None, False, DueState.LATE),
        (date(2026, 11, 22), None, False, DueState.TODAY),
        (date(2026, 11, 23), None, False, DueState.UPCOMING),
        (None, None, False, DueState.NONE),
        (date(2026, 11, 21), None, True, DueState.NONE),
        (date(2026, 11, 21), date(2026, 11, 25), False, DueState.UPCOMING),
        (None, date(2026, 11, 22), False, DueState.TODAY),
    ],
)
def test_due_state_against_today(due, snoozed, done, state):
    assert due_state(due, snoozed, done, date(2026, 11, 22)) is state


def test_a_snooze_only_pushes_a_date_out():
    assert effective_due(date(2026, 12, 1), date(2026, 11, 25)) == date(2026, 12, 1)
    assert effective_due(date(2026, 11, 20), date(2026, 11, 25)) == date(2026, 11, 25)
