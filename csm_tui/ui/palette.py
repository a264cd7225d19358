"""Command palette providers: one per area, titles namespaced by area.

- ``account: open Acme Ltd`` / ``account: prep Acme Ltd`` — accounts by fuzzy name (any
  script: 云图 as well as acme), found through the name index (prefix) and a LIKE
  prefilter (the typed characters in order), at most `CANDIDATES` scored per keystroke,
  so 100,000 accounts stay fast;
- ``log: call Acme Ltd`` — the log form, opened pre-filled for that kind and account;
- ``filter: tier:strategic`` — the portfolio with that filter; completes keys' values
  (tiers, stages, motions, owners, flags, bands) as you type them;
- ``screen: today`` — the app's screens (Coverage included);
- ``sync: now`` — the app's own sync (`S`: the action ``sync_now``), in its thread worker;
- ``run: log call "Acme Ltd" --summary "…"`` — any line of the command language, carried out
  with `commands.run.run_command` exactly as `csm-tui run` does; the result is told with
  a notification, or the screen that shows it opens.

Every binding of the app is a palette command too (`CsmApp.get_system_commands`).
Names from the cache are shown as text, never as markup (`_title`, `_help`).
The palette acts through the app's own means: its actions (`run_action`), `data_changed`
after a write, and `current_account` for the account the screen beneath is on.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _
from csm_tui.ui.current_account import CurrentAccount, current_account, writes_refused
from csm_tui.ui.palette_order import placed_hit

if TYPE_CHECKING:
    from textual.fuzzy import Matcher

    from csm_tui.domain.language.verb_types import Command
    from csm_tui.domain.records import ActivityKind
    from csm_tui.store.lookup import Named
    from csm_tui.ui.app import CsmApp
    from csm_tui.ui.screens.log_activity import LogResult
    from csm_tui.workspace import Workspace

T = TypeVar("T")


@runtime_checkable
class _NamesAnAccount(Protocol):
    """A parsed command that names an account (`log`, `stage`, `assign`, …)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @property
    def account(self) -> str | None: ...

    def to_text(self) -> str: ...


def _spelled_out(command: _NamesAnAccount, account: str) -> str:
    """The command's text with `account` in place of the name typed."""
    return dataclasses.replace(command, account=account).to_text()


CANDIDATES = 40
"""Accounts scored by the fuzzy matcher per keystroke (the SQL prefilter's limit)."""
SHOWN = 12
"""Hits an area offers per keystroke at most."""


def _title(text: str) -> Content:
    return Content(safe_text(text))


