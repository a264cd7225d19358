"""Sync as a CSM sees it: the status bar, the background worker, `S`, the Sync screen.

Against the real central API (uvicorn on 127.0.0.1), with an in-memory keyring."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from csm_tui.domain.clock import FixedClock
from csm_tui.store import outbox
from csm_tui.sync import credentials
from csm_tui.sync.conflicts import list_conflicts
from csm_tui.ui.app import make_app
from csm_tui.ui.palette import run_in_app
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.screens.sync import SyncScreen
from csm_tui.workspace import Workspace
from tests.server.world import NOW
from tests.sync.conftest import make_world
from tests.sync.devices import Device
from tests.ui.screen_text import text_of

pytestmark = pytest.mark.usefixtures("memory_keyring")
SIZE = (160, 48)


async def settle(app, pilot, timeout: float = 20.0) -> None:
    """Wait until the sync worker has run and the app has taken in its result (a
    condition with a deadline, not a fixed sleep)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = [w for w in app.workers if w.group == "sync" and not w.is_finished]
        if not busy and app.sync_text and app.sync_text != "syncing…":
            return
    raise AssertionError(f"sync did not settle: {app.sync_text!r}")


def signed_in_device(server, person, path, label="laptop") -> Device:
    device = Device(label, person, path, server.base_url)
    credentials.store_token(server.base_url, person.token)
    device.sync()  # as after `csm-tui login`: the team and its people are in the cache
    return device


async def test_start_sync_log_pending_then_sync_now(sqlite_central, tmp_path):
    world = make_world(sqlite_central)
    ann = world.people["ann"]
    device = signed_in_device(sqlite_central, ann, tmp_path / "ann.sqlite3")
    account_id = device.new_account("Acme 云图 Ltd")
    device.close()

    ws = Workspace(db_path=tmp_path / "ann.sqlite3", clock=FixedClock(NOW))
    app = make_app(ws, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.sync_text == "synced just now"
        assert "synced just now" in text_of(app.screen.query_one("#status-line"))

        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogActivityScreen)
        app.screen.query_one("#field-summary", TextArea).text = "Kickoff call 启动"
        app.screen.query_one("#field-minutes", Input).value = "45"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.refresh_sync_status()
        assert "pending" in app.sync_text, app.sync_text

        await pilot.press("S")
        await settle(app, pilot)
        assert app.sync_text == "synced just now"
        assert outbox.pending_count(ws.conn) == 0

    activities = ann.http.get(f"/accounts/{account_id}/activities").json()
    items = activities.get("items", activities) if isinstance(activities, dict) else activities
    assert [a["summary"] for a in items] == ["Kickoff call 启动"]


async def test_offline_says_so_and_keeps_the_change(sqlite_central, tmp_path):
    world = make_world(sqlite_central)
    ann = world.people["ann"]
    device = signed_in_device(sqlite_central, ann, tmp_path / "ann.sqlite3")
    device.new_account("Offline Co")
    device.close()
    # the server moves away: nothing listens on this port
    ws = Workspace(db_path=tmp_path / "ann.sqlite3", clock=FixedClock(NOW))
    from csm_tui.store.cache import set_meta

    with ws.conn:
        set_meta(ws.conn, "server_url", "http://127.0.0.1:9")
    credentials.store_token("http://127.0.0.1:9", ann.token)
    app = make_app(ws, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.sync_text.startswith("offline — 1 change"), app.sync_text
        assert outbox.pending_count(ws.conn) == 1


async def test_conflict_is_shown_and_resolved_keeping_mine(sqlite_central, tmp_path):
    world = make_world(sqlite_central)
    ann = world.people["ann"]
    laptop = signed_in_device(sqlite_central, ann, tmp_path / "laptop.sqlite3")
    account_id = laptop.new_account("Conflict GmbH")
    laptop.sync()
    phone = signed_in_device(sqlite_central, ann, tmp_path / "phone.sqlite3", "phone")
    laptop.edit_account(account_id, arr=50_000.0)
    laptop.sync()
    phone.edit_account(account_id, arr=70_000.0)
    report = phone.sync()
    assert report.conflicts == 1
    laptop.close()
    phone.close()

    ws = Workspace(db_path=tmp_path / "phone.sqlite3", clock=FixedClock(NOW))
    app = make_app(ws, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)
        table = text_of(app.screen.query_one("#sync-conflicts"))
        assert "arr" in table and "70000" in table and "50000" in table
        app.screen.query_one("#sync-conflicts").focus()
        await pilot.press("m")
        await pilot.pause()
        assert list_conflicts(ws.conn) == []
        pending = outbox.pending(ws.conn)
        assert pending[-1].kind == "account" and pending[-1].fields.get("arr") == 70_000.0


async def test_sync_now_from_the_palette_pushes_what_is_pending(sqlite_central, tmp_path):
    """The palette's `sync: now` is the app's own sync (`S`): it runs, pushes the pending
    log and the status bar says so."""
    from tests.ui.test_palette import palette_hits

    world = make_world(sqlite_central)
    ann = world.people["ann"]
    device = signed_in_device(sqlite_central, ann, tmp_path / "ann.sqlite3")
    account_id = device.new_account("Palette Sync Ltd")
    device.close()

    ws = Workspace(db_path=tmp_path / "ann.sqlite3", clock=FixedClock(NOW))
    app = make_app(ws, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        run_in_app(app, 'log call "Palette Sync Ltd" --summary "Sent from the palette"')
        assert outbox.pending_count(ws.conn) >= 1

        assert (await palette_hits(pilot, app, "sync: now"))[0] == "sync: now"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.sync_text == "synced just now"
        assert outbox.pending_count(ws.conn) == 0

    activities = ann.http.get(f"/accounts/{account_id}/activities").json()
    items = activities.get("items", activities) if isinstance(activities, dict) else activities
    assert [a["summary"] for a in items] == ["Sent from the palette"]


async def test_after_a_sync_that_pulled_changes_coverage_opens_from_kept_results(
    sqlite_central, tmp_path, monkeypatch
):
    """A colleague's new account arrives by sync: the app runs Coverage's queries again in
    the background, so the lead's next Coverage needs no cold pass over the book."""
    from csm_tui.store import coverage
    from csm_tui.ui.screens.coverage import read_coverage

    world = make_world(sqlite_central)
    ann = world.people["ann"]
    device = signed_in_device(sqlite_central, ann, tmp_path / "ann.sqlite3")
    device.new_account("Kept Results Ltd")
    device.close()
    laptop = signed_in_device(sqlite_central, ann, tmp_path / "ann-laptop.sqlite3", "laptop2")

    ws = Workspace(db_path=tmp_path / "ann.sqlite3", clock=FixedClock(NOW))
    app = make_app(ws, start="portfolio", sync_in_background=False)
    app.WARM_REPORTS_AFTER_S = 3600  # only the sync's warming counts here
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        laptop.new_account("Arrived By Sync 云图")
        laptop.sync()
        laptop.close()
        await pilot.press("S")
        await settle(app, pilot)
        arrived = "SELECT 1 FROM accounts WHERE name = 'Arrived By Sync 云图'"
        assert ws.conn.execute(arrived).fetchone()
        await app.workers.wait_for_complete()  # (the warming, started as the sync ended)

        def no_cold_pass(*_args, **_kw):
            raise AssertionError("Coverage ran its queries again")

        monkeypatch.setattr(coverage, "_run", no_cold_pass)
        report = read_coverage(ws)
    assert report.owners  # the book, from the kept results
