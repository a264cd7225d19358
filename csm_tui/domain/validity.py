"""What text, instants, dates and numbers every layer accepts: one rule, shared.

The client checks what a CSM types against these rules at its input edge (forms, the command
language, the store); the central API checks every pushed mutation against the same rules,
one mutation at a time. Both backends (SQLite and PostgreSQL) can store whatever passes, so
a change the client accepted is never refused by the server for its text, its dates or its
numbers, and a change the server refuses for them is refused for good (never "retry").

Pure: no I/O. Functions return a `Problem` (a code and where), or None when the value is fine;
`Problem.words(label)` words it as a `Message` for a person (`Problem.message(label)`: the
same in English, what the central API answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from csm_tui.i18n import N_, Message

__all__ = [
    "EARLIEST_DATE",
    "INT32",
    "LATEST_DATE",
    "MAX_MINUTES",
    "MAX_TEXT_CHARS",
    "MAX_VERSION",
    "Problem",
    "date_problem",
    "instant_problem",
    "number_problem",
    "text_problem",
]

MAX_TEXT_CHARS: Final = 2_000_000
"""Summary and next steps, notes: at most this many characters each (a 1 MB note fits, in any
script: 1 MiB of ASCII is 1,048,576 characters, of Chinese about 350,000)."""

MAX_MINUTES: Final = 24 * 60
"""An activity lasts 0 to 1,440 minutes (a day)."""

# Dates and instants: far enough from Python's year 1 and 9999 that a time-zone shift, a
# snooze or a renewal a year ahead never overflows, on either backend.
EARLIEST_DATE: Final = date(1900, 1, 1)
LATEST_DATE: Final = date(9998, 12, 31)
EARLIEST_INSTANT: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT: Final = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

INT32: Final = (-(2**31), 2**31 - 1)
MAX_VERSION: Final = 2**63 - 1  # a server version (and a pull cursor): a signed 64-bit integer

# Whole-number fields with a narrower range than INT32, by field name.
FIELD_RANGES: Final[dict[str, tuple[int, int]]] = {"minutes": (0, MAX_MINUTES)}

# Problem codes.
NUL: Final = "nul"
LONE_SURROGATE: Final = "lone_surrogate"
TOO_LONG: Final = "too_long"
NO_OFFSET: Final = "no_offset"
OUT_OF_RANGE: Final = "out_of_range"


@dataclass(frozen=True)
class Problem:
    code: str
    position: int | None = None  # 0-based, for text
    low: object = None  # the accepted range, for OUT_OF_RANGE
    high: object = None

    def message(self, label: str) -> str:
        """The problem in English (the central API's refusals, logs)."""
        return self.words(label).english()

    def words(self, label: str | Message) -> Message:
        """The problem as a `Message` (`label` a Message, or words as they are)."""
        values: dict[str, object] = {"label": label}
        if self.code == NUL:
            template = N_("{label} holds a NUL character (\\x00) at position {position}; remove it")
            values["position"] = (self.position or 0) + 1
        elif self.code == LONE_SURROGATE:
            template = N_(
                "{label} holds a broken character at position {position} (a lone surrogate)"
            )
            values["position"] = (self.position or 0) + 1
        elif self.code == TOO_LONG:
            template = N_("{label} is longer than {limit} characters")
            values["limit"] = f"{self.high:,}"
        elif self.code == NO_OFFSET:
            template = N_("{label} has no time zone")
        elif self.code == OUT_OF_RANGE:
            template = N_("{label} must be from {low} to {high}")
            values.update(low=self.low, high=self.high)
        else:  # pragma: no cover - every code is above
            template = N_("{label} is not valid ({code})")
            values["code"] = self.code
        return Message.of(template, **values)


def text_problem(text: str, limit: int = MAX_TEXT_CHARS) -> Problem | None:
    """NUL characters and lone surrogates are refused (PostgreSQL cannot store the first, UTF-8
    cannot carry the second); so is text over `limit` characters."""
    if len(text) > limit:
        return Problem(TOO_LONG, high=limit)
    nul = text.find("\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        if nul == -1 or exc.start < nul:
            return Problem(LONE_SURROGATE, exc.start)
    if nul != -1:
        return Problem(NUL, nul)
    return None


def instant_problem(value: datetime) -> Problem | None:
    """An instant must carry its offset and fall between 1900 and 9998 (UTC)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return Problem(NO_OFFSET)
    # Compare before converting: converting 9999-12-31T23:59-14:00 to UTC overflows.
    if not EARLIEST_INSTANT <= value <= LATEST_INSTANT:
        return Problem(OUT_OF_RANGE, low=EARLIEST_DATE.year, high=LATEST_DATE.year)
    return None


def date_problem(value: date) -> Problem | None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return Problem(OUT_OF_RANGE, low=EARLIEST_DATE.isoformat(), high=LATEST_DATE.isoformat())
    return None


def number_problem(value: int, name: str = "") -> Problem | None:
    """A whole number in its field's range (`FIELD_RANGES`, else 32-bit)."""
    low, high = FIELD_RANGES.get(name, INT32)
    if not low <= value <= high:
        return Problem(OUT_OF_RANGE, low=low, high=high)
    return None
