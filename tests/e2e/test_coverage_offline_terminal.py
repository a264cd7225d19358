"""A team lead on a plane: Coverage works with the network off, a reassignment is queued,
and the next `csm-tui sync` delivers it to the central API (real uvicorn on loopback)."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv
from tests.sync.conftest import make_world, sqlite_central  # noqa: F401 (fixture)
from tests.sync.devices import Device

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()
DEAD = "http://127.0.0.1:9"  # nothing listens here: the network is off


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        csm_tui_argv(*args), input=stdin, capture_output=True, text=True, timeout=120
    )


def test_lead_reassigns_offline_and_it_syncs_later(sqlite_central, tmp_path):  # noqa: F811
    world = make_world(sqlite_central)
    ann, amy, lead = world.people["ann"], world.people["amy"], world.people["lead"]
    device = Device("ann", ann, tmp_path / "ann.sqlite3", sqlite_central.base_url)
    device.sync()
    account_id = device.new_account("Reassign Me 重新分配 GmbH", arr=250_000.0)
    assert device.sync().pushed == 1
    device.close()

    db = tmp_path / "lead.sqlite3"
    token_file = tmp_path / "lead.token"
    login = cli(
        "--db",
        str(db),
        "login",
        "--server",
        sqlite_central.base_url,
        "--token-file",
        str(token_file),
        stdin=lead.token + "\n",
    )
    assert login.returncode == 0, login.stderr
    first = cli("--db", str(db), "sync")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cache_meta SET value = ? WHERE key = 'server_url'", (DEAD,))

    term = TmuxTerminal(csm_tui_argv("--db", str(db), "--now", NOW), cwd=tmp_path)
    try:
        term.wait_for(lambda s: "offline" in s)
        term.send_until("c", "CSMs — accounts by tier")
        screen = term.wait_for(lambda s: ann.name in s)  # computed in a worker
        rows = [line for line in screen.splitlines() if ann.name in line or amy.name in line]
        order = [ann.name in line for line in rows]
        assert True in order, screen
        for _ in range(order.index(True)):
            term.send("Down")
        term.send_until("a", "Reassign Me 重新分配 GmbH")
        term.send_until("r", amy.name)
        screen = term.send_until("Enter", lambda s: "Reassign Me" not in s or "→" in s)
        term.send_until("Escape", "CSMs — accounts by tier")
        term.send_until("Escape", lambda s: "CSMs — accounts by tier" not in s)
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()

    with sqlite3.connect(db) as conn:
        owner = conn.execute(
            "SELECT owner_id FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        queued = conn.execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND "
            "kind = 'account' AND record_id = ?",
            (account_id,),
        ).fetchone()[0]
        assert owner == amy.id and queued == 1
        conn.execute(
            "UPDATE cache_meta SET value = ? WHERE key = 'server_url'", (sqlite_central.base_url,)
        )
    synced = cli("--db", str(db), "sync")
    assert synced.returncode == 0, synced.stderr
    on_server = lead.http.get(f"/accounts/{account_id}").json()
    assert on_server["owner_id"] == amy.id
