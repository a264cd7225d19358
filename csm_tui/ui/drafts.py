"""Unsaved typing survives a crash.

Widgets that hold typed, unsaved text (the log form, the contact form, the prep-notes
editor) register with the app and answer `unsaved_draft()` with a plain dict, or None when
nothing is typed. When an unhandled exception is about to end the app, it writes every
draft to a file beside the cache, readable by the user only (0600); the next start takes
them back (the log and contact forms reopen pre-filled) and keeps the file as
`….restored.json` so nothing is lost if the user walks away again.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.screen import Screen

from csm_tui.i18n import N_, _
from csm_tui.workspace import Workspace

DRAFT_KIND = {"log": N_("log"), "contact": N_("contact"), "prep_note": N_("prep note")}
"""A draft's kind in words (msgids), as the crash notice names it."""

Draft = dict[str, Any]


@runtime_checkable
class HoldsDraft(Protocol):
    def unsaved_draft(self) -> Draft | None: ...


def drafts_path(db_path: Path) -> Path:
    """Where the drafts of the cache at `db_path` are kept: beside it."""
    return db_path.with_name(db_path.name + ".drafts.json")


def restored_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".drafts.restored.json")


def collect(holders: list[HoldsDraft]) -> list[Draft]:
    """Every holder's draft; a holder that fails to answer is skipped (the app is already
    failing: saving drafts must not fail with it)."""
    drafts = []
    for holder in holders:
        try:
            draft = holder.unsaved_draft()
        except Exception:  # best effort while the app is crashing
            continue
        if draft:
            drafts.append(draft)
    return drafts


def write_drafts(path: Path, drafts: list[Draft]) -> Path:
    """Write `drafts` to `path` atomically, readable and writable by the user only."""
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"version": 1, "drafts": drafts}, out, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
    return path


def take_drafts(db_path: Path) -> tuple[list[Draft], Path | None]:
    """The drafts a crash left for this cache, and where they are kept from now on
    (moved aside so they are offered once). ([], None) when there are none."""
    path = drafts_path(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], None
    except (OSError, ValueError):
        return [], path  # unreadable: leave it where it is and say where
    drafts = [d for d in data.get("drafts", []) if isinstance(d, dict)]
    kept = restored_path(db_path)
    os.replace(path, kept)
    return drafts, kept


class DraftKeeping(App[None]):
    """A mixin of `CsmApp`: the registry of draft holders, the crash hook, the restore."""

    workspace: Workspace

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._draft_holders: list[HoldsDraft] = []
        self.drafts_saved_to: Path | None = None

    def hold_draft(self, holder: HoldsDraft) -> None:
        """`holder` has typing to keep if the app crashes (until `release_draft`)."""
        if holder not in self._draft_holders:
            self._draft_holders.append(holder)

    def release_draft(self, holder: HoldsDraft) -> None:
        with contextlib.suppress(ValueError):
            self._draft_holders.remove(holder)

    def save_drafts(self) -> Path | None:
        """Write every holder's unsaved typing beside the cache; the path, or None."""
        drafts = collect(self._draft_holders)
        if not drafts:
            return None
        try:
            self.drafts_saved_to = write_drafts(drafts_path(self.workspace.db_path), drafts)
        except OSError:
            return None
        return self.drafts_saved_to

    def _handle_exception(self, error: Exception) -> None:
        # Textual routes every unhandled exception here and then exits (status 1); it has
        # no public hook for it. Keep the typing first, while the widgets still hold it.
        if self.drafts_saved_to is None:
            self.save_drafts()
        super()._handle_exception(error)

    def log_closed(self, result: Any) -> None:
        """The log form closed with `result` (None: cancelled); the app confirms it."""

    def restore_drafts(self) -> None:
        """Offer what the last crash kept: the first log form (or contact form) reopens
        pre-filled; the notification names the file that keeps all of them."""
        drafts, kept = take_drafts(self.workspace.db_path)
        if kept is None:
            return
        if not drafts:
            self.notify(
                _("Could not read the drafts kept in {path}.").format(path=kept),
                severity="warning",
            )
            return
        for draft in drafts:
            screen = _form_for(self.workspace, draft)
            if screen is not None:
                # the log form reports back as when `l` opens it (notification, refresh)
                done = self.log_closed if draft["kind"] == "log" else None
                self.push_screen(screen, done)
                kind = DRAFT_KIND.get(draft["kind"])
                self.notify(
                    _(
                        "Your unsaved {kind} from the last session is back in the form; "
                        "every draft it left is kept in {path}"
                    ).format(kind=_(kind) if kind else draft["kind"], path=kept),
                    severity="warning",
                    timeout=15,
                )
                return
        self.notify(
            _("Unsaved text from the last session is kept in {path}").format(path=kept),
            severity="warning",
            timeout=15,
        )


def _form_for(workspace: Workspace, draft: Draft) -> Screen[Any] | None:
    """The form that takes `draft` back, pre-filled; None for drafts kept only in the file."""
    fields = draft.get("fields")
    account_id = draft.get("account_id")
    if not isinstance(fields, dict) or not isinstance(account_id, str):
        return None
    exists = workspace.conn.execute(
        "SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
    ).fetchone()
    if exists is None:
        return None
    if draft.get("kind") == "log":
        from csm_tui.ui.screens.log_activity import LogActivityScreen

        return LogActivityScreen(
            workspace, account_id, str(draft.get("account_name", "")), prefill=fields
        )
    if draft.get("kind") == "contact" and draft.get("contact_id") is None:
        from csm_tui.ui.screens.contact_form import ContactFormScreen

        return ContactFormScreen(workspace, account_id, prefill=fields)
    return None
