"""The log form keeps what was typed: esc asks first, and errors go once fixed."""

from __future__ import annotations

from textual.widgets import TextArea

from csm_tui.ui.app import make_app
from csm_tui.ui.screens.confirm import ConfirmDiscardScreen
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.screens.portfolio import PortfolioScreen

SIZE = (160, 48)


async def test_esc_on_a_typed_log_asks_before_throwing_it_away(workspace):
    """Issue 8.12: esc threw away a typed log without asking."""
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LogActivityScreen)
        await pilot.press(*"QBR went well")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscardScreen), "esc asks first"
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#field-summary", TextArea).text == "QBR went well"
        await pilot.press("escape", "d")  # and now, really throw it away
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)

        await pilot.press("l")
        await pilot.pause()
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)


async def test_summary_required_goes_away_once_the_summary_is_typed(workspace):
    """Issue 8.12: a stale "Summary is required" stayed up after the summary was typed."""
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        error = form.query_one("#error-summary")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error.display, "an empty summary is refused, beside the field"
        await pilot.press(*"Talked renewal")
        await pilot.pause()
        assert not error.display
        assert isinstance(app.screen, LogActivityScreen)
