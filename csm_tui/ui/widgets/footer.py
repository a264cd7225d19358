"""The Footer, in the interface language: Textual's Footer, each key's description (a
Binding's English msgid, marked with `N_`) translated as it is shown.

Every screen yields this Footer, never `textual.widgets.Footer` (tests/test_i18n_lint.py
checks): after a language switch, `app.refresh_bindings()` makes it compose again.

The command palette's key (`^p`, docked right) is always whole, and `?` (help, which
lists every key) keeps its place before it: a key that does not fit entirely to their
left is not shown (it stays in `?` help and the palette), so no key is cut. A CJK
description cut in the middle of a wide character once pushed the palette key one cell
off the screen ("^p 命" at 80 columns in Chinese).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from csm_tui.i18n import _


class Footer(TextualFooter):
    _fitted_width = 0

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description)
                if widget.tooltip:
                    widget.tooltip = _(str(widget.tooltip))
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.content)))
            yield widget
        self.call_after_refresh(self._fit, 5)

    def on_resize(self) -> None:
        if self.size.width != self._fitted_width:
            self.call_after_refresh(self.recompose)  # all keys again, then fit them

    def _fit(self, tries: int = 1) -> None:
        """Hide each key (in order, from the first that does not fit) that would run
        under the palette key or off the footer."""
        if not self.is_attached or self.size.width <= 0:
            return
        keys = list(self.query_children(FooterKey))
        if any(k.display and not k.region.width for k in keys):  # not laid out yet
            if tries > 1:
                self.call_after_refresh(self._fit, tries - 1)
            return
        self._fitted_width = self.size.width
        palette = next((k for k in keys if k.has_class("-command-palette")), None)
        right = self.region.right if palette is None else palette.region.x
        others = [k for k in keys if k is not palette and k.display]
        if not others:
            return
        gap = max(0, others[1].region.x - others[0].region.right) if len(others) > 1 else 0
        help_key = next((k for k in others if k.action.rpartition(".")[2] == "help"), None)
        room = right - (help_key.region.width + gap if help_key is not None else 0)
        x = others[0].region.x
        full = False
        for key in others:
            if key is help_key:
                continue
            full = full or x + key.region.width > room
            if full:
                key.display = False
            else:
                x += key.region.width + gap
        if help_key is not None and x + help_key.region.width > right:
            help_key.display = False
