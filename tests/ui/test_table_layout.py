"""How the shared table shares out its width (ui/widgets/virtual_table.layout)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.ui.screens.today import AgendaTable
from csm_tui.ui.widgets.portfolio_table import COLUMNS
from csm_tui.ui.widgets.virtual_table import GAP, MARGIN, Column, layout

FIRST = ["name", "tier", "health", "arr", "renewal", "last_touch"]


def used(widths) -> int:
    return MARGIN + sum(w + GAP for w in widths)


def test_the_first_columns_show_whole_and_the_name_takes_what_is_left():
    for total, shown in ((59, 5), (79, 6)):
        widths = layout(COLUMNS, total)
        assert [c.key for c in COLUMNS[:shown]] == FIRST[:shown]
        assert used(widths[:shown]) == total  # the columns shown fill the width exactly
        assert used(widths[: shown + 1]) > total  # the next one is a scroll away
        assert widths[1:] == [c.width for c in COLUMNS[1:]]  # only the name flexes


def test_when_everything_fits_the_name_stops_at_its_widest_and_the_owner_grows():
    widths = layout(COLUMNS, 200)
    assert widths[0] == COLUMNS[0].flex
    assert widths[-1] == COLUMNS[-1].width + COLUMNS[-1].grow


def test_todays_account_grows_to_a_comfortable_width_then_the_reason_takes_the_most():
    cols = AgendaTable.COLUMNS
    widths = dict(zip([c.key for c in cols], layout(cols, 79), strict=True))
    assert widths["account"] >= 22
    assert widths["why"] > widths["account"]
    assert used(widths.values()) == 79
    at_160 = dict(zip([c.key for c in cols], layout(cols, 159), strict=True))
    assert at_160["account"] >= 30 and at_160["why"] > 80


def test_a_narrow_table_still_shows_its_first_column():
    cols = (Column("a", "A", 30), Column("b", "B", 10))
    assert layout(cols, 12) == [30, 10]


COLUMN = st.builds(
    Column,
    key=st.just("k"),
    title=st.just("T"),
    width=st.integers(1, 30),
    flex=st.integers(0, 60),
    grow=st.integers(0, 10),
    comfort=st.integers(0, 40),
)


@given(columns=st.lists(COLUMN, min_size=1, max_size=9), total=st.integers(0, 220))
def test_the_layout_never_shrinks_a_column_nor_overflows_the_width(columns, total):
    widths = layout(columns, total)
    for column, width in zip(columns, widths, strict=True):
        assert width >= column.width
        assert width <= max(column.width, column.flex, column.comfort) + column.grow
    if used(widths[:1]) <= total:
        fits = [
            n for n in range(1, len(columns) + 1) if used([c.width for c in columns[:n]]) <= total
        ]
        assert used(widths[: max(fits)]) <= total
