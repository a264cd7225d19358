"""Tasks on a demo book: complete, reopen, snooze, reassign — each with its outbox entry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from csm_tui.domain.tasks import DueState
from csm_tui.store import outbox
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.tasks import (
    TaskError,
    TaskNotFound,
    account_tasks,
    complete_task,
    load_task,
    my_open_tasks,
    reassign_task_to,
    reopen_task,
    snooze_task,
    unsnooze_task,
)
from csm_tui.store.timestamps import to_db


@pytest.fixture
def book(demo_db, clock):
    conn = connect(demo_db)
    yield conn, get_meta(conn, META_ME), clock.now()
    conn.close()


def _my_late_task(conn, me, today):
    late = [t for t in my_open_tasks(conn, me, today) if t.due_state is DueState.LATE]
    assert late, "the demo book should give me a late task"
    return late[0]


def test_my_open_tasks_are_mine_open_and_in_due_order(book):
    conn, me, now = book
    tasks = my_open_tasks(conn, me, now.date())
    assert tasks
    assert all(t.owner_id == me and t.done_at is None for t in tasks)
    dated = [t.effective_due for t in tasks if t.effective_due is not None]
    assert dated == sorted(dated)
    assert all(t.effective_due is not None for t in tasks[: len(dated)])  # undated last
    expected = conn.execute(
        "SELECT count(*) FROM tasks t JOIN accounts a ON a.id = t.account_id "
        "WHERE t.owner_id = ? AND t.done_at IS NULL AND t.deleted_at IS NULL "
        "AND a.deleted_at IS NULL",
        (me,),
    ).fetchone()[0]
    assert len(tasks) == expected


def test_complete_and_reopen(book):
    conn, me, now = book
    task = _my_late_task(conn, me, now.date())
    seen = outbox.pending_count(conn)

    done = complete_task(conn, task.id, me, now)
    assert done.done_at == now and done.due_state is DueState.NONE
    assert task.id not in {t.id for t in my_open_tasks(conn, me, now.date())}
    assert task.id not in {t.id for t in account_tasks(conn, task.account_id, now.date())}
    shown = account_tasks(conn, task.account_id, now.date(), include_done=True)
    assert task.id in {t.id for t in shown} and shown[-1].done  # done ones come last
    # Completing again changes nothing and queues nothing.
    complete_task(conn, task.id, me, now + timedelta(hours=1))
    assert load_task(conn, task.id, now.date()).done_at == now

    reopened = reopen_task(conn, task.id, now)
    assert reopened.done_at is None and reopened.due_state is DueState.LATE
    entries = outbox.pending(conn)[seen:]
    assert [(e.kind, e.op, e.record_id, e.fields) for e in entries] == [
        ("task", "upsert", task.id, {"done_at": now.isoformat()}),
        ("task", "upsert", task.id, {"done_at": None}),
    ]


def test_snooze_moves_a_task_out_of_today(book):
    conn, me, now = book
    today = now.date()
    task = _my_late_task(conn, me, today)
    until = today + timedelta(days=3)
    snoozed = snooze_task(conn, task.id, until, now)
    assert snoozed.snoozed_until == until and snoozed.snoozed
    assert snoozed.due_state is DueState.UPCOMING
    assert task.id not in {t.id for t in my_open_tasks(conn, me, today, include_snoozed=False)}
    assert task.id in {t.id for t in my_open_tasks(conn, me, until, include_snoozed=False)}
    assert load_task(conn, task.id, until).due_state is DueState.TODAY
    assert outbox.pending(conn)[-1].fields == {"snoozed_until": until.isoformat()}
    back = unsnooze_task(conn, task.id, now)
    assert back.snoozed_until is None and back.due_state is DueState.LATE


@pytest.mark.parametrize("days", [0, -1])
def test_snooze_into_the_past_is_refused(book, days):
    conn, me, now = book
    task = _my_late_task(conn, me, now.date())
    seen = outbox.pending_count(conn)
    with pytest.raises(TaskError, match="a day after today"):
        snooze_task(conn, task.id, now.date() + timedelta(days=days), now)
    assert load_task(conn, task.id, now.date()).snoozed_until is None
    assert outbox.pending_count(conn) == seen


def test_a_done_task_cannot_be_snoozed(book):
    conn, me, now = book
    task = _my_late_task(conn, me, now.date())
    complete_task(conn, task.id, me, now)
    with pytest.raises(TaskError, match="reopen"):
        snooze_task(conn, task.id, date(2026, 12, 1), now)


def test_reassign_moves_the_task_between_lists(book):
    conn, me, now = book
    today = now.date()
    other = conn.execute(
        "SELECT id FROM users WHERE id != ? ORDER BY id LIMIT 1", (me,)
    ).fetchone()[0]
    task = _my_late_task(conn, me, today)
    given = reassign_task_to(conn, task.id, other, now)
    assert given.owner_id == other
    assert task.id not in {t.id for t in my_open_tasks(conn, me, today)}
    assert task.id in {t.id for t in my_open_tasks(conn, other, today)}
    taken = reassign_task_to(conn, task.id, me, now)
    assert taken.owner_id == me and taken.owner_name
    assert [e.fields for e in outbox.pending(conn)[-2:]] == [{"owner_id": other}, {"owner_id": me}]
    with pytest.raises(TaskError, match="no user"):
        reassign_task_to(conn, task.id, "stranger", now)


def test_unknown_or_deleted_tasks_are_not_found(book):
    conn, me, now = book
    task = _my_late_task(conn, me, now.date())
    with conn:
        conn.execute("UPDATE tasks SET deleted_at = ? WHERE id = ?", (to_db(now), task.id))
    for change in (
        lambda i: complete_task(conn, i, me, now),
        lambda i: reopen_task(conn, i, now),
        lambda i: reassign_task_to(conn, i, me, now),
    ):
        with pytest.raises(TaskNotFound):
            change(task.id)
        with pytest.raises(TaskNotFound):
            change("no-such-task")
    assert load_task(conn, task.id, now.date()) is None
