"""Add or edit a stakeholder: name, role (sponsor, champion, user, blocker), title, email."""

from __future__ import annotations

import contextlib
from typing import Any

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.select import InvalidSelectValueError

from csm_tui.domain.records import ContactRole
from csm_tui.i18n import N_, _, pgettext
from csm_tui.store.contacts import (
    ContactInvalid,
    ContactNotFound,
    ContactView,
    add_contact,
    update_contact,
)
from csm_tui.ui.drafts import DraftKeeping
from csm_tui.ui.labels import role_label
from csm_tui.ui.screens.confirm import ConfirmDiscardScreen
from csm_tui.workspace import Workspace

FIELDS = ("name", "role", "title", "email", "phone")


class ContactFormScreen(ModalScreen[bool]):
    app = getters.app(DraftKeeping)

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="contact.save"),
        Binding("escape", "cancel", N_("Cancel"), id="contact.cancel"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        account_id: str,
        contact: ContactView | None = None,
        prefill: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self.contact = contact
        self.prefill = prefill
        self._as_opened: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        c = self.contact
        with VerticalScroll(id="contact-form", classes="form"):
            yield Static(
                _("Edit stakeholder") if c else _("Add stakeholder"),
                classes="form-title",
                markup=False,
            )
            yield Label(_("Name"), classes="form-label", markup=False)
            yield Input(c.name if c else "", id="field-name")
            yield Static(id="error-name", classes="form-error", markup=False)
            yield Label(_("Role"), classes="form-label", markup=False)
            yield Select(
                [(role_label(r).capitalize(), r.value) for r in ContactRole],
                value=(c.role.value if c else ContactRole.USER.value),
                allow_blank=False,
                id="field-role",
            )
            yield Static(id="error-role", classes="form-error", markup=False)
            yield Label(pgettext("contact field", "Title"), classes="form-label", markup=False)
            yield Input(c.title if c else "", id="field-title")
            yield Static(id="error-title", classes="form-error", markup=False)
            yield Label(pgettext("contact field", "Email"), classes="form-label", markup=False)
            yield Input(c.email if c else "", id="field-email")
            yield Static(id="error-email", classes="form-error", markup=False)
            yield Label(_("Phone"), classes="form-label", markup=False)
            yield Input(c.phone if c else "", id="field-phone")
            yield Static(id="error-phone", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(_("Save  ctrl+s"), variant="primary", id="contact-save")
                yield Button(_("Cancel  esc"), id="contact-cancel")

    def on_mount(self) -> None:
        for name in FIELDS:
            self.query_one(f"#error-{name}", Static).display = False
        self._as_opened = self._values()
        for name, value in (self.prefill or {}).items():
            if name in FIELDS and name != "role" and isinstance(value, str):
                self.query_one(f"#field-{name}", Input).value = value
        if self.prefill and isinstance(self.prefill.get("role"), str):
            with contextlib.suppress(InvalidSelectValueError):
                self.query_one("#field-role", Select).value = self.prefill["role"]
        self.app.hold_draft(self)
        self.set_focus(self.query_one("#field-name", Input), scroll_visible=False)

    def on_unmount(self) -> None:
        self.app.release_draft(self)

    def unsaved_draft(self) -> dict[str, Any] | None:
        """What is typed and not saved; None when the form is as it opened."""
        if not self.is_mounted:
            return None
        values = self._values()
        if values == self._as_opened:
            return None
        return {
            "kind": "contact",
            "account_id": self.account_id,
            "contact_id": self.contact.id if self.contact else None,
            "fields": values,
        }

    def _values(self) -> dict[str, str]:
        values = {
            name: self.query_one(f"#field-{name}", Input).value for name in FIELDS if name != "role"
        }
        values["role"] = str(self.query_one("#field-role", Select).value)
        return values

    def action_save(self) -> None:
        ws = self.workspace
        values = self._values()
        try:
            if self.contact is None:
                add_contact(ws.conn, self.account_id, now=ws.now(), **values)
            else:
                update_contact(ws.conn, self.contact.id, now=ws.now(), **values)
        except ContactInvalid as exc:
            by_field: dict[str, list[str]] = {}
            for error in exc.errors:
                by_field.setdefault(error.field, []).append(error.message)
            for name in FIELDS:
                box = self.query_one(f"#error-{name}", Static)
                box.display = name in by_field
                box.update("⚠ " + _("; ").join(by_field.get(name, [])))
            return
        except ContactNotFound as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close the form; typed text is thrown away only when the user says so."""
        if self.unsaved_draft() is None:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(ConfirmDiscardScreen("Throw away this contact?"), answered)

    @on(Button.Pressed, "#contact-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#contact-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
