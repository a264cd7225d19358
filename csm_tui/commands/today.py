"""The `today` verb: your agenda (the Today screen)."""

from __future__ import annotations

from csm_tui.commands.results import Column, CommandResult
from csm_tui.commands.session import Handler, Session
from csm_tui.domain.language.verb_types import (
    Command,
    TodayCommand,
)
from csm_tui.i18n import N_, Message, Nn_


def today_result(session: Session, command: TodayCommand, dry: bool) -> CommandResult:
    from csm_tui.store.agenda import load_agenda
    from csm_tui.store.lookup import short_id

    me = session.need_me()
    items = load_agenda(session.conn, me, session.today(), session.rules, zone=session.ws.zone)
    rows = tuple(
        (
            i.tier.value,
            i.account_name,
            i.kind.value,
            i.reason,  # shown in the interface language; JSON and CSV keep the English
            i.due,
            None if i.task_id is None else short_id(i.task_id),
            i.account_id,
        )
        for i in items
    )
    return CommandResult.of(
        command,
        Message.of(
            *Nn_("{count} thing on your agenda", "{count} things on your agenda"),
            n=len(rows),
            count=f"{len(rows):,}",
        ),
        columns=(
            Column("tier", N_("Tier")),
            Column("account", N_("Account")),
            Column("kind", N_("What")),
            Column("why", N_("Why")),
            Column("due", N_("Due")),
            Column("task", N_("Task")),
            Column("account_id", N_("Account id")),
        ),
        rows=rows,
        screen="today",
    )


HANDLERS: dict[type[Command], Handler] = {
    TodayCommand: today_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
