"""The command palette: areas, completion, and the same command from palette, shell and keys."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from textual.command import CommandList, CommandPalette

from csm_tui.commands.run import run_text
from csm_tui.domain.clock import FixedClock
from csm_tui.store import outbox
from csm_tui.ui.app import make_app
from csm_tui.ui.palette import PALETTE_PROVIDERS, _highlight
from csm_tui.ui.screens.account import AccountScreen
from csm_tui.ui.screens.log_activity import LogActivityScreen
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from csm_tui.workspace import Workspace
from tests.conftest import FROZEN_NOW
from tests.ui.pilot_wait import wait_for

SIZE = (160, 48)


async def palette_hits(pilot, app, query: str) -> list[str]:
    """Open the palette, type `query`, and read the hits it shows (settled)."""
    if not CommandPalette.is_open(app):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
    palette = app.screen
    palette.query_one("CommandInput").value = query
    shown: list[str] = []

    def settled() -> bool:
        nonlocal shown
        options = palette.query_one(CommandList)
        now = [str(options.get_option_at_index(i).prompt).split("\n")[0]
               for i in range(options.option_count)]  # fmt: skip
        done = bool(now) and now == shown and not palette._show_busy
        shown = now
        return done

    await wait_for(pilot, settled)
    await asyncio.sleep(0.15)
    settled()
    return shown


def fresh(template, tmp_path, name: str) -> Workspace:
    path = tmp_path / f"{name}.sqlite3"
    shutil.copyfile(template, path)
    return Workspace(db_path=path, clock=FixedClock(FROZEN_NOW))


def pick_account(ws: Workspace):
    return ws.conn.execute(
        "SELECT id, name FROM accounts WHERE owner_id = ? AND tier = 'strategic' "
        "AND name GLOB '[A-Z]*' ORDER BY name LIMIT 1",
        (ws.meta("me"),),
    ).fetchone()


def logged(ws: Workspace, before: int) -> tuple[dict, list[tuple[str, str]]]:
    """The one activity logged since outbox seq `before`, and the outbox kinds it queued."""
    entries = [e for e in outbox.entries(ws.conn) if e.seq > before]
    activity_id = next(e.record_id for e in entries if e.kind == "activity")
    row = ws.conn.execute(
        "SELECT account_id, kind, occurred_at, minutes, summary, next_steps, sentiment, "
        "contact_ids, author_id FROM activities WHERE id = ?",
        (activity_id,),
    ).fetchone()
    return dict(row), sorted((e.kind, e.op) for e in entries)


def seq(ws: Workspace) -> int:
    return ws.conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


async def test_the_same_log_from_shell_palette_and_keys(demo_book_template, tmp_path):
    shell_ws, palette_ws, keys_ws = (fresh(demo_book_template, tmp_path, n)
                                     for n in ("shell", "palette", "keys"))  # fmt: skip
    account = pick_account(shell_ws)
    line = f'log call "{account["name"]}" --summary "Went through the plan"'

    before = seq(shell_ws)
    run_text(shell_ws, line)
    shell = logged(shell_ws, before)

    before = seq(palette_ws)
    app = make_app(palette_ws, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, line)
        assert hits[0] == f"run: {line}"
        await pilot.press("enter")
        await wait_for(pilot, lambda: seq(palette_ws) > before)
    palette = logged(palette_ws, before)

    before = seq(keys_ws)
    app = make_app(keys_ws, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*[c if c != " " else "space" for c in account["name"]])
        await pilot.press("enter")
        table = app.screen.query_one(PortfolioTable)
        await wait_for(pilot, lambda: table.current_account_id == account["id"])
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogActivityScreen))
        await pilot.press(*[c if c != " " else "space" for c in "Went through the plan"])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: seq(keys_ws) > before)
    keys = logged(keys_ws, before)

    for ws in (shell_ws, palette_ws, keys_ws):
        ws.close()
    assert shell[0]["summary"] == "Went through the plan"
    assert shell == palette == keys


async def test_accounts_are_found_by_fuzzy_name_in_any_script(workspace):
    chinese = workspace.conn.execute(
        "SELECT id, name FROM accounts WHERE name GLOB '[一-龥]*' ORDER BY name LIMIT 1"
    ).fetchone()
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, chinese["name"][:4])
        assert f"account: open {chinese['name']}" in hits
        latin = pick_account(workspace)
        spread = latin["name"][0] + latin["name"][2:5]
        hits = await palette_hits(pilot, app, f"open {spread}")
        assert any(h == f"account: open {latin['name']}" for h in hits), hits
        index = hits.index(f"account: open {latin['name']}")
        palette = app.screen
        palette.query_one(CommandList).highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
        assert app.screen.current_account_id == latin["id"]


async def test_filter_completes_values_and_filters_the_portfolio(workspace):
    app = make_app(workspace, start="today")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, "tier:str")
        assert hits[0] == "filter: tier:strategic"
        hits = await palette_hits(pilot, app, "filter tier:strategic owner:to")
        assert 'filter: tier:strategic owner:"Tom Becker"' in hits
        hits = await palette_hits(pilot, app, "tier:strategic health:<60")
        assert hits[0] == "filter: tier:strategic health:<60"
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "filter_text", None)
                       == "tier:strategic health:<60")  # fmt: skip
        table = app.screen.query_one(PortfolioTable)
        rows = [table.row_at(i) for i in range(table.row_count)]
        assert all(r.tier == "strategic" and r.health_score < 60 for r in rows)


async def test_screens_sync_and_bindings_are_in_the_palette(workspace):
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, "today")
        assert "screen: today" in hits
        assert "sync: now" in await palette_hits(pilot, app, "sync")
        hits = await palette_hits(pilot, app, "Sort")
        assert "Sort" in hits  # a binding of the portfolio, offered as a command
        hits = await palette_hits(pilot, app, "screen today")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "today")


async def test_a_bad_command_line_says_why_and_changes_nothing(workspace):
    app = make_app(workspace, start="portfolio")
    before = seq(workspace)
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, 'log call "Nobody At All" --summary x')
        assert hits[0].startswith("run: log call")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("no account named" in str(n.message)
                                          for n in app._notifications))  # fmt: skip
    assert seq(workspace) == before


def test_names_are_never_read_as_markup():
    from textual.fuzzy import Matcher

    name = "[@click=app.quit]Acme[/] \x1b[2J"
    content = _highlight(Matcher("acme"), f"account: open {name}")
    assert content.plain == "account: open [@click=app.quit]Acme[/] \\x1b[2J"


def test_every_area_has_a_provider():
    names = {p.__name__ for p in PALETTE_PROVIDERS}
    assert names == {"RunCommands", "AccountCommands", "LogCommands", "FilterCommands",
                     "ScreenCommands", "SyncCommands"}  # fmt: skip


def test_the_app_offers_every_provider_though_it_imports_them_when_the_palette_opens():
    from inspect import isclass

    from csm_tui.ui.app import CsmApp

    lazy = {p for p in CsmApp.COMMANDS if not isclass(p)}
    assert {p() for p in lazy} >= PALETTE_PROVIDERS  # (Textual has a lazy one of its own)


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_a_command_line_completes_the_account_and_the_owner(workspace):
    account = pick_account(workspace)
    prefix = account["name"][:5]
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, f"stage {prefix}")
        assert hits[0] == f"run: stage {prefix}"
        assert f'run: stage "{account["name"]}"' in hits
        hits = await palette_hits(pilot, app, f'assign "{account["name"]}" To')
        assert f'run: assign "{account["name"]}" "Tom Becker"' in hits
        hits = await palette_hits(pilot, app, f'log meeting "{account["name"]}"')
        assert f"log: meeting {account['name']}" in hits
        index = hits.index(f"log: meeting {account['name']}")
        app.screen.query_one(CommandList).highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogActivityScreen))
        assert app.screen.account_id == account["id"] and app.screen.kind.value == "meeting"


async def test_coverage_and_sync_go_through_the_apps_own_screens(workspace):
    from csm_tui.ui.screens.coverage import CoverageScreen

    app = make_app(workspace, start="portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, "screen coverage")
        assert hits[0] == "screen: coverage"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CoverageScreen))
        assert app.screen.team is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CoverageScreen))
        hits = await palette_hits(pilot, app, "coverage --team emea")
        assert hits[0] == "run: coverage --team emea"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CoverageScreen))
        team = workspace.conn.execute("SELECT id FROM teams WHERE name = 'EMEA'").fetchone()
        assert app.screen.team == team[0]
        app.pop_screen()
        await palette_hits(pilot, app, "sync: now")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Not signed in" in str(n.message)
                                          for n in app._notifications))  # fmt: skip


def _area(hit: str) -> str:
    """The area of a palette line: `log`, `screen`, …; a language or a binding: itself."""
    return hit.split(":", 1)[0] if ":" in hit else hit


async def test_before_anything_is_typed_the_palette_lists_in_a_fixed_order(workspace):
    """Textual runs the providers out of a set, so their discovery lists used to arrive in
    an order that changed from one start to the next; a CSM learns where things are."""
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(PortfolioTable).row_count > 0)
        hits = await palette_hits(pilot, app, "")
    on = hits[0].removeprefix("account: prep ")
    assert hits[:5] == [f"account: prep {on}", f"log: call {on}", f"log: meeting {on}",
                        f"log: email {on}", f'run: log call "{on}" --summary "…"']  # fmt: skip
    areas = [_area(h) for h in hits[5:]]
    groups = [a for i, a in enumerate(areas) if i == 0 or areas[i - 1] != a]
    assert groups[:5] == ["screen", "sync", "filter", "account", "language"]
    last_language = max(i for i, a in enumerate(areas) if a == "language")
    assert "Quit" in areas[last_language:]  # Textual's own commands come last


@pytest.mark.parametrize(
    ("line", "first", "says"),
    [
        # a misspelled verb fell silently into a name filter matching nothing
        ('renw "Bearford Connect Ltd"', 'run: renw "Bearford Connect Ltd"', 'did you mean "renew"'),
        # a verb alone opened whichever account its letters fuzzily matched
        ("renew", "run: renew", "expected an account"),
        # a date that does not exist: the line comes back to mend, not to type again
        (
            'renew "Bearford Connect Ltd" --term-end 2026-02-31',
            'run: renew "Bearford Connect Ltd" --term-end 2026-02-31',
            "31 Feb 2026 does not exist",
        ),
    ],
)
async def test_a_wrong_command_line_says_why_first_instead_of_guessing(workspace, line, first,
                                                                       says):  # fmt: skip
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, line)
        assert hits[0] == first, hits
        assert not any(h.startswith("account:") for h in hits), hits
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(says in str(n.message) for n in app._notifications))
        assert not isinstance(app.screen, AccountScreen)
        # the palette again, the line as typed in it
        await wait_for(pilot, lambda: CommandPalette.is_open(app))
        field = app.screen.query_one("CommandInput")
        await wait_for(pilot, lambda: field.value == line)


async def test_a_name_search_is_not_taken_for_a_misspelled_verb(workspace):
    """A plain name ("Chun Li" is near "churn") stays a name search."""
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, "Chun Li")
        assert not any(h.startswith("run:") for h in hits), hits


async def test_a_wrong_filter_is_told_once_not_twice_with_two_columns(workspace):
    """`filter tier:bogus` listed a run: hit ("column 13") and a filter: hit ("column 6")
    for the one mistake."""
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, app, "filter tier:bogus")
        assert [h for h in hits if "bogus" in h] == ["filter: tier:bogus"], hits
        hits = await palette_hits(pilot, app, "run filter tier:bogus")
        assert "run: filter tier:bogus" in hits, hits
