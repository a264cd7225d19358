"""Sync: where sync stands, what is pending, conflicts to resolve, changes refused."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Static

from csm_tui import protocol as p
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, NC_, _
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
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace

KIND_LABEL = {
    p.KIND_ACCOUNT: N_("account"),
    p.KIND_ACCOUNT_SIGNALS: N_("account_signals"),
    p.KIND_CONTACT: N_("contact"),
    p.KIND_ACTIVITY: N_("activity"),
    p.KIND_TASK: N_("task"),
    p.KIND_CHECKLIST_ITEM: N_("checklist_item"),
    p.KIND_STAGE_CHANGE: N_("stage_change"),
    p.KIND_HEALTH_SNAPSHOT: N_("health_snapshot"),
    p.KIND_PREP_NOTE_REVISION: N_("prep_note_revision"),
    p.KIND_ARR_EVENT: N_("arr_event"),
    p.KIND_RENEWAL_DECISION: N_("renewal_decision"),
    p.KIND_TIER_OVERRIDE: N_("tier_override"),
    p.KIND_USER: NC_("app user", "user"),
    p.KIND_TEAM: N_("team"),
    p.KIND_USAGE_WEEK: N_("usage_week"),
    p.KIND_SUPPORT_TICKET: N_("support_ticket"),
    p.KIND_SURVEY_RESPONSE: N_("survey_response"),
    p.KIND_INVOICE: N_("invoice"),
}
"""What each kind of record is called: in English the sync protocol's code as the screen
always showed it, in Chinese a word."""
OP_LABEL = {p.OP_UPSERT: N_("upsert"), p.OP_DELETE: N_("delete")}


def kind_words(kind: str) -> str:
    """A record kind in the interface language (an unknown code as it is)."""
    return _(KIND_LABEL[kind]) if kind in KIND_LABEL else kind


RESOLVED = {
    "mine": N_("Kept yours; it will be pushed on the next sync."),
    "theirs": N_("Took the server's values."),
    "edit": N_("Saved your edit; it will be pushed on the next sync."),
}
"""What resolving a conflict did, by the choice made."""


def shown(value: object) -> str:
    return safe_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


class EditConflictScreen(ModalScreen[dict[str, Any] | None]):
    """Edit the values in conflict: starts from mine, shows theirs beside each."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="conflict.save"),
        Binding("escape", "cancel", N_("Cancel"), id="conflict.cancel"),
    ]

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="conflict-form"):
            yield Static(
                _("Edit {kind} — the values to keep").format(kind=kind_words(self.conflict.kind)),
                classes="form-title",
                markup=False,
            )
            theirs = self.conflict.theirs()
            for name, value in self.conflict.mine().items():
                yield Label(
                    _("{field} (theirs: {value})").format(
                        field=name, value=shown(theirs.get(name))
                    ),
                    classes="form-label",
                    markup=False,
                )
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
    TITLE = N_("Sync")

    BINDINGS = [
        Binding("S", "app.sync_now", N_("Sync now"), id="sync.now"),
        Binding("m", "resolve('mine')", N_("Keep mine"), id="sync.mine"),
        Binding("T", "resolve('theirs')", N_("Take theirs"), id="sync.theirs"),
        Binding("e", "edit", N_("Edit"), id="sync.edit"),
        Binding("r", "retry", N_("Retry refused"), id="sync.retry"),
        Binding("d", "dismiss_rejected", N_("Dismiss refused"), id="sync.dismiss"),
    ]
    LABELS = {
        "#sync-conflicts-label": N_("Conflicts — m keep mine · T take theirs · e edit"),
        "#sync-rejected-label": N_("Refused by the server — r retry · d dismiss"),
        "#sync-handed-over-label": N_(
            "Kept on the server, no longer in your book (the account was moved or deleted)"
        ),
        "#sync-pending-label": N_("Pending changes (pushed on the next sync)"),
    }
    """The section labels (set once; `retranslate` says them again)."""
    COLUMNS = {
        "#sync-conflicts": (N_("Record"), N_("Field"), N_("Mine"), N_("Theirs")),
        "#sync-rejected": (N_("Change"), N_("Why")),
        "#sync-handed-over": (N_("Kind"), N_("What you wrote")),
        "#sync-pending": (
            "#",
            N_("Kind"),
            N_("Op"),
            N_("Record"),
            N_("Queued"),
            N_("Tries"),
            N_("Last error"),
        ),
    }

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.conflicts: list[Conflict] = []
        self.rejected: list[RejectedChange] = []

    def compose(self) -> ComposeResult:
        yield Static(id="sync-title", markup=False)
        with VerticalScroll(id="sync-body"):
            yield Static(id="sync-state", markup=False)
            for table_id in self.COLUMNS:
                label = f"{table_id}-label"
                yield Static(
                    _(self.LABELS[label]), classes="section-label", id=label[1:], markup=False
                )
                yield DataTable(id=table_id[1:], cursor_type="row")
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self._columns()
        self.reload()

    def _columns(self) -> None:
        for table_id, titles in self.COLUMNS.items():
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.add_columns(*(_(title) for title in titles))

    def retranslate(self) -> None:
        """The language changed: the labels, the column titles and the state again."""
        for label, words in self.LABELS.items():
            self.query_one(label, Static).update(_(words))
        self._columns()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
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
            _("Server: {server}").format(
                server=status.server_url or _("none (local only) — csm-tui login --server URL")
            ),
            _("You: {who}").format(who=safe_text(who[0]) if who else status.me or _("unknown")),
            _("Last sync: {when}").format(
                when=f"{status.last_sync_at.astimezone(ws.zone):%Y-%m-%d %H:%M}"
                if status.last_sync_at
                else _("never")
            ),
            _("Pending: {pending} · conflicts: {conflicts} · refused: {refused}").format(
                pending=status.pending, conflicts=status.conflicts, refused=status.rejected
            ),
        ]
        if status.last_error:
            lines.append(_("Last error: {error}").format(error=safe_text(status.last_error)))
        self.query_one("#sync-state", Static).update(Text("\n".join(lines)))
        self.query_one("#sync-title", Static).update(
            Text(_("Sync — {status}").format(status=status.text))
        )

        self.conflicts = list_conflicts(ws.conn)
        table = self.query_one("#sync-conflicts", DataTable)
        table.clear()
        for conflict in self.conflicts:
            theirs = conflict.theirs()
            fields = conflict.fields or [_("(record)")]
            table.add_row(
                Text(f"{kind_words(conflict.kind)} {conflict.record_id[:8]}…"),
                Text(", ".join(fields)),
                Text(", ".join(shown(conflict.local_fields.get(f)) for f in fields)),
                Text(
                    _("deleted on the server")
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
            typed = gone.item.fields if isinstance(gone.item.fields, dict) else {}
            what = typed.get("summary") or typed.get("title") or gone.item.record_id
            table.add_row(kind_words(gone.item.kind), Text(safe_text(str(what))))
        table = self.query_one("#sync-pending", DataTable)
        table.clear()
        for item in outbox.pending(ws.conn, limit=500):
            table.add_row(
                str(item.seq),
                kind_words(item.kind),
                _(OP_LABEL[item.op]) if item.op in OP_LABEL else item.op,
                item.record_id[:13],
                f"{item.created_at.astimezone(ws.zone):%m-%d %H:%M}",
                str(item.attempts),
                Text(safe_text(item.last_error or "")),
            )

    def _conflict(self) -> Conflict | None:
        table = self.query_one("#sync-conflicts", DataTable)
        if not self.conflicts or table.cursor_row is None:
            self.notify(_("No conflict to resolve."), severity="warning")
            return None
        return self.conflicts[min(table.cursor_row, len(self.conflicts) - 1)]

    def action_resolve(self, choice: str, edited: dict[str, Any] | None = None) -> None:
        conflict = self._conflict()
        if conflict is None:
            return
        ws = self.workspace
        try:
            resolve_conflict(ws.conn, conflict.id, choice, edited, now=ws.now())
        except ConflictError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(_(RESOLVED[choice]))
        self.reload()

    def action_edit(self) -> None:
        conflict = self._conflict()
        if conflict is None:
            return

        def done(values: dict[str, Any] | None) -> None:
            if values:
                self.action_resolve("edit", values)

        self.app.push_screen(EditConflictScreen(conflict), done)

    def _rejected(self) -> RejectedChange | None:
        table = self.query_one("#sync-rejected", DataTable)
        if not self.rejected or table.cursor_row is None:
            self.notify(_("No refused change here."), severity="warning")
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
