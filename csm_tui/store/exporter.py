"""Export the portfolio, the coverage report and call-prep sheets as CSV, JSON or Markdown.

Each `export_*` returns the file's text; `write_export` writes it atomically.

What each format is for, and what it holds:

* **CSV** — for spreadsheets: RFC 4180 (comma, CRLF line ends, a field quoted when it
  holds a comma, quote or line break, quotes doubled), one header row of stable keys
  (``name``, ``arr``, ``renewal_date``), raw values: numbers unformatted (money to the
  cent, rates as fractions 0.945), dates and instants in ISO 8601, booleans
  ``true``/``false``, nothing as an empty field. Text is written exactly as stored.
  ``excel=True`` starts the file with a UTF-8 BOM (so Excel reads Chinese names right)
  and puts a ``'`` before text that Excel would run as a formula (a name starting with
  ``=``, ``+``, ``-``, ``@``, tab or CR) — the one case where the text is changed.
  The portfolio's CSV headers are the import's own field names, so a portfolio CSV
  imports back (`ColumnMapping.own_columns`) with nothing to change.
* **JSON** — for programs: one object, keys sorted (stable from run to run), the same
  raw values as the CSV (numbers as numbers, null for nothing), with what was exported
  (``export``, the filter, ``today``, ``data_as_of``) and ``columns`` giving the order.
* **Markdown** — for people: what the screen shows ("in 23 days", "$48k", "72 ↑"), as
  tables. Text from the book is escaped so it shows as itself: ``|`` cannot split a
  cell, ``[bold]``, ``*x*`` and ``<b>`` stay literal, line breaks show as ⏎ and control
  characters as visible escapes (`domain.prep.md_inline`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

from csm_tui.domain.clock import local_day
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.health import arrow_for, band_for
from csm_tui.domain.humanize import format_money, relative_day
from csm_tui.domain.prep import md_inline, render_prep_markdown
from csm_tui.domain.query import PortfolioFilter, PortfolioSort, parse_filter
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.store.cache import get_data_as_of
from csm_tui.store.portfolio import PortfolioQuery
from csm_tui.store.timestamps import date_from_db

_CHUNK = 2000


# ------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class ExportColumn:
    """`key`: the CSV header and JSON key; `title`: the Markdown header; `kind` says how a
    raw value is written (text, int, money, number, rate, date, instant, bool)."""

    key: str
    title: str
    kind: str = "text"

    @property
    def right(self) -> bool:
        return self.kind in ("int", "money", "number", "rate")


@dataclass(frozen=True)
class ExportTable:
    """Rows of raw values, one per column (the dict/rows protocol every export uses)."""

    columns: tuple[ExportColumn, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def records(self) -> list[dict[str, Any]]:
        return [
            {c.key: json_value(v, c.kind) for c, v in zip(self.columns, row, strict=True)}
            for row in self.rows
        ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any, kind: str = "text", *, excel: bool = False) -> str:
    """One CSV field's text for a raw value (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        if kind == "money":
            return f"{value:.2f}"
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if excel and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def json_value(value: Any, kind: str = "text") -> Any:
    """A raw value as JSON carries it: ISO dates and instants, money to the cent."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and kind == "money":
        return round(value, 2)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def to_csv(table: ExportTable, *, excel: bool = False) -> str:
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.keys)
    for row in table.rows:
        writer.writerow(
            csv_value(v, c.kind, excel=excel) for c, v in zip(table.columns, row, strict=True)
        )
    return out.getvalue()


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def md_cell(text: str) -> str:
    """Book text for one Markdown table cell: shown as itself, on one line, no `|` split."""
    return md_inline(text, line_start=False) if text else ""


def md_table(columns: Sequence[ExportColumn], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; every cell is escaped with `md_cell`."""
    lines = [
        "| " + " | ".join(md_cell(c.title) for c in columns) + " |",
        "| " + " | ".join("---:" if c.right else "---" for c in columns) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_cell(text) for text in row) + " |")
    return lines


def _as_of_line(today: date, data_as_of: datetime | None) -> str:
    age = "never synced" if data_as_of is None else data_as_of.strftime("%Y-%m-%d %H:%M UTC")
    return f"Exported {today.isoformat()} · data as of {age}"


# ------------------------------------------------------------------------------- portfolio

