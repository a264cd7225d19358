"""Carry out parsed commands on a workspace: `run_command` for one, `run_script` for many.

Writes go through the same store functions the TUI calls (`log_activity`, `set_item_done`,
`advance_stage`, `add_task`, `complete_task`, `reassign_account`, …), so they queue the
same outbox entries and sync the same way.

Transactions
    A command that writes runs inside `store.transaction.write_batch` (one SQLite
    transaction; each store write inside it is a savepoint). A script runs whole inside
    one batch: if line 7 fails, lines 1–6 are rolled back with it and nothing changes. A
    dry run (`dry_run=True`, or `--dry-run` on the command) runs everything the same way
    and rolls back at the end, so it reports exactly what would change — the outbox entries
    it would queue, the files it would write — and changes nothing.
Files and sync
    happen after the commit (a file written for line 3 of a script that fails at line 7
    would be a change the rollback cannot take back): the target folder is checked when the
    line runs, the file is written once everything is saved. `sync` talks to the server on
    its own connection after the commit, so in a script it must be the last command.
Errors
    `CommandFailed` (one command) and `ScriptError` (a line of a script) carry a message
    for the user; nothing was changed when they are raised before the commit.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.commands.results import CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, changes_since, outbox_seq, writes
from csm_tui.domain.language.filters import QueryError
from csm_tui.domain.language.verb_types import (
    AmendCommand,
    AssignCommand,
    BacktestCommand,
    CheckCommand,
    Command,
    ConflictsCommand,
    ContactCommand,
    ContactsCommand,
    CoverageCommand,
    DismissCommand,
    ExportCommand,
    FilterCommand,
    HelpCommand,
    ImportCommand,
    LogCommand,
    NotesCommand,
    OpenCommand,
    PrepCommand,
    ReferenceCommand,
    RefusedCommand,
    RenewalCommand,
    ResolveCommand,
    RetryCommand,
    SnoozeCommand,
    StageCommand,
    SyncCommand,
    TaskCommand,
    TaskDoneCommand,
    TasksCommand,
    TaskTakeCommand,
    TierCommand,
    TimelineCommand,
    TodayCommand,
    UndoCommand,
)
from csm_tui.domain.language.verbs import parse_command
from csm_tui.i18n import N_, Message

if TYPE_CHECKING:
    from csm_tui.workspace import Workspace


def handler_for(kind: type[Command]) -> Handler | None:
    """The handler that runs commands of `kind`: its verb family's module is imported the
    first time one of its commands runs, so the shell starts with only what it runs."""
    return _family(kind).get(kind)


def _family(kind: type[Command]) -> dict[type[Command], Handler]:
    """The verb family's handlers (`HANDLERS` of its module)."""
    if issubclass(kind, FilterCommand):
        from csm_tui.commands import portfolio

        return portfolio.HANDLERS
    if issubclass(kind, OpenCommand | PrepCommand | AssignCommand | ContactsCommand
                    | ContactCommand | NotesCommand):  # fmt: skip
        from csm_tui.commands import accounts

        return accounts.HANDLERS
    if issubclass(kind, LogCommand | TimelineCommand | UndoCommand | AmendCommand):
        from csm_tui.commands import log

        return log.HANDLERS
    if issubclass(kind, CheckCommand | StageCommand):
        from csm_tui.commands import checklist

        return checklist.HANDLERS
    if issubclass(kind, TaskCommand | TaskDoneCommand | TaskTakeCommand | TasksCommand
                    | SnoozeCommand):  # fmt: skip
        from csm_tui.commands import tasks

        return tasks.HANDLERS
    if issubclass(kind, TodayCommand):
        from csm_tui.commands import today

        return today.HANDLERS
    if issubclass(kind, HelpCommand):
        from csm_tui.commands import help as help_verb

        return help_verb.HANDLERS
    if issubclass(kind, CoverageCommand):
        from csm_tui.commands import coverage

        return coverage.HANDLERS
    if issubclass(kind, BacktestCommand):
        from csm_tui.commands import backtest

        return backtest.HANDLERS
    if issubclass(kind, ExportCommand | ImportCommand):
        from csm_tui.commands import transfer

        return transfer.HANDLERS
    if issubclass(kind, RenewalCommand | TierCommand | ReferenceCommand):
        from csm_tui.commands import renewals

        return renewals.HANDLERS
    if issubclass(kind, SyncCommand | ConflictsCommand | ResolveCommand | RefusedCommand
                    | RetryCommand | DismissCommand):  # fmt: skip
        from csm_tui.commands import sync_verbs

        return sync_verbs.HANDLERS
    return {}


