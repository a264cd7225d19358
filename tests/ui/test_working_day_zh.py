"""The working day's own screens in Chinese: Today, the portfolio, the account's tabs, the
log form — after the palette's language switch, without a restart (each screen's
`retranslate`), and back to English."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from csm_tui.ui.app import make_app
from csm_tui.ui.language import switch_language
from tests.ui.pilot_wait import wait_for
from tests.ui.screen_text import screen_text, text_of
from tests.ui.snapshot_steps import rows_shown

SIZE = (160, 48)


def line(app, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))


def tab_labels(app) -> list[str]:
    tabs = app.screen.query_one("#account-tabs", TabbedContent)
    return [str(tab.label) for tab in tabs.query("ContentTab")]


async def test_today_and_the_portfolio_say_their_titles_in_chinese_after_the_switch(workspace):
    app = make_app(workspace, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Today for" in line(app, "#today-title"))
        assert "Tier" in screen_text(app) and "Why" in screen_text(app)

        switch_language(app, "zh")
        await wait_for(pilot, lambda: "今日" in line(app, "#today-title"))
        title = line(app, "#today-title")
        assert "Today" not in title and " items" not in title
        assert "2026年" in title and "周" in title  # the day, as a Chinese reader writes it
        shown = screen_text(app)
        assert "分层" in shown and "原因" in shown  # the agenda's column headings
        assert "战略" in shown  # the tier column in words
        # (a touch reason is still domain/cadence.py's English until zh-domain converts it)

        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen.query("#portfolio-title"))
        await wait_for(pilot, lambda: "客户列表" in line(app, "#portfolio-title"))
        title = line(app, "#portfolio-title")
        assert "个客户" in title and "排序" in title and "分层、健康度" in title
        assert "Portfolio" not in title and "sort" not in title

        await pilot.press("s")  # the sort's name is shown in Chinese too
        await wait_for(pilot, lambda: "续约最近" in line(app, "#portfolio-title"))

        await pilot.press("slash")
        await pilot.press(*"health:<")
        await wait_for(pilot, lambda: app.screen.query_one("#filter-error").display)
        error = line(app, "#filter-error")
        assert "条件可读之前不显示客户" in error and "no accounts shown" not in error

        switch_language(app, "en")
        await wait_for(pilot, lambda: "no accounts shown" in line(app, "#filter-error"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Portfolio — " in line(app, "#portfolio-title"))


async def test_the_account_tabs_and_their_words_are_chinese_after_the_switch(workspace):
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rows_shown(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("#account-tabs"))
        await wait_for(pilot, lambda: "1 Overview" in tab_labels(app))

        switch_language(app, "zh")
        await wait_for(pilot, lambda: "1 概览" in tab_labels(app))
        assert tab_labels(app) == [
            "1 概览",
            "2 健康度",
            "3 干系人",
            "4 时间线",
            "5 检查清单",
            "6 任务",
            "7 准备笔记",
        ]
        overview = screen_text(app)
        for word in ("客户", "分层", "阶段", "负责人", "上次触达", "续约"):
            assert word in overview, word
        for word in ("Owner", "Last touch", "Seats", "Stage", "Overview"):
            assert word not in overview, word

        await pilot.press("2")
        await wait_for(pilot, lambda: "90 天趋势" in screen_text(app))
        health = screen_text(app)
        assert "维度" in health and "权重" in health and "合计" in health
        assert "component" not in health and "90-day trend" not in health

        await pilot.press("4")
        await wait_for(pilot, lambda: "全部类型" in line(app, "#timeline-filter"))
        timeline = screen_text(app)
        assert "条活动记录，最新在前" in timeline and "摘要" in timeline
        assert "Showing" not in timeline and "Next steps" not in timeline

        await pilot.press("5")
        await wait_for(pilot, lambda: "检查清单" in line(app, "#checklist-title"))
        checklist = screen_text(app)
        assert "阶段历史" in checklist and "完成人" in checklist
        assert "Stage history" not in checklist and "checklist for" not in checklist

        await pilot.press("6")
        await wait_for(pilot, lambda: "截止" in screen_text(app))
        assert "Owner" not in screen_text(app)

        switch_language(app, "en")
        await wait_for(pilot, lambda: "1 Overview" in tab_labels(app))
        assert "Stage history" in screen_text(app) or "Due" in screen_text(app)


async def test_the_log_form_asks_in_chinese_and_keeps_what_was_typed(workspace):
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rows_shown(app))
        await pilot.press("l")
        await wait_for(pilot, lambda: app.screen.query("#log-title"))
        await pilot.press(*"QBR prep")
        switch_language(app, "zh")
        await wait_for(pilot, lambda: "新建活动记录" in line(app, "#log-title"))
        shown = screen_text(app)
        for word in ("类型", "情绪", "时间", "分钟", "联系人", "下一步", "保存  ctrl+s", "电话"):
            assert word in shown, word
        for word in ("Sentiment", "Minutes", "Contacts", "Next steps", "Save", "Cancel", "Call"):
            assert word not in shown, word
        assert app.screen.query_one("#field-summary").text == "QBR prep"  # typing kept

        # A mistake is said in Chinese beside its field, the form stays as typed
        app.screen.query_one("#field-minutes").value = "abc"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query_one("#error-minutes").display)
        assert "分钟数必须是整数" in line(app, "#error-minutes")

        await pilot.press("escape")  # unsaved: the discard prompt, in Chinese
        await wait_for(pilot, lambda: app.screen.query("#confirm-question"))
        assert "丢弃这条活动记录?" in line(app, "#confirm-question")
        assert "你输入的内容尚未保存。" in line(app, "#confirm-why")
        assert "Discard" not in screen_text(app) and "Keep editing" not in screen_text(app)
