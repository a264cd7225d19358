"""Reassigning an account: the owner changes and one outbox entry is queued, together."""

from __future__ import annotations

import json

import pytest

from csm_tui.protocol import KIND_ACCOUNT as PROTOCOL_KIND_ACCOUNT
from csm_tui.store import outbox
from csm_tui.store.assignments import ReassignError, candidates, reassign_account
from csm_tui.store.cache import connect
from tests.conftest import FROZEN_NOW


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    yield c
    c.close()


def owned_account(conn):
    return conn.execute(
        "SELECT a.id, a.owner_id, a.version, u.team_id FROM accounts a "
        "JOIN users u ON u.id = a.owner_id WHERE a.stage != 'churned' ORDER BY a.id LIMIT 1"
    ).fetchone()


def lead_of(conn, account: str) -> str:
    """The lead of the team of the account's owner: who may reassign it."""
    return conn.execute(
        "SELECT l.id FROM accounts a JOIN users o ON o.id = a.owner_id "
        "JOIN users l ON l.team_id = o.team_id AND l.role = 'lead' WHERE a.id = ?",
        (account,),
    ).fetchone()[0]


def admin_of(conn) -> str:
    return conn.execute("SELECT id FROM users WHERE role = 'admin' LIMIT 1").fetchone()[0]


def test_candidates_are_the_other_csms_of_the_owners_team(conn):
    account, owner, _version, team = owned_account(conn)
    people = candidates(conn, account)
    team_csms = {r[0] for r in conn.execute(
        "SELECT id FROM users WHERE role = 'csm' AND team_id = ?", (team,))}  # fmt: skip
    assert {p.user_id for p in people} == team_csms - {owner}
    assert [p.arr for p in people] == sorted(p.arr for p in people)  # lightest book first


def test_reassign_changes_the_owner_and_queues_exactly_one_entry(conn):
    conn.execute("UPDATE accounts SET version = 7 WHERE id = ?", (owned_account(conn)[0],))
    conn.commit()
    account, _owner, version, _team = owned_account(conn)
    new = candidates(conn, account)[0].user_id
    mutation = reassign_account(
        conn, account, new, by_user_id=lead_of(conn, account), now=FROZEN_NOW
    )
    assert (
        conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account,)).fetchone()[0] == new
    )
    queued = outbox.pending(conn)
    assert len(queued) == 1
    item = queued[0]
    assert (item.mutation_id, item.kind, item.op, item.record_id) == (
        mutation,
        PROTOCOL_KIND_ACCOUNT,
        "upsert",
        account,
    )
    assert item.fields == {"owner_id": new}
    assert item.base_version == version == 7
    assert not conn.in_transaction


def test_another_teams_csm_is_refused_and_nothing_changes(conn):
    account, owner, _version, team = owned_account(conn)
    stranger = conn.execute(
        "SELECT id FROM users WHERE role = 'csm' AND team_id != ? LIMIT 1", (team,)
    ).fetchone()[0]
    with pytest.raises(ReassignError, match="another CSM of its owner's team"):
        reassign_account(conn, account, stranger, by_user_id=admin_of(conn), now=FROZEN_NOW)
    assert (
        conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account,)).fetchone()[0]
        == owner
    )
    assert outbox.pending_count(conn) == 0


def test_a_failed_enqueue_rolls_the_owner_back(conn, monkeypatch):
    account, owner, _version, _team = owned_account(conn)
    new = candidates(conn, account)[0].user_id

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("csm_tui.store.assignments.enqueue", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        reassign_account(conn, account, new, by_user_id=lead_of(conn, account), now=FROZEN_NOW)
    assert (
        conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account,)).fetchone()[0]
        == owner
    )
    assert outbox.pending_count(conn) == 0


def test_an_account_of_the_pool_may_go_to_any_csm(conn):
    account = conn.execute("SELECT id FROM accounts WHERE owner_id IS NULL LIMIT 1").fetchone()[0]
    csms = {r[0] for r in conn.execute("SELECT id FROM users WHERE role = 'csm'")}
    assert {p.user_id for p in candidates(conn, account)} == csms
    target = sorted(csms)[0]
    reassign_account(conn, account, target, by_user_id=admin_of(conn), now=FROZEN_NOW)
    entry = outbox.entries(conn)[0]
    assert json.loads(json.dumps(entry.fields)) == {"owner_id": target}


def test_a_csm_is_refused_and_a_lead_of_another_team_too(conn):
    """The Coverage screen's write applies the shell's rule: a CSM reassigns nothing, a
    lead nothing outside their team's book."""
    account, owner, _version, team = owned_account(conn)
    new = candidates(conn, account)[0].user_id
    with pytest.raises(ReassignError, match="only a team lead or an admin"):
        reassign_account(conn, account, new, by_user_id=owner, now=FROZEN_NOW)
    other_lead = conn.execute(
        "SELECT id FROM users WHERE role = 'lead' AND team_id != ?", (team,)
    ).fetchone()[0]
    with pytest.raises(ReassignError, match="not in your team's book"):
        reassign_account(conn, account, new, by_user_id=other_lead, now=FROZEN_NOW)
    assert candidates(conn, account, other_lead) == []
    assert candidates(conn, account, lead_of(conn, account)) == candidates(conn, account)
    assert outbox.pending_count(conn) == 0


def test_the_old_owners_open_tasks_go_with_the_account_here_as_on_the_server(conn):
    account, owner, _version, _team = owned_account(conn)
    stamp = "2026-11-01 09:00:00.000000"
    rows = [
        ("t-open", owner, None),
        ("t-done", owner, stamp),
        ("t-lead", lead_of(conn, account), None),
    ]
    conn.executemany(
        "INSERT INTO tasks (id, account_id, title, due_on, owner_id, done_at, created_at, "
        "updated_at) VALUES (?, ?, 'follow up', '2026-12-01', ?, ?, ?, ?)",
        [(tid, account, who, done, stamp, stamp) for tid, who, done in rows],
    )
    conn.commit()
    new = candidates(conn, account)[0].user_id
    reassign_account(conn, account, new, by_user_id=lead_of(conn, account), now=FROZEN_NOW)
    owners = dict(conn.execute(
        "SELECT id, owner_id FROM tasks WHERE id IN ('t-open', 't-done', 't-lead')"))  # fmt: skip
    assert owners == {"t-open": new, "t-done": owner, "t-lead": lead_of(conn, account)}
    assert len(outbox.pending(conn)) == 1  # the server moves them itself
