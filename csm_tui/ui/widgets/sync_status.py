"""The status bar every screen shows: "synced 2 min ago", "offline — 3 changes pending",
or the last error. It follows the app's `sync_text`, which the sync worker keeps current.

The words come from `sync_status` in the interface language of the moment; when the language
changes (the palette's switch), the bar asks the app for them again as it next paints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import RenderResult
from textual.widgets import Static

from csm_tui.i18n import N_, _, current_language

if TYPE_CHECKING:
    from textual.app import RenderResult

PROBLEM_WORDS = (N_("offline"), N_("failed"), N_("sign in"), N_("conflict"), N_("rejected"))
"""A status with one of these words (in English or the interface language) is a problem."""


@runtime_checkable
class ShowsSyncStatus(Protocol):
    """The app, as the bar sees it: what to say about sync, and how to say it again."""

    sync_text: str

    def refresh_sync_status(self) -> None: ...


def is_problem(text: str) -> bool:
    return any(word in text or _(word) in text for word in PROBLEM_WORDS)


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

    def __init__(self, prefix: str = "", **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self.prefix = prefix
        self._language = current_language()

    def on_mount(self) -> None:
        self.watch(self.app, "sync_text", self._show, init=True)

    def set_prefix(self, prefix: str) -> None:
        self.prefix = prefix
        app = self.app
        self._show(app.sync_text if isinstance(app, ShowsSyncStatus) else "")

    def render(self) -> RenderResult:
        if self._language != current_language():
            self._language = current_language()
            app = self.app
            if isinstance(app, ShowsSyncStatus):  # the words again, in the new language
                self.call_later(app.refresh_sync_status)
        return super().render()

    def _show(self, text: str) -> None:
        self.set_class(is_problem(text), "-problem")
        self.update(f"{self.prefix} · {text}" if self.prefix and text else self.prefix or text)
