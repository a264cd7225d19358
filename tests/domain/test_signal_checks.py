"""What makes a pipeline's signal record wrong, before any storage is involved."""

from __future__ import annotations

from datetime import UTC, date, datetime

from csm_tui.domain import signal_checks as c


def problems(signal_kind: str, /, **record) -> list[tuple[str, str]]:
    return [(pr.field, pr.code) for pr in c.signal_problems(signal_kind, record)]


def test_a_usage_week_starts_on_a_monday_and_counts_nothing_negative():
    assert problems("usage_week", week_start=date(2026, 2, 23), leads=0, session_minutes=0.0) == []
    assert problems("usage_week", week_start=date(2026, 2, 24)) == [("week_start", c.NOT_A_MONDAY)]
    assert problems("usage_week", week_start=date(2026, 2, 23), public_pool=-1) == [
        ("public_pool", c.NEGATIVE)
    ]


def test_a_ticket_is_not_closed_before_it_was_opened():
    opened = datetime(2026, 2, 20, 8, tzinfo=UTC)
    assert problems("support_ticket", opened_at=opened, closed_at=None) == []
    assert problems(
        "support_ticket", opened_at=opened, closed_at=datetime(2026, 2, 19, tzinfo=UTC)
    ) == [("closed_at", c.BEFORE_START)]
    assert problems("support_ticket", opened_at=opened, first_response_minutes=-5) == [
        ("first_response_minutes", c.NEGATIVE)
    ]


def test_survey_scores_stay_on_their_scale():
    assert problems("survey_response", kind="nps", score=0) == []
    assert problems("survey_response", kind="nps", score=11) == [("score", c.OUT_OF_SCALE)]
    assert problems("survey_response", kind="csat", score=0) == [("score", c.OUT_OF_SCALE)]
    assert problems("survey_response", kind="csat", score=5) == []


def test_an_invoice_is_not_due_before_it_was_issued_nor_negative():
    issued = date(2026, 2, 1)
    assert problems("invoice", issued_on=issued, due_on=issued, amount=0.0) == []
    assert problems("invoice", issued_on=issued, due_on=date(2026, 1, 31), amount=-1.0) == [
        ("amount", c.NEGATIVE),
        ("due_on", c.BEFORE_START),
    ]


def test_the_words_are_those_the_csv_imports_know():
    assert sorted(c.TICKET_PRIORITIES) == ["high", "low", "normal", "urgent"]
    assert sorted(c.SURVEY_KINDS) == ["csat", "nps"]
