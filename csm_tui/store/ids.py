"""Client-made record ids: UUIDv7 (RFC 9562), sortable by creation time.

Layout (128 bits): 48-bit Unix time in milliseconds, 4-bit version (7), 12 bits `rand_a`,
2-bit variant (0b10), 62 bits `rand_b`. Ids made by one process are strictly increasing:
within one millisecond (or if the wall clock steps back) the 74 random bits are treated as
a counter and incremented by a random step (RFC 9562 section 6.2, method 2).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

_RAND_BITS = 74
_RAND_MASK = (1 << _RAND_BITS) - 1
_MS_MASK = (1 << 48) - 1
_B_MASK = (1 << 62) - 1
_VERSION_BITS = 0x7 << 76
_VARIANT_BITS = 0b10 << 62

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0


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


def new_id() -> str:
    """A new UUIDv7, greater than every id this process made before."""
    global _last_ms, _last_rand
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms > _last_ms:
            ms, rand = now_ms, int.from_bytes(os.urandom(10), "big") & _RAND_MASK
            # Leave headroom so the counter rarely has to carry into the timestamp.
            rand &= ~(1 << (_RAND_BITS - 1))
        else:
            step = 1 + (int.from_bytes(os.urandom(4), "big") & 0xFFFFFF)
            ms, rand = _last_ms, _last_rand + step
            if rand > _RAND_MASK:  # counter overflow: borrow the next millisecond
                ms, rand = _last_ms + 1, rand & (_RAND_MASK >> 1)
        _last_ms, _last_rand = ms, rand
    return uuid7_str(ms, rand)


def new_ids(n: int) -> list[str]:
    """`n` new UUIDv7s, increasing, as `n` calls of `new_id` in one millisecond would make
    them (one clock read, one draw of random steps: for writing a whole book's rows)."""
    global _last_ms, _last_rand
    if n <= 0:
        return []
    now_ms = time.time_ns() // 1_000_000
    steps = os.urandom(3 * n)
    out: list[str] = []
    with _lock:
        if now_ms > _last_ms:
            ms = now_ms
            rand = int.from_bytes(os.urandom(10), "big") & _RAND_MASK & ~(1 << (_RAND_BITS - 1))
            first = True
        else:
            ms, rand, first = _last_ms, _last_rand, False
        for i in range(n):
            if first:
                first = False
            else:
                rand += 1 + int.from_bytes(steps[3 * i : 3 * i + 3], "big")
                if rand > _RAND_MASK:  # counter overflow: borrow the next millisecond
                    ms, rand = ms + 1, rand & (_RAND_MASK >> 1)
            if not 0 <= ms <= _MS_MASK:
                raise ValueError(f"timestamp {ms} ms does not fit in 48 bits")
            out.append(
                f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{0x7000 | (rand >> 62):04x}-"
                f"{0x8000 | ((rand >> 48) & 0x3FFF):04x}-{rand & 0xFFFFFFFFFFFF:012x}"
            )
        _last_ms, _last_rand = ms, rand
    return out


def id_time(id_: str) -> datetime:
    """The creation instant encoded in a UUIDv7 (UTC, millisecond precision)."""
    value = int(id_.replace("-", ""), 16)
    if (value >> 76) & 0xF != 7:
        raise ValueError(f"{id_!r} is not a UUIDv7")
    return _EPOCH + timedelta(milliseconds=value >> 80)
