"""How keys reach their bindings, and where the screen keys (`t` `b` `c` `y`) go.

A mixin of `CsmApp`, kept apart so app.py stays small.
"""

from __future__ import annotations

import sys

from textual import events
from textual.app import App
from textual.widgets import Input, Select

from csm_tui.i18n import _
from csm_tui.ui.drafts import HoldsDraft
from csm_tui.workspace import Workspace


def _text_fields() -> tuple[type, ...]:
    """The widgets that read keys themselves. TextArea only once its module is loaded (no
    TextArea exists before): importing it costs more than the rest of the first paint's
    own modules, and the first screens have none."""
    area = sys.modules.get("textual.widgets._text_area")
    return (Input, Select) if area is None else (Input, Select, area.TextArea)


class KeysAndNavigation(App[None]):
    workspace: Workspace

    async def on_event(self, event: events.Event) -> None:
        """Run a key's binding when the key arrives, not after it has travelled to the
        focused widget and back: a binding that switches the screen or moves the focus
        (`b`, `/`, `5`) then takes effect before the next key is routed, so keys typed
        right after it reach the screen or field that is about to show, each exactly once.
        Keys for a text field, and priority bindings, take Textual's usual path."""
        if isinstance(event, events.Key) and not event.is_forwarded and not self._typing_in():
            active = self.screen.active_bindings.get(event.key)
            if active is not None and active.enabled and not active.binding.priority:
                event.stop()
                await self.run_action(active.binding.action, active.node)
                return
        await super().on_event(event)

    def _typing_in(self) -> bool:
        """Is the focus in a widget that reads keys itself (a text field, a pick list)?"""
        focused = self.focused
        if focused is None:
            return False
        return any(isinstance(node, _text_fields()) for node in focused.ancestors_with_self)

    # -- navigation -----------------------------------------------------------------------

    def _holding_typed_text(self) -> bool:
        """A form with unsaved typing is open: say so rather than leave it behind."""
        for screen in self.screen_stack:
            if isinstance(screen, HoldsDraft) and screen.unsaved_draft() is not None:
                self.notify(_("Save (ctrl+s) or cancel (esc) the form first."), severity="warning")
                return True
        return False

    async def go_to(self, mode: str) -> None:
        """Show `mode`'s own screen (Today, the portfolio, Sync), whatever was opened on top
        of it: the key in every footer goes where it says, every time."""
        if self._holding_typed_text():
            return
        if self.current_mode != mode:
            await self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            await self.pop_screen()

    async def action_go(self, mode: str) -> None:
        await self.go_to(mode)

    def action_coverage(self) -> None:
        from csm_tui.ui.screens.coverage import CoverageScreen

        if isinstance(self.screen, CoverageScreen) or self._holding_typed_text():
            return
        if any(isinstance(screen, CoverageScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, CoverageScreen):
                self.pop_screen()
            return
        self.push_screen(CoverageScreen(self.workspace))
