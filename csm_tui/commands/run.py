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
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Change, Column, CommandFailed, CommandResult
from csm_tui.domain.commands import (
    USAGE,
    VERBS,
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
    parse_command,
)
from csm_tui.domain.query import QueryError
from csm_tui.i18n import N_, NC_, Message, Nn_, _

if TYPE_CHECKING:
    from csm_tui.workspace import Workspace


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


@dataclass
class _Deferred:
    """Work that waits for the commit: writing a file."""

    path: Path
    write: Callable[[], Any]


class _Session:
    """One run (a command or a script) on a workspace."""

    def __init__(self, workspace: Workspace, dry_run: bool) -> None:
        self.ws = workspace
        self.dry_run = dry_run
        self.deferred: list[_Deferred] = []
        self._me: str | None = None
        self._me_read = False

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
        me = self.me
        if me is None:
            raise CommandFailed(
                Message.of(
                    N_("this cache does not know who you are: sign in first (csm-tui login)")
                )
            )
        return me

    @property
    def rules(self):
        return self.ws.settings.tier_rules

    def now(self) -> datetime:
        return self.ws.now()

    def today(self) -> date:
        return self.ws.today()

    # -- running ------------------------------------------------------------------------

    def execute(self, command: Command) -> CommandResult:
        """Run `command`; a writing one must be inside a `write_batch` (its own savepoint,
        rolled back when it fails or asks for a dry run)."""
        handler = _HANDLERS.get(type(command))
        if handler is None:  # pragma: no cover - every command class has a handler
            raise CommandFailed(Message.of(N_("{verb} cannot be run here"), verb=command.verb))
        from csm_tui.store.transaction import in_batch

        dry = self.dry_run or bool(getattr(command, "dry_run", False))
        conn = self.conn
        if not _writes(command):
            return _handled(handler, self, command, dry)
        before = _outbox_seq(conn)
        if not in_batch(conn):  # an import alone: it is all or nothing (and dry) by itself
            result = _handled(handler, self, command, dry)
            return dataclasses.replace(result, changes=_changes_since(conn, before), dry_run=dry)
        conn.execute("SAVEPOINT csm_command")
        try:
            result = _handled(handler, self, command, dry)
            changes = _changes_since(conn, before)
        except BaseException:
            conn.execute("ROLLBACK TO csm_command")
            conn.execute("RELEASE csm_command")
            raise
        if dry:
            conn.execute("ROLLBACK TO csm_command")
        conn.execute("RELEASE csm_command")
        return dataclasses.replace(result, changes=changes, dry_run=dry)

    def defer_file(self, path: Path, write: Callable[[], Any], dry: bool) -> None:
        if not dry:
            self.deferred.append(_Deferred(path, write))

    def finish(self) -> None:
        """After the commit: write the files."""
        for item in self.deferred:
            item.write()
        self.deferred.clear()


def _handled(handler, session: _Session, command: Command, dry: bool) -> CommandResult:
    """Run a handler; what the store refuses with a message for the user (a record that is
    not there, a file that cannot be read or written) becomes `CommandFailed`."""
    try:
        return handler(session, command, dry)
    except CommandFailed:
        raise
    except (KeyError, IndexError):  # a bug, not a refusal: let it show
        raise
    except (LookupError, OSError) as error:
        raise CommandFailed(str(error) or type(error).__name__) from error


def _writes(command: Command) -> bool:
    """Does it write (the cache or a file)? Then it runs inside a write batch."""
    return (
        command.writes
        or isinstance(command, ExportCommand)
        or (isinstance(command, PrepCommand) and command.export is not None)
    )


def _outbox_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def _changes_since(conn: sqlite3.Connection, seq: int) -> tuple[Change, ...]:
    rows = conn.execute(
        "SELECT kind, op, record_id FROM outbox WHERE seq > ? ORDER BY seq", (seq,)
    ).fetchall()
    return tuple(Change(r[0], r[1], r[2]) for r in rows)


def run_command(workspace: Workspace, command: Command, *, dry_run: bool = False) -> CommandResult:
    """Carry out one command (see the module doc). Raises `CommandFailed`; nothing is
    written then."""
    from csm_tui.store.transaction import write_batch

    session = _Session(workspace, dry_run)
    if isinstance(command, SyncCommand):
        return _sync(session, command, dry_run)
    if not _writes(command) or isinstance(command, ImportCommand):
        return session.execute(command)
    dry = dry_run or bool(getattr(command, "dry_run", False))
    with write_batch(workspace.conn, commit=not dry):
        result = session.execute(command)
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


