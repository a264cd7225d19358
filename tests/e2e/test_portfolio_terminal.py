"""The real csm-tui in a real terminal: demo book, portfolio, filter, open, help, quit."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


@pytest.fixture
def terminal_book(tmp_path):
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return db


def test_real_terminal_portfolio_filter_open_help_quit(terminal_book, tmp_path):
    term = TmuxTerminal(csm_tui_argv("--db", str(terminal_book), "--now", NOW), cwd=tmp_path)
    try:
        # the demo user has an identity, so the app opens on Today; b goes to the portfolio
        term.wait_for(lambda s: "Today for Sarah Mitchell" in s)
        screen = term.send_until("b", lambda s: "300 accounts" in s and "Last touch" in s)
        assert "Strategic" in screen and "Health" in screen and "Last touch" in screen
        assert "\x1b" not in screen

        term.send_until("/", "filter: tier:strategic")
        term.type("tier:enterprise")
        term.send("Enter")
        screen = term.wait_for(lambda s: " of 300 accounts" in s)
        body = [line for line in screen.splitlines()[3:-3] if "Enterprise" in line]
        assert body, screen
        assert "Strategic" not in "\n".join(screen.splitlines()[3:-3])

        term.send("Enter")
        # The account shows at once and fills in when its read is done.
        screen = term.wait_for(lambda s: "Overview" in s and "reading…" not in s)
        assert "Tier" in screen and "ARR" in screen and "Owner" in screen
        term.send("2")
        # The tab is drawn in pieces: a capture can fall between its lines (CI under load).
        term.wait_for(lambda s: "points" in s and "Product usage" in s and "Engagement" in s)
        term.send("Escape")
        term.wait_for(" of 300 accounts")

        term.send("?")
        screen = term.wait_for("Filter language")
        assert "Sort" in screen and "Quit" in screen
        term.send("Escape")
        term.wait_for(lambda s: "Filter language" not in s)

        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()


def test_missing_cache_says_how_to_start(tmp_path):
    result = subprocess.run(
        csm_tui_argv("--db", str(tmp_path / "none.sqlite3")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "csm-tui demo" in result.stderr
    assert "Traceback" not in result.stderr
