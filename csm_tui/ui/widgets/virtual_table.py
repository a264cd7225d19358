"""A virtualised, keyboard-first table that fits any width.

Its cost follows the rows on screen, not the rows behind it: it asks its source for the
row count and for blocks of rows around what is visible, and paints lines from them.

Columns come in priority order, most important first. The table shows as many of them,
left to right, as the width allows at their least width; flexible columns (a name, a
reason) then take the room left, up to their widest. The rest are one horizontal scroll
away (`←` `→` move a column at a time; the first `FROZEN` columns stay put, so the row is
still named). Cell text is cut to its column by display width — CJK counts double — at a
word, with an ellipsis (`domain.fit`), and painted as plain segments, so markup and escape
sequences in it never take effect (callers pass text through `domain.text.safe_text`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from csm_tui.domain.fit import fit
from csm_tui.i18n import N_, _

Cell = tuple[str, str | None]
"""A cell's text and the name of its style (a `virtual-table--NAME` component class)."""

MARGIN = 1  # cells before the first column
GAP = 1  # cells after each column


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # a msgid (N_): the header shows it in the interface language
    width: int  # cells; the least width of a flexible column
    align: str = "left"
    flex: int = 0  # a flexible column grows up to this width (0: fixed)
    grow: int = 0  # extra cells it takes once every column shows
    comfort: int = 0  # a flexible column first grows to this width, before the others share
    words: bool = True  # cut at a word (a reason); False: at any character (a name)


