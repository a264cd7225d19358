"""The status bar every screen shows: "synced 2 min ago", "offline — 3 changes pending",
or the last error. It follows the app's `sync_text`, which the sync worker keeps current."""

from __future__ import annotations

from textual.widgets import Static


class SyncStatusBar(Static):
    DEFAULT_CSS = """
    SyncStatusBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    SyncStatusBar.-problem {
        color: $warning;
    }
    """

    def __init__(self, prefix: str = "", **kw) -> None:
        super().__init__("", markup=False, **kw)
        self.prefix = prefix

    def on_mount(self) -> None:
        self.watch(self.app, "sync_text", self._show, init=True)

    def set_prefix(self, prefix: str) -> None:
        self.prefix = prefix
        self._show(getattr(self.app, "sync_text", ""))

    def _show(self, text: str) -> None:
        problem = any(
            word in text for word in ("offline", "failed", "sign in", "conflict", "rejected")
        )
        self.set_class(problem, "-problem")
        self.update(f"{self.prefix} · {text}" if self.prefix and text else self.prefix or text)
