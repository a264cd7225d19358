"""Tasks: per account and per owner, and the changes a CSM makes to them.

Each change is one transaction with its outbox entry (kind "task", merged per field on the
server: only the changed fields travel). Tasks come from next steps (`store.activity_log`).
Reads need a `today` to say whether a task is late (`domain.tasks.due_state`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from csm_tui.domain.dates import EARLIEST, LATEST, TASK_TITLE_MAX
from csm_tui.domain.errors import Refusal
from csm_tui.domain.tasks import DueState, due_state, effective_due
from csm_tui.domain.validity import text_problem
from csm_tui.i18n import N_, Message
from csm_tui.protocol import KIND_TASK, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_from_db, from_db, to_db
from csm_tui.store.transaction import write_transaction


class TaskNotFound(LookupError):
    """No live task with that id (never existed, or deleted)."""


class TaskError(Refusal, ValueError):
    """The change makes no sense for this task; `words` (a `Message`) is for the user, and
    `message` is them in the interface language. Nothing written."""


@dataclass(frozen=True)
class TaskView:
    id: str
    account_id: str
    account_name: str
    title: str
    due_on: date | None
    snoozed_until: date | None
    done_at: datetime | None
    owner_id: str | None
    owner_name: str | None
    source_activity_id: str | None
    created_at: datetime
    due_state: DueState  # against the `today` it was loaded for
    snoozed: bool  # snoozed_until is after that today

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def effective_due(self) -> date | None:
        """The day it asks for attention: the due date, pushed out by a snooze."""
        return effective_due(self.due_on, self.snoozed_until)


_SELECT = (
    "SELECT t.id, t.account_id, a.name, t.title, t.due_on, t.snoozed_until, t.done_at, "
    "t.owner_id, u.name, t.source_activity_id, t.created_at "
    "FROM tasks t JOIN accounts a ON a.id = t.account_id LEFT JOIN users u ON u.id = t.owner_id "
)


def _view(r: sqlite3.Row | tuple[Any, ...], today: date) -> TaskView:
    due, snoozed, done_at = date_from_db(r[4]), date_from_db(r[5]), from_db(r[6])
    return TaskView(
        id=r[0],
        account_id=r[1],
        account_name=r[2],
        title=r[3],
        due_on=due,
        snoozed_until=snoozed,
        done_at=done_at,
        owner_id=r[7],
        owner_name=r[8],
        source_activity_id=r[9],
        created_at=from_db(r[10]),
        due_state=due_state(due, snoozed, done_at is not None, today),
        snoozed=snoozed is not None and snoozed > today,
    )


def _open_order(view: TaskView) -> tuple[object, ...]:
    when = view.effective_due
    return (when is None, when or date.max, view.created_at, view.id)


def _sorted(views: list[TaskView]) -> list[TaskView]:
    """Open tasks by the day they ask for attention (undated last), then done ones, newest
    done first."""
    open_ = sorted((v for v in views if not v.done), key=_open_order)
    done = sorted((v for v in views if v.done), key=lambda v: (v.done_at, v.id), reverse=True)
    return open_ + done


def load_task(conn: sqlite3.Connection, task_id: str, today: date) -> TaskView | None:
    r = conn.execute(_SELECT + "WHERE t.id = ? AND t.deleted_at IS NULL", (task_id,)).fetchone()
    return None if r is None else _view(r, today)


def account_tasks(
    conn: sqlite3.Connection, account_id: str, today: date, *, include_done: bool = False
) -> list[TaskView]:
    """The account's live tasks: open ones by effective due date, then (if asked) done ones."""
    sql = _SELECT + "WHERE t.account_id = ? AND t.deleted_at IS NULL"
    if not include_done:
        sql += " AND t.done_at IS NULL"
    return _sorted([_view(r, today) for r in conn.execute(sql, (account_id,))])


def my_open_tasks(
    conn: sqlite3.Connection, owner_id: str, today: date, *, include_snoozed: bool = True
) -> list[TaskView]:
    """Open tasks owned by `owner_id` on live accounts, by effective due date (undated last).

    `include_snoozed=False` leaves out tasks snoozed past today.
    """
    rows = conn.execute(
        _SELECT + "WHERE t.owner_id = ? AND t.done_at IS NULL AND t.deleted_at IS NULL "
        "AND a.deleted_at IS NULL",
        (owner_id,),
    )
    views = [_view(r, today) for r in rows]
    if not include_snoozed:
        views = [v for v in views if not v.snoozed]
    return _sorted(views)


