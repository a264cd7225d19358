"""The `help` verb: the verbs and how to write them."""

from __future__ import annotations

from csm_tui.commands.results import Column, CommandResult
from csm_tui.commands.session import Handler, Session
from csm_tui.domain.language.verb_options import USAGE, VERBS
from csm_tui.domain.language.verb_types import (
    Command,
    HelpCommand,
)
from csm_tui.i18n import N_, _


def help_result(session: Session, command: HelpCommand, dry: bool) -> CommandResult:
    verbs = [command.topic] if command.topic else list(VERBS)
    rows = tuple((v, *USAGE[v]) for v in verbs)  # in English: the rows are for machines
    lines = [f"{usage}\n    {_(what)}" for _verb, usage, what in rows]
    if command.topic is None:
        lines.append(
            _(
                "Options: --format table|json|csv (every verb but export); --dry-run (every "
                'verb that writes). Quote names with spaces: "Acme Ltd". A line that starts '
                'with a filter term (tier:strategic) or a "quoted name" is a filter.'
            )
        )
    return CommandResult.of(
        command,
        _("the command language") if command.topic is None else f"{command.topic}",
        columns=(
            Column("verb", N_("Verb")),
            Column("usage", N_("Usage")),
            Column("what", N_("What")),
        ),
        rows=rows,
        text="\n".join(lines),
        show_table=False,
    )


HANDLERS: dict[type[Command], Handler] = {
    HelpCommand: help_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
