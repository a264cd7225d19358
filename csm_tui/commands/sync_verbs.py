"""The sync verbs: `sync` (push and pull), and the Sync screen's keys as verbs:
`conflicts`, `resolve`, `refused`, `retry`, `dismiss`.

The decisions are `sync.conflicts`' own (`resolve_conflict`, `retry_rejected`,
`dismiss_rejected`), the functions the Sync screen's `m` `T` `e` `r` `d` call; this module
only finds what the command names and tells what happened.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words
from csm_tui.domain.language.verb_types import (
    Command,
    ConflictChoice,
    ConflictsCommand,
    DismissCommand,
    RefusedCommand,
    ResolveCommand,
    RetryCommand,
    SyncCommand,
)
from csm_tui.i18n import N_, Message, Nn_

if TYPE_CHECKING:
    from csm_tui.sync.conflicts import Conflict, RejectedChange

_CONFLICT_COLUMNS = (
    Column("id", N_("#"), right=True),
    Column("kind", N_("Kind")),
    Column("account", N_("Account")),
    Column("fields", N_("Fields")),
    Column("mine", N_("Mine"), show=lambda v: _shown(v)),
    Column("theirs", N_("Theirs"), show=lambda v: _shown(v)),
    Column("deleted_on_server", N_("Deleted there")),
    Column("created_at", N_("When")),
    Column("resolution", N_("Resolved")),
    Column("record_id", N_("Record")),
    Column("account_id", N_("Account id")),
)

_REFUSED_COLUMNS = (
    Column("change", N_("Change")),
    Column("kind", N_("Kind")),
    Column("op", N_("Op")),
    Column("account", N_("Account")),
    Column("code", N_("Code")),
    Column("why", N_("Why")),
    Column("what", N_("What")),
    Column("record_id", N_("Record")),
    Column("account_id", N_("Account id")),
)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _account_of(conn: sqlite3.Connection, conflict: Conflict) -> tuple[str | None, str | None]:
    if conflict.kind == "account":
        account_id: str | None = conflict.record_id
    else:
        account_id = (conflict.server_record or {}).get("account_id") or conflict.local_fields.get(
            "account_id"
        )
    if account_id is None:
        return None, None
    row = conn.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return account_id, None if row is None else row[0]


def _conflict_row(conn: sqlite3.Connection, conflict: Conflict) -> tuple[Any, ...]:
    account_id, account = _account_of(conn, conflict)
    return (
        conflict.id,
        conflict.kind,
        account,
        tuple(conflict.fields),
        conflict.mine(),
        None if conflict.deleted_on_server else conflict.theirs(),
        conflict.deleted_on_server,
        conflict.created_at,
        conflict.resolution,
        conflict.record_id,
        account_id,
    )


def conflicts_result(session: Session, command: ConflictsCommand, dry: bool) -> CommandResult:
    from csm_tui.sync.conflicts import list_conflicts

    conn = session.conn
    found = list_conflicts(conn, include_resolved=command.all)
    waiting = sum(1 for c in found if c.resolved_at is None)
    message = Message.of(
        *Nn_("{count} conflict to resolve", "{count} conflicts to resolve"),
        n=waiting,
        count=f"{waiting:,}",
    )
    if command.all:
        message = Message.of(
            N_("{text} ({resolved} resolved)"), text=message, resolved=f"{len(found) - waiting:,}"
        )
    if waiting:
        message = Message.of(N_("{text} — resolve ID mine|theirs|edit"), text=message)
    return CommandResult.of(
        command,
        message,
        columns=_CONFLICT_COLUMNS,
        rows=tuple(_conflict_row(conn, c) for c in found),
        screen="sync",
    )


def resolve_result(session: Session, command: ResolveCommand, dry: bool) -> CommandResult:
    from csm_tui.sync.conflicts import ConflictError, list_conflicts, resolve_conflict

    conn = session.conn
    edited = command.edited() if command.choice is ConflictChoice.EDIT else None
    if edited is not None:
        _check_edit(conn, command.conflict, edited)
    try:
        resolve_conflict(conn, command.conflict, command.choice.value, edited, now=session.now())
    except ConflictError as error:
        raise CommandFailed(error.words) from error
    (conflict,) = [
        c for c in list_conflicts(conn, include_resolved=True) if c.id == command.conflict
    ]
    _account_id, account = _account_of(conn, conflict)
    what = Message.of(
        {
            ConflictChoice.MINE: N_("kept mine"),
            ConflictChoice.THEIRS: N_("took theirs"),
            ConflictChoice.EDIT: N_("kept the values set"),
        }[command.choice]
    )
    values = {"id": conflict.id, "kind": conflict.kind, "what": what}
    text = (
        Message.of(N_("Conflict {id} ({kind} on {account}): {what}"), account=account, **values)
        if account
        else Message.of(N_("Conflict {id} ({kind}): {what}"), **values)
    )
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=_CONFLICT_COLUMNS,
        rows=(_conflict_row(conn, conflict),),
        account_id=_account_id,
        screen="sync",
    )


def _check_edit(conn: sqlite3.Connection, conflict_id: int, edited: dict[str, Any]) -> None:
    """`edit` sets every field in conflict, and only those (as the Sync screen's form): a
    field left out would keep my value here while the server keeps theirs."""
    from csm_tui.sync.conflicts import list_conflicts

    found = [c for c in list_conflicts(conn, include_resolved=True) if c.id == conflict_id]
    if not found:
        return  # resolve_conflict says there is no such conflict
    fields = found[0].fields
    missing = [f for f in fields if f not in edited]
    extra = [f for f in edited if f not in fields]
    if missing or extra:
        problem = (
            Message.of(N_("no value for {fields}"), fields=", ".join(missing))
            if missing
            else Message.of(N_("{fields} not in conflict"), fields=", ".join(extra))
        )
        raise CommandFailed(
            Message.of(
                N_("conflict {id} is about {fields}: --set a value for each ({problem})"),
                id=conflict_id,
                fields=", ".join(fields),
                problem=problem,
            )
        )


def _refused_row(change: RejectedChange) -> tuple[Any, ...]:
    item = change.item
    return (
        item.mutation_id,
        item.kind,
        item.op,
        change.account_name,
        change.code,
        change.message,
        change.describe(),
        item.record_id,
        change.account_id,
    )


def refused_result(session: Session, command: RefusedCommand, dry: bool) -> CommandResult:
    from csm_tui.sync.conflicts import list_rejected

    found = list_rejected(session.conn)
    message = Message.of(
        *Nn_("{count} change refused by the server", "{count} changes refused by the server"),
        n=len(found),
        count=f"{len(found):,}",
    )
    if found:
        message = Message.of(N_("{text} — retry CHANGE or dismiss CHANGE"), text=message)
    return CommandResult.of(
        command,
        message,
        columns=_REFUSED_COLUMNS,
        rows=tuple(_refused_row(c) for c in found),
        screen="sync",
    )


def _find_refused(conn: sqlite3.Connection, ref: str) -> RejectedChange:
    """A refused change by its id, or a unique prefix or suffix of it."""
    from csm_tui.sync.conflicts import list_rejected

    typed = ref.strip().lower()
    found = list_rejected(conn)
    exact = [c for c in found if c.item.mutation_id.lower() == typed]
    if exact:
        return exact[0]
    hits = [
        c
        for c in found
        if c.item.mutation_id.lower().startswith(typed)
        or c.item.mutation_id.lower().endswith(typed)
    ]
    if len(hits) == 1:
        return hits[0]
    if hits:
        listing = "\n".join(f"  {c.item.mutation_id}  {c.describe()}" for c in hits[:10])
        raise CommandFailed(
            Message.of(
                N_(
                    '"{ref}" is the start or end of {n} refused changes; give more of it:'
                    "\n{listing}"
                ),
                ref=ref,
                n=len(hits),
                listing=listing,
            )
        )
    raise CommandFailed(
        Message.of(
            N_('no refused change with an id starting or ending "{ref}" (refused lists them)'),
            ref=ref,
        )
    )


def retry_result(
    session: Session, command: RetryCommand | DismissCommand, dry: bool
) -> CommandResult:
    from csm_tui.sync.conflicts import ConflictError, dismiss_rejected, retry_rejected

    conn = session.conn
    change = _find_refused(conn, command.change)
    row = _refused_row(change)
    try:
        if isinstance(command, RetryCommand):
            retry_rejected(conn, change.item.mutation_id, now=session.now())
            text = Message.of(N_("Will send again: {change}"), change=change.describe())
        else:
            dismiss_rejected(conn, change.item.mutation_id)
            text = Message.of(N_("Dismissed: {change}"), change=change.describe())
    except ConflictError as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(error.words) from error
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=_REFUSED_COLUMNS,
        rows=(row,),
        account_id=change.account_id,
        screen="sync",
    )


def sync_result(session: Session, command: SyncCommand, dry: bool) -> CommandResult:
    """Push the outbox and pull, with `csm-tui sync`'s own function (its own connection)."""
    from csm_tui.store.outbox import pending_count

    if dry:
        waiting = pending_count(session.conn)
        return CommandResult.of(
            command,
            Message.of(
                *Nn_(
                    "would push {n} pending change and pull — dry run: nothing sent",
                    "would push {n} pending changes and pull — dry run: nothing sent",
                ),
                n=waiting,
            ),
            dry_run=True,
        )
    try:
        from csm_tui.sync.engine import run_sync
    except ImportError as error:
        raise CommandFailed(
            Message.of(N_("sync is not part of this build of csm-tui yet"))
        ) from error
    report = run_sync(session.ws.db_path, session.now())
    if not report.ok:
        raise CommandFailed(report.summary())
    return CommandResult.of(command, report.summary())


HANDLERS: dict[type[Command], Handler] = {
    SyncCommand: sync_result,
    ConflictsCommand: conflicts_result,
    ResolveCommand: resolve_result,
    RefusedCommand: refused_result,
    RetryCommand: retry_result,
    DismissCommand: retry_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
