"""Coverage as a team lead drives it: every CSM, the NRR split, maturity, reassigning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable

from csm_tui.domain.metrics import format_rate
from csm_tui.store import outbox
from csm_tui.store.cache import set_meta
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.coverage import CoverageScreen
from csm_tui.ui.screens.csm_accounts import CsmAccountsScreen, ReassignScreen
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from tests.ui.pilot_wait import wait_for
from tests.ui.screen_text import screen_text

SIZE = (200, 60)
ROOT = Path(__file__).resolve().parents[2]


async def open_coverage(app, pilot, workspace) -> CoverageScreen:
    await pilot.pause()
    screen = CoverageScreen(workspace)
    app.push_screen(screen)
    await settle(app, pilot)
    return screen


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def sign_in_as_lead_of(conn, user_id: str) -> str:
    """Make the cache's user the lead of `user_id`'s team (a lead reassigns; a CSM not)."""
    lead = conn.execute(
        "SELECT l.id FROM users u JOIN users l ON l.team_id = u.team_id AND l.role = 'lead' "
        "WHERE u.id = ?",
        (user_id,),
    ).fetchone()[0]
    with conn:
        set_meta(conn, "me", lead)
    return lead


def csm_table_names(screen) -> list[str]:
    table = screen.query_one("#coverage-csms", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_every_csm_the_nrr_split_and_the_maturity_evidence_are_shown(workspace):
    csms = [r[0] for r in workspace.conn.execute("SELECT name FROM users WHERE role = 'csm'")]
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        report = screen.report
        assert report is not None
        names = csm_table_names(screen)
        assert set(csms) <= set(names)
        assert "Digital pool (no owner)" in names
        text = screen_text(app)
        m = report.metrics.overall
        split = f"{format_rate(m.nrr)} = {format_rate(m.nrr_retention)} + "
        split += format_rate(m.nrr_expansion)
        assert split in text
        assert "retention + expansion" in text
        assert f"Estimated maturity: {report.maturity.level.value}" in text
        proactive = report.maturity.inputs.proactive_touches
        assert f"({proactive:,} of" in text  # the evidence, in numbers
        assert "as of 2026-11-22 09:00 UTC" in text  # the data's age
        assert "works offline" in text


async def test_tab_moves_between_sections(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await open_coverage(app, pilot, workspace)
        seen = [app.focused.id]
        for _ in range(6):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert seen[:6] == ["coverage-csms", "coverage-load", "coverage-teams", "coverage-tiers",
                            "coverage-metrics", "coverage-segments"]  # fmt: skip


async def test_t_limits_the_view_to_one_team(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        await pilot.press("t")
        await settle(app, pilot)
        team = screen.report.team_filter
        assert team is not None
        expected = {r[0] for r in workspace.conn.execute(
            "SELECT name FROM users WHERE role = 'csm' AND team_id = ?", (team,))}  # fmt: skip
        assert set(csm_table_names(screen)) == expected


async def test_coverage_opened_on_one_team_is_titled_by_it_and_t_moves_on(workspace):
    """`coverage --team APAC` from the palette: the title names the team (it said "every
    team"), and `t` moves on to every team, then team by team (it did nothing)."""
    from tests.ui.test_palette import palette_hits

    team_id, team = workspace.conn.execute(
        "SELECT id, name FROM teams ORDER BY name DESC LIMIT 1"
    ).fetchone()
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hits = await palette_hits(pilot, app, f'coverage --team "{team}"')
        assert hits and hits[0].startswith("run: coverage"), hits
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CoverageScreen))
        screen = app.screen
        await settle(app, pilot)
        await wait_for(pilot, lambda: screen.report is not None)
        assert screen.report.team_filter == team_id
        title = screen_text(app).splitlines()[0]
        assert f"Coverage — {team}" in title, title
        await pilot.press("t")
        await settle(app, pilot)
        await wait_for(pilot, lambda: screen.report.team_filter is None)
        assert "Coverage — every team" in screen_text(app).splitlines()[0]
        await pilot.press("t")
        await settle(app, pilot)
        await wait_for(pilot, lambda: screen.report.team_filter is not None)


