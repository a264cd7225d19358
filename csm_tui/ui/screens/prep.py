"""Call prep: a one-screen brief generated from the cache, beside the CSM's own notes.

The brief is the same Markdown sheet `x` exports, shown as it will be written.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Markdown, Static

from csm_tui.domain.prep import PrepBrief, render_prep_markdown
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _
from csm_tui.store.prep import PrepExportError, build_prep_brief, export_prep
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.prep_notes import PrepNotesEditor
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.workspace import Workspace

"""The sheet in the interface language (shown and exported as the user reads it)."""


def default_export_path(name: str, today: date) -> Path:
    slug = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower()[:40] or "account"
    return Path.cwd() / f"prep-{slug}-{today.isoformat()}.md"


class ExportPathScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="export.cancel")]

    def __init__(self, suggested: Path) -> None:
        super().__init__()
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(id="export-form", classes="form"):
            yield Label(
                _("Export the call-prep sheet to (Markdown):"), classes="form-label", markup=False
            )
            yield Input(str(self.suggested), id="export-path")
            yield Static(id="export-error", classes="form-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-error", Static).display = False

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            error = self.query_one("#export-error", Static)
            error.update(_("⚠ type a file name"))
            error.display = True
            return
        self.dismiss(Path(event.value.strip()).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)


class PrepScreen(Screen[None]):
    TITLE = N_("Call prep")

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="prep.back"),
        Binding("ctrl+o", "export", N_("Export Markdown"), id="prep.export"),
        Binding("r", "refresh_brief", N_("Refresh brief"), id="prep.refresh"),
        Binding("e", "edit_notes", N_("Notes in $EDITOR"), id="prep.editor"),
    ]

    def __init__(self, workspace: Workspace, account_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self.brief: PrepBrief | None = None

    @property
    def current_account_id(self) -> str:
        return self.account_id

    def compose(self) -> ComposeResult:
        yield Static(id="prep-title", markup=False)
        with Horizontal(id="prep-body"):
            with VerticalScroll(id="prep-brief-box"):
                yield Markdown(id="prep-brief")
            with Vertical(id="prep-notes-box"):
                yield Static(
                    _("My notes"), classes="section-label", id="prep-notes-label", markup=False
                )
                yield PrepNotesEditor(self.workspace, self.account_id, id="prep-notes-editor")
        yield SyncStatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh_brief()
        # focus now: keys typed as soon as the sheet shows belong in my notes
        self.set_focus(self.query_one("#prep-notes"), scroll_visible=False)

    def _markdown(self, brief: PrepBrief) -> str:
        notes = self.query_one(PrepNotesEditor).text
        return render_prep_markdown(brief, notes, self.workspace.today())

    def action_refresh_brief(self) -> None:
        ws = self.workspace
        self.brief = brief = build_prep_brief(
            ws.conn, self.account_id, ws.now(), ws.settings.tier_rules, zone=ws.zone
        )
        self._show_title(brief)
        brief_only = render_prep_markdown(brief, "", ws.today())
        self.query_one("#prep-brief", Markdown).update(safe_text(brief_only, multiline=True))

    def _show_title(self, brief: PrepBrief) -> None:
        self.query_one("#prep-title", Static).update(
            _("Call prep — {name}").format(name=safe_text(brief.name))
        )

    def retranslate(self) -> None:
        """The language changed: the title, the notes' label and hint again."""
        self.query_one("#prep-notes-label", Static).update(_("My notes"))
        if self.brief is not None:
            self._show_title(self.brief)
            self.action_refresh_brief()
        self.query_one(PrepNotesEditor).retranslate()

    def action_export(self) -> None:
        brief = self.brief
        if brief is None:  # not read yet (`on_mount` reads it)
            return
        editor = self.query_one(PrepNotesEditor)
        editor.save(quiet=True)

        def write(path: Path | None) -> None:
            if path is None:
                return
            try:
                written = export_prep(path, self._markdown(brief))
            except PrepExportError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.notify(_("Exported to {path}").format(path=written))

        self.app.push_screen(
            ExportPathScreen(default_export_path(brief.name, self.workspace.today())), write
        )

    def action_edit_notes(self) -> None:
        self.query_one(PrepNotesEditor).action_external_editor()

    def action_back(self) -> None:
        self.query_one(PrepNotesEditor).save(quiet=True)
        self.dismiss()
