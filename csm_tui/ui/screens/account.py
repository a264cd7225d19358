"""Account workspace: overview, health, stakeholders, timeline, checklist, tasks, notes.

The screen shows at once; every tab's data is read in one worker (ui/loading.py) and
filled in when read — again after a change (a log, a stage move, a sync)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from csm_tui.domain.records import ActivityKind
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.i18n import N_, _
from csm_tui.store.accounts import AccountFacts, AccountNotFound, load_account_facts
from csm_tui.store.activity_log import TimelineEntry, timeline_with_total
from csm_tui.store.contacts import ContactView, load_contacts
from csm_tui.store.prep import load_prep_note
from csm_tui.store.tasks import TaskView, account_tasks
from csm_tui.ui.book_labels import stage_label
from csm_tui.ui.current_account import writes_refused
from csm_tui.ui.loading import ThreadReads
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.widgets.account_panes import (
    ChecklistPane,
    ChecklistRead,
    HealthPane,
    HealthRead,
    OverviewPane,
    PrepNotesPane,
    StageAdvanced,
    StakeholdersPane,
    TasksPane,
    TimelinePane,
    decision_words,
    last_decision,
    read_checklist,
    read_health,
)
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.store.renewals import DecisionRow, OverrideSet, RecordedDecision

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


@dataclass(frozen=True)
class AccountRead:
    """Everything the account's tabs show, read at once."""

    facts: AccountFacts
    decision: DecisionRow | None
    health: HealthRead
    contacts: list[ContactView]
    timeline: tuple[list[TimelineEntry], int]  # the newest, and how many in all
    checklist: ChecklistRead
    tasks: list[TaskView]
    note: str


def read_account(
    conn: sqlite3.Connection,
    account_id: str,
    *,
    now: datetime,
    today: date,
    rules: TierRules,
    kinds: frozenset[ActivityKind] | None,
    include_done: bool,
) -> AccountRead | None:
    """The account's tabs as stored (None: no longer in the cache)."""
    try:
        facts = load_account_facts(conn, account_id, now, rules)
    except AccountNotFound:
        return None
    return AccountRead(
        facts=facts,
        decision=last_decision(conn, account_id),
        health=read_health(conn, account_id, today, now, rules),
        contacts=load_contacts(conn, account_id),
        timeline=timeline_with_total(conn, account_id, kinds=kinds),
        checklist=read_checklist(conn, facts),
        tasks=account_tasks(conn, account_id, today, include_done=include_done),
        note=load_prep_note(conn, account_id),
    )


