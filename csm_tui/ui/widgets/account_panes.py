"""The tabs of the account workspace, one widget each. Each tab's data is read through
`store` in a worker (ui/loading.py: the account screen reads all tabs at once when it
opens, a tab reads its own again after a change made in it) and shown with `show`,
which paints book text through `safe_text` into Rich `Text` (never markup)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Sparkline, Static
from textual.widgets.data_table import ColumnKey

from csm_tui.domain.agenda import HEALTH_DROP_POINTS, RENEWAL_HORIZON_DAYS
from csm_tui.domain.cadence import touch_status
from csm_tui.domain.clock import local_day
from csm_tui.domain.health import Component, ComponentScore
from csm_tui.domain.humanize import format_money, format_money_full, never, relative_day
from csm_tui.domain.lifecycle import STAGE_ORDER, Stage, StageGate, activation_risk
from csm_tui.domain.records import ActivityKind
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import N_, NC_, _, ngettext
from csm_tui.store.accounts import AccountFacts, health_of
from csm_tui.store.activity_log import TimelineEntry, timeline_with_total
from csm_tui.store.checklist import (
    ChecklistEntry,
    StageMove,
    load_checklist,
    stage_gate_of,
    stage_history,
)
from csm_tui.store.contacts import ContactView, load_contacts
from csm_tui.store.health_history import ComponentChange, health_trend, what_changed
from csm_tui.store.health_recompute import recent_answers
from csm_tui.store.tasks import TaskView, account_tasks
from csm_tui.ui.book_labels import (
    ACTIVATION_RISK_WHY,
    BAND_LABEL,
    COMPONENT_LABEL,
    MOTION_LABEL,
    TASK_STATE_LABEL,
    stage_label,
)
from csm_tui.ui.labels import kind_label, role_label
from csm_tui.ui.loading import ThreadReads
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.store.renewals import DecisionRow

T = TypeVar("T")


def read_for(
    pane: Widget,
    workspace: Workspace,
    group: str,
    read: Callable[[sqlite3.Connection], T],
    done: Callable[[T], None],
    what: str,
) -> None:
    """Read a tab's data in a worker of its screen (ui/loading.py: a newer read of the
    group replaces an older one; a failed one is told); `done` shows it. Outside such a
    screen, read here."""
    screen = pane.screen
    if isinstance(screen, ThreadReads):
        screen.read_in_thread(group, read, done, what=what)
    else:
        done(read(workspace.conn))


def local(dt: datetime, zone: tzinfo | None = None) -> str:
    """An instant as the user's wall-clock time (their `timezone` setting; None: the
    system's)."""
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def retitle(table: DataTable[Any], columns: Iterable[tuple[str, str]]) -> None:
    """Set each (key, msgid) column's header again, in the interface language."""
    for key, title in columns:
        column = table.columns.get(ColumnKey(key))
        if column is not None:
            column.label = Text(_(title))
    table.refresh()


def account_flags(facts: AccountFacts, workspace: Workspace, today: date) -> list[str]:
    """What a CSM must not miss about this account, in words."""
    flags = []
    risk = activation_risk(facts.go_live_date, facts.activated_on, Stage(facts.stage), today)
    if risk.why:
        flags.append(_(ACTIVATION_RISK_WHY[risk]))
    touch = touch_status(
        facts.tier,
        facts.last_touch_at,
        workspace.now(),
        workspace.settings.tier_rules,
        zone=workspace.zone,
    )
    if touch.overdue:
        flags.append(
            _("never touched (cadence {cadence} days)").format(cadence=touch.cadence_days)
            if touch.days_since is None
            else _("last touch {days} days ago, cadence {cadence}").format(
                days=touch.days_since, cadence=touch.cadence_days
            )
        )
    if facts.health_score is not None and facts.health_score_30d is not None:
        drop = facts.health_score_30d - facts.health_score
        if drop >= HEALTH_DROP_POINTS:
            flags.append(_("health dropped {points} points in 30 days").format(points=drop))
    if facts.renewal_date and facts.stage != Stage.CHURNED:
        days = (facts.renewal_date - today).days
        if 0 <= days <= RENEWAL_HORIZON_DAYS:
            flags.append(_("renewal {when}").format(when=relative_day(facts.renewal_date, today)))
        elif days < 0:
            flags.append(
                _("renewal date passed {when}").format(when=relative_day(facts.renewal_date, today))
            )
    return flags


