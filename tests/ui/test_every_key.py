"""Every key a footer or `?` shows, pressed on every screen and account tab, the way a user
reaches it: the app keeps running and raises nothing. (Issue 8: this walk would have
caught the Tasks tab crash.)

Pressed: every binding csm-tui declares that is active there. Skipped: `quit` (ends the
app by design; `q` has its own tests) and Textual's own widget keys (cursor moves in a
table, text editing in a field), which Textual tests.
"""

from __future__ import annotations

import inspect

import pytest
from textual.binding import Binding

from csm_tui.ui.app import make_app

SIZE = (160, 48)
SKIP_ACTIONS = {"quit", "app.quit"}  # ends the app: by design, not a crash


def our_bindings(node) -> list[Binding]:
    """The bindings csm-tui itself declares on `node`'s classes."""
    found = []
    for cls in inspect.getmro(type(node)):
        if not cls.__module__.startswith("csm_tui"):
            continue
        found.extend(b for b in vars(cls).get("BINDINGS", ()) if isinstance(b, Binding))
    return found


def keys_shown(app) -> list[tuple[str, str]]:
    """(key, description) of every csm-tui binding active on the screen, as `?` lists
    them (a key bound to several actions is pressed once: the one that wins)."""
    shown = []
    for key, active in app.screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.action in SKIP_ACTIONS:
            continue
        if not any(
            b.action == binding.action and key in b.key.split(",")
            for b in our_bindings(active.node)
        ):
            continue
        shown.append((key, binding.description))
    return shown


async def reset(app, pilot) -> None:
    """Back to a fresh Today, whatever is open (forms included: the test discards them)."""
    while len(app.screen_stack) > 1:
        await app.pop_screen()
    await app.switch_mode("today")
    while len(app.screen_stack) > 1:
        await app.pop_screen()
    await pilot.pause()


async def back_to(app, pilot, mode: str, screen, focused) -> bool:
    """Return to `screen` (and its focus) after a key took the app elsewhere, the cheap way
    when it still exists: switch back to its mode and close what was opened on top."""
    if app.current_mode != mode:
        await app.switch_mode(mode)
    if screen not in app.screen_stack:
        return False
    while app.screen is not screen:
        await app.pop_screen()
    await pilot.pause()
    if focused is not None and focused.is_attached and app.focused is not focused:
        screen.set_focus(focused)
        await pilot.pause()
    return True


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


def keys(*sequence: str):
    async def reach(app, pilot):
        await press(pilot, *sequence)

    return reach


PLACES = {
    "today": keys(),
    "portfolio": keys("b"),
    "portfolio filter open": keys("b", "slash"),
    "coverage": keys("c"),
    "coverage: a CSM's accounts": keys("c", "a"),
    "sync": keys("y"),
    "help": keys("question_mark"),
    **{f"account tab {n}": keys("enter", str(n)) for n in range(1, 8)},
    "log form": keys("l"),
    "log form, typed": keys("l", "H", "i"),
    "discard?": keys("l", "H", "i", "escape"),
    "contact form": keys("enter", "3", "a"),
    "activity": keys("enter", "4", "enter"),
    "call prep": keys("p"),
}


@pytest.mark.parametrize("place", list(PLACES))
async def test_every_key_shown_keeps_the_app_running(workspace, place):
    reach = PLACES[place]
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await reach(app, pilot)
        shown = keys_shown(app)
        assert shown, f"{place} shows keys"
        for key, description in shown:
            mode, screen, focused = app.current_mode, app.screen, app.focused
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, f"{place}: {key} ({description}) ended the app"
            if (app.current_mode, app.screen, app.focused) == (mode, screen, focused):
                continue
            if not await back_to(app, pilot, mode, screen, focused):
                await reset(app, pilot)  # it went for good: reach it again as a user would
                await reach(app, pilot)
        assert app.return_code is None
    assert app.return_code in (0, None), f"{place}: an exception ended the app"
