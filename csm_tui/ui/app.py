"""The Textual app: one factory (`make_app`) used by the CLI and the tests alike."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from csm_tui.assets_path import style_path
from csm_tui.workspace import Workspace


class CsmApp(App[None]):
    """csm-tui: work a book of accounts from the keyboard."""

    TITLE = "csm-tui"
    CSS_PATH = [style_path("app.tcss")]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        from csm_tui.ui.screens.portfolio import PortfolioScreen

        self.push_screen(PortfolioScreen(self.workspace))

    def action_help(self) -> None:
        from csm_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every binding of the current screen is also a palette command."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            key = self.get_key_display(binding)
            node = active.node

            def run(action: str = binding.action, node=node) -> None:
                self.call_later(self.run_action, action, node)

            yield SystemCommand(binding.description, f"key: {key}", run)
        yield from super().get_system_commands(screen)

    def on_unmount(self) -> None:
        self.workspace.close()


def make_app(workspace: Workspace) -> CsmApp:
    return CsmApp(workspace)
