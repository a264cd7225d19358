"""The executor's public session API: what every verb module runs a command with.

A `Session` is one run (a command or a script) on a workspace: its connection, who "me"
is, the clock, the tier rules, account lookup (`session.account(ref)`) and the files that
wait for the commit (`session.defer_file`). `dry_run_words` marks a result's message when
nothing was saved; `file_target` checks where a file will go; `money` prints an amount.

A verb module is a set of handlers `(session, command, dry) -> CommandResult`; `run.py`
maps each command class to its handler and runs it inside the right transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from csm_tui.commands.results import Change, CommandFailed, CommandResult
from csm_tui.domain.language.verb_types import Command, ExportCommand, PrepCommand
from csm_tui.i18n import N_, Message

if TYPE_CHECKING:
    from csm_tui.domain.tiers import TierRules
    from csm_tui.store.lookup import Named
    from csm_tui.workspace import Workspace

C = TypeVar("C", bound=Command)
Handler = Callable[["Session", Any, bool], CommandResult]
"""What runs one kind of command: (session, command, dry) -> result."""


@dataclass
class DeferredFile:
    """A file that is written after the commit."""

    path: Path
    write: Callable[[], Any]


class Session:
    """One run (a command or a script) on a workspace."""

    def __init__(self, workspace: Workspace, dry_run: bool) -> None:
        self.ws = workspace
        self.dry_run = dry_run
        self.deferred: list[DeferredFile] = []
        self._me: str | None = None
        self._me_read = False
        # The command running adds to the accounts it names (a log, a note, a renewal…): an
        # account this user may not write is refused as it is named (`store.ownership`).
        self.adding = False

    @property
    def conn(self) -> sqlite3.Connection:
        return self.ws.conn

    @property
    def me(self) -> str | None:
        if not self._me_read:
            self._me = self.ws.meta("me")
            self._me_read = True
        return self._me

    def need_me(self) -> str:
        """Who is signed in; `CommandFailed` when the cache does not know."""
        me = self.me
        if me is None:
            raise CommandFailed(
                Message.of(
                    N_("this cache does not know who you are: sign in first (csm-tui login)")
                )
            )
        return me

    @property
    def rules(self) -> TierRules:
        return self.ws.settings.tier_rules

    def now(self) -> datetime:
        return self.ws.now()

    def today(self) -> date:
        return self.ws.today()

    def account(self, ref: str) -> Named:
        """The account `ref` names (exact name, a unique prefix, or an id); `CommandFailed`
        naming the candidates when it is not one account."""
        from csm_tui.store.lookup import LookupFailed, find_account

        try:
            found = find_account(self.conn, ref)
        except LookupFailed as error:
            raise CommandFailed(error.words) from error
        if self.adding:
            from csm_tui.store.ownership import write_refusal_in

            why = write_refusal_in(self.conn, found.id, self.me)
            if why is not None:
                raise CommandFailed(why)
        return found

    def defer_file(self, path: Path, write: Callable[[], Any], dry: bool) -> None:
        """Write a file after the commit (never in a dry run)."""
        if not dry:
            self.deferred.append(DeferredFile(path, write))

    def finish(self) -> None:
        """After the commit: write the files."""
        for item in self.deferred:
            item.write()
        self.deferred.clear()


def file_target(path_text: str) -> Path:
    """Where a file will go; refused now (at its line) when it cannot be written there."""
    target = Path(path_text).expanduser()
    if target.is_dir():
        raise CommandFailed(
            Message.of(N_("cannot write {file}: it is a folder; add a file name"), file=str(target))
        )
    if not target.parent.is_dir():
        raise CommandFailed(
            Message.of(
                N_("cannot write {file}: the folder {folder} does not exist"),
                file=str(target),
                folder=str(target.parent),
            )
        )
    return target


@overload
def dry_run_words(message: Message, dry: bool) -> Message: ...
@overload
def dry_run_words(message: str, dry: bool) -> str: ...
def dry_run_words(message: str | Message, dry: bool) -> str | Message:
    """`message`, marked "dry run: nothing saved" when `dry`."""
    if isinstance(message, Message):
        return (
            Message.of(N_("{message} — dry run: nothing saved"), message=message)
            if dry
            else message
        )
    return f"{message} — dry run: nothing saved" if dry else message


def money(value: Any, currency: str = "USD") -> str:
    """An amount as the tables print it; "" for none."""
    from csm_tui.domain.humanize import format_money

    return "" if value is None else format_money(value, currency)


def writes(command: Command) -> bool:
    """Does it write (the cache or a file)? Then it runs inside a write batch."""
    return (
        command.writes
        or isinstance(command, ExportCommand)
        or (isinstance(command, PrepCommand) and command.export is not None)
    )


def outbox_seq(conn: sqlite3.Connection) -> int:
    """The last outbox entry's number (0 when there is none)."""
    seq: int = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    return seq


def changes_since(conn: sqlite3.Connection, seq: int) -> tuple[Change, ...]:
    """The outbox entries queued after `seq`: what a command changed."""
    rows = conn.execute(
        "SELECT kind, op, record_id FROM outbox WHERE seq > ? ORDER BY seq", (seq,)
    ).fetchall()
    return tuple(Change(r[0], r[1], r[2]) for r in rows)
