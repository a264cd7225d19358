"""UUIDv7 record ids: format per RFC 9562 and creation-time order."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.store.ids import id_time, new_id, new_ids, uuid7_str

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_new_id_is_a_canonical_uuid7():
    value = new_id()
    assert UUID_RE.match(value), value
    parsed = uuid.UUID(value)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == value


def test_new_id_carries_the_current_time():
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    made = id_time(new_id())
    after = datetime.now(UTC) + timedelta(milliseconds=1)
    assert before <= made <= after


def test_ids_made_in_a_burst_are_unique_and_strictly_increasing():
    ids = [new_id() for _ in range(20_000)]  # many share a millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(UUID_RE.match(i) for i in ids)


def test_ids_made_from_threads_are_unique():
    out: list[list[str]] = [[] for _ in range(4)]

    def work(bucket: list[str]) -> None:
        bucket.extend(new_id() for _ in range(5_000))

    threads = [threading.Thread(target=work, args=(b,)) for b in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for bucket in out for i in bucket]
    assert len(set(every)) == len(every)
    assert all(bucket == sorted(bucket) for bucket in out)


YEAR_9999_MS = 253_402_300_799_999


@given(ms=st.integers(0, YEAR_9999_MS), rand=st.integers(0, (1 << 74) - 1))
def test_explicit_parts_round_trip(ms, rand):
    value = uuid7_str(ms, rand)
    assert UUID_RE.match(value)
    assert id_time(value) == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


@given(
    a=st.integers(0, (1 << 48) - 2),
    ra=st.integers(0, (1 << 74) - 1),
    rb=st.integers(0, (1 << 74) - 1),
)
def test_a_later_millisecond_always_sorts_after(a, ra, rb):
    assert uuid7_str(a, ra) < uuid7_str(a + 1, rb)


def test_ids_made_in_a_batch_are_uuid7s_increasing_with_the_ones_made_one_by_one():
    ids = [new_id(), *new_ids(2_000), new_id(), *new_ids(3), new_id()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for i in ids[:5] + ids[-5:]:
        u = uuid.UUID(i)
        assert (u.version, u.variant, str(u)) == (7, uuid.RFC_4122, i)
    assert abs(id_time(ids[1]) - datetime.now(UTC)) < timedelta(seconds=5)
    assert new_ids(0) == []
