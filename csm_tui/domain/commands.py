"""The command language (spec section 4): one grammar for the palette and the shell.

A command is a verb, its arguments and `--options`; a line with no verb is a filter (when
its first word is a filter term or a "quoted phrase": a plain word first is a verb, and an
unknown one is an error naming the nearest verbs)::

    filter tier:strategic health:<60 --sort renewal --limit 20
    tier:strategic health:<60                       (the same filter, no verb)
    open "Acme Ltd"
    log call "Acme Ltd" --minutes 30 --summary "Walked through the roll-out"
        [--next "send deck in 3 days"] [--when "yesterday 15:00"] [--sentiment positive]
        [--with "Jane Doe"]...
    check "Acme Ltd" kickoff [--stage onboarding]        uncheck "Acme Ltd" kickoff
    stage "Acme Ltd" [adoption]                          (advance one stage)
    task "Acme Ltd" "Send the deck" [--due "next tue"]
    task done 3fa9c2e1                                   task reopen 3fa9c2e1
    prep "Acme Ltd" [--export prep.md]
    assign "Acme Ltd" "Tom Becker"
    coverage [--team emea] [--period q3|fy2026|fy2026q3|ttm]
    backtest [--days-before 90] [--team emea]
    sync
    export portfolio [FILTER] [--sort S] [--format csv|json|md] [--out FILE] [--excel]
    export coverage [--team T] [--format csv|json|md] [--out FILE] [--excel]
    export prep ACCOUNT [--format md|json|csv] [--out FILE] [--excel]
    import accounts|contacts FILE [--mapping hubspot|salesforce|FILE] [--owner USER]
    renew "Acme Ltd" --term-end 2027-12-31 [--arr 120k] [--on DATE] [--reason TEXT]
    churn "Acme Ltd" --reason "moved to a competitor" [--on DATE]
    winback "Acme Ltd" --arr 80k --term-end 2027-12-31 [--on DATE] [--reason TEXT]
    tier "Acme Ltd" strategic --reason "reference customer" [--because flagship]
    tier "Acme Ltd" auto                              (clear the override: ARR decides)
    reference "Acme Ltd" yes|no                       (a reference / flagship customer)
    today
    snooze 3fa9c2e1 [--days 7]                           (Today's z; Z is --days 7)
    timeline "Acme Ltd" [--type call,meeting] [--limit 20]
    conflicts [--all]                                    refused
    resolve 3 mine|theirs                                resolve 3 edit --set arr=120000
    retry 0193ab12                                       dismiss 0193ab12
    tasks "Acme Ltd" [--done]                            task take 3fa9c2e1
    contacts "Acme Ltd"
    contact add "Acme Ltd" "Jane Doe" [--title T] [--email E] [--phone P] [--role sponsor]
    contact edit "Acme Ltd" "Jane" [--name N] [--title T] [...]
    notes "Acme Ltd" [--set TEXT | --append TEXT]        undo
    amend --summary "Walked through the roll-out, not the pricing" [--minutes 45] [...]
    help [VERB]

Every command but `export` takes `--format table|json|csv` (how the shell prints its
result); for `export` it is the file's format (default: from `--out`'s extension, else
csv for the portfolio and coverage, md for prep). Every verb that writes (to the cache or a
file) takes `--dry-run`.

Words
    Split at white space (as `str.isspace` says, so the ideographic space counts). A word
    may hold "double-quoted" parts, which keep their spaces; inside quotes ``\\"`` is a
    quote, ``\\\\`` a backslash, ``\\n``, ``\\t`` and ``\\r`` a line feed, a tab and a
    carriage return; any other backslash is itself. Verbs are read in any case. A word
    starting with ``--`` outside quotes is an option (``--minutes 30`` or ``--minutes=30``),
    never a value: write ``"--x"`` for the text --x.
Filters
    Everything after `filter` (or the whole line, when it starts with no verb) that is not
    one of its options is read by `domain.query.parse_filter`, positions and all: the
    command language extends the filter language, it does not copy it.
Accounts, items, owners, teams, contacts and task ids
    are kept as typed; the cache resolves them when the command runs (exact name, a
    unique prefix, or an id; an ambiguous one is an error listing the candidates).
Dates and times (`--when`, `--due`, `--next`)
    are kept as typed and read against the clock when the command runs
    (`domain.dates.parse_when`, `parse_due`), so a script means the same on any day it is
    read and "tomorrow" means the day after it runs.

Errors are `CommandError`, a `QueryError`: 0-based position (where the caret goes) and what
was expected: ``at 4: expected an account (a name, a unique prefix of one, or an id)``.

`Command.to_text()` prints the canonical spelling; `parse_command(c.to_text()) == c`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any, ClassVar

from csm_tui.domain import records
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.query import (
    MAX_AMOUNT,
    PortfolioFilter,
    PortfolioSort,
    QueryError,
    amount_text,
    parse_filter,
)
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.renewals import RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.domain.validity import MAX_MINUTES
from csm_tui.i18n import N_, Message

# ----------------------------------------------------------------------------- errors


class CommandError(QueryError):
    """A command that cannot be read: where (0-based position) and what was expected."""


def _error(position: int, expected: Message | str, found: str | None = None) -> CommandError:
    """`expected` is a `Message`, or a template marked `N_` with no values."""
    words = expected if isinstance(expected, Message) else Message.of(expected)
    return CommandError(position, words, found)


def _m(template: str | Message, /, **values: Any) -> Message:
    if isinstance(template, Message):
        return template
    return Message.of(template, **values)


# ----------------------------------------------------------------------------- words


@dataclass(frozen=True)
class Word:
    """One word of a command line: where it is, as typed, and its value (quotes read)."""

    start: int
    end: int
    raw: str
    value: str
    quoted: bool  # the whole word is one "..." (so `"--x"` and `"done"` are plain values)

    @property
    def is_option(self) -> bool:
        return not self.quoted and self.raw.startswith("--") and len(self.raw) > 2


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read `"..."` from `start` (the quote); returns (value, index after the quote)."""
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise _error(n, _m(N_('a closing " for the quote opened at {start}'), start=start))


def split_words(text: str) -> list[Word]:
    """The words of `text` (see the module doc); raises `CommandError` on an open quote."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        parts: list[str] = []
        segments = 0
        all_quoted = True
        while i < n and not text[i].isspace():
            segments += 1
            if text[i] == '"':
                value, i = _read_quoted(text, i)
                parts.append(value)
            else:
                j = i
                while j < n and not text[j].isspace() and text[j] != '"':
                    j += 1
                parts.append(text[i:j])
                all_quoted = False
                i = j
        words.append(
            Word(start, i, text[start:i], "".join(parts), quoted=all_quoted and segments == 1)
        )
    return words


_BARE = re.compile(r'[^\s"\\]+')


def quote(value: str) -> str:
    """`value` quoted for a command line, escapes included."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def word_text(value: str, keywords: frozenset[str] = frozenset()) -> str:
    """`value` as one word: bare when it reads back as itself, else quoted."""
    if (
        _BARE.fullmatch(value)
        and not value.startswith("--")
        and value.casefold() not in keywords
        and value.isprintable()
    ):
        return value
    return quote(value)


# ----------------------------------------------------------------------------- values


