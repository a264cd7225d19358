"""The outbox keeps local changes in order, with the change, until they are pushed."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.store import outbox
from csm_tui.store.cache import connect


def test_entries_queue_in_order_with_wire_values(tmp_path, clock):
    conn = connect(tmp_path / "c.db")
    with conn:
        first = outbox.enqueue(
            conn,
            "activity",
            "upsert",
            "a1",
            {"summary": "通话 [bold]x[/]", "occurred_at": clock.now()},
            now=clock.now(),
        )
        second = outbox.enqueue(
            conn,
            "task",
            "upsert",
            "t1",
            {"due_on": date(2026, 12, 1)},
            now=clock.now(),
            base_version=3,
        )
    items = outbox.pending(conn)
    assert [i.mutation_id for i in items] == [first, second]
    assert items[0].fields == {
        "summary": "通话 [bold]x[/]",
        "occurred_at": "2026-11-22T09:00:00+00:00",
    }
    assert items[1].as_mutation() == {
        "mutation_id": second,
        "kind": "task",
        "op": "upsert",
        "id": "t1",
        "base_version": 3,
        "fields": {"due_on": "2026-12-01"},
    }
    assert outbox.pending_count(conn) == 2


def test_entry_rolls_back_with_the_change(tmp_path, clock):
    conn = connect(tmp_path / "c.db")
    with pytest.raises(RuntimeError), conn:
        outbox.enqueue(conn, "activity", "upsert", "a1", {}, now=clock.now())
        raise RuntimeError("the change failed half way")
    assert outbox.pending_count(conn) == 0


def test_unknown_op_refused(tmp_path, clock):
    conn = connect(tmp_path / "c.db")
    with pytest.raises(ValueError, match="op"):
        outbox.enqueue(conn, "activity", "merge", "a1", {}, now=clock.now())
