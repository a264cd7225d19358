"""Log an activity: `log`, the account's `timeline`, and `amend` / `undo` of your last log
(the app's `E` and ctrl+z) — through `store.activity_log`, as the log form does."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words
from csm_tui.domain.language.verb_types import (
    AmendCommand,
    Command,
    LogCommand,
    TimelineCommand,
    UndoCommand,
)
from csm_tui.i18n import N_, Message, Nn_

if TYPE_CHECKING:
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.records import ActivityKind
    from csm_tui.store.activity_log import LoggedActivity


_LOG_COLUMNS = (
    Column("activity_id", N_("Activity")),
    Column("account", N_("Account")),
    Column("kind", N_("Kind")),
    Column("occurred_at", N_("When")),
    Column("minutes", N_("Minutes"), right=True),
    Column("task_id", N_("Task")),
    Column("task_due_on", N_("Due")),
    Column("health", N_("Health"), right=True),
)


def log_result(session: Session, command: LogCommand, dry: bool) -> CommandResult:
    """The log form's save: `store.activity_log.log_activity` (its task and touch too)."""
    from csm_tui.store.activity_log import ActivityInvalid, log_activity

    account = session.account(command.account)
    me = session.need_me()
    draft = _draft(session, command, account.id)
    try:
        logged = log_activity(session.conn, draft, me, session.now(), session.rules)
    except ActivityInvalid as error:
        raise CommandFailed("; ".join(f"{_FORM_NAMES.get(e.field, e.field)}: {e.message}"
                                      for e in error.errors)) from error  # fmt: skip
    row = (
        logged.activity_id,
        account.name,
        command.kind.value,
        draft.occurred_at,
        draft.minutes,
        logged.task_id,
        logged.task_due_on,
        logged.health_score,
    )
    return CommandResult.of(
        command,
        dry_run_words(_logged_words(command, account.name, logged), dry),
        columns=_LOG_COLUMNS,
        rows=(row,),
        account_id=account.id,
    )


def _draft(session: Session, command: LogCommand, account_id: str) -> ActivityDraft:
    """The activity the command describes, as the log form would fill it."""
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.dates import WhenError, parse_when
    from csm_tui.domain.language.verb_options import DEFAULT_MINUTES
    from csm_tui.domain.records import Sentiment
    from csm_tui.store.activity_log import last_contacts
    from csm_tui.store.lookup import LookupFailed, find_contact

    conn = session.conn
    local_now = session.now().astimezone()
    if command.when is None:
        occurred_at = local_now.replace(second=0, microsecond=0)  # as the form's "now"
    else:
        try:
            occurred_at = parse_when(command.when, local_now)
        except WhenError as error:
            raise CommandFailed(Message.of(N_("--when: {problem}"), problem=error.words)) from error
    if command.contacts:
        try:
            contact_ids = tuple(find_contact(conn, account_id, c).id for c in command.contacts)
        except LookupFailed as error:
            raise CommandFailed(
                Message.of(N_("--with: {problem}"), problem=error.message)
            ) from error
    else:
        contact_ids = last_contacts(conn, account_id)
    return ActivityDraft(
        account_id=account_id,
        kind=command.kind,
        occurred_at=occurred_at,
        minutes=command.minutes if command.minutes is not None else DEFAULT_MINUTES[command.kind],
        contact_ids=contact_ids,
        summary=command.summary,
        next_steps=command.next_steps or "",
        sentiment=command.sentiment or Sentiment.NEUTRAL,
    )


