"""Waiting in Pilot tests on what a user would see, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_for(pilot: Pilot[object], condition: Callable[[], object],
                   timeout: float = 10.0) -> None:  # fmt: skip
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.02)


async def on_account(app, pilot: Pilot[object], account_id: str, key: str) -> None:
    """Open the account and press `key` on it (a tab's number, `R`), each step let settle."""
    await pilot.pause()
    app.open_account(account_id)
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
