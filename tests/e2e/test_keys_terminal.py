"""Keys typed at a typist's speed in a real terminal land where they were meant to."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


@pytest.fixture
def book(tmp_path):
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return db


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
