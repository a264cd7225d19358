"""Snapshots of every main screen in Simplified Chinese and English, at 160×48 on the fixed
demo seed at the frozen instant: Today, the portfolio, the account on each of its seven
tabs, the log form, the call prep, Coverage, Sync and the `?` help.

A change that moves a word, a column or a cut is seen here in both languages (CJK is
double width). Regenerate with `--snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest

from csm_tui.i18n import set_language
from csm_tui.ui.app import make_app
from tests.ui.snapshot_steps import account_tab, keys, shows, until

SIZE = (160, 48)


SCREENS = {
    "today": (None, shows("#today-table")),
    "portfolio": ("portfolio", shows("#portfolio-table")),
    "account_overview": ("portfolio", account_tab(None)),
    "account_health": ("portfolio", account_tab("2")),
    "account_stakeholders": ("portfolio", account_tab("3")),
    "account_timeline": ("portfolio", account_tab("4")),
    "account_checklist": ("portfolio", account_tab("5")),
    "account_tasks": ("portfolio", account_tab("6")),
    "account_notes": ("portfolio", account_tab("7")),
    "log_form": ("portfolio", keys("l", then="#log-title")),
    "prep": ("portfolio", keys("p", then="PrepScreen", focused="TextArea")),
    "coverage": ("portfolio", keys("c", then="CoverageScreen")),
    "sync": ("sync", shows("SyncScreen")),
    "help": ("portfolio", keys("question_mark", then="#help-keys")),
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screen_snapshot(workspace, snap_compare, screen, language):
    set_language(language)  # the home fixture sets English back afterwards
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


NARROW = (80, 24)
"""The smallest terminal the product supports: the footer must keep the palette key whole."""
NARROW_SCREENS = ["today", "portfolio", "account_overview", "account_tasks",
                  "account_stakeholders", "coverage", "sync", "prep"]  # fmt: skip


@pytest.mark.parametrize("screen", ["today", "account_overview", "account_tasks", "sync"])
def test_narrow_zh_snapshot(workspace, snap_compare, screen):
    set_language("zh")
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    assert snap_compare(app, terminal_size=NARROW, run_before=run_before)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", NARROW_SCREENS)
async def test_the_palette_key_is_whole_at_80_columns(workspace, screen, language):
    """Every key the footer shows fits whole to the left of `^p` (the others are in `?` help
    and the palette), `^p` itself ends inside the terminal, and `?` is always shown."""
    from textual.widgets._footer import FooterKey

    from csm_tui.ui.widgets.footer import Footer

    set_language(language)
    start, run_before = SCREENS[screen]
    app = make_app(workspace, start=start, sync_in_background=False)
    async with app.run_test(size=NARROW) as pilot:
        await run_before(pilot)

        def fitted() -> bool:
            footer = app.screen.query_one(Footer)
            keys = [k for k in footer.query_children(FooterKey) if k.display]
            return bool(keys) and all(k.region.width for k in keys)

        await until(pilot, fitted)
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        keys = [k for k in footer.query_children(FooterKey) if k.display]
        palette = next(k for k in keys if k.has_class("-command-palette"))
        assert palette.region.right <= NARROW[0]
        assert palette.region.width >= 6  # "▏^p 命令" / "▏^p palette": whole
        shown = [k for k in keys if k is not palette]
        assert shown, "some keys of the screen are shown"
        assert all(k.region.right <= palette.region.x for k in shown)
        # `?` lists every key the footer had no room for: it is always among the shown
        assert any(k.action.rpartition(".")[2] == "help" for k in shown)