PORTFOLIO_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", "Id"),
    ExportColumn("name", "Account"),
    ExportColumn("external_id", "External id"),
    ExportColumn("tier", "Tier"),
    ExportColumn("health", "Health", "int"),
    ExportColumn("health_30d", "Health 30 days ago", "int"),
    ExportColumn("health_band", "Band"),
    ExportColumn("arr", "ARR", "money"),
    ExportColumn("currency", "Currency"),
    ExportColumn("arr_usd", "ARR (USD)", "money"),
    ExportColumn("stage", "Stage"),
    ExportColumn("renewal_date", "Renewal", "date"),
    ExportColumn("renewal_in_days", "Days to renewal", "int"),
    ExportColumn("last_touch_at", "Last touch", "instant"),
    ExportColumn("days_since_touch", "Days since touch", "int"),
    ExportColumn("cadence_days", "Cadence (days)", "int"),
    ExportColumn("touch_overdue", "Touch overdue", "bool"),
    ExportColumn("owner", "Owner"),
    ExportColumn("owner_email", "Owner email"),
    ExportColumn("sales_motion", "Sales motion"),
    ExportColumn("segment", "Segment"),
    ExportColumn("industry", "Industry"),
    ExportColumn("seats", "Seats", "int"),
    ExportColumn("go_live_date", "Go-live", "date"),
)
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


def _filter_of(flt: PortfolioFilter | str | None) -> PortfolioFilter:
    if flt is None:
        return parse_filter("")
    if isinstance(flt, str):
        return parse_filter(flt)
    return flt


def portfolio_table(
    conn: sqlite3.Connection,
    flt: PortfolioFilter | str | None,
    sort: PortfolioSort | None,
    today: date,
    me: str | None,
    rules: TierRules,
    zone: tzinfo = UTC,
) -> ExportTable:
    """Every account the filter selects, in the sort's order, with the raw columns; days
    since the last touch are the user's, in `zone`."""
    query = PortfolioQuery(
        conn, _filter_of(flt), sort or PortfolioSort.TIER_HEALTH, today, me, rules, zone=zone
    )
    total = query.count()
    rows: list[tuple[Any, ...]] = []
    for offset in range(0, total, _CHUNK):
        window = query.window(offset, _CHUNK)
        extra = _account_extras(conn, [r.id for r in window])
        for r in window:
            x = extra.get(r.id, {})
            touched = (
                None if r.last_touch_at is None else (today - local_day(r.last_touch_at, zone)).days
            )
            overdue = r.cadence_days is not None and (touched is None or touched > r.cadence_days)
            rows.append(
                (
                    r.id,
                    r.name,
                    x.get("external_id", ""),
                    r.tier,
                    r.health_score,
                    r.health_score_30d,
                    None if r.health_score is None else band_for(r.health_score).value,
                    r.arr,
                    r.currency,
                    r.arr_usd,
                    r.stage,
                    r.renewal_date,
                    None if r.renewal_date is None else (r.renewal_date - today).days,
                    r.last_touch_at,
                    touched,
                    r.cadence_days,
                    overdue,
                    r.owner_name,
                    x.get("owner_email"),
                    x.get("sales_motion"),
                    x.get("segment", ""),
                    x.get("industry", ""),
                    x.get("seats"),
                    x.get("go_live_date"),
                )
            )
    return ExportTable(PORTFOLIO_COLUMNS, tuple(rows))