def _logged_words(command: LogCommand, name: str, logged: LoggedActivity) -> Message:
    """What was logged, e.g. "Logged call on Acme · task “Send deck” due 2026-12-05"."""
    parts = [
        Message.of(N_("Logged {kind} on {name}"), kind=Message.of(command.kind.word), name=name)
    ]
    if logged.task_title:
        due = logged.task_due_on
        parts.append(
            Message.of(N_(" · task “{title}” due {day}"), title=logged.task_title, day=due)
            if due
            else Message.of(N_(" · task “{title}”"), title=logged.task_title)
        )
    if logged.health_score is not None:
        parts.append(Message.of(N_(" · health {score}"), score=logged.health_score))
    return Message.of(
        "".join(f"{{p{i}}}" for i in range(len(parts))),
        **{f"p{i}": part for i, part in enumerate(parts)},
    )


_FORM_NAMES = {
    "occurred_at": "--when",
    "minutes": "--minutes",
    "summary": "--summary",
    "next_steps": "--next",
    "sentiment": "--sentiment",
    "contact_ids": "--with",
    "account_id": "account",
    "author_id": "you",
}


def timeline_result(session: Session, command: TimelineCommand, dry: bool) -> CommandResult:
    """The account's timeline (the Account screen's `4`, `f` and `enter`): every activity,
    newest first, its summary and next steps whole."""
    from csm_tui.domain.humanize import relative_time

    account = session.account(command.account)
    rows = _timeline_rows(session.conn, account.id, command)
    total = _activity_count(session.conn, account.id, command.kinds)
    kinds_text = "" if not command.kinds else " (" + ", ".join(k.value for k in command.kinds) + ")"
    shown = len(rows)
    what = Message.of(
        *Nn_("{count} activity{kinds}", "{count} activities{kinds}"),
        n=total,
        count=f"{total:,}",
        kinds=kinds_text,
    )
    message = Message.of(
        N_("Timeline of {name}: {what}"),
        name=account.name,
        what=what
        if shown == total
        else Message.of(N_("showing {shown} of {what}"), shown=f"{shown:,}", what=what),
    )
    now = session.now()
    columns = (
        Column("occurred_at", N_("When"), show=lambda t: relative_time(t, now)),
        *_TIMELINE_COLUMNS,
    )
    return CommandResult.of(
        command,
        message,
        columns=columns,
        rows=rows,
        total=total,
        account_id=account.id,
        screen="account",
    )


_TIMELINE_COLUMNS = (
    Column("kind", N_("Kind")),
    Column("minutes", N_("Minutes"), right=True),
    Column("author", N_("By")),
    Column("contacts", N_("With")),
    Column("sentiment", N_("Sentiment")),
    Column("summary", N_("Summary")),
    Column("next_steps", N_("Next steps")),
    Column("activity_id", N_("Activity")),
)


def _timeline_rows(
    conn: sqlite3.Connection, account_id: str, command: TimelineCommand
) -> tuple[tuple[Any, ...], ...]:
    """The activities, newest first, a truncated summary or next steps read whole."""
    from csm_tui.store.activity_log import load_activity, load_timeline

    kinds = set(command.kinds) if command.kinds else None
    limit = command.limit if command.limit is not None else -1  # SQLite: -1 is no limit
    rows = []
    for entry in load_timeline(conn, account_id, kinds, limit=limit):
        summary, next_steps = entry.summary_preview, entry.next_steps_preview
        if entry.truncated:
            whole = load_activity(conn, entry.id)
            if whole is not None:
                summary, next_steps = whole.summary, whole.next_steps
        rows.append(
            (
                entry.occurred_at,
                entry.kind,
                entry.minutes,
                entry.author_name,
                entry.contact_names,
                entry.sentiment,
                summary,
                next_steps,
                entry.id,
            )
        )
    return tuple(rows)


def _activity_count(
    conn: sqlite3.Connection, account_id: str, kinds: tuple[ActivityKind, ...]
) -> int:
    """How many activities the account has (of these kinds, when any are given)."""
    count: int = conn.execute(
        "SELECT count(*) FROM activities WHERE account_id = ? AND deleted_at IS NULL"
        + (" AND kind IN (" + ",".join("?" * len(kinds)) + ")" if kinds else ""),
        (account_id, *(k.value for k in kinds)),
    ).fetchone()[0]
    return count