DECISION_WORDS = {
    "churned": N_("churned"),
    "win_back": N_("won back"),
    "renewed": N_("renewed {direction}"),
}
DIRECTION_WORDS = {
    "flat": N_("flat"),
    "up": N_("up"),
    "down": N_("down"),
}


def decision_words(outcome: str, direction: str) -> str:
    """A renewal decision in words: "renewed expansion", "churned", "won back"."""
    words = DECISION_WORDS.get(outcome)
    if words is None:
        return outcome
    direction = _(DIRECTION_WORDS[direction]) if direction in DIRECTION_WORDS else direction
    return _(words).format(direction=direction)


def last_decision(conn: sqlite3.Connection, account_id: str) -> DecisionRow | None:
    """The account's latest renewal decision (R records one)."""
    from csm_tui.store.renewals import decisions_of

    decisions = decisions_of(conn, account_id)
    return decisions[0] if decisions else None


def decision_text(d: DecisionRow | None) -> Text | None:
    """A renewal decision in words."""
    if d is None:
        return None
    what = decision_words(str(d.outcome), str(d.direction))
    text = (
        f"{d.decided_on.isoformat()} {what}: {format_money(d.arr_before, d.currency)} → "
        f"{format_money(d.arr_after, d.currency)}"
    )
    if d.term_end is not None:
        text += _(", term to {day}").format(day=d.term_end.isoformat())
    if d.reason:
        text += f" — {safe_text(d.reason)}"
    return Text(text)


class ShownOnce:
    """A tab whose keys act on its data: a key that comes before the data was first read
    (typed right after enter opened the account: `enter` `6` `x`) waits for it and acts
    then, on the rows it was meant for, instead of being lost."""

    _shown = False

    def after_shown(self, action: Callable[[], object]) -> bool:
        """True: the data is not shown yet, `action` will run once it is."""
        if self._shown:
            return False
        self.__dict__.setdefault("_waiting_keys", []).append(action)
        return True

    def shown(self) -> None:
        """The data is shown: run the keys that waited for it, in order."""
        self._shown = True
        for action in self.__dict__.pop("_waiting_keys", []):
            action()