def _highlight(matcher: Matcher, text: str) -> Content:
    """`text` as plain content, with the matched characters styled (no markup is read)."""
    shown = safe_text(text)
    content = Content(shown)
    score, offsets = matcher.fuzzy_search.match(matcher.query, shown)
    if score:
        for offset in offsets:
            if offset < len(shown) and not shown[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _help(text: str) -> str:
    return escape(safe_text(text))


def _first_word(query: str) -> str:
    words = query.split()
    return words[0].lower().rstrip(":") if words else ""


def _strip_area(query: str, *words: str) -> str:
    """`query` without a leading area word ("account:", "open", …), as typed otherwise."""
    text = query.strip()
    changed = True
    while changed and text:
        changed = False
        head, _, rest = text.partition(" ")
        if head.lower().rstrip(":") in words:
            text, changed = rest.strip(), True
    return text


_VERB_WORDS = frozenset({
    "open", "log", "check", "uncheck", "stage", "task", "prep", "assign", "coverage", "sync",
    "export", "import", "today", "help", "run", "snooze", "timeline", "conflicts", "resolve",
    "refused", "retry", "dismiss", "tasks", "contacts", "contact", "notes", "undo", "amend",
    "renew", "churn", "winback", "tier", "reference", "backtest",
})  # fmt: skip
"""Every verb of the language but `filter` (the filter area offers it), and `run`: kept
here so the palette does not import the parser to start (a test checks it is complete)."""


_ABOVE_NAMES = 1e6
"""A score above any of Textual's fuzzy match scores (which are not bounded by 1)."""
_ARGUMENTS = re.compile(r'"|--|\w:')
"""What reads as a command's arguments after its first word: a quote, an option, key:value."""


def _is_command_line(query: str) -> bool:
    """Does the query read as a command line (a verb and --options) rather than a search?"""
    return _first_word(query) in _VERB_WORDS and " --" in query


def _csm_app(app: object) -> CsmApp:
    """The app, as the `CsmApp` it is (the palette's providers serve no other)."""
    from csm_tui.ui.app import CsmApp

    if not isinstance(app, CsmApp):
        raise TypeError(f"the csm-tui palette runs in a CsmApp, not {type(app).__name__}")
    return app


class _CsmProvider(Provider):
    @property
    def csm_app(self) -> CsmApp:
        return _csm_app(self.app)

    @property
    def workspace(self) -> Workspace:
        return self.csm_app.workspace

    def _current_account(self) -> CurrentAccount | None:
        """The account the screen beneath the palette is on (None: none, say nothing)."""
        found = current_account(self.screen, self.workspace.conn)
        return found if isinstance(found, CurrentAccount) else None

    def _candidates(self, typed: str, limit: int = CANDIDATES) -> list[Named]:
        from csm_tui.store.lookup import account_candidates

        return account_candidates(self.workspace.conn, typed.replace('"', ""), limit=limit)

    def _scored(
        self, matcher: Matcher, items: Iterable[tuple[str, T]]
    ) -> list[tuple[float, str, T]]:
        """(score, title, payload) for items whose title matches, best first, at most SHOWN."""
        scored: list[tuple[float, str, T]] = []
        for title, payload in items:
            score = matcher.match(safe_text(title))
            if score > 0:
                scored.append((score, title, payload))
        scored.sort(key=lambda s: -s[0])
        return scored[:SHOWN]


# ----------------------------------------------------------------------------- accounts


class AccountCommands(_CsmProvider):
    """account: open NAME, account: prep NAME."""

    async def discover(self) -> Hits:
        current = self._current_account()
        if current is not None:
            yield placed_hit(
                "prep",
                0,
                _title(f"account: prep {current[1]}"),
                partial(self._prep, current[0]),
                help=_("the call-prep sheet of the account you are on"),
            )
        me = self.workspace.meta("me")
        if me is None:
            return
        rows = self.workspace.conn.execute(
            "SELECT id, name FROM accounts WHERE owner_id = ? AND deleted_at IS NULL "
            "ORDER BY tier_rank, health_score LIMIT 5",
            (me,),
        ).fetchall()
        for position, (account_id, name) in enumerate(rows):
            yield placed_hit(
                "accounts",
                position,
                _title(f"account: open {name}"),
                partial(self._open, account_id),
                help=_("one of your accounts, most important first"),
            )

    async def search(self, query: str) -> Hits:
        if _is_command_line(query) or _first_word(query) in _VERB_WORDS - {"open", "prep"}:
            return  # `renew` alone is a command missing its account, not a name to guess
        wants_prep = _first_word(query) == "prep" or " prep" in query.lower()
        typed = _strip_area(query, "account", "open", "prep")
        matcher = self.matcher(query.replace('"', ""))
        actions = [("prep", self._prep)] if wants_prep else [("open", self._open)]
        items = [
            (f"account: {verb} {named.name}", (action, named))
            for named in self._candidates(typed)
            for verb, action in actions
        ]
        for score, title, (action, named) in self._scored(matcher, items):
            yield Hit(
                score,
                _highlight(matcher, title),
                partial(action, named.id),
                text=title,
                help=_help(f"{named.detail_words().render()} · {named.id}"),
            )

    def _open(self, account_id: str) -> None:
        self.csm_app.open_account(account_id)

    def _prep(self, account_id: str) -> None:
        from csm_tui.ui.screens.prep import PrepScreen

        self.app.push_screen(PrepScreen(self.workspace, account_id))


# ----------------------------------------------------------------------------- log


def open_log_form(app: CsmApp, account_id: str, name: str, kind: ActivityKind) -> None:
    """The log form, pre-filled for `kind` on the account, as the `l` key opens it."""
    from csm_tui.ui.screens.log_activity import LogActivityScreen, describe

    if writes_refused(app, app.workspace, account_id):
        return

    def logged(result: LogResult | None) -> None:
        if result is not None:
            app.notify(describe(result), timeout=6)
            app.data_changed()

    app.push_screen(LogActivityScreen(app.workspace, account_id, name, kind=kind), logged)


class LogCommands(_CsmProvider):
    """log: KIND NAME — the log form for that account, pre-filled."""

    async def discover(self) -> Hits:
        from csm_tui.domain.records import ActivityKind

        current = self._current_account()
        if current is None:
            return
        kinds = (ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.EMAIL)
        for position, kind in enumerate(kinds):
            yield placed_hit(
                "log",
                position,
                _title(f"log: {kind.value} {current[1]}"),
                partial(open_log_form, self.csm_app, current.id, current.name, kind),
                help=_("log an activity on the account you are on"),
            )

    async def search(self, query: str) -> Hits:
        from csm_tui.domain.records import ActivityKind

        if _is_command_line(query) or _first_word(query) in _VERB_WORDS - {"log"}:
            return  # another verb's line, not a name to guess
        words = query.lower().split()
        kinds = [k for k in ActivityKind if k.value in words] or [ActivityKind.CALL]
        typed = _strip_area(query, "log", *(k.value for k in ActivityKind))
        matcher = self.matcher(query.replace('"', ""))
        items = [
            (f"log: {kind.value} {named.name}", (kind, named))
            for named in self._candidates(typed)
            for kind in kinds[:1]
        ]
        for score, title, (kind, named) in self._scored(matcher, items):
            yield Hit(
                score,
                _highlight(matcher, title),
                partial(open_log_form, self.csm_app, named.id, named.name, kind),
                text=title,
                help=_help(
                    _("open the {kind} form for {name}").format(
                        kind=_(kind.label).lower(), name=named.name
                    )
                ),
            )


# ----------------------------------------------------------------------------- filter

_PRESETS = (
    ("is:overdue", N_("touches past the tier's cadence")),
    ("renewal:<90d", N_("renewals in the next 90 days")),
    ("health:red", N_("red health")),
    ("is:late", N_("not activated 30+ days after go-live")),
    ("owner:me", N_("your own accounts")),
    ("tier:strategic health:<60", N_("strategic accounts in trouble")),
)
_LAST_TERM = re.compile(r'(?:^|\s)([a-z]+):([^\s",|]*)$', re.IGNORECASE)


def apply_filter(app: CsmApp, text: str) -> None:
    """The portfolio, filtered by `text` (as if typed after `/`)."""
    from csm_tui.ui.screens.portfolio import PortfolioScreen

    async def go() -> None:
        await app.switch_mode("portfolio")
        screen = app.screen
        if isinstance(screen, PortfolioScreen):
            screen.show_filter(text)

    app.call_later(go)


class FilterCommands(_CsmProvider):
    """filter: TEXT — the portfolio filtered; completes tiers, stages, owners, …"""

    async def discover(self) -> Hits:
        for position, (text, what) in enumerate(_PRESETS):
            apply = partial(apply_filter, self.csm_app, text)
            yield placed_hit("filter", position, _title(f"filter: {text}"), apply, help=_(what))

    def _values(self, key: str) -> list[str]:
        from csm_tui.domain.health import Band
        from csm_tui.domain.language.filters import IsFlag
        from csm_tui.domain.lifecycle import Stage
        from csm_tui.domain.motion import SalesMotion
        from csm_tui.domain.tiers import Tier

        if key == "tier":
            return [t.value for t in Tier]
        if key == "stage":
            return [s.value for s in Stage]
        if key == "motion":
            return [m.value for m in SalesMotion]
        if key == "is":
            return [f.value for f in IsFlag]
        if key == "health":
            return [b.value for b in Band] + ["unknown", "<40", "<60", ">=70"]
        if key == "renewal":
            return ["<30d", "<60d", "<90d", "overdue"]
        if key == "owner":
            names = [r[0] for r in self.workspace.conn.execute("SELECT name FROM users")]
            return ["me", "none", *(f'"{n}"' if " " in n else n for n in sorted(names))]
        return []

    async def search(self, query: str) -> Hits:
        from csm_tui.domain.language.filters import KNOWN_KEYS, QueryError, parse_filter

        first = _first_word(query)
        if first in _VERB_WORDS:
            return
        text = _strip_area(query, "filter")
        if not text:
            return
        matcher = self.matcher(query)
        found = 0
        term = _LAST_TERM.search(text)
        if term and term.group(1).lower() in KNOWN_KEYS:
            key, typed = term.group(1).lower(), term.group(2)
            head = text[: term.start(2)]
            for value in self._values(key):
                bare = value.strip('"').casefold()
                if bare.startswith(typed.casefold().strip('"')) and value != typed:
                    completed = head + value
                    yield Hit(
                        0.95,
                        _title(f"filter: {completed}"),
                        partial(apply_filter, self.csm_app, completed),
                        text=f"filter: {completed}",
                        help=_help(f"complete {key}:"),
                    )
                    found += 1
                    if found >= SHOWN:
                        break
        try:
            flt = parse_filter(text)
        except QueryError as error:
            if first == "filter" or ":" in text:
                yield Hit(
                    0.5,
                    _title(f"filter: {text}"),
                    partial(refuse, self.csm_app, safe_text(str(error)), query),
                    text=f"filter: {text}",
                    help=_help(str(error)),
                )
            return
        canonical = flt.to_text()
        keyed = ":" in text or first == "filter"
        score = 0.9 if keyed else max(0.2, matcher.match(f"filter: {canonical}") * 0.5)
        yield Hit(
            score,
            _title(f"filter: {canonical}"),
            partial(apply_filter, self.csm_app, canonical),
            text=f"filter: {canonical}",
            help=_("the portfolio, filtered")
            if keyed
            else _("search account names in the portfolio"),
        )


# ----------------------------------------------------------------------------- screens


_SCREEN_WHAT = {
    "today": N_("your agenda: overdue touches, renewals, late activations, tasks due"),
    "portfolio": N_("every account, by tier and health"),
    "coverage": N_("the team's coverage of the book (a lead's view)"),
    "sync": N_("sync state, pending changes, conflicts"),
}


_SCREEN_ACTIONS = {"coverage": "coverage"}
"""The screens that are not modes, and the app's action that shows each (its key's)."""


def _screens() -> list[tuple[str, str]]:
    """The app's modes, then Coverage."""
    from csm_tui.ui.app import MODES

    return [(name, _(_SCREEN_WHAT[name])) for name in (*MODES, *_SCREEN_ACTIONS)]


def show_screen(app: CsmApp, name: str) -> None:
    """Switch to a mode's screen, or run the action of the key that shows the screen."""
    from csm_tui.ui.app import MODES

    if name in MODES:
        app.switch_mode(name)
    elif name in _SCREEN_ACTIONS:
        app.call_later(app.run_action, _SCREEN_ACTIONS[name])
    else:
        app.notify(
            _("There is no {name} screen in this build.").format(name=name), severity="warning"
        )


def show_coverage(app: CsmApp, team: str | None) -> None:
    """The Coverage screen (for one team when `team` names one), as `c` opens it."""
    if team is None:
        show_screen(app, "coverage")
        return
    from csm_tui.store.coverage import UnknownTeam, resolve_team
    from csm_tui.ui.screens.coverage import CoverageScreen

    try:
        team_id = resolve_team(app.workspace.conn, team)
    except UnknownTeam as error:
        app.notify(safe_text(str(error)), severity="error")
        return
    app.push_screen(CoverageScreen(app.workspace, team_id))


class ScreenCommands(_CsmProvider):
    """screen: NAME — switch to one of the app's screens."""

    async def discover(self) -> Hits:
        for position, (name, what) in enumerate(_screens()):
            show = partial(show_screen, self.csm_app, name)
            yield placed_hit("screen", position, _title(f"screen: {name}"), show, help=what)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, what in _screens():
            title = f"screen: {name}"
            score = matcher.match(title)
            if score > 0:
                show = partial(show_screen, self.csm_app, name)
                yield Hit(score, _highlight(matcher, title), show, text=title, help=what)


# ----------------------------------------------------------------------------- sync


def sync_now(app: CsmApp) -> None:
    """The app's own sync, as `S` runs it: push and pull in its thread worker (its own
    connection), the status bar and the screen told when it ends."""
    app.call_later(app.run_action, "sync_now")


class SyncCommands(_CsmProvider):
    """sync: now."""

    TITLE = "sync: now"  # i18n: as is (command-language syntax)

    async def discover(self) -> Hits:
        yield placed_hit("sync", 0, _title(self.TITLE), partial(sync_now, self.csm_app),
                         help=_("push your changes and pull the server's"))  # fmt: skip

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        score = matcher.match(self.TITLE)
        if score > 0:
            yield Hit(score, _highlight(matcher, self.TITLE), partial(sync_now, self.csm_app),
                      text=self.TITLE, help=_("push your changes and pull the server's"),
                      )  # fmt: skip


# ----------------------------------------------------------------------------- run


def refuse(app: CsmApp, why: str, typed: str) -> None:
    """A command line refused: say why, and open the palette again with the line as it was
    typed, to mend rather than type again."""
    app.notify(why, severity="error", timeout=10)
    app.open_palette(typed)


def run_in_app(app: CsmApp, text: str) -> None:
    """Carry out one command line in the app: as `csm-tui run` would, then show the result."""
    from csm_tui.commands.results import CommandFailed
    from csm_tui.commands.run import run_command
    from csm_tui.domain.language.filters import QueryError
    from csm_tui.domain.language.verb_types import (
        BacktestCommand,
        ConflictsCommand,
        ContactsCommand,
        CoverageCommand,
        FilterCommand,
        HelpCommand,
        NotesCommand,
        OpenCommand,
        PrepCommand,
        RefusedCommand,
        SyncCommand,
        TasksCommand,
        TimelineCommand,
        TodayCommand,
    )
    from csm_tui.domain.language.verbs import parse_command

    try:
        command = parse_command(text)
    except QueryError as error:
        refuse(app, safe_text(str(error)), text)
        return
    if isinstance(command, SyncCommand):
        sync_now(app)
        return
    if isinstance(command, FilterCommand):
        apply_filter(app, command.filter.to_text())
        return
    if isinstance(command, CoverageCommand):
        show_coverage(app, command.team)
        return
    if isinstance(command, TodayCommand):
        show_screen(app, "today")
        return
    if isinstance(command, ConflictsCommand | RefusedCommand):
        show_screen(app, "sync")  # the screen that lists both, with m T e r d
        return
    try:
        result = run_command(app.workspace, command)
    except CommandFailed as error:
        refuse(app, safe_text(error.message, multiline=True), text)
        return
    except (sqlite3.Error, RuntimeError) as error:  # busy cache, a transaction left open
        app.notify(
            _("Could not run it: {error}").format(error=safe_text(str(error))),
            severity="error",
        )
        return
    if isinstance(command, OpenCommand) and result.account_id:
        app.open_account(result.account_id)
        return
    # A read of an account's pane opens the account on that pane (as `4`, `6`, `3`, `7`).
    panes = {TimelineCommand: "timeline", TasksCommand: "tasks",
             ContactsCommand: "stakeholders", NotesCommand: "notes"}  # fmt: skip
    pane = panes.get(type(command))
    if pane is not None and result.account_id and not result.wrote:
        _open_pane(app, result.account_id, pane)
        return
    if isinstance(command, PrepCommand) and command.export is None and result.account_id:
        from csm_tui.ui.screens.prep import PrepScreen

        app.push_screen(PrepScreen(app.workspace, result.account_id))
        return
    if isinstance(command, HelpCommand):
        app.notify(result.text or result.shown, timeout=15)
        return
    app.notify(safe_text(result.shown, multiline=True), timeout=6)
    if isinstance(command, BacktestCommand):  # its table is a Coverage section
        show_coverage(app, command.team)
        return
    if result.wrote and not result.dry_run:
        app.data_changed()


def _open_pane(app: CsmApp, account_id: str, pane: str) -> None:
    """The account's screen, on `pane` once it is mounted (as the pane's number key)."""
    from csm_tui.ui.screens.account import AccountScreen

    screen = AccountScreen(app.workspace, account_id)

    async def show() -> None:
        await app.push_screen(screen)
        screen.action_tab(pane)  # (its tabs show at once; their data fills in when read)

    app.run_worker(show(), group="open-pane", exit_on_error=False)


class RunCommands(_CsmProvider):
    """run: COMMAND — any line of the command language."""

    async def discover(self) -> Hits:
        current = self._current_account()
        if current is None:
            return
        name = current.name.replace("\\", "\\\\").replace('"', '\\"')
        example = f'log call "{name}" --summary "…"'
        yield placed_hit(
            "run",
            0,
            _title(f"run: {example}"),
            partial(
                self.app.notify, _("Type a command: {example}").format(example=safe_text(example))
            ),
            help=_("type any command of the command language (help lists them)"),
        )

    async def search(self, query: str) -> Hits:
        from csm_tui.domain.language.filters import QueryError
        from csm_tui.domain.language.verb_types import FilterCommand
        from csm_tui.domain.language.verbs import parse_command

        text = _strip_area(query, "run")
        first = _first_word(text)
        if not text:
            return
        # A misspelled verb ("renw", "fitler") before what reads as a command's arguments
        # (a quote, an --option, a key:value): the parser's "did you mean", above the name
        # search the line would otherwise fall into.
        misspelled = first not in _VERB_WORDS and _ARGUMENTS.search(text.partition(" ")[2])
        if first not in _VERB_WORDS and _first_word(query) != "run" and not misspelled:
            return
        try:
            command = parse_command(text)
        except QueryError as error:
            if first == "filter" and _first_word(query) != "run":
                return  # the filter area says what is wrong with it, once
            yield Hit(
                # open, prep, log: the accounts offered for them come first; a misspelled
                # verb above any name match (fuzzy scores run into the tens and more)
                _ABOVE_NAMES if misspelled else 0.6 if first in ("open", "prep", "log") else 1.0,
                _title(f"run: {text}"),
                partial(refuse, self.csm_app, safe_text(str(error)), query),
                text=f"run: {text}",
                help=_help(str(error)),
            )
            return
        if misspelled or (isinstance(command, FilterCommand) and _first_word(query) != "run"):
            return  # the filter area offers it
        canonical = command.to_text()
        what = _("dry run: nothing is saved") if getattr(command, "dry_run", False) else (
            _("changes the cache (synced later)") if command.writes else "")  # fmt: skip
        yield Hit(
            1.0,
            _title(f"run: {canonical}"),
            partial(run_in_app, self.csm_app, canonical),
            text=f"run: {canonical}",
            help=_help(what) if what else None,
        )
        for completed, help_text in self._completions(command):
            yield Hit(
                0.9,
                _title(f"run: {completed}"),
                partial(run_in_app, self.csm_app, completed),
                text=f"run: {completed}",
                help=_help(help_text),
            )

    def _completions(self, command: Command) -> list[tuple[str, str]]:
        """The command with its account (or new owner) spelled out in full, for each name
        the typed one may mean."""
        from csm_tui.domain.language.verb_types import AssignCommand

        out: list[tuple[str, str]] = []
        if isinstance(command, _NamesAnAccount) and command.account:
            typed = command.account
            for named in self._candidates(typed, limit=SHOWN):
                if named.name != typed and named.id != typed:
                    full = _spelled_out(command, named.name)
                    out.append((full, f"{named.detail_words().render()} · {named.id}"))
        if isinstance(command, AssignCommand) and command.owner:
            owner = command.owner
            rows = self.workspace.conn.execute("SELECT name, role FROM users ORDER BY name")
            for name, role in rows:
                if name != owner and name.casefold().startswith(owner.casefold()):
                    out.append((dataclasses.replace(command, owner=name).to_text(), role))
        return out[:SHOWN]


PALETTE_PROVIDERS: frozenset[type[Provider]] = frozenset(
    {RunCommands, AccountCommands, LogCommands, FilterCommands, ScreenCommands, SyncCommands}
)
"""The providers `CsmApp.COMMANDS` adds to the app's own (bindings as commands)."""

__all__: list[str] = [
    "PALETTE_PROVIDERS",
    "AccountCommands",
    "FilterCommands",
    "LogCommands",
    "RunCommands",
    "ScreenCommands",
    "SyncCommands",
    "apply_filter",
    "open_log_form",
    "run_in_app",
    "show_coverage",
    "show_screen",
    "sync_now",
]
