"""Tables at every width: the columns that matter first, the rest a horizontal scroll away,
text cut at a word with an ellipsis, CJK names aligned (issue 8, item 10)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from csm_tui.ui.app import make_app
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from tests.ui.screen_text import text_of

FIRST = ["name", "tier", "health", "arr", "renewal", "last_touch"]


def header(table) -> str:
    return table.render_line(0).text


@pytest.mark.parametrize(
    ("size", "shown", "hidden"),
    [
        ((160, 48), [*FIRST, "stage", "owner"], []),
        ((80, 24), FIRST, ["stage", "owner"]),
        ((60, 24), FIRST[:5], ["last_touch", "stage", "owner"]),
    ],
)
async def test_portfolio_shows_the_important_columns_first_at_every_width(
    workspace, size, shown, hidden
):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        titles = header(table)
        for title in ["Account", "Tier", "Health", "ARR", "Renewal"]:
            assert title in titles
        assert ("Last touch" in titles) == ("last_touch" in shown)
        assert ("Owner" in titles) == ("owner" in shown)
        assert table.visible_columns == shown
        # every visible line is exactly as wide as the table: nothing wraps or spills
        for y in range(table.size.height):
            assert table.render_line(y).cell_length == table.size.width
        assert not set(hidden) & set(table.visible_columns)


@pytest.mark.parametrize("size", [(80, 24), (60, 24)])
async def test_right_arrow_scrolls_to_the_owner_and_keeps_the_name(workspace, size):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        row = table.row_at(0)
        assert "Owner" not in header(table)
        for _ in range(8):
            await pilot.press("right")
        await pilot.pause()
        assert "Owner" in header(table)
        assert "owner" in table.visible_columns
        first = table.render_line(1).text
        assert (row.owner_name or "—")[:8] in first
        assert "Account" in header(table)  # the name column stays put
        assert row.name[:8] in first
        for _ in range(8):
            await pilot.press("left")
        await pilot.pause()
        assert table.scroll_x == 0
        assert "Owner" not in header(table)


async def test_chinese_names_line_up_with_latin_ones_at_80_columns(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PortfolioTable)
        tier_at = header(table).index("Tier")
        lines = text_of(table).splitlines()[1:]
        chinese = [line for line in lines if any("\u4e00" <= ch <= "\u9fff" for ch in line)]
        assert chinese, "the demo book's first screen has a Chinese name"
        for line in lines:
            # the tier column starts at the same cell on every row, whatever the name
            name_cells = line[: line.index(next(t for t in TIERS if t in line))]
            assert cell_len(name_cells) == tier_at, line


TIERS = ("Strategic", "Enterprise", "Growth", "Scale", "Self-serve")


async def test_today_why_ends_at_a_whole_word_with_an_ellipsis_at_80_columns(workspace):
    from csm_tui.ui.screens.today import TodayScreen

    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        table = app.screen.query_one("#today-table")
        why_at = header(table).index("Why")
        cut = 0
        for y in range(1, min(table.size.height - 1, len(app.screen.items) + 1)):
            item = app.screen.items[int(table.scroll_y) + y - 1]
            shown = table.render_line(y).text[why_at:].rstrip()
            if shown == item.why:
                continue
            cut += 1
            assert shown.endswith("…"), shown
            head = shown[:-1]
            assert item.why.startswith(head), (shown, item.why)
            # the cut falls between words, never inside one
            assert item.why[len(head)] in " ·:,(", (shown, item.why)
        assert cut, "at 80 columns some reasons are too long to show whole"


async def test_today_shows_every_reason_whole_at_160_columns(workspace):
    app = make_app(workspace)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#today-table")
        text = text_of(table)
        for item in app.screen.items[: table.size.height - 2]:
            assert item.why in text


async def coverage_at(app, pilot, workspace):
    from csm_tui.ui.screens.coverage import CoverageScreen

    await pilot.pause()
    screen = CoverageScreen(workspace)
    app.push_screen(screen)
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_coverage_shows_its_last_column_whole_at_160(workspace):
    from textual.widgets import DataTable

    from csm_tui.ui.screens.coverage import capacity_cell

    app = make_app(workspace)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await coverage_at(app, pilot, workspace)
        for table in screen.query(DataTable):
            last = str(table.ordered_columns[-1].label).strip()
            assert last in header(table), (table.id, header(table))
            assert table.max_scroll_x == 0, table.id  # nothing hidden to the right
        csms = screen.query_one("#coverage-csms", DataTable)
        lines = text_of(csms).splitlines()
        assert lines[0].rstrip().endswith("Touches/yr")
        # each CSM's touches a year against capacity (the last cell) is on their line, whole
        rules = workspace.settings.tier_rules
        for csm, line in zip(screen.report.owners, lines[1:], strict=False):
            if not csm.is_pool:
                assert line.rstrip().endswith(capacity_cell(csm, rules)[0]), line


async def test_coverage_at_80_scrolls_to_the_last_column_keeping_the_csm(workspace):
    from textual.widgets import DataTable

    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await coverage_at(app, pilot, workspace)
        csms = screen.query_one("#coverage-csms", DataTable)
        csms.focus()
        await pilot.pause()
        assert "Touches/yr" not in header(csms)
        for _ in range(16):
            await pilot.press("right")
        await pilot.pause()
        assert "Touches/yr" in header(csms)
        assert "CSM" in header(csms)
        first = screen.report.owners[0]
        assert first.name in text_of(csms).splitlines()[1]