class OverviewPane(VerticalScroll):
    def __init__(self, workspace: Workspace, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Static(id="overview-body", markup=False)

    def show(self, facts: AccountFacts, decision: DecisionRow | None) -> None:
        ws = self.workspace
        today = ws.today()
        rules = ws.settings.tier_rules
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()

        def row(label: str, value: str | Text) -> None:
            table.add_row(label, value if isinstance(value, Text) else Text(value))

        row(_("Account"), safe_text(facts.name))
        row(_("Tier"), f"{_(facts.tier.label)} — {facts.tier_assignment.words.render()}")
        cadence = rules.cadence_days(facts.tier)
        row(
            _("Service"),
            _(rules.service(facts.tier).description)
            + (
                _("; touch every {days} days").format(days=cadence)
                if cadence
                else _("; no proactive cadence")
            ),
        )
        arr = format_money_full(facts.arr, facts.currency)
        if facts.currency != "USD":
            arr += f" (≈ {format_money(facts.arr_usd, 'USD')})"
        row(_("ARR"), arr)
        row(_("Stage"), stage_label(facts.stage))
        row(_("Sales motion"), _(MOTION_LABEL[facts.sales_motion]))
        row(_("Owner"), safe_text(facts.owner_name) if facts.owner_name else _("unassigned"))
        row(_("Seats"), f"{facts.seats:,}")
        if facts.segment or facts.industry:
            row(
                _("Segment"),
                safe_text(" · ".join(x for x in (facts.segment, facts.industry) if x)),
            )
        if facts.renewal_date:
            row(
                _("Renewal"),
                _("{day} ({when})").format(
                    day=facts.renewal_date.isoformat(),
                    when=relative_day(facts.renewal_date, today),
                ),
            )
        if facts.go_live_date:
            row(
                _("Go-live"),
                _("{day} ({when})").format(
                    day=facts.go_live_date.isoformat(),
                    when=relative_day(facts.go_live_date, today),
                ),
            )
        if facts.activated_on:
            activated = facts.activated_on.isoformat()
        elif STAGE_ORDER.index(Stage(facts.stage)) > STAGE_ORDER.index(Stage.ACTIVATION):
            activated = _("no date recorded")  # past Activation (an import rarely says when)
        else:
            activated = _("not yet")
        row(_("Activated"), activated)
        row(
            _("Last touch"),
            never()
            if facts.last_touch_at is None
            else relative_day(local_day(facts.last_touch_at, ws.zone), today),
        )
        if facts.health_score is not None:
            row(_("Health"), _("{score} (press 2 for why)").format(score=facts.health_score))
        decided = decision_text(decision)
        if decided is not None:
            row(_("Last decision"), decided)
        flags = account_flags(facts, ws, today)
        if flags:
            row(_("Flags"), Text("\n".join(flags), style="bold red"))
        self.query_one("#overview-body", Static).update(table)


def source_words(comp: ComponentScore) -> str:
    """Where a component's inputs came from and as of when ("mixpanel, week of …")."""
    if not comp.source:
        return "—"
    source = _(comp.source)  # a system's name as it is; "activity log" is words
    if comp.as_of is None:
        return source
    if comp.component is Component.USAGE and comp.as_of.weekday() == 0:  # a week's record
        return _("{source}, week of {day}").format(source=source, day=comp.as_of.isoformat())
    return f"{source}, {comp.as_of.isoformat()}"


@dataclass(frozen=True)
class HealthRead:
    """What the health tab shows besides the account's facts."""

    answers: list[sqlite3.Row]
    trend: list[tuple[date, int]]
    changes: list[ComponentChange]


def read_health(
    conn: sqlite3.Connection, account_id: str, today: date, now: datetime, rules: TierRules
) -> HealthRead:
    return HealthRead(
        answers=recent_answers(conn, account_id, today),
        trend=health_trend(conn, account_id, today, days=90),
        changes=what_changed(conn, account_id, today, now=now, rules=rules),
    )


class HealthPane(VerticalScroll):
    """Score and band; each component's value / standard / source and date / weight /
    points, with every measure under it (value against its own target); the 90-day
    trend, and what changed against 30 days ago."""

    def __init__(self, workspace: Workspace, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Static(id="health-body", markup=False)
        yield Static(
            _("90-day trend"), id="health-trend-label", classes="section-label", markup=False
        )
        yield Sparkline([], id="health-trend")
        yield Static(id="health-trend-range", markup=False)
        yield Static(id="health-changes", markup=False)
        yield Static(id="health-voice", markup=False)

    def show(self, facts: AccountFacts, read: HealthRead) -> None:
        ws = self.workspace
        self.query_one("#health-trend-label", Static).update(_("90-day trend"))
        health = health_of(facts, ws.settings.standards)
        body = self.query_one("#health-body", Static)
        if health is None:
            body.update(Text(_("No usage or sentiment signals for this account yet.")))
        else:
            table = Table(
                title=_("Health {score} ({band})").format(
                    score=health.score, band=_(BAND_LABEL[health.band])
                ),
                expand=True,
                title_justify="left",
                show_edge=False,
            )
            table.add_column(_("component"), no_wrap=True)
            table.add_column(_("value"))
            table.add_column(_("standard"))
            table.add_column(_("source"))
            table.add_column(_("weight"), justify="right")
            table.add_column(_("points"), justify="right")
            for comp in health.components:
                label, raw, standard = comp.shown()  # the domain's words, in the language
                table.add_row(
                    label,
                    Text(safe_text(raw)),
                    Text(safe_text(standard)),
                    Text(safe_text(source_words(comp)), style="dim"),
                    str(comp.weight),
                    f"{comp.points}",
                )
                for m in comp.measures:
                    name, raw, standard = m.shown()
                    target = _("vs {standard}").format(standard=standard) if m.judged else standard
                    table.add_row(
                        Text(f"  {name}", style="" if m.judged else "dim"),
                        Text(safe_text(raw), style="" if m.judged else "dim"),
                        Text(safe_text(target), style="" if m.judged else "dim"),
                        "",
                        "",
                        "",
                    )
            table.add_row(
                Text(_("total"), style="bold"),
                "",
                "",
                "",
                "100",
                Text(str(health.score), style="bold"),
            )
            body.update(table)
        self._show_answers(read.answers)
        trend = read.trend
        spark = self.query_one("#health-trend", Sparkline)
        # A line needs two points: with fewer, a sparkline draws full-height bars.
        spark.display = len(trend) >= 2
        spark.data = [score for _, score in trend]
        span = self.query_one("#health-trend-range", Static)
        if len(trend) >= 2:
            (first_day, first), (last_day, last) = trend[0], trend[-1]
            span.update(
                f"{first_day.isoformat()}: {first}  →  {last_day.isoformat()}: {last}"
                f"  ({last - first:+d})"
            )
        elif trend:
            span.update(
                _("no history yet — {day}: {score}").format(
                    day=trend[0][0].isoformat(), score=trend[0][1]
                )
            )
        else:
            span.update(_("no history yet"))
        changes = read.changes
        box = self.query_one("#health-changes", Static)
        if not changes:
            box.update(_("What changed: no snapshot from about 30 days ago to compare with."))
            return
        table = Table(
            title=_("What changed since {day}").format(day=changes[0].since.isoformat()),
            title_justify="left",
            expand=True,
            show_edge=False,
        )
        table.add_column(_("component"))
        table.add_column(_("then"), justify="right")
        table.add_column(_("now"), justify="right")
        table.add_column(_("change"), justify="right")
        table.add_column(_("today"))
        for change in changes:
            then = "—" if change.points_then is None else str(change.points_then)
            delta = (
                "" if change.points_then is None else f"{change.points_now - change.points_then:+d}"
            )
            style = "red" if delta.startswith("-") else "green" if delta.startswith("+") else ""
            table.add_row(
                _(COMPONENT_LABEL[change.component]),
                then,
                str(change.points_now),
                Text(delta, style=style),
                Text(safe_text(change.raw_shown())),
            )
        box.update(table)

    def _show_answers(self, answers: list[sqlite3.Row]) -> None:
        """The latest survey answers, comments as the contact wrote them (plain text)."""
        box = self.query_one("#health-voice", Static)
        if not answers:
            box.update("")
            return
        table = Table(
            title=_("Latest survey answers"), title_justify="left", expand=True, show_edge=False
        )
        table.add_column(_("day"), no_wrap=True)
        table.add_column(_("score"), no_wrap=True)
        table.add_column(_("contact"))
        table.add_column(_("comment"))
        for a in answers:
            scale = "10" if a["kind"] == "nps" else "5"
            table.add_row(
                a["responded_on"],
                f"{a['kind'].upper()} {a['score']}/{scale}",
                Text(safe_text(a["contact_email"])),
                Text(safe_text(a["comment"], multiline=True)),
            )
        box.update(table)


class StakeholdersPane(ShownOnce, Vertical):
    BINDINGS = [
        Binding("a", "add_contact", N_("Add contact"), id="stakeholders.add"),
        Binding("e", "edit_contact", N_("Edit contact"), id="stakeholders.edit"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.contacts: list[ContactView] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)

    COLUMNS = (
        ("name", N_("Name")),
        ("role", N_("Role")),
        ("title", NC_("contact field", "Title")),
        ("email", NC_("contact field", "Email")),
        ("phone", N_("Phone")),
    )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title in self.COLUMNS:
            table.add_column(_(title), key=key)

    def retranslate(self) -> None:
        retitle(self.query_one(DataTable), self.COLUMNS)
        self._paint(self.contacts)

    def reload(self) -> None:
        account_id = self.account_id
        read_for(
            self,
            self.workspace,
            "account:contacts",
            lambda conn: load_contacts(conn, account_id),
            self.show,
            _("the contacts"),
        )

    def show(self, contacts: list[ContactView]) -> None:
        self._paint(contacts)
        self.shown()

    def _paint(self, contacts: list[ContactView]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.contacts = contacts
        for contact in self.contacts:
            style = {"sponsor": "bold", "champion": "green", "blocker": "red"}.get(
                contact.role.value, ""
            )
            table.add_row(
                Text(safe_text(contact.name)),
                Text(role_label(contact.role), style=style),
                Text(safe_text(contact.title)),
                Text(safe_text(contact.email)),
                Text(safe_text(contact.phone)),
                key=contact.id,
            )

    def _selected(self) -> ContactView | None:
        table = self.query_one(DataTable)
        if not self.contacts or table.cursor_row is None:
            return None
        return self.contacts[table.cursor_row] if table.cursor_row < len(self.contacts) else None

    def _reload_if_saved(self, saved: bool | None) -> None:
        if saved:
            self.reload()

    def action_add_contact(self) -> None:
        from csm_tui.ui.screens.contact_form import ContactFormScreen

        self.app.push_screen(
            ContactFormScreen(self.workspace, self.account_id),
            self._reload_if_saved,
        )

    def action_edit_contact(self) -> None:
        from csm_tui.ui.screens.contact_form import ContactFormScreen

        if self.after_shown(self.action_edit_contact):
            return
        contact = self._selected()
        if contact is None:
            self.notify(_("No contact to edit: press a to add one."), severity="warning")
            return
        self.app.push_screen(
            ContactFormScreen(self.workspace, self.account_id, contact),
            self._reload_if_saved,
        )


TIMELINE_FILTERS: tuple[frozenset[ActivityKind] | None, ...] = (
    None,
    frozenset({ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.ONSITE, ActivityKind.QBR}),
    frozenset({ActivityKind.EMAIL}),
    frozenset({ActivityKind.ESCALATION}),
    frozenset({ActivityKind.TRAINING}),
    frozenset({ActivityKind.NOTE}),
)


class TimelinePane(ShownOnce, Vertical):
    BINDINGS = [
        Binding("f", "cycle_filter", N_("Filter type"), id="timeline.filter"),
        Binding("enter", "read", N_("Read"), id="timeline.read"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.entries: list[TimelineEntry] = []
        self.total = 0  # the activities there are in all (the list shows the newest)
        self.filter_index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-filter", markup=False)
        yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)

    COLUMNS = (
        ("when", N_("When"), 16),
        ("type", N_("Type"), 10),
        ("minutes", N_("Min"), 4),
        ("summary", N_("Summary"), None),
        ("next", N_("Next steps"), 30),
        ("by", N_("By"), 16),
    )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in self.COLUMNS:
            table.add_column(_(title), width=width, key=key)

    def retranslate(self) -> None:
        retitle(self.query_one(DataTable), [(k, t) for k, t, _w in self.COLUMNS])
        self._paint(self.entries)

    @property
    def kinds(self) -> frozenset[ActivityKind] | None:
        """The types of activity the filter shows (None: all)."""
        return TIMELINE_FILTERS[self.filter_index]

    def reload(self) -> None:
        account_id, kinds = self.account_id, self.kinds
        read_for(
            self,
            self.workspace,
            "account:timeline",
            lambda conn: timeline_with_total(conn, account_id, kinds=kinds),
            self.show,
            _("the timeline"),
        )

    def show(self, read: tuple[list[TimelineEntry], int]) -> None:
        self.total = read[1]
        self._paint(read[0])
        self.shown()

    def _paint(self, entries: list[TimelineEntry]) -> None:
        kinds = self.kinds
        self.entries = entries
        table = self.query_one(DataTable)
        table.clear()
        for entry in self.entries:
            summary = entry.summary_preview.replace("\n", " ")
            table.add_row(
                local(entry.occurred_at, self.workspace.zone),
                kind_label(entry.kind),
                str(entry.minutes),
                Text(safe_text(summary) + (" …" if entry.truncated else "")),
                Text(safe_text(entry.next_steps_preview.replace("\n", " "))),
                Text(safe_text(entry.author_name or "—")),
                key=entry.id,
            )
        label = (
            _("all types") if kinds is None else _(", ").join(sorted(kind_label(k) for k in kinds))
        )
        n = len(self.entries)
        total = max(n, self.total)
        self.query_one("#timeline-filter", Static).update(
            ngettext(
                "Showing {types} · {n} activity, newest first · f: next type · enter: read",
                "Showing {types} · {n} activities, newest first · f: next type · enter: read",
                n,
            ).format(types=label, n=n)
            if total <= n
            else _(
                "Showing {types} · the newest {n} of {total} activities (every one: "
                "csm-tui run 'timeline ACCOUNT') · f: next type · enter: read"
            ).format(types=label, n=n, total=f"{total:,}")
        )

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(TIMELINE_FILTERS)
        self.reload()

    def action_read(self) -> None:
        from csm_tui.ui.screens.activity_detail import ActivityDetailScreen

        if self.after_shown(self.action_read):
            return
        table = self.query_one(DataTable)
        if self.entries and table.cursor_row is not None and table.cursor_row < len(self.entries):
            self.app.push_screen(
                ActivityDetailScreen(self.workspace, self.entries[table.cursor_row].id)
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_read()


@dataclass(frozen=True)
class ChecklistRead:
    """What the checklist tab shows: the stage's items, its gate, the stage history."""

    entries: list[ChecklistEntry]
    gate: StageGate
    history: list[StageMove]


def read_checklist(conn: sqlite3.Connection, facts: AccountFacts) -> ChecklistRead:
    return ChecklistRead(
        entries=load_checklist(conn, facts.id, facts.tier, Stage(facts.stage)),
        gate=stage_gate_of(conn, facts.id),
        history=stage_history(conn, facts.id),
    )


class ChecklistPane(ShownOnce, Vertical):
    """The current stage's items for this tier; space ticks; A advances the stage."""

    BINDINGS = [
        Binding("space", "toggle_item", N_("Tick / untick"), id="checklist.toggle"),
        Binding("A", "advance", N_("Advance stage"), id="checklist.advance"),
    ]

    def __init__(self, workspace: Workspace, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.facts: AccountFacts | None = None  # until read
        self.read: ChecklistRead | None = None
        self.entries: list[ChecklistEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="checklist-title", markup=False)
        yield DataTable(id="checklist-table", cursor_type="row")
        yield Static(id="checklist-gate", markup=False)
        yield Static(id="stage-history", markup=False)

    COLUMNS = (("item", N_("Item")), ("required", N_("Required")), ("by", N_("Done by")))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", width=3, key="done")
        table.add_column(_("Item"), key="item")
        table.add_column(_("Required"), width=9, key="required")
        table.add_column(_("Done by"), width=34, key="by")

    def retranslate(self) -> None:
        retitle(self.query_one(DataTable), self.COLUMNS)
        if self.facts is not None and self.read is not None:
            self._paint(self.facts, self.read)

    def reload(self) -> None:
        facts = self.facts
        if facts is None:
            return
        read_for(
            self,
            self.workspace,
            "account:checklist",
            lambda conn: read_checklist(conn, facts),
            lambda read: self.show(facts, read),
            _("the checklist"),
        )

    def show(self, facts: AccountFacts, read: ChecklistRead) -> None:
        self._paint(facts, read)
        self.shown()

    def _paint(self, facts: AccountFacts, read: ChecklistRead) -> None:
        ws = self.workspace
        self.facts, self.read = facts, read
        stage = Stage(facts.stage)
        self.entries = read.entries
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        zone = self.workspace.zone
        for entry in self.entries:
            done = entry.done_at is not None
            by = (
                f"{safe_text(entry.done_by_name or '?')} · {local(entry.done_at, zone)}"
                if entry.done_at is not None
                else ""
            )
            table.add_row(
                Text("[x]" if done else "[ ]", style="green" if done else ""),
                Text(_(entry.label)),
                Text(
                    _("required") if entry.required else "", style="bold" if entry.required else ""
                ),
                Text(by),
                key=entry.key,
            )
        if row is not None and self.entries:
            table.move_cursor(row=min(row, len(self.entries) - 1), animate=False)
        nxt = stage.next
        self.query_one("#checklist-title", Static).update(
            _("{stage} checklist for {tier} accounts").format(
                stage=stage_label(stage), tier=_(facts.tier.label)
            )
            + (_(" · A moves it to {stage}").format(stage=stage_label(nxt)) if nxt else "")
        )
        gate = read.gate
        self.query_one("#checklist-gate", Static).update(
            Text(
                _("Ready to advance.") if gate.can_advance else gate_words(gate),
                style="green" if gate.can_advance else "yellow",
            )
        )
        history = read.history
        lines = [
            f"{local(m.changed_at, ws.zone)}  "
            f"{stage_label(m.from_stage) if m.from_stage else '—'} → "
            f"{stage_label(m.to_stage)}  {safe_text(m.changed_by_name or '')}"
            for m in history[-8:]
        ]
        self.query_one("#stage-history", Static).update(
            Text(_("Stage history") + "\n" + ("\n".join(lines) if lines else _("none recorded")))
        )

    def action_toggle_item(self) -> None:
        from csm_tui.store.checklist import ChecklistError, set_item_done

        if self.after_shown(self.action_toggle_item):
            return
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or self.facts is None:
            return
        entry = self.entries[table.cursor_row]
        ws = self.workspace
        try:
            set_item_done(
                ws.conn,
                self.facts.id,
                self.facts.stage,
                entry.key,
                entry.done_at is None,
                ws.meta("me"),
                ws.now(),
            )
        except ChecklistError as exc:
            self.notify(str(exc), severity="error")
            return
        self.reload()

    def action_advance(self) -> None:
        from csm_tui.store.checklist import ChecklistError, advance_stage

        if self.after_shown(self.action_advance):
            return
        ws = self.workspace
        if self.facts is None:
            return
        try:
            gate = advance_stage(ws.conn, self.facts.id, ws.meta("me"), ws.now())
        except ChecklistError as exc:
            self.notify(str(exc), severity="error")
            return
        if not gate.can_advance or gate.target is None:
            self.notify(
                _("Cannot advance yet — {why}").format(why=gate_words(gate)),
                severity="warning",
                timeout=8,
            )
            return
        self.notify(_("Moved to {stage}").format(stage=stage_label(gate.target)))
        self.post_message(StageAdvanced())


def gate_words(gate: StageGate) -> str:
    """Why the stage cannot advance (the domain's `why_not`), in the interface language."""
    if gate.target is None:
        return _("{stage} is the last stage").format(stage=stage_label(gate.stage))
    if not gate.missing_required:
        return ""
    return _("missing required: {items}").format(
        items=_("; ").join(_(item.label) for item in gate.missing_required)
    )


class StageAdvanced(Message):
    """The account changed stage: the screen reloads its facts."""


class TasksPane(ShownOnce, Vertical):
    BINDINGS = [
        Binding("x", "complete", N_("Complete / reopen"), id="tasks.complete"),
        Binding("z", "snooze", N_("Snooze 1 week"), id="tasks.snooze"),
        Binding("m", "take", N_("Assign to me"), id="tasks.take"),
        Binding("d", "toggle_done", N_("Show done"), id="tasks.show_done"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.tasks: list[TaskView] = []
        self.include_done = False

    def compose(self) -> ComposeResult:
        yield DataTable(id="tasks-table", cursor_type="row", zebra_stripes=True)

    COLUMNS = (
        ("due", N_("Due"), 14),
        ("task", N_("Task"), None),
        ("owner", N_("Owner"), 18),
        ("state", N_("State"), 12),
    )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in self.COLUMNS:
            table.add_column(_(title), width=width, key=key)

    def retranslate(self) -> None:
        retitle(self.query_one(DataTable), [(k, t) for k, t, _w in self.COLUMNS])
        self._paint(self.tasks)

    def reload(self) -> None:
        account_id, today, done = self.account_id, self.workspace.today(), self.include_done
        read_for(
            self,
            self.workspace,
            "account:tasks",
            lambda conn: account_tasks(conn, account_id, today, include_done=done),
            self.show,
            _("the tasks"),
        )

    def show(self, tasks: list[TaskView]) -> None:
        self._paint(tasks)
        self.shown()

    def _paint(self, tasks: list[TaskView]) -> None:
        ws = self.workspace
        self.tasks = tasks
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for task in self.tasks:
            due = task.effective_due
            state = "done" if task.done else task.due_state
            style = {"late": "bold red", "today": "yellow", "done": "dim"}.get(state, "")
            table.add_row(
                relative_day(due, ws.today()) if due else "—",
                Text(safe_text(task.title)),
                Text(safe_text(task.owner_name or "—")),
                Text(
                    _(TASK_STATE_LABEL[state]) if state in TASK_STATE_LABEL else state, style=style
                ),
                key=task.id,
            )
        if row is not None and self.tasks:
            table.move_cursor(row=min(row, len(self.tasks) - 1), animate=False)

    def _selected_task(self) -> TaskView | None:
        # Not `_task`: Textual's MessagePump keeps its asyncio Task under that name.
        table = self.query_one(DataTable)
        if not self.tasks or table.cursor_row is None or table.cursor_row >= len(self.tasks):
            self.notify(_("No task here."), severity="warning")
            return None
        return self.tasks[table.cursor_row]

    def _run(self, change: Callable[[TaskView], object]) -> None:
        from csm_tui.store.tasks import TaskError, TaskNotFound

        if self.after_shown(lambda: self._run(change)):
            return
        task = self._selected_task()
        if task is None:
            return
        try:
            change(task)
        except (TaskError, TaskNotFound) as exc:
            self.notify(str(exc), severity="error")
        self.reload()

    def action_complete(self) -> None:
        from csm_tui.store.tasks import complete_task, reopen_task

        ws = self.workspace
        self._run(
            lambda t: (
                reopen_task(ws.conn, t.id, ws.now())
                if t.done
                else complete_task(ws.conn, t.id, ws.meta("me") or "", ws.now())
            )
        )

    def action_snooze(self) -> None:
        from datetime import timedelta

        from csm_tui.store.tasks import snooze_task

        ws = self.workspace
        self._run(lambda t: snooze_task(ws.conn, t.id, ws.today() + timedelta(days=7), ws.now()))

    def action_take(self) -> None:
        from csm_tui.store.tasks import reassign_task_to

        ws = self.workspace
        me = ws.meta("me")
        if me is None:
            self.notify(_("This cache does not know who you are."), severity="error")
            return
        self._run(lambda t: reassign_task_to(ws.conn, t.id, me, ws.now()))

    def action_toggle_done(self) -> None:
        self.include_done = not self.include_done
        self.reload()


class PrepNotesPane(Vertical):
    """The CSM's own notes on the account (the same notes the call prep shows)."""

    def __init__(self, workspace: Workspace, account_id: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id

    def show(self, note: str) -> None:
        """The note as stored: the editor comes with it (it must not save over a note it
        has not read), or, once there, shows it unless it holds unsaved typing."""
        from csm_tui.ui.widgets.prep_notes import PrepNotesEditor

        editors = self.query(PrepNotesEditor)
        if editors:
            editors.first().show_stored(note)
        else:
            self.mount(PrepNotesEditor(self.workspace, self.account_id, text=note))
