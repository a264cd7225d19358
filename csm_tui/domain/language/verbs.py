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
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import PurePath
from typing import Any, TypeVar

from csm_tui.domain import records
from csm_tui.domain.language.filters import MAX_AMOUNT, PortfolioFilter, PortfolioSort, parse_filter
from csm_tui.domain.language.lexer import Word, split_words
from csm_tui.domain.language.verb_options import (
    ACCOUNT_EXPECTED,
    EXPORT_FORMATS,
    OPTIONS,
    OUTCOME_VERBS,
    SUFFIX_FORMATS,
    TASK_DONE_OPTIONS,
    VERBS,
    ExportFormat,
    ExportTarget,
    ImportTarget,
    OptionSpec,
    OutputFormat,
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
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.renewals import RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.i18n import N_, Message


def _error(position: int, expected: Message | str, found: str | None = None) -> CommandError:
    """`expected` is a `Message`, or a template marked `N_` with no values."""
    words = expected if isinstance(expected, Message) else Message.of(expected)
    return CommandError(position, words, found)


_E = TypeVar("_E", bound=Enum)


def _m(template: str | Message, /, **values: Any) -> Message:
    if isinstance(template, Message):
        return template
    return Message.of(template, **values)


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

    def read_options(self, specs: dict[str, OptionSpec], *, keep_positional: bool = True) -> None:
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

    def need(self, index: int, what: str | Message) -> Word:
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
            options = ", ".join(o for o in OPTIONS.get(self.verb, {}))
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


_Builder = Callable[[_Line], Command]
"""Reads one verb's line into its command."""


def _inline_value(word: Word, offset: int) -> Word:
    """The value of `--name=value` as a word of its own (quotes read)."""
    raw = word.raw[offset:]
    start = word.start + offset
    if not raw:
        return Word(start, start, "", "", quoted=False)
    sub = split_words(raw, CommandError)
    if len(sub) != 1:  # pragma: no cover - a word holds no unquoted space
        raise _error(start, N_("one value"))
    w = sub[0]
    return Word(start + w.start, start + w.end, w.raw, w.value, w.quoted)


def _option_value(spec: OptionSpec, word: Word) -> Any:
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


def _after(spec: OptionSpec, *, choices: bool = False) -> Message:
    """ "a sentiment (positive, neutral, negative) after --sentiment" as a `Message`."""
    if choices:
        return _m(
            N_("{what} ({choices}) after {option}"),
            what=_m(spec.what),
            choices=", ".join(spec.choices),
            option=spec.name,
        )
    return _m(N_("{what} after {option}"), what=_m(spec.what), option=spec.name)


def _parse_enum_value(spec: OptionSpec, key: str) -> Any:
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


def _enum_word(word: Word, parse: Callable[[str], _E], what: str, choices: Iterable[object]) -> _E:
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
    words = split_words(text, CommandError)
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
    line.read_options(OPTIONS["filter"])
    flt = parse_filter(line.filter_text(line.positional))
    return FilterCommand(filter=flt, **line.options)


def _build_open(line: _Line) -> OpenCommand:
    line.read_options(OPTIONS["open"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return OpenCommand(account=account, **line.options)


def _build_log(line: _Line) -> LogCommand:
    line.read_options(OPTIONS["log"])
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
    line.read_options(OPTIONS["check"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    item = _text_word(
        line.need(1, N_("a checklist item (its key or label)")), N_("a checklist item")
    )
    line.no_more(2)
    return CheckCommand(account=account, item=item, done=done, **line.options)


def _build_stage(line: _Line) -> StageCommand:
    line.read_options(OPTIONS["stage"])
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
        line.read_options(TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = _text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskTakeCommand(task=task, **line.options)
    if len(words) > 1 and not words[1].quoted and words[1].value.lower() in TASK_WORDS:
        done = words[1].value.lower() == "done"
        line.start = 2
        line.read_options(TASK_DONE_OPTIONS)
        what = N_("a task id (the id, or a unique prefix or suffix of it)")
        task = _text_word(line.need(0, what), what)
        line.no_more(1)
        return TaskDoneCommand(task=task, done=done, **line.options)
    line.read_options(OPTIONS["task"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    title = _text_word(line.need(1, N_("the task's title")), N_("the task's title"))
    line.no_more(2)
    return TaskCommand(account=account, title=title, **line.options)


def _build_prep(line: _Line) -> PrepCommand:
    line.read_options(OPTIONS["prep"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return PrepCommand(account=account, **line.options)


def _build_assign(line: _Line) -> AssignCommand:
    line.read_options(OPTIONS["assign"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    what = N_('the new owner (a user\'s name or id, or "me")')
    owner = _text_word(line.need(1, what), what)
    line.no_more(2)
    return AssignCommand(account=account, owner=owner, **line.options)


def _build_plain(cls: type[Command]) -> _Builder:
    def build(line: _Line) -> Command:
        line.read_options(OPTIONS[cls.verb])
        line.no_more(0)
        return cls(**line.options)

    return build


def _build_export(line: _Line) -> ExportCommand:
    line.read_options(OPTIONS["export"])
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


def _build_import(line: _Line) -> ImportCommand:
    line.read_options(OPTIONS["import"])
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


_AMOUNT_WORD = re.compile(r"(\d+(?:\.\d+)?)([kKmM万]?)")
_AMOUNT_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "万": 10_000}


def _build_renewal(outcome: RenewalOutcome) -> _Builder:
    verb = OUTCOME_VERBS[outcome]

    def build(line: _Line) -> RenewalCommand:
        line.read_options(OPTIONS[verb])
        account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        return RenewalCommand(outcome=outcome, account=account, **line.options)

    return build


def _build_snooze(line: _Line) -> SnoozeCommand:
    line.read_options(OPTIONS["snooze"])
    what = N_("a task id (the id, or a unique prefix or suffix of it)")
    task = _text_word(line.need(0, what), what)
    line.no_more(1)
    return SnoozeCommand(task=task, **line.options)


def _build_timeline(line: _Line) -> TimelineCommand:
    line.read_options(OPTIONS["timeline"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    line.no_more(1)
    return TimelineCommand(account=account, **line.options)


def _build_resolve(line: _Line) -> ResolveCommand:
    line.read_options(OPTIONS["resolve"])
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


def _build_change(cls: type[RetryCommand] | type[DismissCommand]) -> _Builder:
    def build(line: _Line) -> Command:
        line.read_options(OPTIONS[cls.verb])
        what = N_("a refused change's id (refused lists them; a unique prefix or suffix will do)")
        change = _text_word(line.need(0, what), what)
        line.no_more(1)
        return cls(change=change, **line.options)

    return build


def _build_tier(line: _Line) -> TierCommand:
    line.read_options(OPTIONS["tier"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    choices = [t.value for t in Tier] + [TIER_AUTO]
    word = line.need(1, _m(N_("a tier ({options})"), options=", ".join(choices)))
    tier = None
    if word.value.strip().lower() != TIER_AUTO:
        tier = _enum_word(word, Tier.parse, N_("a tier"), choices)
    line.no_more(2)
    return TierCommand(account=account, tier=tier, **line.options)


def _build_reference(line: _Line) -> ReferenceCommand:
    line.read_options(OPTIONS["reference"])
    account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
    word = line.need(1, N_("yes or no"))
    key = word.value.strip().lower()
    if key not in ("yes", "no"):
        raise _error(word.start, N_("yes or no"), found=word.value)
    line.no_more(2)
    return ReferenceCommand(account=account, is_reference=key == "yes", **line.options)


def _build_account_only(
    cls: type[TasksCommand] | type[ContactsCommand] | type[NotesCommand],
) -> _Builder:
    def build(line: _Line) -> Command:
        line.read_options(OPTIONS[cls.verb])
        account = _text_word(line.need(0, ACCOUNT_EXPECTED), ACCOUNT_EXPECTED)
        line.no_more(1)
        if cls is NotesCommand and "set" in line.options and "append" in line.options:
            word = next(w for w in line.option_words if w.raw.lower().startswith("--append"))
            raise _error(word.start, N_("--set or --append, not both"), found=word.raw)
        return cls(account=account, **line.options)

    return build


def _build_contact(line: _Line) -> ContactCommand:
    words = line.words
    if len(words) < 2 or words[1].quoted or words[1].value.lower() not in CONTACT_WORDS:
        at = words[1].start if len(words) > 1 else len(line.text) + (1 if line.text else 0)
        found = words[1].value if len(words) > 1 else None
        raise _error(min(at, len(line.text)), N_("add or edit after contact"), found=found)
    edit = words[1].value.lower() == "edit"
    line.start = 2
    line.read_options(OPTIONS["contact"])
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
    line.read_options(OPTIONS["amend"])
    line.no_more(0)
    changes = set(line.options) - {"output", "dry_run"}
    if not changes:
        raise _error(len(line.text), N_("what to change (--summary, --minutes, --next, --when, "
                                        "--sentiment or --kind)"))  # fmt: skip
    return AmendCommand(**line.options)


_BUILDERS: dict[str, _Builder] = {
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
