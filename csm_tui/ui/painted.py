"""Work that waits until the screen has been drawn (issue 12: the first paint).

Textual's `call_after_refresh` runs its callback once the screen has nothing left to
redraw — but while the app holds a batch update, nothing is drawn at all and such
callbacks run at once. Textual mounts the first screen inside one (its Compose, Resize and
Mount), and a Footer composes its keys inside another: work "after the refresh" started
there (Today's agenda read, the sync status, the footer's fitting) ran before the first
frame and held it back, a worker thread taking the GIL from the painting.

`call_after_paint` waits the batch out: the callback runs after a refresh made outside any
batch update, i.e. after the screen was drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode

BATCH_WAIT_S = 0.01
"""How often a callback waiting for the paint looks whether the batch update is over."""


def call_after_paint(node: DOMNode, callback: Callable[[], object]) -> None:
    """Call `callback` (on the UI thread) once `node`'s screen has been drawn; as with
    `call_after_refresh`, a coroutine function (a widget's `recompose`) is awaited."""

    def when_drawn() -> None:
        if not node.is_attached:
            return
        if node.app._batch_count:  # nothing was drawn: look again shortly
            node.set_timer(BATCH_WAIT_S, lambda: node.call_after_refresh(when_drawn))
            return
        node.call_next(callback)

    node.call_after_refresh(when_drawn)
