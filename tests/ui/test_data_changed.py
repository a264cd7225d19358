"""A write made from where the user is shows on the screen they are on, at once: the app
tells the screen on top that the cache changed (`DataChanged`), and the screen reads again.

These writes come with no screen shown and closed (no form, no palette left open), so
nothing but that message can make the screen read again."""

from __future__ import annotations

from csm_tui.ui.app import make_app
from csm_tui.ui.current_account import CurrentAccount, NoAccount, current_account
from csm_tui.ui.palette import run_in_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.portfolio import PortfolioScreen
from csm_tui.ui.screens.today import TodayScreen
from tests.ui.screen_text import text_of
from tests.ui.test_palette import pick_account, wait_for

SIZE = (160, 48)


async def test_a_log_and_its_undo_show_on_the_open_account_at_once(workspace):
    account = pick_account(workspace)
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.open_account(account["id"])
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await pilot.press("4")  # the timeline
        await wait_for(pilot, lambda: screen.query("#timeline-table"))

        def timeline() -> str:
            return text_of(screen.query_one("#timeline-table"))

        assert "Palette wrote this" not in timeline()
        run_in_app(app, f'log call "{account["name"]}" --summary "Palette wrote this"')
        await wait_for(pilot, lambda: "Palette wrote this" in timeline())
        assert app.screen is screen

        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: "Palette wrote this" not in timeline())
        assert app.screen is screen


async def test_an_undo_on_the_portfolio_moves_the_last_touch_back_on_its_row(workspace):
    account = pick_account(workspace)
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        screen.show_filter(f'"{account["name"]}"')
        await wait_for(pilot, lambda: screen.current_account_id == account["id"])

        def last_touch() -> object:
            return screen.query_one("PortfolioTable").current_row.last_touch_at

        before = last_touch()
        run_in_app(app, f'log call "{account["name"]}" --summary "touch"')
        await wait_for(pilot, lambda: last_touch() != before)
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: last_touch() == before)


async def test_the_current_account_is_what_the_screen_is_on(workspace):
    account = pick_account(workspace)
    app = make_app(workspace, start="today", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        assert current_account(object(), workspace.conn) is NoAccount.NOT_ON_ONE
        await app.open_account(account["id"])
        await pilot.pause()
        assert current_account(app.screen, workspace.conn) == CurrentAccount(
            account["id"], account["name"]
        )
        with workspace.conn:
            workspace.conn.execute(
                "UPDATE accounts SET deleted_at = '2026-01-01T00:00:00Z' WHERE id = ?",
                (account["id"],),
            )
        assert current_account(app.screen, workspace.conn) is NoAccount.GONE
        await pilot.press("l")
        await wait_for(pilot, lambda: any("no longer in the cache" in str(n.message)
                                          for n in app._notifications))  # fmt: skip
        app.pop_screen()
        await wait_for(pilot, lambda: isinstance(app.screen, TodayScreen))
