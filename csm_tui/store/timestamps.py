"""One storage format for instants and dates, shared by the ORM and the raw fast paths.

Every instant is stored in UTC as ``YYYY-MM-DD HH:MM:SS.ffffff`` (sorts as text); every
date as ``YYYY-MM-DD``. Naive datetimes are refused: a timestamp without a zone is a bug.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload

DB_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def to_db(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: every timestamp must carry its zone")
    return value.astimezone(UTC).strftime(DB_FORMAT)


@overload
def from_db(text: str) -> datetime: ...
@overload
def from_db(text: str | None) -> datetime | None: ...
def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def date_to_db(value: date) -> str:
    return value.isoformat()


@overload
def date_from_db(text: str) -> date: ...
@overload
def date_from_db(text: str | None) -> date | None: ...
def date_from_db(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
