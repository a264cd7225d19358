"""Ids the protocol asks clients to make."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.protocol import UUID7Factory, checklist_item_id, new_uuid7

MS = st.integers(min_value=0, max_value=2**48 - 2**16)


@given(st.lists(MS, min_size=1, max_size=50))
def test_uuid7_ids_sort_in_the_order_they_were_made_even_if_the_clock_steps_back(moments):
    make = UUID7Factory()
    ids = [make(ms) for ms in moments]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for text in ids:
        value = uuid.UUID(text)
        assert value.version == 7 and value.variant == uuid.RFC_4122


@given(MS)
def test_uuid7_carries_its_millisecond(ms):
    assert uuid.UUID(UUID7Factory()(ms)).int >> 80 == ms


def test_many_ids_in_one_millisecond_stay_ordered_and_distinct():
    make = UUID7Factory()
    ids = [make(1_772_000_000_000) for _ in range(5000)]  # more than the 12-bit sequence holds
    assert ids == sorted(ids) and len(set(ids)) == 5000


def test_the_process_factory_uses_the_wall_clock():
    first, second = new_uuid7(), new_uuid7()
    assert first < second and uuid.UUID(first).version == 7


@given(*[st.text(min_size=1, max_size=12)] * 4)
def test_a_checklist_item_has_one_id_everywhere(account, stage, key, other_key):
    assert checklist_item_id(account, stage, key) == checklist_item_id(account, stage, key)
    if other_key != key:
        assert checklist_item_id(account, stage, key) != checklist_item_id(
            account, stage, other_key
        )