def _account_extras(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in conn.execute(
            "SELECT a.id, a.external_id, a.sales_motion, a.segment, a.industry, a.seats, "
            "a.go_live_date, u.email FROM accounts a LEFT JOIN users u ON u.id = a.owner_id "
            f"WHERE a.id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            out[row[0]] = {
                "external_id": row[1],
                "sales_motion": row[2],
                "segment": row[3],
                "industry": row[4],
                "seats": row[5],
                "go_live_date": date_from_db(row[6]),
                "owner_email": row[7] or None,
            }
    return out


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
    flt = _filter_of(flt)
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
                "rows": table.records(),
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
        f"{_as_of_line(today, data_as_of)}_",
        "",
        *md_table(PORTFOLIO_SHOWN, shown),
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------- coverage

COVERAGE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("scope", "Scope"),  # csm | pool | team | tier | total
    ExportColumn("name", "Name"),
    ExportColumn("team", "Team"),
    ExportColumn("csms", "CSMs", "int"),
    ExportColumn("accounts", "Accounts", "int"),
    ExportColumn("arr_usd", "ARR (USD)", "money"),
    ExportColumn("load", "Load (ARR / rule)", "number"),
    ExportColumn("overloaded", "Overloaded", "bool"),
    ExportColumn("cadenced", "With a cadence", "int"),
    ExportColumn("overdue", "Overdue touches", "int"),
    ExportColumn("never_touched", "Never touched", "int"),
    ExportColumn("late_activation", "Late to activate", "int"),
    ExportColumn("zombie", "Zombies (90+ days)", "int"),
    ExportColumn("red", "Red health", "int"),
    ExportColumn("at_risk_arr", "At-risk ARR", "money"),
    ExportColumn("renew_30", "Renewals 30d", "int"),
    ExportColumn("renew_30_arr", "Renewal ARR 30d", "money"),
    ExportColumn("renew_60", "Renewals 60d", "int"),
    ExportColumn("renew_60_arr", "Renewal ARR 60d", "money"),
    ExportColumn("renew_90", "Renewals 90d", "int"),
    ExportColumn("renew_90_arr", "Renewal ARR 90d", "money"),
    ExportColumn("grr", "GRR", "rate"),
    ExportColumn("nrr", "NRR", "rate"),
    ExportColumn("nrr_retention", "NRR: retention", "rate"),
    ExportColumn("nrr_expansion", "NRR: expansion", "rate"),
    ExportColumn("logo_churn", "Logo churn", "rate"),
    ExportColumn("arr_churn", "ARR churn", "rate"),
    ExportColumn("upsell", "Upsell", "rate"),
    ExportColumn("downsell", "Downsell", "rate"),
    ExportColumn("nps", "NPS", "number"),
    ExportColumn("renewal_decisions", "Renewal decisions", "int"),
    ExportColumn("renewal_rate", "Renewal rate (logos)", "rate"),
    ExportColumn("renewal_rate_arr", "Renewal rate (ARR)", "rate"),
    ExportColumn("new_logos", "New logos", "int"),
    ExportColumn("new_arr", "New ARR", "money"),
    ExportColumn("cmrr", "CMRR", "money"),
    ExportColumn("csms_needed", "CSMs needed (ARR / rule)", "number"),
)
_METRIC_KEYS = (
    ("grr", "grr"),
    ("nrr", "nrr"),
    ("nrr_retention", "nrr_retention"),
    ("nrr_expansion", "nrr_expansion"),
    ("logo_churn", "logo_churn_rate"),
    ("arr_churn", "arr_churn_rate"),
    ("upsell", "upsell_rate"),
    ("downsell", "downsell_rate"),
    ("renewal_decisions", "renewal_decisions"),
    ("renewal_rate", "renewal_rate"),
    ("renewal_rate_arr", "renewal_rate_arr"),
    ("new_arr", "new_arr"),
    ("cmrr", "cmrr"),
)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    value = getattr(obj, name, default)
    return value() if callable(value) and not isinstance(value, type) else value


def _slice_values(piece: Any) -> dict[str, Any]:
    """The counts of a coverage `TierSlice` (or anything with its attributes)."""
    out = {
        "accounts": _get(piece, "accounts", 0),
        "arr_usd": float(_get(piece, "arr", 0.0)),
        "cadenced": _get(piece, "cadenced"),
        "overdue": _get(piece, "overdue"),
        "never_touched": _get(piece, "never_touched"),
        "late_activation": _get(piece, "late_activation"),
        "zombie": _get(piece, "zombie"),
        "red": _get(piece, "red"),
        "at_risk_arr": _get(piece, "red_arr"),
    }
    for days in (30, 60, 90):
        out[f"renew_{days}"] = _get(piece, f"renew_{days}")
        out[f"renew_{days}_arr"] = _get(piece, f"renew_{days}_arr")
    return out


def _metric_values(metrics: Any) -> dict[str, Any]:
    if metrics is None:
        return {}
    out = {key: _get(metrics, attr) for key, attr in _METRIC_KEYS}
    nps = _get(metrics, "nps")
    out["nps"] = _get(nps, "score") if nps is not None else None
    flows = _get(metrics, "flows")
    out["new_logos"] = _get(flows, "new_logos") if flows is not None else None
    return out


def _csms_needed(report: Any, arr: Any) -> float | None:
    """ARR / the ARR-per-CSM rule (seed 002), or None without a rule."""
    per_csm = _get(_get(report, "rules"), "arr_per_csm")
    if not per_csm or arr is None:
        return None
    return float(arr) / per_csm


def _lookup(table: Any, *keys: Any) -> Any:
    if not isinstance(table, Mapping):
        return None
    for key in keys:
        if key is not None and key in table:
            return table[key]
    return None