class OutputFormat(StrEnum):
    """How the shell prints a result (`--format` of every command but export)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ExportTarget(StrEnum):
    PORTFOLIO = "portfolio"
    COVERAGE = "coverage"
    PREP = "prep"


EXPORT_FORMATS: dict[ExportTarget, tuple[ExportFormat, ...]] = {
    ExportTarget.PORTFOLIO: (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.MD),
    ExportTarget.COVERAGE: (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.MD),
    ExportTarget.PREP: (ExportFormat.MD, ExportFormat.JSON, ExportFormat.CSV),
}
_SUFFIX_FORMATS = {".csv": ExportFormat.CSV, ".json": ExportFormat.JSON, ".md": ExportFormat.MD,
                   ".markdown": ExportFormat.MD}  # fmt: skip


class ImportTarget(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"


NO_FILTER = PortfolioFilter()  # frozen: safe as a shared default
MAX_LIMIT = 1_000_000

DEFAULT_MINUTES: dict[ActivityKind, int] = {
    ActivityKind.CALL: 30,
    ActivityKind.MEETING: 60,
    ActivityKind.ONSITE: 120,
    ActivityKind.QBR: 90,
    ActivityKind.TRAINING: 60,
    ActivityKind.ESCALATION: 30,
    ActivityKind.EMAIL: 0,
    ActivityKind.NOTE: 0,
}
"""The length a new activity of each kind gets when none is given (the log form's too)."""

# ----------------------------------------------------------------------------- commands


@dataclass(frozen=True, kw_only=True)
class Command:
    """A parsed command. Subclasses name their verb and whether they write."""

    verb: ClassVar[str] = ""
    writes: ClassVar[bool] = False  # changes the cache (so runs in a transaction)
    output: OutputFormat | None = None  # --format for the shell's print; None: the caller's

    def to_text(self) -> str:
        """The canonical spelling: `parse_command(c.to_text()) == c`."""
        return " ".join([self.verb, *self._parts(), *self._options()])

    def _parts(self) -> list[str]:
        return []

    def _options(self) -> list[str]:
        out: list[str] = []
        for spec in _OPTIONS[self.verb].values():
            value = getattr(self, spec.attr)
            out.extend(spec.print(value))
        return out

    def __str__(self) -> str:
        return self.to_text()


def _account_word(ref: str) -> str:
    return word_text(ref)


@dataclass(frozen=True, kw_only=True)
class FilterCommand(Command):
    verb: ClassVar[str] = "filter"
    filter: PortfolioFilter = NO_FILTER
    sort: PortfolioSort | None = None
    limit: int | None = None

    def _parts(self) -> list[str]:
        # A bare word of the filter that starts with -- would read back as an option.
        return [
            quote(w.value) if w.is_option else w.raw for w in split_words(self.filter.to_text())
        ]


@dataclass(frozen=True, kw_only=True)
class OpenCommand(Command):
    verb: ClassVar[str] = "open"
    account: str

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class LogCommand(Command):
    verb: ClassVar[str] = "log"
    writes: ClassVar[bool] = True
    kind: ActivityKind
    account: str
    summary: str
    minutes: int | None = None  # None: the kind's usual length (DEFAULT_MINUTES)
    next_steps: str | None = None
    when: str | None = None  # None: now
    sentiment: Sentiment | None = None  # None: neutral
    contacts: tuple[str, ...] = ()  # None given: the contacts of the last activity (as the form)
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [self.kind.value, _account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class CheckCommand(Command):
    """`check` (done=True) or `uncheck` (done=False) one checklist item."""

    verb: ClassVar[str] = "check"
    writes: ClassVar[bool] = True
    account: str
    item: str
    done: bool = True
    stage: Stage | None = None  # None: the account's current stage
    dry_run: bool = False

    def to_text(self) -> str:
        verb = "check" if self.done else "uncheck"
        return " ".join([verb, *self._parts(), *self._options()])

    def _parts(self) -> list[str]:
        return [_account_word(self.account), word_text(self.item)]


@dataclass(frozen=True, kw_only=True)
class StageCommand(Command):
    verb: ClassVar[str] = "stage"
    writes: ClassVar[bool] = True
    account: str
    target: Stage | None = None  # None: the next stage, whatever it is
    dry_run: bool = False

    def _parts(self) -> list[str]:
        parts = [_account_word(self.account)]
        if self.target is not None:
            parts.append(self.target.value)
        return parts


_TASK_WORDS = frozenset({"done", "reopen", "take"})


@dataclass(frozen=True, kw_only=True)
class TaskCommand(Command):
    """`task ACCOUNT TITLE [--due TEXT]`: a new task of mine on the account."""

    verb: ClassVar[str] = "task"
    writes: ClassVar[bool] = True
    account: str
    title: str
    due: str | None = None
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [word_text(self.account, _TASK_WORDS), word_text(self.title)]


@dataclass(frozen=True, kw_only=True)
class TaskDoneCommand(Command):
    """`task done ID` / `task reopen ID`: ID is a task id, or a unique prefix or suffix."""

    verb: ClassVar[str] = "task"
    writes: ClassVar[bool] = True
    task: str
    done: bool = True
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return ["done" if self.done else "reopen", word_text(self.task)]

    def _options(self) -> list[str]:
        out: list[str] = []
        for spec in _TASK_DONE_OPTIONS.values():
            out.extend(spec.print(getattr(self, spec.attr)))
        return out


@dataclass(frozen=True, kw_only=True)
class TaskTakeCommand(Command):
    """`task take ID`: the task becomes mine (the Tasks pane's `m`)."""

    verb: ClassVar[str] = "task"
    writes: ClassVar[bool] = True
    task: str
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return ["take", word_text(self.task)]

    def _options(self) -> list[str]:
        out: list[str] = []
        for spec in _TASK_DONE_OPTIONS.values():
            out.extend(spec.print(getattr(self, spec.attr)))
        return out


@dataclass(frozen=True, kw_only=True)
class PrepCommand(Command):
    verb: ClassVar[str] = "prep"
    account: str
    export: str | None = None  # write the Markdown sheet to this file
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class AssignCommand(Command):
    verb: ClassVar[str] = "assign"
    writes: ClassVar[bool] = True
    account: str
    owner: str  # a user's name, unique prefix or id; or "me"
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [_account_word(self.account), word_text(self.owner)]


@dataclass(frozen=True, kw_only=True)
class RenewalCommand(Command):
    """`renew`, `churn`, `winback`: record a renewal decision (domain.renewals).

    Dates (`--term-end`, `--on`) are kept as typed and read against the clock when the
    command runs; `--on` defaults to today. `--arr` is in the account's currency; a
    renewal without it keeps the ARR (flat)."""

    verb: ClassVar[str] = "renew"
    writes: ClassVar[bool] = True
    outcome: RenewalOutcome = RenewalOutcome.RENEWED
    account: str
    arr: float | None = None
    term_end: str | None = None
    on: str | None = None
    reason: str | None = None
    dry_run: bool = False

    def to_text(self) -> str:
        verb = _OUTCOME_VERBS[self.outcome]
        return " ".join([verb, *self._parts(), *_print_options(_OPTIONS[verb], self)])

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


TIER_AUTO = "auto"  # `tier ACCOUNT auto`: clear the override


@dataclass(frozen=True, kw_only=True)
class TierCommand(Command):
    """`tier ACCOUNT TIER --reason TEXT [--because KIND]`, or `tier ACCOUNT auto`."""

    verb: ClassVar[str] = "tier"
    writes: ClassVar[bool] = True
    account: str
    tier: Tier | None  # None: clear the override
    reason: str | None = None
    because: OverrideReason | None = None  # None: other
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [_account_word(self.account), TIER_AUTO if self.tier is None else self.tier.value]


@dataclass(frozen=True, kw_only=True)
class ReferenceCommand(Command):
    """`reference ACCOUNT yes|no`: a reference / flagship customer (a tier criterion)."""

    verb: ClassVar[str] = "reference"
    writes: ClassVar[bool] = True
    account: str
    is_reference: bool
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [_account_word(self.account), "yes" if self.is_reference else "no"]


@dataclass(frozen=True, kw_only=True)
class CoverageCommand(Command):
    verb: ClassVar[str] = "coverage"
    team: str | None = None
    period: str | None = None  # q3, fy2026, fy2026q3, ttm (domain.metrics.parse_period)


@dataclass(frozen=True, kw_only=True)
class BacktestCommand(Command):
    """Health back-tested against the renewal decisions of the last 12 months."""

    verb: ClassVar[str] = "backtest"
    days_before: int | None = None  # None: domain.backtest.DEFAULT_DAYS_BEFORE
    team: str | None = None


@dataclass(frozen=True, kw_only=True)
class SyncCommand(Command):
    verb: ClassVar[str] = "sync"


@dataclass(frozen=True, kw_only=True)
class ExportCommand(Command):
    verb: ClassVar[str] = "export"
    target: ExportTarget
    format: ExportFormat
    out: str | None = None  # None: the content is the result (printed by the shell)
    excel: bool = False  # CSV for Excel: a BOM, formula-looking text guarded
    filter: PortfolioFilter = NO_FILTER  # portfolio
    sort: PortfolioSort | None = None  # portfolio
    team: str | None = None  # coverage
    account: str | None = None  # prep
    dry_run: bool = False

    def _parts(self) -> list[str]:
        parts = [self.target.value]
        if self.account is not None:
            parts.append(_account_word(self.account))
        parts.extend(FilterCommand(filter=self.filter)._parts())
        return parts


@dataclass(frozen=True, kw_only=True)
class ImportCommand(Command):
    verb: ClassVar[str] = "import"
    writes: ClassVar[bool] = True
    target: ImportTarget
    file: str
    mapping: str | None = None  # hubspot, salesforce, or a mapping file; None: our own columns
    owner: str | None = None  # owner of new accounts whose row names none
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [self.target.value, word_text(self.file)]


@dataclass(frozen=True, kw_only=True)
class TodayCommand(Command):
    verb: ClassVar[str] = "today"


@dataclass(frozen=True, kw_only=True)
class HelpCommand(Command):
    verb: ClassVar[str] = "help"
    topic: str | None = None  # a verb

    def _parts(self) -> list[str]:
        return [] if self.topic is None else [self.topic]


MAX_DAYS = 3_650  # the longest snooze: ten years


@dataclass(frozen=True, kw_only=True)
class SnoozeCommand(Command):
    """`snooze TASK [--days N]`: put an open task out of mind for N days (1: Today's `z`)."""

    verb: ClassVar[str] = "snooze"
    writes: ClassVar[bool] = True
    task: str
    days: int | None = None  # None: one day (Today's `z`; `Z` is --days 7)
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [word_text(self.task)]


@dataclass(frozen=True, kw_only=True)
class TimelineCommand(Command):
    """`timeline ACCOUNT [--type KIND,...] [--limit N]`: the account's activities, whole."""

    verb: ClassVar[str] = "timeline"
    account: str
    kinds: tuple[ActivityKind, ...] = ()  # (): every kind
    limit: int | None = None  # None: the whole timeline

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class TasksCommand(Command):
    """`tasks ACCOUNT [--done]`: the account's open tasks (--done: the done ones too)."""

    verb: ClassVar[str] = "tasks"
    account: str
    done: bool = False

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class ContactsCommand(Command):
    """`contacts ACCOUNT`: the account's stakeholders, sponsors first."""

    verb: ClassVar[str] = "contacts"
    account: str

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


_CONTACT_WORDS = frozenset({"add", "edit"})


@dataclass(frozen=True, kw_only=True)
class ContactCommand(Command):
    """`contact add ACCOUNT NAME [--title T] [--email E] [--phone P] [--role R]`, or
    `contact edit ACCOUNT CONTACT [--name N] [...]` (only the fields given change)."""

    verb: ClassVar[str] = "contact"
    writes: ClassVar[bool] = True
    edit: bool  # False: add a new contact named `name`; True: change the contact `name`
    account: str
    name: str
    new_name: str | None = None  # edit only
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    role: records.ContactRole | None = None  # add: user when not given
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return ["edit" if self.edit else "add", _account_word(self.account), word_text(self.name)]


@dataclass(frozen=True, kw_only=True)
class NotesCommand(Command):
    """`notes ACCOUNT [--set TEXT | --append TEXT]`: my prep notes, shown or written."""

    verb: ClassVar[str] = "notes"
    account: str
    set: str | None = None  # replace the notes with this text
    append: str | None = None  # add this as a new line at the end
    dry_run: bool = False

    @property  # type: ignore[override]
    def writes(self) -> bool:  # only with --set or --append
        return self.set is not None or self.append is not None

    def _parts(self) -> list[str]:
        return [_account_word(self.account)]


@dataclass(frozen=True, kw_only=True)
class AmendCommand(Command):
    """`amend [--summary T] [--minutes N] [--next T] [--when T] [--sentiment S] [--kind K]`:
    change my last log (the app's `E`); the fields not given stay as they were."""

    verb: ClassVar[str] = "amend"
    writes: ClassVar[bool] = True
    kind: ActivityKind | None = None
    summary: str | None = None
    minutes: int | None = None
    next_steps: str | None = None
    when: str | None = None
    sentiment: Sentiment | None = None
    dry_run: bool = False


@dataclass(frozen=True, kw_only=True)
class UndoCommand(Command):
    """`undo`: take back my last log (ctrl+z), its task and touch with it."""

    verb: ClassVar[str] = "undo"
    writes: ClassVar[bool] = True
    dry_run: bool = False


class ConflictChoice(StrEnum):
    """How a sync conflict is settled (the Sync screen's m, T and e)."""

    MINE = "mine"
    THEIRS = "theirs"
    EDIT = "edit"


@dataclass(frozen=True, kw_only=True)
class ConflictsCommand(Command):
    """`conflicts [--all]`: sync conflicts waiting for a decision (--all: settled ones too)."""

    verb: ClassVar[str] = "conflicts"
    all: bool = False


@dataclass(frozen=True, kw_only=True)
class ResolveCommand(Command):
    """`resolve ID mine|theirs|edit [--set FIELD=VALUE]...`: settle one sync conflict."""

    verb: ClassVar[str] = "resolve"
    writes: ClassVar[bool] = True
    conflict: int
    choice: ConflictChoice
    values: tuple[str, ...] = ()  # "FIELD=VALUE" for edit (an empty VALUE: no value)
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [str(self.conflict), self.choice.value]

    def edited(self) -> dict[str, str | None]:
        """The values typed for edit, by field (as the Sync screen's form gives them)."""
        out: dict[str, str | None] = {}
        for pair in self.values:
            name, _, value = pair.partition("=")
            out[name.strip()] = value or None
        return out


@dataclass(frozen=True, kw_only=True)
class RefusedCommand(Command):
    """`refused`: changes the server refused, waiting for retry or dismiss."""

    verb: ClassVar[str] = "refused"


@dataclass(frozen=True, kw_only=True)
class RetryCommand(Command):
    """`retry CHANGE`: send a refused change again (CHANGE: its id, a unique prefix/suffix)."""

    verb: ClassVar[str] = "retry"
    writes: ClassVar[bool] = True
    change: str
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [word_text(self.change)]


@dataclass(frozen=True, kw_only=True)
class DismissCommand(Command):
    """`dismiss CHANGE`: let a refused change go (it stays in the outbox's history)."""

    verb: ClassVar[str] = "dismiss"
    writes: ClassVar[bool] = True
    change: str
    dry_run: bool = False

    def _parts(self) -> list[str]:
        return [word_text(self.change)]


# ----------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Option:
    name: str  # "--minutes"
    attr: str  # the dataclass field
    kind: str  # "flag" | "text" | "enum" | "int" | "list" | "kinds" (activity kinds, a,b)
    what: str = ""  # for errors: "a whole number of minutes"
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    def print(self, value: Any) -> list[str]:
        if self.kind == "flag":
            return [self.name] if value else []
        if value is None:
            return []
        if self.kind == "list":
            return [part for v in value for part in (self.name, word_text(v))]
        if self.kind == "enum":
            return [self.name, str(value.value if hasattr(value, "value") else value)]
        if self.kind == "int":
            return [self.name, str(value)]
        if self.kind == "amount":
            return [self.name, amount_text(value)]
        if self.kind == "kinds":
            return [self.name, ",".join(v.value for v in value)] if value else []
        return [self.name, word_text(value)]


def _enum_option(name: str, attr: str, what: str, values: tuple[str, ...]) -> _Option:
    return _Option(name, attr, "enum", what, values)


_OUTPUT = _enum_option(
    "--format", "output", N_("an output format"), tuple(f.value for f in OutputFormat)
)
_DRY = _Option("--dry-run", "dry_run", "flag")
_SORT = _enum_option("--sort", "sort", N_("a sort order"), tuple(s.value for s in PortfolioSort))


def _print_options(specs: dict[str, _Option], command: Command) -> list[str]:
    return [part for spec in specs.values() for part in spec.print(getattr(command, spec.attr))]


_ARR = _Option("--arr", "arr", "amount", N_("an ARR like 120000, 120k or 1.2m"))
_TERM_END = _Option("--term-end", "term_end", "text", N_("the end of the new term"))
_ON = _Option("--on", "on", "text", N_("the day of the decision"))
_REASON = _Option("--reason", "reason", "text", N_("a reason"))

_OPTIONS: dict[str, dict[str, _Option]] = {
    "filter": {
        "--sort": _SORT,
        "--limit": _Option("--limit", "limit", "int", N_("a number of rows"), low=1,
                           high=MAX_LIMIT),
        "--format": _OUTPUT,
    },
    "open": {"--format": _OUTPUT},
    "log": {
        "--minutes": _Option("--minutes", "minutes", "int", N_("a whole number of minutes"),
                             low=0, high=MAX_MINUTES),
        "--summary": _Option("--summary", "summary", "text", N_("what was said")),
        "--next": _Option("--next", "next_steps", "text", N_("next steps")),
        "--when": _Option("--when", "when", "text", N_("when it happened")),
        "--sentiment": _enum_option("--sentiment", "sentiment", N_("a sentiment"),
                                    tuple(s.value for s in Sentiment)),
        "--with": _Option("--with", "contacts", "list", N_("a contact of the account")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "check": {
        "--stage": _enum_option("--stage", "stage", N_("a stage"), tuple(s.value for s in Stage)),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "stage": {"--format": _OUTPUT, "--dry-run": _DRY},
    "task": {
        "--due": _Option("--due", "due", "text", N_("a due date")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "prep": {
        "--export": _Option("--export", "export", "text", N_("a file to write the sheet to")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "assign": {"--format": _OUTPUT, "--dry-run": _DRY},
    "coverage": {
        "--team": _Option("--team", "team", "text", N_("a team's name or id")),
        "--period": _Option(
            "--period", "period", "text", N_("a period: q3, fy2026, fy2026q3 or ttm")
        ),
        "--format": _OUTPUT,
    },
    "backtest": {
        "--days-before": _Option("--days-before", "days_before", "int",
                                 "a whole number of days", low=0, high=3650),
        "--team": _Option("--team", "team", "text", N_("a team's name or id")),
        "--format": _OUTPUT,
    },
    "sync": {"--format": _OUTPUT},
    "export": {
        "--team": _Option("--team", "team", "text", N_("a team's name or id")),
        "--sort": _SORT,
        "--format": _enum_option("--format", "format", N_("an export format"),
                                 tuple(f.value for f in ExportFormat)),
        "--out": _Option("--out", "out", "text", N_("the file to write")),
        "--excel": _Option("--excel", "excel", "flag"),
        "--dry-run": _DRY,
    },
    "import": {
        "--mapping": _Option("--mapping", "mapping", "text",
                             "a column mapping (hubspot, salesforce or a mapping file)"),
        "--owner": _Option("--owner", "owner", "text", N_("the owner of new accounts")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "today": {"--format": _OUTPUT},
    "help": {"--format": _OUTPUT},
    "renew": {"--arr": _ARR, "--term-end": _TERM_END, "--on": _ON, "--reason": _REASON,
              "--format": _OUTPUT, "--dry-run": _DRY},
    "churn": {"--reason": _REASON, "--on": _ON, "--format": _OUTPUT, "--dry-run": _DRY},
    "winback": {"--arr": _ARR, "--term-end": _TERM_END, "--on": _ON, "--reason": _REASON,
                "--format": _OUTPUT, "--dry-run": _DRY},
    "tier": {"--reason": _REASON,
             "--because": _enum_option("--because", "because", "why",
                                       tuple(r.value for r in OverrideReason)),
             "--format": _OUTPUT, "--dry-run": _DRY},
    "reference": {"--format": _OUTPUT, "--dry-run": _DRY},
    "snooze": {
        "--days": _Option("--days", "days", "int", N_("a number of days"), low=1, high=MAX_DAYS),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "timeline": {
        "--type": _Option("--type", "kinds", "kinds", N_("kinds of activity (call, meeting, ...)"),
                          tuple(k.value for k in ActivityKind)),
        "--limit": _Option("--limit", "limit", "int", N_("a number of activities"), low=1,
                           high=MAX_LIMIT),
        "--format": _OUTPUT,
    },
    "conflicts": {"--all": _Option("--all", "all", "flag"), "--format": _OUTPUT},
    "resolve": {
        "--set": _Option("--set", "values", "list", N_("FIELD=VALUE (a value to keep, for edit)")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "refused": {"--format": _OUTPUT},
    "tasks": {"--done": _Option("--done", "done", "flag"), "--format": _OUTPUT},
    "contacts": {"--format": _OUTPUT},
    "contact": {
        "--name": _Option("--name", "new_name", "text", N_("the contact's new name")),
        "--title": _Option("--title", "title", "text", N_("a job title")),
        "--email": _Option("--email", "email", "text", N_("an email address")),
        "--phone": _Option("--phone", "phone", "text", N_("a phone number")),
        "--role": _enum_option("--role", "role", N_("a role"),
                               tuple(r.value for r in records.ContactRole)),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "notes": {
        "--set": _Option("--set", "set", "text", N_("the notes' new text")),
        "--append": _Option("--append", "append", "text", N_("a line to add to the notes")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "undo": {"--format": _OUTPUT, "--dry-run": _DRY},
    "amend": {
        "--kind": _enum_option("--kind", "kind", N_("a kind of activity"),
                               tuple(k.value for k in ActivityKind)),
        "--summary": _Option("--summary", "summary", "text", N_("what was said")),
        "--minutes": _Option("--minutes", "minutes", "int", N_("a whole number of minutes"),
                             low=0, high=MAX_MINUTES),
        "--next": _Option("--next", "next_steps", "text", N_("next steps")),
        "--when": _Option("--when", "when", "text", N_("when it happened")),
        "--sentiment": _enum_option("--sentiment", "sentiment", N_("a sentiment"),
                                    tuple(s.value for s in Sentiment)),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "retry": {"--format": _OUTPUT, "--dry-run": _DRY},
    "dismiss": {"--format": _OUTPUT, "--dry-run": _DRY},
}  # fmt: skip
_OUTCOME_VERBS = {
    RenewalOutcome.RENEWED: "renew",
    RenewalOutcome.CHURNED: "churn",
    RenewalOutcome.WIN_BACK: "winback",
}
_TASK_DONE_OPTIONS = {"--format": _OUTPUT, "--dry-run": _DRY}

VERBS: tuple[str, ...] = (
    "filter", "open", "timeline", "log", "amend", "undo", "check", "uncheck", "stage",
    "task", "tasks", "snooze", "contacts", "contact", "notes", "prep", "assign", "coverage",
    "sync", "conflicts", "resolve", "refused", "retry", "dismiss", "export", "import",
    "today", "help", "renew", "churn", "winback", "tier", "reference", "backtest",
)  # fmt: skip

USAGE: dict[str, tuple[str, str]] = {
    # (how to write it: command syntax, as is; what it does: a msgid, `_()` where shown)
    "filter": (
        "filter FILTER [--sort tier|renewal|touch|arr|name] [--limit N]",
        N_("accounts the filter selects (the verb may be left out)"),
    ),
    "open": (
        "open ACCOUNT",
        N_("the account's facts; in the app, its workspace"),
    ),
    "log": (
        "log KIND ACCOUNT --summary TEXT [--minutes N] [--next TEXT] [--when "
        "TEXT] [--sentiment positive|neutral|negative] [--with CONTACT]...",
        N_("log an activity (call, meeting, email, onsite, qbr, training, escalation, note)"),
    ),
    "check": (
        "check ACCOUNT ITEM [--stage STAGE]",
        N_("tick a checklist item"),
    ),
    "uncheck": (
        "uncheck ACCOUNT ITEM [--stage STAGE]",
        N_("untick a checklist item"),
    ),
    "stage": (
        "stage ACCOUNT [STAGE]",
        N_("advance the account one stage (its required items done)"),
    ),
    "task": (
        "task ACCOUNT TITLE [--due TEXT] | task done ID | task reopen ID | task take ID",
        N_(
            "add a task, mark one done or open, or make it yours (ID: the id, or "
            "a unique prefix or suffix of it)"
        ),
    ),
    "prep": (
        "prep ACCOUNT [--export FILE]",
        N_("the call-prep sheet (Markdown)"),
    ),
    "assign": (
        "assign ACCOUNT OWNER",
        N_("give the account to another CSM of its team (a lead's move)"),
    ),
    "coverage": (
        "coverage [--team TEAM] [--period q3|fy2026|ttm]",
        N_("the team's coverage of the book"),
    ),
    "backtest": (
        "backtest [--days-before 90] [--team TEAM]",
        N_(
            "health N days before each renewal decision of the last 12 months "
            "against its outcome: churn per band, churned ARR warned, AUC; per "
            "tier and motion"
        ),
    ),
    "sync": (
        "sync",
        N_("push local changes and pull the server's"),
    ),
    "export": (
        "export portfolio|coverage|prep [...] [--format csv|json|md] [--out FILE] [--excel]",
        N_(
            "the portfolio (a filter), coverage (--team) or a prep sheet "
            "(ACCOUNT), to a file or printed"
        ),
    ),
    "import": (
        "import accounts|contacts FILE [--mapping hubspot|salesforce|FILE] "
        "[--owner USER] [--dry-run]",
        N_("import a CSV file (all or nothing; default mapping: csm-tui's own columns)"),
    ),
    "today": (
        "today",
        N_("your agenda"),
    ),
    "help": (
        "help [VERB]",
        N_("the verbs and how to write them"),
    ),
    "renew": (
        "renew ACCOUNT --term-end DATE [--arr AMOUNT] [--on DATE] [--reason TEXT]",
        N_(
            "record a renewal (flat, up or down from the new ARR); the account "
            "starts its next term in Adoption"
        ),
    ),
    "churn": (
        "churn ACCOUNT --reason TEXT [--on DATE]",
        N_("record that the account churned: ARR to 0, stage Churned, the reason kept"),
    ),
    "winback": (
        "winback ACCOUNT --arr AMOUNT --term-end DATE [--on DATE] [--reason TEXT]",
        N_("a churned account comes back: its new ARR and term, stage Adoption"),
    ),
    "tier": (
        "tier ACCOUNT TIER|auto --reason TEXT [--because flagship|influence|seats|potential|other]",
        N_("place the account in a tier whatever its ARR says (auto: ARR decides again)"),
    ),
    "reference": (
        "reference ACCOUNT yes|no",
        N_("mark a reference / flagship customer (the tier rules may lift it)"),
    ),
    "snooze": (
        "snooze TASK [--days N]",
        N_("put an open task out of mind for N days (default 1; Today's z, Z is 7)"),
    ),
    "timeline": (
        "timeline ACCOUNT [--type KIND,...] [--limit N]",
        N_("the account's activities, newest first, each whole"),
    ),
    "conflicts": (
        "conflicts [--all]",
        N_("sync conflicts waiting for a decision (--all: settled ones too)"),
    ),
    "resolve": (
        "resolve ID mine|theirs|edit [--set FIELD=VALUE]...",
        N_("settle a sync conflict: keep mine, take theirs, or the values set"),
    ),
    "refused": (
        "refused",
        N_("changes the server refused (retry or dismiss them)"),
    ),
    "retry": (
        "retry CHANGE",
        N_("send a refused change again (its id, or a unique prefix or suffix)"),
    ),
    "dismiss": (
        "dismiss CHANGE",
        N_("let a refused change go (kept in the history)"),
    ),
    "tasks": (
        "tasks ACCOUNT [--done]",
        N_("the account's open tasks (--done: done ones too)"),
    ),
    "contacts": (
        "contacts ACCOUNT",
        N_("the account's stakeholders"),
    ),
    "contact": (
        "contact add ACCOUNT NAME [--title T] [--email E] [--phone P] [--role"
        " sponsor|champion|user|blocker] | contact edit ACCOUNT CONTACT "
        "[--name N] [...]",
        N_("add a stakeholder, or change some of one's fields"),
    ),
    "notes": (
        "notes ACCOUNT [--set TEXT | --append TEXT]",
        N_("your prep notes on the account: shown, replaced or added to"),
    ),
    "undo": (
        "undo",
        N_("take back your last log (its task and touch too)"),
    ),
    "amend": (
        "amend [--summary TEXT] [--minutes N] [--next TEXT] [--when TEXT] "
        "[--sentiment S] [--kind KIND]",
        N_("change your last log; what is not given stays"),
    ),
}

ACCOUNT_EXPECTED = N_("an account (a name, a unique prefix of one, or an id)")

# ----------------------------------------------------------------------------- parsing


class _Line:
    """The words of one command being read, left to right."""

    def __init__(self, text: str, words: list[Word], verb: str, start: int) -> None:
        self.text = text
        self.verb = verb
        self.positional: list[Word] = []
        self.options: dict[str, Any] = {}
        self.option_words: list[Word] = []  # every option word and its value word
        self.start = start  # words before this index are the verb (and consumed keywords)
        self.words = words

    def read_options(self, specs: dict[str, _Option], *, keep_positional: bool = True) -> None:
        words = self.words
        i = self.start
        while i < len(words):
            word = words[i]
            if not word.is_option:
                self.positional.append(word)
                i += 1
                continue
            name, eq, inline = word.raw.partition("=")
            spec = specs.get(name.lower())
            if spec is None:
                names = ", ".join(specs) or "none"  # i18n: as is (no option: the word "none")
                raise _error(
                    word.start,
                    _m(N_("an option of {verb} ({names})"), verb=self.verb, names=names),
                    found=name,
                )
            if spec.attr in self.options and spec.kind != "list":
                raise _error(word.start, _m(N_("{option} only once"), option=spec.name), found=name)
            self.option_words.append(word)
            if spec.kind == "flag":
                if eq:
                    raise _error(
                        word.start + len(name),
                        _m(N_("no value after {option}"), option=spec.name),
                        found=inline,
                    )
                self.options[spec.attr] = True
                i += 1
                continue
            if eq:
                value_word = _inline_value(word, len(name) + 1)
            else:
                if i + 1 >= len(words) or words[i + 1].is_option:
                    at = words[i + 1].start if i + 1 < len(words) else len(self.text)
                    raise _error(at, _after(spec))
                value_word = words[i + 1]
                self.option_words.append(value_word)
                i += 1
            value = _option_value(spec, value_word)
            if spec.kind == "list":
                self.options[spec.attr] = (*self.options.get(spec.attr, ()), value)
            else:
                self.options[spec.attr] = value
            i += 1
        if not keep_positional and self.positional:
            extra = self.positional[0]
            raise _error(
                extra.start,
                _m(N_("an option of {verb} or the end"), verb=self.verb),
                found=extra.raw,
            )

    def need(self, index: int, what: str) -> Word:
        if index < len(self.positional):
            return self.positional[index]
        raise _error(
            self._after(index),
            _m(N_("{what} after {before}"), what=_m(what), before=self._before(index)),
        )

    def _after(self, index: int) -> int:
        prev = self.positional[index - 1] if index > 0 else self.words[self.start - 1]
        return min(prev.end + 1, len(self.text))

    def _before(self, index: int) -> str:
        prev = self.positional[index - 1] if index > 0 else self.words[self.start - 1]
        return f'"{prev.raw}"'

    def no_more(self, count: int) -> None:
        if len(self.positional) > count:
            extra = self.positional[count]
            options = ", ".join(o for o in _OPTIONS.get(self.verb, {}))
            raise _error(
                extra.start,
                _m(
                    N_("an option of {verb} ({options}) or the end"),
                    verb=self.verb,
                    options=options,
                )
                if options
                else _m(N_("the end")),
                found=extra.raw,
            )

    def filter_text(self, words: list[Word]) -> str:
        """The line with everything but `words` blanked: positions stay where they were."""
        chars = [" "] * len(self.text)
        for w in words:
            chars[w.start : w.end] = self.text[w.start : w.end]
        return "".join(chars)


def _inline_value(word: Word, offset: int) -> Word:
    """The value of `--name=value` as a word of its own (quotes read)."""
    raw = word.raw[offset:]
    start = word.start + offset
    if not raw:
        return Word(start, start, "", "", quoted=False)
    sub = split_words(raw)
    if len(sub) != 1:  # pragma: no cover - a word holds no unquoted space
        raise _error(start, N_("one value"))
    w = sub[0]
    return Word(start + w.start, start + w.end, w.raw, w.value, w.quoted)


def _option_value(spec: _Option, word: Word) -> Any:
    value = word.value
    if spec.kind in ("text", "list"):
        if not value.strip():
            raise _error(word.start, _after(spec), found=value or None)
        return value
    if spec.kind == "amount":
        match = _AMOUNT_WORD.fullmatch(value.strip().replace(",", ""))
        if not match:
            raise _error(word.start, _after(spec), found=value or None)
        amount = float(match.group(1)) * _AMOUNT_UNITS[match.group(2).lower()]
        if amount > MAX_AMOUNT:
            raise _error(
                word.start,
                _m(N_("an amount up to 1000000m after {option}"), option=spec.name),
                found=value,
            )
        return amount
    if spec.kind == "kinds":
        kinds: list[ActivityKind] = []
        for part in value.split(","):
            try:
                kind = ActivityKind(part.strip().lower())
            except ValueError:
                raise _error(
                    word.start,
                    _after(spec, choices=True),
                    found=part,
                ) from None
            if kind not in kinds:
                kinds.append(kind)
        return tuple(kinds)
    if spec.kind == "int":
        if not re.fullmatch(r"\d{1,9}", value) or not spec.low <= int(value) <= spec.high:
            raise _error(
                word.start,
                _m(
                    N_("{what} from {low} to {high} after {option}"),
                    what=_m(spec.what),
                    low=spec.low,
                    high=spec.high,
                    option=spec.name,
                ),
                found=value,
            )
        return int(value)
    # enum
    key = value.strip().lower()
    parsed = _parse_enum_value(spec, key)
    if parsed is None:
        raise _error(word.start, _after(spec, choices=True), found=value)
    return parsed


def _after(spec: _Option, *, choices: bool = False) -> Message:
    """ "a sentiment (positive, neutral, negative) after --sentiment" as a `Message`."""
    if choices:
        return _m(
            N_("{what} ({choices}) after {option}"),
            what=_m(spec.what),
            choices=", ".join(spec.choices),
            option=spec.name,
        )
    return _m(N_("{what} after {option}"), what=_m(spec.what), option=spec.name)


def _parse_enum_value(spec: _Option, key: str) -> Any:
    try:
        if spec.attr == "sort":
            return PortfolioSort.parse(key)
        if spec.attr == "sentiment":
            return Sentiment(key)
        if spec.attr == "stage":
            return Stage.parse(key)
        if spec.attr == "output":
            return OutputFormat(key)
        if spec.attr == "role":
            return records.ContactRole(key)
        if spec.attr == "kind":
            return ActivityKind(key)
        if spec.attr == "format":
            return ExportFormat("md" if key == "markdown" else key)
        if spec.attr == "because":
            return OverrideReason(key)
    except ValueError:
        return None
    return None  # pragma: no cover


def _enum_word(word: Word, parse, what: str, choices) -> Any:
    try:
        return parse(word.value.strip().lower())
    except ValueError:
        options = ", ".join(str(c) for c in choices)
        raise _error(
            word.start, _m(N_("{what} ({options})"), what=_m(what), options=options), word.value
        ) from None


def _text_word(word: Word, what: str) -> str:
    if not word.value.strip():
        raise _error(word.start, what, found=word.value)
    return word.value


def parse_command(text: str) -> Command:
    """Read one command line; raise `CommandError` naming the position and what was expected."""
    words = split_words(text)
    if not words:
        raise _error(0, _m(N_("a command ({verbs}) or a filter"), verbs=", ".join(VERBS)))
    first = words[0]
    verb = first.value.lower() if not first.quoted and not first.is_option else ""
    if verb not in VERBS:
        return _bare_filter(text, words)
    line = _Line(text, words, verb, 1)
    builder = _BUILDERS[verb]
    return builder(line)


_VERBISH = re.compile(r"[A-Za-z][A-Za-z_-]*")


def _bare_filter(text: str, words: list[Word]) -> FilterCommand:
    """A line with no verb is a filter — when it starts like one: a `key:value` term, a
    "quoted phrase", a word that is not a Latin word (云图, 3m). A plain Latin word first is
    read as a verb: an unknown one is an error naming the nearest verbs, never a name search
    that quietly finds nothing (write `filter acme` or `"acme"` to search names)."""
    first = words[0]
    if not first.quoted and _VERBISH.fullmatch(first.raw):
        raise _error(0, _unknown_verb(first.raw), found=first.raw)
    line = _Line(text, [Word(0, 0, "", "", False), *words], "filter", 1)
    return _build_filter(line)


def _unknown_verb(typed: str) -> Message:
    import difflib

    word = typed.lower()
    close = [v for v in VERBS if _one_slip(word, v)]
    close += [v for v in difflib.get_close_matches(word, VERBS, n=3, cutoff=0.6) if v not in close]
    if not close:
        return _m(
            N_("a command ({verbs}); to search names for it, write: filter {typed}"),
            verbs=", ".join(VERBS),
            typed=typed,
        )
    if len(close) == 1:
        return _m(
            N_('a command; did you mean "{verb}"? (to search names for it, write: filter {typed})'),
            verb=close[0],
            typed=typed,
        )
    return _m(
        N_("a command; did you mean {verbs} or \"{last}\"? "
           "(to search names for it, write: filter {typed})"),
        verbs=", ".join(f'"{v}"' for v in close[: min(3, len(close)) - 1]),
        last=close[min(3, len(close)) - 1],
        typed=typed,
    )  # fmt: skip


def _one_slip(word: str, verb: str) -> bool:
    """Is `word` `verb` with two neighbouring letters swapped (lgo, tsak)?"""
    if len(word) != len(verb) or len(word) < 3 or word == verb:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, verb, strict=True)) if a != b]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and word[diff[0]] == verb[diff[1]]
        and (word[diff[1]] == verb[diff[0]])
    )


def _build_filter(line: _Line) -> FilterCommand:
    line.read_options(_OPTIONS["filter"])
    flt = parse_filter(line.filter_text(line.positional))
    return FilterCommand(filter=flt, **line.options)


def _build_open(line: _Line) -> OpenCommand:
    line.read_options(_OPTIONS["open"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return OpenCommand(account=account, **line.options)


def _build_log(line: _Line) -> LogCommand:
    line.read_options(_OPTIONS["log"])
    kind = _enum_word(
        line.need(0, N_("a kind of activity")),
        ActivityKind,
        N_("a kind of activity"),
        list(ActivityKind),
    )
    account = _text_word(line.need(1, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(2)
    if "summary" not in line.options:
        raise _error(
            min(line.positional[1].end + 1, len(line.text)),
            N_('--summary "what was said" (every log needs a summary)'),
        )
    return LogCommand(kind=kind, account=account, **line.options)


def _build_check(line: _Line, done: bool = True) -> CheckCommand:
    line.read_options(_OPTIONS["check"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    item = _text_word(
        line.need(1, N_("a checklist item (its key or label)")), N_("a checklist item")
    )
    line.no_more(2)
    return CheckCommand(account=account, item=item, done=done, **line.options)


def _build_stage(line: _Line) -> StageCommand:
    line.read_options(_OPTIONS["stage"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    target = None
    if len(line.positional) > 1:
        target = _enum_word(
            line.positional[1], Stage.parse, N_("a stage"), [s.value for s in Stage]
        )
    line.no_more(2)
    return StageCommand(account=account, target=target, **line.options)


def _build_task(line: _Line) -> TaskCommand | TaskDoneCommand | TaskTakeCommand:
    words = line.words
    if len(words) > 1 and not words[1].quoted and words[1].value.lower() == "take":
        line.start = 2
        line.read_options(_TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = _text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskTakeCommand(task=task, **line.options)
    if len(words) > 1 and not words[1].quoted and words[1].value.lower() in _TASK_WORDS:
        done = words[1].value.lower() == "done"
        line.start = 2
        line.read_options(_TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = _text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskDoneCommand(task=task, done=done, **line.options)
    line.read_options(_OPTIONS["task"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    title = _text_word(line.need(1, N_("the task's title")), N_("the task's title"))
    line.no_more(2)
    return TaskCommand(account=account, title=title, **line.options)


def _build_prep(line: _Line) -> PrepCommand:
    line.read_options(_OPTIONS["prep"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return PrepCommand(account=account, **line.options)


def _build_assign(line: _Line) -> AssignCommand:
    line.read_options(_OPTIONS["assign"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    what = N_('the new owner (a user\'s name or id, or "me")')
    owner = _text_word(line.need(1, what), what)
    line.no_more(2)
    return AssignCommand(account=account, owner=owner, **line.options)


def _build_plain(cls: type[Command]):
    def build(line: _Line) -> Command:
        line.read_options(_OPTIONS[cls.verb])
        line.no_more(0)
        return cls(**line.options)

    return build


def _build_export(line: _Line) -> ExportCommand:
    line.read_options(_OPTIONS["export"])
    target_word = line.need(0, N_("what to export (portfolio, coverage, prep)"))
    target = _enum_word(
        target_word, ExportTarget, N_("what to export"), [t.value for t in ExportTarget]
    )
    options = dict(line.options)
    account = None
    flt = PortfolioFilter()
    if target is ExportTarget.PREP:
        account = _text_word(line.need(1, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(2)
    elif target is ExportTarget.PORTFOLIO:
        flt = parse_filter(line.filter_text(line.positional[1:]))
    else:
        line.no_more(1)
    for attr, allowed in (("team", ExportTarget.COVERAGE), ("sort", ExportTarget.PORTFOLIO)):
        if attr in options and target is not allowed:
            word = next(w for w in line.option_words if w.raw.lower().startswith(f"--{attr}"))
            raise _error(
                word.start,
                _m(N_("no --{option} when exporting {target}"), option=attr, target=target.value),
                found=word.raw,
            )
    fmt = options.pop("format", None)
    if fmt is None and "out" in options:
        fmt = _SUFFIX_FORMATS.get(PurePath(options["out"]).suffix.lower())
        if fmt is None:
            raise _error(
                len(line.text), N_("--format csv, json or md (the file name does not say)")
            )
    if fmt is None:
        fmt = EXPORT_FORMATS[target][0]
    if fmt not in EXPORT_FORMATS[target]:
        allowed = ", ".join(f.value for f in EXPORT_FORMATS[target])
        word = next((w for w in line.option_words if w.raw.lower().startswith("--format")), None)
        raise _error(
            word.start if word else len(line.text),
            _m(N_("a format for {target} ({allowed})"), target=target.value, allowed=allowed),
            found=fmt.value,
        )
    return ExportCommand(target=target, format=fmt, account=account, filter=flt, **options)


def _build_import(line: _Line) -> ImportCommand:
    line.read_options(_OPTIONS["import"])
    target = _enum_word(
        line.need(0, N_("what to import (accounts, contacts)")),
        ImportTarget,
        N_("what to import"),
        [t.value for t in ImportTarget],
    )
    file = _text_word(line.need(1, N_("the CSV file to import")), N_("a file"))
    line.no_more(2)
    return ImportCommand(target=target, file=file, **line.options)


def _build_help(line: _Line) -> HelpCommand:
    line.read_options(_OPTIONS["help"])
    topic = None
    if line.positional:
        word = line.positional[0]
        topic = word.value.lower()
        if topic not in VERBS:
            raise _error(
                word.start, _m(N_("a verb ({verbs})"), verbs=", ".join(VERBS)), found=word.value
            )
    line.no_more(1)
    return HelpCommand(topic=topic, **line.options)


_AMOUNT_WORD = re.compile(r"(\d+(?:\.\d+)?)([kKmM万]?)")
_AMOUNT_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "万": 10_000}


def _build_renewal(outcome: RenewalOutcome):
    verb = _OUTCOME_VERBS[outcome]

    def build(line: _Line) -> RenewalCommand:
        line.read_options(_OPTIONS[verb])
        account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        return RenewalCommand(outcome=outcome, account=account, **line.options)

    return build


def _build_snooze(line: _Line) -> SnoozeCommand:
    line.read_options(_OPTIONS["snooze"])
    what = N_("a task id (the id, or a unique prefix or suffix of it)")
    task = _text_word(line.need(0, what), what)
    line.no_more(1)
    return SnoozeCommand(task=task, **line.options)


def _build_timeline(line: _Line) -> TimelineCommand:
    line.read_options(_OPTIONS["timeline"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return TimelineCommand(account=account, **line.options)


def _build_resolve(line: _Line) -> ResolveCommand:
    line.read_options(_OPTIONS["resolve"])
    what = N_("a conflict's number (conflicts lists them)")
    word = line.need(0, what)
    if not re.fullmatch(r"\d{1,18}", word.value) or int(word.value) < 1:
        raise _error(word.start, what, found=word.value)
    choice = _enum_word(
        line.need(1, N_("mine, theirs or edit")),
        ConflictChoice,
        N_("how to settle it"),
        [c.value for c in ConflictChoice],
    )
    line.no_more(2)
    values = line.options.get("values", ())
    set_words = [w for w in line.option_words if w.raw.lower().startswith("--set")]
    if values and choice is not ConflictChoice.EDIT:
        raise _error(
            set_words[0].start,
            _m(N_("no --set with {choice} (only with edit)"), choice=choice.value),
            found=set_words[0].raw,
        )
    if choice is ConflictChoice.EDIT and not values:
        raise _error(len(line.text), N_("--set FIELD=VALUE (the values to keep) after edit"))
    for value in values:
        name, eq, _ = value.partition("=")
        if not eq or not name.strip():
            at = next((w.start for w in line.option_words if w.value == value), len(line.text))
            raise _error(at, N_("FIELD=VALUE after --set"), found=value)
    return ResolveCommand(conflict=int(word.value), choice=choice, **line.options)


def _build_change(cls: type[RetryCommand] | type[DismissCommand]):
    def build(line: _Line) -> Command:
        line.read_options(_OPTIONS[cls.verb])
        what = N_("a refused change's id (refused lists them; a unique prefix or suffix will do)")
        change = _text_word(line.need(0, what), what)
        line.no_more(1)
        return cls(change=change, **line.options)

    return build


def _build_tier(line: _Line) -> TierCommand:
    line.read_options(_OPTIONS["tier"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    choices = [t.value for t in Tier] + [TIER_AUTO]
    word = line.need(1, _m(N_("a tier ({options})"), options=", ".join(choices)))
    tier = None
    if word.value.strip().lower() != TIER_AUTO:
        tier = _enum_word(word, Tier.parse, N_("a tier"), choices)
    line.no_more(2)
    return TierCommand(account=account, tier=tier, **line.options)


def _build_reference(line: _Line) -> ReferenceCommand:
    line.read_options(_OPTIONS["reference"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    word = line.need(1, N_("yes or no"))
    key = word.value.strip().lower()
    if key not in ("yes", "no"):
        raise _error(word.start, N_("yes or no"), found=word.value)
    line.no_more(2)
    return ReferenceCommand(account=account, is_reference=key == "yes", **line.options)


def _build_account_only(cls: type[TasksCommand] | type[ContactsCommand] | type[NotesCommand]):
    def build(line: _Line) -> Command:
        line.read_options(_OPTIONS[cls.verb])
        account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        if cls is NotesCommand and "set" in line.options and "append" in line.options:
            word = next(w for w in line.option_words if w.raw.lower().startswith("--append"))
            raise _error(word.start, N_("--set or --append, not both"), found=word.raw)
        return cls(account=account, **line.options)

    return build


def _build_contact(line: _Line) -> ContactCommand:
    words = line.words
    if len(words) < 2 or words[1].quoted or words[1].value.lower() not in _CONTACT_WORDS:
        at = words[1].start if len(words) > 1 else len(line.text) + (1 if line.text else 0)
        found = words[1].value if len(words) > 1 else None
        raise _error(min(at, len(line.text)), N_("add or edit after contact"), found=found)
    edit = words[1].value.lower() == "edit"
    line.start = 2
    line.read_options(_OPTIONS["contact"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    what = (
        N_("the contact (a name, a unique prefix or an id)") if edit else N_("the contact's name")
    )
    name = _text_word(line.need(1, what), what)
    line.no_more(2)
    if not edit and "new_name" in line.options:
        word = next(w for w in line.option_words if w.raw.lower().startswith("--name"))
        raise _error(word.start, N_("no --name with add (the name follows the account)"),
                     found=word.raw)  # fmt: skip
    return ContactCommand(edit=edit, account=account, name=name, **line.options)


def _build_amend(line: _Line) -> AmendCommand:
    line.read_options(_OPTIONS["amend"])
    line.no_more(0)
    changes = set(line.options) - {"output", "dry_run"}
    if not changes:
        raise _error(len(line.text), N_("what to change (--summary, --minutes, --next, --when, "
                                        "--sentiment or --kind)"))  # fmt: skip
    return AmendCommand(**line.options)


_BUILDERS = {
    "filter": _build_filter,
    "open": _build_open,
    "log": _build_log,
    "check": _build_check,
    "uncheck": lambda line: _build_check(line, done=False),
    "stage": _build_stage,
    "task": _build_task,
    "prep": _build_prep,
    "assign": _build_assign,
    "coverage": _build_plain(CoverageCommand),
    "backtest": _build_plain(BacktestCommand),
    "sync": _build_plain(SyncCommand),
    "export": _build_export,
    "import": _build_import,
    "today": _build_plain(TodayCommand),
    "help": _build_help,
    "renew": _build_renewal(RenewalOutcome.RENEWED),
    "churn": _build_renewal(RenewalOutcome.CHURNED),
    "winback": _build_renewal(RenewalOutcome.WIN_BACK),
    "tier": _build_tier,
    "reference": _build_reference,
    "snooze": _build_snooze,
    "timeline": _build_timeline,
    "conflicts": _build_plain(ConflictsCommand),
    "resolve": _build_resolve,
    "refused": _build_plain(RefusedCommand),
    "retry": _build_change(RetryCommand),
    "dismiss": _build_change(DismissCommand),
    "tasks": _build_account_only(TasksCommand),
    "contacts": _build_account_only(ContactsCommand),
    "contact": _build_contact,
    "notes": _build_account_only(NotesCommand),
    "undo": _build_plain(UndoCommand),
    "amend": _build_amend,
}
