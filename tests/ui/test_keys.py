"""Keys go where the footer and `?` say, at once, and none of them ends the app."""

from __future__ import annotations

from textual.widgets import DataTable

from csm_tui.store.tasks import account_tasks
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.coverage import CoverageScreen
from csm_tui.ui.screens.help import HelpScreen
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.screens.portfolio import PortfolioScreen
from csm_tui.ui.screens.prep import PrepScreen
from csm_tui.ui.screens.today import TodayScreen
from csm_tui.ui.widgets.account_panes import ChecklistPane, TasksPane
from tests.ui.pilot_wait import on_account
from tests.ui.screen_text import screen_text

SIZE = (160, 48)


def account_with_open_tasks(ws) -> str:
    row = ws.conn.execute(
        "SELECT account_id FROM tasks WHERE done_at IS NULL AND deleted_at IS NULL "
        "GROUP BY account_id ORDER BY count(*) DESC, account_id LIMIT 1"
    ).fetchone()
    return row[0]


async def test_complete_snooze_and_take_a_task_on_the_account_tasks_tab(workspace):
    """Issue 8.1: `6`, Tab, `x` crashed the app (TasksPane._task shadowed Textual)."""
    account_id = account_with_open_tasks(workspace)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await on_account(app, pilot, account_id, "6")  # its tasks
        first = app.screen.query_one(TasksPane).tasks[0]
        await pilot.press("x")
        await pilot.pause()
        assert app.is_running
        still_open = [t.id for t in account_tasks(workspace.conn, account_id, workspace.today())]
        assert first.id not in still_open
        await pilot.press("z", "m", "d")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, AccountScreen)


async def test_tab_keys_work_right_after_the_number_key(workspace):
    """Issue 8.9: after `5`, space and A did nothing until Tab was pressed."""
    account_id = account_with_open_tasks(workspace)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_account(account_id)
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        pane = app.screen.query_one(ChecklistPane)
        assert app.focused is pane.query_one(DataTable)
        before = [e.done_at for e in pane.entries]
        await pilot.press("space")
        await pilot.pause()
        after = [e.done_at for e in pane.entries]
        assert before != after, "space ticked the item under the cursor"
        await pilot.press("6")
        await pilot.pause()
        tasks = app.screen.query_one(TasksPane)
        assert app.focused is tasks.query_one(DataTable)
        await pilot.press("d")
        await pilot.pause()
        assert tasks.include_done
        await pilot.press("7")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#prep-notes")


async def test_today_log_and_prep_keys_open_the_form_and_the_sheet(workspace):
    """Issue 8.7: Today's `l` and `p` did nothing, and `?` did not list them."""
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        today = app.screen
        assert isinstance(today, TodayScreen)
        account_id = today.current_account_id
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogActivityScreen)
        assert app.screen.account_id == account_id
        app.screen.dismiss(None)
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PrepScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        assert " Log " in f" {shown} " and "Prep" in shown


async def test_an_account_left_before_its_read_came_does_not_crash_the_app(workspace):
    """CI failure, stop 21: `t` pressed on an account whose read had just been shown; the
    focus step queued after that read ran on the closed screen and ended the app."""
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        account = app.screen
        assert isinstance(account, AccountScreen)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        account._focus_content()  # what `call_after_refresh` ran, late
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, TodayScreen)


async def test_today_portfolio_and_coverage_keys_go_there_from_any_account(workspace):
    """Issue 8.8: from an account opened from Today, `t` did nothing; from one opened from
    the portfolio, `b` did nothing."""
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)

        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)

        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        # (on Coverage, `t` is its own "next team", as its footer says)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_an_account_with_no_health_history_draws_no_bars(workspace):
    """Issue 8.12: "no history yet" sat under three full rows of █."""
    account_id = account_with_open_tasks(workspace)
    with workspace.conn:
        workspace.conn.execute("DELETE FROM health_snapshots WHERE account_id = ?", (account_id,))
        workspace.conn.execute(
            "UPDATE accounts SET health_score = NULL WHERE id = ?", (account_id,)
        )
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_account(account_id)
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        shown = screen_text(app)
        assert "no history yet" in shown
        assert "█" not in shown


async def test_the_status_bar_counts_a_change_as_soon_as_it_is_made(workspace):
    """`x` on a task queued a change, and the status bar said the old count for up to 5 s
    (its timer) while the Sync screen listed the new one."""
    import re
    import time

    from csm_tui.store import outbox
    from csm_tui.ui.widgets.sync_status import SyncStatusBar
    from tests.ui.screen_text import text_of

    account_id = account_with_open_tasks(workspace)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await on_account(app, pilot, account_id, "6")  # its tasks
        before = outbox.pending_count(workspace.conn)
        pressed = time.monotonic()
        await pilot.press("x")
        after = outbox.pending_count(workspace.conn)
        assert after > before

        def shown() -> int:
            found = re.search(
                r"(\d+) changes? pending", text_of(app.screen.query_one(SyncStatusBar))
            )
            return int(found[1]) if found else 0

        while shown() != after and time.monotonic() - pressed < 3:
            await pilot.pause(0.05)
        assert shown() == after
        assert time.monotonic() - pressed < 3  # not the 5-second timer


async def test_a_long_timeline_says_it_shows_the_newest_and_how_many_there_are(workspace):
    """The tab listed 200 of 6,301 activities and said "200 activities"."""
    account_id = account_with_open_tasks(workspace)
    conn = workspace.conn
    columns = [r[1] for r in conn.execute("PRAGMA table_info(activities)")]
    source = conn.execute(
        "SELECT * FROM activities WHERE account_id = ? LIMIT 1", (account_id,)
    ).fetchone()
    base = dict(zip(columns, source, strict=True))
    before = conn.execute(
        "SELECT count(*) FROM activities WHERE account_id = ? AND deleted_at IS NULL",
        (account_id,),
    ).fetchone()[0]
    rows = [tuple({**base, "id": f"bulk-{i:04d}"}[c] for c in columns) for i in range(230)]
    conn.executemany(f"INSERT INTO activities VALUES ({', '.join('?' for _ in columns)})", rows)
    conn.commit()
    total = before + 230
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await on_account(app, pilot, account_id, "4")
        said = screen_text(app)
        assert f"the newest 200 of {total:,} activities" in said, said
        assert "csm-tui run 'timeline ACCOUNT'" in said
