"""The rows of a file being imported, read and converted by its mapping, and the run that
collects every problem found with its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csm_tui.domain.csv_file import CsvFormatError, CsvTable, decode_csv, read_csv
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
