"""What each verb of the command language reads to: the `Command` dataclasses, and the
canonical spelling of each (`Command.to_text()`; `parse_command(c.to_text()) == c`).

The grammar that builds them is `verbs.parse_command`; their options are in
`verb_options.OPTIONS`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from csm_tui.domain import records
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort, QueryError
from csm_tui.domain.language.lexer import quote, split_words, word_text
from csm_tui.domain.language.verb_options import (
    NO_FILTER,
    OPTIONS,
    OUTCOME_VERBS,
    TASK_DONE_OPTIONS,
    ExportTarget,
    ImportTarget,
    OptionSpec,
    OutputFormat,
)
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.renewals import RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier

# ----------------------------------------------------------------------------- errors


class CommandError(QueryError):
    """A command that cannot be read: where (0-based position) and what was expected."""


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
        for spec in OPTIONS[self.verb].values():
            value = getattr(self, spec.attr)
            out.extend(spec.print(value))
        return out

    def __str__(self) -> str:
        return self.to_text()


def print_options(specs: dict[str, OptionSpec], command: Command) -> list[str]:
    return [part for spec in specs.values() for part in spec.print(getattr(command, spec.attr))]


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


TASK_WORDS = frozenset({"done", "reopen", "take"})


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
        return [word_text(self.account, TASK_WORDS), word_text(self.title)]


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
        for spec in TASK_DONE_OPTIONS.values():
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
        for spec in TASK_DONE_OPTIONS.values():
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
        verb = OUTCOME_VERBS[self.outcome]
        return " ".join([verb, *self._parts(), *print_options(OPTIONS[verb], self)])

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


CONTACT_WORDS = frozenset({"add", "edit"})


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

    @property
    def writes(self) -> bool:  # type: ignore[override]  # only with --set or --append
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
