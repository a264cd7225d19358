"""The one rule for text, dates and numbers, shared by the client's forms and the server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from csm_tui.domain import validity
from csm_tui.domain.activity_form import ActivityDraft, validate_activity
from csm_tui.domain.contacts import validate_contact
from csm_tui.domain.prep import PrepNoteTooLong, check_prep_note
from csm_tui.domain.records import ActivityKind

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_summary_with_a_nul_character_is_refused_in_the_form_with_where_it_is():
    """Issue 8, item 4: the client saved it, PostgreSQL could never store it."""
    draft = ActivityDraft("acc-1", ActivityKind.CALL, NOW, summary="called\x00them")
    (error,) = validate_activity(draft, NOW)
    assert error.field == "summary"
    assert "NUL" in error.message and "position 7" in error.message


def test_a_prep_note_with_a_nul_character_is_not_saved_and_says_why():
    with pytest.raises(PrepNoteTooLong, match="NUL"):
        check_prep_note("agenda\x00")


def test_a_contact_name_with_a_broken_character_is_refused():
    (error,) = validate_contact("Li \ud800 Wei")
    assert error.field == "name" and "lone surrogate" in error.message


@pytest.mark.parametrize(
    "instant",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=14))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_instants_beyond_what_either_backend_stores_are_out_of_range(instant):
    problem = validity.instant_problem(instant)
    assert problem is not None and problem.code == validity.OUT_OF_RANGE


def test_the_edges_of_the_range_and_ordinary_values_pass():
    assert validity.instant_problem(NOW) is None
    assert validity.instant_problem(validity.LATEST_INSTANT) is None
    assert validity.date_problem(date(2026, 3, 2)) is None
    assert validity.date_problem(date(9999, 1, 1)) is not None
    assert validity.number_problem(validity.MAX_MINUTES, "minutes") is None
    assert validity.number_problem(-1, "minutes") is not None
    assert validity.number_problem(2**31 - 1, "minutes") is not None
    assert validity.number_problem(2**31 - 1, "seats") is None
    assert validity.text_problem("郑州嘉通汽车 🚀") is None
