"""The tabs of the account workspace, one widget each. Every one reads through `store`
and paints book text through `safe_text` into Rich `Text` (never markup)."""

from __future__ import annotations

from datetime import date

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Sparkline, Static

from csm_tui.domain.agenda import HEALTH_DROP_POINTS, RENEWAL_HORIZON_DAYS
from csm_tui.domain.cadence import touch_status
from csm_tui.domain.clock import local_day
from csm_tui.domain.health import Component, ComponentScore
from csm_tui.domain.humanize import format_money, format_money_full, never, relative_day
from csm_tui.domain.lifecycle import Stage, activation_risk
from csm_tui.domain.records import ActivityKind
from csm_tui.domain.text import safe_text
from csm_tui.store.accounts import AccountFacts, health_of
from csm_tui.store.activity_log import TimelineEntry, load_timeline
from csm_tui.store.checklist import ChecklistEntry, load_checklist, stage_history
from csm_tui.store.contacts import ContactView, load_contacts
from csm_tui.store.health_history import health_trend, what_changed
from csm_tui.store.health_recompute import recent_answers
from csm_tui.store.tasks import TaskView, account_tasks
from csm_tui.workspace import Workspace


def local(dt, zone=None) -> str:
    """An instant as the user's wall-clock time (their `timezone` setting; None: the
    system's)."""
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def account_flags(facts: AccountFacts, workspace: Workspace, today: date) -> list[str]:
    """What a CSM must not miss about this account, in words."""
    flags = []
    risk = activation_risk(facts.go_live_date, facts.activated_on, Stage(facts.stage), today)
    if risk.why:
        flags.append(risk.why)
    touch = touch_status(
        facts.tier,
        facts.last_touch_at,
        workspace.now(),
        workspace.settings.tier_rules,
        zone=workspace.zone,
    )
    if touch.overdue:
        flags.append(
            f"never touched (cadence {touch.cadence_days} days)"
            if touch.days_since is None
            else f"last touch {touch.days_since} days ago, cadence {touch.cadence_days}"
        )
    if facts.health_score is not None and facts.health_score_30d is not None:
        drop = facts.health_score_30d - facts.health_score
        if drop >= HEALTH_DROP_POINTS:
            flags.append(f"health dropped {drop} points in 30 days")
    if facts.renewal_date and facts.stage != Stage.CHURNED:
        days = (facts.renewal_date - today).days
        if 0 <= days <= RENEWAL_HORIZON_DAYS:
            flags.append(f"renewal {relative_day(facts.renewal_date, today)}")
        elif days < 0:
            flags.append(f"renewal date passed {relative_day(facts.renewal_date, today)}")
    return flags


def _last_decision(ws: Workspace, account_id: str) -> Text | None:
    """The account's latest renewal decision, in words (R records one)."""
    from csm_tui.store.renewals import decisions_of

    decisions = decisions_of(ws.conn, account_id)
    if not decisions:
        return None
    d = decisions[0]
    what = {"renewed": f"renewed {d.direction}", "churned": "churned",
            "win_back": "won back"}.get(d.outcome, d.outcome)  # fmt: skip
    text = (
        f"{d.decided_on.isoformat()} {what}: {format_money(d.arr_before, d.currency)} → "
        f"{format_money(d.arr_after, d.currency)}"
    )
    if d.term_end is not None:
        text += f", term to {d.term_end.isoformat()}"
    if d.reason:
        text += f" — {safe_text(d.reason)}"
    return Text(text)


