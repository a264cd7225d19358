"""Keys rebound in config.toml (`[keys]`) work in a real terminal, and a wrong entry is
said on the first screen while the app starts anyway."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


def test_a_rebound_key_works_in_a_terminal_and_a_wrong_one_is_said(book, tmp_path):
    config = Path(os.environ["CSM_TUI_CONFIG"])  # the test's own (tests/conftest.py)
    config.write_text('[keys]\n"app.coverage" = "f6"\n"app.sycn_now" = "f5"\n', encoding="utf-8")
    term = TmuxTerminal(csm_tui_argv("--db", str(book), "--now", NOW), cwd=tmp_path)
    try:
        screen = term.wait_for("Today for Sarah Mitchell")
        screen = term.wait_for('"app.sycn_now": no key has this id')  # started anyway
        assert "f6 Coverage" in screen  # the Footer shows the user's key
        term.send("c")  # Coverage's old key: nothing now, so `?` is Today's help
        term.send_until("?", "Keys — Today")
        screen = term.wait_for("Coverage")
        assert any("f6" in line and "Coverage" in line for line in screen.splitlines())
        term.send("Escape")
        term.wait_for(lambda s: "Keys — Today" not in s)
        screen = term.send_until("F6", "Coverage — ")
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()
