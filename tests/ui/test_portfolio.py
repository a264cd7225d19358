"""The portfolio as a CSM drives it: sort, filter, open, help, quit."""

from __future__ import annotations

import pytest

from csm_tui.domain.tiers import Tier
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.help import HelpScreen
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from tests.ui.screen_text import text_of

SIZE = (160, 48)


def rows(app, limit: int | None = None):
    table = app.screen.query_one(PortfolioTable)
    n = table.row_count if limit is None else min(limit, table.row_count)
    return [table.row_at(i) for i in range(n)]


async def type_filter(pilot, text: str) -> None:
    await pilot.press("slash")
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
    await pilot.press("enter")
    await pilot.pause()


def sort_key(row):
    return (Tier(row.tier).rank, -1 if row.health_score is None else row.health_score)


async def test_portfolio_lists_whole_book_sorted_by_tier_then_worst_health(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        all_rows = rows(app)
        total = workspace.conn.execute(
            "SELECT count(*) FROM accounts WHERE deleted_at IS NULL"
        ).fetchone()[0]
        assert len(all_rows) == total == 300
        keys = [sort_key(r) for r in all_rows]
        assert keys == sorted(keys)
        assert Tier(all_rows[0].tier) is Tier.STRATEGIC
        assert Tier(all_rows[-1].tier) is Tier.SELF_SERVE
        title = str(app.screen.query_one("#portfolio-title").render())
        assert "300 accounts" in title


async def test_sort_key_cycles_and_keeps_cursor_on_account(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        await pilot.press("down", "down", "down")
        chosen = table.current_account_id
        await pilot.press("s")
        await pilot.pause()
        assert "renewal" in app.screen.sort.label.lower()
        assert table.current_account_id == chosen
        live = [r for r in rows(app) if r.stage != "churned"]
        renewals = [r.renewal_date for r in live if r.renewal_date is not None]
        assert renewals == sorted(renewals)
        stages = [r.stage for r in rows(app)]
        # churned accounts (a renewal date in the past: the one they lost) come last
        assert "churned" in stages
        assert stages[stages.index("churned") :] == ["churned"] * stages.count("churned")
        labels = {app.screen.sort.label}
        for _ in range(6):
            await pilot.press("s")
            labels.add(app.screen.sort.label)
        assert len(labels) >= 5


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("tier:strategic", lambda r, ws: r.tier == "strategic"),
        ("health:<60", lambda r, ws: r.health_score is not None and r.health_score < 60),
        ("stage:onboarding", lambda r, ws: r.stage == "onboarding"),
        (
            "renewal:<90d",
            lambda r, ws: (
                r.renewal_date is not None and 0 <= (r.renewal_date - ws.today()).days <= 90
            ),
        ),
    ],
)
async def test_each_filter_token_selects_only_matching_accounts(workspace, query, check):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        total = len(rows(app))
        await type_filter(pilot, query)
        shown = rows(app)
        assert 0 < len(shown) < total
        assert all(check(r, workspace) for r in shown)
        status = str(app.screen.query_one("#status-line").render())
        assert f"{len(shown)} of {total}" in status


async def test_owner_me_and_name_text_filters(workspace):
    me = workspace.meta("me")
    my_name = workspace.conn.execute("SELECT name FROM users WHERE id=?", (me,)).fetchone()[0]
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_filter(pilot, "owner:me")
        mine = rows(app)
        assert mine and all(r.owner_name == my_name for r in mine)
        await pilot.press("escape")
        await pilot.pause()
        first_word = rows(app)[5].name.split()[0]
        await type_filter(pilot, first_word.lower())
        named = rows(app)
        assert named and all(first_word.lower() in r.name.lower() for r in named)


