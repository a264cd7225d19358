"""Export the portfolio, the coverage report and call-prep sheets as CSV, JSON or Markdown.

Each `export_*` returns the file's text; `write_export` writes it atomically. The rows
come from the store (`csm_tui.store.exporter`: raw values in stable columns); this package
writes the files: `formats` (the three formats' writers), `portfolio`, `coverage`,
`prep` (one module a report), `files` (file names and the atomic write).

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

from csm_tui.commands.export.coverage import export_coverage
from csm_tui.commands.export.files import format_for_path, write_export
from csm_tui.commands.export.formats import (
    csv_value,
    json_value,
    md_cell,
    md_table,
    to_csv,
    to_json,
)
from csm_tui.commands.export.portfolio import export_portfolio
from csm_tui.commands.export.prep import export_prep
from csm_tui.domain.export_format import ExportFormat
from csm_tui.store.exporter import (
    COVERAGE_COLUMNS,
    PORTFOLIO_COLUMNS,
    ExportColumn,
    ExportTable,
    coverage_table,
    portfolio_table,
)

__all__ = [
    "COVERAGE_COLUMNS",
    "PORTFOLIO_COLUMNS",
    "ExportColumn",
    "ExportFormat",
    "ExportTable",
    "coverage_table",
    "csv_value",
    "export_coverage",
    "export_portfolio",
    "export_prep",
    "format_for_path",
    "json_value",
    "md_cell",
    "md_table",
    "portfolio_table",
    "to_csv",
    "to_json",
    "write_export",
]
