"""`csm-tui sync` killed with SIGKILL part way, then run again on the same cache: everything
arrives exactly once, on the server and in the cache."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.cli.main import main
from csm_tui.store import outbox
from csm_tui.store.cache import connect, get_meta
from tests.sync.devices import Device
from tests.sync.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
PUSH = f"POST {p.PUSH_PATH}"
PULL = f"GET {p.PULL_PATH}"


def login_with_token_file(monkeypatch, db: Path, server_url: str, token: str, tmp_path) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    code = main(
        ["--db", str(db), "login", "--server", server_url, "--token-file", str(tmp_path / "token")]
    )
    assert code == 0


def start_sync(db: Path, tmp_path: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "csm_tui", "--db", str(db), "sync", *extra],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


def kill_when_held(process: subprocess.Popen, hold, tmp_path: Path) -> None:
    """Wait until the server has answered the held request, then SIGKILL the client."""
    held = hold.holding.wait(timeout=60)
    if not held:
        process.kill()
        pytest.fail("the sync never got that far: " + (tmp_path / "err.txt").read_text())
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    hold.release.set()


def server_summaries(world, account_id: str) -> list[str]:
    with world.server.db.engine.connect() as conn:
        return sorted(
            conn.execute(
                sa.text("SELECT summary FROM activities WHERE account_id = :a"), {"a": account_id}
            ).scalars()
        )


def test_killed_between_pushes_resumes_and_sends_everything_once(
    world, proxy: FaultProxy, tmp_path, monkeypatch
):
    db = tmp_path / "laptop.sqlite3"
    device = Device("laptop", world.ann, db, proxy.url)
    device.sync()
    account_id = device.new_account("Acme Ltd")
    summaries = sorted(f"note {i:04d}" for i in range(2 * p.PUSH_MAX_MUTATIONS + 500))
    for summary in summaries:
        device.log_activity(account_id, summary)
    device.close()
    login_with_token_file(monkeypatch, db, proxy.url, world.ann.token, tmp_path)

    hold = proxy.hold_answer(PUSH, nth=2)  # the server commits push 2; the client never hears
    process = start_sync(db, tmp_path)
    kill_when_held(process, hold, tmp_path)

    assert len(server_summaries(world, account_id)) == 2 * p.PUSH_MAX_MUTATIONS - 1
    conn = connect(db)
    sent = len(outbox.entries(conn, outbox.SENT))
    assert sent == p.PUSH_MAX_MUTATIONS  # the first answer was recorded, the second was not
    conn.close()

    process = start_sync(db, tmp_path)
    assert process.wait(timeout=120) == 0, (tmp_path / "err.txt").read_text()
    assert "synced: pushed" in (tmp_path / "out.txt").read_text()
    assert server_summaries(world, account_id) == summaries  # none lost, none twice
    conn = connect(db)
    assert outbox.pending_count(conn) == 0
    assert (
        sorted(
            r[0]
            for r in conn.execute(
                "SELECT summary FROM activities WHERE account_id = ?", (account_id,)
            )
        )
        == summaries
    )


def test_killed_between_pages_resumes_from_the_last_page_kept(
    world, proxy: FaultProxy, tmp_path, monkeypatch
):
    other = Device("desktop", world.ann, tmp_path / "desktop.sqlite3", world.server.base_url)
    other.sync()
    account_id = other.new_account("Acme Ltd")
    summaries = sorted(f"from the desktop {i:04d}" for i in range(2400))
    for summary in summaries:
        other.log_activity(account_id, summary)
    assert other.sync().ok
    expected = other.snapshot()
    other.close()

    db = tmp_path / "laptop.sqlite3"
    login_with_token_file(monkeypatch, db, proxy.url, world.ann.token, tmp_path)
    hold = proxy.hold_answer(PULL, nth=3)
    process = start_sync(db, tmp_path, "--page-size", "500")
    kill_when_held(process, hold, tmp_path)

    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] <= 1000
    cursor = int(get_meta(conn, "sync_cursor"))
    assert cursor > 0  # pages 1 and 2 were kept with their cursor
    conn.close()

    pulls_before = proxy.received[PULL]
    process = start_sync(db, tmp_path, "--page-size", "500")
    assert process.wait(timeout=120) == 0, (tmp_path / "err.txt").read_text()
    assert proxy.received[PULL] - pulls_before == 3  # pages 3, 4 and 5 (of ~2,405 changes)
    laptop = Device("laptop", world.ann, db, proxy.url)
    try:
        assert laptop.snapshot() == expected
    finally:
        laptop.close()
