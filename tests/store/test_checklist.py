"""Lifecycle checklists: tick and untick record who and when, required items gate the stage,
every move is kept, and each write queues its outbox entries in the same transaction."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from csm_tui.domain.lifecycle import Stage, checklist_template
from csm_tui.domain.tiers import Tier
from csm_tui.protocol import checklist_item_id
from csm_tui.store import outbox
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.checklist import (
    ChecklistError,
    advance_stage,
    load_checklist,
    set_item_done,
    stage_gate_of,
    stage_history,
)

GROWTH_ONBOARDING_REQUIRED = [
    "Kickoff meeting held",
    "Product configured to the customer's process",
    "Data imported and checked",
    "Admin trained",
    "Go-live date set and reached",
]


@pytest.fixture
def book(demo_db):
    conn = connect(demo_db)
    yield conn, get_meta(conn, META_ME)
    conn.close()


def account(conn, me, tier: str, stage: str):
    row = conn.execute(
        "SELECT * FROM accounts WHERE owner_id = ? AND tier = ? AND stage = ? "
        "AND deleted_at IS NULL ORDER BY id LIMIT 1",
        (me, tier, stage),
    ).fetchone()
    assert row is not None, f"the demo book has no {tier} {stage} account of the demo user"
    return row


def untick_all(conn, account_id, stage, me, now):
    for entry in load_checklist(conn, account_id, Tier.GROWTH, stage):
        set_item_done(conn, account_id, stage, entry.key, False, me, now)


def counts(conn):
    return {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("stage_changes", "checklist_items", "outbox")
    }


def test_the_checklist_is_the_tiers_template_with_who_and_when(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "onboarding")
    entries = load_checklist(conn, acct["id"], "growth", "onboarding")
    template = checklist_template(Stage.ONBOARDING, Tier.GROWTH)
    assert [(e.key, e.label, e.required) for e in entries] == [
        (t.key, t.label, t.required) for t in template
    ]
    stored = {
        r["item_key"]: r
        for r in conn.execute(
            "SELECT * FROM checklist_items WHERE account_id = ? AND stage = 'onboarding'",
            (acct["id"],),
        )
    }
    me_name = conn.execute("SELECT name FROM users WHERE id = ?", (me,)).fetchone()[0]
    for e in entries:
        assert e.done == (stored[e.key]["done_at"] is not None)
        assert e.done_by_name == (me_name if e.done else None)


def test_tick_records_who_and_when_and_untick_clears_them(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "onboarding")
    untick_all(conn, acct["id"], "onboarding", me, clock.now())
    before = len(outbox.entries(conn))
    clock.advance(minutes=5)
    ticked = set_item_done(conn, acct["id"], "onboarding", "kickoff", True, me, clock.now())
    assert ticked.done_at == clock.now() and ticked.done_by == me
    assert (
        ticked.done_by_name
        == conn.execute("SELECT name FROM users WHERE id = ?", (me,)).fetchone()[0]
    )
    row_id = conn.execute(
        "SELECT id FROM checklist_items WHERE account_id = ? AND stage = "
        "'onboarding' AND item_key = 'kickoff'",
        (acct["id"],),
    ).fetchone()[0]
    entry = outbox.entries(conn)[-1]
    assert (entry.kind, entry.record_id) == ("checklist_item", row_id)
    assert entry.fields == {"done_at": clock.now().isoformat(), "done_by": me}

    # Ticking again changes nothing, queues nothing.
    clock.advance(minutes=5)
    again = set_item_done(conn, acct["id"], "onboarding", "kickoff", True, me, clock.now())
    assert again.done_at == ticked.done_at
    assert len(outbox.entries(conn)) == before + 1

    unticked = set_item_done(conn, acct["id"], "onboarding", "kickoff", False, me, clock.now())
    assert (unticked.done_at, unticked.done_by, unticked.done_by_name) == (None, None, None)
    assert outbox.entries(conn)[-1].fields == {"done_at": None, "done_by": None}


def test_ticking_an_item_without_a_row_creates_it_under_the_shared_id(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "onboarding")
    with conn:
        conn.execute(
            "DELETE FROM checklist_items WHERE account_id = ? AND item_key = 'goals'", (acct["id"],)
        )
    set_item_done(conn, acct["id"], "onboarding", "goals", True, me, clock.now())
    expected_id = checklist_item_id(acct["id"], "onboarding", "goals")
    row = conn.execute("SELECT * FROM checklist_items WHERE id = ?", (expected_id,)).fetchone()
    assert row["item_key"] == "goals" and row["done_by"] == me
    entry = outbox.entries(conn)[-1]
    assert entry.record_id == expected_id
    assert entry.fields == {
        "account_id": acct["id"],
        "stage": "onboarding",
        "item_key": "goals",
        "label": "Success goals agreed and written down",
        "required": False,
        "done_at": clock.now().isoformat(),
        "done_by": me,
    }


def test_an_item_the_template_does_not_list_is_refused(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "onboarding")
    with pytest.raises(ChecklistError, match="no checklist item 'bogus'"):
        set_item_done(conn, acct["id"], "onboarding", "bogus", True, me, clock.now())
    with pytest.raises(ChecklistError, match="no account"):
        set_item_done(conn, "no-such-account", "onboarding", "kickoff", True, me, clock.now())


def test_advance_is_refused_with_the_missing_required_items_until_they_are_done(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "onboarding")
    untick_all(conn, acct["id"], "onboarding", me, clock.now())
    before = counts(conn)

    gate = advance_stage(conn, acct["id"], me, clock.now())
    assert not gate.can_advance
    assert [i.label for i in gate.missing_required] == GROWTH_ONBOARDING_REQUIRED
    assert counts(conn) == before
    assert (
        conn.execute("SELECT stage FROM accounts WHERE id = ?", (acct["id"],)).fetchone()[0]
        == "onboarding"
    )

    for key in ("kickoff", "config", "data", "go_live", "goals", "stakeholders"):
        set_item_done(conn, acct["id"], "onboarding", key, True, me, clock.now())
    gate = advance_stage(conn, acct["id"], me, clock.now())
    assert [i.label for i in gate.missing_required] == ["Admin trained"]
    assert gate.why_not == "missing required: Admin trained"
    assert stage_gate_of(conn, acct["id"]) == gate

    set_item_done(conn, acct["id"], "onboarding", "admin_trained", True, me, clock.now())
    history_before = stage_history(conn, acct["id"])
    queued_before = len(outbox.entries(conn))
    clock.advance(hours=1)
    gate = advance_stage(conn, acct["id"], me, clock.now())
    assert gate.can_advance and gate.target is Stage.ACTIVATION

    account_row = conn.execute("SELECT * FROM accounts WHERE id = ?", (acct["id"],)).fetchone()
    assert account_row["stage"] == "activation"
    history = stage_history(conn, acct["id"])
    assert history[:-1] == history_before
    move = history[-1]
    assert (move.from_stage, move.to_stage, move.changed_at, move.changed_by) == (
        Stage.ONBOARDING,
        Stage.ACTIVATION,
        clock.now(),
        me,
    )

    # The next stage's checklist exists, open, under the shared ids.
    entries = load_checklist(conn, acct["id"], "growth", "activation")
    assert [e.key for e in entries] == [
        t.key for t in checklist_template(Stage.ACTIVATION, Tier.GROWTH)
    ]
    assert not any(e.done for e in entries)
    new_ids = {
        r[0]
        for r in conn.execute(
            "SELECT id FROM checklist_items WHERE account_id = ? AND stage = 'activation'",
            (acct["id"],),
        )
    }
    assert new_ids == {checklist_item_id(acct["id"], "activation", e.key) for e in entries}

    queued = outbox.entries(conn)[queued_before:]
    assert [e.kind for e in queued] == ["stage_change", "account"] + ["checklist_item"] * len(
        entries
    )
    assert queued[0].record_id == move.id
    assert queued[0].fields == {
        "account_id": acct["id"],
        "from_stage": "onboarding",
        "to_stage": "activation",
        "changed_at": clock.now().isoformat(),
        "changed_by": me,
    }
    assert queued[1].record_id == acct["id"]
    assert queued[1].fields == {"stage": "activation"}
    assert queued[1].base_version == acct["version"]
    assert {e.record_id for e in queued[2:]} == new_ids


def test_leaving_activation_records_the_activation_day(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "activation")
    for entry in load_checklist(conn, acct["id"], "growth", "activation"):
        set_item_done(conn, acct["id"], "activation", entry.key, True, me, clock.now())
    assert advance_stage(conn, acct["id"], me, clock.now()).can_advance
    row = conn.execute(
        "SELECT stage, activated_on FROM accounts WHERE id = ?", (acct["id"],)
    ).fetchone()
    assert tuple(row) == ("adoption", clock.today().isoformat())
    assert outbox.entries(conn)[
        -len(checklist_template(Stage.ADOPTION, Tier.GROWTH)) - 1
    ].fields == {"stage": "adoption", "activated_on": clock.today().isoformat()}


def test_the_last_stage_does_not_advance(book, clock):
    conn, me = book
    acct = account(conn, me, "growth", "renewal")
    for entry in load_checklist(conn, acct["id"], "growth", "renewal"):
        set_item_done(conn, acct["id"], "renewal", entry.key, True, me, clock.now())
    before = counts(conn)
    gate = advance_stage(conn, acct["id"], me, clock.now())
    assert not gate.can_advance and gate.target is None
    assert gate.why_not == "Renewal & Expansion is the last stage"
    assert counts(conn) == before


def test_a_failure_half_way_through_an_advance_writes_nothing(book, clock, monkeypatch):
    conn, me = book
    acct = account(conn, me, "growth", "activation")
    for entry in load_checklist(conn, acct["id"], "growth", "activation"):
        set_item_done(conn, acct["id"], "activation", entry.key, True, me, clock.now())
    before = counts(conn)
    real = outbox.enqueue

    def failing(conn, kind, *args, **kw):
        if kind == "account":
            raise OSError("disk full")
        return real(conn, kind, *args, **kw)

    monkeypatch.setattr(outbox, "enqueue", failing)
    with pytest.raises(OSError, match="disk full"):
        advance_stage(conn, acct["id"], me, clock.now() + timedelta(minutes=1))
    assert counts(conn) == before
    row = conn.execute(
        "SELECT stage, activated_on FROM accounts WHERE id = ?", (acct["id"],)
    ).fetchone()
    assert tuple(row) == ("activation", None)
    assert not conn.in_transaction


def test_stage_history_is_oldest_first_with_names(book):
    conn, me = book
    acct = account(conn, me, "growth", "adoption")
    history = stage_history(conn, acct["id"])
    assert history[0].from_stage is None and history[0].to_stage is Stage.ONBOARDING
    assert history[-1].to_stage is Stage.ADOPTION
    assert [m.changed_at for m in history] == sorted(m.changed_at for m in history)
    for earlier, later in itertools.pairwise(history):
        assert later.from_stage is earlier.to_stage
    names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM users")}
    assert all(m.changed_by_name == names.get(m.changed_by) for m in history)
