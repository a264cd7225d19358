"""The command language's lexer: words, quoted strings and positions, for both grammars.

The filter grammar (`filters.parse_filter`) and the verb grammar (`verbs.parse_command`)
read their text with these functions, so a quoted string means the same in both:

Quoted strings
    ``"..."`` keeps its spaces; inside it ``\\"`` is a quote, ``\\\\`` a backslash, ``\\n``,
    ``\\t`` and ``\\r`` a line feed, a tab and a carriage return; any other backslash is
    itself. An unclosed quote is an error at the end of the text. `quote` writes a string so
    that it reads back as itself.
White space
    is what `str.isspace` says (so the ideographic space counts).
Positions
    are 0-based indexes into the text read: where an error's caret goes.

Errors are `LanguageError` (a `MessageError`): the position and what was expected. Each
grammar raises its own subclass (`QueryError`, `CommandError`) and passes it to the lexer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from csm_tui.domain.errors import MessageError
from csm_tui.i18n import N_, Message


class LanguageError(MessageError):
    """Text of the language that cannot be read: where (`position`, 0-based, for a caret
    and JSON; its words say the column, from 1, as an editor counts) and what was
    expected. `expected_words` is what was expected as a `Message`; `str(error)` says it all
    in the interface language, `error.message` / `error.english()` in English."""

    def __init__(self, position: int, expected: Message, found: str | None = None) -> None:
        self.position = position
        self.expected_words = expected
        self.found = found
        if found is None:
            words = Message.of(
                N_("column {column}: expected {expected}"), column=position + 1, expected=expected
            )
        else:
            words = Message.of(
                N_('column {column}: expected {expected}, found "{found}"'),
                column=position + 1,
                expected=expected,
                found=found,
            )
        super().__init__(words)

    @property
    def expected(self) -> str:
        """What was expected, in English."""
        return self.expected_words.english()

    @property
    def message(self) -> str:
        """The whole error in English."""
        return self.english()


ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
"""What follows a backslash inside quotes, and what it stands for."""

_QUOTED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def read_quoted(
    text: str, start: int, error: type[LanguageError] = LanguageError
) -> tuple[str, int]:
    """Read `"..."` from `start` (the quote); returns (value, index after the closing quote).
    Raises `error` at the end of the text when the quote is not closed."""
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in ESCAPES:
            out.append(ESCAPES[text[i + 1]])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    expected = Message.of(
        N_('a closing " for the quote opened at column {column}'), column=start + 1
    )
    raise error(n, expected, None)


def quote(value: str) -> str:
    """`value` quoted, escapes included: `read_quoted` gives `value` back."""
    return '"' + "".join(_QUOTED.get(ch, ch) for ch in value) + '"'


def bare_end(text: str, i: int, stops: str) -> int:
    """Where the unquoted run of characters from `i` ends: at white space, a character of
    `stops`, or the end of the text."""
    n = len(text)
    while i < n and not text[i].isspace() and text[i] not in stops:
        i += 1
    return i


def skip_space(text: str, i: int) -> int:
    """The index of the first character at or after `i` that is not white space."""
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    return i


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


def split_words(text: str, error: type[LanguageError] = LanguageError) -> list[Word]:
    """The words of `text`, split at white space; a word may hold "quoted" parts, which keep
    their spaces. Raises `error` on a quote left open."""
    words: list[Word] = []
    i, n = skip_space(text, 0), len(text)
    while i < n:
        start = i
        parts: list[str] = []
        segments = 0
        all_quoted = True
        while i < n and not text[i].isspace():
            segments += 1
            if text[i] == '"':
                value, i = read_quoted(text, i, error)
                parts.append(value)
            else:
                j = bare_end(text, i, '"')
                parts.append(text[i:j])
                all_quoted = False
                i = j
        words.append(
            Word(start, i, text[start:i], "".join(parts), quoted=all_quoted and segments == 1)
        )
        i = skip_space(text, i)
    return words


_BARE = re.compile(r'[^\s"\\]+')


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
