"""A cache that goes bad under the open app (a disk error, a file damaged by another
program) is said in the status bar; the app keeps running, so what is on screen and in
open forms is not lost to a traceback."""

from __future__ import annotations

import sqlite3

from csm_tui.sync import engine
from csm_tui.ui.app import make_app
from tests.ui.screen_text import text_of


async def test_an_unreadable_cache_is_said_in_the_status_bar_not_a_crash(workspace, monkeypatch):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()

        def malformed(conn, now):
            raise sqlite3.DatabaseError("database disk image is malformed")

        monkeypatch.setattr(engine, "sync_status", malformed)
        app.refresh_sync_status()  # as its 5-second timer and every sync's end do
        await pilot.pause()
        assert app.is_running
        status = text_of(app.screen.query_one("#status-line"))
        assert "cache unreadable: database disk image is malformed" in status, status
