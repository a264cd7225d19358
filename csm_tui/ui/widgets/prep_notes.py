"""The CSM's own prep notes on an account: a TextArea saved locally, never lost.

Saved on ctrl+s, when the editor loses focus and when it is unmounted; `e` hands the text
to $EDITOR. A save that fails keeps the text in the editor and says why.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from textual import getters
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from csm_tui.domain.prep import PrepNoteTooLong
from csm_tui.i18n import N_, Message, _
from csm_tui.store.prep import load_prep_note, save_prep_note
from csm_tui.ui.drafts import Draft, DraftKeeping
from csm_tui.workspace import Workspace


class PrepNotesEditor(Vertical):
    BINDINGS = [
        Binding("ctrl+s", "save_notes", N_("Save notes"), id="notes.save"),
        Binding("f2", "external_editor", N_("Edit in $EDITOR"), id="notes.editor"),
    ]
    HINT = N_("ctrl+s saves · saved on leaving · f2 opens $EDITOR")

    app = getters.app(DraftKeeping)

    def __init__(
        self, workspace: Workspace, account_id: str, *, text: str | None = None, **kw: Any
    ) -> None:
        """`text`: the note as stored, read already (in a worker); None: read it here."""
        super().__init__(**kw)
        self.workspace = workspace
        self.account_id = account_id
        self._stored = text
        self.refusal: Message | None = None  # why this user may not edit it (None: they may)

    def compose(self) -> ComposeResult:
        from csm_tui.store.ownership import write_refusal_in

        stored = self._stored
        if stored is None:
            stored = load_prep_note(self.workspace.conn, self.account_id)
        # A lead reads a CSM's note; what they typed there was refused at the next sync.
        self.refusal = write_refusal_in(
            self.workspace.conn, self.account_id, self.workspace.meta("me")
        )
        yield TextArea(stored, id="prep-notes", soft_wrap=True, read_only=bool(self.refusal))
        hint = self.HINT if self.refusal is None else self.refusal.render()
        yield Static(_(hint), id="prep-notes-state", markup=False)

    def on_mount(self) -> None:
        self._text = self._saved = self.query_one(TextArea).text
        self.app.hold_draft(self)
        # what the state line says (a msgid and its values), for `retranslate`
        self._state, self._state_values = self.HINT, {}
        if self.refusal is not None:
            self._state, self._state_values = self.refusal.template, dict(self.refusal.values)

    def _say(self, words: str, **values: object) -> None:
        self._state, self._state_values = words, values
        for state in self.query("#prep-notes-state").results(Static):
            state.update(_(words).format(**values))

    def retranslate(self) -> None:
        """The language changed: the state line again, in it."""
        self._say(self._state, **self._state_values)

    def unsaved_draft(self) -> Draft | None:
        """Typed here and not saved yet (kept in the drafts file if the app crashes)."""
        if not self.dirty:
            return None
        return {"kind": "prep_note", "account_id": self.account_id, "text": self.text}

    @property
    def dirty(self) -> bool:
        """Typed here and not saved yet. Only then may this editor write: another editor
        of the same note (the account tab, the call prep) may have saved since."""
        return self.text != self._saved

    def reload(self) -> None:
        """Show the note as stored, unless this editor holds unsaved typing."""
        if not self.dirty:
            self.show_stored(load_prep_note(self.workspace.conn, self.account_id))

    def show_stored(self, stored: str) -> None:
        """Show the note as stored (read elsewhere), unless this editor holds unsaved
        typing."""
        if "_saved" not in self.__dict__:  # not mounted yet: it starts with this text
            self._stored = stored
            for area in self.query(TextArea):
                area.text = stored
            return
        if self.dirty:
            return
        if stored != self._saved:
            self.query_one(TextArea).text = self._text = self._saved = stored

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # Kept beside the widget: on unmount the TextArea may already be gone.
        self._text = event.text_area.text

    @property
    def text(self) -> str:
        """What is typed now: the live TextArea while it exists (its Changed messages may
        still be queued), else the last text it reported."""
        areas = self.query(TextArea)
        if areas:
            self._text = areas.first().text
        return self._text

    def save(self, quiet: bool = False) -> bool:
        ws = self.workspace
        if not self.dirty:
            if not quiet:
                self._say(N_("no changes"))
            return True
        text = self.text
        try:
            revision = save_prep_note(ws.conn, self.account_id, text, ws.now())
        except PrepNoteTooLong as exc:
            self._say(N_("⚠ not saved: {why}"), why=str(exc))
            self.notify(_("Prep notes not saved: {why}").format(why=exc), severity="error")
            return False
        self._saved = text
        if revision is not None or not quiet:
            if revision:
                self._say(N_("saved {time}"), time=f"{ws.now().astimezone(ws.zone):%H:%M}")
            else:
                self._say(N_("no changes"))
        return True

    def action_save_notes(self) -> None:
        self.save()

    def on_descendant_blur(self) -> None:
        self.save(quiet=True)

    def on_unmount(self) -> None:
        self.app.release_draft(self)
        # Leaving the screen (or quitting) must never drop what was typed.
        with contextlib.suppress(sqlite3.ProgrammingError):  # the cache already closed
            self.save(quiet=True)

    def action_external_editor(self) -> None:
        if self.refusal is not None:
            self.notify(self.refusal.render(), severity="warning", timeout=8)
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify(
                _("Set $EDITOR (or $VISUAL) to edit notes in your editor."), severity="warning"
            )
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "prep-notes.md"
            path.write_text(self._text, encoding="utf-8")
            try:
                with self.app.suspend():
                    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
            except SuspendNotSupported:  # headless (tests): nothing to hand the screen back
                result = subprocess.run([*shlex.split(editor), str(path)], check=False)
            if result.returncode != 0:
                self.notify(
                    _("{editor} exited with {code}; notes unchanged.").format(
                        editor=editor, code=result.returncode
                    ),
                    severity="error",
                )
                return
            self.query_one(TextArea).text = self._text = path.read_text(encoding="utf-8")
        self.save()