class AccountScreen(ThreadReads, Screen[None]):
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
        self.facts: AccountFacts | None = None  # until read
        self.missing = False  # read: no longer in the cache
        self._resumed = False
        self._read_once: AccountRead | None = None  # what the tabs show (the last read)

    @property
    def current_account_id(self) -> str:
        return self.account_id

    @property
    def account_name(self) -> str:
        return self.facts.name if self.facts else ""

    def compose(self) -> ComposeResult:
        yield Static(_("Account · reading…"), id="account-title", markup=False)
        missing = Static(
            _("That account is no longer in the cache (deleted or reassigned)."),
            id="account-missing",
            markup=False,
        )
        missing.display = False
        yield missing
        ws, account_id = self.workspace, self.account_id
        with TabbedContent(id="account-tabs"):
            with TabPane(tab_title("overview"), id="overview"):
                yield OverviewPane(ws)
            with TabPane(tab_title("health"), id="health"):
                yield HealthPane(ws)
            with TabPane(tab_title("stakeholders"), id="stakeholders"):
                yield StakeholdersPane(ws, account_id)
            with TabPane(tab_title("timeline"), id="timeline"):
                yield TimelinePane(ws, account_id)
            with TabPane(tab_title("checklist"), id="checklist"):
                yield ChecklistPane(ws)
            with TabPane(tab_title("tasks"), id="tasks"):
                yield TasksPane(ws, account_id)
            with TabPane(tab_title("notes"), id="notes"):
                yield PrepNotesPane(ws, account_id)
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self._focus_tab("overview")
        self.refresh_account()

    def _read(self) -> None:
        """Read every tab in a worker; `_fill` shows them."""
        ws = self.workspace
        account_id, now, today = self.account_id, ws.now(), ws.today()
        rules = ws.settings.tier_rules
        kinds = self.query_one(TimelinePane).kinds
        include_done = self.query_one(TasksPane).include_done

        def read(conn: sqlite3.Connection) -> AccountRead | None:
            return read_account(
                conn,
                account_id,
                now=now,
                today=today,
                rules=rules,
                kinds=kinds,
                include_done=include_done,
            )

        self.read_in_thread("account", read, self._fill, what=_("the account"))

    def _fill(self, read: AccountRead | None) -> None:
        if read is None:
            if self._read_once is None:  # gone since: the tabs (a draft in the notes) stay
                self._show_missing()
            return
        self.facts = read.facts
        self._show_title()
        self.query_one(OverviewPane).show(read.facts, read.decision)
        self.query_one(HealthPane).show(read.facts, read.health)
        self.query_one(StakeholdersPane).show(read.contacts)
        self.query_one(TimelinePane).show(read.timeline)
        self.query_one(ChecklistPane).show(read.facts, read.checklist)
        self.query_one(TasksPane).show(read.tasks)
        self.query_one(PrepNotesPane).show(read.note)
        self._read_once = read
        # a tab chosen before its content came (the notes' editor) gets the focus now
        self.call_after_refresh(self._focus_content)

    def _show_missing(self) -> None:
        self.facts, self.missing = None, True
        self.query_one("#account-title", Static).update(_("Account"))
        self.query_one("#account-tabs", TabbedContent).display = False
        self.query_one("#account-missing", Static).display = True

    def _focus_content(self) -> None:
        if self.missing or not self.is_current:
            return  # (left before its read came: its tabs may be gone already)
        tabs = self.query_one("#account-tabs", TabbedContent)
        pane = tabs.get_pane(tabs.active)
        focused = self.focused
        if focused is None or not (focused is pane or pane in focused.ancestors):
            self._focus_tab(tabs.active)

    def _show_title(self) -> None:
        facts = self.facts
        if facts is None:
            return
        title = self.query_one("#account-title", Static)
        text = Text(safe_text(facts.name), style="bold")
        health = (
            ""
            if facts.health_score is None
            else " · " + _("health {score}").format(score=facts.health_score)
        )
        text.append(f"  {_(facts.tier.label)} · {stage_label(facts.stage)}{health}", style="dim")
        title.update(text)

    def retranslate(self) -> None:
        """The language changed: the tab titles and every tab's words, in it."""
        if self.missing:
            self.query_one("#account-missing", Static).update(
                _("That account is no longer in the cache (deleted or reassigned).")
            )
            self.query_one("#account-title", Static).update(_("Account"))
            return
        tabs = self.query_one("#account-tabs", TabbedContent)
        for tab in TABS:
            tabs.get_tab(tab).label = tab_title(tab)
        self.query_one(StakeholdersPane).retranslate()
        self.query_one(TimelinePane).retranslate()
        self.query_one(ChecklistPane).retranslate()
        self.query_one(TasksPane).retranslate()
        read = self._read_once
        if read is None:
            self.query_one("#account-title", Static).update(_("Account · reading…"))
            return
        self._show_title()
        self.query_one(OverviewPane).show(read.facts, read.decision)
        self.query_one(HealthPane).show(read.facts, read.health)

    def refresh_account(self) -> None:
        """Read the account again (after a write: a log, a stage move): every tab shows
        the new state once read."""
        if not self.missing:
            self._read()

    def on_screen_resume(self) -> None:
        # The first resume is the screen's first showing: on_mount reads it.
        if self._resumed:
            self.refresh_account()
        self._resumed = True

    def on_data_changed(self, message: DataChanged) -> None:
        self.refresh_account()

    def on_stage_advanced(self, event: StageAdvanced) -> None:
        self.refresh_account()

    def action_back(self) -> None:
        self.dismiss()

    def action_renewal(self) -> None:
        """Record a renewal decision (renewed / churned / won back) in a small form."""
        if self.missing or writes_refused(self, self.workspace, self.account_id):
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
            )
            self.refresh_account()

        self.app.push_screen(RenewalFormScreen(self.workspace, self.account_id), recorded)

    def action_tier(self) -> None:
        """Place the account in a tier whatever its ARR says (a reason is required)."""
        if self.missing or writes_refused(self, self.workspace, self.account_id):
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
            )
            self.refresh_account()

        self.app.push_screen(TierFormScreen(self.workspace, self.account_id), saved)

    def action_tab(self, tab: str) -> None:
        if not self.missing:
            self.query_one("#account-tabs", TabbedContent).active = tab
            self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        """Focus the tab's own content (its table, its editor), so the tab's keys work at
        once — and now, not after the next refresh: keys typed right after `5` are its."""
        pane = self.query_one("#account-tabs", TabbedContent).get_pane(tab)
        target = next((w for w in pane.query("*") if w.focusable), None)
        if target is not None:
            self.set_focus(target, scroll_visible=False)
