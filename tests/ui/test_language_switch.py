"""Switching the interface language in the running app: the palette's `language:` command."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets._footer import FooterKey

from csm_tui.i18n import current_language, set_language
from csm_tui.ui.app import make_app
from tests.ui.pilot_wait import wait_for
from tests.ui.screen_text import screen_text
from tests.ui.test_palette import palette_hits

SIZE = (160, 48)


def footer_words(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if key.description]


async def test_the_palette_switches_the_footer_to_chinese_and_back(workspace):
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Portfolio" in footer_words(app))
        assert "客户列表" not in footer_words(app)

        hits = await palette_hits(pilot, app, "language")
        assert "language: 简体中文" in hits
        await pilot.press("down")
        while not app.screen.query_one("CommandList").highlighted_option.prompt.plain.startswith(
            "language: 简体中文"
        ):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not CommandPalette.is_open(app))
        await wait_for(pilot, lambda: "客户列表" in footer_words(app))
        words = footer_words(app)
        assert {"帮助", "今日", "覆盖", "退出"} <= set(words)
        assert "Portfolio" not in words and "Help" not in words
        assert current_language() == "zh"

        hits = await palette_hits(pilot, app, "English")
        assert hits[0].startswith("language: English")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Portfolio" in footer_words(app))
        assert "客户列表" not in footer_words(app)


async def test_help_shows_the_keys_in_the_language_chosen(workspace):
    set_language("zh")
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "客户列表" in footer_words(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.query("#help-keys"))
        await wait_for(pilot, lambda: "按键 — " in screen_text(app))
        shown = screen_text(app)
        assert "筛选语法(/)" in shown and "客户分层为其中之一" in shown
        assert "今日" in shown and "退出" in shown  # the app's bindings, described in zh
        assert "Filter language" not in shown and "Quit" not in shown


async def test_today_reasons_switch_language_without_a_restart(workspace):
    from csm_tui.ui.language import switch_language

    app = make_app(workspace, start="today", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Task late" in screen_text(app))
        assert "任务逾期" not in screen_text(app)
        switch_language(app, "zh")
        await wait_for(pilot, lambda: "今日" in footer_words(app))
        await wait_for(pilot, lambda: "任务逾期" in screen_text(app))
        shown = screen_text(app)
        assert "Task late" not in shown, [x for x in shown.splitlines() if "Task late" in x]
