"""The verbs of the command language, their `--options` and how each is written (`USAGE`),
and the values options take (`OutputFormat`, `ExportFormat`, ...).

`OPTIONS[verb]` maps each option's name to its `OptionSpec`: the field of the command it
fills, the kind of value it reads (for `verbs.parse_command`) and how it prints (for
`Command.to_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from csm_tui.domain import records
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort, amount_text
from csm_tui.domain.language.lexer import word_text
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.renewals import RenewalOutcome
from csm_tui.domain.tiers import OverrideReason
from csm_tui.domain.validity import MAX_MINUTES
from csm_tui.i18n import N_


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
SUFFIX_FORMATS = {".csv": ExportFormat.CSV, ".json": ExportFormat.JSON, ".md": ExportFormat.MD,
                   ".markdown": ExportFormat.MD}  # fmt: skip


class ImportTarget(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"


NO_FILTER = PortfolioFilter()  # frozen: safe as a shared default
MAX_LIMIT = 1_000_000
MAX_DAYS = 3_650  # the longest snooze: ten years

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
# ----------------------------------------------------------------------------- options


@dataclass(frozen=True)
class OptionSpec:
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


def _enum_option(name: str, attr: str, what: str, values: tuple[str, ...]) -> OptionSpec:
    return OptionSpec(name, attr, "enum", what, values)


_OUTPUT = _enum_option(
    "--format", "output", N_("an output format"), tuple(f.value for f in OutputFormat)
)
_DRY = OptionSpec("--dry-run", "dry_run", "flag")
_SORT = _enum_option("--sort", "sort", N_("a sort order"), tuple(s.value for s in PortfolioSort))


_ARR = OptionSpec("--arr", "arr", "amount", N_("an ARR like 120000, 120k or 1.2m"))
_TERM_END = OptionSpec("--term-end", "term_end", "text", N_("the end of the new term"))
_ON = OptionSpec("--on", "on", "text", N_("the day of the decision"))
_REASON = OptionSpec("--reason", "reason", "text", N_("a reason"))

OPTIONS: dict[str, dict[str, OptionSpec]] = {
    "filter": {
        "--sort": _SORT,
        "--limit": OptionSpec("--limit", "limit", "int", N_("a number of rows"), low=1,
                           high=MAX_LIMIT),
        "--format": _OUTPUT,
    },
    "open": {"--format": _OUTPUT},
    "log": {
        "--minutes": OptionSpec("--minutes", "minutes", "int", N_("a whole number of minutes"),
                             low=0, high=MAX_MINUTES),
        "--summary": OptionSpec("--summary", "summary", "text", N_("what was said")),
        "--next": OptionSpec("--next", "next_steps", "text", N_("next steps")),
        "--when": OptionSpec("--when", "when", "text", N_("when it happened")),
        "--sentiment": _enum_option("--sentiment", "sentiment", N_("a sentiment"),
                                    tuple(s.value for s in Sentiment)),
        "--with": OptionSpec("--with", "contacts", "list", N_("a contact of the account")),
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
        "--due": OptionSpec("--due", "due", "text", N_("a due date")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "prep": {
        "--export": OptionSpec("--export", "export", "text", N_("a file to write the sheet to")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "assign": {"--format": _OUTPUT, "--dry-run": _DRY},
    "coverage": {
        "--team": OptionSpec("--team", "team", "text", N_("a team's name or id")),
        "--period": OptionSpec(
            "--period", "period", "text", N_("a period: q3, fy2026, fy2026q3 or ttm")
        ),
        "--format": _OUTPUT,
    },
    "backtest": {
        "--days-before": OptionSpec("--days-before", "days_before", "int",
                                 "a whole number of days", low=0, high=3650),
        "--team": OptionSpec("--team", "team", "text", N_("a team's name or id")),
        "--format": _OUTPUT,
    },
    "sync": {"--format": _OUTPUT},
    "export": {
        "--team": OptionSpec("--team", "team", "text", N_("a team's name or id")),
        "--sort": _SORT,
        "--format": _enum_option("--format", "format", N_("an export format"),
                                 tuple(f.value for f in ExportFormat)),
        "--out": OptionSpec("--out", "out", "text", N_("the file to write")),
        "--excel": OptionSpec("--excel", "excel", "flag"),
        "--dry-run": _DRY,
    },
    "import": {
        "--mapping": OptionSpec("--mapping", "mapping", "text",
                             "a column mapping (hubspot, salesforce or a mapping file)"),
        "--owner": OptionSpec("--owner", "owner", "text", N_("the owner of new accounts")),
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
        "--days": OptionSpec("--days", "days", "int", N_("a number of days"), low=1, high=MAX_DAYS),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "timeline": {
        "--type": OptionSpec("--type", "kinds", "kinds",
                             N_("kinds of activity"),
                             tuple(k.value for k in ActivityKind)),
        "--limit": OptionSpec("--limit", "limit", "int", N_("a number of activities"), low=1,
                           high=MAX_LIMIT),
        "--format": _OUTPUT,
    },
    "conflicts": {"--all": OptionSpec("--all", "all", "flag"), "--format": _OUTPUT},
    "resolve": {
        "--set": OptionSpec("--set", "values", "list",
                            N_("FIELD=VALUE (a value to keep, for edit)")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "refused": {"--format": _OUTPUT},
    "tasks": {"--done": OptionSpec("--done", "done", "flag"), "--format": _OUTPUT},
    "contacts": {"--format": _OUTPUT},
    "contact": {
        "--name": OptionSpec("--name", "new_name", "text", N_("the contact's new name")),
        "--title": OptionSpec("--title", "title", "text", N_("a job title")),
        "--email": OptionSpec("--email", "email", "text", N_("an email address")),
        "--phone": OptionSpec("--phone", "phone", "text", N_("a phone number")),
        "--role": _enum_option("--role", "role", N_("a role"),
                               tuple(r.value for r in records.ContactRole)),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "notes": {
        "--set": OptionSpec("--set", "set", "text", N_("the notes' new text")),
        "--append": OptionSpec("--append", "append", "text", N_("a line to add to the notes")),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "undo": {"--format": _OUTPUT, "--dry-run": _DRY},
    "amend": {
        "--kind": _enum_option("--kind", "kind", N_("a kind of activity"),
                               tuple(k.value for k in ActivityKind)),
        "--summary": OptionSpec("--summary", "summary", "text", N_("what was said")),
        "--minutes": OptionSpec("--minutes", "minutes", "int", N_("a whole number of minutes"),
                             low=0, high=MAX_MINUTES),
        "--next": OptionSpec("--next", "next_steps", "text", N_("next steps")),
        "--when": OptionSpec("--when", "when", "text", N_("when it happened")),
        "--sentiment": _enum_option("--sentiment", "sentiment", N_("a sentiment"),
                                    tuple(s.value for s in Sentiment)),
        "--format": _OUTPUT,
        "--dry-run": _DRY,
    },
    "retry": {"--format": _OUTPUT, "--dry-run": _DRY},
    "dismiss": {"--format": _OUTPUT, "--dry-run": _DRY},
}  # fmt: skip
OUTCOME_VERBS = {
    RenewalOutcome.RENEWED: "renew",
    RenewalOutcome.CHURNED: "churn",
    RenewalOutcome.WIN_BACK: "winback",
}
TASK_DONE_OPTIONS = {"--format": _OUTPUT, "--dry-run": _DRY}

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