def _change(
    conn: sqlite3.Connection,
    task_id: str,
    now: datetime,
    decide: Callable[[sqlite3.Row], dict[str, Any]],
) -> TaskView:
    """Load the task under the write lock, let `decide(row)` name the new values (or raise
    `TaskError`), store and enqueue what differs, and return the task as it now is."""
    with write_transaction(conn):
        row = conn.execute(
            "SELECT id, due_on, snoozed_until, done_at, owner_id FROM tasks "
            "WHERE id = ? AND deleted_at IS NULL",
            (task_id,),
        ).fetchone()
        if row is None:
            raise TaskNotFound(task_id)
        wanted: dict[str, Any] = decide(row)
        stored: dict[str, Callable[[Any], object]] = {
            "done_at": lambda v: None if v is None else to_db(v),
            "snoozed_until": lambda v: None if v is None else v.isoformat(),
            "owner_id": lambda v: v,
        }
        changed = {k: v for k, v in wanted.items() if stored[k](v) != row[k]}
        if changed:
            sets = ", ".join(f"{k} = ?" for k in changed)
            conn.execute(
                f"UPDATE tasks SET {sets}, updated_at = ? WHERE id = ?",
                (*(stored[k](v) for k, v in changed.items()), to_db(now), task_id),
            )
            outbox.enqueue(conn, KIND_TASK, OP_UPSERT, task_id, changed, now=now)
    view = load_task(conn, task_id, now.date())
    assert view is not None
    return view


def complete_task(conn: sqlite3.Connection, task_id: str, by: str, now: datetime) -> TaskView:
    """Mark the task done at `now` (already done: unchanged).

    `by` is who ticked it; tasks have no column for it yet, so it is not stored.
    """
    return _change(
        conn, task_id, now, lambda row: {} if row["done_at"] is not None else {"done_at": now}
    )


def reopen_task(conn: sqlite3.Connection, task_id: str, now: datetime) -> TaskView:
    """Make a done task open again."""
    return _change(conn, task_id, now, lambda row: {"done_at": None})


def snooze_task(conn: sqlite3.Connection, task_id: str, until: date, now: datetime) -> TaskView:
    """Put an open task out of mind until `until` (a day after today, at most 2100)."""

    def decide(row: sqlite3.Row) -> dict[str, Any]:
        if row["done_at"] is not None:
            raise TaskError(Message.of(N_("this task is done; reopen it to snooze it")))
        if until <= now.date():
            raise TaskError(
                Message.of(N_("snooze until a day after today, not {day}"), day=until.isoformat())
            )
        if until > LATEST:
            raise TaskError(Message.of(N_("{day} is too far ahead"), day=until.isoformat()))
        return {"snoozed_until": until}

    return _change(conn, task_id, now, decide)


def unsnooze_task(conn: sqlite3.Connection, task_id: str, now: datetime) -> TaskView:
    """Bring a snoozed task back now."""
    return _change(conn, task_id, now, lambda row: {"snoozed_until": None})


def reassign_task_to(
    conn: sqlite3.Connection, task_id: str, owner_id: str, now: datetime
) -> TaskView:
    """Give the task to `owner_id` (a user of this cache): "take it" is `owner_id = me`."""

    def decide(row: sqlite3.Row) -> dict[str, Any]:
        if conn.execute("SELECT 1 FROM users WHERE id = ?", (owner_id,)).fetchone() is None:
            raise TaskError(Message.of(N_("no user {id} in this cache"), id=repr(owner_id)))
        return {"owner_id": owner_id}

    return _change(conn, task_id, now, decide)


def add_task(
    conn: sqlite3.Connection,
    account_id: str,
    title: str,
    due_on: date | None,
    owner_id: str,
    now: datetime,
) -> TaskView:
    """A new open task on the account, owned by `owner_id`, in one transaction with its
    outbox entry. A blank title, a due date outside 2000–2100, an account that is not in
    the cache or an unknown owner raise `TaskError`; nothing is written then."""
    title = " ".join(title.split())
    if not title:
        raise TaskError(Message.of(N_("a task needs a title")))
    if len(title) > TASK_TITLE_MAX:
        raise TaskError(Message.of(N_("a task title is at most {n} characters"), n=TASK_TITLE_MAX))
    problem = text_problem(title)
    if problem is not None:
        raise TaskError(problem.words(Message.of(N_("the task title"))))
    if due_on is not None and not EARLIEST <= due_on <= LATEST:
        raise TaskError(Message.of(N_("{day} is outside 2000–2100"), day=due_on.isoformat()))
    task_id = new_id()
    stamp = to_db(now)
    with write_transaction(conn):
        if (
            conn.execute(
                "SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
            ).fetchone()
            is None
        ):
            raise TaskError(Message.of(N_("that account is not in your book")))
        if conn.execute("SELECT 1 FROM users WHERE id = ?", (owner_id,)).fetchone() is None:
            raise TaskError(Message.of(N_("no user {id} in this cache"), id=repr(owner_id)))
        conn.execute(
            INSERT["tasks"],
            (
                task_id,
                account_id,
                title,
                None if due_on is None else due_on.isoformat(),
                None,
                None,
                owner_id,
                None,
                stamp,
                stamp,
                None,
            ),
        )
        fields = {
            "account_id": account_id,
            "title": title,
            "due_on": due_on,
            "owner_id": owner_id,
            "source_activity_id": None,
            "created_at": now,
        }
        outbox.enqueue(conn, KIND_TASK, OP_UPSERT, task_id, fields, now=now)
    view = load_task(conn, task_id, now.date())
    assert view is not None
    return view
