"""An unhandled exception ends the app with a non-zero status, and the text typed into a
form is kept beside the cache (0600) and comes back on the next start."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest
from textual.widgets import Input, TextArea

from csm_tui.ui.app import make_app
from csm_tui.ui.drafts import drafts_path, restored_path
from csm_tui.ui.screens.log_activity import LogActivityScreen

SIZE = (160, 48)
SUMMARY = "Sponsor worried about renewal"


def break_activity_writes(db) -> None:
    """A fault the app does not expect: the cache refuses every new activity."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER fault BEFORE INSERT ON activities "
            "BEGIN SELECT RAISE(ABORT, 'disk fault (test)'); END"
        )


def mend_activity_writes(db) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER fault")


async def test_a_crash_while_logging_keeps_the_typed_log_for_the_next_start(workspace):
    db = workspace.db_path
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    with pytest.raises(sqlite3.IntegrityError):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LogActivityScreen)
            account_id = app.screen.account_id
            await pilot.press(*SUMMARY)
            app.screen.query_one("#field-next_steps", Input).value = "send deck by next tue"
            await pilot.pause()
            break_activity_writes(db)
            await pilot.press("ctrl+s")
            await pilot.pause()
    assert app.return_code == 1

    kept = drafts_path(db)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    (draft,) = json.loads(kept.read_text(encoding="utf-8"))["drafts"]
    assert draft["kind"] == "log" and draft["account_id"] == account_id
    assert draft["fields"]["summary"] == SUMMARY

    mend_activity_writes(db)
    again = make_app(workspace, start="portfolio", sync_in_background=False)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = again.screen
        assert isinstance(form, LogActivityScreen), "the log form reopens by itself"
        assert form.account_id == account_id
        assert form.query_one("#field-summary", TextArea).text == SUMMARY
        assert form.query_one("#field-next_steps", Input).value == "send deck by next tue"
        assert not kept.exists() and restored_path(db).exists()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(again.screen, LogActivityScreen)
    count = workspace.conn.execute(
        "SELECT count(*) FROM activities WHERE summary = ?", (SUMMARY,)
    ).fetchone()[0]
    assert count == 1