def coverage_table(report: Any) -> ExportTable:
    """The coverage report as one table of scopes: every CSM, the unowned pool, every
    team, every tier and the total; GRR/NRR and friends on team, tier and total rows.

    `report` is the Coverage screen's `CoverageReport` (`store.coverage.load_coverage`);
    only its attributes are read, so any object of the same shape works.
    """
    metrics = _get(report, "metrics")
    by_team = _get(metrics, "by_team") if metrics is not None else None
    by_tier = _get(metrics, "by_tier") if metrics is not None else None
    rows: list[dict[str, Any]] = []
    for owner in _get(report, "owners", ()) or ():
        pool = bool(_get(owner, "is_pool", False))
        rows.append(
            {
                "scope": "pool" if pool else "csm",
                "name": _get(owner, "name", ""),
                "team": _get(owner, "team_name"),
                "csms": None,
                "load": None if pool else _get(owner, "load"),
                "overloaded": None if pool else _get(owner, "overloaded"),
                **_slice_values(_get(owner, "total")),
            }
        )
    for team in _get(report, "teams", ()) or ():
        team_id, name = _get(team, "team_id"), _get(team, "name", "")
        rows.append(
            {
                "scope": "team",
                "name": name,
                "team": name,
                "csms": _get(team, "csm_count"),
                "load": _get(team, "load"),
                "overloaded": None,
                **_slice_values(_get(team, "total")),
                **_metric_values(_lookup(by_team, team_id, name)),
                "csms_needed": _get(team, "csms_needed"),
            }
        )
    tiers = _get(report, "by_tier", {}) or {}
    for tier in TIER_ORDER:
        if tier not in tiers:
            continue
        rows.append(
            {
                "scope": "tier",
                "name": tier.label,
                **_slice_values(tiers[tier]),
                **_metric_values(_lookup(by_tier, tier, tier.value)),
                "csms_needed": _csms_needed(report, _get(tiers[tier], "arr")),
            }
        )
    rows.append(
        {
            "scope": "total",
            "name": "Total",
            **_slice_values(_get(report, "total")),
            **_metric_values(_get(metrics, "overall") if metrics is not None else None),
            "csms_needed": _csms_needed(report, _get(_get(report, "total"), "arr")),
        }
    )
    keys = [c.key for c in COVERAGE_COLUMNS]
    return ExportTable(COVERAGE_COLUMNS, tuple(tuple(r.get(k) for k in keys) for r in rows))


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
    today = _get(report, "today")
    data_as_of = _get(report, "data_as_of")
    period = _get(report, "period")
    maturity = _get(report, "maturity")
    period_data = None
    if period is not None:
        period_data = {
            "start": json_value(_get(period, "start")),
            "end": json_value(_get(period, "end")),
        }
    maturity_data = None
    if maturity is not None:
        level = _get(maturity, "level")
        maturity_data = {
            "level": None if level is None else int(level),
            "label": _get(level, "label"),
            "evidence": list(_get(maturity, "evidence", ()) or ()),
            "next_step": _get(maturity, "next_step"),
        }
    if fmt is ExportFormat.JSON:
        return to_json(
            {
                "export": "coverage",
                "team": _get(report, "team_filter"),
                "today": json_value(today),
                "data_as_of": json_value(data_as_of),
                "period": period_data,
                "columns": table.keys,
                "rows": table.records(),
                "maturity": maturity_data,
            }
        )
    records = [dict(zip(table.keys, row, strict=True)) for row in table.rows]
    volume = (
        ExportColumn("accounts", "Accounts", "int"),
        ExportColumn("arr", "ARR", "money"),
        ExportColumn("load", "Load", "number"),
        ExportColumn("overdue", "Overdue touches", "int"),
        ExportColumn("late", "Late to activate", "int"),
        ExportColumn("risk", "At-risk ARR", "money"),
        ExportColumn("renewals", "Renewals 30 / 60 / 90 d", "text"),
    )

    def volume_cells(r: Mapping[str, Any]) -> tuple[str, ...]:
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

    lines = ["# Coverage", ""]
    team = _get(report, "team_filter")
    scope = f"team {md_inline(str(team), line_start=False)}" if team else "every team"
    if isinstance(today, date):
        lines += [f"_{scope} · {_as_of_line(today, data_as_of)}_", ""]
    lines += ["## Per CSM", ""]
    owners = [r for r in records if r["scope"] in ("csm", "pool")]
    lines += md_table(
        (ExportColumn("name", "CSM"), ExportColumn("team", "Team"), *volume),
        (
            (
                r["name"] if r["scope"] == "csm" else "(no owner: digital pool)",
                r["team"] or "—",
                *volume_cells(r),
            )
            for r in owners
        ),
    )
    for scope_name, heading in (("team", "Per team"), ("tier", "Per tier")):
        group = [r for r in records if r["scope"] in (scope_name, "total")]
        if len(group) > 1:
            lines += ["", f"## {heading}", ""]
            lines += md_table(
                (ExportColumn("name", heading.split()[1].title()), *volume),
                ((r["name"], *volume_cells(r)) for r in group),
            )
    metric_rows = [r for r in records if r["scope"] in ("team", "tier", "total")]
    if any(r.get("grr") is not None or r.get("nrr") is not None for r in metric_rows):
        span = ""
        if period_data is not None:
            span = f" ({period_data['start']} – {period_data['end']})"
        lines += ["", f"## Retention{span}", ""]
        lines += md_table(
            (
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
            ),
            (
                (
                    r["name"],
                    _rate(r["grr"]),
                    f"{_rate(r['nrr'])} = {_rate(r['nrr_retention'])} + "
                    f"{_rate(r['nrr_expansion'])}",
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
                for r in metric_rows
            ),
        )
    if maturity_data is not None:
        lines += ["", "## Maturity (estimated)", ""]
        lines.append(f"**{md_inline(str(maturity_data['label'] or '—'), line_start=False)}**")
        lines.append("")
        lines += [f"- {md_inline(str(e), line_start=False)}" for e in maturity_data["evidence"]]
        if maturity_data["next_step"]:
            lines += ["", f"_Next: {md_inline(str(maturity_data['next_step']), line_start=False)}_"]
    lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------- prep


_PREP_SECTIONS = ("weakest", "stakeholders", "open_checklist", "open_tasks", "recent_activities")


def export_prep(
    conn: sqlite3.Connection,
    account_id: str,
    now: datetime,
    rules: TierRules,
    fmt: ExportFormat | str,
    *,
    excel: bool = False,
) -> str:
    """The call-prep sheet of one account (`store.prep.build_prep_brief` and the CSM's
    notes): Markdown is `render_prep_markdown`'s sheet; JSON the brief with its notes;
    CSV the brief in long form — one row per (section, item, field, value), item 1, 2, …
    for the stakeholders, tasks, activities and the like, empty for single facts."""
    from csm_tui.store.prep import build_prep_brief, load_prep_note

    fmt = ExportFormat.parse(fmt)
    brief = build_prep_brief(conn, account_id, now, rules)
    notes = load_prep_note(conn, account_id)
    today = now.date()
    if fmt is ExportFormat.MD:
        return render_prep_markdown(brief, notes, today)
    data = _plain(dataclasses.asdict(brief))
    for weakness in data["weakest"]:
        weakness.pop("words", None)  # the English raw and standard are the data
    data.pop("tier_why_words", None)  # so are tier_why and touch_why
    data.pop("touch_why_words", None)
    if fmt is ExportFormat.JSON:
        return to_json(
            {
                "export": "prep",
                "today": today.isoformat(),
                "renewal_in_days": brief.renewal_in_days(today),
                "brief": data,
                "notes": notes,
            }
        )
    rows: list[tuple[Any, ...]] = []
    for key, value in data.items():
        if key in _PREP_SECTIONS:
            for index, item in enumerate(value, start=1):
                for field, inner in item.items():
                    rows.append((key, index, field, inner))
        else:
            rows.append(("facts", None, key, value))
    rows.append(("facts", None, "renewal_in_days", brief.renewal_in_days(today)))
    rows.append(("notes", None, "body", notes))
    columns = (
        ExportColumn("section", "Section"),
        ExportColumn("item", "Item", "int"),
        ExportColumn("field", "Field"),
        ExportColumn("value", "Value"),
    )
    return to_csv(ExportTable(columns, tuple(_csv_row(r) for r in rows)), excel=excel)


def _csv_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    section, item, field, value = row
    if isinstance(value, list):  # contact names of an activity
        value = "; ".join(str(v) for v in value)
    return section, item, field, value


def _plain(value: Any) -> Any:
    """asdict output as JSON values: enums to their values, dates to ISO, tuples to lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return json_value(value)


# ------------------------------------------------------------------------------- files


def write_export(path: Path | str, text: str) -> Path:
    """Write an export atomically (UTF-8; a BOM in `text` is kept). Raises
    `store.prep.PrepExportError` with a message for the user when it cannot."""
    from csm_tui.store.prep import export_prep as write_atomically

    return write_atomically(path, text)


def format_for_path(path: Path | str, default: ExportFormat | None = None) -> ExportFormat:
    """The format a file name asks for (``.csv``, ``.json``, ``.md``/``.markdown``)."""
    suffix = Path(path).suffix
    try:
        return ExportFormat.parse(suffix)
    except ValueError:
        if default is not None:
            return default
        raise ValueError(
            f"cannot tell the format from {Path(path).name!r}; add --format csv|json|md"
        ) from None
