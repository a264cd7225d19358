"""The portfolio export: every account a filter selects, as CSV, JSON or Markdown."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, date, tzinfo
from typing import Any

from csm_tui.commands.export.formats import (
    as_of_line,
    json_value,
    md_table,
    records,
    to_csv,
    to_json,
)
from csm_tui.domain.clock import local_day
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.health import arrow_for
from csm_tui.domain.humanize import format_money, relative_day
from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort
from csm_tui.domain.prep import md_inline
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.cache import get_data_as_of
from csm_tui.store.exporter import ExportColumn, filter_of, portfolio_table

# What the portfolio screen shows, in its order (Markdown).
PORTFOLIO_SHOWN: tuple[ExportColumn, ...] = (
    ExportColumn("name", "Account"),
    ExportColumn("tier", "Tier"),
    ExportColumn("health", "Health", "int"),
    ExportColumn("arr", "ARR", "money"),
    ExportColumn("stage", "Stage"),
    ExportColumn("renewal", "Renewal"),
    ExportColumn("last_touch", "Last touch"),
    ExportColumn("owner", "Owner"),
)
_STAGE_LABELS = {
    "onboarding": "Onboarding",
    "activation": "Activation",
    "adoption": "Adoption",
    "renewal": "Renewal",
    "churned": "Churned",
}


def _portfolio_shown(record: Mapping[str, Any], today: date, zone: tzinfo = UTC) -> tuple[str, ...]:
    """One row as the portfolio screen writes it."""
    health = record["health"]
    if health is None:
        health_text = "—"
    else:
        before = record["health_30d"]
        arrow = arrow_for(None if before is None else health - before)
        health_text = f"{health} {arrow}".rstrip()
    renewal = record["renewal_date"]
    touch = record["last_touch_at"]
    touch_text = "never" if touch is None else relative_day(local_day(touch, zone), today)
    if record["touch_overdue"]:
        touch_text += " (overdue)"
    try:
        tier = Tier(record["tier"]).label
    except ValueError:
        tier = record["tier"]
    return (
        record["name"],
        tier,
        health_text,
        format_money(record["arr"], record["currency"]),
        _STAGE_LABELS.get(record["stage"], record["stage"]),
        "—" if renewal is None else relative_day(renewal, today),
        touch_text,
        record["owner"] or "—",
    )


def export_portfolio(
    conn: sqlite3.Connection,
    flt: PortfolioFilter | str | None,
    sort: PortfolioSort | None,
    today: date,
    me: str | None,
    rules: TierRules,
    fmt: ExportFormat | str,
    *,
    excel: bool = False,
    zone: tzinfo = UTC,
) -> str:
    """The accounts `flt` selects (a `PortfolioFilter` or its text), sorted as the
    portfolio sorts them (`sort` None: tier, then health), as CSV, JSON or Markdown; days
    are the user's, in `zone`."""
    fmt = ExportFormat.parse(fmt)
    flt = filter_of(flt)
    sort = sort or PortfolioSort.TIER_HEALTH
    table = portfolio_table(conn, flt, sort, today, me, rules, zone)
    if fmt is ExportFormat.CSV:
        return to_csv(table, excel=excel)
    data_as_of = get_data_as_of(conn)
    if fmt is ExportFormat.JSON:
        return to_json(
            {
                "export": "portfolio",
                "filter": flt.to_text(),
                "sort": sort.value,
                "today": today.isoformat(),
                "data_as_of": json_value(data_as_of),
                "count": len(table.rows),
                "columns": table.keys,
                "rows": records(table),
            }
        )
    keys = table.keys
    shown = [_portfolio_shown(dict(zip(keys, row, strict=True)), today, zone) for row in table.rows]
    what = f"{len(shown):,} account{'' if len(shown) == 1 else 's'}"
    if not flt.is_empty:
        what += f" matching {md_inline(flt.to_text(), line_start=False)}"
    lines = [
        "# Portfolio",
        "",
        f"_{what} · sorted by {md_inline(sort.label, line_start=False)} · "
        f"{as_of_line(today, data_as_of)}_",
        "",
        *md_table(PORTFOLIO_SHOWN, shown),
        "",
    ]
    return "\n".join(lines)