def run_script(
    workspace: Workspace, lines: Sequence[tuple[int, str]], *, dry_run: bool = False
) -> list[CommandResult]:
    """Run the lines as one all-or-nothing transaction (see the module doc).

    Every line is parsed before any runs. Raises `ScriptError` naming the first line that
    fails; the cache is then as it was before the script (unless `saved` is set: only
    writing a file or the closing `sync` failed, after everything else was saved).
    """
    from csm_tui.store.transaction import write_batch

    parsed: list[tuple[int, str, Command]] = []
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
    if len(parsed) == 1 and not isinstance(parsed[0][2], SyncCommand):
        number, text, command = parsed[0]
        try:  # one command: its own transaction (an import checks a bad file in its own)
            return [run_command(workspace, command, dry_run=dry_run)]
        except CommandFailed as error:
            raise ScriptError(number, text, error.message, english=error.english) from error
    session = _Session(workspace, dry_run)
    results: list[CommandResult] = []
    closing_sync = parsed[-1] if parsed and isinstance(parsed[-1][2], SyncCommand) else None
    body = parsed[:-1] if closing_sync else parsed
    batch = (
        write_batch(workspace.conn, commit=not dry_run)
        if any(_writes(c) for _n, _t, c in body)
        else contextlib.nullcontext()
    )
    with batch:
        for number, text, command in body:
            try:
                results.append(session.execute(command))
            except CommandFailed as error:
                raise ScriptError(number, text, error.message, english=error.english) from error
    saved = not dry_run and any(_writes(c) for _n, _t, c in body)
    for item in session.deferred:
        try:
            item.write()
        except OSError as error:
            number, text = _line_of_file(parsed, item.path)
            raise ScriptError(number, text, f"{error}", saved=saved) from error
    if closing_sync is not None:
        number, text, command = closing_sync
        try:
            results.append(_sync(session, command, dry_run))
        except CommandFailed as error:
            raise ScriptError(
                number, text, error.message, saved=saved, english=error.english
            ) from error
    return results


def _line_of_file(parsed: list[tuple[int, str, Command]], path: Path) -> tuple[int, str]:
    for number, text, command in parsed:
        target = getattr(command, "export", None) or getattr(command, "out", None)
        if target is not None and Path(target).expanduser() == path:
            return number, text
    return parsed[-1][0], parsed[-1][1]  # pragma: no cover


# ----------------------------------------------------------------------------- helpers


def _account(session: _Session, ref: str):
    from csm_tui.store.lookup import LookupFailed, find_account

    try:
        return find_account(session.conn, ref)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error


def _file_target(path_text: str) -> Path:
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


def _dry(message: str | Message, dry: bool) -> str | Message:
    if isinstance(message, Message):
        return (
            Message.of(N_("{message} — dry run: nothing saved"), message=message)
            if dry
            else message
        )
    return f"{message} — dry run: nothing saved" if dry else message


# ----------------------------------------------------------------------------- reads


def _money(value: Any, currency: str = "USD") -> str:
    from csm_tui.domain.humanize import format_money

    return "" if value is None else format_money(value, currency)


def _portfolio_columns(session: _Session) -> tuple[Column, ...]:
    from csm_tui.domain.humanize import never, relative_day, relative_time

    today, now = session.today(), session.now()
    return (
        Column("name", N_("Account")),
        Column("tier", N_("Tier")),
        Column("health", N_("Health"), right=True),
        Column("arr_usd", N_("ARR (USD)"), right=True, show=_money),
        Column("stage", N_("Stage")),
        Column(
            "renewal",
            N_("Renewal"),
            show=lambda d: "" if d is None else relative_day(d, today),
        ),
        Column(
            "last_touch",
            N_("Last touch"),
            show=lambda t: never() if t is None else relative_time(t, now),
        ),
        Column("owner", N_("Owner")),
        Column("id", N_("Id")),
    )


