"""Account: its facts, tier and why, and the health score explained point by point."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from csm_tui.domain.humanize import format_money, format_money_full, relative_day
from csm_tui.domain.lifecycle import Stage, activation_risk
from csm_tui.domain.text import safe_text
from csm_tui.store.accounts import AccountFacts, AccountNotFound, health_of, load_account_facts
from csm_tui.workspace import Workspace


class AccountScreen(Screen[None]):
    TITLE = "Account"

    BINDINGS = [
        Binding("escape", "back", "Back", id="account.back"),
        Binding("1", "tab('overview')", "Overview", id="account.tab_overview"),
        Binding("2", "tab('health')", "Health", id="account.tab_health"),
    ]

    def __init__(self, workspace: Workspace, account_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self.facts: AccountFacts | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="account-title")
        with TabbedContent(id="account-tabs"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static(id="overview-body")
            with TabPane("Health", id="health"), VerticalScroll():
                yield Static(id="health-body")
        yield Footer()

    def on_mount(self) -> None:
        ws = self.workspace
        try:
            self.facts = load_account_facts(ws.conn, self.account_id, ws.now(),
                                            ws.settings.tier_rules)
        except AccountNotFound:
            self.notify("That account is no longer in the cache.", severity="error")
            self.dismiss()
            return
        self._render_facts(self.facts)

    def _render_facts(self, facts: AccountFacts) -> None:
        today = self.workspace.today()
        title = Text(safe_text(facts.name), style="bold")
        title.append(f"  {facts.tier.label} · {Stage(facts.stage).label}", style="dim")
        self.query_one("#account-title", Static).update(title)
        self.query_one("#overview-body", Static).update(self._overview(facts, today))
        self.query_one("#health-body", Static).update(self._health(facts))

    def _overview(self, facts: AccountFacts, today) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()

        def row(label: str, value: str | Text) -> None:
            table.add_row(label, value if isinstance(value, Text) else Text(value))

        row("Account", safe_text(facts.name))
        row("Tier", f"{facts.tier.label} — {facts.tier_assignment.why}")
        cadence = self.workspace.settings.tier_rules.cadence_days(facts.tier)
        row("Service", self.workspace.settings.tier_rules.service(facts.tier).description
            + (f"; touch every {cadence} days" if cadence else "; no proactive cadence"))
        arr = format_money_full(facts.arr, facts.currency)
        if facts.currency != "USD":
            arr += f" (≈ {format_money(facts.arr_usd, 'USD')})"
        row("ARR", arr)
        row("Stage", Stage(facts.stage).label)
        row("Sales motion", facts.sales_motion.label)
        row("Owner", safe_text(facts.owner_name or "unassigned"))
        row("Seats", f"{facts.seats:,}")
        if facts.segment or facts.industry:
            row("Segment", safe_text(" · ".join(x for x in (facts.segment, facts.industry)
                                                if x)))
        if facts.renewal_date:
            row("Renewal", f"{facts.renewal_date.isoformat()} "
                f"({relative_day(facts.renewal_date, today)})")
        if facts.go_live_date:
            row("Go-live", f"{facts.go_live_date.isoformat()} "
                f"({relative_day(facts.go_live_date, today)})")
        row("Activated", facts.activated_on.isoformat() if facts.activated_on else "not yet")
        touch = ("never" if facts.last_touch_at is None
                 else relative_day(facts.last_touch_at.date(), today))
        row("Last touch", touch)
        flags = self._flags(facts, today)
        if flags:
            row("Flags", Text("\n".join(flags), style="bold red"))
        return table

    def _flags(self, facts: AccountFacts, today) -> list[str]:
        flags = []
        risk = activation_risk(facts.go_live_date, facts.activated_on, Stage(facts.stage),
                               today)
        if risk.why:
            flags.append(risk.why)
        cadence = self.workspace.settings.tier_rules.cadence_days(facts.tier)
        if cadence:
            if facts.last_touch_at is None:
                flags.append(f"never touched (cadence {cadence} days)")
            else:
                days = (today - facts.last_touch_at.date()).days
                if days > cadence:
                    flags.append(f"last touch {days} days ago, cadence {cadence}")
        if facts.health_score is not None and facts.health_score_30d is not None:
            drop = facts.health_score_30d - facts.health_score
            if drop >= 10:
                flags.append(f"health dropped {drop} points in 30 days")
        return flags

    def _health(self, facts: AccountFacts) -> Table | Text:
        health = health_of(facts)
        if health is None:
            return Text("No usage or sentiment signals for this account yet.")
        table = Table(title=f"Health {health.score} ({health.band.value})", expand=True,
                      title_justify="left", show_edge=False)
        table.add_column("component", no_wrap=True)
        table.add_column("value")
        table.add_column("standard")
        table.add_column("weight", justify="right")
        table.add_column("points", justify="right")
        for comp in health.components:
            table.add_row(comp.component.label, Text(comp.raw), Text(comp.standard),
                          str(comp.weight), f"{comp.points}")
        table.add_row(Text("total", style="bold"), "", "", "100",
                      Text(str(health.score), style="bold"))
        return table

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, tab: str) -> None:
        self.query_one("#account-tabs", TabbedContent).active = tab
