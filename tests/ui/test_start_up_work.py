"""Start-up does each piece of work once (issue 12: the first paint): the app's CSS is
parsed once, not again for the first mode's screen, yet styles are exactly Textual's and
a theme change still restyles; the portfolio reads its rows once when first shown."""

from __future__ import annotations

from collections import Counter

import pytest
import textual.css.stylesheet as textual_stylesheet
from textual.css.stylesheet import Stylesheet
from textual.widgets import Static

from csm_tui.ui.app import make_app
from csm_tui.ui.loading import ThreadReads
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.stylesheet import ParsedOnceStylesheet
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from tests.ui.pilot_wait import wait_for

SIZE = (160, 48)


@pytest.fixture
def parses(monkeypatch) -> Counter[tuple[object, ...]]:
    """Every parse of a piece of CSS, by where it was read from and how it ranks (Textual
    ranks a widget's DEFAULT_CSS again when a subclass brings it: that one is new)."""
    seen: Counter[tuple[object, ...]] = Counter()
    parse = textual_stylesheet.parse

    def counted(scope, css, path, **kwargs):  # type: ignore[no-untyped-def]
        seen[(*path, kwargs.get("tie_breaker"), scope)] += 1
        return parse(scope, css, path, **kwargs)

    monkeypatch.setattr(textual_stylesheet, "parse", counted)
    return seen


def rules(stylesheet: Stylesheet) -> list[tuple[object, ...]]:
    """Each rule set's selectors, declarations and rank, in order (values by their repr:
    a layout is a new object on each parse)."""
    return [
        (
            rule.selectors,
            {name: repr(value) for name, value in rule.styles.get_rules().items()},
            rule.is_default_rules,
            rule.tie_breaker,
        )
        for rule in stylesheet.rules
    ]


def textual_rules(stylesheet: Stylesheet) -> list[tuple[object, ...]]:
    """The same sources parsed by Textual's own Stylesheet, from scratch."""
    fresh = Stylesheet(variables=stylesheet._variables)
    for read_from, (css, is_default, tie_breaker, scope) in stylesheet.source.items():
        fresh.add_source(
            css, read_from=read_from, is_default_css=is_default,
            tie_breaker=tie_breaker, scope=scope,
        )  # fmt: skip
    return rules(fresh)


@pytest.mark.parametrize("start", ["today", "portfolio"])
async def test_each_piece_of_css_is_parsed_once_and_styles_are_textuals(workspace, parses, start):
    app = make_app(workspace, start=start, sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.stylesheet, ParsedOnceStylesheet)
        app_css = [path for path in parses if str(path[0]).endswith("app.tcss")]
        assert app_css, "the app's own styles were parsed"
        twice = {path: n for path, n in parses.items() if n > 1}
        assert twice == {}  # Textual alone parsed them all twice before the first frame
        assert rules(app.stylesheet) == textual_rules(app.stylesheet)


async def test_a_theme_change_parses_again_and_restyles(workspace, parses):
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        title = app.screen.query_one("#portfolio-title", Static)
        dark_background = title.styles.background
        before = sum(parses.values())
        app.theme = "textual-light"
        await pilot.pause()
        assert sum(parses.values()) > before  # new variables: every piece again
        assert title.styles.background != dark_background
        assert rules(app.stylesheet) == textual_rules(app.stylesheet)


async def test_the_portfolio_reads_its_rows_once_when_first_shown(workspace, monkeypatch):
    from csm_tui.ui.screens import portfolio

    reads = Counter[str]()
    read_in_thread = ThreadReads.read_in_thread

    def counted(self, group, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(self, portfolio.PortfolioScreen):
            reads[group] += 1
        return read_in_thread(self, group, *args, **kwargs)

    monkeypatch.setattr(ThreadReads, "read_in_thread", counted)
    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(PortfolioTable)
        await wait_for(pilot, lambda: table.row_count == 300)
        await pilot.pause()
        assert reads == {"rows": 1}  # mount and the mode switch's two resumes: one read
        # Back from an account: what changed there shows, so the rows are read again.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: reads["rows"] == 2)
        await wait_for(pilot, lambda: not app.screen.reads_in_flight("rows"))
        assert app.screen.query_one(PortfolioTable).row_count == 300
