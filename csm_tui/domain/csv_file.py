"""The CSV file itself: its bytes decoded, its delimiter found, its records with the line
each starts on, and the `CsvFormatError` that says what makes it unreadable.

Pure: text in, records or messages out. Account imports (`domain.csv_mapping`) and signal
imports (`domain.signal_mapping`) read their files with these; headers and words compare
by `fold`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from csm_tui.i18n import N_, Message

DELIMITERS = (",", ";", "\t")


def fold(text: str) -> str:
    """Headers and words compare by this: case folded, runs of spaces as one."""
    return " ".join(text.casefold().split())


class CsvFormatError(ValueError):
    """The file is not readable CSV; `line` is where (1: the first line). `words` (a
    `Message`) say why; `message` is them in English."""

    def __init__(self, line: int, words: Message | str) -> None:
        self.words = words if isinstance(words, Message) else Message.text(words)
        self.line = line
        self.message = self.words.english()
        super().__init__(f"line {line}: {self.message}")


_EXPECTED_AFTER_QUOTE = re.compile(r"'(.)' expected after '\"'")
_FIELD_LIMIT = re.compile(r"field larger than field limit \((\d+)\)")


def csv_reason(reason: str) -> Message:
    """The words for a reason Python's `csv` module gives (English only) for a row it
    cannot read; one it does not know is kept as it is."""
    found = _EXPECTED_AFTER_QUOTE.fullmatch(reason)
    if found is not None:
        return Message.of(
            N_(
                "text after a closing quote (a quoted cell ends at the delimiter {delimiter}); "
                'a quote inside a quoted cell is written twice ("")'
            ),
            delimiter=repr(found.group(1)),
        )
    found = _FIELD_LIMIT.fullmatch(reason)
    if found is not None:
        return Message.of(
            N_("a cell longer than {limit} characters"), limit=f"{int(found.group(1)):,}"
        )
    if reason.startswith("new-line character seen in unquoted field"):
        return Message.of(N_("a line break inside a cell that is not quoted"))
    return Message.text(reason)


@dataclass(frozen=True)
class CsvRecord:
    line: int  # the line of the file where the record starts (the header is line 1)
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvTable:
    header_line: int
    headers: tuple[str, ...]
    delimiter: str
    records: tuple[CsvRecord, ...]
    problems: tuple[CsvFormatError, ...]  # rows of the wrong width (the file is refused)


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a BOM is dropped) or UTF-16 with its BOM (Excel's
    "Unicode text"). Anything else raises `CsvFormatError` at the line of the first bad
    byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                1, Message.of(N_("not valid UTF-16 ({reason})"), reason=exc.reason)
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CsvFormatError(
            line,
            Message.of(
                N_(
                    "byte {byte} at column {column} is not UTF-8; save the file as "
                    '"CSV UTF-8" (Excel) or convert it '
                    "(iconv -f GB18030 -t UTF-8 for Chinese Excel)"
                ),
                byte=f"0x{data[exc.start]:02X}",
                column=column,
            ),
        ) from None


# Where `str.splitlines` breaks a line.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _first_line(text: str) -> str:
    """`text.splitlines()[0]` without splitting the rest of a large file."""
    found = _LINE_BREAK.search(text)
    return text if found is None else text[: found.start()]


def sniff_delimiter(text: str, expected: Sequence[str] = ()) -> str:
    """The delimiter (",", ";" or tab) that splits the header line best.

    Best: the most `expected` headers found; then the most fields; ties go to ",".
    """
    line = _first_line(text)
    wanted = {fold(h) for h in expected}
    best = (",", (-1, -1))
    for delimiter in DELIMITERS:
        try:
            fields = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        score = (len(wanted & {fold(f) for f in fields}), len(fields))
        if score > best[1]:
            best = (delimiter, score)
    return best[0]


def read_csv(text: str, delimiter: str | None = None, expected: Sequence[str] = ()) -> CsvTable:
    """Records with the line each starts on. Blank lines (and rows of empty cells) are
    passed over. A first line ``sep=;`` (Excel's hint) names the delimiter.

    Raises `CsvFormatError` for what makes the rest unreadable (a quote never closed, text
    after a closing quote, a NUL byte, no header); a row with the wrong number of fields
    is listed in `problems` and reading goes on, so every such row is reported at once.
    """
    nul = text.find("\x00")
    if nul >= 0:
        raise CsvFormatError(
            text.count("\n", 0, nul) + 1, Message.of(N_("a NUL byte: this is not a text file"))
        )
    start_line = 0
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint is not None:
        delimiter = hint.group(1)
        text = text[hint.end() :]
        start_line = 1
    if delimiter is None:
        delimiter = sniff_delimiter(text, expected)
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    headers: tuple[str, ...] | None = None
    header_line = 0
    records: list[CsvRecord] = []
    problems: list[CsvFormatError] = []
    previous = 0
    while True:
        first = previous + 1 + start_line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = str(exc)
            if "unexpected end of data" in reason or "EOF" in reason:
                raise CsvFormatError(
                    first,
                    Message.of(
                        N_("a quoted field starts on this line and its closing quote is missing")
                    ),
                ) from None
            where = reader.line_num + start_line
            if where > first:  # a quoted field ran on past its line: the quote never closed
                raise CsvFormatError(
                    first,
                    Message.of(
                        N_(
                            "a quoted field starts on this line and its closing quote is missing "
                            "(the field ran on to line {line})"
                        ),
                        line=where,
                    ),
                ) from None
            raise CsvFormatError(where, csv_reason(reason)) from None
        previous = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if headers is None:
            headers = tuple(cell.strip() for cell in row)
            header_line = first
            continue
        if len(row) != len(headers):
            problems.append(CsvFormatError(first, wrong_width(len(row), len(headers), delimiter)))
            continue
        records.append(CsvRecord(first, tuple(row)))
    if headers is None:
        raise CsvFormatError(1 + start_line, Message.of(N_("the file is empty: no header line")))
    return CsvTable(header_line, headers, delimiter, tuple(records), tuple(problems))


_DELIMITER_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}


def wrong_width(fields: int, headers: int, delimiter: str) -> Message:
    """A row with another number of fields than the header has, and the likely cause."""
    return Message.of(
        N_(
            "{fields} fields, but the header has {headers} (a missing or extra "
            "{delimiter}, or one inside a value that is not quoted?)"
        ),
        fields=fields,
        headers=headers,
        delimiter=_delimiter_name(delimiter),
    )


def _delimiter_name(delimiter: str) -> Message:
    name = _DELIMITER_NAMES.get(delimiter)
    return Message.of(name) if name is not None else Message.text(repr(delimiter))