class ScriptError(Exception):
    """A line of a script failed; nothing of the script was saved unless `saved` says so."""

    def __init__(
        self,
        line: int,
        text: str,
        reason: str,
        position: int | None = None,
        *,
        saved: bool = False,
        english: str | None = None,
    ) -> None:
        super().__init__(f"{line}: {reason}")
        self.line = line
        self.text = text
        self.reason = reason  # in the interface language
        self.english = reason if english is None else english  # for --format json
        self.position = position  # the column (0-based) the reason points at, if any
        self.saved = saved  # the script's changes were committed before this failed


# ----------------------------------------------------------------------------- a run


def execute(session: Session, command: Command) -> CommandResult:
    """Run `command`; a writing one must be inside a `write_batch` (its own savepoint,
    rolled back when it fails or asks for a dry run)."""
    from csm_tui.store.transaction import in_batch

    dry = session.dry_run or bool(getattr(command, "dry_run", False))
    conn = session.conn
    if not writes(command):
        return _handled(session, command, dry)
    before = outbox_seq(conn)
    if not in_batch(conn):  # an import alone: it is all or nothing (and dry) by itself
        result = _handled(session, command, dry)
        return dataclasses.replace(result, changes=changes_since(conn, before), dry_run=dry)
    conn.execute("SAVEPOINT csm_command")
    try:
        result = _handled(session, command, dry)
        changes = changes_since(conn, before)
    except BaseException:
        conn.execute("ROLLBACK TO csm_command")
        conn.execute("RELEASE csm_command")
        raise
    if dry:
        conn.execute("ROLLBACK TO csm_command")
    conn.execute("RELEASE csm_command")
    return dataclasses.replace(result, changes=changes, dry_run=dry)


def _handled(session: Session, command: Command, dry: bool) -> CommandResult:
    """Run the command's handler; what the store refuses with a message for the user (a
    record that is not there, a file that cannot be read or written) becomes
    `CommandFailed`."""
    handler = handler_for(type(command))
    if handler is None:  # pragma: no cover - every command class has a handler
        raise CommandFailed(Message.of(N_("{verb} cannot be run here"), verb=command.verb))
    # (a lead's `assign` moves a team account: that is theirs to do, the rest is not)
    session.adding = command.writes and not isinstance(command, AssignCommand)
    try:
        return handler(session, command, dry)
    except CommandFailed:
        raise
    except (KeyError, IndexError):  # a bug, not a refusal: let it show
        raise
    except (LookupError, OSError) as error:
        raise CommandFailed(str(error) or type(error).__name__) from error


def run_command(workspace: Workspace, command: Command, *, dry_run: bool = False) -> CommandResult:
    """Carry out one command (see the module doc). Raises `CommandFailed`; nothing is
    written then."""
    from csm_tui.store.transaction import write_batch

    session = Session(workspace, dry_run)
    if isinstance(command, SyncCommand):
        from csm_tui.commands.sync_verbs import sync_result

        return sync_result(session, command, dry_run)
    if not writes(command) or isinstance(command, ImportCommand):
        return execute(session, command)
    dry = dry_run or bool(getattr(command, "dry_run", False))
    with write_batch(workspace.conn, commit=not dry):
        result = execute(session, command)
    try:
        session.finish()
    except OSError as error:
        raise CommandFailed(
            Message.of(N_("{error} (the cache changes were saved)"), error=str(error))
        ) from error
    return result


