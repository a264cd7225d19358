"""A lead signed in to a server reads a CSM's account but may not add to it (the server's
rule): the app says so before anything is typed, instead of taking a call or a note the
next sync refuses out of sight."""

from __future__ import annotations

from textual.widgets import TextArea

from csm_tui.store.cache import set_meta
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.screens.renewal_form import RenewalFormScreen
from tests.ui.pilot_wait import on_account, wait_for

SIZE = (160, 48)


def lead_and_a_team_account(conn) -> tuple[str, str, str]:
    """(a lead, an account a CSM of their team owns, that CSM's name)."""
    return conn.execute(
        "SELECT l.id, a.id, o.name FROM users l JOIN users o ON o.team_id = l.team_id "
        "AND o.role = 'csm' JOIN accounts a ON a.owner_id = o.id AND a.deleted_at IS NULL "
        "WHERE l.role = 'lead' ORDER BY a.id LIMIT 1"
    ).fetchone()


def signed_in_as(ws, user_id: str) -> None:
    set_meta(ws.conn, "server_url", "http://127.0.0.1:9")  # never reached: no sync here
    set_meta(ws.conn, "me", user_id)
    ws.conn.commit()


def said(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def test_a_lead_is_told_before_typing_on_a_csms_account(workspace):
    lead, account_id, owner = lead_and_a_team_account(workspace.conn)
    signed_in_as(workspace, lead)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await on_account(app, pilot, account_id, "l")
        assert isinstance(app.screen, AccountScreen), "no log form"
        await wait_for(pilot, lambda: said(app, f"{owner}'s account: you may read it"))
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, RenewalFormScreen)
        await pilot.press("7")  # the notes: shown, not editable
        await pilot.pause()
        area = app.screen.query_one("#prep-notes", TextArea)
        assert area.read_only
        assert "only its owner adds to it" in str(
            app.screen.query_one("#prep-notes-state").render()
        )


async def test_the_owner_signed_in_logs_as_before(workspace):
    _lead, account_id, _owner = lead_and_a_team_account(workspace.conn)
    owner_id = workspace.conn.execute(
        "SELECT owner_id FROM accounts WHERE id = ?", (account_id,)
    ).fetchone()[0]
    signed_in_as(workspace, owner_id)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await on_account(app, pilot, account_id, "l")
        assert isinstance(app.screen, LogActivityScreen)
