"""The database is read off the UI thread: a typed filter character shows at once while
its query runs in a worker (a newer one replaces it); Today reads its agenda once a visit."""

from __future__ import annotations

import asyncio
import threading
import time

from textual.widgets import Input

from csm_tui.domain.text import safe_text
from csm_tui.store.portfolio import PortfolioQuery
from csm_tui.ui.app import make_app
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from tests.ui.screen_text import text_of

SIZE = (160, 48)


async def until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_typing_echoes_every_character_while_the_queries_are_in_flight(
    workspace, monkeypatch
):
    """The queries are held (as a slow query on a big book would be): the box shows each
    character as it is typed, the UI thread never runs one, and once they are let go only
    the last filter's rows show, the book's size not counted again."""
    gate = threading.Event()
    on_ui_thread: list[str] = []
    whole_book_counted: list[bool] = []
    count = PortfolioQuery.count

    def held_count(self: PortfolioQuery) -> int:
        if self._count is not None:  # known: no SQL
            return count(self)
        whole_book_counted.append(self.filter.is_empty)
        if threading.current_thread() is threading.main_thread():
            on_ui_thread.append(repr(self.filter))
        gate.wait(timeout=5)
        return count(self)

    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)
        table = app.screen.query_one(PortfolioTable)
        before = [table.row_at(i).id for i in range(5)]
        monkeypatch.setattr(PortfolioQuery, "count", held_count)
        box = app.screen.query_one("#filter-input", Input)
        await pilot.press("slash")
        typed = ""
        for ch in "tier:strategic":
            started = time.monotonic()
            await pilot.press(ch if ch != ":" else "colon")
            typed += ch
            await pilot.pause()
            assert box.value == typed
            assert typed in text_of(box)  # painted, not only stored
            assert time.monotonic() - started < 2.5  # well under the held query's 5 s
        assert on_ui_thread == []
        assert [table.row_at(i).id for i in range(5)] == before  # no stale rows shown
        gate.set()
        await until(lambda: table.row_count < 300)
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = [table.row_at(i) for i in range(table.row_count)]
        assert rows and all(r.tier == "strategic" for r in rows)
        title = text_of(app.screen.query_one("#portfolio-title"))
        assert f"{len(rows)} of 300 accounts" in title
        assert whole_book_counted and not any(whole_book_counted)  # its size is kept
        assert on_ui_thread == []


async def test_a_failed_read_says_what_failed_without_a_traceback(workspace, monkeypatch):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)

        def broken(self: PortfolioQuery) -> int:
            raise OSError("disk I/O error")

        monkeypatch.setattr(PortfolioQuery, "count", broken)
        await pilot.press("slash", "a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("Could not load the portfolio: disk I/O error" in n for n in notes)
        assert not any("Traceback" in n for n in notes)
        assert app.is_running


async def test_today_reads_its_agenda_once_per_visit_off_the_ui_thread(workspace, monkeypatch):
    """`t` used to read the agenda three times (mount and two resumes), on the UI thread."""
    from csm_tui.ui.screens import today

    reads: list[bool] = []
    load = today.load_agenda

    def counted(*args, **kwargs):
        reads.append(threading.current_thread() is threading.main_thread())
        return load(*args, **kwargs)

    monkeypatch.setattr(today, "load_agenda", counted)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)
        gate = threading.Event()
        held = today.load_agenda

        def slow(*args, **kwargs):
            gate.wait(timeout=10)
            return held(*args, **kwargs)

        monkeypatch.setattr(today, "load_agenda", slow)
        await pilot.press("t")
        await pilot.pause()
        assert "reading the agenda…" in text_of(app.screen.query_one("#today-title"))
        gate.set()
        await until(lambda: bool(getattr(app.screen, "items", None)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reads == [False]  # once, in a worker
        assert "items" in text_of(app.screen.query_one("#today-title"))
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("t")
        await until(lambda: len(reads) == 2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reads == [False, False]  # each visit reads it again, once


async def test_an_account_shows_at_once_and_fills_in_when_read(workspace, monkeypatch):
    """Opening an account paints the screen before its tabs are read: the read (held here,
    as a slow disk would hold it) runs in a worker, and the tabs fill in when it is done."""
    from csm_tui.ui.screens import account
    from csm_tui.ui.screens.account import AccountScreen

    row = workspace.conn.execute(
        "SELECT id, name FROM accounts WHERE deleted_at IS NULL ORDER BY name LIMIT 1"
    ).fetchone()
    gate = threading.Event()
    threads: list[bool] = []
    read = account.read_account

    def held(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        gate.wait(timeout=10)
        return read(*args, **kwargs)

    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE):
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)
        monkeypatch.setattr(account, "read_account", held)
        await app.open_account(row["id"])
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await until(lambda: bool(threads))
        assert "reading…" in text_of(screen.query_one("#account-title"))  # painted, held
        assert screen.query_one("#account-tabs").display
        assert threads == [False]  # in a worker, not the UI thread
        gate.set()
        name = safe_text(row["name"])  # (the first by name carries an escape sequence)
        await until(lambda: name in text_of(screen.query_one("#account-title")))
        await until(lambda: name in text_of(screen.query_one("#overview-body")))
        assert screen.facts is not None and screen.facts.id == row["id"]


async def test_an_account_that_cannot_be_read_says_so_without_a_traceback(workspace, monkeypatch):
    from csm_tui.ui.screens import account
    from csm_tui.ui.screens.account import AccountScreen

    account_id = workspace.conn.execute("SELECT id FROM accounts LIMIT 1").fetchone()[0]

    def broken(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(account, "read_account", broken)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE):
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)
        await app.open_account(account_id)
        assert isinstance(app.screen, AccountScreen)
        notes = lambda: [str(n.message) for n in app._notifications]  # noqa: E731
        await until(lambda: any("Could not load the account: disk I/O error" in n for n in notes()))
        assert not any("Traceback" in n for n in notes())
        assert app.is_running and isinstance(app.screen, AccountScreen)


async def test_keys_typed_before_the_account_is_read_act_once_it_is(workspace, monkeypatch):
    """`5` `space` while the account is still being read: the space waits for the
    checklist and ticks the item under the cursor once it shows — not lost, not early."""
    from textual.pilot import Pilot

    from csm_tui.ui.screens import account
    from csm_tui.ui.screens.account import AccountScreen

    press = Pilot.press.__wrapped__  # Textual's own (tests/ui/conftest.py): no wait for reads

    def ticked() -> dict[str, str | None]:
        rows = workspace.conn.execute("SELECT id, done_at FROM checklist_items").fetchall()
        return {r[0]: r[1] for r in rows}

    account_id = workspace.conn.execute(
        "SELECT id FROM accounts WHERE deleted_at IS NULL AND stage = 'onboarding' LIMIT 1"
    ).fetchone()[0]
    gate = threading.Event()
    read = account.read_account

    def held(*args, **kwargs):
        gate.wait(timeout=10)
        return read(*args, **kwargs)

    before = ticked()
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.screen.query_one(PortfolioTable).row_count == 300)
        monkeypatch.setattr(account, "read_account", held)
        await app.open_account(account_id)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await press(pilot, "5")
        await press(pilot, "space")
        assert screen.reads_in_flight("account")
        assert ticked() == before  # nothing to tick yet: the key waits
        gate.set()
        await until(lambda: ticked() != before)
        after = ticked()
        assert len([k for k in after if after[k] != before.get(k)]) == 1
