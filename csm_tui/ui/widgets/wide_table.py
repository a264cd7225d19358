"""A stock DataTable for short, wide reports (the coverage view): it fits more columns and
scrolls the rest a column at a time.

A report of a handful of rows does not need the virtualised table; what it needs is to
show as many columns as the width allows and to reach the others. So:

* one cell between columns instead of DataTable's two (`cell_padding=0`, and every column
  after the first starts with a space), the table itself padded by one cell on the left;
* the first column (who or what the row is about) stays put while the others scroll;
* `←` `→` scroll a whole column at a time (DataTable moves one cell in row mode).
"""

from __future__ import annotations

from typing import overload

from rich.text import Text, TextType
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from csm_tui.i18n import N_


@overload
def _gap(cell: Text) -> Text: ...
@overload
def _gap(cell: str) -> str: ...
@overload
def _gap(cell: str | Text) -> str | Text: ...
@overload
def _gap(cell: object) -> object: ...
def _gap(cell: object) -> object:
    """The cell with one space before it (its style and alignment kept)."""
    if isinstance(cell, Text):
        spaced = Text(" ", justify=cell.justify, no_wrap=cell.no_wrap, overflow=cell.overflow)
        spaced.append_text(cell)
        return spaced
    if isinstance(cell, str):
        return " " + cell
    return cell


class WideTable(DataTable[object]):
    """Rows of a report, the first column frozen, the rest a column-wise scroll away."""

    BINDINGS = [
        Binding("left", "column_left", N_("Scroll columns left"), show=False, id="wide_table.left"),
        Binding(
            "right", "column_right", N_("Scroll columns right"), show=False, id="wide_table.right"
        ),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=True,
            fixed_columns=1,
            cell_padding=0,
        )

    def add_column(
        self,
        label: TextType,
        *,
        width: int | None = None,
        key: str | None = None,
        default: CellType | None = None,
    ) -> ColumnKey:
        if self.ordered_columns:
            label = _gap(label)
        return super().add_column(label, width=width, key=key, default=default)

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        spaced = (*cells[:1], *(_gap(cell) for cell in cells[1:]))
        return super().add_row(*spaced, height=height, key=key, label=label)

    def _scrolling_starts(self) -> list[int]:
        """Where each column after the frozen ones starts, in scrolled cells."""
        starts, x = [], 0
        for column in self.ordered_columns[self.fixed_columns :]:
            starts.append(x)
            x += column.get_render_width(self)
        return starts

    def action_column_right(self) -> None:
        x = round(self.scroll_x)
        target = next((s for s in self._scrolling_starts() if s > x), x)
        self.scroll_to(x=min(target, self.max_scroll_x), animate=False)

    def action_column_left(self) -> None:
        x = round(self.scroll_x)
        target = max((s for s in self._scrolling_starts() if s < x), default=0)
        self.scroll_to(x=target, animate=False)
