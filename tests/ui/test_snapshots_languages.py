"""Snapshots of every main screen in Simplified Chinese and English, at 160×48 on the fixed
demo seed at the frozen instant: Today, the portfolio, the account on each of its seven
tabs, the log form, the call prep, Coverage, Sync and the `?` help.

A change that moves a word, a column or a cut is seen here in both languages (CJK is
double width). Regenerate with `--snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import time

import pytest

from csm_tui.i18n import set_language
from csm_tui.ui.app import make_app

SIZE = (160, 48)


async def _until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.02)


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    # a blinking cursor would be caught on or off: keep it on
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False
    await pilot.pause()


def _there(app, what: str) -> bool:
    """The screen is `what` (a class name) or shows a widget matching `what`."""
    return type(app.screen).__name__ == what or bool(app.screen.query(what))


def _rows_shown(app) -> bool:
    """The portfolio's rows are read in a worker: they show a moment after the table."""
    tables = app.screen.query("#portfolio-table")
    return bool(tables) and tables.first().row_count > 0


def _shows(selector: str):
    async def run_before(pilot) -> None:
        await _until(pilot, lambda: _there(pilot.app, selector))
        await _settle(pilot)

    return run_before


def _account_tab(key: str | None):
    async def run_before(pilot) -> None:
        await _until(pilot, lambda: _rows_shown(pilot.app))
        await pilot.press("enter")
        await _until(pilot, lambda: pilot.app.screen.query("#account-tabs"))
        if key is not None:
            await pilot.press(key)
        if key == "7":  # the notes editor takes focus a refresh later
            await _until(pilot, lambda: type(pilot.app.focused).__name__ == "TextArea")
        await _settle(pilot)

    return run_before


def _keys(*keys: str, then: str, focused: str | None = None):
    async def run_before(pilot) -> None:
        await _until(pilot, lambda: _rows_shown(pilot.app))
        await pilot.press(*keys)
        await _until(pilot, lambda: _there(pilot.app, then))
        if focused is not None:  # focus comes a refresh later; then take it away, so that a
            # text cursor (caught on or off by its blink timer) is not in the picture
            await _until(pilot, lambda: type(pilot.app.focused).__name__ == focused)
            pilot.app.set_focus(None)
        await _settle(pilot)

    return run_before


SCREENS = {
    "today": (None, _shows("#today-table")),
    "portfolio": ("portfolio", _shows("#portfolio-table")),
    "account_overview": ("portfolio", _account_tab(None)),
    "account_health": ("portfolio", _account_tab("2")),
    "account_stakeholders": ("portfolio", _account_tab("3")),
    "account_timeline": ("portfolio", _account_tab("4")),
    "account_checklist": ("portfolio", _account_tab("5")),
    "account_tasks": ("portfolio", _account_tab("6")),
    "account_notes": ("portfolio", _account_tab("7")),
    "log_form": ("portfolio", _keys("l", then="#log-title")),
    "prep": ("portfolio", _keys("p", then="PrepScreen", focused="TextArea")),
    "coverage": ("portfolio", _keys("c", then="CoverageScreen")),
    "sync": ("sync", _shows("SyncScreen")),
    "help": ("portfolio", _keys("question_mark", then="#help-keys")),
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screen_snapshot(workspace, snap_compare, screen, language):
    set_language(language)  # the home fixture sets English back afterwards
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