class OverviewPane(VerticalScroll):
    def __init__(self, workspace: Workspace, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Static(id="overview-body")

    def show(self, facts: AccountFacts) -> None:
        ws = self.workspace
        today = ws.today()
        rules = ws.settings.tier_rules
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()

        def row(label: str, value: str | Text) -> None:
            table.add_row(label, value if isinstance(value, Text) else Text(value))

        row("Account", safe_text(facts.name))
        row("Tier", f"{facts.tier.label} — {facts.tier_assignment.why}")
        cadence = rules.cadence_days(facts.tier)
        row(
            "Service",
            rules.service(facts.tier).description
            + (f"; touch every {cadence} days" if cadence else "; no proactive cadence"),
        )
        arr = format_money_full(facts.arr, facts.currency)
        if facts.currency != "USD":
            arr += f" (≈ {format_money(facts.arr_usd, 'USD')})"
        row("ARR", arr)
        row("Stage", Stage(facts.stage).label)
        row("Sales motion", facts.sales_motion.label)
        row("Owner", safe_text(facts.owner_name or "unassigned"))
        row("Seats", f"{facts.seats:,}")
        if facts.segment or facts.industry:
            row("Segment", safe_text(" · ".join(x for x in (facts.segment, facts.industry) if x)))
        if facts.renewal_date:
            row(
                "Renewal",
                f"{facts.renewal_date.isoformat()} ({relative_day(facts.renewal_date, today)})",
            )
        if facts.go_live_date:
            row(
                "Go-live",
                f"{facts.go_live_date.isoformat()} ({relative_day(facts.go_live_date, today)})",
            )
        row("Activated", facts.activated_on.isoformat() if facts.activated_on else "not yet")
        row(
            "Last touch",
            never()
            if facts.last_touch_at is None
            else relative_day(local_day(facts.last_touch_at, ws.zone), today),
        )
        if facts.health_score is not None:
            row("Health", f"{facts.health_score} (press 2 for why)")
        decision = _last_decision(ws, facts.id)
        if decision is not None:
            row("Last decision", decision)
        flags = account_flags(facts, ws, today)
        if flags:
            row("Flags", Text("\n".join(flags), style="bold red"))
        self.query_one("#overview-body", Static).update(table)


def source_words(comp: ComponentScore) -> str:
    """Where a component's inputs came from and as of when ("mixpanel, week of …")."""
    if not comp.source:
        return "—"
    if comp.as_of is None:
        return comp.source
    if comp.component is Component.USAGE and comp.as_of.weekday() == 0:  # a week's record
        return f"{comp.source}, week of {comp.as_of.isoformat()}"
    return f"{comp.source}, {comp.as_of.isoformat()}"


class HealthPane(VerticalScroll):
    """Score and band; each component's value / standard / source and date / weight /
    points, with every measure under it (value against its own target); the 90-day
    trend, and what changed against 30 days ago."""

    def __init__(self, workspace: Workspace, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Static(id="health-body")
        yield Static("90-day trend", id="health-trend-label", classes="section-label")
        yield Sparkline([], id="health-trend")
        yield Static(id="health-trend-range")
        yield Static(id="health-changes")
        yield Static(id="health-voice")

    def show(self, facts: AccountFacts) -> None:
        ws = self.workspace
        health = health_of(facts, ws.settings.standards)
        body = self.query_one("#health-body", Static)
        if health is None:
            body.update(Text("No usage or sentiment signals for this account yet."))
        else:
            table = Table(
                title=f"Health {health.score} ({health.band.value})",
                expand=True,
                title_justify="left",
                show_edge=False,
            )
            table.add_column("component", no_wrap=True)
            table.add_column("value")
            table.add_column("standard")
            table.add_column("source")
            table.add_column("weight", justify="right")
            table.add_column("points", justify="right")
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
                    target = f"vs {standard}" if m.judged else standard
                    table.add_row(
                        Text(f"  {name}", style="" if m.judged else "dim"),
                        Text(safe_text(raw), style="" if m.judged else "dim"),
                        Text(safe_text(target), style="" if m.judged else "dim"),
                        "",
                        "",
                        "",
                    )
            table.add_row(
                Text("total", style="bold"),
                "",
                "",
                "",
                "100",
                Text(str(health.score), style="bold"),
            )
            body.update(table)
        self._show_answers(facts)
        trend = health_trend(ws.conn, facts.id, ws.today(), days=90)
        spark = self.query_one("#health-trend", Sparkline)
        # A line needs two points: with fewer, a sparkline draws full-height bars.
        spark.display = len(trend) >= 2
        spark.data = [score for _, score in trend]
        label = self.query_one("#health-trend-range", Static)
        if len(trend) >= 2:
            (first_day, first), (last_day, last) = trend[0], trend[-1]
            label.update(
                f"{first_day.isoformat()}: {first}  →  {last_day.isoformat()}: {last}"
                f"  ({last - first:+d})"
            )
        elif trend:
            label.update(f"no history yet — {trend[0][0].isoformat()}: {trend[0][1]}")
        else:
            label.update("no history yet")
        changes = what_changed(
            ws.conn, facts.id, ws.today(), now=ws.now(), rules=ws.settings.tier_rules
        )
        box = self.query_one("#health-changes", Static)
        if not changes:
            box.update("What changed: no snapshot from about 30 days ago to compare with.")
            return
        table = Table(
            title=f"What changed since {changes[0].since.isoformat()}",
            title_justify="left",
            expand=True,
            show_edge=False,
        )
        table.add_column("component")
        table.add_column("then", justify="right")
        table.add_column("now", justify="right")
        table.add_column("change", justify="right")
        table.add_column("today")
        for change in changes:
            then = "—" if change.points_then is None else str(change.points_then)
            delta = (
                "" if change.points_then is None else f"{change.points_now - change.points_then:+d}"
            )
            style = "red" if delta.startswith("-") else "green" if delta.startswith("+") else ""
            table.add_row(
                change.component.label,
                then,
                str(change.points_now),
                Text(delta, style=style),
                Text(change.raw_now),
            )
        box.update(table)

    def _show_answers(self, facts: AccountFacts) -> None:
        """The latest survey answers, comments as the contact wrote them (plain text)."""
        box = self.query_one("#health-voice", Static)
        answers = recent_answers(self.workspace.conn, facts.id, self.workspace.today())
        if not answers:
            box.update("")
            return
        table = Table(
            title="Latest survey answers", title_justify="left", expand=True, show_edge=False
        )
        table.add_column("day", no_wrap=True)
        table.add_column("score", no_wrap=True)
        table.add_column("contact")
        table.add_column("comment")
        for a in answers:
            scale = "10" if a["kind"] == "nps" else "5"
            table.add_row(
                a["responded_on"],
                f"{a['kind'].upper()} {a['score']}/{scale}",
                Text(safe_text(a["contact_email"])),
                Text(safe_text(a["comment"], multiline=True)),
            )
        box.update(table)


class StakeholdersPane(Vertical):
    BINDINGS = [
        Binding("a", "add_contact", "Add contact", id="stakeholders.add"),
        Binding("e", "edit_contact", "Edit contact", id="stakeholders.edit"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.contacts: list[ContactView] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title in ("Name", "Role", "Title", "Email", "Phone"):
            table.add_column(title, key=title.lower())
        self.reload()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.contacts = load_contacts(self.workspace.conn, self.account_id)
        for contact in self.contacts:
            style = {"sponsor": "bold", "champion": "green", "blocker": "red"}.get(
                contact.role.value, ""
            )
            table.add_row(
                Text(safe_text(contact.name)),
                Text(contact.role.value, style=style),
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

    def action_add_contact(self) -> None:
        from csm_tui.ui.screens.contact_form import ContactFormScreen

        self.app.push_screen(
            ContactFormScreen(self.workspace, self.account_id),
            lambda saved: saved and self.reload(),
        )

    def action_edit_contact(self) -> None:
        from csm_tui.ui.screens.contact_form import ContactFormScreen

        contact = self._selected()
        if contact is None:
            self.notify("No contact to edit: press a to add one.", severity="warning")
            return
        self.app.push_screen(
            ContactFormScreen(self.workspace, self.account_id, contact),
            lambda saved: saved and self.reload(),
        )


TIMELINE_FILTERS: tuple[frozenset[ActivityKind] | None, ...] = (
    None,
    frozenset({ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.ONSITE, ActivityKind.QBR}),
    frozenset({ActivityKind.EMAIL}),
    frozenset({ActivityKind.ESCALATION}),
    frozenset({ActivityKind.TRAINING}),
    frozenset({ActivityKind.NOTE}),
)


class TimelinePane(Vertical):
    BINDINGS = [
        Binding("f", "cycle_filter", "Filter type", id="timeline.filter"),
        Binding("enter", "read", "Read", id="timeline.read"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.entries: list[TimelineEntry] = []
        self.filter_index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-filter")
        yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("When", width=16, key="when")
        table.add_column("Type", width=10, key="type")
        table.add_column("Min", width=4, key="minutes")
        table.add_column("Summary", key="summary")
        table.add_column("Next steps", width=30, key="next")
        table.add_column("By", width=16, key="by")
        self.reload()

    def reload(self) -> None:
        kinds = TIMELINE_FILTERS[self.filter_index]
        self.entries = load_timeline(self.workspace.conn, self.account_id, kinds=kinds)
        table = self.query_one(DataTable)
        table.clear()
        for entry in self.entries:
            summary = entry.summary_preview.replace("\n", " ")
            table.add_row(
                local(entry.occurred_at, self.workspace.zone),
                entry.kind.label,
                str(entry.minutes),
                Text(safe_text(summary) + (" …" if entry.truncated else "")),
                Text(safe_text(entry.next_steps_preview.replace("\n", " "))),
                Text(safe_text(entry.author_name or "—")),
                key=entry.id,
            )
        label = "all types" if kinds is None else ", ".join(sorted(k.label for k in kinds))
        self.query_one("#timeline-filter", Static).update(
            f"Showing {label} · {len(self.entries)} activities, newest first · "
            "f: next type · enter: read"
        )

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(TIMELINE_FILTERS)
        self.reload()

    def action_read(self) -> None:
        from csm_tui.ui.screens.activity_detail import ActivityDetailScreen

        table = self.query_one(DataTable)
        if self.entries and table.cursor_row is not None and table.cursor_row < len(self.entries):
            self.app.push_screen(
                ActivityDetailScreen(self.workspace, self.entries[table.cursor_row].id)
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_read()


class ChecklistPane(Vertical):
    """The current stage's items for this tier; space ticks; A advances the stage."""

    BINDINGS = [
        Binding("space", "toggle", "Tick / untick", id="checklist.toggle"),
        Binding("A", "advance", "Advance stage", id="checklist.advance"),
    ]

    def __init__(self, workspace: Workspace, facts: AccountFacts, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.facts = facts
        self.entries: list[ChecklistEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="checklist-title")
        yield DataTable(id="checklist-table", cursor_type="row")
        yield Static(id="checklist-gate")
        yield Static(id="stage-history")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", width=3, key="done")
        table.add_column("Item", key="item")
        table.add_column("Required", width=9, key="required")
        table.add_column("Done by", width=34, key="by")
        self.reload()

    def set_facts(self, facts: AccountFacts) -> None:
        self.facts = facts
        self.reload()

    def reload(self) -> None:
        from csm_tui.store.checklist import stage_gate_of

        ws = self.workspace
        facts = self.facts
        stage = Stage(facts.stage)
        self.entries = load_checklist(ws.conn, facts.id, facts.tier, stage)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        zone = self.workspace.zone
        for entry in self.entries:
            done = entry.done_at is not None
            by = (
                f"{safe_text(entry.done_by_name or '?')} · {local(entry.done_at, zone)}"
                if done
                else ""
            )
            table.add_row(
                Text("[x]" if done else "[ ]", style="green" if done else ""),
                Text(entry.label),
                Text("required" if entry.required else "", style="bold" if entry.required else ""),
                Text(by),
                key=entry.key,
            )
        if row is not None and self.entries:
            table.move_cursor(row=min(row, len(self.entries) - 1), animate=False)
        nxt = stage.next
        self.query_one("#checklist-title", Static).update(
            f"{stage.label} checklist for a {facts.tier.label} account"
            + (f" · A moves it to {nxt.label}" if nxt else "")
        )
        gate = stage_gate_of(ws.conn, facts.id)
        self.query_one("#checklist-gate", Static).update(
            Text(
                "Ready to advance." if gate.can_advance else gate.why_not,
                style="green" if gate.can_advance else "yellow",
            )
        )
        history = stage_history(ws.conn, facts.id)
        lines = [
            f"{local(m.changed_at, ws.zone)}  {m.from_stage.label if m.from_stage else '—'} → "
            f"{m.to_stage.label}  {safe_text(m.changed_by_name or '')}"
            for m in history[-8:]
        ]
        self.query_one("#stage-history", Static).update(
            Text("Stage history\n" + ("\n".join(lines) if lines else "none recorded"))
        )

    def action_toggle(self) -> None:
        from csm_tui.store.checklist import ChecklistError, set_item_done

        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None:
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

        ws = self.workspace
        try:
            gate = advance_stage(ws.conn, self.facts.id, ws.meta("me"), ws.now())
        except ChecklistError as exc:
            self.notify(str(exc), severity="error")
            return
        if not gate.can_advance:
            self.notify(f"Cannot advance yet — {gate.why_not}", severity="warning", timeout=8)
            return
        self.notify(f"Moved to {gate.target.label}")
        self.post_message(StageAdvanced())


class StageAdvanced(Message):
    """The account changed stage: the screen reloads its facts."""


class TasksPane(Vertical):
    BINDINGS = [
        Binding("x", "complete", "Complete / reopen", id="tasks.complete"),
        Binding("z", "snooze", "Snooze 1 week", id="tasks.snooze"),
        Binding("m", "take", "Assign to me", id="tasks.take"),
        Binding("d", "toggle_done", "Show done", id="tasks.show_done"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self.tasks: list[TaskView] = []
        self.include_done = False

    def compose(self) -> ComposeResult:
        yield DataTable(id="tasks-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, width in (("Due", 14), ("Task", None), ("Owner", 18), ("State", 12)):
            table.add_column(title, width=width, key=title.lower())
        self.reload()

    def reload(self) -> None:
        ws = self.workspace
        self.tasks = account_tasks(
            ws.conn, self.account_id, ws.today(), include_done=self.include_done
        )
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
                Text(state, style=style),
                key=task.id,
            )
        if row is not None and self.tasks:
            table.move_cursor(row=min(row, len(self.tasks) - 1), animate=False)

    def _selected_task(self) -> TaskView | None:
        # Not `_task`: Textual's MessagePump keeps its asyncio Task under that name.
        table = self.query_one(DataTable)
        if not self.tasks or table.cursor_row is None or table.cursor_row >= len(self.tasks):
            self.notify("No task here.", severity="warning")
            return None
        return self.tasks[table.cursor_row]

    def _run(self, change) -> None:
        from csm_tui.store.tasks import TaskError, TaskNotFound

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
            self.notify("This cache does not know who you are.", severity="error")
            return
        self._run(lambda t: reassign_task_to(ws.conn, t.id, me, ws.now()))

    def action_toggle_done(self) -> None:
        self.include_done = not self.include_done
        self.reload()


class PrepNotesPane(Vertical):
    """The CSM's own notes on the account (the same notes the call prep shows)."""

    def __init__(self, workspace: Workspace, account_id: str, **kw) -> None:
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id

    def compose(self) -> ComposeResult:
        from csm_tui.ui.widgets.prep_notes import PrepNotesEditor

        yield PrepNotesEditor(self.workspace, self.account_id)