def undo_result(session: Session, command: UndoCommand, dry: bool) -> CommandResult:
    from csm_tui.store.activity_log import ActivityNotEditable, last_log, undo_last_activity

    conn = session.conn
    me = session.need_me()
    record = last_log(conn, me)
    try:
        undone = undo_last_activity(conn, me, session.now(), session.rules)
    except ActivityNotEditable as error:
        raise CommandFailed(error.words) from error
    if undone is None or record is None:
        raise CommandFailed(
            Message.of(N_("nothing to undo: you have not logged anything here yet"))
        )
    values = {"kind": Message.of(record.kind.word), "name": record.account_name}
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(N_("Took back your {kind} on {name} and its task"), **values)
            if undone.task_id
            else Message.of(N_("Took back your {kind} on {name}"), **values),
            dry,
        ),
        columns=(
            Column("activity_id", N_("Activity")),
            Column("account", N_("Account")),
            Column("kind", N_("Kind")),
            Column("task_id", N_("Task")),
            Column("health", N_("Health"), right=True),
        ),
        rows=(
            (
                undone.activity_id,
                record.account_name,
                record.kind,
                undone.task_id,
                undone.health_score,
            ),
        ),
        account_id=undone.account_id,
    )


def amend_result(session: Session, command: AmendCommand, dry: bool) -> CommandResult:
    """The app's `E`: my last log with the fields given changed (`edit_activity`)."""
    import dataclasses

    from csm_tui.store.activity_log import (
        ActivityInvalid,
        ActivityNotEditable,
        edit_activity,
        last_log,
    )

    conn = session.conn
    me = session.need_me()
    record = last_log(conn, me)
    if record is None:
        raise CommandFailed(
            Message.of(N_("nothing to amend: you have not logged anything here yet"))
        )
    draft = dataclasses.replace(record.as_draft(), **_amended_fields(session, command))
    try:
        logged = edit_activity(conn, record.id, draft, me, session.now(), session.rules)
    except ActivityNotEditable as error:
        raise CommandFailed(error.words) from error
    except ActivityInvalid as error:
        raise CommandFailed("; ".join(e.message for e in error.errors)) from error
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("Changed your {kind} on {name}"),
                kind=Message.of(draft.kind.word),
                name=record.account_name,
            ),
            dry,
        ),
        columns=_AMEND_COLUMNS,
        rows=(
            (
                logged.activity_id,
                record.account_name,
                draft.kind,
                draft.occurred_at,
                draft.minutes,
                draft.summary,
                draft.next_steps,
                logged.task_id,
            ),
        ),
        account_id=record.account_id,
    )


_AMEND_COLUMNS = (
    Column("activity_id", N_("Activity")),
    Column("account", N_("Account")),
    Column("kind", N_("Kind")),
    Column("occurred_at", N_("When")),
    Column("minutes", N_("Minutes"), right=True),
    Column("summary", N_("Summary")),
    Column("next_steps", N_("Next steps")),
    Column("task_id", N_("Task")),
)


def _amended_fields(session: Session, command: AmendCommand) -> dict[str, Any]:
    """The fields of the log the command changes (what it does not give stays)."""
    from csm_tui.domain.dates import WhenError, parse_when

    changes: dict[str, Any] = {}
    for attr in ("kind", "summary", "minutes", "next_steps", "sentiment"):
        value = getattr(command, attr)
        if value is not None:
            changes[attr] = value
    if command.when is not None:
        try:
            changes["occurred_at"] = parse_when(command.when, session.now().astimezone())
        except WhenError as error:
            raise CommandFailed(Message.of(N_("--when: {problem}"), problem=error.words)) from error
    return changes


HANDLERS: dict[type[Command], Handler] = {
    LogCommand: log_result,
    TimelineCommand: timeline_result,
    UndoCommand: undo_result,
    AmendCommand: amend_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
