"""The Coverage, Sync and Call prep screens, the forms and the status bar in Simplified
Chinese: the glossary's words on screen, and no English word left but names and data."""

from __future__ import annotations

import pytest

from csm_tui.i18n import set_language
from csm_tui.sync.engine import SyncReport
from csm_tui.ui.app import make_app
from csm_tui.ui.language import switch_language
from csm_tui.ui.screens.contact_form import ContactFormScreen
from csm_tui.ui.screens.coverage import CoverageScreen
from csm_tui.ui.screens.prep import PrepScreen
from csm_tui.ui.screens.renewal_form import RenewalFormScreen, TierFormScreen
from csm_tui.ui.screens.sync import SyncScreen
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from tests.ui.screen_text import english_words, screen_text, text_of
from tests.ui.test_coverage import settle
from tests.ui.test_language_switch import wait_for

SIZE = (160, 48)


def names_in(conn) -> list[str]:
    """Every name the demo book holds (people, teams, accounts, segments): data, not words."""
    rows = conn.execute(
        "SELECT name FROM users UNION SELECT name FROM teams UNION SELECT name FROM accounts "
        "UNION SELECT segment FROM accounts WHERE segment IS NOT NULL"
    ).fetchall()
    return [r[0] for r in rows]


def an_account(conn) -> str:
    return conn.execute(
        "SELECT id FROM accounts WHERE stage != 'churned' ORDER BY name"
    ).fetchone()[0]


async def test_coverage_in_chinese_says_the_seeds_words_and_no_english(workspace):
    set_language("zh")
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(CoverageScreen(workspace))
        await settle(app, pilot)
        shown = screen_text(app)
        for words in (
            "客户分层",
            "续约率",
            "净收入留存",
            "健康度回测",
            "成熟度",
            "触达/年",
            "逾期",
        ):
            assert words in shown, words
        assert "部分主动" in shown and "需要 ≥" in shown  # the maturity evidence, in Chinese
        assert "数字化客户池" in shown  # the digital pool is a word, not a name
        assert english_words(shown, names_in(workspace.conn)) == []


async def test_switching_to_chinese_on_coverage_says_it_again_in_chinese_and_back(workspace):
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(CoverageScreen(workspace))
        await settle(app, pilot)
        assert "Tiers — book today" in screen_text(app)

        switch_language(app, "zh")
        await settle(app, pilot)  # the tables measure their new rows when the app is idle
        await wait_for(pilot, lambda: "客户分层 — 今日客户盘" in screen_text(app))
        shown = screen_text(app)
        assert "Tiers" not in shown and "Retention" not in shown
        assert english_words(shown, names_in(workspace.conn)) == []

        switch_language(app, "en")
        await wait_for(pilot, lambda: "Tiers — book today" in screen_text(app))
        assert "客户分层" not in screen_text(app)


async def test_the_sync_screen_and_status_bar_in_chinese(workspace):
    set_language("zh")
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(SyncScreen(workspace))
        await wait_for(pilot, lambda: "同步 — " in screen_text(app))
        shown = screen_text(app)
        assert "仅本地 — 未登录服务器" in shown  # the title and the status bar
        assert "冲突 — m 保留我的" in shown and "被服务器拒绝" in shown
        assert "待同步的更改" in shown and "上次同步:从未" in shown
        assert english_words(shown, names_in(workspace.conn)) == []


async def test_the_status_bar_follows_a_switch_of_language(workspace):
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(SyncScreen(workspace))
        await wait_for(pilot, lambda: app.screen.query(SyncStatusBar))
        bar = lambda: text_of(app.screen.query_one(SyncStatusBar))  # noqa: E731
        await wait_for(pilot, lambda: "local only — not signed in" in bar())
        assert "Conflicts — m keep mine" in screen_text(app)

        switch_language(app, "zh")
        await wait_for(pilot, lambda: "仅本地 — 未登录服务器" in bar())
        await wait_for(pilot, lambda: "冲突 — m 保留我的" in screen_text(app))
        assert "记录" in text_of(app.screen.query_one("#sync-conflicts"))  # the column titles


async def test_call_prep_in_chinese(workspace):
    set_language("zh")
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(PrepScreen(workspace, an_account(workspace.conn)))
        await wait_for(pilot, lambda: "拜访准备 — " in screen_text(app))
        screen = app.screen
        own = "\n".join(
            text_of(screen.query_one(selector))
            for selector in ("#prep-title", "#prep-notes-label", "#prep-notes-state")
        )
        assert "我的笔记" in own and "ctrl+s 保存" in own
        assert english_words(own, names_in(workspace.conn)) == []
        await wait_for(pilot, lambda: "关键信息" in screen_text(app))
        brief = screen_text(app)
        for heading in ("拜访准备：", "关键信息", "健康度", "干系人"):
            assert heading in brief, heading
        assert "周期" in brief  # the sales motion, e.g. 长周期直销
        assert "**" not in brief  # the bold labels stay bold before Chinese words too
        for english in ("Key facts", "Stakeholders", "Health", "Tier:", "Stage:"):
            assert english not in brief, english
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "没有改动" in text_of(screen.query_one("#prep-notes-state")))


