"""One command line being read by the verb grammar: its positional words and its
`--options` (each read by its `OptionSpec`), and the errors that point into it.

`verbs.parse_command` makes a `VerbLine` for the verb it found; each verb's builder reads
its options (`read_options`), its positional words (`need`, `no_more`) and the filter text
(`filter_text`), then makes its `Command`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, TypeVar

from csm_tui.domain import records
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.language.filters import PortfolioSort
from csm_tui.domain.language.lexer import Word, split_words
from csm_tui.domain.language.verb_options import (
    OPTIONS,
    OptionSpec,
    OutputFormat,
)
from csm_tui.domain.language.verb_types import Command, CommandError
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import MAX_AMOUNT
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.tiers import OverrideReason
from csm_tui.i18n import N_, Message

AMOUNT_WORD = re.compile(r"(\d+(?:\.\d+)?)([kKmM万]?)")
AMOUNT_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "万": 10_000}


def command_error(position: int, expected: Message | str, found: str | None = None) -> CommandError:
    """`expected` is a `Message`, or a template marked `N_` with no values."""
    said = expected if isinstance(expected, Message) else Message.of(expected)
    return CommandError(position, said, found)


E = TypeVar("E", bound=Enum)


def phrase(template: str | Message, /, **values: Any) -> Message:
    if isinstance(template, Message):
        return template
    return Message.of(template, **values)


# ----------------------------------------------------------------------------- parsing


class VerbLine:
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
                raise command_error(
                    word.start,
                    phrase(N_("an option of {verb} ({names})"), verb=self.verb, names=names),
                    found=name,
                )
            if spec.attr in self.options and spec.kind != "list":
                raise command_error(
                    word.start, phrase(N_("{option} only once"), option=spec.name), found=name
                )
            self.option_words.append(word)
            if spec.kind == "flag":
                if eq:
                    raise command_error(
                        word.start + len(name),
                        phrase(N_("no value after {option}"), option=spec.name),
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
                    raise command_error(at, _after(spec))
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
            raise command_error(
                extra.start,
                phrase(N_("an option of {verb} or the end"), verb=self.verb),
                found=extra.raw,
            )

    def need(self, index: int, what: str | Message) -> Word:
        if index < len(self.positional):
            return self.positional[index]
        raise command_error(
            self._after(index),
            phrase(N_("{what} after {before}"), what=phrase(what), before=self._before(index)),
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
            raise command_error(
                extra.start,
                phrase(
                    N_("an option of {verb} ({options}) or the end"),
                    verb=self.verb,
                    options=options,
                )
                if options
                else phrase(N_("the end")),
                found=extra.raw,
            )

    def filter_text(self, words: list[Word]) -> str:
        """The line with everything but `words` blanked: positions stay where they were."""
        chars = [" "] * len(self.text)
        for w in words:
            chars[w.start : w.end] = self.text[w.start : w.end]
        return "".join(chars)


Builder = Callable[[VerbLine], Command]
"""Reads one verb's line into its command."""


def _inline_value(word: Word, offset: int) -> Word:
    """The value of `--name=value` as a word of its own (quotes read)."""
    raw = word.raw[offset:]
    start = word.start + offset
    if not raw:
        return Word(start, start, "", "", quoted=False)
    sub = split_words(raw, CommandError)
    if len(sub) != 1:  # pragma: no cover - a word holds no unquoted space
        raise command_error(start, N_("one value"))
    w = sub[0]
    return Word(start + w.start, start + w.end, w.raw, w.value, w.quoted)


def _option_value(spec: OptionSpec, word: Word) -> Any:
    value = word.value
    if spec.kind in ("text", "list"):
        if not value.strip():
            raise command_error(word.start, _after(spec), found=value or None)
        return value
    if spec.kind == "amount":
        match = AMOUNT_WORD.fullmatch(value.strip().replace(",", ""))
        if not match:
            raise command_error(word.start, _after(spec), found=value or None)
        amount = float(match.group(1)) * AMOUNT_UNITS[match.group(2).lower()]
        if amount > MAX_AMOUNT:
            raise command_error(
                word.start,
                phrase(N_("an amount up to 1000000m after {option}"), option=spec.name),
                found=value,
            )
        return amount
    if spec.kind == "kinds":
        kinds: list[ActivityKind] = []
        for part in value.split(","):
            try:
                kind = ActivityKind(part.strip().lower())
            except ValueError:
                raise command_error(
                    word.start,
                    _after(spec, choices=True),
                    found=part,
                ) from None
            if kind not in kinds:
                kinds.append(kind)
        return tuple(kinds)
    if spec.kind == "int":
        if not re.fullmatch(r"\d{1,9}", value) or not spec.low <= int(value) <= spec.high:
            raise command_error(
                word.start,
                phrase(
                    N_("{what} from {low} to {high} after {option}"),
                    what=phrase(spec.what),
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
        raise command_error(word.start, _after(spec, choices=True), found=value)
    return parsed


def _after(spec: OptionSpec, *, choices: bool = False) -> Message:
    """ "a sentiment (positive, neutral, negative) after --sentiment" as a `Message`."""
    if choices:
        return phrase(
            N_("{what} ({choices}) after {option}"),
            what=phrase(spec.what),
            choices=", ".join(spec.choices),
            option=spec.name,
        )
    return phrase(N_("{what} after {option}"), what=phrase(spec.what), option=spec.name)


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


def enum_word(word: Word, parse: Callable[[str], E], what: str, choices: Iterable[object]) -> E:
    try:
        return parse(word.value.strip().lower())
    except ValueError:
        options = ", ".join(str(c) for c in choices)
        raise command_error(
            word.start,
            phrase(N_("{what} ({options})"), what=phrase(what), options=options),
            word.value,
        ) from None


def text_word(word: Word, what: str) -> str:
    if not word.value.strip():
        raise command_error(word.start, what, found=word.value)
    return word.value
