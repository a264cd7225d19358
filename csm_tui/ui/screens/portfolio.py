"""Portfolio (home): every account, sorted by tier then health, worst first."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from csm_tui.domain.humanize import relative_time
from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort, QueryError, parse_filter
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _, ngettext
from csm_tui.store.portfolio import PortfolioQuery, PortfolioRow
from csm_tui.ui.book_labels import sort_label
from csm_tui.ui.loading import ThreadReads
from csm_tui.ui.messages import DataChanged
from csm_tui.ui.widgets.footer import Footer
from csm_tui.ui.widgets.portfolio_table import PortfolioTable
from csm_tui.ui.widgets.sync_status import SyncStatusBar
from csm_tui.ui.widgets.virtual_table import BLOCK
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.ui.app import CsmApp

FILTER_HINT = N_("filter: tier:strategic health:<60 renewal:<90d acme")


class PortfolioScreen(ThreadReads, Screen[None]):
    """The CSM's book: filter it, sort it, open an account.

    The rows are read in a worker (ui/loading.py): a typed character shows at once, the
    query for it runs beside, and a newer one cancels it."""

    if TYPE_CHECKING:  # the app it runs in (ui/app.py imports this module)
        app = getters.app(CsmApp)

    TITLE = N_("Portfolio")
    SHOW_FILTER_HELP = True
    AUTO_FOCUS = "#portfolio-table"

    BINDINGS = [
        # priority: the account opens before the next key is routed, so keys typed right
        # after enter reach it (the table's own enter goes through a message)
        Binding("enter", "open", N_("Open"), id="portfolio.open", priority=True),
        Binding("slash", "filter", N_("Filter"), id="portfolio.filter"),
        Binding("s", "cycle_sort", N_("Sort"), id="portfolio.sort"),
        Binding("escape", "clear_filter", N_("Clear filter"), id="portfolio.clear_filter"),
        Binding("l", "app.log_activity", N_("Log"), id="portfolio.log"),
        Binding("p", "app.prep", N_("Prep"), id="portfolio.prep"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.filter = PortfolioFilter()
        self.filter_text = ""
        self.sort = PortfolioSort.TIER_HEALTH
        self._total: int | None = None  # the whole book's size: kept while typing
        self.filter_error: str | None = None  # the typed filter does not read: no rows shown
        self._left = False  # another screen covered this one since it was shown

    def compose(self) -> ComposeResult:
        yield Static(id="portfolio-title", markup=False)
        yield Input(
            placeholder=_(FILTER_HINT),
            id="filter-input",
            select_on_focus=False,
        )
        yield Static(id="filter-error", markup=False)
        yield PortfolioTable(self.workspace.today, id="portfolio-table")
        yield SyncStatusBar(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        # One read for the first showing, started now: SQLite counts on another core while
        # the first frame is drawn (its Python part is small).
        self._reload()
        self.query_one(PortfolioTable).focus()

    # -- data -----------------------------------------------------------------------------

    def _reload(self, keep_account: str | None = None, *, anywhere: bool = True) -> None:
        """Read the rows in a worker and show them when read, the cursor on `keep_account`
        (found `anywhere` in the result, which may take a COUNT; else only among the first
        matches, as while typing a filter). The whole book's size is read only when not
        known: it does not change while typing."""
        ws = self.workspace
        flt, sort, today, me = self.filter, self.sort, ws.today(), ws.meta("me")
        rules, zone = ws.settings.tier_rules, ws.zone
        need_total = self._total is None

        def read(
            conn: sqlite3.Connection,
        ) -> tuple[PortfolioQuery, int | None, int | None, dict[int, list[PortfolioRow]]]:
            query = PortfolioQuery(conn, flt, sort, today, me, rules, zone=zone)
            count = query.count()
            index = None
            if keep_account is not None:
                find = query.index_of if anywhere else query.known_index_of
                index = find(keep_account)
            total = None
            if need_total:
                whole = PortfolioQuery(conn, PortfolioFilter(), sort, today, me, rules, zone=zone)
                total = count if flt.is_empty else whole.count()
            # the rows the first paint shows (the cursor's row is centred when kept)
            first = max(0, (index or 0) - 64) // BLOCK
            last = min(max(0, count - 1), (index or 0) + 64) // BLOCK
            blocks = {b: query.window(b * BLOCK, BLOCK) for b in range(first, last + 1)}
            return query, index, total, blocks if count else {}

        self.read_in_thread("rows", read, self._show_rows, what=_("the portfolio"))

    def _show_rows(
        self,
        result: tuple[PortfolioQuery, int | None, int | None, dict[int, list[PortfolioRow]]],
    ) -> None:
        query, index, total, blocks = result
        if self.filter_error is not None:
            return
        query.use(self.workspace.conn)  # read on in the UI thread (scrolling)
        if total is not None:
            self._total = total
        self.query_one(PortfolioTable).set_source(query, at=index, blocks=blocks)
        self._update_status()

    def _update_status(self) -> None:
        table = self.query_one(PortfolioTable)
        ws = self.workspace
        sort = sort_label(self.sort)
        whole = "…" if self._total is None else f"{self._total:,}"
        if self.filter_error is not None:
            size = _("filter not valid — no accounts shown (of {total})").format(total=whole)
            self.query_one("#portfolio-title", Static).update(
                Text(_("Portfolio — {size} · sort: {sort}").format(size=size, sort=sort))
            )
            self.query_one("#status-line", SyncStatusBar).set_prefix(size)
            return
        shown = table.row_count
        total = self._total or 0
        size = (
            ngettext("{total} account", "{total} accounts", total).format(total=whole)
            if self.filter.is_empty
            else ngettext("{shown} of {n} account", "{shown} of {n} accounts", total).format(
                shown=f"{shown:,}", n=whole
            )
        )
        age = ws.meta("data_as_of")
        age_text = (
            _("no data yet")
            if age is None
            else _("data {age}").format(age=relative_time(age, ws.now()))
        )
        self.query_one("#portfolio-title", Static).update(
            Text(_("Portfolio — {size} · sort: {sort}").format(size=size, sort=sort))
        )
        filt = (
            _(" · filter: {text}").format(text=self.filter_text) if not self.filter.is_empty else ""
        )
        self.query_one("#status-line", SyncStatusBar).set_prefix(f"{size}{filt} · {age_text}")

    # -- actions --------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter-input", Input)
        box.display = True
        # Focus now, not after the next refresh: keys typed right after `/` belong to it.
        self.set_focus(box, scroll_visible=False)

    def show_filter(self, text: str) -> None:
        """Filter by `text` as if typed after `/` (the palette's `filter:` uses it)."""
        box = self.query_one("#filter-input", Input)
        box.display = True
        box.value = text

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter-input", Input)
        if self.filter.is_empty and not box.display:
            return
        box.value = ""
        box.display = False
        self._apply_filter("")
        self.query_one(PortfolioTable).focus()

    def action_cycle_sort(self) -> None:
        table = self.query_one(PortfolioTable)
        self.sort = self.sort.next
        self._reload(keep_account=table.current_account_id)
        self.notify(_("sorted by {sort}").format(sort=sort_label(self.sort)), timeout=2)

    @on(Input.Changed, "#filter-input")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        box = self.query_one("#filter-input", Input)
        if self.filter_error is not None:
            return  # stay in the box: the filter must be fixed (or esc clears it)
        if not event.value.strip():
            box.display = False
        self.query_one(PortfolioTable).focus()

    def _apply_filter(self, text: str) -> None:
        """Filter by `text`. A filter that does not read shows its error and no accounts:
        the rows of the last filter that did (often a half-typed name search) would pretend
        to answer this one."""
        error = self.query_one("#filter-error", Static)
        table = self.query_one(PortfolioTable)
        try:
            flt = parse_filter(text)
        except QueryError as exc:
            self.filter_error = str(exc)
            error.update(
                Text(
                    _("⚠ {error} — no accounts shown until it reads").format(
                        error=safe_text(str(exc))
                    )
                )
            )
            error.display = True
            table.display = False
            self.cancel_reads("rows")  # the rows of the last filter that read never show
            self._update_status()
            return
        self.filter_error = None
        error.display = False
        table.display = True
        self.filter = flt
        self.filter_text = text.strip()
        # After the typed character is painted: its query's thread would compete with it.
        self.call_after_refresh(self._reload, table.current_account_id, anywhere=False)

    @property
    def current_account_id(self) -> str | None:
        if self.filter_error is not None:
            return None  # no rows are shown: `l` and `p` have no account
        return self.query_one(PortfolioTable).current_account_id

    def retranslate(self) -> None:
        """The language changed: title, status line, filter hint and error, in it."""
        self.query_one("#filter-input", Input).placeholder = _(FILTER_HINT)
        self.query_one(PortfolioTable).refresh()
        if self.filter_error is not None:
            self._apply_filter(self.query_one("#filter-input", Input).value)
        else:
            self._update_status()

    def on_screen_suspend(self) -> None:
        self._left = True

    def on_screen_resume(self) -> None:
        """Back from an account or a log: show what changed (last touch, health). Not
        when first shown: `on_mount` reads then (a mode switch resumes twice)."""
        if self._left:
            self.refresh_rows()

    def refresh_rows(self) -> None:
        if self.is_mounted and self.filter_error is None:
            self._total = None  # the data may have changed: the book's size too
            self._reload(keep_account=self.current_account_id)

    def on_data_changed(self, message: DataChanged) -> None:
        self.refresh_rows()

    async def action_open(self) -> None:
        table = self.query_one(PortfolioTable)
        if self.focused is not table or table.current_account_id is None:
            raise SkipAction()  # enter in the filter box submits the filter
        await self.app.open_account(table.current_account_id)

    @on(PortfolioTable.Opened)
    def _open_account(self, event: PortfolioTable.Opened) -> None:
        self.app.open_account(event.account_id)