async def test_combined_filters_and_together(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_filter(pilot, "tier:scale health:<60")
        shown = rows(app)
        assert shown
        assert all(r.tier == "scale" and r.health_score < 60 for r in shown)


async def test_a_bad_filter_shows_its_error_and_no_results_of_a_half_typed_name_search(
    workspace,
):
    """Typing `bear tier:` key by key showed the error above the rows of the name search
    "bear tier" (the last filter that read), as if they answered it."""
    from textual.widgets import Input

    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"bear", "space", *"tier:")
        await pilot.pause()
        screen = app.screen
        error = screen.query_one("#filter-error")
        assert error.display and "tier" in str(error.render()).lower()
        assert "no accounts shown" in str(error.render())
        assert not screen.query_one(PortfolioTable).display  # no rows pretend to answer it
        assert screen.current_account_id is None  # so `l` and `p` have no account either
        assert "filter not valid — no accounts shown" in text_of(
            screen.query_one("#portfolio-title")
        )
        await pilot.press("enter")  # the filter must be fixed: the box keeps the keys
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press(*"strategic", "enter")
        await pilot.pause()
        assert not error.display and screen.query_one(PortfolioTable).display
        assert all(r.tier == "strategic" and "bear" in r.name.lower() for r in rows(app))
        await pilot.press("slash", "space", *"health:<")
        await pilot.pause()
        assert error.display and not screen.query_one(PortfolioTable).display
        await pilot.press("escape")
        await pilot.pause()
        assert not error.display and len(rows(app)) == 300


async def test_escape_clears_filter(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_filter(pilot, "tier:strategic")
        assert len(rows(app)) < 300
        await pilot.press("escape")
        await pilot.pause()
        assert len(rows(app)) == 300


async def test_enter_opens_account_with_health_explanation_and_escape_returns(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = rows(app, 1)[0]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == first.id
        overview = text_of(app.screen.query_one("#overview-body"))
        assert "Tier" in overview and "Strategic" in overview
        await pilot.press("2")
        await pilot.pause()
        health = text_of(app.screen.query_one("#health-body"))
        assert "Health" in health and "Product usage" in health and "points" in health
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query(PortfolioTable)


async def test_help_lists_every_binding(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        for expected in ("Filter", "Sort", "Open", "Help", "Quit", "Clear filter"):
            assert expected in keys
        assert "tier:strategic" in text_of(app.screen.query_one("#help-filter"))
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_typing_q_in_filter_does_not_quit(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#filter-input").value == "q"


async def test_a_renewal_past_its_date_reads_overdue_not_ago(workspace):
    """A renewal whose date passed without a decision is late, not done: "4 days overdue"
    (as Today says it), where a churned account's old date stays as it was."""
    from datetime import timedelta

    conn = workspace.conn
    late_id, late_name = conn.execute(
        "SELECT id, name FROM accounts WHERE stage NOT IN ('churned') AND deleted_at IS NULL"
        " ORDER BY tier_rank, name LIMIT 1"
    ).fetchone()
    with conn:
        conn.execute(
            "UPDATE accounts SET renewal_date = ? WHERE id = ?",
            ((workspace.today() - timedelta(days=4)).isoformat(), late_id),
        )
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_filter(pilot, late_name.split()[0])
        table = app.screen.query_one(PortfolioTable)
        painted = [table.render_line(y).text for y in range(1, table.size.height)]
        line = next(text for text in painted if late_name[:12] in text)
        assert "4 days overdue" in line, line


@pytest.mark.parametrize(("stage", "said"), [("adoption", "no date recorded"),
                                             ("activation", "not yet")])  # fmt: skip
async def test_activated_without_a_date_reads_by_the_stage(workspace, stage, said):
    """An account imported in Adoption has no activation date: it was activated, when is
    not recorded ("not yet" said the opposite); one still in Activation is "not yet"."""
    conn = workspace.conn
    account_id = conn.execute(
        "SELECT id FROM accounts WHERE stage = ? ORDER BY name LIMIT 1", (stage,)
    ).fetchone()[0]
    with conn:
        conn.execute("UPDATE accounts SET activated_on = NULL WHERE id = ?", (account_id,))
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.open_account(account_id)
        await pilot.pause()
        overview = text_of(app.screen.query_one("#overview-body"))
        line = next(x for x in overview.splitlines() if x.startswith("Activated"))
        assert said in line, line
