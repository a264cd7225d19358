"""Client-made record ids: UUIDv7 (RFC 9562), sortable by creation time.

Layout (128 bits): 48-bit Unix time in milliseconds, 4-bit version (7), 12 bits `rand_a`,
2-bit variant (0b10), 62 bits `rand_b`. Ids made by one process are strictly increasing:
within one millisecond (or if the wall clock steps back) the 74 random bits are treated as
a counter and incremented by a random step (RFC 9562 section 6.2, method 2).

New ids come from the protocol's one factory per process (`protocol.UUID7Factory`), the
same the server's and the sync engine's ids come from: `new_id`, `new_ids`. This module
adds reading an id's time; `uuid7_str` makes one from explicit parts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csm_tui.protocol import new_uuid7 as new_id
from csm_tui.protocol import new_uuid7s as new_ids
from csm_tui.protocol import uuid7_text as uuid7_str  # from explicit parts (tests)

__all__ = ["id_time", "new_id", "new_ids", "uuid7_str"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def id_time(id_: str) -> datetime:
    """The creation instant encoded in a UUIDv7 (UTC, millisecond precision)."""
    value = int(id_.replace("-", ""), 16)
    if (value >> 76) & 0xF != 7:
        raise ValueError(f"{id_!r} is not a UUIDv7")
    return _EPOCH + timedelta(milliseconds=value >> 80)
