"""Names and notes with Rich markup or terminal escapes are shown literally, never obeyed."""

from __future__ import annotations

from csm_tui.store.ids import new_id
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.widgets.portfolio_table import PortfolioTable

NASTY = {
    "markup": "[bold red]Pwned[/] Corp",
    "clear": "Evil\x1b[2J Ltd",
    "title": "Title\x1b]0;owned\x07 GmbH",
}


def add_account(conn, name: str) -> str:
    account_id = new_id()
    conn.execute(
        "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank, stage, "
        "health_score, created_at, updated_at, version, tier_override_note, sales_motion, "
        "segment, industry, seats) VALUES (?, ?, 'USD', 500000, 500000, 'strategic', 0, "
        "'adoption', 1, '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 0, '', "
        "'long-direct', '', '', 10)",
        (account_id, name),
    )
    conn.commit()
    return account_id


async def test_markup_and_escapes_in_names_are_painted_as_text(workspace):
    for name in NASTY.values():
        add_account(workspace.conn, name)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        # health 1: the three accounts sort first among strategic accounts
        painted = [table.render_line(y) for y in range(1, 4)]
        texts = [strip.text for strip in painted]
        joined = "\n".join(texts)
        assert "[bold red]Pwned[/] Corp" in joined
        assert "Evil\\x1b[2J Ltd" in joined
        assert "\\x1b]0;owned\\x07" in joined
        for strip in painted:
            for segment in strip:
                assert "\x1b" not in segment.text and "\x07" not in segment.text
        markup_line = next(s for s in painted if "Pwned" in s.text)
        styles = {seg.style for seg in markup_line if "Pwned" in seg.text}
        assert all(not (s and s.bold and s.color and s.color.name == "red") for s in styles)


async def test_account_screen_title_shows_escape_literally(workspace):
    account_id = add_account(workspace.conn, NASTY["clear"])
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        app.push_screen(AccountScreen(workspace, account_id))
        await pilot.pause()
        title = app.screen.query_one("#account-title").render()
        assert "Evil\\x1b[2J Ltd" in str(title)
        assert "\x1b" not in str(title)


async def test_markup_in_a_name_stays_text_on_the_prep_title_and_the_log_forms_contacts(
    workspace,
):
    from textual.widgets import SelectionList

    from csm_tui.store.contacts import add_contact
    from csm_tui.ui.screens.log_activity import LogActivityScreen
    from csm_tui.ui.screens.prep import PrepScreen
    from tests.ui.screen_text import text_of

    account_id = add_account(workspace.conn, NASTY["markup"])
    add_contact(workspace.conn, account_id, "[bold red]张伟[/]", "CTO", "", "", "champion",
                workspace.now())  # fmt: skip
    workspace.conn.commit()
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await app.open_account(account_id)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PrepScreen)
        assert "[bold red]Pwned[/] Corp" in text_of(app.screen.query_one("#prep-title"))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogActivityScreen)
        contacts = text_of(app.screen.query_one("#field-contact_ids", SelectionList))
        assert "[bold red]张伟[/]" in contacts, contacts


async def test_a_toast_shows_markup_in_what_it_quotes_as_text(workspace):
    """Toasts quote task titles ("Logged call · task “send [b]deck[/b]” …", checked by hand
    in tmux), names and what the user typed: every toast, from any screen or widget, is
    plain text."""
    import time

    from textual.widgets._toast import Toast

    from tests.ui.screen_text import text_of

    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()
        app.screen.notify("Logged call · task “send [b]deck[/b]” due 2026-11-24")
        deadline = time.monotonic() + 10
        while not app.screen.query(Toast) and time.monotonic() < deadline:
            await pilot.pause(0.02)
        toasts = "\n".join(text_of(t) for t in app.screen.query(Toast))
        assert "send [b]deck[/b]" in toasts, toasts
