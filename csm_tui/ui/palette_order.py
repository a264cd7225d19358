"""The palette's order before anything is typed: the same on every start.

Textual shows discovery hits (all of score 0) in the order they arrive from its providers,
which it runs concurrently out of a set: the order changed from one start to the next, and
a CSM could not learn where "log: call …" is. Our providers yield `Hit`s with a fixed score
instead, by group and by position within the group, so the list reads: the account you are
on first (prep, log, a command line for it), then the screens, sync, the filter presets,
your most important accounts, the languages; Textual's own commands (keys, theme, quit)
keep score 0 and come last.
"""

from __future__ import annotations

from typing import Literal, get_args

from textual.command import Hit
from textual.content import Content
from textual.types import IgnoreReturnCallbackType

DiscoveryGroup = Literal["prep", "log", "run", "screen", "sync", "filter", "accounts", "language"]
_ORDER: tuple[DiscoveryGroup, ...] = get_args(DiscoveryGroup)  # the list's order
_PER_GROUP = 100


def placed_hit(
    group: DiscoveryGroup,
    position: int,
    display: Content | str,
    command: IgnoreReturnCallbackType,
    help: str | None = None,
) -> Hit:
    """A hit for the palette's list before anything is typed, at a fixed place: its
    group's, then `position` within it (0 first)."""
    shown = display if isinstance(display, Content) else Content(display)
    place = _ORDER.index(group) * _PER_GROUP + min(position, _PER_GROUP - 1)
    score = 1.0 - (place + 1) / (len(_ORDER) * _PER_GROUP + 1)
    return Hit(score, shown, command, text=shown.plain, help=help)
