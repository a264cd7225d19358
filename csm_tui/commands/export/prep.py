"""The call-prep export: one account's sheet as Markdown, its brief as JSON or long CSV."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from csm_tui.commands.export.formats import json_value, to_csv, to_json
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.prep import render_prep_markdown
from csm_tui.domain.tiers import TierRules
from csm_tui.store.exporter import ExportColumn, ExportTable
from csm_tui.store.prep import build_prep_brief, load_prep_note

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
