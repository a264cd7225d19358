"""Log an activity: `log`, the account's `timeline`, and `amend` / `undo` of your last log
(the app's `E` and ctrl+z) — through `store.activity_log`, as the log form does."""

from __future__ import annotations

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Session, dry_run_words
from csm_tui.domain.language.verb_types import (
    AmendCommand,
    LogCommand,
    TimelineCommand,
    UndoCommand,
)
from csm_tui.i18n import N_, Message, Nn_


def log_result(session: Session, command: LogCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.dates import WhenError, parse_when
    from csm_tui.domain.language.verb_options import DEFAULT_MINUTES
    from csm_tui.domain.records import Sentiment
    from csm_tui.store.activity_log import ActivityInvalid, last_contacts, log_activity
    from csm_tui.store.lookup import LookupFailed, find_contact

    conn = session.conn
    account = session.account(command.account)
    me = session.need_me()
    now = session.now()
    local_now = now.astimezone()
    if command.when is None:
        occurred_at = local_now.replace(second=0, microsecond=0)  # as the form's "now"
    else:
        try:
            occurred_at = parse_when(command.when, local_now)
        except WhenError as error:
            raise CommandFailed(Message.of(N_("--when: {problem}"), problem=error.words)) from error
    if command.contacts:
        try:
            contact_ids = tuple(find_contact(conn, account.id, c).id for c in command.contacts)
        except LookupFailed as error:
            raise CommandFailed(
                Message.of(N_("--with: {problem}"), problem=error.message)
            ) from error
    else:
        contact_ids = last_contacts(conn, account.id)
    minutes = command.minutes if command.minutes is not None else DEFAULT_MINUTES[command.kind]
    draft = ActivityDraft(
        account_id=account.id,
        kind=command.kind,
        occurred_at=occurred_at,
        minutes=minutes,
        contact_ids=contact_ids,
        summary=command.summary,
        next_steps=command.next_steps or "",
        sentiment=command.sentiment or Sentiment.NEUTRAL,
    )
    try:
        logged = log_activity(conn, draft, me, now, session.rules)
    except ActivityInvalid as error:
        raise CommandFailed("; ".join(f"{_FORM_NAMES.get(e.field, e.field)}: {e.message}"
                                      for e in error.errors)) from error  # fmt: skip
    parts = [
        Message.of(
            N_("Logged {kind} on {name}"), kind=Message.of(command.kind.word), name=account.name
        )
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
    text = Message.of(
        "".join(f"{{p{i}}}" for i in range(len(parts))),
        **{f"p{i}": part for i, part in enumerate(parts)},
    )
    return CommandResult(
        command,
        dry_run_words(text, dry),
        columns=(
            Column("activity_id", N_("Activity")),
            Column("account", N_("Account")),
            Column("kind", N_("Kind")),
            Column("occurred_at", N_("When")),
            Column("minutes", N_("Minutes"), right=True),
            Column("task_id", N_("Task")),
            Column("task_due_on", N_("Due")),
            Column("health", N_("Health"), right=True),
        ),
        rows=(
            (
                logged.activity_id,
                account.name,
                command.kind.value,
                occurred_at,
                minutes,
                logged.task_id,
                logged.task_due_on,
                logged.health_score,
            ),
        ),
        account_id=account.id,
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
    from csm_tui.store.activity_log import load_activity, load_timeline

    account = session.account(command.account)
    conn = session.conn
    kinds = set(command.kinds) if command.kinds else None
    limit = command.limit if command.limit is not None else -1  # SQLite: -1 is no limit
    entries = load_timeline(conn, account.id, kinds, limit=limit)
    total = conn.execute(
        "SELECT count(*) FROM activities WHERE account_id = ? AND deleted_at IS NULL"
        + (" AND kind IN (" + ",".join("?" * len(command.kinds)) + ")" if command.kinds else ""),
        (account.id, *(k.value for k in command.kinds)),
    ).fetchone()[0]
    rows = []
    for entry in entries:
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
    now = session.now()
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
    return CommandResult(
        command,
        message,
        columns=(
            Column("occurred_at", N_("When"), show=lambda t: relative_time(t, now)),
            Column("kind", N_("Kind")),
            Column("minutes", N_("Minutes"), right=True),
            Column("author", N_("By")),
            Column("contacts", N_("With")),
            Column("sentiment", N_("Sentiment")),
            Column("summary", N_("Summary")),
            Column("next_steps", N_("Next steps")),
            Column("activity_id", N_("Activity")),
        ),
        rows=tuple(rows),
        total=total,
        account_id=account.id,
        screen="account",
    )


def undo_result(session: Session, command: UndoCommand, dry: bool) -> CommandResult:
    from csm_tui.store.activity_log import ActivityNotEditable, last_log, undo_last_activity

    conn = session.conn
    me = session.need_me()
    record = last_log(conn, me)
    try:
        undone = undo_last_activity(conn, me, session.now(), session.rules)
    except ActivityNotEditable as error:
        raise CommandFailed(str(error)) from error
    if undone is None or record is None:
        raise CommandFailed(
            Message.of(N_("nothing to undo: you have not logged anything here yet"))
        )
    values = {"kind": Message.of(record.kind.word), "name": record.account_name}
    return CommandResult(
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

    from csm_tui.domain.dates import WhenError, parse_when
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
    changes: dict = {}
    for attr in ("kind", "summary", "minutes", "next_steps", "sentiment"):
        value = getattr(command, attr)
        if value is not None:
            changes[attr] = value
    if command.when is not None:
        try:
            changes["occurred_at"] = parse_when(command.when, session.now().astimezone())
        except WhenError as error:
            raise CommandFailed(Message.of(N_("--when: {problem}"), problem=error.words)) from error
    draft = dataclasses.replace(record.as_draft(), **changes)
    try:
        logged = edit_activity(conn, record.id, draft, me, session.now(), session.rules)
    except ActivityNotEditable as error:
        raise CommandFailed(str(error)) from error
    except ActivityInvalid as error:
        raise CommandFailed("; ".join(e.message for e in error.errors)) from error
    return CommandResult(
        command,
        dry_run_words(
            Message.of(
                N_("Changed your {kind} on {name}"),
                kind=Message.of(draft.kind.word),
                name=record.account_name,
            ),
            dry,
        ),
        columns=(
            Column("activity_id", N_("Activity")),
            Column("account", N_("Account")),
            Column("kind", N_("Kind")),
            Column("occurred_at", N_("When")),
            Column("minutes", N_("Minutes"), right=True),
            Column("summary", N_("Summary")),
            Column("next_steps", N_("Next steps")),
            Column("task_id", N_("Task")),
        ),
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