def portfolio_rows(session_or_ws, flt, sort, limit: int | None):
    """(rows, total) of the portfolio for a filter, in the sort's order."""
    from csm_tui.domain.query import PortfolioSort
    from csm_tui.store.portfolio import PortfolioQuery

    ws = session_or_ws.ws if isinstance(session_or_ws, _Session) else session_or_ws
    query = PortfolioQuery(
        ws.conn,
        flt,
        sort or PortfolioSort.TIER_HEALTH,
        ws.today(),
        ws.meta("me"),
        ws.settings.tier_rules,
        zone=ws.zone,
    )
    total = query.count()
    wanted = total if limit is None else min(limit, total)
    rows = query.window(0, wanted) if wanted else []
    out = tuple(
        (
            r.name,
            r.tier,
            r.health_score,
            r.arr_usd,
            r.stage,
            r.renewal_date,
            r.last_touch_at,
            r.owner_name,
            r.id,
        )
        for r in rows
    )
    return out, total


def _filter(session: _Session, command: FilterCommand, dry: bool) -> CommandResult:
    rows, total = portfolio_rows(session, command.filter, command.sort, command.limit)
    shown = len(rows)
    message = (
        Message.of(*Nn_("{count} account", "{count} accounts"), n=total, count=f"{total:,}")
        if shown == total
        else Message.of(
            *Nn_("showing {shown} of {count} account", "showing {shown} of {count} accounts"),
            n=total,
            shown=f"{shown:,}",
            count=f"{total:,}",
        )
    )
    return CommandResult(
        command,
        message,
        columns=_portfolio_columns(session),
        rows=rows,
        total=total,
        screen="portfolio",
    )


