"""Sync: where sync stands, what is pending, conflicts to resolve, changes refused."""

from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Static

from csm_tui.domain.text import safe_text
from csm_tui.store import outbox
from csm_tui.sync.conflicts import (
    Conflict,
    ConflictError,
    RejectedChange,
    dismiss_rejected,
    list_conflicts,
    list_handed_over,
    list_rejected,
    resolve_conflict,
    retry_rejected,
)
from csm_tui.sync.engine import sync_status
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace


def shown(value) -> str:
    return safe_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


class EditConflictScreen(ModalScreen[dict | None]):
    """Edit the values in conflict: starts from mine, shows theirs beside each."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="conflict.save"),
        Binding("escape", "cancel", "Cancel", id="conflict.cancel"),
    ]

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="conflict-form"):
            yield Static(f"Edit {self.conflict.kind} — the values to keep", classes="form-title")
            theirs = self.conflict.theirs()
            for name, value in self.conflict.mine().items():
                yield Label(f"{name} (theirs: {shown(theirs.get(name))})", classes="form-label")
                yield Input("" if value is None else str(value), id=f"edit-{name}")

    def action_save(self) -> None:
        self.dismiss(
            {
                name: self.query_one(f"#edit-{name}", Input).value or None
                for name in self.conflict.fields
            }
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class SyncScreen(Screen[None]):
    TITLE = "Sync"

    BINDINGS = [
        Binding("S", "app.sync_now", "Sync now", id="sync.now"),
        Binding("m", "resolve('mine')", "Keep mine", id="sync.mine"),
        Binding("T", "resolve('theirs')", "Take theirs", id="sync.theirs"),
        Binding("e", "edit", "Edit", id="sync.edit"),
        Binding("r", "retry", "Retry refused", id="sync.retry"),
        Binding("d", "dismiss_rejected", "Dismiss refused", id="sync.dismiss"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.conflicts: list[Conflict] = []
        self.rejected: list[RejectedChange] = []

    def compose(self) -> ComposeResult:
        yield Static(id="sync-title")
        with VerticalScroll(id="sync-body"):
            yield Static(id="sync-state")
            yield Static(
                "Conflicts — m keep mine · T take theirs · e edit", classes="section-label"
            )
            yield DataTable(id="sync-conflicts", cursor_type="row")
            yield Static("Refused by the server — r retry · d dismiss", classes="section-label")
            yield DataTable(id="sync-rejected", cursor_type="row")
            yield Static(
                "Kept on the server, no longer in your book (the account was moved or deleted)",
                classes="section-label",
            )
            yield DataTable(id="sync-handed-over", cursor_type="row")
            yield Static("Pending changes (pushed on the next sync)", classes="section-label")
            yield DataTable(id="sync-pending", cursor_type="row")
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sync-conflicts", DataTable).add_columns(
            "Record", "Field", "Mine", "Theirs"
        )
        self.query_one("#sync-rejected", DataTable).add_columns("Change", "Why")
        self.query_one("#sync-handed-over", DataTable).add_columns("Kind", "What you wrote")
        self.query_one("#sync-pending", DataTable).add_columns(
            "#", "Kind", "Op", "Record", "Queued", "Tries", "Last error"
        )
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        ws = self.workspace
        status = sync_status(ws.conn, ws.now())
        who = (
            ws.conn.execute("SELECT name FROM users WHERE id = ?", (status.me,)).fetchone()
            if status.me
            else None
        )
        lines = [
            f"Server: {status.server_url or 'none (local only) — csm-tui login --server URL'}",
            f"You: {safe_text(who[0]) if who else status.me or 'unknown'}",
            f"Last sync: {status.last_sync_at.astimezone():%Y-%m-%d %H:%M}"
            if status.last_sync_at
            else "Last sync: never",
            f"Pending: {status.pending} · conflicts: {status.conflicts} · "
            f"refused: {status.rejected}",
        ]
        if status.last_error:
            lines.append(f"Last error: {safe_text(status.last_error)}")
        self.query_one("#sync-state", Static).update(Text("\n".join(lines)))
        self.query_one("#sync-title", Static).update(Text(f"Sync — {status.text}"))

        self.conflicts = list_conflicts(ws.conn)
        table = self.query_one("#sync-conflicts", DataTable)
        table.clear()
        for conflict in self.conflicts:
            theirs = conflict.theirs()
            fields = conflict.fields or ["(record)"]
            table.add_row(
                Text(f"{conflict.kind} {conflict.record_id[:8]}…"),
                Text(", ".join(fields)),
                Text(", ".join(shown(conflict.local_fields.get(f)) for f in fields)),
                Text(
                    "deleted on the server"
                    if conflict.deleted_on_server
                    else ", ".join(shown(theirs.get(f)) for f in fields)
                ),
            )
        self.rejected = list_rejected(ws.conn)
        table = self.query_one("#sync-rejected", DataTable)
        table.clear()
        for change in self.rejected:
            table.add_row(Text(safe_text(change.describe())), Text(safe_text(change.message)))
        table = self.query_one("#sync-handed-over", DataTable)
        table.clear()
        for gone in list_handed_over(ws.conn):
            fields = gone.item.fields if isinstance(gone.item.fields, dict) else {}
            what = fields.get("summary") or fields.get("title") or gone.item.record_id
            table.add_row(gone.item.kind, Text(safe_text(str(what))))
        table = self.query_one("#sync-pending", DataTable)
        table.clear()
        for item in outbox.pending(ws.conn, limit=500):
            table.add_row(
                str(item.seq),
                item.kind,
                item.op,
                item.record_id[:13],
                f"{item.created_at.astimezone():%m-%d %H:%M}",
                str(item.attempts),
                Text(safe_text(item.last_error or "")),
            )

    def _conflict(self) -> Conflict | None:
        table = self.query_one("#sync-conflicts", DataTable)
        if not self.conflicts or table.cursor_row is None:
            self.notify("No conflict to resolve.", severity="warning")
            return None
        return self.conflicts[min(table.cursor_row, len(self.conflicts) - 1)]

    def action_resolve(self, choice: str, edited: dict | None = None) -> None:
        conflict = self._conflict()
        if conflict is None:
            return
        ws = self.workspace
        try:
            resolve_conflict(ws.conn, conflict.id, choice, edited, now=ws.now())
        except ConflictError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(
            {
                "mine": "Kept yours; it will be pushed on the next sync.",
                "theirs": "Took the server's values.",
                "edit": "Saved your edit; it will be pushed on the next sync.",
            }[choice]
        )
        self.reload()

    def action_edit(self) -> None:
        conflict = self._conflict()
        if conflict is None:
            return

        def done(values: dict | None) -> None:
            if values:
                self.action_resolve("edit", values)

        self.app.push_screen(EditConflictScreen(conflict), done)

    def _rejected(self) -> RejectedChange | None:
        table = self.query_one("#sync-rejected", DataTable)
        if not self.rejected or table.cursor_row is None:
            self.notify("No refused change here.", severity="warning")
            return None
        return self.rejected[min(table.cursor_row, len(self.rejected) - 1)]

    def action_retry(self) -> None:
        change = self._rejected()
        if change is not None:
            retry_rejected(self.workspace.conn, change.item.mutation_id, now=self.workspace.now())
            self.reload()

    def action_dismiss_rejected(self) -> None:
        change = self._rejected()
        if change is not None:
            dismiss_rejected(self.workspace.conn, change.item.mutation_id)
            self.reload()

    @on(DataTable.RowSelected, "#sync-conflicts")
    def _conflict_selected(self) -> None:
        self.action_edit()
