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
from tests.ui.snapshot_steps import account_tab, keys, shows

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
