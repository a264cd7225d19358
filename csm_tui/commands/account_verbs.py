"""The Account screen's panes as verbs: `tasks`, `task take`, `contacts`, `contact`,
`notes`, and the app's `undo` (ctrl+z).

Each calls the store function its key calls (`account_tasks`, `reassign_task_to`,
`load_contacts`, `add_contact` / `update_contact`, `save_prep_note`, `undo_last_activity`),
so what a key and a command change, and queue for sync, is the same.
"""

from __future__ import annotations

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.domain.commands import (
    AmendCommand,
    ContactCommand,
    ContactsCommand,
    NotesCommand,
    TasksCommand,
    TaskTakeCommand,
    UndoCommand,
)
from csm_tui.i18n import N_, NC_, Message, Nn_

_TASK_COLUMNS = (
    Column("task_id", N_("Task")),
    Column("title", NC_("task", "Title")),
    Column("due_on", N_("Due")),
    Column("snoozed_until", N_("Snoozed until")),
    Column("done_at", N_("Done")),
    Column("owner", N_("Owner")),
    Column("account", N_("Account")),
)

_CONTACT_COLUMNS = (
    Column("name", N_("Name")),
    Column("role", N_("Role")),
    Column("title", NC_("contact field", "Title")),
    Column("email", NC_("contact field", "Email")),
    Column("phone", N_("Phone")),
    Column("contact_id", N_("Contact")),
)


def _dry(message: str, dry: bool) -> str:
    return f"{message} — dry run: nothing saved" if dry else message


def _task_row(task) -> tuple:
    return (
        task.id,
        task.title,
        task.due_on,
        task.snoozed_until,
        task.done_at,
        task.owner_name,
        task.account_name,
    )


def tasks_result(session, account, command: TasksCommand) -> CommandResult:
    from csm_tui.store.tasks import account_tasks

    tasks = account_tasks(session.conn, account.id, session.today(), include_done=command.done)
    open_count = sum(1 for t in tasks if not t.done)
    message = f"{account.name}: {open_count} open task{'s' * (open_count != 1)}"
    if command.done:
        message += f", {len(tasks) - open_count} done"
    return CommandResult(
        command,
        message,
        columns=_TASK_COLUMNS,
        rows=tuple(_task_row(t) for t in tasks),
        account_id=account.id,
        screen="account",
    )


def take_result(session, command: TaskTakeCommand, dry: bool) -> CommandResult:
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
    return CommandResult(
        command,
        _dry(
            Message.of(
                N_("Yours now: “{title}” ({name})"), title=task.title, name=task.account_name
            ),
            dry,
        ),
        columns=_TASK_COLUMNS,
        rows=(_task_row(task),),
        account_id=task.account_id,
    )


def contacts_result(session, account, command: ContactsCommand) -> CommandResult:
    from csm_tui.store.contacts import load_contacts

    people = load_contacts(session.conn, account.id)
    return CommandResult(
        command,
        Message.of(
            *Nn_("{name}: {n} contact", "{name}: {n} contacts"), name=account.name, n=len(people)
        ),
        columns=_CONTACT_COLUMNS,
        rows=tuple((c.name, c.role, c.title, c.email, c.phone, c.id) for c in people),
        account_id=account.id,
        screen="account",
    )


def contact_result(session, account, command: ContactCommand, dry: bool) -> CommandResult:
    from csm_tui.store.contacts import (
        ContactInvalid,
        ContactNotFound,
        add_contact,
        load_contact,
        update_contact,
    )
    from csm_tui.store.lookup import LookupFailed, find_contact

    conn = session.conn
    given = {
        "title": command.title,
        "email": command.email,
        "phone": command.phone,
        "role": None if command.role is None else command.role.value,
    }
    try:
        if command.edit:
            try:
                found = find_contact(conn, account.id, command.name)
            except LookupFailed as error:
                raise CommandFailed(error.words) from error
            fields = {k: v for k, v in given.items() if v is not None}
            if command.new_name is not None:
                fields["name"] = command.new_name
            if not fields:
                raise CommandFailed(
                    Message.of(N_("say what changes: --name, --title, --email, --phone or --role"))
                )
            contact = update_contact(conn, found.id, now=session.now(), **fields)
            text = Message.of(
                N_("Changed {contact} ({name})"), contact=contact.name, name=account.name
            )
        else:
            contact_id = add_contact(
                conn,
                account.id,
                command.name,
                given["title"] or "",
                given["email"] or "",
                given["phone"] or "",
                given["role"] or "user",
                session.now(),
            )
            contact = load_contact(conn, contact_id)
            text = Message.of(
                N_("Added {contact} ({role}) to {name}"),
                contact=contact.name,
                role=contact.role.value,
                name=account.name,
            )
    except ContactInvalid as error:
        raise CommandFailed(error.words) from error
    except ContactNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(error.words) from error
    return CommandResult(
        command,
        _dry(text, dry),
        columns=_CONTACT_COLUMNS,
        rows=(
            (contact.name, contact.role, contact.title, contact.email, contact.phone, contact.id),
        ),
        account_id=account.id,
    )


def notes_result(session, account, command: NotesCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.prep import PrepNoteTooLong
    from csm_tui.store.prep import load_prep_note, save_prep_note

    conn = session.conn
    before = load_prep_note(conn, account.id)
    if command.set is None and command.append is None:
        return CommandResult(
            command,
            Message.of(N_("Prep notes on {name}"), name=account.name)
            if before
            else Message.of(N_("Prep notes on {name}: none yet"), name=account.name),
            columns=(Column("account", N_("Account")), Column("notes", N_("Notes"))),
            rows=((account.name, before),),
            text=before,
            account_id=account.id,
            show_table=False,
        )
    if command.set is not None:
        body = command.set
    else:
        body = before + ("" if not before or before.endswith("\n") else "\n") + command.append
    try:
        saved = save_prep_note(conn, account.id, body, session.now())
    except PrepNoteTooLong as error:
        raise CommandFailed(error.words) from error
    text = Message.of(
        N_("Prep notes on {name} saved") if saved else N_("Prep notes on {name} unchanged"),
        name=account.name,
    )
    return CommandResult(
        command,
        _dry(text, dry),
        columns=(Column("account", N_("Account")), Column("notes", N_("Notes"))),
        rows=((account.name, body),),
        text=body,
        account_id=account.id,
        show_table=False,
    )


def undo_result(session, command: UndoCommand, dry: bool) -> CommandResult:
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
    return CommandResult(
        command,
        _dry(
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


def amend_result(session, command: AmendCommand, dry: bool) -> CommandResult:
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
        raise CommandFailed(error.words) from error
    except ActivityInvalid as error:
        raise CommandFailed("; ".join(e.message for e in error.errors)) from error
    return CommandResult(
        command,
        _dry(
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
