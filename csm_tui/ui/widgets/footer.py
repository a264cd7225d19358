"""The Footer, in the interface language: Textual's Footer, each key's description (a
Binding's English msgid, marked with `N_`) translated as it is shown.

Every screen yields this Footer, never `textual.widgets.Footer` (tests/test_i18n_lint.py
checks): after a language switch, `app.refresh_bindings()` makes it compose again.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from csm_tui.i18n import _


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description)
                if widget.tooltip:
                    widget.tooltip = _(str(widget.tooltip))
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.content)))
            yield widget
