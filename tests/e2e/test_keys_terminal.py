"""Keys typed at a typist's speed in a real terminal land where they were meant to."""

from __future__ import annotations

import sqlite3
import stat
import time

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


def test_portfolio_filter_typed_right_after_b_gets_every_key_once(book, tmp_path):
    """Issue 8.11: `b` `/` `tier:growth` back to back gave the filter "/tier:growth"."""
    term = TmuxTerminal(csm_tui_argv("--db", str(book), "--now", NOW), cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        # One send-keys: the keys reach the app back to back, no pause between them.
        term.send("b", "/", *"tier:growth")
        screen = term.wait_for("filter: tier:growth ·")
        assert "⚠" not in screen
        assert "/tier" not in screen
        assert "Portfolio — 0 of" not in screen
    finally:
        term.close()


def test_a_crash_exits_non_zero_and_the_typed_log_comes_back_on_the_next_start(book, tmp_path):
    """Issue 8.1: after an unhandled exception the app exited 0 and the typing was gone."""
    argv = csm_tui_argv("--db", str(book), "--now", NOW)
    term = TmuxTerminal(argv, cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        term.send_until("l", "Log activity")
        term.type("Sponsor asked for 续约 pricing")
        term.wait_for("Sponsor asked for 续约 pricing")
        with sqlite3.connect(book) as conn:  # a fault the app does not expect
            conn.execute(
                "CREATE TRIGGER fault BEFORE INSERT ON activities "
                "BEGIN SELECT RAISE(ABORT, 'disk fault (test)'); END"
            )
        term.send("C-s")
        screen = term.wait_for("[exited", timeout=30)
        assert "[exited 1]" in screen
        assert "your unsaved text is kept in" in screen.replace("\n", "")
    finally:
        term.close()
    kept = book.with_name(book.name + ".drafts.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    with sqlite3.connect(book) as conn:
        conn.execute("DROP TRIGGER fault")
    term = TmuxTerminal(argv, cwd=tmp_path)
    try:
        term.wait_for(lambda s: "Log activity" in s and "Sponsor asked for 续约 pricing" in s)
        term.send_until("C-s", "Logged call")
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()


def test_keys_typed_right_after_enter_on_today_reach_the_account(book, tmp_path):
    """`enter` `6` `x` back to back: the account's Tasks tab completes its task; before, `6`
    was lost and `x` completed the task on Today, the screen being left."""
    term = TmuxTerminal(csm_tui_argv("--db", str(book), "--now", NOW), cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        term.send("Enter", "6", "x")
        screen = term.wait_for(lambda s: "Complete / reopen" in s and "Due " in s)
        assert "Done: Task late" not in screen, "x reached Today, not the account"
        with sqlite3.connect(book) as conn:
            done = conn.execute("SELECT count(*) FROM tasks WHERE done_at IS NOT NULL").fetchone()
        assert done[0] >= 1
    finally:
        term.close()


def checklist_state(db) -> dict[str, str | None]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, done_at FROM checklist_items").fetchall())


def test_keys_typed_right_after_enter_on_the_portfolio_reach_the_account(book, tmp_path):
    """`enter` `5` `space` back to back from the portfolio ticks (or unticks) the item under
    the cursor; before, `5` and `space` could be lost on the portfolio being left."""
    before = checklist_state(book)
    term = TmuxTerminal(csm_tui_argv("--db", str(book), "--now", NOW), cwd=tmp_path)
    try:
        term.wait_for("Today for Sarah Mitchell")
        term.send("b")
        term.wait_for("Portfolio —")
        term.send("Enter", "5", "Space")
        term.wait_for("checklist for ")
        deadline = time.monotonic() + 10
        while checklist_state(book) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        after = checklist_state(book)
        changed = [key for key in after if after[key] != before.get(key)]
        assert len(changed) == 1, "space ticked exactly one item, on the account"
    finally:
        term.close()
