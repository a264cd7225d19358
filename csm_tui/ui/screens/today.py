"""Today: who needs me today, and why — ordered by tier, then urgency."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from csm_tui.domain.agenda import AgendaItem, AgendaKind
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.store.agenda import load_agenda
from csm_tui.store.tasks import TaskError, TaskNotFound, complete_task, snooze_task
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace

KIND_STYLE = {
    AgendaKind.TASK: "bold",
    AgendaKind.ACTIVATION: "bold red",
    AgendaKind.TOUCH: "",
    AgendaKind.RENEWAL: "yellow",
    AgendaKind.HEALTH_DROP: "red",
}


class TodayScreen(Screen[None]):
    """The CSM's agenda: overdue touches, tasks, renewals, activation risk, health drops."""

    TITLE = "Today"

    BINDINGS = [
        # priority: the account opens before the next key is routed (not via the table's
        # RowSelected message), so `enter` `6` `x` typed at speed all reach the account
        Binding("enter", "open", "Open", id="today.open", priority=True),
        Binding("l", "app.log_activity", "Log", id="today.log"),
        Binding("p", "app.prep", "Prep", id="today.prep"),
        Binding("x", "complete_task", "Complete task", id="today.complete_task"),
        Binding("z", "snooze_task", "Snooze task 1 day", id="today.snooze_task"),
        Binding("Z", "snooze_week", "Snooze task 1 week", id="today.snooze_week", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.items: list[AgendaItem] = []

    def compose(self) -> ComposeResult:
        yield Static(id="today-title")
        table: DataTable[Text] = DataTable(id="today-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="today-empty")
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Tier", width=10, key="tier")
        table.add_column("Account", width=34, key="account")
        table.add_column("What", width=11, key="kind")
        table.add_column("Why", key="why")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        ws = self.workspace
        me = ws.meta("me")
        table = self.query_one(DataTable)
        keep = self.current_item
        table.clear()
        empty = self.query_one("#today-empty", Static)
        if me is None:
            self.items = []
            empty.update(
                "This cache does not say who you are, so there is no agenda. "
                "Run csm-tui login, or open the portfolio with b."
            )
            empty.display = True
            self._title(None)
            return
        self.items = load_agenda(ws.conn, me, ws.today(), ws.settings.tier_rules)
        for index, item in enumerate(self.items):
            table.add_row(
                Text(item.tier.label, style="bold" if item.tier is Tier.STRATEGIC else ""),
                Text(safe_text(item.account_name)),
                Text(item.kind.label, style=KIND_STYLE.get(item.kind, "")),
                Text(safe_text(item.why)),
                key=str(index),
            )
        empty.display = not self.items
        empty.update("Nothing needs you today. Enjoy it — or press b for the portfolio.")
        self._title(me)
        if keep is not None:
            for index, item in enumerate(self.items):
                if (item.account_id, item.kind, item.task_id) == (
                    keep.account_id,
                    keep.kind,
                    keep.task_id,
                ):
                    table.move_cursor(row=index, animate=False)
                    break

    def _title(self, me: str | None) -> None:
        ws = self.workspace
        name = None
        if me is not None:
            row = ws.conn.execute("SELECT name FROM users WHERE id = ?", (me,)).fetchone()
            name = row[0] if row else None
        counts: dict[AgendaKind, int] = {}
        for item in self.items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        summary = " · ".join(f"{n} {kind.label.lower()}" for kind, n in counts.items())
        who = f" for {safe_text(name)}" if name else ""
        self.query_one("#today-title", Static).update(
            Text(
                f"Today{who} — {ws.today().strftime('%a %d %b %Y')} · "
                f"{len(self.items)} items" + (f" ({summary})" if summary else "")
            )
        )

    @property
    def current_item(self) -> AgendaItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None:
            return None
        if 0 <= table.cursor_row < len(self.items):
            return self.items[table.cursor_row]
        return None

    @property
    def current_account_id(self) -> str | None:
        item = self.current_item
        return item.account_id if item else None

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    async def action_open(self) -> None:
        item = self.current_item
        if item is not None:
            await self.app.open_account(item.account_id)

    def _task_item(self) -> AgendaItem | None:
        item = self.current_item
        if item is None or item.task_id is None:
            self.notify("Pick a task row (What: Task) first.", severity="warning")
            return None
        return item

    def action_complete_task(self) -> None:
        item = self._task_item()
        if item is None:
            return
        ws = self.workspace
        try:
            complete_task(ws.conn, item.task_id, ws.meta("me") or "", ws.now())
        except (TaskNotFound, TaskError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Done: {safe_text(item.why)}")
        self.reload()

    def _snooze(self, days: int) -> None:
        item = self._task_item()
        if item is None:
            return
        ws = self.workspace
        until = ws.today() + timedelta(days=days)
        try:
            snooze_task(ws.conn, item.task_id, until, ws.now())
        except (TaskNotFound, TaskError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Snoozed until {until.strftime('%a %d %b')}")
        self.reload()

    def action_snooze_task(self) -> None:
        self._snooze(1)

    def action_snooze_week(self) -> None:
        self._snooze(7)
