"""A lead signed in to a server may not add to a CSM's account through the command
language either (the server's rule, as the keys say it): refused as the account is named,
before anything is written; reading and reassigning stay theirs."""

from __future__ import annotations

import pytest

from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import run_text
from tests.ui.test_lead_writes import lead_and_a_team_account, signed_in_as


def account_name(ws, account_id: str) -> str:
    return ws.conn.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]


@pytest.mark.parametrize(
    "line",
    [
        'log call "{name}" --summary "checked in"',
        'notes "{name}" --set "my view"',
        'churn "{name}" --reason "budget"',
    ],
)
def test_a_leads_additions_to_a_csms_account_are_refused_as_named(workspace, line):
    lead, account_id, owner = lead_and_a_team_account(workspace.conn)
    signed_in_as(workspace, lead)
    name = account_name(workspace, account_id)
    before = workspace.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    with pytest.raises(CommandFailed) as refused:
        run_text(workspace, line.format(name=name))
    assert f"{owner}'s account: you may read it, but only its owner adds to it" in str(
        refused.value
    )
    assert workspace.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == before


def test_a_lead_still_reads_and_reassigns(workspace):
    lead, account_id, owner = lead_and_a_team_account(workspace.conn)
    signed_in_as(workspace, lead)
    name = account_name(workspace, account_id)
    assert run_text(workspace, f'timeline "{name}"').rows is not None
    other = workspace.conn.execute(
        "SELECT o.name FROM users o JOIN users l ON l.team_id = o.team_id AND l.id = ? "
        "WHERE o.role = 'csm' AND o.name != ? LIMIT 1",
        (lead, owner),
    ).fetchone()[0]
    result = run_text(workspace, f'assign "{name}" "{other}"')
    assert result.changes
