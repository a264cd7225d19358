"""A virtualised table of accounts, fed by SQL one window at a time.

Its cost follows the rows on screen, not the rows in the book: it asks its source for the
row count and for blocks of rows around what is visible, and paints lines from them. Text
from the book (names, owners) is made safe with `domain.text.safe_text` and painted as
plain segments, so markup and escape sequences in it never take effect.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from csm_tui.domain.agenda import RENEWAL_HORIZON_DAYS
from csm_tui.domain.cadence import TouchStatus
from csm_tui.domain.health import arrow_for, band_for
from csm_tui.domain.humanize import format_money, relative_day
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier


class PortfolioRowLike(Protocol):
    id: str
    name: str
    tier: str
    health_score: int | None
    health_score_30d: int | None
    arr: float
    currency: str
    stage: str
    renewal_date: date | None
    last_touch_at: datetime | None
    owner_name: str | None
    cadence_days: int | None


class PortfolioSource(Protocol):
    """What the table reads from: a count and windows of rows in display order."""

    def count(self) -> int: ...

    def window(self, offset: int, limit: int) -> Sequence[PortfolioRowLike]: ...

    def index_of(self, account_id: str) -> int | None: ...


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # 0: takes the remaining width
    align: str = "left"


COLUMNS: tuple[Column, ...] = (
    Column("name", "Account", 0),
    Column("tier", "Tier", 10),
    Column("health", "Health", 8),
    Column("arr", "ARR", 8, "right"),
    Column("stage", "Stage", 11),
    Column("renewal", "Renewal", 14),
    Column("last_touch", "Last touch", 14),
    Column("owner", "Owner", 14),
)

STAGE_LABELS = {
    "renewal": "Renewal",
    "onboarding": "Onboarding",
    "activation": "Activation",
    "adoption": "Adoption",
    "churned": "Churned",
}

BLOCK = 128  # rows fetched per SQL window
MAX_BLOCKS = 24  # blocks kept in memory (~3k rows)
NAME_MIN = 16
NAME_MAX = 56
OWNER_GROWTH = 8


class PortfolioTable(ScrollView, can_focus=True):
    """The portfolio's account table: keyboard-first, virtualised, safe."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "first", "First", show=False, id="table.first"),
        Binding("end,G", "last", "Last", show=False, id="table.last"),
        Binding("enter", "open", "Open", id="table.open"),
    ]

    COMPONENT_CLASSES = {
        "portfolio-table--header",
        "portfolio-table--cursor",
        "portfolio-table--even",
        "portfolio-table--red",
        "portfolio-table--yellow",
        "portfolio-table--green",
        "portfolio-table--overdue",
        "portfolio-table--soon",
        "portfolio-table--dim",
        "portfolio-table--strategic",
        "portfolio-table--enterprise",
    }

    cursor_row: reactive[int] = reactive(0)

    class Opened(Message):
        """The user asked to open the account under the cursor."""

        def __init__(self, account_id: str) -> None:
            super().__init__()
            self.account_id = account_id

    class Highlighted(Message):
        def __init__(self, account_id: str | None, index: int) -> None:
            super().__init__()
            self.account_id = account_id
            self.index = index

    def __init__(
        self,
        today: Callable[[], date],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._today = today
        self._source: PortfolioSource | None = None
        self._count = 0
        self._blocks: OrderedDict[int, Sequence[PortfolioRowLike]] = OrderedDict()
        self._cell_style_cache: dict[str, Style] = {}

    # -- data -----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    def set_source(self, source: PortfolioSource, keep_account: str | None = None) -> None:
        """Show another query's rows (new filter or sort); keep the cursor on an account."""
        self._source = source
        self._blocks.clear()
        self._count = source.count()
        self.virtual_size = Size(self.size.width, self._count + 1)
        index = source.index_of(keep_account) if keep_account else None
        target = index if index is not None else 0
        self.set_reactive(PortfolioTable.cursor_row, max(0, min(target, self._count - 1)))
        self._scroll_cursor_into_view(center=index is not None)
        self.refresh()
        self._post_highlight()

    def refresh_rows(self) -> None:
        """Re-read the current query (after a write), keeping the cursor's account."""
        if self._source is not None:
            self.set_source(self._source, keep_account=self.current_account_id)

    def row_at(self, index: int) -> PortfolioRowLike | None:
        if self._source is None or not 0 <= index < self._count:
            return None
        block_no = index // BLOCK
        block = self._blocks.get(block_no)
        if block is None:
            block = self._source.window(block_no * BLOCK, BLOCK)
            self._blocks[block_no] = block
            while len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block_no)
        offset = index - block_no * BLOCK
        return block[offset] if offset < len(block) else None

    @property
    def current_account_id(self) -> str | None:
        row = self.row_at(self.cursor_row)
        return row.id if row is not None else None

    # -- cursor ---------------------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(1, self.size.height - 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlight()

    def _post_highlight(self) -> None:
        self.post_message(self.Highlighted(self.current_account_id, self.cursor_row))

    def _scroll_cursor_into_view(self, center: bool = False) -> None:
        top = int(self.scroll_y)
        body = self._body_height
        row = self.cursor_row
        if center:
            target = max(0, row - body // 2)
        elif row < top:
            target = row
        elif row >= top + body:
            target = row - body + 1
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True)

    def _move(self, delta: int) -> None:
        if self._count:
            self.cursor_row = max(0, min(self._count - 1, self.cursor_row + delta))

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-self._body_height)

    def action_page_down(self) -> None:
        self._move(self._body_height)

    def action_first(self) -> None:
        self._move(-self._count)

    def action_last(self) -> None:
        self._move(self._count)

    def action_open(self) -> None:
        account_id = self.current_account_id
        if account_id is not None:
            self.post_message(self.Opened(account_id))

    def on_click(self, event) -> None:
        index = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < self._count:
            if index == self.cursor_row and event.chain >= 2:
                self.action_open()
            self.cursor_row = index

    # -- painting -------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self._count + 1)
        self._cell_style_cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cell_style_cache.clear()

    def _style(self, name: str) -> Style:
        style = self._cell_style_cache.get(name)
        if style is None:
            style = self.get_component_rich_style(f"portfolio-table--{name}", partial=True)
            self._cell_style_cache[name] = style
        return style

    def _widths(self, total: int) -> list[int]:
        """Name takes what is left (within bounds); then the owner column grows."""
        fixed = sum(c.width + 1 for c in COLUMNS if c.width)
        room = total - fixed - 2
        name = max(NAME_MIN, min(NAME_MAX, room))
        widths = [c.width or name for c in COLUMNS]
        widths[-1] += max(0, min(OWNER_GROWTH, room - name))
        return widths

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        widths = self._widths(width)
        base = self.rich_style
        if y == 0:
            return self._line(
                [(c.title, None) for c in COLUMNS], widths, base + self._style("header"), width
            )
        index = int(self.scroll_y) + y - 1
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        line_style = base
        if index % 2:
            line_style += self._style("even")
        if index == self.cursor_row:
            line_style += self._style("cursor")
        return self._line(self._cells(row), widths, line_style, width)

    def _line(
        self, cells: list[tuple[str, str | None]], widths: list[int], style: Style, width: int
    ) -> Strip:
        segments: list[Segment] = [Segment(" ", style)]
        for (text, cell_style), column, w in zip(cells, COLUMNS, widths, strict=True):
            if cell_len(text) > w:
                text = set_cell_size(text, w - 1) + "…"
            elif column.align == "right":
                text = " " * (w - cell_len(text)) + text
            text = set_cell_size(text, w)
            segments.append(Segment(text, style + self._style(cell_style) if cell_style else style))
            segments.append(Segment(" ", style))
        strip = Strip(segments)
        return strip.adjust_cell_length(width, style)

    def _cells(self, row: PortfolioRowLike) -> list[tuple[str, str | None]]:
        today = self._today()
        tier = Tier(row.tier)
        tier_style = {Tier.STRATEGIC: "strategic", Tier.ENTERPRISE: "enterprise"}.get(tier)
        if row.health_score is None:
            health = ("  —", "dim")
        else:
            delta = (
                None if row.health_score_30d is None else row.health_score - row.health_score_30d
            )
            band = band_for(row.health_score).value
            health = (f"● {row.health_score:>3} {arrow_for(delta)}", band)
        renewal: tuple[str, str | None] = ("—", "dim")
        if row.renewal_date is not None:
            days = (row.renewal_date - today).days
            style = "overdue" if days < 0 else "soon" if days <= RENEWAL_HORIZON_DAYS else None
            if row.stage == "churned":
                style = "dim"
            renewal = (relative_day(row.renewal_date, today), style)
        touched = None if row.last_touch_at is None else row.last_touch_at.date()
        status = TouchStatus(
            tier, row.cadence_days, None if touched is None else max(0, (today - touched).days)
        )
        if touched is None:
            touch = ("never", "overdue" if status.overdue else "dim")
        else:
            touch = (relative_day(touched, today), "overdue" if status.overdue else None)
        return [
            (safe_text(row.name), None),
            (tier.label, tier_style),
            health,
            (format_money(row.arr, row.currency), None),
            (
                STAGE_LABELS.get(row.stage, row.stage.title()),
                "dim" if row.stage == "churned" else None,
            ),
            renewal,
            touch,
            (safe_text(row.owner_name or "—"), None if row.owner_name else "dim"),
        ]
