"""The coverage export: the coverage report's table as CSV, JSON or Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from csm_tui.commands.export.formats import (
    as_of_line,
    json_value,
    md_table,
    records,
    to_csv,
    to_json,
)
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.humanize import format_money
from csm_tui.domain.prep import md_inline
from csm_tui.store.exporter import (
    ExportColumn,
    ExportTable,
    coverage_table,
    report_value,
)

Record = Mapping[str, Any]

# The Markdown's volume columns (per CSM, per team, per tier).
VOLUME = (
    ExportColumn("accounts", "Accounts", "int"),
    ExportColumn("arr", "ARR", "money"),
    ExportColumn("load", "Load", "number"),
    ExportColumn("overdue", "Overdue touches", "int"),
    ExportColumn("late", "Late to activate", "int"),
    ExportColumn("risk", "At-risk ARR", "money"),
    ExportColumn("renewals", "Renewals 30 / 60 / 90 d", "text"),
)
RETENTION = (
    ExportColumn("name", "Scope"),
    ExportColumn("grr", "GRR", "rate"),
    ExportColumn("nrr", "NRR = retention + expansion", "rate"),
    ExportColumn("churn", "Logo churn", "rate"),
    ExportColumn("upsell", "Upsell", "rate"),
    ExportColumn("downsell", "Downsell", "rate"),
    ExportColumn("nps", "NPS", "number"),
    ExportColumn("renewal", "Renewal rate (logos / ARR)", "text"),
    ExportColumn("new_arr", "New ARR", "money"),
    ExportColumn("cmrr", "CMRR", "money"),
    ExportColumn("csms_needed", "CSMs needed", "number"),
)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _money(value: Any) -> str:
    return "—" if value is None else format_money(value, "USD")


def export_coverage(report: Any, fmt: ExportFormat | str, *, excel: bool = False) -> str:
    """The coverage report (see `coverage_table`) as CSV, JSON or Markdown."""
    fmt = ExportFormat.parse(fmt)
    table = coverage_table(report)
    if fmt is ExportFormat.CSV:
        return to_csv(table, excel=excel)
    period = _period(report)
    maturity = _maturity(report)
    if fmt is ExportFormat.JSON:
        return to_json(
            {
                "export": "coverage",
                "team": report_value(report, "team_filter"),
                "today": json_value(report_value(report, "today")),
                "data_as_of": json_value(report_value(report, "data_as_of")),
                "period": period,
                "columns": table.keys,
                "rows": records(table),
                "maturity": maturity,
            }
        )
    return _markdown(report, table, period, maturity)


def _period(report: Any) -> dict[str, Any] | None:
    """The metrics' period as JSON values (None: no period)."""
    period = report_value(report, "period")
    if period is None:
        return None
    return {
        "start": json_value(report_value(period, "start")),
        "end": json_value(report_value(period, "end")),
    }


def _maturity(report: Any) -> dict[str, Any] | None:
    """The estimated maturity level with its evidence (None: no estimate)."""
    maturity = report_value(report, "maturity")
    if maturity is None:
        return None
    level = report_value(maturity, "level")
    return {
        "level": None if level is None else int(level),
        "label": report_value(level, "label"),
        "evidence": list(report_value(maturity, "evidence", ()) or ()),
        "next_step": report_value(maturity, "next_step"),
    }


def _markdown(
    report: Any,
    table: ExportTable,
    period: dict[str, Any] | None,
    maturity: dict[str, Any] | None,
) -> str:
    scoped = [dict(zip(table.keys, row, strict=True)) for row in table.rows]
    lines = ["# Coverage", ""]
    team = report_value(report, "team_filter")
    scope = f"team {md_inline(str(team), line_start=False)}" if team else "every team"
    today = report_value(report, "today")
    if isinstance(today, date):
        data_as_of = report_value(report, "data_as_of")
        lines += [f"_{scope} · {as_of_line(today, data_as_of)}_", ""]
    lines += _volume_sections(scoped)
    lines += _retention_section(scoped, period)
    lines += _maturity_section(maturity)
    lines.append("")
    return "\n".join(lines)


def _volume_cells(r: Record) -> tuple[str, ...]:
    load = r["load"]
    load_text = "—" if load is None else f"{load:.2f}" + (" ⚠" if r["overloaded"] else "")
    return (
        _num(r["accounts"]),
        _money(r["arr_usd"]),
        load_text,
        _num(r["overdue"]),
        _num(r["late_activation"]),
        _money(r["at_risk_arr"]),
        " / ".join(_num(r[f"renew_{d}"]) for d in (30, 60, 90)),
    )


def _volume_sections(scoped: list[dict[str, Any]]) -> list[str]:
    """Per CSM (and the digital pool), per team and per tier: accounts, ARR, load, risk."""
    lines = ["## Per CSM", ""]
    owners = [r for r in scoped if r["scope"] in ("csm", "pool")]
    lines += md_table(
        (ExportColumn("name", "CSM"), ExportColumn("team", "Team"), *VOLUME),
        (
            (
                r["name"] if r["scope"] == "csm" else "(no owner: digital pool)",
                r["team"] or "—",
                *_volume_cells(r),
            )
            for r in owners
        ),
    )
    for scope_name, heading in (("team", "Per team"), ("tier", "Per tier")):
        group = [r for r in scoped if r["scope"] in (scope_name, "total")]
        if len(group) > 1:
            lines += ["", f"## {heading}", ""]
            lines += md_table(
                (ExportColumn("name", heading.split()[1].title()), *VOLUME),
                ((r["name"], *_volume_cells(r)) for r in group),
            )
    return lines


def _retention_cells(r: Record) -> tuple[str, ...]:
    return (
        r["name"],
        _rate(r["grr"]),
        f"{_rate(r['nrr'])} = {_rate(r['nrr_retention'])} + {_rate(r['nrr_expansion'])}",
        _rate(r["logo_churn"]),
        _rate(r["upsell"]),
        _rate(r["downsell"]),
        "—" if r["nps"] is None else f"{r['nps']:.0f}",
        f"{_rate(r['renewal_rate'])} / {_rate(r['renewal_rate_arr'])} "
        f"of {_num(r['renewal_decisions'])}",
        _money(r["new_arr"]),
        _money(r["cmrr"]),
        "—" if r["csms_needed"] is None else f"{r['csms_needed']:.2f}",
    )


def _retention_section(scoped: list[dict[str, Any]], period: dict[str, Any] | None) -> list[str]:
    """GRR, NRR and friends per team, tier and in total (nothing when none is known)."""
    metric_rows = [r for r in scoped if r["scope"] in ("team", "tier", "total")]
    if not any(r.get("grr") is not None or r.get("nrr") is not None for r in metric_rows):
        return []
    span = "" if period is None else f" ({period['start']} – {period['end']})"
    return [
        "",
        f"## Retention{span}",
        "",
        *md_table(RETENTION, (_retention_cells(r) for r in metric_rows)),
    ]


def _maturity_section(maturity: dict[str, Any] | None) -> list[str]:
    if maturity is None:
        return []
    lines = ["", "## Maturity (estimated)", ""]
    lines.append(f"**{md_inline(str(maturity['label'] or '—'), line_start=False)}**")
    lines.append("")
    lines += [f"- {md_inline(str(e), line_start=False)}" for e in maturity["evidence"]]
    if maturity["next_step"]:
        lines += ["", f"_Next: {md_inline(str(maturity['next_step']), line_start=False)}_"]
    return lines
