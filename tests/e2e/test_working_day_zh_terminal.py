"""The whole working day in Chinese, in a real terminal (issue 10's done-means): with
`LANG=zh_CN.UTF-8` and a home of its own, Today → account → log (a Chinese summary, saved)
→ call prep → export (ctrl+o) → Coverage → Sync, each screen with its Chinese heading and
no English word left on it except names and data (the book's own texts).

Screens another helper converts are listed in `DEPENDS_ON`: their leftovers are reported
(xfail) rather than failed until that work is merged; the lead deletes a line after
merging it, and the scenario then holds that screen to the same rule.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv
from tests.ui.screen_text import WORD, english_words

pytestmark = pytest.mark.tmux
NOW = FROZEN_NOW.isoformat()

DEPENDS_ON: dict[str, str] = {}
"""Screens whose words another helper's branch converts (see the module doc)."""

DATA_SQL = (
    "SELECT name, segment, industry FROM accounts",
    "SELECT name FROM users",
    "SELECT name FROM teams",
    "SELECT name, title, email FROM contacts",
    "SELECT summary, next_steps FROM activities",
    "SELECT title FROM tasks",
    "SELECT body FROM prep_notes",
    "SELECT reason FROM renewal_decisions",
    "SELECT note FROM tier_overrides",
    "SELECT comment FROM survey_responses",
    "SELECT record_id FROM outbox",  # the Sync screen shows the pending records' ids
)


def book_texts(db) -> list[str]:
    """Every name and text of the book (its data, shown as it is in any language)."""
    texts: list[str] = []
    with sqlite3.connect(db) as conn:
        for sql in DATA_SQL:
            for row in conn.execute(sql):
                texts.extend(str(v) for v in row if v)
    return texts


PATH = re.compile(r"\S*/\S*|\S+\.md\b")
"""A file path (the export's, typed or suggested): the user's data, not words."""


RECORD_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}(?:-[0-9a-f-]*)?")
"""A record's id as the Sync screen shows it (cut after its second group): data."""


def leftovers(screen: str, texts: list[str], data_words: set[str]) -> list[str]:
    """English words on `screen` that are neither names, data, paths nor kept as is. A
    name or text cut by a column still counts as data: a cut word begins a word of the
    book's."""
    words = english_words(RECORD_ID.sub(" ", PATH.sub(" ", screen)), texts)
    return [
        w for w in words if w not in data_words and not any(d.startswith(w) for d in data_words)
    ]


def zh_env(home) -> list[str]:
    return ["env", "LANG=zh_CN.UTF-8", "LC_ALL=", "LC_MESSAGES=", f"HOME={home}"]


def test_the_working_day_in_chinese_leaves_no_english_but_names_and_data(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    texts = book_texts(db)
    data_words = {w for text in texts for w in WORD.findall(text)}
    found: dict[str, list[str]] = {}

    def check(name: str, screen: str) -> None:
        left = leftovers(screen, texts, data_words)
        if left:
            found[name] = sorted(set(left))

    argv = [*zh_env(home), *csm_tui_argv("--db", str(db), "--now", NOW)]
    term = TmuxTerminal(argv, cwd=tmp_path)
    try:
        # Today
        screen = term.wait_for(lambda s: "今日 · Sarah Mitchell" in s, timeout=30)
        assert "2026年11月22日" in screen and "分层" in screen and "原因" in screen
        assert "? 帮助" in screen and "q 退出" in screen
        check("today", screen)

        # → account
        term.send_until("Enter", "1 概览")
        screen = term.wait_for("上次触达")  # the tabs fill in once the account is read
        assert "2 健康度" in screen and "7 准备笔记" in screen and "上次触达" in screen
        check("account", screen)

        # → log: a Chinese summary, saved
        # The form is drawn in pieces: a capture can fall between its title and its fields
        # (CI under load); wait for every label read here.
        term.send_until("l", "新建活动记录")
        screen = term.wait_for(lambda s: "类型" in s and "情绪" in s and "摘要" in s)
        check("log", screen)
        term.type("与发起人通话：确认续约，询问增购 20 个席位")
        screen = term.send_until("C-s", "已记录电话")
        term.send("4")
        screen = term.wait_for("与发起人通话：确认续约")
        assert "条活动记录，最新在前" in screen
        check("timeline", screen)

        # → prep, then export with ctrl+o
        screen = term.send_until("p", "拜访准备")
        assert "我的笔记" in screen
        check("prep", screen)
        screen = term.send_until("C-o", "导出")
        check("export prompt", screen)
        term.send_until("Enter", "已导出到")

        # → Coverage (from the account: in the prep sheet, keys type into my notes)
        term.send_until("Escape", "1 概览")
        screen = term.send_until("c", "覆盖 — ", timeout=30)
        screen = term.wait_for(lambda s: "计算中" not in s, timeout=60)
        check("coverage", screen)

        # → Sync
        screen = term.send_until("y", "同步 — ")
        assert "上次同步" in screen and "待同步" in screen
        check("sync", screen)

        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()

    sheet = next(tmp_path.glob("prep-*.md"))
    assert "拜访准备" in sheet.read_text(encoding="utf-8")
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM activities WHERE summary LIKE '与发起人通话：确认续约%'"
        ).fetchone() == (1,)

    mine = {name: words for name, words in found.items() if name not in DEPENDS_ON}
    assert mine == {}, f"English left on the day's own screens: {mine}"
    theirs = {name: words for name, words in found.items() if name in DEPENDS_ON}
    if theirs:
        pytest.xfail(
            "English left where other branches convert the words: "
            + "; ".join(f"{n} ({DEPENDS_ON[n]}): {w}" for n, w in theirs.items())
        )


def display_width(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


def test_the_chinese_day_fits_80_by_24_without_cutting_a_character(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    argv = [*zh_env(home), *csm_tui_argv("--db", str(db), "--now", NOW)]
    term = TmuxTerminal(argv, cwd=tmp_path, width=80, height=24)
    screens = []
    try:
        screens.append(term.wait_for("今日 · Sarah", timeout=30))
        screens.append(term.send_until("b", "客户列表 — "))
        screens.append(term.send_until("Enter", "1 概览"))
        screens.append(term.send_until("4", "条活动记录"))
        screens.append(term.send_until("l", "新建活动记录"))
        term.send_until("Escape", "1 概览")
        screens.append(term.send_until("p", "拜访准备"))
        term.send_until("Escape", "1 概览")  # out of my notes before q
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()
    for screen in screens:
        lines = screen.splitlines()
        assert len(lines) <= 24
        for line in lines:
            assert display_width(line) <= 80, line  # a double-width letter never spills
            assert "\ufffd" not in line, line  # nor is half of one shown
    today, portfolio, account = screens[0], screens[1], screens[2]
    assert "分层" in today.splitlines()[1] and "原因" in today.splitlines()[1]
    assert "个客户" in portfolio.splitlines()[0]
    assert "1 概览" in account and "2 健康度" in account