def run_text(workspace: Workspace, text: str, *, dry_run: bool = False) -> CommandResult:
    """Parse and run one command line. Raises `QueryError` (a `CommandError`) or
    `CommandFailed`."""
    return run_command(workspace, parse_command(text), dry_run=dry_run)


# ----------------------------------------------------------------------------- a script


def script_lines(text: str) -> list[tuple[int, str]]:
    """The commands of a script: (line number, text); blank lines and `#` comments skipped.

    Lines end at a line feed only (a summary may hold other separators); a trailing carriage
    return is dropped."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((number, line))
    return out


_Parsed = list[tuple[int, str, Command]]


def run_script(
    workspace: Workspace, lines: Sequence[tuple[int, str]], *, dry_run: bool = False
) -> list[CommandResult]:
    """Run the lines as one all-or-nothing transaction (see the module doc).

    Every line is parsed before any runs. Raises `ScriptError` naming the first line that
    fails; the cache is then as it was before the script (unless `saved` is set: only
    writing a file or the closing `sync` failed, after everything else was saved).
    """
    parsed = _parse_script(lines)
    if len(parsed) == 1 and not isinstance(parsed[0][2], SyncCommand):
        number, text, command = parsed[0]
        try:  # one command: its own transaction (an import checks a bad file in its own)
            return [run_command(workspace, command, dry_run=dry_run)]
        except CommandFailed as error:
            raise ScriptError(number, text, error.message, english=error.english) from error
    session = Session(workspace, dry_run)
    last = parsed[-1][2] if parsed else None
    closing_sync = last if isinstance(last, SyncCommand) else None
    body = parsed[:-1] if closing_sync is not None else parsed
    results = _run_body(session, body)
    saved = not dry_run and any(writes(c) for _n, _t, c in body)
    for item in session.deferred:
        try:
            item.write()
        except OSError as error:
            number, text = _line_of_file(parsed, item.path)
            raise ScriptError(number, text, f"{error}", saved=saved) from error
    if closing_sync is not None:
        from csm_tui.commands.sync_verbs import sync_result

        number, text, _command = parsed[-1]
        try:
            results.append(sync_result(session, closing_sync, dry_run))
        except CommandFailed as error:
            raise ScriptError(
                number, text, error.message, saved=saved, english=error.english
            ) from error
    return results


def _parse_script(lines: Sequence[tuple[int, str]]) -> _Parsed:
    """Every line read, before any runs; `sync` only as the last."""
    parsed: _Parsed = []
    for number, text in lines:
        try:
            parsed.append((number, text, parse_command(text)))
        except QueryError as error:
            raise ScriptError(
                number, text, str(error), error.position, english=error.english()
            ) from error
    for index, (number, text, command) in enumerate(parsed):
        if isinstance(command, SyncCommand) and index != len(parsed) - 1:
            words = Message.of(
                N_(
                    "sync must be the last command of a script: it sends what the lines "
                    "before it saved"
                )
            )
            raise ScriptError(number, text, words.render(), english=words.english())
    return parsed


def _run_body(session: Session, body: _Parsed) -> list[CommandResult]:
    """The script's lines in one write batch (when any writes), committed unless dry."""
    from csm_tui.store.transaction import write_batch

    batch = (
        write_batch(session.conn, commit=not session.dry_run)
        if any(writes(c) for _n, _t, c in body)
        else contextlib.nullcontext()
    )
    results: list[CommandResult] = []
    with batch:
        for number, text, command in body:
            try:
                results.append(execute(session, command))
            except CommandFailed as error:
                raise ScriptError(number, text, error.message, english=error.english) from error
    return results


def _line_of_file(parsed: _Parsed, path: Path) -> tuple[int, str]:
    for number, text, command in parsed:
        target = getattr(command, "export", None) or getattr(command, "out", None)
        if target is not None and Path(target).expanduser() == path:
            return number, text
    return parsed[-1][0], parsed[-1][1]  # pragma: no cover
