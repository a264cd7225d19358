"""Client-made record ids: UUIDv7 (RFC 9562), sortable by creation time.

Layout (128 bits): 48-bit Unix time in milliseconds, 4-bit version (7), 12 bits `rand_a`,
2-bit variant (0b10), 62 bits `rand_b`. Ids made by one process are strictly increasing:
within one millisecond (or if the wall clock steps back) the 74 random bits are treated as
a counter and incremented by a random step (RFC 9562 section 6.2, method 2).

New ids come from the protocol's one factory per process (`protocol.UUID7Factory`), the
same the server's and the sync engine's ids come from: `new_id`, `new_ids`. This module
adds making one from explicit parts (the demo book) and reading an id's time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csm_tui.protocol import new_uuid7 as new_id
from csm_tui.protocol import new_uuid7s as new_ids

__all__ = ["format_uuid", "id_time", "new_id", "new_ids", "uuid7_int", "uuid7_str"]

_RAND_BITS = 74
_RAND_MASK = (1 << _RAND_BITS) - 1
_MS_MASK = (1 << 48) - 1
_B_MASK = (1 << 62) - 1
_VERSION_BITS = 0x7 << 76
_VARIANT_BITS = 0b10 << 62

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def uuid7_int(ms: int, rand74: int) -> int:
    """The 128-bit integer of a UUIDv7 for `ms` (Unix milliseconds) and 74 random bits."""
    if not 0 <= ms <= _MS_MASK:
        raise ValueError(f"timestamp {ms} ms does not fit in 48 bits")
    rand74 &= _RAND_MASK
    # ms(48) | version 0111 | rand_a(12) | variant 10 | rand_b(62)
    return (ms << 80) | _VERSION_BITS | ((rand74 >> 62) << 64) | _VARIANT_BITS | (rand74 & _B_MASK)


def format_uuid(value: int) -> str:
    """The canonical 8-4-4-4-12 lower-case text of a 128-bit integer."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7_str(ms: int, rand74: int) -> str:
    """A UUIDv7 as text from explicit parts (the demo book derives both from its seed)."""
    h = f"{uuid7_int(ms, rand74):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def id_time(id_: str) -> datetime:
    """The creation instant encoded in a UUIDv7 (UTC, millisecond precision)."""
    value = int(id_.replace("-", ""), 16)
    if (value >> 76) & 0xF != 7:
        raise ValueError(f"{id_!r} is not a UUIDv7")
    return _EPOCH + timedelta(milliseconds=value >> 80)