def layout(columns: Sequence[Column], total: int) -> list[int]:
    """Each column's width in a table `total` cells wide (see the module doc)."""
    widths = [c.width for c in columns]
    shown = 1
    used = MARGIN + widths[0] + GAP
    while shown < len(columns) and used + widths[shown] + GAP <= total:
        used += widths[shown] + GAP
        shown += 1
    spare = max(0, total - used)
    for i in range(shown):  # first, each flexible column to its comfortable width
        add = min(spare, max(0, columns[i].comfort - widths[i]))
        widths[i] += add
        spare -= add
    # Then flexible columns on screen share the room in proportion to what each may take.
    room = {i: columns[i].flex - widths[i] for i in range(shown) if columns[i].flex > widths[i]}
    capacity = sum(room.values())
    if spare > 0 and capacity:
        share = min(spare, capacity)
        for i, can in room.items():
            add = min(can, share * can // capacity)
            widths[i] += add
            spare -= add
        for i in room:  # what rounding left, first column first
            add = min(spare, columns[i].flex - widths[i])
            widths[i] += add
            spare -= add
    if shown == len(columns):
        for i, column in enumerate(columns):
            if spare <= 0:
                break
            if column.grow:
                add = min(spare, column.grow)
                widths[i] += add
                spare -= add
    return widths


class RowSource(Protocol):
    """What the table reads from: a count and windows of rows in display order."""

    def count(self) -> int: ...

    def window(self, offset: int, limit: int) -> Sequence[Any]: ...

    def index_of(self, key: str) -> int | None: ...


class ListSource:
    """Rows already in memory (Today's agenda), keyed for keeping the cursor."""

    def __init__(self, rows: Sequence[Any], key: Callable[[Any], str]) -> None:
        self.rows = rows
        self._key = key

    def count(self) -> int:
        return len(self.rows)

    def window(self, offset: int, limit: int) -> Sequence[Any]:
        return self.rows[offset : offset + limit]

    def index_of(self, key: str) -> int | None:
        return next((i for i, row in enumerate(self.rows) if self._key(row) == key), None)


BLOCK = 128  # rows fetched per window
MAX_BLOCKS = 24  # blocks kept in memory (~3k rows)


class VirtualTable(ScrollView, can_focus=True):
    """The shared table of the portfolio, Today and a CSM's accounts.

    A subclass names its `COLUMNS`, how a row becomes cells (`cells`) and its key
    (`row_key`), and defines the `Opened` and `Highlighted` messages it posts (so each
    table's handlers keep their own names).
    """

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    FROZEN: ClassVar[int] = 1

    BINDINGS = [
        Binding("up,k", "cursor_up", N_("Up"), show=False, id="table.up"),
        Binding("down,j", "cursor_down", N_("Down"), show=False, id="table.down"),
        Binding("pageup", "page_up", N_("Page up"), show=False, id="table.page_up"),
        Binding("pagedown", "page_down", N_("Page down"), show=False, id="table.page_down"),
        Binding("home,g", "first", N_("First"), show=False, id="table.first"),
        Binding("end,G", "last", N_("Last"), show=False, id="table.last"),
        Binding(
            "left", "column_left", N_("Scroll columns left"), show=False, id="table.column_left"
        ),
        Binding(
            "right", "column_right", N_("Scroll columns right"), show=False, id="table.column_right"
        ),
        Binding("enter", "open", N_("Open"), id="table.open"),
    ]

    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--even",
        "virtual-table--strong",
        "virtual-table--red",
        "virtual-table--yellow",
        "virtual-table--green",
        "virtual-table--overdue",
        "virtual-table--soon",
        "virtual-table--visit",
        "virtual-table--dim",
        "virtual-table--strategic",
        "virtual-table--enterprise",
    }

    cursor_row: reactive[int] = reactive(0)

    class Opened(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class Highlighted(Message):
        def __init__(self, key: str | None, index: int) -> None:
            super().__init__()
            self.key = key
            self.index = index

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: RowSource | None = None
        self._count = 0
        self._blocks: OrderedDict[int, Sequence[Any]] = OrderedDict()
        self._cell_style_cache: dict[str, Style] = {}
        self._widths: list[int] = [c.width for c in self.COLUMNS]
        self._layout_width = 0

    # -- what a subclass says -------------------------------------------------------------

    def cells(self, row: Any) -> list[Cell]:
        raise NotImplementedError

    def row_key(self, row: Any) -> str | None:
        raise NotImplementedError

    def open_message(self, key: str) -> Message:
        return self.Opened(key)

    def highlight_message(self, key: str | None, index: int) -> Message:
        return self.Highlighted(key, index)

    # -- data -----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    def set_source(
        self,
        source: RowSource,
        keep_key: str | None = None,
        fallback: int = 0,
        *,
        at: int | None = None,
        blocks: Mapping[int, Sequence[Any]] | None = None,
    ) -> None:
        """Show another set of rows (a new filter or sort); keep the cursor on a row, or
        at `fallback` when that row is gone.

        A source read in a worker passes what it already knows: `at`, the kept row's
        index (then `keep_key` is not looked up), and `blocks` of rows it fetched
        (block number → rows, `BLOCK` rows a block), so painting asks it for nothing."""
        self._source = source
        self._blocks.clear()
        if blocks:
            self._blocks.update(blocks)
        self._count = source.count()
        self._update_virtual_size()
        index = at if at is not None else source.index_of(keep_key) if keep_key else None
        target = index if index is not None else fallback
        self.set_reactive(VirtualTable.cursor_row, max(0, min(target, self._count - 1)))
        self._scroll_cursor_into_view(center=index is not None)
        self.refresh()
        self._post_highlight()

    def refresh_rows(self) -> None:
        """Re-read the current rows (after a write), keeping the cursor's row."""
        if self._source is not None:
            self.set_source(self._source, keep_key=self.current_key)

    def row_at(self, index: int) -> Any | None:
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
    def current_row(self) -> Any | None:
        return self.row_at(self.cursor_row)

    @property
    def current_key(self) -> str | None:
        row = self.current_row
        return self.row_key(row) if row is not None else None

    def move_cursor(self, row: int) -> None:
        if self._count:
            self.cursor_row = max(0, min(self._count - 1, row))

    # -- columns --------------------------------------------------------------------------

    @property
    def column_widths(self) -> list[int]:
        return list(self._widths)

    @property
    def visible_columns(self) -> list[str]:
        """The keys of the columns wholly on screen, at the current horizontal scroll."""
        frozen, starts, rest = self._geometry()
        view = self._viewport_width - frozen
        left = int(self.scroll_x)
        keys = [c.key for c in self.COLUMNS[: self.FROZEN]]
        for column, start, width in zip(self.COLUMNS[self.FROZEN :], starts, rest, strict=True):
            if start >= left and start + width <= left + view:
                keys.append(column.key)
        return keys

    def _geometry(self) -> tuple[int, list[int], list[int]]:
        """The frozen part's width; where each scrolling column starts, and its width."""
        frozen = MARGIN + sum(w + GAP for w in self._widths[: self.FROZEN])
        rest = self._widths[self.FROZEN :]
        starts, x = [], 0
        for w in rest:
            starts.append(x)
            x += w + GAP
        return frozen, starts, rest

    @property
    def _viewport_width(self) -> int:
        """The width rows are painted in: the widget's, less its vertical scrollbar."""
        return self.scrollable_content_region.width

    def _update_virtual_size(self) -> None:
        view = self._viewport_width
        self._layout_width = view
        if view > 0:
            self._widths = layout(self.COLUMNS, view)
        frozen, starts, rest = self._geometry()
        end = starts[-1] + rest[-1] + GAP if rest else 0
        # Scrolled all the way, the first column in view starts at its left edge: the end
        # is padded so that the last scroll lands on a column, never halfway through one.
        view = max(1, view - frozen)
        last = next((s for s in starts if end - s <= view), 0)
        self.virtual_size = Size(frozen + max(end, last + view), self._count + 1)

    def action_column_right(self) -> None:
        _frozen, starts, _rest = self._geometry()
        x = int(self.scroll_x)
        target = next((s for s in starts if s > x), x)
        self.scroll_to(x=min(target, self.max_scroll_x), animate=False, immediate=True)

    def action_column_left(self) -> None:
        _frozen, starts, _rest = self._geometry()
        x = int(self.scroll_x)
        target = max((s for s in starts if s < x), default=0)
        self.scroll_to(x=target, animate=False, immediate=True)

    # -- cursor ---------------------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlight()

    def _post_highlight(self) -> None:
        self.post_message(self.highlight_message(self.current_key, self.cursor_row))

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
        key = self.current_key
        if key is not None:
            self.post_message(self.open_message(key))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < self._count:
            if index == self.cursor_row and event.chain >= 2:
                self.action_open()
            self.cursor_row = index

    # -- painting -------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._update_virtual_size()
        self._cell_style_cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cell_style_cache.clear()

    def _style(self, name: str) -> Style:
        style = self._cell_style_cache.get(name)
        if style is None:
            style = self.get_component_rich_style(f"virtual-table--{name}", partial=True)
            self._cell_style_cache[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        view = self._viewport_width
        if view != self._layout_width:  # a scrollbar came or went
            self._update_virtual_size()
        base = self.rich_style
        if y == 0:
            cells: list[Cell] = [(_(c.title), None) for c in self.COLUMNS]  # msgids
            return self._line(cells, base + self._style("header"), width, view)
        index = int(self.scroll_y) + y - 1
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        line_style = base
        if index % 2:
            line_style += self._style("even")
        if index == self.cursor_row:
            line_style += self._style("cursor")
        return self._line(self.cells(row), line_style, width, view)

    def _line(self, cells: list[Cell], style: Style, width: int, view: int) -> Strip:
        frozen: list[Segment] = [Segment(" " * MARGIN, style)]
        rest: list[Segment] = []
        out = frozen
        for i, ((text, cell_style), column, w) in enumerate(
            zip(cells, self.COLUMNS, self._widths, strict=True)
        ):
            cells_used = cell_len(text)
            if cells_used > w:
                text = fit(text, w, cell_len, at_word=column.words)
                text = set_cell_size(text, w)  # pads after a double-width character
            elif column.align == "right":
                text = " " * (w - cells_used) + text
            else:
                text = text + " " * (w - cells_used)
            if i == self.FROZEN:
                out = rest
            out.append(Segment(text, style + self._style(cell_style) if cell_style else style))
            out.append(Segment(" " * GAP, style))
        left = int(self.scroll_x)
        if left == 0:  # not scrolled sideways: one strip (the scrollbar covers its end)
            line = Strip([*frozen, *rest])
        else:
            head = Strip(frozen)
            tail = Strip(rest).crop_extend(left, left + max(0, view - head.cell_length), style)
            line = Strip.join([head, tail])
        return line.adjust_cell_length(width, style)
