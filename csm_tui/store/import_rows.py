"""The rows of a file being imported, read and converted by its mapping, and the run that
collects every problem found with its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csm_tui.domain.csv_file import CsvFormatError, CsvTable, decode_csv, fold, read_csv
from csm_tui.domain.csv_mapping import ColumnMapping, locate_columns
from csm_tui.i18n import Message
from csm_tui.store.import_report import ImportIssue


@dataclass
class ImportRow:
    """One row of an account or contact export, its cells read (`read_rows`)."""

    line: int
    values: dict[str, Any]
    skip: Message | None
    bad: bool = False  # a cell could not be read (already reported)


@dataclass
class ImportRun:
    """One import's mapping and the problems its rows have, as they are found."""

    mapping: ColumnMapping
    issues: list[ImportIssue] = field(default_factory=list)
    # Headers of a file in csm-tui's own field names that name no field (nor a column an
    # export writes): their cells are not read. (header, the field it may mean or "").
    ignored: list[tuple[str, str]] = field(default_factory=list)

    def issue(self, line: int, words: Message | str, name: str | None = None) -> None:
        column = None if name is None else self.mapping.columns.get(name)
        if not isinstance(words, Message):
            words = Message.text(words)
        self.issues.append(ImportIssue(line, words, name, column))

    def errors(self) -> tuple[ImportIssue, ...]:
        """Every problem in file order (problems of one line in the order found)."""
        return tuple(sorted(self.issues, key=lambda issue: issue.line))


def read_rows(data: bytes, mapping: ColumnMapping, run: ImportRun) -> list[ImportRow] | None:
    """Decode, parse and convert every row; None when the file itself is unreadable."""
    try:
        text = decode_csv(data)
        table: CsvTable = read_csv(text, mapping.delimiter, tuple(mapping.columns.values()))
    except CsvFormatError as exc:
        run.issue(exc.line, exc.words)
        return None
    for problem in table.problems:
        run.issue(problem.line, problem.words)
    try:
        where = locate_columns(mapping, table.headers)
    except CsvFormatError as exc:
        run.issue(table.header_line, exc.words)
        return None
    if mapping.own:
        run.ignored = _unread_headers(mapping, table.headers, set(where.values()))
    rows = []
    for record in table.records:
        cells = {name: record.cells[i] for name, i in where.items()}
        converted = mapping.convert_row(cells)
        for name, message in converted.errors:
            run.issue(record.line, message, name)
        rows.append(
            ImportRow(record.line, converted.values, converted.skip, bool(converted.errors))
        )
    return rows


def _unread_headers(
    mapping: ColumnMapping, headers: list[str] | tuple[str, ...], read: set[int]
) -> list[tuple[str, str]]:
    """The headers no field reads, except the columns `csm-tui export portfolio` writes
    besides the fields (its file imports back as it is), each with the field it may mean."""
    import difflib

    from csm_tui.store.exporter import PORTFOLIO_COLUMNS

    written = {fold(c.key) for c in PORTFOLIO_COLUMNS}
    fields = list(mapping.columns)
    unread = []
    for i, header in enumerate(headers):
        if i in read or not header.strip() or fold(header) in written:
            continue
        close = difflib.get_close_matches(fold(header), fields, n=1, cutoff=0.6)
        unread.append((header, close[0] if close else ""))
    return unread
