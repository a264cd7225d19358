"""The Health tab explains a score from real signals: every measure, its target, its
source and date; survey comments shown as written."""

from __future__ import annotations

from csm_tui.assets_path import assets_dir
from csm_tui.domain.tiers import TierRules
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.store.signal_import import import_signals, load_signal_mapping
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from tests.conftest import FROZEN_NOW
from tests.ui.screen_text import text_of

SAMPLES = assets_dir() / "import"
SIZE = (160, 60)


def import_samples(conn) -> None:
    accounts = import_csv(
        conn, SAMPLES / "salesforce-accounts-sample.csv", load_mapping("salesforce", "accounts"),
        "accounts", now=FROZEN_NOW, rules=TierRules(),
    )  # fmt: skip
    assert accounts.committed
    for kind, name in (
        ("usage", "mixpanel-usage"),
        ("tickets", "zendesk-tickets"),
        ("surveys", "delighted-nps"),
        ("invoices", "stripe-invoices"),
    ):
        mapping = load_signal_mapping(name, kind)
        report = import_signals(conn, SAMPLES / f"{name}-sample.csv", mapping, kind, now=FROZEN_NOW)
        assert report.committed, [str(e) for e in report.errors]


async def open_health(workspace, external_id: str):
    import_samples(workspace.conn)
    account_id = workspace.conn.execute(
        "SELECT id FROM accounts WHERE external_id = ?", (external_id,)
    ).fetchone()[0]
    app = make_app(workspace, start="portfolio")
    return app, account_id


async def test_health_tab_shows_every_usage_measure_with_target_source_and_date(workspace):
    app, account_id = await open_health(workspace, "0015g00000AbCdGAA1")  # Nordlicht
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(AccountScreen(workspace, account_id))
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        body = text_of(app.screen.query_one("#health-body"))
        # long-cycle direct: opportunities and contacts, each against its own target
        assert "opportunities" in body and "vs 4" in body
        assert "contacts" in body and "vs 2" in body
        for measure in ("login rate", "DAU/MAU", "session length", "messages"):
            assert measure in body
        assert "leads" in body and "not in this standard" in body
        assert "mixpanel, week of 2026-11-09" in body
        assert "zendesk, 2026-11-10" in body
        assert "stripe, 2026-09-01" in body
        assert "delighted, 2026-10-21" in body
        assert "activity log" in body
        assert "payment overdue" in body


async def test_survey_comments_are_shown_as_written_not_as_markup(workspace):
    app, account_id = await open_health(workspace, "0015g00000AbCdGAA1")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(AccountScreen(workspace, account_id))
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        voice = app.screen.query_one("#health-voice")
        painted = [voice.render_line(y) for y in range(voice.size.height)]
        joined = "\n".join(strip.text for strip in painted)
        assert "[red]forecasts[/red]" in joined
        assert "NPS 4/10" in joined and "CSAT 2/5" in joined


async def test_health_tab_in_zh_explains_each_measure_in_chinese(workspace):
    from csm_tui.i18n import set_language

    set_language("zh")
    app, account_id = await open_health(workspace, "0015g00000AbCdGAA1")  # Nordlicht
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(AccountScreen(workspace, account_id))
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        body = text_of(app.screen.query_one("#health-body"))
        assert "产品使用" in body and "长周期直销标准" in body
        for measure in ("登录率", "会话时长", "商机", "联系人", "不在此标准中", "付款逾期"):
            assert measure in body, measure
        assert "login rate" not in body and "not in this standard" not in body
        # names and data stay as written; the sources are data too
        assert "mixpanel, week of 2026-11-09" in body or "mixpanel" in body
