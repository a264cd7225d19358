"""Fitting text into a table cell: by display width, at a word, with an ellipsis.

A terminal cell holds one Latin letter or half of a CJK character, so text is measured in
cells, never in `len()`: 郑州嘉通汽车有限公司 is 10 characters and 20 cells. When a text
does not fit, `fit` keeps its longest head that

* measures at most `width - 1` cells, so an ellipsis (one cell) still fits after it;
* ends at a word: before a space, or next to a CJK character (each one is a word for
  line breaking), or after a hyphen, slash or dash; a trailing space, middle dot, colon or
  comma is dropped before the ellipsis;
* never splits a character, nor separates a character from the zero-width marks that
  follow it (accents, joiners, variation selectors).

If the last word boundary would throw away more than half of the room (one long word, a
URL), the text is cut at the last whole character instead — still with the ellipsis.

The measure is injected: the UI passes the renderer's own (`rich.cells.cell_len`), so what
is cut here is exactly what is painted; the default (`cell_width`) follows Unicode's East
Asian Width and is close enough for plain text output. Pure: no I/O, no Rich.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"

Measure = Callable[[str], int]

_SPACES = frozenset(" \u00a0\u3000")
_BREAK_AFTER = frozenset("-/–—")
_DROP_AT_END = frozenset(" \u00a0\u3000·•:;,-–—/(")


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes (Unicode East Asian Width; marks take none)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def fit(text: str, width: int, measure: Measure = cell_width, *, at_word: bool = True) -> str:
    """`text` when it fits in `width` cells; else its head cut at a word, plus "…".

    With `at_word=False` the head is cut after its last whole character (a name, where
    every letter helps to recognise it).

    The result never measures more than `width` cells (none at all when `width` < 1), and
    without its ellipsis it is always a prefix of `text`.
    """
    if width < 1:
        return ""
    if measure(text) <= width:
        return text
    room = width - measure(ELLIPSIS)
    if room < 1:
        return ELLIPSIS if measure(ELLIPSIS) <= width else ""
    hard = _longest_head(text, room, measure)
    if not at_word:
        return text[:hard].rstrip("".join(_SPACES)) + ELLIPSIS
    cut = hard
    while cut > 0 and not _is_boundary(text, cut, measure):
        cut -= 1
    head = text[:cut].rstrip("".join(_DROP_AT_END))
    if measure(head) * 2 < room:
        # The last word boundary is too far back: cut after the last whole character.
        head = text[:hard].rstrip("".join(_SPACES))
    return head + ELLIPSIS


def _longest_head(text: str, room: int, measure: Measure) -> int:
    """The largest k such that text[:k] fits in `room` cells and does not end before a
    zero-width mark (which belongs to the character before it)."""
    lo, hi = 0, len(text)
    while lo < hi:  # binary search: the width of a head never shrinks as it grows
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= room:
            lo = mid
        else:
            hi = mid - 1
    k = lo
    while 0 < k < len(text) and measure(text[k]) == 0:
        k -= 1
    while k > 0 and measure(text[:k]) > room:  # a measure that is not monotone
        k -= 1
    return k


def _is_boundary(text: str, k: int, measure: Measure) -> bool:
    """May a line break between text[k - 1] and text[k]?"""
    if k <= 0:
        return False
    before, after = text[k - 1], text[k]
    if after in _SPACES or before in _SPACES or before in _BREAK_AFTER:
        return True
    wide_before, wide_after = measure(before), measure(after)
    return wide_after != 0 and 2 in (wide_before, wide_after)
