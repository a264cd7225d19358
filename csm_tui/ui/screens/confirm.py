"""Ask before typed text is thrown away: `d` discards, `esc` (or `n`) keeps editing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmDiscardScreen(ModalScreen[bool]):
    """Returns True to discard, False to go back to the form with everything as it was."""

    BINDINGS = [
        Binding("d", "discard", "Discard", id="confirm.discard"),
        Binding("escape,n", "keep", "Keep editing", id="confirm.keep"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            yield Static("What you typed is not saved.", id="confirm-why")
            with Horizontal(id="confirm-buttons"):
                yield Button("Keep editing  esc", variant="primary", id="confirm-keep")
                yield Button("Discard  d", variant="error", id="confirm-discard")

    def on_mount(self) -> None:
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
