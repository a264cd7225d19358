"""Spec section 4: whatever a key does on any screen, a command does too — scripts depend on
it. This walks every binding of every screen, widget and the app in `csm_tui.ui` and finds
its command (`ui/key_commands.py`); a new binding without one fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import csm_tui.ui
from csm_tui.commands.run import handler_for
from csm_tui.domain.language.verb_types import FilterCommand
from csm_tui.domain.language.verbs import parse_command
from csm_tui.ui.key_commands import (
    KEY_COMMANDS,
    NAVIGATION,
    NO_COMMAND_YET,
    SAMPLES,
    command_for,
)


def _classes_with_bindings() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.walk_packages(csm_tui.ui.__path__, "csm_tui.ui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, DOMNode)
                and cls.__module__.startswith("csm_tui.ui")
                and "BINDINGS" in vars(cls)
            ):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


def _bindings() -> list[tuple[str, Binding]]:
    out = []
    for cls in _classes_with_bindings():
        for binding in vars(cls)["BINDINGS"]:
            assert isinstance(binding, Binding), f"{cls.__qualname__}: {binding!r} is no Binding"
            out.append((cls.__qualname__, binding))
    return out


BINDINGS = _bindings()


def test_the_walk_finds_the_screens_the_widgets_and_the_app():
    owners = {owner for owner, _ in BINDINGS}
    assert {"CsmApp", "TodayScreen", "PortfolioScreen", "AccountScreen", "SyncScreen",
            "CoverageScreen", "PrepScreen", "VirtualTable"} <= owners  # fmt: skip
    assert len(BINDINGS) >= 60


@pytest.mark.parametrize(
    ("owner", "binding"), BINDINGS, ids=[f"{b.id or b.key}" for _, b in BINDINGS]
)
def test_every_key_has_a_command_or_a_reason_it_needs_none(owner, binding):
    assert binding.id, f"{owner}: the {binding.key!r} binding has no id"
    where = [m for m in (KEY_COMMANDS, NAVIGATION, NO_COMMAND_YET) if binding.id in m]
    assert len(where) == 1, (
        f"{owner}: key {binding.key!r} ({binding.id}, {binding.description!r}) has "
        + ("no command" if not where else "more than one entry")
        + " in csm_tui/ui/key_commands.py"
    )
    if binding.id in KEY_COMMANDS:
        line = command_for(binding.id)
        assert line is not None
        command = parse_command(line)  # raises if the language cannot read it
        runs = handler_for(type(command)) is not None
        assert runs, f"{line!r}: no handler runs it"
        assert line.split()[0] == command.verb or (
            command.verb == "check" and line.startswith("uncheck")
        )
        if not line.startswith("filter"):
            assert not isinstance(command, FilterCommand), f"{line!r} read as a filter"
    else:
        reason = (NAVIGATION | NO_COMMAND_YET)[binding.id]
        assert reason.strip(), f"{binding.id}: say why it needs no command"


def test_no_entry_names_a_binding_that_is_gone():
    ids = {b.id for _, b in BINDINGS}
    stale = (set(KEY_COMMANDS) | set(NAVIGATION) | set(NO_COMMAND_YET)) - ids
    assert not stale, f"key_commands.py names bindings no screen has: {sorted(stale)}"


def test_every_placeholder_has_a_sample():
    names = {
        field
        for template in KEY_COMMANDS.values()
        for _, field, _, _ in string.Formatter().parse(template)
        if field
    }
    assert names <= set(SAMPLES)


def test_the_keys_without_a_command_are_listed():
    """Not a gate: prints what is left so the gap stays in sight."""
    for binding_id, what in sorted(NO_COMMAND_YET.items()):
        print(f"{binding_id}: {what}")


def test_the_palette_knows_every_verb():
    from csm_tui.domain.language.verb_options import VERBS
    from csm_tui.ui.palette import _VERB_WORDS

    assert {*VERBS, "run"} - {"filter"} == _VERB_WORDS


async def test_reading_a_pane_from_the_palette_opens_it_and_conflicts_open_the_sync_screen(
    workspace,
):
    from textual.widgets import TabbedContent

    from csm_tui.ui.app import make_app
    from csm_tui.ui.palette import run_in_app
    from csm_tui.ui.screens.account import AccountScreen
    from csm_tui.ui.screens.sync import SyncScreen
    from tests.ui.test_palette import wait_for

    account_id, name = workspace.conn.execute(
        "SELECT id, name FROM accounts WHERE owner_id = ? ORDER BY name LIMIT 1",
        (workspace.meta("me"),),
    ).fetchone()
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        run_in_app(app, f'timeline "{name}"')
        await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
        assert app.screen.account_id == account_id
        tabs = app.screen.query("#account-tabs")
        await wait_for(pilot, lambda: bool(tabs.results(TabbedContent)))
        await wait_for(pilot, lambda: tabs.first(TabbedContent).active == "timeline")
        app.pop_screen()
        await pilot.pause()
        run_in_app(app, "conflicts")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))


async def test_help_shows_the_command_each_key_does(workspace):
    from csm_tui.ui.app import make_app
    from csm_tui.ui.screens.help import HelpScreen
    from tests.ui.screen_text import text_of
    from tests.ui.test_palette import wait_for

    app = make_app(workspace, start="today", sync_in_background=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = text_of(app.screen.query_one("#help-keys"))
        for command in ("snooze TASK --days 7", "task done TASK", "undo", "conflicts"):
            assert command in keys, keys
