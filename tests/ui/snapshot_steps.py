"""The steps a snapshot test takes before its picture: reach a screen by the keys a CSM
presses, then wait (on a condition, never a sleep) until it has settled, with no text
cursor that a blink timer could catch on or off.

Used by test_snapshots_screens.py (every screen, two sizes) and test_snapshots_languages.py
(the main screens in both languages).
"""

from __future__ import annotations

import time


async def until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.02)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    # a blinking cursor would be caught on or off: keep it on
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False
    await pilot.pause()


def there(app, what: str) -> bool:
    """The screen is `what` (a class name) or shows a widget matching `what`."""
    return type(app.screen).__name__ == what or bool(app.screen.query(what))


def rows_shown(app) -> bool:
    """The portfolio's rows are read in a worker: they show a moment after the table."""
    tables = app.screen.query("#portfolio-table")
    return bool(tables) and tables.first().row_count > 0


def shows(selector: str):
    async def run_before(pilot) -> None:
        await until(pilot, lambda: there(pilot.app, selector))
        await settle(pilot)

    return run_before


async def open_account(pilot, tab_key: str | None = None) -> None:
    """From the portfolio: enter on the first row, then the tab's number key."""
    await until(pilot, lambda: rows_shown(pilot.app))
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.screen.query("#account-tabs"))
    if tab_key is not None:
        await pilot.press(tab_key)
    if tab_key == "7":  # the notes editor takes focus a refresh later
        await until(pilot, lambda: type(pilot.app.focused).__name__ == "TextArea")


def account_tab(key: str | None):
    async def run_before(pilot) -> None:
        await open_account(pilot, key)
        await settle(pilot)

    return run_before


async def unfocus_when(pilot, focused: str | None) -> None:
    """Focus comes a refresh later; then take it away, so that a text cursor (caught on
    or off by its blink timer) is not in the picture."""
    if focused is not None:
        await until(pilot, lambda: type(pilot.app.focused).__name__ == focused)
        pilot.app.set_focus(None)


def keys(*pressed: str, then: str, focused: str | None = None):
    async def run_before(pilot) -> None:
        await until(pilot, lambda: rows_shown(pilot.app))
        await pilot.press(*pressed)
        await until(pilot, lambda: there(pilot.app, then))
        await unfocus_when(pilot, focused)
        await settle(pilot)

    return run_before


def account_keys(tab_key: str | None, *pressed: str, then: str, focused: str | None = None):
    """Open the first account of the portfolio on a tab, then press `pressed`."""

    async def run_before(pilot) -> None:
        await open_account(pilot, tab_key)
        await pilot.press(*pressed)
        await until(pilot, lambda: there(pilot.app, then))
        await unfocus_when(pilot, focused)
        await settle(pilot)

    return run_before
