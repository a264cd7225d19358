"""An 80×24 terminal, for real: the columns that matter, the rest a scroll away, Chinese
names aligned by the terminal's own measure, reasons cut at a word (issue 8, item 10)."""

from __future__ import annotations

import subprocess

import pytest
from rich.cells import cell_len

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()


def has_cjk(line: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in line)


def test_an_80_column_terminal_shows_aligned_columns_and_scrolls_to_the_rest(tmp_path):
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    term = TmuxTerminal(csm_tui_argv("--db", str(db), "--now", NOW), tmp_path, 80, 24)
    try:
        screen = term.wait_for(lambda s: "Today for" in s and "Why" in s)
        lines = screen.splitlines()
        assert all(cell_len(line) <= 80 for line in lines), screen
        body = lines[2:-3]
        assert any(line.rstrip().endswith("…") for line in body), screen

        screen = term.send_until("b", lambda s: "300 accounts" in s and "Last touch" in s)
        lines = screen.splitlines()
        head = next(line for line in lines if "Account" in line and "Tier" in line)
        assert "Renewal" in head and "Owner" not in head
        tier_at = cell_len(head[: head.index("Tier")])
        chinese = [line for line in lines if has_cjk(line) and "Strategic" not in line]
        assert chinese, screen
        for line in chinese:
            tier = next(t for t in ("Enterprise", "Growth", "Scale") if t in line)
            # the terminal puts the tier in the same cell column after a Chinese name
            assert cell_len(line[: line.index(tier)]) == tier_at, screen

        term.send("Right", "Right", "Right", "Right", "Right", "Right")
        screen = term.wait_for(lambda s: "Owner" in s)
        head = next(line for line in screen.splitlines() if "Account" in line)
        assert "Owner" in head and "Stage" in head
        assert "Jing Chen 陈静" in screen or "Sarah Mitchell" in screen

        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()