def _open(session: _Session, command: OpenCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.cadence import touch_status
    from csm_tui.domain.humanize import relative_day
    from csm_tui.store.accounts import AccountNotFound, load_account_facts

    found = _account(session, command.account)
    try:
        facts = load_account_facts(session.conn, found.id, session.now(), session.rules)
    except AccountNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(Message.of(N_("that account is no longer in the cache"))) from error
    today = session.today()
    touch = touch_status(
        facts.tier, facts.last_touch_at, session.now(), session.rules, zone=session.ws.zone
    )
    renewal = facts.renewal_date
    pairs: list[tuple[str, Any, str | None]] = [
        ("name", facts.name, None),
        ("id", facts.id, None),
        ("tier", facts.tier.value, facts.tier_assignment.why),
        ("stage", facts.stage, None),
        ("health", facts.health_score, None),
        ("health_30d_ago", facts.health_score_30d, None),
        ("arr", facts.arr, _money(facts.arr, facts.currency)),
        ("currency", facts.currency, None),
        ("arr_usd", facts.arr_usd, _money(facts.arr_usd)),
        ("renewal", renewal, None if renewal is None else relative_day(renewal, today)),
        ("last_touch", facts.last_touch_at, touch.why),
        ("owner", facts.owner_name, None),
        ("segment", facts.segment, None),
        ("industry", facts.industry, None),
        ("seats", facts.seats, None),
        ("motion", facts.sales_motion.value, facts.sales_motion.label),
        ("go_live", facts.go_live_date, None),
        ("activated_on", facts.activated_on, None),
    ]
    return CommandResult(
        command,
        f"{facts.name} · {facts.tier.label} · {facts.stage}",
        columns=(
            Column("field", N_("Field")),
            Column("value", N_("Value")),
            Column("note", NC_("remark", "Note")),
        ),
        rows=tuple(pairs),
        account_id=facts.id,
        screen="account",
    )


def _today(session: _Session, command: TodayCommand, dry: bool) -> CommandResult:
    from csm_tui.store.agenda import load_agenda
    from csm_tui.store.lookup import short_id

    me = session.need_me()
    items = load_agenda(session.conn, me, session.today(), session.rules, zone=session.ws.zone)
    rows = tuple(
        (
            i.tier.value,
            i.account_name,
            i.kind.value,
            i.why,
            i.due,
            None if i.task_id is None else short_id(i.task_id),
            i.account_id,
        )
        for i in items
    )
    return CommandResult(
        command,
        Message.of(
            *Nn_("{count} thing on your agenda", "{count} things on your agenda"),
            n=len(rows),
            count=f"{len(rows):,}",
        ),
        columns=(
            Column("tier", N_("Tier")),
            Column("account", N_("Account")),
            Column("kind", N_("What")),
            Column("why", N_("Why")),
            Column("due", N_("Due")),
            Column("task", N_("Task")),
            Column("account_id", N_("Account id")),
        ),
        rows=rows,
        screen="today",
    )


def _help(session: _Session, command: HelpCommand, dry: bool) -> CommandResult:
    verbs = [command.topic] if command.topic else list(VERBS)
    rows = tuple((v, *USAGE[v]) for v in verbs)  # in English: the rows are for machines
    lines = [f"{usage}\n    {_(what)}" for _verb, usage, what in rows]
    if command.topic is None:
        lines.append(
            _(
                "Options: --format table|json|csv (every verb but export); --dry-run (every "
                'verb that writes). Quote names with spaces: "Acme Ltd". A line that starts '
                'with a filter term (tier:strategic) or a "quoted name" is a filter.'
            )
        )
    return CommandResult(
        command,
        _("the command language") if command.topic is None else f"{command.topic}",
        columns=(
            Column("verb", N_("Verb")),
            Column("usage", N_("Usage")),
            Column("what", N_("What")),
        ),
        rows=rows,
        text="\n".join(lines),
        show_table=False,
    )


# ----------------------------------------------------------------------------- writes


def _log(session: _Session, command: LogCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.commands import DEFAULT_MINUTES
    from csm_tui.domain.dates import WhenError, parse_when
    from csm_tui.domain.records import Sentiment
    from csm_tui.store.activity_log import ActivityInvalid, last_contacts, log_activity
    from csm_tui.store.lookup import LookupFailed, find_contact

    conn = session.conn
    account = _account(session, command.account)
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
        _dry(text, dry),
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


def _check(session: _Session, command: CheckCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.lifecycle import ChecklistTemplateItem, Stage, checklist_template
    from csm_tui.domain.tiers import Tier
    from csm_tui.store.checklist import ChecklistError, load_checklist, set_item_done
    from csm_tui.store.lookup import LookupFailed, find_checklist_item

    conn = session.conn
    account = _account(session, command.account)
    row = conn.execute("SELECT tier, stage FROM accounts WHERE id = ?", (account.id,)).fetchone()
    tier, current = Tier(row[0]), Stage(row[1])
    stage = command.stage or current
    entries = load_checklist(conn, account.id, tier, stage)
    items = [ChecklistTemplateItem(e.key, e.label, e.required) for e in entries] or list(
        checklist_template(stage, tier)
    )
    where = Message.of(
        N_("in {stage} for a {tier} account"),
        stage=Message.of(stage.label),
        tier=Message.of(tier.label),
    )
    try:
        key = find_checklist_item(items, command.item, where)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    before = next((e for e in entries if e.key == key), None)
    try:
        entry = set_item_done(conn, account.id, stage, key, command.done, session.me, session.now())
    except ChecklistError as error:
        raise CommandFailed(error.words) from error
    values = {"item": entry.label, "stage": Message.of(stage.label), "name": account.name}
    if before is not None and before.done == command.done:
        text = Message.of(
            N_("“{item}” ({stage}) on {name} was already ticked")
            if command.done
            else N_("“{item}” ({stage}) on {name} was already open"),
            **values,
        )
    else:
        text = Message.of(
            N_("Ticked “{item}” ({stage}) on {name}")
            if command.done
            else N_("Unticked “{item}” ({stage}) on {name}"),
            **values,
        )
    return CommandResult(
        command,
        _dry(text, dry),
        columns=(
            Column("account", N_("Account")),
            Column("stage", N_("Stage")),
            Column("item", N_("Item")),
            Column("label", N_("Label")),
            Column("done", N_("Done")),
            Column("required", N_("Required")),
        ),
        rows=((account.name, stage.value, entry.key, entry.label, entry.done, entry.required),),
        account_id=account.id,
    )


def _stage(session: _Session, command: StageCommand, dry: bool) -> CommandResult:
    from csm_tui.store.checklist import advance_stage, stage_gate_of

    conn = session.conn
    account = _account(session, command.account)
    gate = stage_gate_of(conn, account.id)
    if gate.target is None:
        raise CommandFailed(
            Message.of(
                N_("{name} is in {stage}: there is no stage after it"),
                name=account.name,
                stage=Message.of(gate.stage.label),
            )
        )
    if command.target is not None and command.target is not gate.target:
        raise CommandFailed(
            Message.of(
                N_(
                    "{name} is in {stage}; it can only move to the next stage, {next} (not {asked})"
                ),
                name=account.name,
                stage=Message.of(gate.stage.label),
                next=Message.of(gate.target.label),
                asked=Message.of(command.target.label),
            )
        )
    if not gate.can_advance:
        missing = ", ".join(f"{i.key} ({i.label})" for i in gate.missing_required)
        raise CommandFailed(
            Message.of(
                N_("{name} cannot leave {stage} yet; required items not done: {missing}"),
                name=account.name,
                stage=Message.of(gate.stage.label),
                missing=missing,
            )
        )
    moved = advance_stage(conn, account.id, session.me, session.now())
    if not moved.can_advance:  # pragma: no cover - checked under the same lock above
        raise CommandFailed(
            Message.of(
                N_("{name} cannot leave {stage} yet"),
                name=account.name,
                stage=Message.of(gate.stage.label),
            )
        )
    return CommandResult(
        command,
        _dry(
            Message.of(
                N_("{name} moved from {stage} to {next}"),
                name=account.name,
                stage=Message.of(gate.stage.label),
                next=Message.of(gate.target.label),
            ),
            dry,
        ),
        columns=(
            Column("account", N_("Account")),
            Column("from", N_("From")),
            Column("to", N_("To")),
        ),
        rows=((account.name, gate.stage.value, gate.target.value),),
        account_id=account.id,
    )


def _task(session: _Session, command: TaskCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.dates import DueDateError, parse_due
    from csm_tui.store.lookup import short_id
    from csm_tui.store.tasks import TaskError, add_task

    account = _account(session, command.account)
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
    return CommandResult(
        command,
        _dry(
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


def _task_row(task) -> tuple:
    return (task.id, task.account_name, task.title, task.due_on, task.done_at, task.owner_name)


def _task_done(session: _Session, command: TaskDoneCommand, dry: bool) -> CommandResult:
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
    return CommandResult(
        command,
        _dry(text, dry),
        columns=_TASK_COLUMNS,
        rows=(_task_row(task),),
        account_id=task.account_id,
    )


def _snooze(session: _Session, command: SnoozeCommand, dry: bool) -> CommandResult:
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
    return CommandResult(
        command,
        _dry(
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


def _timeline(session: _Session, command: TimelineCommand, dry: bool) -> CommandResult:
    """The account's timeline (the Account screen's `4`, `f` and `enter`): every activity,
    newest first, its summary and next steps whole."""
    from csm_tui.domain.humanize import relative_time
    from csm_tui.store.activity_log import load_activity, load_timeline

    account = _account(session, command.account)
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


def _prep(session: _Session, command: PrepCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.prep import render_prep_markdown
    from csm_tui.store.prep import build_prep_brief, export_prep, load_prep_note

    account = _account(session, command.account)
    brief = build_prep_brief(
        session.conn, account.id, session.now(), session.rules, zone=session.ws.zone
    )
    markdown = render_prep_markdown(
        brief, load_prep_note(session.conn, account.id), session.today()
    )
    files: tuple[str, ...] = ()
    message: str | Message = Message.of(N_("Call prep for {name}"), name=account.name)
    if command.export is not None:
        target = _file_target(command.export)
        session.defer_file(target, lambda: export_prep(target, markdown), dry)
        files = (str(target),)
        message = _dry(
            Message.of(N_("Call prep for {name} → {file}"), name=account.name, file=str(target)),
            dry,
        )
    return CommandResult(
        command, message, text=markdown, files=files, account_id=account.id, screen="prep"
    )


def _assign(session: _Session, command: AssignCommand, dry: bool) -> CommandResult:
    """Through the Coverage screen's `reassign_account`, which applies the server's rule."""
    from csm_tui.store.assignments import ReassignError, reassign_account
    from csm_tui.store.lookup import LookupFailed, find_user

    conn = session.conn
    account = _account(session, command.account)
    me = session.need_me()
    if command.owner.strip().casefold() == "me":
        owner_id, owner_name = me, _user_name(conn, me)
    else:
        try:
            user = find_user(conn, command.owner)
        except LookupFailed as error:
            raise CommandFailed(error.words) from error
        owner_id, owner_name = user.id, user.name
    old = conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account.id,)).fetchone()[0]
    was = _user_name(conn, old)
    if old == owner_id:
        return CommandResult(
            command,
            Message.of(
                N_("{name} already belongs to {owner}"), name=account.name, owner=owner_name
            ),
            columns=_ASSIGN_COLUMNS,
            rows=((account.name, owner_name, was),),
            account_id=account.id,
        )
    try:
        reassign_account(conn, account.id, owner_id, by_user_id=me, now=session.now())
    except ReassignError as error:
        raise CommandFailed(error.words) from error
    return CommandResult(
        command,
        _dry(
            Message.of(
                N_("{name} now belongs to {owner} (was {was})"),
                name=account.name,
                owner=owner_name,
                was=was,
            ),
            dry,
        ),
        columns=_ASSIGN_COLUMNS,
        rows=((account.name, owner_name, was),),
        account_id=account.id,
    )


_ASSIGN_COLUMNS = (
    Column("account", N_("Account")),
    Column("owner", N_("Owner")),
    Column("was", N_("Was")),
)


def _user_name(conn: sqlite3.Connection, user_id: str | None) -> str:
    if user_id is None:
        return "no one"
    row = conn.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else user_id


# ----------------------------------------------------------------------------- elsewhere


def _coverage(session: _Session, command: CoverageCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.coverage import coverage_result

    return coverage_result(session, command)


def _backtest(session: _Session, command: BacktestCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.backtest import backtest_result

    return backtest_result(session, command)


def _export(session: _Session, command: ExportCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.transfer import run_export

    return run_export(session, command, dry)


def _import(session: _Session, command: ImportCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.transfer import run_import

    return run_import(session, command, dry)


def _sync(session: _Session, command: SyncCommand, dry: bool) -> CommandResult:
    """Push the outbox and pull, with `csm-tui sync`'s own function (its own connection)."""
    from csm_tui.store.outbox import pending_count

    if dry:
        waiting = pending_count(session.conn)
        return CommandResult(
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
    return CommandResult(command, report.summary())


def _renewal(session: _Session, command: RenewalCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.renewals import run_renewal

    return run_renewal(session, command, dry)


def _tier(session: _Session, command: TierCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.renewals import run_tier

    return run_tier(session, command, dry)


def _reference(session: _Session, command: ReferenceCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.renewals import run_reference

    return run_reference(session, command, dry)


def _conflicts(session: _Session, command: ConflictsCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.sync_verbs import conflicts_result

    return conflicts_result(session, command)


def _resolve(session: _Session, command: ResolveCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.sync_verbs import resolve_result

    return resolve_result(session, command, dry)


def _refused(session: _Session, command: RefusedCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.sync_verbs import refused_result

    return refused_result(session, command)


def _retry(session: _Session, command: RetryCommand | DismissCommand, dry: bool) -> CommandResult:
    from csm_tui.commands.sync_verbs import retry_result

    return retry_result(session, command, dry)


_HANDLERS: dict[type, Callable[[_Session, Any, bool], CommandResult]] = {
    FilterCommand: _filter,
    OpenCommand: _open,
    LogCommand: _log,
    CheckCommand: _check,
    StageCommand: _stage,
    TaskCommand: _task,
    TaskDoneCommand: _task_done,
    PrepCommand: _prep,
    AssignCommand: _assign,
    CoverageCommand: _coverage,
    BacktestCommand: _backtest,
    ExportCommand: _export,
    ImportCommand: _import,
    TodayCommand: _today,
    HelpCommand: _help,
    RenewalCommand: _renewal,
    TierCommand: _tier,
    ReferenceCommand: _reference,
    SnoozeCommand: _snooze,
    TimelineCommand: _timeline,
    ConflictsCommand: _conflicts,
    ResolveCommand: _resolve,
    RefusedCommand: _refused,
    RetryCommand: _retry,
    DismissCommand: _retry,
    TasksCommand: lambda s, c, d: _account_verbs().tasks_result(s, _account(s, c.account), c),
    TaskTakeCommand: lambda s, c, d: _account_verbs().take_result(s, c, d),
    ContactsCommand: lambda s, c, d: _account_verbs().contacts_result(s, _account(s, c.account), c),
    ContactCommand: lambda s, c, d: _account_verbs().contact_result(
        s, _account(s, c.account), c, d
    ),
    NotesCommand: lambda s, c, d: _account_verbs().notes_result(s, _account(s, c.account), c, d),
    UndoCommand: lambda s, c, d: _account_verbs().undo_result(s, c, d),
    AmendCommand: lambda s, c, d: _account_verbs().amend_result(s, c, d),
}


def _account_verbs():
    from csm_tui.commands import account_verbs

    return account_verbs
