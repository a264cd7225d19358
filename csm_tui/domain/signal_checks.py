"""Whether a signal record (usage week, support ticket, survey response, invoice) makes sense.

Pure: values in, problems out (codes, not words). The central API refuses an ingested item
with problems; the words are the caller's. Kinds and field names are those of the wire
(`csm_tui.protocol` KIND_USAGE_WEEK, ...); values are already typed (dates, datetimes, numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from csm_tui.domain.money import CURRENCIES
from csm_tui.domain.signal_mapping import VOCABULARY

# The same words the CSV imports know (domain.signal_mapping.VOCABULARY).
TICKET_PRIORITIES: Final = frozenset(VOCABULARY["priority"])
SURVEY_KINDS: Final = frozenset(VOCABULARY["kind"])
SURVEY_SCALES: Final[dict[str, tuple[int, int]]] = {"nps": (0, 10), "csat": (1, 5)}
INVOICE_CURRENCIES: Final = frozenset(CURRENCIES)

# Counts of use in a week (each feature separately), never negative.
USAGE_COUNTS: Final = (
    "active_users",
    "seats",
    "opportunities",
    "leads",
    "public_pool",
    "contacts",
    "messages",
    "sessions",
)

# Problem codes.
NOT_A_MONDAY: Final = "not_a_monday"
NEGATIVE: Final = "negative"
OUT_OF_SCALE: Final = "out_of_scale"
BEFORE_START: Final = "before_start"  # closed before opened, due before issued


@dataclass(frozen=True)
class SignalProblem:
    field: str
    code: str
    # For OUT_OF_SCALE: the scale; for BEFORE_START: the field it may not precede.
    low: int | None = None
    high: int | None = None
    other_field: str | None = None


def signal_problems(kind: str, record: Mapping[str, Any]) -> list[SignalProblem]:
    """What is wrong with one record of `kind` (empty: nothing). Unknown kinds: nothing."""
    check = _CHECKS.get(kind)
    return [] if check is None else check(record)


def _negative(record: Mapping[str, Any], *names: str) -> list[SignalProblem]:
    return [
        SignalProblem(name, NEGATIVE)
        for name in names
        if record.get(name) is not None and record[name] < 0
    ]


def _not_before(record: Mapping[str, Any], later: str, earlier: str) -> list[SignalProblem]:
    end, start = record.get(later), record.get(earlier)
    if end is not None and start is not None and end < start:
        return [SignalProblem(later, BEFORE_START, other_field=earlier)]
    return []


def _usage_week(record: Mapping[str, Any]) -> list[SignalProblem]:
    problems = []
    week_start = record.get("week_start")
    if isinstance(week_start, date) and week_start.weekday() != 0:
        problems.append(SignalProblem("week_start", NOT_A_MONDAY))
    return problems + _negative(record, *USAGE_COUNTS, "session_minutes")


def _support_ticket(record: Mapping[str, Any]) -> list[SignalProblem]:
    return _not_before(record, "closed_at", "opened_at") + _negative(
        record, "first_response_minutes"
    )


def _survey_response(record: Mapping[str, Any]) -> list[SignalProblem]:
    scale = SURVEY_SCALES.get(record.get("kind") or "")
    score = record.get("score")
    if scale is not None and score is not None and not scale[0] <= score <= scale[1]:
        return [SignalProblem("score", OUT_OF_SCALE, low=scale[0], high=scale[1])]
    return []


def _invoice(record: Mapping[str, Any]) -> list[SignalProblem]:
    return _negative(record, "amount") + _not_before(record, "due_on", "issued_on")


_CHECKS = {
    "usage_week": _usage_week,
    "support_ticket": _support_ticket,
    "survey_response": _survey_response,
    "invoice": _invoice,
}
