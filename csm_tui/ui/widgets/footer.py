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
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from csm_tui.i18n import _
from csm_tui.ui.painted import call_after_paint


class Footer(TextualFooter):
    _fitted_width = 0
    _shown: tuple[object, ...] | None = None  # what the keys composed last say
    _fit_pending = False  # keys composed, to be fitted once drawn
    _compose_pending = False  # keys to be composed again after the next refresh

    def _keys_to_show(self) -> tuple[object, ...]:
        """What the footer would show: each shown binding's key, words (in the current
        language), action and state, and the palette key's. A screen's bindings are
        "updated" several times as it mounts and takes focus, mostly to the same keys."""
        app = self.app
        return tuple(
            (
                binding.key,
                app.get_key_display(binding),
                _(binding.description),
                binding.action,
                enabled,
                _(str(tooltip)) if tooltip else "",
                binding.group.description if binding.group is not None else None,
            )
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Compose again only when the keys to show changed: composing the same ~13 keys
        again (three times as Today first shows) held its first paint back ~50 ms each.
        Nor twice for one change: a screen's bindings are updated again as it shows,
        before the keys of its first update are composed (pressing `c`: Coverage's 11 keys
        were made, mounted and styled twice, ~20 ms CPU); the composing to come reads the
        keys as they are then."""
        if screen is self.screen and self._bindings_ready:
            if self._compose_pending:
                return
            if self._shown is not None and self._keys_to_show() == self._shown:
                return
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self._compose_pending = True
        if self._shown is None:
            # A screen's first keys come once the screen has been drawn: its rows are what
            # a CSM reads first, and ~13 keys made, mounted and styled held Today's first
            # frame back ~60-100 ms (issue 12); the bar shows them a frame later.
            call_after_paint(self, self.recompose)
        else:
            self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        self._compose_pending = False
        self._shown = self._keys_to_show() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # The key starts in the style it ends in: Textual's starts compact, restyles
                # itself as it mounts and again as its data binding gives it the footer's
                # `compact` (every key's but the palette key's): ~5 ms a key, before a
                # screen first paints.
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
                widget.description = _(widget.description)
                if widget.tooltip:
                    widget.tooltip = _(str(widget.tooltip))
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.content)))
            yield widget
        self._fit_pending = True
        call_after_paint(self, lambda: self._fit(5))

    def on_resize(self) -> None:
        # (the first size comes while the keys just composed wait to be fitted: they are
        # fitted to it, not composed again)
        if self.size.width != self._fitted_width and not self._fit_pending:
            self.call_after_refresh(self.recompose)  # all keys again, then fit them

    def _fit(self, tries: int = 1) -> None:
        """Hide each key (in order, from the first that does not fit) that would run
        under the palette key or off the footer."""
        self._fit_pending = False
        if not self.is_attached or self.size.width <= 0:
            return
        keys = list(self.query_children(FooterKey))
        if any(k.display and not k.region.width for k in keys):  # not laid out yet
            if tries > 1:
                self._fit_pending = True
                call_after_paint(self, lambda: self._fit(tries - 1))
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
