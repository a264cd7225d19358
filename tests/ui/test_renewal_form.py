"""`R` on an account records a renewal decision in a small form; `T` sets a tier override."""

from __future__ import annotations

from textual.widgets import Input, Select

from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.renewal_form import RenewalFormScreen, TierFormScreen
from tests.ui.pilot_wait import on_account
from tests.ui.screen_text import text_of

SIZE = (160, 48)


def an_account(ws, stage: str = "renewal"):
    return ws.conn.execute(
        "SELECT id, name, arr, tier FROM accounts WHERE stage = ? AND currency = 'USD' "
        "AND deleted_at IS NULL AND tier_override IS NULL ORDER BY name LIMIT 1",
        (stage,),
    ).fetchone()


async def renewal_form(app, pilot, account_id: str) -> RenewalFormScreen:
    """`R` on the account, as a CSM reaches the form."""
    await on_account(app, pilot, account_id, "R")
    assert isinstance(app.screen, RenewalFormScreen)
    return app.screen


async def test_r_records_a_churn_only_with_a_reason_then_the_account_reads_churned(workspace):
    row = an_account(workspace)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        form = await renewal_form(app, pilot, row["id"])
        form.query_one("#field-outcome", Select).value = "churned"  # the ARR typed is ignored
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # refused: no reason
        assert "why" in text_of(form.query_one("#error-reason"))
        form.query_one("#field-reason", Input).value = "moved to a competitor"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert "Churned" in text_of(app.screen.query_one("#account-title"))
        overview = text_of(app.screen.query_one("#overview-body"))
        assert "churned" in overview and "moved to a competitor" in overview
    arr, stage, tier = workspace.conn.execute(
        "SELECT arr, stage, tier FROM accounts WHERE id = ?", (row["id"],)
    ).fetchone()
    assert (arr, stage, tier) == (0.0, "churned", row["tier"])


async def test_a_churn_with_a_bad_date_names_the_missing_reason_in_the_same_round(workspace):
    """Errors came in two rounds: the 31 Feb first, the churn's missing reason only once
    the date read."""
    row = an_account(workspace)
    decisions = "SELECT count(*) FROM renewal_decisions WHERE account_id = ?"
    before = workspace.conn.execute(decisions, (row["id"],)).fetchone()[0]
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        form = await renewal_form(app, pilot, row["id"])
        form.query_one("#field-outcome", Select).value = "churned"
        form.query_one("#field-decided_on", Input).value = "2026-02-31"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "Feb" in text_of(form.query_one("#error-decided_on"))
        assert "why" in text_of(form.query_one("#error-reason"))
        assert not form.query_one("#error-term_end").display
        form.query_one("#field-outcome", Select).value = "renewed"
        form.query_one("#field-arr_after", Input).value = "lots"
        form.query_one("#field-term_end", Input).value = "2020-01-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "120k" in text_of(form.query_one("#error-arr_after"))
        # a term end before a decision day that did not read is not judged against it
        assert not form.query_one("#error-term_end").display
        assert not form.query_one("#error-reason").display
        form.query_one("#field-decided_on", Input).value = "today"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "after the decision" in text_of(form.query_one("#error-term_end"))
        assert "120k" in text_of(form.query_one("#error-arr_after"))
    assert workspace.conn.execute(decisions, (row["id"],)).fetchone()[0] == before


async def test_r_renews_up_into_adoption_with_the_new_term(workspace):
    row = an_account(workspace)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_account(row["id"])
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-arr_after", Input).value = f"{row['arr'] + 10_000:.0f}"
        form.query_one("#field-term_end", Input).value = "2028-01-31"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert "Adoption" in text_of(app.screen.query_one("#account-title"))
    outcome, direction = workspace.conn.execute(
        "SELECT outcome, direction FROM renewal_decisions WHERE account_id = ?", (row["id"],)
    ).fetchone()
    assert (outcome, direction) == ("renewed", "up")
    renewal = workspace.conn.execute(
        "SELECT renewal_date FROM accounts WHERE id = ?", (row["id"],)
    ).fetchone()[0]
    assert renewal == "2028-01-31"


async def test_t_sets_a_tier_override_shown_in_the_title(workspace):
    row = an_account(workspace, "adoption")
    target = "strategic" if row["tier"] != "strategic" else "growth"
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_account(row["id"])
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TierFormScreen)
        form.query_one("#field-tier", Select).value = target
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # a reason is required
        form.query_one("#field-note", Input).value = "reference customer in its industry"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert target.title() in text_of(app.screen.query_one("#account-title"))


async def test_at_80x24_a_refusal_takes_you_to_the_field_and_its_message(workspace):
    """A churn without a reason at 80×24: the reason's message was below the fold and
    ctrl+s seemed to do nothing; the field in error now has the focus, its message shown."""
    row = an_account(workspace)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await renewal_form(app, pilot, row["id"])
        form.query_one("#field-outcome", Select).value = "churned"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert app.focused is form.query_one("#field-reason", Input)
        message = form.query_one("#error-reason")
        assert "why" in text_of(message)
        top, bottom = message.region.y, message.region.bottom
        assert top >= 0 and bottom <= 24 and message.region.height > 0, message.region
