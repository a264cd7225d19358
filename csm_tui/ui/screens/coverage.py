"""Coverage (team lead): is the team covering the book? Works offline, from the cache.

Per CSM: accounts and ARR by tier, load against the 1-CSM-per-$2M rule (with a chart),
overdue touches, late activations, at-risk ARR, renewals in 30/60/90 days, large accounts
that want a dedicated CSM, touches needed against capacity. Per team and per tier: the
same rolled up, with GRR and NRR (split into retention and expansion) over 12 months,
churn, upsell, downsell and NPS; by segment; and the estimated maturity with its evidence.

Keys: `tab` moves between sections, `enter` on a CSM opens their accounts (where `r`
reassigns one, queued for sync), `t` limits the view to one team, `ctrl+r` reloads.
The numbers are computed in a worker on a read-only connection of its own. The charts
and panels are `ui/widgets/coverage_charts.py`; a CSM's accounts `ui/screens/csm_accounts.py`.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from csm_tui.domain.backtest import BacktestReport
from csm_tui.domain.coverage import (
    CapacityVerdict,
    CoverageReport,
    CoverageRules,
    CsmCoverage,
    TierSlice,
)
from csm_tui.domain.humanize import relative_time
from csm_tui.domain.metrics import format_rate
from csm_tui.domain.money import Reporting
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.i18n import N_, _, current_language, ngettext
from csm_tui.store.timestamps import from_db
from csm_tui.ui.labels import tier_label
from csm_tui.ui.painted import call_after_paint
from csm_tui.ui.reporting import reporting_of
from csm_tui.ui.screens.csm_accounts import CsmAccountsScreen
from csm_tui.ui.widgets.coverage_charts import (
    csm_name,
    load_chart,
    maturity_name,
    maturity_panel,
    metrics_panel,
    nps_text,
    nrr_split,
)
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.wide_table import WideTable
from csm_tui.workspace import Workspace

TIER_SHORT = {Tier.STRATEGIC: N_("Strat"), Tier.ENTERPRISE: N_("Ent"), Tier.GROWTH: N_("Growth"),
              Tier.SCALE: N_("Scale"), Tier.SELF_SERVE: N_("Self")}  # fmt: skip
"""Tier names short enough for a column (msgids: shown with `_()`)."""


CSMS_HEADING = N_(
    "CSMs — accounts by tier, ARR load against the rule, what needs attention "
    "(enter: their accounts)"
)
TEAMS_HEADING = N_("Teams — CSMs needed by the rule, retention over 12 months")
MATURITY_HEADING = N_("Maturity — estimated from the team's own data")


def _safe(text: str | None, fallback: str = "—") -> Text:
    return Text(safe_text(text) if text else fallback)


def _right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


def coverage_rules(workspace: Workspace) -> CoverageRules:
    return CoverageRules(arr_per_csm=workspace.settings.arr_per_csm)


def read_coverage(workspace: Workspace, team: str | None = None) -> CoverageReport:
    """The Coverage report as of today, read on a connection of its own (a worker's).
    Its queries' results are kept by data version (store/report_cache.py): the app runs
    this once in the background after start-up, so the screen opens from them."""
    from csm_tui.store.cache import connect
    from csm_tui.store.coverage import load_coverage

    conn = connect(workspace.db_path, readonly=True)
    try:
        return load_coverage(
            conn, workspace.today(), workspace.settings.tier_rules, coverage_rules(workspace),
            team=team,
        )  # fmt: skip
    finally:
        conn.close()


def capacity_cell(csm: CsmCoverage, tier_rules: TierRules) -> tuple[str, str]:
    """Touches a year the book needs against seed 002's capacity, and whether its
    cadences can be kept: ("1,043 > 1,000 · cannot keep: Strat every 15 d", "bold red")."""
    low, high = csm.rules.capacity
    needed = csm.total.touches_needed
    verdict = csm.capacity_verdict
    if verdict is CapacityVerdict.NONE:
        return "—", "dim"
    if verdict is CapacityVerdict.WITHIN:
        return _("{needed} of {low}–{high}").format(
            needed=f"{needed:,.0f}", low=f"{low:,}", high=f"{high:,}"
        ), ""
    if verdict is CapacityVerdict.STRETCHED:
        return _("{needed} of {low}–{high} · stretched").format(
            needed=f"{needed:,.0f}", low=f"{low:,}", high=f"{high:,}"
        ), "yellow"
    tier = next(
        t for t in TIER_ORDER if csm.tier(t).cadenced and tier_rules.cadence_days(t) is not None
    )
    every = csm.kept_every_days(tier, tier_rules) or 0
    return (
        _("{needed} > {high} · cannot keep: {tier} every {every} d").format(
            needed=f"{needed:,.0f}",
            high=f"{high:,}",
            tier=_(TIER_SHORT[tier]),
            every=f"{every:.0f}",
        ),
        "bold red",
    )


class Section(Static, can_focus=True):
    """A block of the report that `tab` can land on (and scroll into view)."""


class CoverageScreen(Screen[None]):
    TITLE = N_("Coverage")

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="coverage.back"),
        Binding("a", "open_csm", N_("CSM's accounts"), id="coverage.accounts"),
        Binding("t", "cycle_team", N_("Team"), id="coverage.team"),
        Binding("ctrl+r", "reload", N_("Reload"), id="coverage.reload"),
    ]

    def __init__(self, workspace: Workspace, team: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.team: str | None = team  # team id, or None for every team
        self.report: CoverageReport | None = None
        self.backtest: BacktestReport | None = None
        self.reporting = Reporting()  # USD until the report (and the rates) are read
        self._teams: list[tuple[str, str]] = []  # (id, name) of every team, once known
        self._stale = False
        self._open_csm_when_shown = False  # `a` came before the first report

    def compose(self) -> ComposeResult:
        yield Static(id="coverage-title", markup=False)
        with VerticalScroll(id="coverage-body", can_focus=False):
            yield Static(
                _(CSMS_HEADING),
                classes="coverage-heading",
                id="coverage-csms-heading",
                markup=False,
            )
            yield WideTable(id="coverage-csms")
            yield Section(id="coverage-load", classes="coverage-chart")
            yield Static(_(TEAMS_HEADING), classes="coverage-heading",
                         id="coverage-teams-heading", markup=False)  # fmt: skip
            yield WideTable(id="coverage-teams")
            yield Static(
                _("Tiers"), classes="coverage-heading", id="coverage-tiers-heading", markup=False
            )
            yield WideTable(id="coverage-tiers")
            yield Static(_("Retention"), classes="coverage-heading",
                         id="coverage-metrics-heading", markup=False)  # fmt: skip
            yield Section(id="coverage-metrics", classes="coverage-chart")
            yield WideTable(id="coverage-segments")
            yield Static(_(MATURITY_HEADING), classes="coverage-heading",
                         id="coverage-maturity-heading", markup=False)  # fmt: skip
            yield Section(id="coverage-maturity")
            yield Static(_("Health back-test"), classes="coverage-heading",
                         id="coverage-backtest-heading", markup=False)  # fmt: skip
            yield Static(id="coverage-backtest-summary", markup=False)
            yield DataTable(id="coverage-backtest", cursor_type="row", zebra_stripes=True)
        yield Static(id="coverage-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.workspace.conn  # noqa: B018 — opens and migrates the cache on this thread first
        self.query_one("#coverage-title", Static).update(_("Coverage — computing…"))
        self.query_one("#coverage-csms", DataTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.load()

    # -- data -------------------------------------------------------------------------------

    def load(self) -> None:
        """The report, then the back-test: both read the whole book and would share two
        cores four ways (the report alone runs on both); the report heads the screen, the
        back-test ends it (issue 12: `c` to the report shown, cold at 100k accounts / 1M
        activities: 1.1 s with both at once)."""
        self._compute(self.team)

    @work(thread=True, exclusive=True, group="backtest", exit_on_error=False)
    def _compute_backtest(self, team: str | None) -> BacktestReport:
        from csm_tui.store.backtest import load_backtest
        from csm_tui.store.cache import connect

        ws = self.workspace
        conn = connect(ws.db_path, readonly=True)
        try:
            return load_backtest(
                conn,
                ws.today(),
                ws.settings.tier_rules,
                weights=ws.settings.health_weights,
                team_id=team,
            )
        finally:
            conn.close()

    @work(thread=True, exclusive=True, group="coverage", exit_on_error=False)
    def _compute(self, team: str | None) -> CoverageReport:
        return read_coverage(self.workspace, team)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "backtest":
            result = event.worker.result
            if event.state is WorkerState.SUCCESS and isinstance(result, BacktestReport):
                self.show_backtest(result)
            elif event.state is WorkerState.ERROR:
                self.query_one("#coverage-backtest-summary", Static).update(
                    Text(
                        _("Back-test failed: {error}").format(error=event.worker.error), style="red"
                    )
                )
            return
        if event.worker.group != "coverage":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            # After the report is drawn (`load`): the back-test's Python would hold the
            # GIL from the painting.
            team = self.team
            call_after_paint(self, lambda: self._compute_backtest(team))
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, CoverageReport):
            self.show(event.worker.result)
        elif event.state is WorkerState.ERROR:
            self.query_one("#coverage-title", Static).update(_("Coverage — could not compute"))
            self.notify(
                _("Coverage failed: {error}").format(error=event.worker.error), severity="error"
            )

    def show(self, report: CoverageReport) -> None:
        self.report = report
        self.reporting = self._reporting(report)
        if report.team_filter is None or not self._teams:
            # Opened on one team (`coverage --team`): its name now, every team's once `t`
            # has shown them all.
            self._teams = [(t.team_id, t.name) for t in report.teams]
        self._title(report)
        self._fill_csms(report)
        self.query_one("#coverage-load", Section).update(load_chart(report, self.reporting))
        self._fill_teams(report)
        self._fill_tiers(report)
        self.query_one("#coverage-metrics", Section).update(metrics_panel(report, self.reporting))
        self._fill_segments(report)
        self.query_one("#coverage-maturity", Section).update(maturity_panel(report))
        self._status()
        if self._open_csm_when_shown:
            self._open_csm_when_shown = False
            self.action_open_csm()

    def show_backtest(self, report: BacktestReport) -> None:
        """Churn per band, churned ARR that was red or yellow and the AUC, for the book,
        each tier and each sales motion (domain.backtest)."""
        from csm_tui.commands import backtest as words

        self.backtest = report
        self.query_one("#coverage-backtest-heading", Static).update(
            _(
                "Health back-test — health {days} days before each renewal decision against "
                "its outcome, {start} – {end} (csm-tui run backtest --days-before N)"
            ).format(
                days=report.days_before,
                start=f"{report.start + timedelta(days=1):%Y-%m-%d}",
                end=f"{report.end:%Y-%m-%d}",
            )
        )
        self.query_one("#coverage-backtest-summary", Static).update(
            Text(words.report_message(report))
        )
        table = self.query_one("#coverage-backtest", DataTable)
        table.clear(columns=True)
        for column in words.COLUMNS:
            title = _(column.title)  # msgids (commands/backtest.py)
            table.add_column(_right(title) if column.right else title)
        if not report.overall.decisions:
            return
        for row in words.report_rows(report):
            table.add_row(
                *(
                    _right(column.text(value)) if column.right else Text(column.text(value))
                    for column, value in zip(words.COLUMNS, row, strict=True)
                ),
                key=f"{len(table.rows)}:{row[0]}",
            )

    def retranslate(self) -> None:
        """The language changed: say the headings and what is shown again in it."""
        for selector, words in (
            ("#coverage-csms-heading", CSMS_HEADING),
            ("#coverage-teams-heading", TEAMS_HEADING),
            ("#coverage-tiers-heading", N_("Tiers")),
            ("#coverage-metrics-heading", N_("Retention")),
            ("#coverage-maturity-heading", MATURITY_HEADING),
            ("#coverage-backtest-heading", N_("Health back-test")),
        ):
            self.query_one(selector, Static).update(_(words))
        if self.report is not None:
            self.show(self.report)
        else:
            self.query_one("#coverage-title", Static).update(_("Coverage — computing…"))
        if self.backtest is not None:
            self.show_backtest(self.backtest)

    def _reporting(self, report: CoverageReport) -> Reporting:
        return reporting_of(self.workspace, (report.period.start, report.period.end))

    def _money(self, amount: float) -> str:
        return self.reporting.money(amount)

    def _team_name(self, team_id: str | None) -> str:
        return dict(self._teams).get(team_id or "", _("every team"))

    def _title(self, report: CoverageReport) -> None:
        rule = report.rules
        scope = (
            _("every team") if report.team_filter is None else self._team_name(report.team_filter)
        )
        title = Text(_("Coverage — {scope}").format(scope=safe_text(scope)), style="bold")
        title.append(
            _("  · rule: 1 CSM per {arr} ARR (aggressive: {aggressive})").format(
                arr=self._money(rule.arr_per_csm),
                aggressive=self._money(rule.aggressive_arr_per_csm),
            ),
            style="dim",
        )
        note = self.reporting.note
        if note is not None:  # a CNY report: the rate its totals are at
            title.append(_("  · {note}").format(note=note.render()), style="dim")
        self.query_one("#coverage-title", Static).update(title)

    def _status(self) -> None:
        ws = self.workspace
        as_of = ws.meta("data_as_of")
        when = None if as_of is None else from_db(as_of)
        if when is None:
            age = _("no data yet")
        else:
            age = _("data {ago} (as of {when} UTC)").format(
                ago=relative_time(when, ws.now(), current_language()),
                when=f"{when:%Y-%m-%d %H:%M}",
            )
        from csm_tui.store.outbox import pending_count

        pending = pending_count(ws.conn)
        queued = (
            ngettext(
                " · {n} change waiting to sync", " · {n} changes waiting to sync", pending
            ).format(n=pending)
            if pending
            else ""
        )
        self.query_one("#coverage-status", Static).update(
            _(" {age} · computed from the local cache, works offline{queued}").format(
                age=age, queued=queued
            )
        )

    def _fill_csms(self, report: CoverageReport) -> None:
        table = self.query_one("#coverage-csms", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_column("CSM", key="name")  # i18n: as is (kept in both languages)
        table.add_column(_("Team"))
        table.add_column(_right(_("Accts")))
        table.add_column(_right("ARR"))
        table.add_column(_right(_("Load")))
        for tier in TIER_ORDER:
            table.add_column(_right(_(TIER_SHORT[tier])))
        table.add_column(_right(_("Overdue")))
        table.add_column(_right(_("Late act.")))
        table.add_column(_right(_("At-risk ARR")))
        table.add_column(_right(_("Renew 30/60/90d")))
        table.add_column(_("Dedicated"))
        table.add_column(_right(_("Touches/yr")))
        low, high = report.rules.capacity
        self.query_one("#coverage-csms-heading", Static).update(
            _(
                "CSMs — accounts by tier, ARR load against the rule, what needs attention; "
                "a dedicated CSM from {arr} ARR, capacity {low}–{high} touches a year "
                "(enter: their accounts)"
            ).format(
                arr=self._money(report.rules.dedicated_from_arr), low=f"{low:,}", high=f"{high:,}"
            )
        )
        for csm in report.owners:
            t = csm.total
            load_style = "bold red" if csm.overloaded else ("yellow" if csm.load > 0.8 else "")
            n, arr = csm.needs_dedicated
            dedicated = (
                Text(f"{n} · {self._money(arr)}", style="red") if n else Text("—", style="dim")
            )
            renewals = " / ".join(str(t.renewals(d)[0]) for d in (30, 60, 90))
            touches, touches_style = capacity_cell(csm, self.workspace.settings.tier_rules)
            table.add_row(
                _safe(csm_name(csm)),
                _safe(csm.team_name),
                _right(f"{t.accounts:,}"),
                _right(self._money(t.arr)),
                _right("—" if csm.is_pool else f"{csm.load:.2f}", load_style),
                *(_right(f"{csm.tier(tier).accounts:,}") for tier in TIER_ORDER),
                _right(f"{t.overdue:,}", "red" if t.overdue else ""),
                _right(f"{t.late_activation:,}", "yellow" if t.late_activation else ""),
                _right(self._money(t.red_arr), "red" if t.red_arr else ""),
                _right(renewals),
                dedicated,
                _right(touches, touches_style),
                key=csm.user_id or "",
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _fill_teams(self, report: CoverageReport) -> None:
        table = self.query_one("#coverage-teams", DataTable)
        table.clear(columns=True)
        for title in (
            _("Team"),
            _right("CSMs"),
            _right("ARR"),
            _right(
                _("CSMs needed {arr}/{aggressive}").format(
                    arr=self._money(report.rules.arr_per_csm),
                    aggressive=self._money(report.rules.aggressive_arr_per_csm),
                )
            ),
            _right(_("Load")),
            _right(_("Overdue")),
            _right(_("At-risk ARR")),
            _right(_("Renew ≤90d")),
            _right("GRR"),
            _right(_("NRR = retention + expansion")),
            _("Maturity"),
        ):
            table.add_column(title)
        for team in report.teams:
            t = team.total
            m = report.metrics.by_team.get(team.team_id)
            maturity = report.maturity_by_team.get(team.team_id)
            load = team.load
            table.add_row(
                _safe(team.name),
                _right(str(team.csm_count)),
                _right(self._money(t.arr)),
                _right(f"{team.csms_needed:.1f} / {team.csms_needed_aggressive:.1f}"),
                _right(
                    "—" if load is None else f"{load:.2f}",
                    "bold red" if load is not None and load > 1 else "",
                ),
                _right(f"{t.overdue:,}"),
                _right(self._money(t.red_arr)),
                _right(f"{t.renew_90:,} ({self._money(t.renew_90_arr)})"),
                _right(format_rate(m.grr) if m else "—"),
                _right(nrr_split(m) if m else "—"),
                Text(maturity_name(maturity.level) if maturity else "—"),
                key=team.team_id,
            )

    def _fill_tiers(self, report: CoverageReport) -> None:
        table = self.query_one("#coverage-tiers", DataTable)
        table.clear(columns=True)
        for title in (
            _("Tier"),
            _right(_("Accts")),
            _right("ARR"),
            _right(_("Overdue")),
            _right(_("At-risk ARR")),
            _right(_("Renew ≤90d")),
            _right("GRR"),
            _right(_("NRR = retention + expansion")),
            _right(_("Logo churn")),
            _right(_("Upsell")),
            _right(_("Downsell")),
            _right("NPS"),
        ):
            table.add_column(title)
        by_tier = report.by_tier
        for tier in TIER_ORDER:
            t: TierSlice = by_tier[tier]
            m = report.metrics.by_tier[tier.value]
            table.add_row(
                Text(tier_label(tier)),
                _right(f"{t.accounts:,}"),
                _right(self._money(t.arr)),
                _right(
                    _("{overdue} of {cadenced}").format(
                        overdue=f"{t.overdue:,}", cadenced=f"{t.cadenced:,}"
                    )
                    if t.cadenced
                    else "—"
                ),
                _right(self._money(t.red_arr)),
                _right(f"{t.renew_90:,}"),
                _right(format_rate(m.grr)),
                _right(nrr_split(m)),
                _right(format_rate(m.logo_churn_rate)),
                _right(format_rate(m.upsell_rate)),
                _right(format_rate(m.downsell_rate)),
                _right(nps_text(m)),
                key=tier.value,
            )
        self.query_one("#coverage-tiers-heading", Static).update(
            _(
                "Tiers — book today; retention over {period} by the tier each "
                "account had at its start"
            ).format(period=report.period.label())
        )

    def _fill_segments(self, report: CoverageReport) -> None:
        table = self.query_one("#coverage-segments", DataTable)
        table.clear(columns=True)
        for title in (
            _("Segment"),
            _right(_("Start ARR")),
            _right("GRR"),
            _right(_("NRR = retention + expansion")),
            _right(_("Logo churn")),
            _right(_("ARR churn")),
            _right("NPS"),
            _right("CMRR"),
        ):
            table.add_column(title)
        for segment, m in report.metrics.by_segment.items():
            table.add_row(
                _safe(segment, _("(no segment)")),
                _right(self._money(m.flows.starting_arr)),
                _right(format_rate(m.grr)),
                _right(nrr_split(m)),
                _right(format_rate(m.logo_churn_rate)),
                _right(format_rate(m.arr_churn_rate)),
                _right(nps_text(m)),
                _right(self._money(m.cmrr)),
                key=segment or "-",
            )
        self.query_one("#coverage-metrics-heading", Static).update(
            _("Retention — {period} (by segment below)").format(period=report.period.label())
        )

    # -- actions ------------------------------------------------------------------------------

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_cycle_team(self) -> None:
        if not self._teams:
            return
        ids = [None, *(tid for tid, _ in self._teams)]
        index = ids.index(self.team) if self.team in ids else 0
        self.team = ids[(index + 1) % len(ids)]
        self.notify(_("Coverage of {team}").format(team=self._team_name(self.team)), timeout=2)
        self.load()

    def _selected_csm(self) -> CsmCoverage | None:
        if self.report is None:
            return None
        table = self.query_one("#coverage-csms", DataTable)
        if not table.row_count:
            return None
        owners = self.report.owners
        row = table.cursor_row
        return owners[row] if 0 <= row < len(owners) else None

    def action_open_csm(self) -> None:
        if self.report is None:  # `c a` typed at once: open the CSM once the report shows
            self._open_csm_when_shown = True
            return
        csm = self._selected_csm()
        if csm is not None:
            self._stale = True
            self.app.push_screen(CsmAccountsScreen(self.workspace, csm))

    @on(DataTable.RowSelected, "#coverage-csms")
    def _csm_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open_csm()
