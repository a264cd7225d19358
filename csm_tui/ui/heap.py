"""The cyclic garbage collector works while the user is idle, not mid-keystroke.

Typing a filter on a 100k book allocates quickly (rows read, strips painted), and CPython
then runs a full collection of every tracked object at an allocation it picks: the UI
thread stopped for 45-175 ms at random keystrokes, the whole p95 tail of the filter's
echo (issue 12). So, once the first screen is painted:

- what start-up made (modules, styles, bindings, the first screen's widgets) lives as
  long as the app: it is moved out of the collector's sight (`gc.freeze`);
- the young generations are collected as usual (they are small: well under a
  millisecond each), but the full collection no longer runs by itself: it runs when
  no key or mouse event came for `IDLE_SECONDS`, checked every `CHECK_SECONDS`, once as
  many collections of the middle generation have passed as would have started one.

`stop` puts the collector back as it was (the tests run many apps in one process).

Before that first paint the collector does not run at all (`held_until_painted`, around
`csm-tui` opening the app): start-up makes some 50k objects that live as long as the app,
and the collector scanned them over and over while they were being made — about 20 ms
of the first frame (issue 12). Start-up leaves little garbage (about 2k objects), which
the freeze then keeps.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

IDLE_SECONDS = 1.0
CHECK_SECONDS = 0.5
HELD = 1_000_000
"""The full collection's threshold while held: never reached, it runs only when idle."""


@contextmanager
def held_until_painted() -> Iterator[None]:
    """No garbage collection until `IdleCollector.start` (the first paint) lets it run
    again; running again on the way out in any case (an app that never painted)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class IdleCollector:
    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self._saved: tuple[int, int, int] | None = None

    @property
    def holding(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        gc.enable()  # held while the app started (`held_until_painted`)
        gc.freeze()
        young, middle, _full = self._saved
        gc.set_threshold(young, middle, HELD)

    def touched(self) -> None:
        """A key or mouse event came: the user is not idle."""
        self.last_input = time.monotonic()

    def collect_if_idle(self) -> bool:
        """Run the full collection now if it is due and the user is idle."""
        if self._saved is None or gc.get_count()[2] <= self._saved[2]:
            return False
        if time.monotonic() - self.last_input < IDLE_SECONDS:
            return False
        gc.collect()
        return True

    def stop(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        gc.unfreeze()
        self._saved = None
