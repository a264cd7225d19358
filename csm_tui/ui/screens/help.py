"""`?`: every binding of the screen beneath, with the filter language on the portfolio."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from csm_tui.i18n import N_, _

FILTER_HELP = (
    ('acme  "云图 科技"', N_("name contains the words (quotes keep a phrase)")),
    ("tier:strategic,enterprise", N_("tier is one of these")),
    ("health:<60  health:40..69  health:red", N_("health score or band")),
    ("stage:onboarding", N_("lifecycle stage")),
    ("owner:me  owner:li", N_("owner is you, or whose name contains the text")),
    ("renewal:<90d  renewal:<3m", N_("renews within the period")),
    ("arr:>100k", N_("ARR in USD-equivalent")),
    (
        "is:overdue  is:late  is:zombie",
        N_("past cadence; not activated 30 / 90 days after go-live"),
    ),
)

TEXTUAL_BINDINGS = (
    N_("Bottom"),
    N_("Copy selected text"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Cursor up"),
    N_("Cut selected text"),
    N_("Delete all to the right"),
    N_("Delete character left"),
    N_("Delete character right"),
    N_("End"),
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Go to end"),
    N_("Go to start"),
    N_("Home"),
    N_("Move cursor left"),
    N_("Move cursor left a word"),
    N_("Next tab"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Page Up"),
    N_("Paste text from the clipboard"),
    N_("Press button"),
    N_("Previous tab"),
    N_("Scroll Down"),
    N_("Scroll End"),
    N_("Scroll Home"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Up"),
    N_("Select"),
    N_("Select all"),
    N_("Select line end"),
    N_("Select line start"),
    N_("Show menu"),
    N_("Submit"),
    N_("Toggle"),
    N_("Toggle option"),
    N_("Top"),
    N_("select word"),
)
"""The descriptions of Textual's own bindings the help lists (the focused table, text
area, field or tabs), so the catalog has them: `?` shows `_(description)`."""


class HelpScreen(ModalScreen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    """Below 120 columns the filter language goes under the keys (app.tcss): side by side,
    the keys' three columns were squeezed until the commands were cut off."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", N_("Close help"), id="help.close"),
    ]

    def __init__(self, beneath: Screen[Any]) -> None:
        super().__init__()
        self._beneath = beneath

    def compose(self) -> ComposeResult:
        with Horizontal(id="help-body"):
            with VerticalScroll(id="help-keys-box"):
                yield Static(self._bindings_table(), id="help-keys", markup=False)
            if getattr(self._beneath, "SHOW_FILTER_HELP", False):
                with VerticalScroll(id="help-filter-box"):
                    yield Static(self._filter_table(), id="help-filter", markup=False)

    def _bindings_table(self) -> Table:
        table = Table(
            title=_("Keys — {screen}").format(
                screen=_(self._beneath.title) if self._beneath.title else "csm-tui"
            ),
            expand=True,
            show_edge=False,
            title_justify="left",
        )
        from csm_tui.ui.key_commands import command_shown

        table.add_column(_("key"), no_wrap=True, style="bold")
        table.add_column(_("does"))
        table.add_column(_("as a command (ctrl+p, csm-tui run)"), style="dim")
        keys_by_action: dict[str, list[str]] = {}
        commands: dict[str, str] = {}
        for active in self._beneath.active_bindings.values():
            binding: Binding = active.binding
            if not binding.description:
                continue
            keys = keys_by_action.setdefault(binding.description, [])
            key = self.app.get_key_display(binding)
            if key not in keys:
                keys.append(key)
            commands.setdefault(binding.description, command_shown(binding.id))
        for description, keys in keys_by_action.items():
            table.add_row(Text(" ".join(keys)), Text(_(description)), Text(commands[description]))
        table.add_row(
            Text("ctrl+p"), Text(_("command palette: every key above, by name")), Text("")
        )
        return table

    def _filter_table(self) -> Table:
        table = Table(
            title=_("Filter language (/)"), expand=True, show_edge=False, title_justify="left"
        )
        table.add_column(_("type"), no_wrap=True, style="bold")
        table.add_column(_("means"))
        for example, meaning in FILTER_HELP:
            table.add_row(Text(example), Text(_(meaning)))
        return table