async def test_the_renewal_tier_and_stakeholder_forms_in_chinese(workspace):
    set_language("zh")
    account = an_account(workspace.conn)
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        names = names_in(workspace.conn)
        for form, words in (
            (RenewalFormScreen(workspace, account), ("续约决定", "合同到期日", "保存  ctrl+s")),
            (TierFormScreen(workspace, account), ("分层 — ", "自动(按 ARR)", "原因(必填)")),
            (ContactFormScreen(workspace, account), ("添加干系人", "姓名", "角色", "电话")),
        ):
            app.push_screen(form)
            await wait_for(pilot, lambda form=form: app.screen is form and screen_text(app))
            shown = screen_text(app)
            for word in words:
                assert word in shown, (type(form).__name__, word)
            assert english_words(shown, names) == [], type(form).__name__
            await pilot.press("escape")
            await wait_for(pilot, lambda form=form: app.screen is not form)


def test_a_sync_summary_reads_in_chinese():
    report = SyncReport(to_push=3, pushed=3, applied=2, conflicts=1, pulled=5, rescored=2)
    english = report.summary()
    assert english.startswith("synced: pushed 3 changes (2 applied, 1 conflict)")
    set_language("zh")
    said = report.summary()
    assert said.startswith("已同步:已推送 3 项更改(2 项已应用，1 个冲突)"), said
    assert "已拉取 5 项更改" in said and "已为 2 个客户重新计算健康分" in said
    assert "请在同步页面解决冲突" in said


@pytest.mark.usefixtures("memory_keyring")
async def test_offline_in_chinese_is_a_problem_said_in_chinese(sqlite_central, tmp_path):
    from csm_tui.domain.clock import FixedClock
    from csm_tui.store.cache import set_meta
    from csm_tui.sync import credentials
    from csm_tui.workspace import Workspace
    from tests.server.world import NOW
    from tests.sync.conftest import make_world
    from tests.ui.test_sync_ui import signed_in_device

    world = make_world(sqlite_central)
    ann = world.people["ann"]
    device = signed_in_device(sqlite_central, ann, tmp_path / "ann.sqlite3")
    device.new_account("Offline Co")
    device.close()
    ws = Workspace(db_path=tmp_path / "ann.sqlite3", clock=FixedClock(NOW))
    with ws.conn:
        set_meta(ws.conn, "server_url", "http://127.0.0.1:9")  # nothing listens there
    credentials.store_token("http://127.0.0.1:9", ann.token)
    set_language("zh")
    app = make_app(ws, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sync_text.startswith("离线"), timeout=30)
        assert app.sync_text == "离线 — 1 项更改待同步"
        app.push_screen(SyncScreen(ws))
        await wait_for(pilot, lambda: app.screen.query(SyncStatusBar))
        bar = app.screen.query_one(SyncStatusBar)
        await wait_for(pilot, lambda: "离线" in text_of(bar))
        assert bar.has_class("-problem")  # offline is a problem in either language
        shown = screen_text(app)
        assert "最近错误:无法连接服务器 http://127.0.0.1:9" in shown
        # as they are: names, record ids, what the operating system said
        data = [*names_in(ws.conn), "[Errno 111] Connection refused"]
        data += [r[0][:13] for r in ws.conn.execute("SELECT record_id FROM outbox")]
        assert english_words(shown, data) == [], (english_words(shown, data), data)


async def test_the_palette_in_chinese_says_its_placeholder_and_tiers_in_chinese(workspace):
    """The palette's prompt was Textual's English, and an account's hint its tier code
    ("scale · 0184…")."""
    from textual.command import CommandInput, CommandList

    from tests.ui.test_palette import palette_hits

    set_language("zh")
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await palette_hits(pilot, app, "")
        placeholder = str(app.screen.query_one(CommandInput).placeholder)
        assert placeholder == "搜索命令…", placeholder
        name = workspace.conn.execute(
            "SELECT name FROM accounts WHERE tier = 'scale' AND name GLOB '[A-Z]*' ORDER BY name"
        ).fetchone()[0]
        await palette_hits(pilot, app, f"open {name}")
        options = app.screen.query_one(CommandList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        hint = next(p for p in prompts if name in p)
        assert "规模" in hint and "scale" not in hint, hint
