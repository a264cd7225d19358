"""Ask before typed text is thrown away: `d` discards, `esc` (or `n`) keeps editing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from csm_tui.i18n import N_, _


class ConfirmDiscardScreen(ModalScreen[bool]):
    """Returns True to discard, False to go back to the form with everything as it was."""

    BINDINGS = [
        Binding("d", "discard", N_("Discard"), id="confirm.discard"),
        Binding("escape,n", "keep", N_("Keep editing"), id="confirm.keep"),
    ]

    def __init__(self, question: str) -> None:
        """`question` is a msgid (marked `N_` by the caller): shown in the interface language."""
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(id="confirm-question", markup=False)
            yield Static(id="confirm-why", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("", variant="primary", id="confirm-keep")
                yield Button("", variant="error", id="confirm-discard")

    def retranslate(self) -> None:
        """Set (again) every text in the interface language."""
        self.query_one("#confirm-question", Static).update(_(self.question))
        self.query_one("#confirm-why", Static).update(_("What you typed is not saved."))
        self.query_one("#confirm-keep", Button).label = _("Keep editing  esc")
        self.query_one("#confirm-discard", Button).label = _("Discard  d")

    def on_mount(self) -> None:
        self.retranslate()
        self.set_focus(self.query_one("#confirm-keep", Button), scroll_visible=False)

    def action_discard(self) -> None:
        self.dismiss(True)

    def action_keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm-discard")
    def _discard(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-keep")
    def _keep(self) -> None:
        self.dismiss(False)