async def test_a_typed_before_the_report_shows_opens_the_csm_once_it_does(workspace, monkeypatch):
    """`c a` in one burst: the `a` comes while the report is still being worked out; it
    opens the selected CSM's accounts once the report shows (it was lost)."""
    import threading

    from csm_tui.ui.screens import coverage

    release = threading.Event()
    real = coverage.read_coverage

    def held(ws, team=None):
        release.wait(20)
        return real(ws, team)

    monkeypatch.setattr(coverage, "read_coverage", held)
    app = make_app(workspace, start="portfolio")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "a")
        assert isinstance(app.screen, CoverageScreen) and app.screen.report is None
        release.set()
        await wait_for(pilot, lambda: isinstance(app.screen, CsmAccountsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CoverageScreen))
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)  # once, not again on the way back


async def test_reassigning_from_a_csms_accounts_queues_one_change(workspace):
    conn = workspace.conn
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        first = screen.report.owners[0]
        sign_in_as_lead_of(conn, first.user_id)
        before = first.total.accounts
        await pilot.press("enter")  # the first CSM's accounts
        await pilot.pause()
        accounts = app.screen
        assert isinstance(accounts, CsmAccountsScreen)
        table = accounts.query_one(PortfolioTable)
        account_id = table.current_account_id
        owner, version = conn.execute(
            "SELECT owner_id, version FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        assert owner == first.user_id
        assert table.row_count == before  # the live book, as coverage counts it
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReassignScreen)
        new_owner = app.screen.people[0].user_id
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is accounts
        now_owner = conn.execute(
            "SELECT owner_id FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        assert now_owner == new_owner != owner
        queued = outbox.pending(conn)
        assert len(queued) == 1
        assert queued[0].record_id == account_id
        assert queued[0].fields == {"owner_id": new_owner}
        assert queued[0].base_version == version
        assert table.row_count == before - 1  # it left this CSM's list
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert screen.report.owners[0].total.accounts == before - 1
        assert "1 change waiting to sync" in screen_text(app)


async def test_escape_in_the_picker_changes_nothing(workspace):
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        sign_in_as_lead_of(workspace.conn, screen.report.owners[0].user_id)
        await pilot.press("enter", "r")
        await pilot.pause()
        assert isinstance(app.screen, ReassignScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CsmAccountsScreen)
        assert outbox.pending_count(workspace.conn) == 0


async def open_accounts_of(app, pilot, screen, name: str) -> CsmAccountsScreen:
    names = csm_table_names(screen)
    screen.query_one("#coverage-csms", DataTable).move_cursor(row=names.index(name))
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, CsmAccountsScreen)
    return app.screen


async def test_a_csm_cannot_move_an_apac_account_out_of_another_team_from_coverage(workspace):
    """Coverage → a → r let the demo's CSM (EMEA) hand an APAC account on; the shell's
    `assign` refused the same move. Both now say no, for the same reason."""
    from csm_tui.commands.results import CommandFailed
    from csm_tui.commands.run import run_text

    conn = workspace.conn
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        accounts = await open_accounts_of(app, pilot, screen, "王芳")
        account_id = accounts.query_one(PortfolioTable).current_account_id
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is accounts  # no picker
        said = [n.message for n in app._notifications]
        assert any("only a team lead or an admin can reassign" in m for m in said), said
        assert outbox.pending_count(conn) == 0
        name = conn.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()
        try:
            run_text(workspace, f"assign {account_id} 李伟")
        except CommandFailed as error:
            assert "only a team lead or an admin can reassign" in error.message
        else:  # pragma: no cover
            raise AssertionError(f"the shell moved {name[0]}")


