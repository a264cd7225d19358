"""The Textual app: one factory (`make_app`) used by the CLI and the tests alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState

from csm_tui.assets_path import style_path
from csm_tui.i18n import N_, _
from csm_tui.ui.current_account import CurrentAccount, NoAccount, current_account, writes_refused
from csm_tui.ui.drafts import DraftKeeping
from csm_tui.ui.heap import CHECK_SECONDS, IdleCollector
from csm_tui.ui.language import LanguageCommands
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.navigation import KeysAndNavigation
from csm_tui.ui.painted import call_after_paint
from csm_tui.ui.stylesheet import ParsedOnceStylesheet
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from textual.command import Provider

    from csm_tui.sync.engine import SyncReport
    from csm_tui.ui.keymap import UserKeys
    from csm_tui.ui.screens.log_activity import LogResult

MODES = ("today", "portfolio", "sync")
SYNC_EVERY_SECONDS = 300


def _palette_provider(name: str) -> Callable[[], type[Provider]]:
    """A command provider of ui/palette.py, imported when the palette first opens (Textual
    calls a provider that is not a class): the module is not needed for the first paint."""

    def provider() -> type[Provider]:
        from csm_tui.ui import palette

        found: type[Provider] = getattr(palette, name)
        return found

    provider.__qualname__ = provider.__name__ = f"lazy {name}"
    return provider


# The names of ui/palette.py's PALETTE_PROVIDERS (tests/ui/test_palette.py checks).
PALETTE_PROVIDER_NAMES = (
    "RunCommands",
    "AccountCommands",
    "LogCommands",
    "FilterCommands",
    "ScreenCommands",
    "SyncCommands",
)


def _mode_screen(mode: str, workspace: Workspace) -> Screen[None]:
    if mode == "today":
        from csm_tui.ui.screens.today import TodayScreen

        return TodayScreen(workspace)
    if mode == "portfolio":
        from csm_tui.ui.screens.portfolio import PortfolioScreen

        return PortfolioScreen(workspace)
    from csm_tui.ui.screens.sync import SyncScreen

    return SyncScreen(workspace)


class CsmApp(KeysAndNavigation, DraftKeeping, App[None]):
    """csm-tui: work a book of accounts from the keyboard."""

    TITLE = "csm-tui"  # i18n: as is (the app's name)
    CSS_PATH = [style_path("app.tcss")]
    COMMANDS = (
        App.COMMANDS
        | {_palette_provider(name) for name in PALETTE_PROVIDER_NAMES}
        | {LanguageCommands}
    )

    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("t", "go('today')", N_("Today"), id="app.today"),
        Binding("b", "go('portfolio')", N_("Portfolio"), id="app.portfolio"),
        Binding("c", "coverage", N_("Coverage"), id="app.coverage"),
        Binding("y", "go('sync')", N_("Sync screen"), id="app.sync_screen"),
        Binding("S", "sync_now", N_("Sync now"), id="app.sync_now"),
        Binding("ctrl+z", "undo_log", N_("Undo last log"), id="app.undo_log", show=False),
        Binding("E", "edit_log", N_("Edit last log"), id="app.edit_log", show=False),
        Binding("q", "quit", N_("Quit"), id="app.quit"),
        Binding("ctrl+p", "command_palette", N_("Commands"), id="app.palette", show=False),
    ]

    WARM_REPORTS_AFTER_S = 3.0
    """Seconds after start-up before Coverage's queries run in the background."""

    sync_text: reactive[str] = reactive("")
    """What the status bar says about sync; kept current by `refresh_sync_status`."""

    def __init__(
        self, workspace: Workspace, start: str | None = None, sync_in_background: bool = True
    ) -> None:
        if start is None:
            start = "today" if workspace.meta("me") else "portfolio"
        # The first screen is the start mode's own from the first frame: no default screen
        # is made and switched away from (that re-parsed the app's CSS twice before Today
        # first painted). Textual reads DEFAULT_MODE as the app is made.
        self.DEFAULT_MODE = start  # type: ignore[misc]
        super().__init__()
        # Each piece of CSS parsed once, not again for each new mode's screen (ui/stylesheet.py).
        self.stylesheet = ParsedOnceStylesheet(variables=self.stylesheet._variables)
        self.workspace = workspace
        self.start = start
        self.sync_in_background = sync_in_background
        self.idle_collector = IdleCollector()
        # Each screen's module is imported when its mode is first shown (startup budget).
        for mode in MODES:
            self.add_mode(mode, partial(_mode_screen, mode, workspace))
        self.apply_user_keys()  # before the first screen is made: its footer shows them

    async def on_mount(self) -> None:
        start = self.start
        call_after_paint(self, self._check_user_keys)
        # After the first paint: sync.engine (replica, conflicts) is not needed for it.
        call_after_paint(self, self.refresh_sync_status)
        # After the first paint: the full garbage collection waits for an idle moment.
        call_after_paint(self, self.idle_collector.start)
        self.set_interval(CHECK_SECONDS, self.idle_collector.collect_if_idle)
        self.set_interval(5, self.refresh_sync_status)  # "2 min ago" moves; writes queue
        self.set_interval(0.25, self._after_own_writes)
        await self.switch_mode(start)
        self.restore_drafts()  # what the last crash kept, on top of the first screen
        if self.sync_in_background and self.workspace.meta("server_url"):
            self.call_after_refresh(self.action_sync_now, True)
            self.set_interval(SYNC_EVERY_SECONDS, lambda: self.action_sync_now(True))
        self.set_timer(self.WARM_REPORTS_AFTER_S, self._warm_reports)

    def _warm_reports(self) -> None:
        """Coverage's queries run once in the background once start-up has settled: their
        results are kept by data version (store/report_cache.py), so the first Coverage of
        the day opens from them instead of a cold pass over the whole book (~1 s at 100k
        accounts); again after each sync that pulled changes, so Coverage stays warm through
        the day. A failure here is left unsaid: the screen reads again and says it."""
        from csm_tui.ui.screens.coverage import read_coverage

        self.run_worker(
            partial(read_coverage, self.workspace),
            thread=True,
            group="warm-reports",
            name="warm-reports",
            exclusive=True,
            exit_on_error=False,
            description="Coverage's queries, ahead of the screen",
        )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self.idle_collector.touched()
        await super().on_event(event)

    def apply_user_keys(self) -> None:
        """`[keys]` in config.toml through Textual's keymap: the keys as written at once;
        after the first paint and off the UI thread (it imports every screen), the checked
        keymap, saying which entries it leaves out (`_check_user_keys`, ui/keymap.py)."""
        wanted = self.workspace.settings.keys
        if not wanted:
            return
        from csm_tui.ui.keymap import written_keys

        self.set_keymap(written_keys(wanted))

    def _check_user_keys(self) -> None:
        wanted = self.workspace.settings.keys
        if not wanted:
            return
        from csm_tui.ui.keymap import user_keys

        self.run_worker(
            partial(user_keys, dict(wanted)),
            thread=True,
            group="keys",
            name="keys",
            exit_on_error=False,
            description="check [keys] against the app's bindings",
        )

    def _user_keys_checked(self, keys: UserKeys) -> None:
        from csm_tui.ui.keymap import problems_message

        self.set_keymap(keys.keymap)
        if keys.problems:
            source = str(self.workspace.settings.source or "config.toml")
            self.notify(
                problems_message(keys.problems, source),
                title=_("Your keys"),
                severity="warning",
                timeout=30,
            )

    # -- sync -----------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is plain text: names, notes, task titles and errors that quote what
        the user typed flow into them, and `[b]` in a task title must stay `[b]`. (Widgets'
        and screens' `notify` come here, passing Textual's default `markup=True`.)"""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_command_palette(self) -> None:
        """Textual's palette, its placeholder in the interface language."""
        self.open_palette()

    def open_palette(self, typed: str = "") -> None:
        """The palette, with `typed` in its field (a refused command line, to mend)."""
        from textual.command import CommandInput, CommandPalette

        if not self.use_command_palette or isinstance(self.screen, CommandPalette):
            return
        palette = CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
        self.push_screen(palette)
        if typed:

            def type_it() -> None:
                field = palette.query_one(CommandInput)
                field.value = typed
                field.cursor_position = len(typed)

            self.call_after_refresh(type_it)

    _changes_seen: int | None = None

    def _after_own_writes(self) -> None:
        """The status bar's count of changes to send, as soon as this app wrote any (a tier
        override, a task done): a counter read, no query, until something was written."""
        changes = self.workspace.changes_written  # None until the first screen opened it
        if changes != self._changes_seen:
            if self._changes_seen is not None:  # (the first reading is where it starts)
                self.refresh_sync_status()
            self._changes_seen = changes

    def refresh_sync_status(self) -> None:
        import sqlite3

        from csm_tui.sync.engine import sync_status

        ws = self.workspace
        try:
            self.sync_text = sync_status(ws.conn, ws.now()).text
        except sqlite3.Error as error:  # the cache gone bad under the app: say so, keep going
            self.sync_text = _("cache unreadable: {error}").format(error=error)

    def action_sync_now(self, quiet: bool = False) -> None:
        """Sync in a thread with its own connection: the UI never waits on the network."""
        if not self.workspace.meta("server_url"):
            if not quiet:
                self.notify(
                    _("Not signed in to a server: csm-tui login --server URL"), severity="warning"
                )
            return
        for worker in self.workers:
            if worker.group == "sync" and worker.state in (
                WorkerState.PENDING,
                WorkerState.RUNNING,
            ):
                if not quiet:
                    self.notify(_("A sync is already running."))
                return
        self.sync_text = _("syncing…")
        ws = self.workspace

        def work() -> SyncReport:
            from csm_tui.sync.client import RetryPolicy, SyncClient
            from csm_tui.sync.engine import run_sync

            # In the app, fail fast and say "offline": the next round comes by itself.
            def client(url: str, token: str) -> SyncClient:
                return SyncClient(
                    url, token, timeout=15.0, retry=RetryPolicy(max_attempts=2, max_total=10.0)
                )

            return run_sync(ws.db_path, ws.now(), client_factory=client)

        self.run_worker(
            work,
            thread=True,
            group="sync",
            name="sync",
            exit_on_error=False,
            description="sync with the central API",
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "keys" and event.state is WorkerState.SUCCESS:
            keys = worker.result
            if keys is not None:  # (the worker returns the checked keys)
                self._user_keys_checked(keys)
            return
        if worker.group != "sync" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.refresh_sync_status()
        if event.state is WorkerState.ERROR:
            self.notify(
                _("Sync failed: {error}").format(error=worker.error), severity="error", timeout=8
            )
            return
        report = worker.result
        if report is not None and report.errors:
            self.notify(
                _("Sync: {error}").format(error=report.errors[0]), severity="warning", timeout=8
            )
        elif report is not None and (report.pulled or report.pushed):
            self.data_changed()
            if report.pulled:  # the book changed under Coverage's kept results
                self._warm_reports()

    # -- navigation -----------------------------------------------------------------------

    def open_account(self, account_id: str) -> AwaitMount:
        """Open the account; await the result to wait until it shows (so keys typed next
        reach it)."""
        from csm_tui.ui.screens.account import AccountScreen

        return self.push_screen(AccountScreen(self.workspace, account_id))

    def _current_account(self) -> CurrentAccount | None:
        """The account the screen is on; when there is none, say why."""
        found = current_account(self.screen, self.workspace.conn)
        if isinstance(found, NoAccount):
            severity: SeverityLevel = "warning" if found is NoAccount.NOT_ON_ONE else "error"
            self.notify(_(found.value), severity=severity)
            return None
        return found

    def action_help(self) -> None:
        from csm_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    # -- the working day ------------------------------------------------------------------

    def action_log_activity(self) -> None:
        from csm_tui.ui.screens.log_activity import LogActivityScreen

        current = self._current_account()
        if current is None:
            return
        account_id, name = current
        if writes_refused(self, self.workspace, account_id):
            return

        self.push_screen(LogActivityScreen(self.workspace, account_id, name), self.log_closed)

    def log_closed(self, result: LogResult | None) -> None:
        """The log form closed: confirm what was saved and show it on the screen beneath."""
        from csm_tui.ui.screens.log_activity import describe

        if result is not None:
            self.notify(describe(result), timeout=6)
            self.data_changed()

    def action_prep(self) -> None:
        from csm_tui.ui.screens.prep import PrepScreen

        current = self._current_account()
        if current is not None:
            self.push_screen(PrepScreen(self.workspace, current[0]))

    def action_undo_log(self) -> None:
        from csm_tui.store.activity_log import ActivityNotEditable, undo_last_activity

        ws = self.workspace
        me = ws.meta("me")
        if me is None:
            self.notify(_("This cache does not know who you are."), severity="error")
            return
        try:
            undone = undo_last_activity(ws.conn, me, ws.now(), ws.settings.tier_rules)
        except ActivityNotEditable as exc:
            self.notify(str(exc), severity="error")
            return
        if undone is None:
            self.notify(_("Nothing to undo: you have not logged anything here yet."))
            return
        if undone.task_id:
            self.notify(_("Undid your last log and its task."))
        else:
            self.notify(_("Undid your last log."))
        self.data_changed()

    def action_edit_log(self) -> None:
        from csm_tui.store.activity_log import last_log
        from csm_tui.ui.screens.log_activity import LogActivityScreen

        ws = self.workspace
        me = ws.meta("me")
        record = last_log(ws.conn, me) if me else None
        if record is None:
            self.notify(_("Nothing to edit: you have not logged anything here yet."))
            return

        self.push_screen(
            LogActivityScreen(ws, record.account_id, record.account_name, editing=record),
            self.log_closed,
        )

    def data_changed(self) -> None:
        """The cache changed: the status bar and the screen on top read it again."""
        self.refresh_sync_status()
        self.screen.post_message(DataChanged())

    # -- palette --------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every binding of the current screen is also a palette command."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            key = self.get_key_display(binding)
            node = active.node

            def run(action: str = binding.action, node: DOMNode = node) -> None:
                self.call_later(self.run_action, action, node)

            yield SystemCommand(_(binding.description), _("key: {key}").format(key=key), run)
        for command in super().get_system_commands(screen):  # Textual's: see ui/language.py
            yield command._replace(title=_(command.title), help=_(command.help))

    def on_unmount(self) -> None:
        self.idle_collector.stop()
        self.workspace.close()


def make_app(
    workspace: Workspace, start: str | None = None, sync_in_background: bool = True
) -> CsmApp:
    """The app on a workspace; `start` picks the first screen (default: Today when the
    cache knows who you are, else the portfolio). With a server signed in, it syncs on
    start, every few minutes and on demand, in a background thread."""
    if start is not None and start not in MODES:
        raise ValueError(f"unknown start screen {start!r}; one of {', '.join(MODES)}")
    return CsmApp(workspace, start, sync_in_background)
