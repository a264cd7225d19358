"""A snapshot of every screen a CSM can reach, at 160×48 and at 80×24, on the fixed demo
seed at the frozen instant (tests/conftest.py): Today, the portfolio, the account on each
of its seven tabs, the log form, an activity read whole, the contact form, the renewal
form, the "throw away?" dialog, the call prep, Coverage, Sync, the `?` help and the command
palette; the main ones also in Chinese at 80×24 (test_snapshots_languages.py has both
languages at 160×48).

The pictures are in tests/ui/__snapshots__/test_snapshots_screens/, named after the screen
and the size: `test_screen_snapshot[renewal_form-80x24].svg`. A change that moves a word,
a column or a cut fails here; look at the new SVG (its text: tests/ui/screen_text.py) and
regenerate with `--snapshot-update` only when the change is meant.

Deterministic: each screen is reached by the keys a CSM presses, the test waits on a
condition (never a sleep) until it shows, and no text cursor is in the picture (the focus
leaves an editor once it has arrived there; a palette's cursor does not blink).
"""

from __future__ import annotations

import pytest

from csm_tui.i18n import set_language
from csm_tui.ui.app import make_app
from tests.ui.snapshot_steps import (
    account_keys,
    rows_shown,
    settle,
    shows,
    there,
    unfocus_when,
    until,
)

SIZES = {"160x48": (160, 48), "80x24": (80, 24)}


def _typed_then_escape():
    """The log form with a summary typed, then esc: "Throw away this log?"."""

    async def run_before(pilot) -> None:
        await until(pilot, lambda: rows_shown(pilot.app))
        await pilot.press("l")
        await until(pilot, lambda: type(pilot.app.focused).__name__ == "TextArea")
        await pilot.press(*"Renewal call")
        await until(pilot, lambda: "Renewal call" in pilot.app.focused.text)
        pilot.app.set_focus(None)
        await pilot.press("escape")
        await until(pilot, lambda: there(pilot.app, "ConfirmDiscardScreen"))
        await until(pilot, lambda: type(pilot.app.focused).__name__ == "Button")
        await settle(pilot)

    return run_before


def _palette():
    """ctrl+p on the portfolio, then a filter typed: the palette offers to apply it. (The
    palette lists the hits of several providers in the order they answer when their
    scores tie, which varies from run to run: before any typing, or for a plain word like
    "sync". A filter is one provider's one hit.)"""

    async def run_before(pilot) -> None:
        await until(pilot, lambda: rows_shown(pilot.app))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: type(pilot.app.focused).__name__ == "CommandInput")
        await pilot.press(*"tier:strategic")
        commands = pilot.app.screen.query_one("CommandList")
        await until(pilot, lambda: commands.option_count == 1)
        await until(pilot, lambda: "tier:strategic" in str(commands.get_option_at_index(0).prompt))
        await settle(pilot)

    return run_before


def _portfolio_keys(*pressed: str, then: str, focused: str | None = None):
    async def run_before(pilot) -> None:
        await until(pilot, lambda: rows_shown(pilot.app))
        await pilot.press(*pressed)
        await until(pilot, lambda: there(pilot.app, then))
        await unfocus_when(pilot, focused)
        await settle(pilot)

    return run_before


SCREENS = {
    "today": (None, shows("#today-table")),
    "portfolio": ("portfolio", shows("#portfolio-table")),
    "account_1_overview": ("portfolio", account_keys(None, then="#account-tabs")),
    "account_2_health": ("portfolio", account_keys("2", then="#account-tabs")),
    "account_3_stakeholders": ("portfolio", account_keys("3", then="#account-tabs")),
    "account_4_timeline": ("portfolio", account_keys("4", then="#account-tabs")),
    "account_5_checklist": ("portfolio", account_keys("5", then="#account-tabs")),
    "account_6_tasks": ("portfolio", account_keys("6", then="#account-tabs")),
    "account_7_notes": (
        "portfolio",
        account_keys("7", then="#account-tabs", focused="TextArea"),
    ),
    "log_form": ("portfolio", _portfolio_keys("l", then="#log-title", focused="TextArea")),
    "activity_detail": (
        "portfolio",
        account_keys("4", "enter", then="ActivityDetailScreen"),
    ),
    "contact_form": (
        "portfolio",
        account_keys("3", "a", then="ContactFormScreen", focused="Input"),
    ),
    "renewal_form": (
        "portfolio",
        account_keys(None, "R", then="RenewalFormScreen", focused="Input"),
    ),
    "confirm_discard": ("portfolio", _typed_then_escape()),
    "prep": ("portfolio", _portfolio_keys("p", then="PrepScreen", focused="TextArea")),
    "coverage": ("portfolio", _portfolio_keys("c", then="CoverageScreen")),
    "sync": ("sync", shows("SyncScreen")),
    "help": ("portfolio", _portfolio_keys("question_mark", then="#help-keys")),
    "command_palette": ("portfolio", _palette()),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(workspace, snap_compare, screen, size):
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


ZH_SMALL = ("today", "portfolio", "account_1_overview", "coverage")


@pytest.mark.parametrize("screen", ZH_SMALL)
def test_screen_snapshot_in_chinese_at_80x24(workspace, snap_compare, screen):
    set_language("zh")  # the home fixture sets English back afterwards
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=run_before)