async def test_a_lead_reassigns_only_in_their_own_team_from_coverage(workspace):
    conn = workspace.conn
    elena = conn.execute("SELECT id FROM users WHERE name = 'Elena Rossi'").fetchone()[0]
    with conn:
        set_meta(conn, "me", elena)  # the EMEA lead
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        accounts = await open_accounts_of(app, pilot, screen, "王芳")
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is accounts
        said = [n.message for n in app._notifications]
        assert any("not in your team's book" in m for m in said), said
        await pilot.press("escape")
        await pilot.pause()
        accounts = await open_accounts_of(app, pilot, screen, "Tom Becker")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReassignScreen)
        emea = {r[0] for r in conn.execute(
            "SELECT id FROM users WHERE team_id = (SELECT team_id FROM users WHERE id = ?)",
            (elena,))}  # fmt: skip
        assert {p.user_id for p in app.screen.people} <= emea


PROBE = """
import asyncio, json, socket, sys
from datetime import UTC, datetime
from pathlib import Path

def no_network(*args, **kwargs):
    raise OSError("the network is off")

socket.socket.connect = no_network
socket.create_connection = no_network

from csm_tui.domain.clock import FixedClock
from csm_tui.ui.app import make_app
from csm_tui.ui.screens.coverage import CoverageScreen
from csm_tui.workspace import Workspace

async def main():
    clock = FixedClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    ws = Workspace(db_path=Path(sys.argv[1]), clock=clock)
    app = make_app(ws)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = CoverageScreen(ws)
        app.push_screen(screen)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        ok = screen.report is not None and len(screen.report.csms) >= 6
    print(json.dumps({"ok": ok, "httpx": "httpx" in sys.modules}))

asyncio.run(main())
"""


def test_coverage_works_with_the_network_off_and_never_loads_httpx(demo_db):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(demo_db)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"ok": True, "httpx": False}


async def test_the_back_test_section_counts_the_renewal_rates_decisions(workspace, clock):
    """The back-test's decisions are the ones the renewal rate counts ("of N decisions"),
    and its AUC is the one worked out decision by decision (domain.backtest)."""
    from csm_tui.domain.backtest import backtest
    from csm_tui.domain.metrics import Period
    from csm_tui.store.backtest import load_cases

    period = Period.trailing_months(clock.now().date(), 12)
    rules = workspace.settings.tier_rules
    expected = backtest(load_cases(workspace.conn, period, 90, rules), 90, period.start,
                        period.end)  # fmt: skip
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        await wait_for(pilot, lambda: screen.backtest is not None)  # after the report
        assert screen.report is not None
        decisions = screen.report.metrics.overall.renewal_decisions
        table = screen.query_one("#coverage-backtest", DataTable)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[:2] == ["All decisions", str(decisions)]
        assert first[-1] == f"{expected.overall.auc:.2f}"
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert {"Strategic", "Enterprise", "long-cycle direct"} <= set(names)
        text = screen_text(app)
        assert "Health back-test — health 90 days before each renewal decision" in text
        assert f"AUC {expected.overall.auc:.2f}" in text
        assert f"of {decisions} decisions" in text


async def test_the_back_test_waits_for_the_report_to_be_shown(workspace, monkeypatch):
    """Both read the whole book: at once, they shared two cores four ways and the report a
    lead opens Coverage for came 0.5 s later at 100k accounts (issue 12)."""
    from csm_tui.store import backtest

    seen_at_start: list[str] = []
    load_backtest = backtest.load_backtest

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        seen_at_start.append(str(screen.query_one("#coverage-title").render()))
        return load_backtest(*args, **kwargs)

    monkeypatch.setattr(backtest, "load_backtest", recording)
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        await wait_for(pilot, lambda: screen.backtest is not None)
        assert len(seen_at_start) == 1
        assert "computing" not in seen_at_start[0] and "every team" in seen_at_start[0]


async def test_backtest_from_the_palette_says_the_auc_and_opens_coverage(workspace):
    from csm_tui.ui.palette import run_in_app

    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        run_in_app(app, "backtest --days-before 60")

        def told() -> bool:
            messages = [n.message for n in app._notifications]
            return any(m.startswith("AUC ") and "60 days before" in m for m in messages)

        await wait_for(pilot, told)
        assert isinstance(app.screen, CoverageScreen)


