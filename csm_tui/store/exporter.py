"""The rows of an export: what the portfolio, coverage and call-prep exports hold.

The store reads the rows here, as raw values in stable columns (`ExportTable`); the file
formats (CSV, JSON, Markdown) are written from them by `csm_tui.commands.export`, which
says what each format is for and holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from typing import Any

from csm_tui.domain.clock import local_day
from csm_tui.domain.health import band_for
from csm_tui.domain.language.filters import PortfolioFilter, PortfolioSort, parse_filter
from csm_tui.domain.tiers import TIER_ORDER, TierRules
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


def filter_of(flt: PortfolioFilter | str | None) -> PortfolioFilter:
    """A filter from its text (None: every account)."""
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
        conn, filter_of(flt), sort or PortfolioSort.TIER_HEALTH, today, me, rules, zone=zone
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


def report_value(obj: Any, name: str, default: Any = None) -> Any:
    """An attribute of a report (called if it is a method), or `default`."""
    value = getattr(obj, name, default)
    return value() if callable(value) and not isinstance(value, type) else value


def _slice_values(piece: Any) -> dict[str, Any]:
    """The counts of a coverage `TierSlice` (or anything with its attributes)."""
    out = {
        "accounts": report_value(piece, "accounts", 0),
        "arr_usd": float(report_value(piece, "arr", 0.0)),
        "cadenced": report_value(piece, "cadenced"),
        "overdue": report_value(piece, "overdue"),
        "never_touched": report_value(piece, "never_touched"),
        "late_activation": report_value(piece, "late_activation"),
        "zombie": report_value(piece, "zombie"),
        "red": report_value(piece, "red"),
        "at_risk_arr": report_value(piece, "red_arr"),
    }
    for days in (30, 60, 90):
        out[f"renew_{days}"] = report_value(piece, f"renew_{days}")
        out[f"renew_{days}_arr"] = report_value(piece, f"renew_{days}_arr")
    return out


def _metric_values(metrics: Any) -> dict[str, Any]:
    if metrics is None:
        return {}
    out = {key: report_value(metrics, attr) for key, attr in _METRIC_KEYS}
    nps = report_value(metrics, "nps")
    out["nps"] = report_value(nps, "score") if nps is not None else None
    flows = report_value(metrics, "flows")
    out["new_logos"] = report_value(flows, "new_logos") if flows is not None else None
    return out


def _csms_needed(report: Any, arr: Any) -> float | None:
    """ARR / the ARR-per-CSM rule (seed 002), or None without a rule."""
    per_csm = report_value(report_value(report, "rules"), "arr_per_csm")
    if not per_csm or arr is None:
        return None
    return float(arr) / float(per_csm)


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
    metrics = report_value(report, "metrics")
    rows = [
        *_owner_rows(report),
        *_team_rows(report, metrics),
        *_tier_rows(report, metrics),
        {
            "scope": "total",
            "name": "Total",
            **_slice_values(report_value(report, "total")),
            **_metric_values(report_value(metrics, "overall") if metrics is not None else None),
            "csms_needed": _csms_needed(report, report_value(report_value(report, "total"), "arr")),
        },
    ]
    keys = [c.key for c in COVERAGE_COLUMNS]
    return ExportTable(COVERAGE_COLUMNS, tuple(tuple(r.get(k) for k in keys) for r in rows))


def _owner_rows(report: Any) -> list[dict[str, Any]]:
    """One row per CSM, and one for the digital pool (accounts with no owner)."""
    rows: list[dict[str, Any]] = []
    for owner in report_value(report, "owners", ()) or ():
        pool = bool(report_value(owner, "is_pool", False))
        rows.append(
            {
                "scope": "pool" if pool else "csm",
                "name": report_value(owner, "name", ""),
                "team": report_value(owner, "team_name"),
                "csms": None,
                "load": None if pool else report_value(owner, "load"),
                "overloaded": None if pool else report_value(owner, "overloaded"),
                **_slice_values(report_value(owner, "total")),
            }
        )
    return rows


def _team_rows(report: Any, metrics: Any) -> list[dict[str, Any]]:
    by_team = report_value(metrics, "by_team") if metrics is not None else None
    rows: list[dict[str, Any]] = []
    for team in report_value(report, "teams", ()) or ():
        team_id, name = report_value(team, "team_id"), report_value(team, "name", "")
        rows.append(
            {
                "scope": "team",
                "name": name,
                "team": name,
                "csms": report_value(team, "csm_count"),
                "load": report_value(team, "load"),
                "overloaded": None,
                **_slice_values(report_value(team, "total")),
                **_metric_values(_lookup(by_team, team_id, name)),
                "csms_needed": report_value(team, "csms_needed"),
            }
        )
    return rows


def _tier_rows(report: Any, metrics: Any) -> list[dict[str, Any]]:
    by_tier = report_value(metrics, "by_tier") if metrics is not None else None
    tiers = report_value(report, "by_tier", {}) or {}
    return [
        {
            "scope": "tier",
            "name": tier.label,
            **_slice_values(tiers[tier]),
            **_metric_values(_lookup(by_tier, tier, tier.value)),
            "csms_needed": _csms_needed(report, report_value(tiers[tier], "arr")),
        }
        for tier in TIER_ORDER
        if tier in tiers
    ]
