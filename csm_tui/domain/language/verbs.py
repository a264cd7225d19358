"""The verb grammar of the command language (spec section 4): the palette's and the shell's.

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
    Split at white space by `language.lexer.split_words` (as `str.isspace` says, so the
    ideographic space counts). A word may hold "double-quoted" parts, which keep their
    spaces; quoted strings follow the lexer's one escape rule (the filter's too): ``\\"``
    is a quote, ``\\\\`` a backslash, ``\\n``, ``\\t`` and ``\\r`` a line feed, a tab and
    a carriage return; any other backslash is itself. Verbs are read in any case. A word
    starting with ``--`` outside quotes is an option (``--minutes 30`` or ``--minutes=30``),
    never a value: write ``"--x"`` for the text --x.
Filters
    Everything after `filter` (or the whole line, when it starts with no verb) that is not
    one of its options is read by `language.filters.parse_filter`, positions and all: the
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
from pathlib import PurePath

from csm_tui.domain.language.filters import PortfolioFilter, parse_filter
from csm_tui.domain.language.lexer import Word, split_words
from csm_tui.domain.language.verb_line import (
    Builder,
    VerbLine,
    enum_word,
    text_word,
)
from csm_tui.domain.language.verb_line import command_error as _error
from csm_tui.domain.language.verb_line import phrase as _m
from csm_tui.domain.language.verb_options import (
    ACCOUNT_EXPECTED,
    EXPORT_FORMATS,
    OPTIONS,
    OUTCOME_VERBS,
    SUFFIX_FORMATS,
    TASK_DONE_OPTIONS,
    VERBS,
    ExportTarget,
    ImportTarget,
)
from csm_tui.domain.language.verb_types import (
    CONTACT_WORDS,
    TASK_WORDS,
    TIER_AUTO,
    AmendCommand,
    AssignCommand,
    BacktestCommand,
    CheckCommand,
    Command,
    CommandError,
    ConflictChoice,
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
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.records import ActivityKind
from csm_tui.domain.renewals import RenewalOutcome
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message


def parse_command(text: str) -> Command:
    """Read one command line; raise `CommandError` naming the position and what was expected."""
    words = split_words(text, CommandError)
    if not words:
        raise _error(0, _m(N_("a command ({verbs}) or a filter"), verbs=", ".join(VERBS)))
    first = words[0]
    verb = first.value.lower() if not first.quoted and not first.is_option else ""
    if verb not in VERBS:
        return _bare_filter(text, words)
    line = VerbLine(text, words, verb, 1)
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
    line = VerbLine(text, [Word(0, 0, "", "", False), *words], "filter", 1)
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


def _build_filter(line: VerbLine) -> FilterCommand:
    line.read_options(OPTIONS["filter"])
    flt = parse_filter(line.filter_text(line.positional))
    return FilterCommand(filter=flt, **line.options)


def _build_open(line: VerbLine) -> OpenCommand:
    line.read_options(OPTIONS["open"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return OpenCommand(account=account, **line.options)


def _build_log(line: VerbLine) -> LogCommand:
    line.read_options(OPTIONS["log"])
    kind = enum_word(
        line.need(0, N_("a kind of activity")),
        ActivityKind,
        N_("a kind of activity"),
        list(ActivityKind),
    )
    account = text_word(line.need(1, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(2)
    if "summary" not in line.options:
        raise _error(
            min(line.positional[1].end + 1, len(line.text)),
            N_('--summary "what was said" (every log needs a summary)'),
        )
    return LogCommand(kind=kind, account=account, **line.options)


def _build_check(line: VerbLine, done: bool = True) -> CheckCommand:
    line.read_options(OPTIONS["check"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    item = text_word(
        line.need(1, N_("a checklist item (its key or label)")), N_("a checklist item")
    )
    line.no_more(2)
    return CheckCommand(account=account, item=item, done=done, **line.options)


def _build_stage(line: VerbLine) -> StageCommand:
    line.read_options(OPTIONS["stage"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    target = None
    if len(line.positional) > 1:
        target = enum_word(line.positional[1], Stage.parse, N_("a stage"), [s.value for s in Stage])
    line.no_more(2)
    return StageCommand(account=account, target=target, **line.options)


def _build_task(line: VerbLine) -> TaskCommand | TaskDoneCommand | TaskTakeCommand:
    words = line.words
    if len(words) > 1 and not words[1].quoted and words[1].value.lower() == "take":
        line.start = 2
        line.read_options(TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskTakeCommand(task=task, **line.options)
    if len(words) > 1 and not words[1].quoted and words[1].value.lower() in TASK_WORDS:
        done = words[1].value.lower() == "done"
        line.start = 2
        line.read_options(TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskDoneCommand(task=task, done=done, **line.options)
    line.read_options(OPTIONS["task"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    title = text_word(line.need(1, N_("the task's title")), N_("the task's title"))
    line.no_more(2)
    return TaskCommand(account=account, title=title, **line.options)


def _build_prep(line: VerbLine) -> PrepCommand:
    line.read_options(OPTIONS["prep"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return PrepCommand(account=account, **line.options)


def _build_assign(line: VerbLine) -> AssignCommand:
    line.read_options(OPTIONS["assign"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    what = N_('the new owner (a user\'s name or id, or "me")')
    owner = text_word(line.need(1, what), what)
    line.no_more(2)
    return AssignCommand(account=account, owner=owner, **line.options)


def _build_plain(cls: type[Command]) -> Builder:
    def build(line: VerbLine) -> Command:
        line.read_options(OPTIONS[cls.verb])
        line.no_more(0)
        return cls(**line.options)

    return build


def _build_export(line: VerbLine) -> ExportCommand:
    line.read_options(OPTIONS["export"])
    target_word = line.need(0, N_("what to export (portfolio, coverage, prep)"))
    target = enum_word(
        target_word, ExportTarget, N_("what to export"), [t.value for t in ExportTarget]
    )
    options = dict(line.options)
    account = None
    flt = PortfolioFilter()
    if target is ExportTarget.PREP:
        account = text_word(line.need(1, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
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
        fmt = SUFFIX_FORMATS.get(PurePath(options["out"]).suffix.lower())
        if fmt is None:
            raise _error(
                len(line.text), N_("--format csv, json or md (the file name does not say)")
            )
    if fmt is None:
        fmt = EXPORT_FORMATS[target][0]
    if fmt not in EXPORT_FORMATS[target]:
        formats = ", ".join(f.value for f in EXPORT_FORMATS[target])
        at = next(
            (w.start for w in line.option_words if w.raw.lower().startswith("--format")),
            len(line.text),
        )
        raise _error(
            at,
            _m(N_("a format for {target} ({allowed})"), target=target.value, allowed=formats),
            found=fmt.value,
        )
    return ExportCommand(target=target, format=fmt, account=account, filter=flt, **options)


def _build_import(line: VerbLine) -> ImportCommand:
    line.read_options(OPTIONS["import"])
    target = enum_word(
        line.need(0, N_("what to import (accounts, contacts)")),
        ImportTarget,
        N_("what to import"),
        [t.value for t in ImportTarget],
    )
    file = text_word(line.need(1, N_("the CSV file to import")), N_("a file"))
    line.no_more(2)
    return ImportCommand(target=target, file=file, **line.options)


def _build_help(line: VerbLine) -> HelpCommand:
    line.read_options(OPTIONS["help"])
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


def _build_renewal(outcome: RenewalOutcome) -> Builder:
    verb = OUTCOME_VERBS[outcome]

    def build(line: VerbLine) -> RenewalCommand:
        line.read_options(OPTIONS[verb])
        account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        return RenewalCommand(outcome=outcome, account=account, **line.options)

    return build


def _build_snooze(line: VerbLine) -> SnoozeCommand:
    line.read_options(OPTIONS["snooze"])
    what = N_("a task id (the id, or a unique prefix or suffix of it)")
    task = text_word(line.need(0, what), what)
    line.no_more(1)
    return SnoozeCommand(task=task, **line.options)


def _build_timeline(line: VerbLine) -> TimelineCommand:
    line.read_options(OPTIONS["timeline"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return TimelineCommand(account=account, **line.options)


def _build_resolve(line: VerbLine) -> ResolveCommand:
    line.read_options(OPTIONS["resolve"])
    what = N_("a conflict's number (conflicts lists them)")
    word = line.need(0, what)
    if not re.fullmatch(r"\d{1,18}", word.value) or int(word.value) < 1:
        raise _error(word.start, what, found=word.value)
    choice = enum_word(
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


def _build_change(cls: type[RetryCommand] | type[DismissCommand]) -> Builder:
    def build(line: VerbLine) -> Command:
        line.read_options(OPTIONS[cls.verb])
        what = N_("a refused change's id (refused lists them; a unique prefix or suffix will do)")
        change = text_word(line.need(0, what), what)
        line.no_more(1)
        return cls(change=change, **line.options)

    return build


def _build_tier(line: VerbLine) -> TierCommand:
    line.read_options(OPTIONS["tier"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    choices = [t.value for t in Tier] + [TIER_AUTO]
    word = line.need(1, _m(N_("a tier ({options})"), options=", ".join(choices)))
    tier = None
    if word.value.strip().lower() != TIER_AUTO:
        tier = enum_word(word, Tier.parse, N_("a tier"), choices)
    line.no_more(2)
    return TierCommand(account=account, tier=tier, **line.options)


def _build_reference(line: VerbLine) -> ReferenceCommand:
    line.read_options(OPTIONS["reference"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    word = line.need(1, N_("yes or no"))
    key = word.value.strip().lower()
    if key not in ("yes", "no"):
        raise _error(word.start, N_("yes or no"), found=word.value)
    line.no_more(2)
    return ReferenceCommand(account=account, is_reference=key == "yes", **line.options)


def _build_account_only(
    cls: type[TasksCommand] | type[ContactsCommand] | type[NotesCommand],
) -> Builder:
    def build(line: VerbLine) -> Command:
        line.read_options(OPTIONS[cls.verb])
        account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        if cls is NotesCommand and "set" in line.options and "append" in line.options:
            word = next(w for w in line.option_words if w.raw.lower().startswith("--append"))
            raise _error(word.start, N_("--set or --append, not both"), found=word.raw)
        return cls(account=account, **line.options)

    return build


def _build_contact(line: VerbLine) -> ContactCommand:
    words = line.words
    if len(words) < 2 or words[1].quoted or words[1].value.lower() not in CONTACT_WORDS:
        at = words[1].start if len(words) > 1 else len(line.text) + (1 if line.text else 0)
        found = words[1].value if len(words) > 1 else None
        raise _error(min(at, len(line.text)), N_("add or edit after contact"), found=found)
    edit = words[1].value.lower() == "edit"
    line.start = 2
    line.read_options(OPTIONS["contact"])
    account = text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    what = (
        N_("the contact (a name, a unique prefix or an id)") if edit else N_("the contact's name")
    )
    name = text_word(line.need(1, what), what)
    line.no_more(2)
    if not edit and "new_name" in line.options:
        word = next(w for w in line.option_words if w.raw.lower().startswith("--name"))
        raise _error(word.start, N_("no --name with add (the name follows the account)"),
                     found=word.raw)  # fmt: skip
    return ContactCommand(edit=edit, account=account, name=name, **line.options)


def _build_amend(line: VerbLine) -> AmendCommand:
    line.read_options(OPTIONS["amend"])
    line.no_more(0)
    changes = set(line.options) - {"output", "dry_run"}
    if not changes:
        raise _error(len(line.text), N_("what to change (--summary, --minutes, --next, --when, "
                                        "--sentiment or --kind)"))  # fmt: skip
    return AmendCommand(**line.options)


_BUILDERS: dict[str, Builder] = {
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