def test_a_book_beyond_5_touches_a_day_says_its_cadence_cannot_be_kept():
    """40 Strategic accounts every 14 days: 40 × 365 / 14 = 1,042.9 touches a year against
    at most 5 a day × 200 days = 1,000; at 1,000 each is touched every 14 × 1.0429 = 14.6
    days."""
    from csm_tui.domain.coverage import CsmCoverage, TierSlice, touches_needed
    from csm_tui.domain.tiers import Tier, TierRules
    from csm_tui.ui.screens.coverage import capacity_cell

    rules = TierRules()

    def book(n: int) -> CsmCoverage:
        strategic = TierSlice(accounts=n, cadenced=n,
                              touches_needed=touches_needed(Tier.STRATEGIC, n, rules))  # fmt: skip
        return CsmCoverage("u1", "Ana", None, None, "csm", {Tier.STRATEGIC: strategic})

    assert capacity_cell(book(40), rules) == (
        "1,043 > 1,000 · cannot keep: Strat every 15 d",
        "bold red",
    )
    assert capacity_cell(book(30), rules) == ("782 of 600–1,000 · stretched", "yellow")
    assert capacity_cell(book(20), rules) == ("521 of 600–1,000", "")


async def test_the_screen_tells_totals_in_the_reporting_currency_at_todays_rate(workspace):
    """`currency = "CNY"`: every total and the per-CSM rule in yuan at the rate in force
    today (as `csm-tui run coverage` tells them), with the rate said in the title."""
    import dataclasses
    from datetime import date

    from csm_tui.domain.humanize import format_money
    from csm_tui.store.rates import revalue_arr_today, set_rate

    set_rate(workspace.conn, date(2026, 1, 1), 7.0)
    revalue_arr_today(workspace.conn, 7.2, workspace.today())  # as `csm-tui rates set` does
    workspace.settings = dataclasses.replace(workspace.settings, currency="CNY")
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_coverage(app, pilot, workspace)
        text = screen_text(app)
        assert "rule: 1 CSM per ¥14M ARR (aggressive: ¥7M)" in text
        assert "at 7 CNY per USD, rates of 2026-01-01" in text
        table = screen.query_one("#coverage-csms", DataTable)
        row = [str(cell).strip() for cell in table.get_row_at(0)]
        first = screen.report.owners[0]
        assert first.total.arr > 0
        assert format_money(first.total.arr * 7.0, "CNY") in row
        assert not any(cell.startswith("$") for cell in row)


async def test_coverage_queries_run_in_the_background_after_start_up(workspace):
    # The lead's first Coverage of the day opens from results kept by data version: the
    # app runs its queries once, in a worker, once start-up has settled.
    conn = workspace.conn
    with conn:
        conn.execute("DELETE FROM report_cache")
    app = make_app(workspace)
    app.WARM_REPORTS_AFTER_S = 0.05
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(200):  # the timer fires, then the worker runs (bounded wait)
            if any(w.group == "warm-reports" for w in app.workers):
                break
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        kept = conn.execute("SELECT count(*) FROM report_cache").fetchone()[0]
        assert kept > 0
        assert not isinstance(app.screen, CoverageScreen)  # nothing shown: only read ahead


async def test_pressing_c_makes_coverage_footer_keys_once(workspace, monkeypatch):
    """The footer's keys on Coverage are made once as it shows: a second set of the same
    keys (made, mounted and styled again as the screen's bindings settle) was work on
    every switch, for a footer that looked the same."""
    from textual.widgets._footer import FooterKey

    made: list[str] = []
    make = FooterKey.__init__

    def counted(self, key, *args, **kwargs):  # the real FooterKey, counted as it is made
        made.append(key)
        make(self, key, *args, **kwargs)

    monkeypatch.setattr(FooterKey, "__init__", counted)
    app = make_app(workspace, "portfolio", sync_in_background=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query(FooterKey))
        await settle(app, pilot)
        made.clear()
        await pilot.press("c")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CoverageScreen) and app.screen.query(FooterKey),
        )
        await settle(app, pilot)
        keys = list(app.screen.query(FooterKey))
        assert "Team" in [key.description for key in keys]
        assert len(made) == len(keys), made
