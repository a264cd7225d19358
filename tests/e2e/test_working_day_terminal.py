"""A CSM's morning in a real terminal: Today → account → log a call → prep → quit →
reopen, and everything is still there."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


def test_log_and_prep_survive_quit_and_reopen(tmp_path):
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    argv = csm_tui_argv("--db", str(db), "--now", NOW)
    term = TmuxTerminal(argv, cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        term.send_until("Enter", "1 Overview")
        # the account shows at once and its tabs fill in when read: its name is the title
        screen = term.wait_for(lambda s: "1 Overview" in s and "reading…" not in s)
        account = screen.splitlines()[0].split("  ")[0].strip()
        assert account

        term.send_until("l", "Log activity")
        term.type("Call with the sponsor: 续约 confirmed")
        screen = term.send_until("C-s", "Logged call")
        term.send("4")
        screen = term.wait_for("续约 confirmed")
        assert "2026-11-22" in screen

        term.send_until("p", "My notes")
        term.type("Ask about the 扩容 plan")
        term.send_until("Escape", "1 Overview")
        term.send_until("Escape", "Today for Sarah Mitchell")
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()

    with sqlite3.connect(db) as conn:
        last = conn.execute(
            "SELECT summary, next_steps FROM activities ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        assert (
            conn.execute(
                "SELECT count(*) FROM activities WHERE summary = "
                "'Call with the sponsor: 续约 confirmed'"
            ).fetchone()[0]
            == 1
        ), last
        assert (
            conn.execute(
                "SELECT count(*) FROM prep_notes WHERE body LIKE '%Ask about the 扩容 plan%'"
            ).fetchone()[0]
            == 1
        )

    term = TmuxTerminal(argv, cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        term.send_until("b", "300 accounts")
        term.send_until("/", "filter:")
        term.type(account)
        term.send("Enter")
        term.wait_for("1 of 300 accounts")
        term.send_until("Enter", "1 Overview")
        term.send("4")
        term.wait_for("续约 confirmed")
        term.send("7")
        term.wait_for("Ask about the 扩容 plan")
        term.send_until("Escape", "1 of 300 accounts")
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()
