"""Today: who needs me today, and why — ordered by tier, then urgency."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from csm_tui.domain.agenda import AgendaItem, AgendaKind
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, _, ngettext
from csm_tui.store.agenda import load_agenda
from csm_tui.ui.days import long_day, short_day
from csm_tui.ui.loading import ThreadReads
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.painted import call_after_paint
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.ui.widgets.virtual_table import Cell, Column, ListSource, VirtualTable
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.ui.app import CsmApp

KIND_STYLE = {
    AgendaKind.TASK: "strong",
    AgendaKind.ACTIVATION: "red",
    AgendaKind.TOUCH: None,
    AgendaKind.RENEWAL: "soon",
    AgendaKind.HEALTH_DROP: "overdue",
    AgendaKind.QBR: "visit",
    AgendaKind.ONSITE: "visit",
}
TIER_STYLE = {Tier.STRATEGIC: "strategic", Tier.ENTERPRISE: "enterprise"}


def item_key(item: AgendaItem) -> str:
    return f"{item.account_id}|{item.kind.value}|{item.task_id or ''}"


class AgendaTable(VirtualTable):
    """Today's items: tier and account stay put, the reason takes the room that is left
    and is cut at a word with an ellipsis."""

    COLUMNS = (
        Column("tier", N_("Tier"), 10),
        Column("account", N_("Account"), 16, flex=34, comfort=22, words=False),
        Column("kind", N_("What"), 11),
        Column("why", N_("Why"), 16, flex=120),
    )
    FROZEN = 2

    class Opened(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class Highlighted(Message):
        def __init__(self, key: str | None, index: int) -> None:
            super().__init__()
            self.key = key
            self.index = index

    def row_key(self, row: AgendaItem) -> str | None:
        return item_key(row)

    def cells(self, row: AgendaItem) -> list[Cell]:
        return [
            (_(row.tier.label), TIER_STYLE.get(row.tier)),
            (safe_text(row.account_name), None),
            (_(row.kind.label), KIND_STYLE.get(row.kind)),
            (safe_text(row.reason.render()), None),
        ]


_OWNS_AN_ACCOUNT = (
    "SELECT EXISTS (SELECT 1 FROM accounts WHERE owner_id = ? AND deleted_at IS NULL)"
)


class TodayScreen(ThreadReads, Screen[None]):
    """The CSM's agenda: overdue touches, tasks, renewals, activation risk, health drops.

    The agenda is read in a worker (ui/loading.py), once each time the screen shows and
    after a task is done or snoozed: the screen paints at once, the rows when read."""

    if TYPE_CHECKING:  # the app it runs in (ui/app.py imports this module)
        app = getters.app(CsmApp)

    TITLE = N_("Today")

    BINDINGS = [
        # priority: the account opens before the next key is routed (not via the table's
        # RowSelected message), so `enter` `6` `x` typed at speed all reach the account
        Binding("enter", "open", N_("Open"), id="today.open", priority=True),
        Binding("l", "app.log_activity", N_("Log"), id="today.log"),
        Binding("p", "app.prep", N_("Prep"), id="today.prep"),
        Binding("x", "complete_task", N_("Complete task"), id="today.complete_task"),
        Binding("z", "snooze_task", N_("Snooze task 1 day"), id="today.snooze_task"),
        Binding("Z", "snooze_week", N_("Snooze task 1 week"), id="today.snooze_week", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.items: list[AgendaItem] = []
        self._me: str | None = None
        self._name: str | None = None
        self._owns_accounts = True  # until the agenda is read
        self._read_after_paint = False

    def compose(self) -> ComposeResult:
        yield Static(
            Text(
                _("Today — {day} · reading the agenda…").format(
                    day=long_day(self.workspace.today())
                )
            ),
            id="today-title",
            markup=False,
        )
        yield AgendaTable(id="today-table")
        yield Static(id="today-empty", markup=False)
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AgendaTable).focus()  # the agenda loads when the screen shows

    def on_screen_resume(self) -> None:
        # Shown once: one read (a mode switch resumes twice). The read starts once the
        # screen has painted: the first frame needs no agenda, and a read started before it
        # shares the CPU with it (and the GIL: the agenda is built in Python).
        if not self.reads_in_flight() and not self._read_after_paint:
            self._read_after_paint = True
            call_after_paint(self, self._reload_after_paint)

    def _reload_after_paint(self) -> None:
        self._read_after_paint = False
        if self.is_attached and not self.reads_in_flight():
            self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the agenda again, in a worker; show it when read."""
        ws = self.workspace
        me = ws.meta("me")
        table = self.query_one(AgendaTable)
        empty = self.query_one("#today-empty", Static)
        if me is None:
            self.cancel_reads("agenda")
            self.items = []
            table.set_source(ListSource(self.items, item_key))
            empty.update(
                _(
                    "This cache does not say who you are, so there is no agenda. "
                    "Run csm-tui login, or open the portfolio with b."
                )
            )
            empty.display = True
            self._me = self._name = None
            self._title()
            return
        today, rules, zone = ws.today(), ws.settings.tier_rules, ws.zone

        def read(conn: sqlite3.Connection) -> tuple[str, str | None, bool, list[AgendaItem]]:
            row = conn.execute("SELECT name FROM users WHERE id = ?", (me,)).fetchone()
            agenda = load_agenda(conn, me, today, rules, zone=zone)
            # An empty agenda: nothing due, or no accounts at all (a lead: see Coverage).
            owns = bool(agenda) or bool(conn.execute(_OWNS_AN_ACCOUNT, (me,)).fetchone()[0])
            return me, row[0] if row else None, owns, agenda

        if not self.items:  # nothing shown yet: say the agenda is on its way
            self.query_one("#today-title", Static).update(
                Text(_("Today — {day} · reading the agenda…").format(day=long_day(today)))
            )
        self.read_in_thread("agenda", read, self._show_agenda, what=_("the agenda"))

    def _show_agenda(self, result: tuple[str, str | None, bool, list[AgendaItem]]) -> None:
        self._me, self._name, self._owns_accounts, items = result
        table = self.query_one(AgendaTable)
        keep = self.current_item
        self.items = items
        table.set_source(  # a done or snoozed item leaves the cursor where it was
            ListSource(self.items, item_key),
            keep_key=None if keep is None else item_key(keep),
            fallback=table.cursor_row,
        )
        empty = self.query_one("#today-empty", Static)
        empty.display = not self.items
        empty.update(self._nothing_words())
        self._title()

    def _nothing_words(self) -> str:
        if not self._owns_accounts:  # a team lead, an admin: their view is Coverage
            return _("You own no accounts, so your agenda is empty: press c for your team's "
                     "coverage, or b for the portfolio.")  # fmt: skip
        return _("Nothing needs you today. Enjoy it — or press b for the portfolio.")

    def _title(self) -> None:
        ws = self.workspace
        name = self._name
        counts: dict[AgendaKind, int] = {}
        for item in self.items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        summary = " · ".join(
            _("{n} {kind}").format(n=n, kind=_in_a_sentence(_(kind.label)))
            for kind, n in counts.items()
        )
        day = long_day(ws.today())
        n = len(self.items)
        items = ngettext("{n} item", "{n} items", n).format(n=n)
        if name:
            title = _("Today for {name} — {day} · {items}").format(
                name=safe_text(name), day=day, items=items
            )
        else:
            title = _("Today — {day} · {items}").format(day=day, items=items)
        self.query_one("#today-title", Static).update(
            Text(title + (_(" ({summary})").format(summary=summary) if summary else ""))
        )

    def retranslate(self) -> None:
        """The language changed: the title, the empty line and the rows, in it."""
        self.query_one(AgendaTable).refresh()
        if self._me is None:
            self.reload()  # no agenda: the empty line says why, in the new language
            return
        empty = self.query_one("#today-empty", Static)
        empty.update(self._nothing_words())
        self._title()

    @property
    def current_item(self) -> AgendaItem | None:
        if not self.items:
            return None
        return self.query_one(AgendaTable).current_row

    @property
    def current_account_id(self) -> str | None:
        item = self.current_item
        return item.account_id if item else None

    async def on_agenda_table_opened(self, event: AgendaTable.Opened) -> None:
        event.stop()
        await self.action_open()

    async def action_open(self) -> None:
        item = self.current_item
        if item is not None:
            await self.app.open_account(item.account_id)

    def _task_item(self) -> AgendaItem | None:
        item = self.current_item
        if item is None or item.task_id is None:
            self.notify(_("Pick a task row (What: Task) first."), severity="warning")
            return None
        return item

    def action_complete_task(self) -> None:
        item = self._task_item()
        if item is None or item.task_id is None:  # (`_task_item` said so)
            return
        from csm_tui.store.tasks import TaskError, TaskNotFound, complete_task

        ws = self.workspace
        try:
            complete_task(ws.conn, item.task_id, ws.meta("me") or "", ws.now())
        except (TaskNotFound, TaskError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(_("Done: {what}").format(what=safe_text(item.reason.render())))
        self.reload()

    def _snooze(self, days: int) -> None:
        item = self._task_item()
        if item is None or item.task_id is None:  # (`_task_item` said so)
            return
        from csm_tui.store.tasks import TaskError, TaskNotFound, snooze_task

        ws = self.workspace
        until = ws.today() + timedelta(days=days)
        try:
            snooze_task(ws.conn, item.task_id, until, ws.now())
        except (TaskNotFound, TaskError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(_("Snoozed until {day}").format(day=short_day(until)))
        self.reload()

    def action_snooze_task(self) -> None:
        self._snooze(1)

    def action_snooze_week(self) -> None:
        self._snooze(7)


def _in_a_sentence(label: str) -> str:
    """A kind's label inside a line: "health drop", but "QBR" stays an acronym."""
    return label if label.isupper() else label.lower()
