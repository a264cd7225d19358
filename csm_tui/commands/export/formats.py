"""The three file formats' writers: CSV and JSON values, Markdown cells and tables.

See the package's docstring for what each format holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from csm_tui.domain.prep import md_inline
from csm_tui.store.exporter import ExportColumn, ExportTable

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


def records(table: ExportTable) -> list[dict[str, Any]]:
    """The table's rows as JSON objects (column key → JSON value)."""
    return [
        {c.key: json_value(v, c.kind) for c, v in zip(table.columns, row, strict=True)}
        for row in table.rows
    ]


def as_of_line(today: date, data_as_of: datetime | None) -> str:
    age = "never synced" if data_as_of is None else data_as_of.strftime("%Y-%m-%d %H:%M UTC")
    return f"Exported {today.isoformat()} · data as of {age}"
