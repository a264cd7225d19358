"""Account workspace: overview, health, stakeholders, timeline, checklist, tasks, notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, _
from csm_tui.store.accounts import AccountFacts, AccountNotFound, load_account_facts
from csm_tui.ui.book_labels import stage_label
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.widgets.account_panes import (
    ChecklistPane,
    HealthPane,
    OverviewPane,
    PrepNotesPane,
    StageAdvanced,
    StakeholdersPane,
    TasksPane,
    TimelinePane,
    decision_words,
)
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.store.renewals import OverrideSet, RecordedDecision

TABS = ("overview", "health", "stakeholders", "timeline", "checklist", "tasks", "notes")
TAB_TITLE = {
    "overview": N_("Overview"),
    "health": N_("Health"),
    "stakeholders": N_("Stakeholders"),
    "timeline": N_("Timeline"),
    "checklist": N_("Checklist"),
    "tasks": N_("Tasks"),
    "notes": N_("Prep notes"),
}
"""Each tab's title (a msgid); the tab shows its key before it: "1 Overview"."""


def tab_title(tab: str) -> str:
    return f"{TABS.index(tab) + 1} {_(TAB_TITLE[tab])}"


class AccountScreen(Screen[None]):
    TITLE = N_("Account")

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="account.back"),
        Binding("l", "app.log_activity", N_("Log"), id="account.log"),
        Binding("p", "app.prep", N_("Prep"), id="account.prep"),
        Binding("R", "renewal", N_("Renewal decision"), id="account.renewal"),
        Binding("T", "tier", N_("Tier override"), id="account.tier"),
        Binding("1", "tab('overview')", N_("Overview"), id="account.tab_overview", show=False),
        Binding("2", "tab('health')", N_("Health"), id="account.tab_health", show=False),
        Binding(
            "3",
            "tab('stakeholders')",
            N_("Stakeholders"),
            id="account.tab_stakeholders",
            show=False,
        ),
        Binding("4", "tab('timeline')", N_("Timeline"), id="account.tab_timeline", show=False),
        Binding("5", "tab('checklist')", N_("Checklist"), id="account.tab_checklist", show=False),
        Binding("6", "tab('tasks')", N_("Tasks"), id="account.tab_tasks", show=False),
        Binding("7", "tab('notes')", N_("Prep notes"), id="account.tab_notes", show=False),
    ]

    def __init__(self, workspace: Workspace, account_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self.facts: AccountFacts | None = None

    @property
    def current_account_id(self) -> str:
        return self.account_id

    @property
    def account_name(self) -> str:
        return self.facts.name if self.facts else ""

    def _load(self) -> AccountFacts | None:
        ws = self.workspace
        try:
            return load_account_facts(ws.conn, self.account_id, ws.now(), ws.settings.tier_rules)
        except AccountNotFound:
            return None

    def compose(self) -> ComposeResult:
        self.facts = self._load()
        yield Static(id="account-title")
        if self.facts is None:
            yield Static(
                _("That account is no longer in the cache (deleted or reassigned)."),
                id="account-missing",
            )
            yield Footer()
            return
        ws, facts = self.workspace, self.facts
        with TabbedContent(id="account-tabs"):
            with TabPane(tab_title("overview"), id="overview"):
                yield OverviewPane(ws)
            with TabPane(tab_title("health"), id="health"):
                yield HealthPane(ws)
            with TabPane(tab_title("stakeholders"), id="stakeholders"):
                yield StakeholdersPane(ws, facts.id)
            with TabPane(tab_title("timeline"), id="timeline"):
                yield TimelinePane(ws, facts.id)
            with TabPane(tab_title("checklist"), id="checklist"):
                yield ChecklistPane(ws, facts)
            with TabPane(tab_title("tasks"), id="tasks"):
                yield TasksPane(ws, facts.id)
            with TabPane(tab_title("notes"), id="notes"):
                yield PrepNotesPane(ws, facts.id)
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self._show()
        if self.facts is not None:
            self._focus_tab("overview")

    def _show(self) -> None:
        facts = self.facts
        title = self.query_one("#account-title", Static)
        if facts is None:
            title.update(_("Account"))
            return
        text = Text(safe_text(facts.name), style="bold")
        health = (
            ""
            if facts.health_score is None
            else " · " + _("health {score}").format(score=facts.health_score)
        )
        text.append(f"  {_(facts.tier.label)} · {stage_label(facts.stage)}{health}", style="dim")
        title.update(text)
        self.query_one(OverviewPane).show(facts)
        self.query_one(HealthPane).show(facts)

    def retranslate(self) -> None:
        """The language changed: the tab titles and every tab's words, in it."""
        if self.facts is None:
            return
        tabs = self.query_one("#account-tabs", TabbedContent)
        for tab in TABS:
            tabs.get_tab(tab).label = tab_title(tab)
        self.refresh_account()
        self.query_one(StakeholdersPane).retranslate()
        self.query_one(TimelinePane).retranslate()
        self.query_one(ChecklistPane).retranslate()
        self.query_one(TasksPane).retranslate()

    def refresh_account(self) -> None:
        """Re-read after a write (a log, a stage move): every tab shows the new state."""
        self.facts = self._load()
        if self.facts is None:
            return
        self._show()
        self.query_one(TimelinePane).reload()
        self.query_one(TasksPane).reload()
        self.query_one(ChecklistPane).set_facts(self.facts)
        from csm_tui.ui.widgets.prep_notes import PrepNotesEditor

        self.query_one(PrepNotesEditor).reload()

    def on_screen_resume(self) -> None:
        if self.facts is not None:
            self.refresh_account()

    def on_data_changed(self, message: DataChanged) -> None:
        self.refresh_account()

    def on_stage_advanced(self, event: StageAdvanced) -> None:
        self.refresh_account()

    def action_back(self) -> None:
        self.dismiss()

    def action_renewal(self) -> None:
        """Record a renewal decision (renewed / churned / won back) in a small form."""
        if self.facts is None:
            return
        from csm_tui.ui.screens.renewal_form import RenewalFormScreen

        def recorded(done: RecordedDecision | None) -> None:
            if done is None:
                return
            d = done.decision
            self.notify(
                _("{account} {what}: stage {stage}").format(
                    account=safe_text(done.account_name),
                    what=decision_words(d.outcome.value, d.direction.value),
                    stage=stage_label(d.stage_after),
                ),
                timeout=6,
                markup=False,
            )
            self.refresh_account()

        self.app.push_screen(RenewalFormScreen(self.workspace, self.account_id), recorded)

    def action_tier(self) -> None:
        """Place the account in a tier whatever its ARR says (a reason is required)."""
        if self.facts is None:
            return
        from csm_tui.ui.screens.renewal_form import TierFormScreen

        def saved(done: OverrideSet | None) -> None:
            if done is None:
                return
            self.notify(
                _("{account}: tier {tier}").format(
                    account=safe_text(done.account_name), tier=_(Tier(done.tier).label)
                ),
                timeout=6,
                markup=False,
            )
            self.refresh_account()

        self.app.push_screen(TierFormScreen(self.workspace, self.account_id), saved)

    def action_tab(self, tab: str) -> None:
        if self.facts is not None:
            self.query_one("#account-tabs", TabbedContent).active = tab
            self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        """Focus the tab's own content (its table, its editor), so the tab's keys work at
        once — and now, not after the next refresh: keys typed right after `5` are its."""
        pane = self.query_one("#account-tabs", TabbedContent).get_pane(tab)
        target = next((w for w in pane.query("*") if w.focusable), None)
        if target is not None:
            self.set_focus(target, scroll_visible=False)
