"""The UI tests that sync use the real central API and the in-memory keyring of the sync
tests."""

import asyncio
import time

import pytest
from textual.pilot import Pilot

from tests.sync.conftest import memory_keyring, sqlite_central  # noqa: F401 (fixtures)

ACCOUNT_READ_TIMEOUT = 10.0


async def _account_read_settled(pilot: Pilot) -> None:
    """The account screen shows at once and reads its tabs in a worker: a pause (or a
    key) lets the read in flight finish and show, as it would in a moment for a user —
    so the tests that open an account and look at it see its tabs filled in. (Bounded: a
    test that holds the read on purpose waits on its own condition instead.)"""
    from csm_tui.ui.loading import ThreadReads

    screen = pilot.app.screen
    if not isinstance(screen, ThreadReads) or not screen.reads_in_flight("account"):
        return
    deadline = time.monotonic() + ACCOUNT_READ_TIMEOUT
    while screen.reads_in_flight("account") and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    await _PAUSE(pilot)


_PAUSE = Pilot.pause
_PRESS = Pilot.press


@pytest.fixture(autouse=True)
def account_reads_settle_on_pause(monkeypatch):
    async def pause(self: Pilot, delay: float | None = None) -> None:
        await _PAUSE(self, delay)
        await _account_read_settled(self)

    async def press(self: Pilot, *keys: str) -> None:
        for key in keys:  # a key typed after enter on the portfolio finds the tabs filled
            await _PRESS(self, key)
            await _account_read_settled(self)

    press.__wrapped__ = _PRESS  # type: ignore[attr-defined]  # Textual's own press
    monkeypatch.setattr(Pilot, "pause", pause)
    monkeypatch.setattr(Pilot, "press", press)
