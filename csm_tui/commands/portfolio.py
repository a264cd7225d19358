"""The `filter` verb (and a line with no verb): the portfolio's accounts a filter selects,
in a sort order; `portfolio_rows` is what `export portfolio` writes without the export work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandResult
from csm_tui.commands.session import Handler, Session, money
from csm_tui.domain.language.verb_types import (
    Command,
    FilterCommand,
)
from csm_tui.i18n import N_, Message, Nn_

if TYPE_CHECKING:
    from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort
    from csm_tui.workspace import Workspace


def portfolio_columns(session: Session) -> tuple[Column, ...]:
    from csm_tui.domain.humanize import never, relative_day, relative_time

    today, now = session.today(), session.now()
    return (
        Column("name", N_("Account")),
        Column("tier", N_("Tier")),
        Column("health", N_("Health"), right=True),
        Column("arr_usd", N_("ARR (USD)"), right=True, show=money),
        Column("stage", N_("Stage")),
        Column(
            "renewal",
            N_("Renewal"),
            show=lambda d: "" if d is None else relative_day(d, today),
        ),
        Column(
            "last_touch",
            N_("Last touch"),
            show=lambda t: never() if t is None else relative_time(t, now),
        ),
        Column("owner", N_("Owner")),
        Column("id", N_("Id")),
    )


def portfolio_rows(
    session_or_ws: Session | Workspace,
    flt: PortfolioFilter,
    sort: PortfolioSort | None,
    limit: int | None,
) -> tuple[tuple[tuple[Any, ...], ...], int]:
    """(rows, total) of the portfolio for a filter, in the sort's order."""
    from csm_tui.domain.language.filters import PortfolioSort
    from csm_tui.store.portfolio import PortfolioQuery

    ws = session_or_ws.ws if isinstance(session_or_ws, Session) else session_or_ws
    query = PortfolioQuery(
        ws.conn,
        flt,
        sort or PortfolioSort.TIER_HEALTH,
        ws.today(),
        ws.meta("me"),
        ws.settings.tier_rules,
        zone=ws.zone,
    )
    total = query.count()
    wanted = total if limit is None else min(limit, total)
    rows = query.window(0, wanted) if wanted else []
    out = tuple(
        (
            r.name,
            r.tier,
            r.health_score,
            r.arr_usd,
            r.stage,
            r.renewal_date,
            r.last_touch_at,
            r.owner_name,
            r.id,
        )
        for r in rows
    )
    return out, total


def filter_result(session: Session, command: FilterCommand, dry: bool) -> CommandResult:
    rows, total = portfolio_rows(session, command.filter, command.sort, command.limit)
    shown = len(rows)
    message = (
        Message.of(*Nn_("{count} account", "{count} accounts"), n=total, count=f"{total:,}")
        if shown == total
        else Message.of(
            *Nn_("showing {shown} of {count} account", "showing {shown} of {count} accounts"),
            n=total,
            shown=f"{shown:,}",
            count=f"{total:,}",
        )
    )
    return CommandResult.of(
        command,
        message,
        columns=portfolio_columns(session),
        rows=rows,
        total=total,
        screen="portfolio",
    )


HANDLERS: dict[type[Command], Handler] = {
    FilterCommand: filter_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
