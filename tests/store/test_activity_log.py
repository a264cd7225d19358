"""Logging an activity on a demo book: what the CSM sees change, and what never half-happens."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

import pytest

from csm_tui.domain.activity_form import ActivityDraft
from csm_tui.domain.cadence import touch_status
from csm_tui.domain.health import Component
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store import activity_log, outbox
from csm_tui.store.accounts import health_of, load_account_facts
from csm_tui.store.activity_log import (
    PREVIEW_CHARS,
    ActivityInvalid,
    ActivityNotEditable,
    edit_activity,
    last_contacts,
    last_log,
    load_activity,
    load_timeline,
    log_activity,
    undo_last_activity,
)
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.tasks import account_tasks
from csm_tui.store.timestamps import from_db

RULES = TierRules()


@dataclass
class Book:
    conn: sqlite3.Connection
    me: str
    account_id: str
    now: datetime

    def account(self) -> sqlite3.Row:
        return self.conn.execute(
            "SELECT * FROM accounts WHERE id = ?", (self.account_id,)
        ).fetchone()

    def status(self):
        row = self.account()
        return touch_status(Tier(row["tier"]), from_db(row["last_touch_at"]), self.now, RULES)

    def draft(self, **changes) -> ActivityDraft:
        base = ActivityDraft(
            account_id=self.account_id,
            kind=ActivityKind.CALL,
            occurred_at=self.now - timedelta(hours=1),
            minutes=30,
            contact_ids=last_contacts(self.conn, self.account_id),
            summary="Walked Jonas through the rollout plan",
            next_steps="Send pricing deck by next tue",
            sentiment=Sentiment.POSITIVE,
        )
        return replace(base, **changes)

    def digest(self) -> tuple:
        """Everything a failed write must leave as it was."""
        c = self.conn
        return (
            tuple(c.execute("SELECT count(*), max(rowid) FROM activities").fetchone()),
            tuple(c.execute("SELECT count(*), max(updated_at) FROM tasks").fetchone()),
            c.execute("SELECT count(*) FROM outbox").fetchone()[0],
            tuple(self.account()),
            tuple(tuple(r) for r in c.execute("SELECT * FROM cache_meta ORDER BY key")),
        )


@pytest.fixture
def book(demo_db, clock) -> Book:
    conn = connect(demo_db)
    me = get_meta(conn, META_ME)
    # A strategic account of mine, overdue for a touch, with signals and stakeholders.
    row = conn.execute(
        "SELECT a.id FROM accounts a JOIN account_signals s ON s.account_id = a.id "
        "WHERE a.owner_id = ? AND a.tier = 'strategic' AND a.deleted_at IS NULL "
        "AND a.last_touch_at < ? AND EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = a.id "
        "AND c.deleted_at IS NULL) ORDER BY a.id LIMIT 1",
        (me, (clock.now() - timedelta(days=15)).strftime("%Y-%m-%d")),
    ).fetchone()
    assert row is not None, "the demo book should hold an overdue strategic account of mine"
    yield Book(conn, me, row[0], clock.now())
    conn.close()


def test_a_logged_call_shows_everywhere_at_once(book):
    before = book.account()
    assert book.status().overdue
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)

    top = load_timeline(book.conn, book.account_id)[0]
    assert top.id == logged.activity_id
    assert (top.kind, top.summary_preview) == (ActivityKind.CALL, book.draft().summary)
    assert (
        top.author_name
        == book.conn.execute("SELECT name FROM users WHERE id = ?", (book.me,)).fetchone()[0]
    )
    assert top.contact_names and len(top.contact_names) == len(top.contact_ids)

    after = book.account()
    assert from_db(after["last_touch_at"]) == book.now - timedelta(hours=1)
    assert logged.last_touch_at == book.now - timedelta(hours=1)
    assert not book.status().overdue
    # Health re-scored with the new touch: engagement is now full, and the stored score is
    # the one the account screen explains.
    facts = load_account_facts(book.conn, book.account_id, book.now, RULES)
    live = health_of(facts)
    assert after["health_score"] == live.score == logged.health_score
    engagement = next(c for c in live.components if c.component is Component.ENGAGEMENT)
    assert engagement.value == 1.0
    assert after["health_score"] > before["health_score"]
    assert after["health_score_30d"] == before["health_score_30d"]

    # The next steps became my task, due the next Tuesday.
    (task,) = [t for t in account_tasks(book.conn, book.account_id, book.now.date())
               if t.source_activity_id == logged.activity_id]  # fmt: skip
    assert task.id == logged.task_id
    assert task.title == "Send pricing deck"
    assert task.due_on == logged.task_due_on
    assert task.due_on.weekday() == 1 and 1 <= (task.due_on - book.now.date()).days <= 7
    assert task.owner_id == book.me


def test_outbox_holds_exactly_the_change(book):
    seen = outbox.pending_count(book.conn)
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    new = outbox.pending(book.conn)[seen:]
    assert [(e.kind, e.op, e.record_id) for e in new] == [
        ("activity", "upsert", logged.activity_id),
        ("task", "upsert", logged.task_id),
        ("account", "upsert", book.account_id),
    ]
    activity, task, account = new
    assert activity.fields["summary"] == book.draft().summary
    assert activity.fields["author_id"] == book.me
    assert activity.fields["occurred_at"] == (book.now - timedelta(hours=1)).isoformat()
    assert task.fields["owner_id"] == book.me
    assert task.fields["source_activity_id"] == logged.activity_id
    assert task.fields["due_on"] == logged.task_due_on.isoformat()
    assert set(account.fields) == {"last_touch_at", "health_score"}
    assert account.base_version == book.account()["version"]


def test_a_failure_half_way_leaves_nothing(book, monkeypatch):
    before = book.digest()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # The activity row, its task and their outbox entries are written before this runs.
    monkeypatch.setattr(activity_log, "_refresh_account", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    assert book.digest() == before
    assert not book.conn.in_transaction
    monkeypatch.undo()
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)  # still usable
    assert load_activity(book.conn, logged.activity_id) is not None


def test_invalid_drafts_write_nothing(book):
    before = book.digest()
    with pytest.raises(ActivityInvalid) as caught:
        log_activity(book.conn, book.draft(summary="  "), book.me, book.now, RULES)
    assert [e.field for e in caught.value.errors] == ["summary"]
    with pytest.raises(ActivityInvalid) as caught:
        log_activity(
            book.conn, book.draft(next_steps="Contract by 2026-02-31"), book.me, book.now, RULES
        )
    assert caught.value.errors[0].message == "due date: 31 Feb 2026 does not exist"
    with pytest.raises(ActivityInvalid) as caught:
        log_activity(book.conn, book.draft(contact_ids=("nobody",)), book.me, book.now, RULES)
    assert caught.value.errors[0].field == "contact_ids"
    with pytest.raises(ActivityInvalid) as caught:
        log_activity(book.conn, book.draft(account_id="gone"), book.me, book.now, RULES)
    assert caught.value.errors[0].field == "account_id"
    with pytest.raises(ActivityInvalid) as caught:
        log_activity(book.conn, book.draft(), "stranger", book.now, RULES)
    assert caught.value.errors[0].field == "author_id"
    assert book.digest() == before


def test_hostile_and_huge_text_is_stored_byte_exact(book):
    summary = "通话纪要：客户满意 [bold red]ALERT[/] \x1b[2J\x1b]0;pwned\x07 \u202eevil"
    logged = log_activity(book.conn, book.draft(summary=summary), book.me, book.now, RULES)
    stored = book.conn.execute(
        "SELECT summary FROM activities WHERE id = ?", (logged.activity_id,)
    ).fetchone()[0]
    assert stored == summary
    assert load_activity(book.conn, logged.activity_id).summary == summary
    assert outbox.pending(book.conn)[-3].fields["summary"] == summary

    megabyte = ("会议纪要 [b]x[/b] \x1b[31m notes\n" * 40_000)[: 1024 * 1024]
    big = log_activity(
        book.conn, book.draft(summary=megabyte, next_steps=megabyte), book.me, book.now, RULES
    )
    record = load_activity(book.conn, big.activity_id)
    assert record.summary == megabyte and record.next_steps == megabyte
    top = load_timeline(book.conn, book.account_id, limit=1)[0]
    assert top.id == big.activity_id and top.truncated
    assert top.summary_preview == megabyte[:PREVIEW_CHARS]


def test_undo_restores_the_last_touch_and_removes_the_task(book):
    before = book.account()
    old_top = load_timeline(book.conn, book.account_id, limit=1)[0].id
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    seen = outbox.pending_count(book.conn)

    undone = undo_last_activity(book.conn, book.me, book.now, RULES)

    assert undone.activity_id == logged.activity_id and undone.task_id == logged.task_id
    after = book.account()
    assert after["last_touch_at"] == before["last_touch_at"]
    assert after["health_score"] == before["health_score"] == undone.health_score
    assert book.status().overdue
    assert load_timeline(book.conn, book.account_id, limit=1)[0].id == old_top
    assert load_activity(book.conn, logged.activity_id) is None
    assert logged.task_id not in {t.id for t in account_tasks(book.conn, book.account_id,
                                                                book.now.date())}  # fmt: skip
    assert [(e.kind, e.op, e.record_id) for e in outbox.pending(book.conn)[seen:]] == [
        ("activity", "delete", logged.activity_id),
        ("task", "delete", logged.task_id),
        ("account", "upsert", book.account_id),
    ]
    # Nothing of mine is left to undo; demo history is never undone.
    assert undo_last_activity(book.conn, book.me, book.now, RULES) is None
    assert load_timeline(book.conn, book.account_id, limit=1)[0].id == old_top


def test_undo_steps_back_through_my_own_logs(book):
    first = log_activity(book.conn, book.draft(next_steps=""), book.me, book.now, RULES)
    second = log_activity(
        book.conn,
        book.draft(kind=ActivityKind.NOTE, summary="private note", next_steps=""),
        book.me,
        book.now,
        RULES,
    )
    assert last_log(book.conn, book.me).id == second.activity_id
    with pytest.raises(ActivityNotEditable):
        undo_last_activity(book.conn, book.me, book.now, RULES, activity_id=first.activity_id)
    assert undo_last_activity(book.conn, book.me, book.now, RULES).activity_id == (
        second.activity_id
    )
    assert undo_last_activity(book.conn, book.me, book.now, RULES).activity_id == (
        first.activity_id
    )
    assert last_log(book.conn, book.me) is None


def test_a_note_and_a_backdated_touch_do_not_move_the_last_touch(book):
    before = book.account()["last_touch_at"]
    log_activity(book.conn, book.draft(kind=ActivityKind.NOTE), book.me, book.now, RULES)
    assert book.account()["last_touch_at"] == before
    log_activity(
        book.conn,
        book.draft(occurred_at=from_db(before) - timedelta(days=3)),
        book.me,
        book.now,
        RULES,
    )
    assert book.account()["last_touch_at"] == before


def test_edit_replaces_the_last_log_and_keeps_its_task_in_step(book):
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    seen = outbox.pending_count(book.conn)
    edited = edit_activity(
        book.conn,
        logged.activity_id,
        book.draft(summary="Rollout plan agreed", next_steps="Send the SOW in 3 days"),
        book.me,
        book.now,
        RULES,
    )
    assert edited.replaced_activity_id == logged.activity_id
    assert edited.activity_id != logged.activity_id
    assert load_activity(book.conn, logged.activity_id) is None
    record = load_activity(book.conn, edited.activity_id)
    assert record.summary == "Rollout plan agreed"
    assert record.created_at == book.now
    assert load_timeline(book.conn, book.account_id, limit=1)[0].id == edited.activity_id
    (task,) = [t for t in account_tasks(book.conn, book.account_id, book.now.date())
               if t.id == logged.task_id]  # fmt: skip
    assert (task.title, task.due_on) == ("Send the SOW", book.now.date() + timedelta(days=3))
    assert task.source_activity_id == edited.activity_id
    assert [(e.kind, e.op) for e in outbox.pending(book.conn)[seen:]] == [
        ("activity", "delete"),
        ("activity", "upsert"),
        ("task", "upsert"),
    ]
    assert last_log(book.conn, book.me).id == edited.activity_id

    # Dropping the date drops the task; the edited log is still the one undo takes.
    again = edit_activity(
        book.conn, edited.activity_id, book.draft(next_steps="Keep in touch"), book.me,
        book.now, RULES,
    )  # fmt: skip
    assert again.task_id is None
    assert logged.task_id not in {t.id for t in account_tasks(book.conn, book.account_id,
                                                                book.now.date())}  # fmt: skip
    assert undo_last_activity(book.conn, book.me, book.now, RULES).activity_id == again.activity_id


def test_an_edit_that_changes_nothing_writes_nothing(book):
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    before = book.digest()
    same = edit_activity(book.conn, logged.activity_id, book.draft(), book.me, book.now, RULES)
    assert same.activity_id == logged.activity_id and same.task_id == logged.task_id
    assert book.digest() == before


def test_only_my_last_log_can_be_edited(book):
    demo = load_timeline(book.conn, book.account_id, limit=1)[0].id
    with pytest.raises(ActivityNotEditable):
        edit_activity(book.conn, demo, book.draft(), book.me, book.now, RULES)
    first = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    log_activity(book.conn, book.draft(next_steps=""), book.me, book.now, RULES)
    before = book.digest()
    with pytest.raises(ActivityNotEditable):
        edit_activity(book.conn, first.activity_id, book.draft(), book.me, book.now, RULES)
    assert book.digest() == before


def test_undoing_an_edited_touch_restores_the_earlier_touch(book):
    before = book.account()["last_touch_at"]
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    # The call was in fact a note: the last touch goes back to the one before.
    edited = edit_activity(
        book.conn, logged.activity_id, book.draft(kind=ActivityKind.NOTE), book.me, book.now,
        RULES,
    )  # fmt: skip
    assert book.account()["last_touch_at"] == before
    assert edited.last_touch_at == from_db(before)


def test_timeline_filters_by_kind_and_prefills_contacts(book):
    contacts = last_contacts(book.conn, book.account_id)
    assert contacts
    note = log_activity(
        book.conn,
        book.draft(kind=ActivityKind.NOTE, contact_ids=(), next_steps=""),
        book.me,
        book.now,
        RULES,
    )
    # A note without contacts does not empty the pre-fill.
    assert last_contacts(book.conn, book.account_id) == contacts
    notes = load_timeline(book.conn, book.account_id, kinds={ActivityKind.NOTE})
    assert notes[0].id == note.activity_id
    assert {e.kind for e in notes} == {ActivityKind.NOTE}
    calls = load_timeline(book.conn, book.account_id, kinds={ActivityKind.CALL})
    assert note.activity_id not in {e.id for e in calls}
    everything = load_timeline(book.conn, book.account_id)
    times = [e.occurred_at for e in everything]
    assert times == sorted(times, reverse=True)
    assert load_timeline(book.conn, book.account_id, kinds=set()) == []


def test_a_chinese_due_date_in_next_steps(book):
    logged = log_activity(
        book.conn, book.draft(next_steps="下周二前发报价给王总"), book.me, book.now, RULES
    )
    assert logged.task_title == "发报价给王总"
    today = book.now.date()
    assert logged.task_due_on.weekday() == 1
    monday = today - timedelta(days=today.weekday())
    assert 7 <= (logged.task_due_on - monday).days <= 13
    assert isinstance(logged.task_due_on, date)


def test_log_from_another_zone_is_stored_in_utc(book):
    shanghai = datetime(2026, 11, 23, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    logged = log_activity(book.conn, book.draft(occurred_at=shanghai), book.me, book.now, RULES)
    raw = book.conn.execute(
        "SELECT occurred_at FROM activities WHERE id = ?", (logged.activity_id,)
    ).fetchone()[0]
    assert raw == "2026-11-22 16:30:00.000000"


def test_an_edit_can_move_a_log_to_the_right_account(book):
    other = book.conn.execute(
        "SELECT id, last_touch_at FROM accounts WHERE owner_id = ? AND id != ? "
        "AND deleted_at IS NULL AND last_touch_at < ? ORDER BY id LIMIT 1",
        (book.me, book.account_id, "2026-11-01"),
    ).fetchone()
    before = book.account()["last_touch_at"]
    logged = log_activity(book.conn, book.draft(), book.me, book.now, RULES)
    moved = edit_activity(
        book.conn,
        logged.activity_id,
        book.draft(account_id=other["id"], contact_ids=()),
        book.me,
        book.now,
        RULES,
    )
    # The wrong account gets its old last touch back, the right one is touched now.
    assert book.account()["last_touch_at"] == before
    right = book.conn.execute(
        "SELECT last_touch_at FROM accounts WHERE id = ?", (other["id"],)
    ).fetchone()[0]
    assert from_db(right) == book.now - timedelta(hours=1)
    # A task cannot change account on the server: the old one goes, a new one comes.
    assert moved.task_id != logged.task_id
    wrong_tasks = {t.id for t in account_tasks(book.conn, book.account_id, book.now.date())}
    right_tasks = {t.id for t in account_tasks(book.conn, other["id"], book.now.date())}
    assert logged.task_id not in wrong_tasks and moved.task_id in right_tasks
    assert load_timeline(book.conn, other["id"], limit=1)[0].id == moved.activity_id
