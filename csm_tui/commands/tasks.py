"""The task verbs: `task` (add), `task done` / `task reopen`, `task take` (make it yours),
`tasks` (an account's) and `snooze` (Today's z and Z)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words
from csm_tui.domain.language.verb_types import (
    Command,
    SnoozeCommand,
    TaskCommand,
    TaskDoneCommand,
    TasksCommand,
    TaskTakeCommand,
)
from csm_tui.i18n import N_, NC_, Message, Nn_

if TYPE_CHECKING:
    from csm_tui.store.tasks import TaskView


def task_result(session: Session, command: TaskCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.dates import DueDateError, parse_due
    from csm_tui.store.lookup import short_id
    from csm_tui.store.tasks import TaskError, add_task

    account = session.account(command.account)
    me = session.need_me()
    due = None
    if command.due is not None:
        try:
            due = parse_due(command.due, session.today())
        except DueDateError as error:
            raise CommandFailed(Message.of(N_("--due: {problem}"), problem=error.words)) from error
    try:
        task = add_task(session.conn, account.id, command.title, due, me, session.now())
    except TaskError as error:
        raise CommandFailed(error.words) from error
    values = {"title": task.title, "name": account.name, "id": short_id(task.id)}
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("Task “{title}” on {name}, due {weekday} {day} (id …{id})"),
                weekday=f"{due:%a}",
                day=due.isoformat(),
                **values,
            )
            if due
            else Message.of(N_("Task “{title}” on {name} (id …{id})"), **values),
            dry,
        ),
        columns=_TASK_COLUMNS,
        rows=(_task_row(task),),
        account_id=account.id,
    )


_TASK_COLUMNS = (
    Column("task_id", N_("Task")),
    Column("account", N_("Account")),
    Column("title", NC_("task", "Title")),
    Column("due_on", N_("Due")),
    Column("done_at", N_("Done")),
    Column("owner", N_("Owner")),
)


def _task_row(task: TaskView) -> tuple[Any, ...]:
    return (task.id, task.account_name, task.title, task.due_on, task.done_at, task.owner_name)


def task_done_result(session: Session, command: TaskDoneCommand, dry: bool) -> CommandResult:
    from csm_tui.store.lookup import LookupFailed, find_task
    from csm_tui.store.tasks import TaskNotFound, complete_task, load_task, reopen_task

    conn = session.conn
    try:
        found = find_task(conn, command.task)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    before = load_task(conn, found.id, session.today())
    try:
        if command.done:
            task = complete_task(conn, found.id, session.me or "", session.now())
        else:
            task = reopen_task(conn, found.id, session.now())
    except TaskNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(Message.of(N_("that task no longer exists"))) from error
    already = before is not None and before.done == command.done
    values = {"title": task.title, "name": task.account_name}
    if already:
        text = Message.of(
            N_("“{title}” ({name}) was already done")
            if command.done
            else N_("“{title}” ({name}) was already open"),
            **values,
        )
    else:
        text = Message.of(
            N_("Done: “{title}” ({name})") if command.done else N_("Reopened: “{title}” ({name})"),
            **values,
        )
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=_TASK_COLUMNS,
        rows=(_task_row(task),),
        account_id=task.account_id,
    )


def snooze_result(session: Session, command: SnoozeCommand, dry: bool) -> CommandResult:
    """Today's `z` (one day) and `Z` (a week): `store.tasks.snooze_task` from today."""
    from datetime import timedelta

    from csm_tui.store.lookup import LookupFailed, find_task
    from csm_tui.store.tasks import TaskError, TaskNotFound, snooze_task

    try:
        found = find_task(session.conn, command.task)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    until = session.today() + timedelta(days=command.days or 1)
    try:
        task = snooze_task(session.conn, found.id, until, session.now())
    except TaskError as error:
        raise CommandFailed(error.words) from error
    except TaskNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(Message.of(N_("that task no longer exists"))) from error
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("Snoozed until {day}: “{title}” ({name})"),
                day=f"{until:%a %d %b}",
                title=task.title,
                name=task.account_name,
            ),
            dry,
        ),
        columns=(*_TASK_COLUMNS, Column("snoozed_until", N_("Snoozed until"))),
        rows=((*_task_row(task), until),),
        account_id=task.account_id,
    )


_TASK_LIST_COLUMNS = (
    Column("task_id", N_("Task")),
    Column("title", NC_("task", "Title")),
    Column("due_on", N_("Due")),
    Column("snoozed_until", N_("Snoozed until")),
    Column("done_at", N_("Done")),
    Column("owner", N_("Owner")),
    Column("account", N_("Account")),
)


def _task_list_row(task: TaskView) -> tuple[Any, ...]:
    return (
        task.id,
        task.title,
        task.due_on,
        task.snoozed_until,
        task.done_at,
        task.owner_name,
        task.account_name,
    )


def tasks_result(session: Session, command: TasksCommand, dry: bool) -> CommandResult:
    from csm_tui.store.tasks import account_tasks

    account = session.account(command.account)
    tasks = account_tasks(session.conn, account.id, session.today(), include_done=command.done)
    open_count = sum(1 for t in tasks if not t.done)
    message = (
        Message.of(
            *Nn_(
                "{name}: {count} open task, {done} done", "{name}: {count} open tasks, {done} done"
            ),
            n=open_count,
            name=account.name,
            count=f"{open_count:,}",
            done=f"{len(tasks) - open_count:,}",
        )
        if command.done
        else Message.of(
            *Nn_("{name}: {count} open task", "{name}: {count} open tasks"),
            n=open_count,
            name=account.name,
            count=f"{open_count:,}",
        )
    )
    return CommandResult.of(
        command,
        message,
        columns=_TASK_LIST_COLUMNS,
        rows=tuple(_task_list_row(t) for t in tasks),
        account_id=account.id,
        screen="account",
    )


def take_result(session: Session, command: TaskTakeCommand, dry: bool) -> CommandResult:
    from csm_tui.store.lookup import LookupFailed, find_task
    from csm_tui.store.tasks import TaskError, reassign_task_to

    me = session.need_me()
    try:
        found = find_task(session.conn, command.task)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    try:
        task = reassign_task_to(session.conn, found.id, me, session.now())
    except TaskError as error:
        raise CommandFailed(error.words) from error
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("Yours now: “{title}” ({name})"), title=task.title, name=task.account_name
            ),
            dry,
        ),
        columns=_TASK_LIST_COLUMNS,
        rows=(_task_list_row(task),),
        account_id=task.account_id,
    )


HANDLERS: dict[type[Command], Handler] = {
    TaskCommand: task_result,
    TaskDoneCommand: task_done_result,
    TaskTakeCommand: take_result,
    TasksCommand: tasks_result,
    SnoozeCommand: snooze_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
