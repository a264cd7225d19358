"""Safe display of untrusted text: names and notes from the server or an import.

Two dangers, two defences:

* **Terminal control sequences** (`ESC [2J` clears the screen, `ESC ]0;title BEL` retitles
  the window, U+202E reverses what follows). `safe_text` makes every such character visible
  as a literal escape, so ``"\\x1b[2J"`` shows as the six characters ``\\x1b[2J``.
* **Rich markup** (`[bold red]x[/]`). That is not this module's job and `safe_text` leaves
  square brackets alone: the UI never parses untrusted text as markup (it builds
  `rich.text.Text(s)` / `textual.content.Content(s)`, never `Text.from_markup(s)`). The
  domain imports no Rich.

What is made visible (as Python-style escapes: `\\x1b`, `\\x9b`, `\\u202e`, `\\udc80`):

* every C0 control (U+0000–U+001F), DEL (U+007F) and every C1 control (U+0080–U+009F)
  — that is, Unicode category Cc;
* the bidi embedding, override and isolate controls U+202A–U+202E and U+2066–U+2069
  ("Trojan Source"); the plain marks LRM, RLM and ALM stay, Arabic and Hebrew names
  need them and they cannot reorder text;
* lone surrogates (U+D800–U+DFFF), which a broken decode leaves and a terminal cannot
  print.

Line breaks: with `multiline=False` (the default, for table cells and one-line previews)
every line break — ``\\n``, ``\\r\\n``, a lone ``\\r``, U+2028, U+2029 — becomes one ``⏎``
and a tab becomes ``\\t``. With `multiline=True` (notes, summaries) line breaks become
``\\n`` and tabs stay.

Everything else — CJK, emoji with their joiners (U+200D) and variation selectors, flag
tags, combining marks — passes through unchanged.
"""

from __future__ import annotations

import re

NEWLINE_MARK = "⏎"
"""What a line break looks like in single-line text."""

_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_C0 = tuple(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_C1 = (0x7F, *range(0x80, 0xA0))


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ESCAPED: tuple[tuple[str, str], ...] = tuple(
    (chr(c), _escape(c)) for c in (*_C0, *_C1, *_BIDI_CONTROLS)
)
_LINE_BREAKS = ("\r", "\u2028", "\u2029")  # after "\r\n" became "\n"

_COMMON = (
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    r"\r\u2028\u2029\ud800-\udfff"
)
# Anything that needs work: the fast path returns the string untouched when none is found.
_NEEDS_WORK_SINGLE = re.compile(f"[{_COMMON}\\t\\n]")
_NEEDS_WORK_MULTI = re.compile(f"[{_COMMON}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def safe_text(s: str, multiline: bool = False) -> str:
    """`s` with every control character shown as a visible escape (see the module doc).

    Linear in `len(s)`: each dangerous character is replaced with one C-level `str.replace`
    pass, so a 10 MB note costs tens of milliseconds, not seconds.
    """
    pattern = _NEEDS_WORK_MULTI if multiline else _NEEDS_WORK_SINGLE
    if pattern.search(s) is None:
        return s
    if "\r" in s:
        s = s.replace("\r\n", "\n")
    line_break = "\n" if multiline else NEWLINE_MARK
    for char in _LINE_BREAKS:
        if char in s:
            s = s.replace(char, line_break)
    if not multiline:
        if "\n" in s:
            s = s.replace("\n", NEWLINE_MARK)
        if "\t" in s:
            s = s.replace("\t", "\\t")
    for char, escape in _ESCAPED:
        if char in s:
            s = s.replace(char, escape)
    if _SURROGATE.search(s) is not None:
        s = _SURROGATE.sub(lambda m: _escape(ord(m.group())), s)
    return s


def is_safe(s: str, multiline: bool = False) -> bool:
    """True when `safe_text` would return `s` unchanged."""
    pattern = _NEEDS_WORK_MULTI if multiline else _NEEDS_WORK_SINGLE
    return pattern.search(s) is None
