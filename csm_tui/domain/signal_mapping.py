"""Importing health signals from CSV exports: product usage per week, support tickets,
survey answers and invoices. Pure: text in, values or messages out; the store reads the
file and writes the rows (`store/signal_import.py`).

A `SignalMapping` comes from TOML (shipped examples in ``assets/import/``)::

    kind = "usage"                  # usage | tickets | surveys | invoices
    source = "mixpanel"             # short name: prefixes each record's id
                                    # ("mixpanel:…") and names the source on the Health tab
    label = "Mixpanel weekly usage" # optional, for messages
    date_order = "MDY"              # as for accounts (domain.csv_mapping)
    decimal = "."                   # the decimal mark of amounts and minutes
    currency = "USD"                # invoices: amounts without a symbol or code
    timezone = "+08:00"             # tickets: times written without a zone (default UTC)
    delimiter = ","                 # optional (default: sniffed)
    optional = ["seats"]            # columns the file may leave out

    [columns]                       # our field = "the CSV header"
    account = "Company ID"          # the account's CRM id (external id) or exact name
    week_start = "Week"

    [defaults]                      # when the cell is empty (or the column left out)
    kind = "nps"

    [values.priority]               # the source's word = ours; "skip" leaves the row out
    p1 = "urgent"

Fields (required ones first):

Every row names its account: `account` (the account's external CRM id or exact name)
and/or `account_name` (an exact name, tried when `account` is empty or finds nothing).

* usage: week_start, active_users; id, seats, opportunities, leads, public_pool,
  contacts, messages, sessions, session_minutes (total) or avg_session_minutes
  (× sessions). A week_start that is not a Monday is moved to the Monday of its week.
* tickets: id, opened_at; closed_at, priority (low, normal, high, urgent),
  first_response_minutes or first_response_hours.
* surveys: score, responded_on; id, contact_email, kind (nps 0–10,
  csat 1–5), comment (may run over several lines).
* invoices: id, issued_on, amount; due_on (default: issued_on),
  currency, paid_on, status (paid or open; "skip" for drafts and voided invoices).

Without an id column a record's id is made from the account, the day and (surveys) the
contact and kind, so importing the same file again finds the same records.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from itertools import chain, islice, repeat
from typing import Any

from csm_tui.domain.csv_file import (
    DELIMITERS,
    CsvFormatError,
    csv_reason,
    decode_csv,
    fold,
    sniff_delimiter,
    wrong_width,
)
from csm_tui.domain.csv_mapping import SKIP, MappingError
from csm_tui.domain.import_cells import (
    CellError,
    DateOrder,
    check_text,
    parse_count,
    parse_currency,
    parse_date,
    parse_money,
)
from csm_tui.i18n import N_, NC_, Message


class SignalKind(StrEnum):
    USAGE = "usage"
    TICKETS = "tickets"
    SURVEYS = "surveys"
    INVOICES = "invoices"

    @property
    def label(self) -> str:
        """The kind in English words (a msgid in the "signal kind" context: the edge shows
        `_(kind.label)`, or a `Message.of(kind.label)`); English says the code itself."""
        return {
            "usage": NC_("signal kind", "usage"),
            "tickets": NC_("signal kind", "tickets"),
            "surveys": NC_("signal kind", "surveys"),
            "invoices": NC_("signal kind", "invoices"),
        }[self.value]

    @property
    def table(self) -> str:
        return {
            "usage": "usage_weeks",
            "tickets": "support_tickets",
            "surveys": "survey_responses",
            "invoices": "invoices",
        }[self.value]


_COMMON = ("account", "account_name", "id")
SIGNAL_FIELDS: dict[SignalKind, tuple[str, ...]] = {
    SignalKind.USAGE: (
        *_COMMON, "week_start", "active_users", "seats", "opportunities", "leads",
        "public_pool", "contacts", "messages", "sessions", "session_minutes",
        "avg_session_minutes",
    ),
    SignalKind.TICKETS: (
        *_COMMON, "opened_at", "closed_at", "priority", "first_response_minutes",
        "first_response_hours",
    ),
    SignalKind.SURVEYS: (
        *_COMMON, "contact_email", "kind", "score", "responded_on", "comment",
    ),
    SignalKind.INVOICES: (
        *_COMMON, "issued_on", "due_on", "amount", "currency", "paid_on", "status",
    ),
}  # fmt: skip
SIGNAL_REQUIRED: dict[SignalKind, tuple[str, ...]] = {
    SignalKind.USAGE: ("week_start", "active_users"),
    SignalKind.TICKETS: ("id", "opened_at"),
    SignalKind.SURVEYS: ("score", "responded_on"),
    SignalKind.INVOICES: ("id", "issued_on", "amount"),
}
"""Besides these, every row names its account: `account` or `account_name` (or both)."""
VOCABULARY: dict[str, tuple[str, ...]] = {
    "priority": ("low", "normal", "high", "urgent"),
    "kind": ("nps", "csat"),
    "status": ("paid", "open"),
}
_COUNTS = frozenset(
    {"active_users", "seats", "opportunities", "leads", "public_pool", "contacts", "messages",
     "sessions", "first_response_minutes", "score"}
)  # fmt: skip
_NUMBERS = frozenset({"session_minutes", "avg_session_minutes", "first_response_hours"})
_DATES = frozenset({"week_start", "responded_on", "issued_on", "due_on", "paid_on"})
_INSTANTS = frozenset({"opened_at", "closed_at"})
MAX_ID = 200
MAX_COMMENT = 5_000
_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_offset(text: str) -> timezone:
    """A fixed UTC offset: ``UTC``, ``Z``, ``+08:00``, ``-0500``."""
    raw = text.strip()
    if raw.upper() in ("UTC", "Z", "GMT", ""):
        return UTC
    m = _OFFSET.fullmatch(raw)
    if m is None or int(m[2]) > 14 or int(m[3]) >= 60:
        raise CellError(
            Message.of(N_("{raw} is not a UTC offset (UTC, +08:00, -05:00)"), raw=repr(raw))
        )
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(-delta if m[1] == "-" else delta)


_TIME_PART = re.compile(
    r"(?P<date>.+?)[ T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?\s*"
    r"(?P<ampm>[ap]\.?m\.?)?\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def parse_instant(text: str, zone: timezone = UTC, order: DateOrder | None = None) -> datetime:
    """An aware UTC instant: ISO 8601 (``2026-11-16T09:32:10Z``, ``2026-11-16 09:32``), or
    any date form of `parse_date` with an optional time (``11/16/2026 9:32 AM``) and zone.
    Without a zone the time is read in `zone`; a date alone is its midnight."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        m = _TIME_PART.fullmatch(raw)
        if m is None:
            day = parse_date(raw, order)
            value = datetime.combine(day, time())
        else:
            day = parse_date(m["date"], order)
            hour, minute, second = int(m["h"]), int(m["m"]), int(m["s"] or 0)
            if m["ampm"]:
                if not 1 <= hour <= 12:
                    raise CellError(
                        Message.of(
                            N_("{raw}: there is no {hour} o'clock AM/PM"), raw=repr(raw), hour=hour
                        )
                    ) from None
                hour = hour % 12 + (12 if m["ampm"].lower().startswith("p") else 0)
            if hour > 23 or minute > 59 or second > 59:
                raise CellError(
                    Message.of(N_("{raw} is not a time of day"), raw=repr(raw))
                ) from None
            value = datetime.combine(day, time(hour, minute, second))
            if m["zone"]:
                value = value.replace(tzinfo=parse_offset(m["zone"]))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


_PLAIN_NUMBER = re.compile(r"\d{1,9}(\.\d{1,6})?")


def parse_number(text: str, decimal: str = ".") -> float:
    """A number ≥ 0 (minutes, hours): ``12``, ``12.5``, ``1,234.5``."""
    if decimal == "." and _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    raw = text.strip()
    s = raw.replace(" ", "")
    s = s.replace(".", "").replace(",", ".") if decimal == "," else s.replace(",", "")
    try:
        value = float(s)
    except ValueError:
        raise CellError(Message.of(N_("{raw} is not a number"), raw=repr(raw))) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(Message.of(N_("{raw} is not a number"), raw=repr(raw)))
    if value < 0:
        raise CellError(Message.of(N_("{raw} is negative"), raw=repr(raw)))
    return value


def check_comment(text: str) -> str:
    """Free text of any length up to `MAX_COMMENT`; line breaks and tabs are kept, other
    control characters (an escape sequence) refused."""
    found = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    if found is not None:
        raise CellError(
            f"contains U+{ord(found.group()):04X}, a control character; remove it from the file"
        )
    if len(text) > MAX_COMMENT:
        raise CellError(
            Message.of(
                N_("is {length} characters long; at most {limit}"),
                length=len(text),
                limit=MAX_COMMENT,
            )
        )
    return text.replace("\r\n", "\n")


@dataclass(frozen=True)
class SignalMapping:
    """Which CSV header feeds which field of one kind of signal record."""

    kind: SignalKind
    source: str  # short name: the id prefix and the source named on the Health tab
    columns: Mapping[str, str]  # our field → the CSV header
    label: str = ""
    date_order: DateOrder | None = None
    decimal: str = "."
    currency: str = "USD"
    zone: timezone = UTC
    delimiter: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)  # converted values
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()

    @property
    def fields(self) -> tuple[str, ...]:
        return SIGNAL_FIELDS[self.kind]

    @property
    def title(self) -> str:
        return self.label or f"{self.source} {self.kind.value}"

    @classmethod
    def from_toml(cls, text: str, where: str = "mapping") -> SignalMapping:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(
                Message.of(N_("{file}: not valid TOML: {problem}"), file=where, problem=str(exc))
            ) from None
        return cls.from_mapping(data, where)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "mapping") -> SignalMapping:
        def fail(problem: Message) -> MappingError:
            return MappingError(Message.of(N_("{file}: {problem}"), file=where, problem=problem))

        known = {"kind", "source", "label", "date_order", "decimal", "currency", "timezone",
                 "delimiter", "optional", "columns", "defaults", "values"}  # fmt: skip
        unknown = sorted(set(data) - known)
        if unknown:
            raise fail(
                Message.of(
                    N_("unknown key(s) {unknown}; expected {known}"),
                    unknown=", ".join(unknown),
                    known=", ".join(sorted(known)),
                )
            )
        try:
            kind = SignalKind(str(data.get("kind", "")).strip().lower())
        except ValueError:
            raise fail(
                Message.of(
                    N_("kind must be {choices}"),
                    choices=", ".join(f'"{k.value}"' for k in SignalKind),
                )
            ) from None
        source = str(data.get("source", "")).strip().lower()
        if not _SOURCE_NAME.fullmatch(source):
            raise fail(
                Message.of(
                    N_(
                        'source must be a short lower-case name such as "mixpanel" or "zendesk" '
                        "(letters, digits, . _ -): it prefixes every record's id"
                    )
                )
            )
        label = data.get("label", "")
        if not isinstance(label, str):
            raise fail(Message.of(N_("label must be text")))
        date_order = data.get("date_order")
        if date_order is not None:
            try:
                date_order = DateOrder(str(date_order).strip().upper())
            except ValueError:
                raise fail(Message.of(N_('date_order must be "MDY" or "DMY"'))) from None
        decimal = data.get("decimal", ".")
        if decimal not in (".", ","):
            raise fail(Message.of(N_('decimal must be "." or ","')))
        try:
            currency = parse_currency(str(data.get("currency", "USD")))
        except CellError:
            raise fail(Message.of(N_("currency must be USD or CNY"))) from None
        try:
            zone = parse_offset(str(data.get("timezone", "UTC")))
        except CellError as exc:
            raise fail(Message.of(N_("timezone: {problem}"), problem=exc.words)) from None
        delimiter = data.get("delimiter")
        if delimiter is not None and delimiter not in DELIMITERS:
            raise fail(Message.of(N_('delimiter must be ",", ";" or "\\t"')))
        fields = SIGNAL_FIELDS[kind]
        columns_data = data.get("columns")
        if not isinstance(columns_data, Mapping) or not columns_data:
            raise fail(
                Message.of(
                    N_('[columns] is missing: it maps our fields to CSV headers, account = "…"')
                )
            )
        columns: dict[str, str] = {}
        for name, header in columns_data.items():
            if name not in fields:
                raise fail(
                    Message.of(
                        N_("columns.{name} is not a field of {kind}; fields: {fields}"),
                        name=name,
                        kind=kind.value,
                        fields=", ".join(fields),
                    )
                )
            if not isinstance(header, str) or not header.strip():
                raise fail(Message.of(N_("columns.{name} must be the CSV header text"), name=name))
            columns[name] = header.strip()
        folded = [fold(h) for h in columns.values()]
        if len(set(folded)) != len(folded):
            raise fail(Message.of(N_("one header feeds two fields")))
        values: dict[str, dict[str, str]] = {}
        values_data = data.get("values", {})
        if not isinstance(values_data, Mapping):
            raise fail(Message.of(N_("[values] must hold tables such as [values.priority]")))
        for name, table in values_data.items():
            if name not in VOCABULARY or name not in fields:
                words = ", ".join(f for f in fields if f in VOCABULARY) or "none"
                raise fail(
                    Message.of(
                        N_("values.{name}: words can be mapped for {words}"), name=name, words=words
                    )
                )
            if not isinstance(table, Mapping):
                raise fail(
                    Message.of(
                        N_("values.{name} must be a table of source word = our word"), name=name
                    )
                )
            words_: dict[str, str] = {}
            for word, target in table.items():
                target_ = str(target).strip().lower()
                if target_ != SKIP and target_ not in VOCABULARY[name]:
                    raise fail(
                        Message.of(
                            N_("values.{name}.{word}: {target} is not one of {choices}"),
                            name=name,
                            word=repr(word),
                            target=repr(target),
                            choices=", ".join((*VOCABULARY[name], SKIP)),
                        )
                    )
                words_[fold(str(word))] = target_
            values[name] = words_
        optional = data.get("optional", [])
        if not isinstance(optional, list) or not all(isinstance(x, str) for x in optional):
            raise fail(Message.of(N_("optional must be a list of field names")))
        if set(optional) - set(columns):
            raise fail(
                Message.of(
                    N_("optional names field(s) not in [columns]: {fields}"),
                    fields=", ".join(sorted(optional)),
                )
            )
        provisional = cls(kind, source, columns, label, date_order, decimal, currency, zone,
                          delimiter, {}, values, frozenset(optional))  # fmt: skip
        defaults: dict[str, Any] = {}
        defaults_data = data.get("defaults", {})
        if not isinstance(defaults_data, Mapping):
            raise fail(Message.of(N_("[defaults] must be a table of field = value")))
        for name, value in defaults_data.items():
            if name not in fields or name in ("account", "account_name", "id"):
                raise fail(
                    Message.of(
                        N_("defaults.{name} is not a field that can have a default"), name=name
                    )
                )
            try:
                defaults[name] = provisional.converter(name)(str(value))
            except CellError as exc:
                raise fail(
                    Message.of(N_("defaults.{name}: {problem}"), name=name, problem=exc.words)
                ) from None
        for name in SIGNAL_REQUIRED[kind]:
            if name not in columns and name not in defaults:
                raise fail(
                    Message.of(
                        N_("[columns] must map {name} for {kind}"), name=name, kind=kind.value
                    )
                )
        if "account" not in columns and "account_name" not in columns:
            raise fail(
                Message.of(N_("[columns] must map account (the CRM id or name) or account_name"))
            )
        usage_minutes = {"session_minutes", "avg_session_minutes"}
        response = {"first_response_minutes", "first_response_hours"}
        for pair in (usage_minutes, response):
            if pair <= set(columns):
                raise fail(
                    Message.of(N_("map one of {pair}, not both"), pair=" or ".join(sorted(pair)))
                )
        return cls(kind, source, columns, label, date_order, decimal, currency, zone,
                   delimiter, defaults, values, frozenset(optional))  # fmt: skip

    # -- cells ---------------------------------------------------------------------------

    def is_count(self, name: str) -> bool:
        """Whether field `name` is a whole count (its converter reads plain digits as `int`
        does: a row whose counts are all plain digits may convert them in one go)."""
        return name in _COUNTS

    def converter(self, name: str) -> Callable[[str], Any]:
        """The function reading a non-empty cell of field `name` (raises `CellError`)."""
        if name in _COUNTS:
            return _fast_count
        if name in _NUMBERS:
            decimal = self.decimal
            return lambda text: parse_number(text, decimal)
        if name in _DATES:
            order = self.date_order
            cache: dict[str, date] = {}

            def read_date(text: str) -> date:
                day = cache.get(text)
                if day is None:
                    day = parse_date(text, order)
                    if len(cache) < 10_000:
                        cache[text] = day
                return day

            return read_date
        if name in _INSTANTS:
            zone, order = self.zone, self.date_order
            return lambda text: parse_instant(text, zone, order)
        if name in VOCABULARY:
            table = self.values.get(name, {})
            choices = VOCABULARY[name]

            def word(text: str) -> str:
                key = fold(text)
                found = table.get(key)
                if found is not None:
                    return found
                if key in choices:
                    return key
                known = ", ".join(sorted({*choices, *table}))
                raise CellError(
                    Message.of(
                        N_("{text} is not a {name} the mapping knows: {known}"),
                        text=repr(text.strip()),
                        name=name,
                        known=known,
                    )
                )

            return word
        if name == "currency":
            return parse_currency
        if name == "amount":
            return self._amount
        if name == "comment":
            return check_comment
        if name == "id":
            return lambda text: check_text(text.strip(), MAX_ID)
        seen: dict[str, str] = {}  # account names and ids repeat row after row

        def text_cell(text: str) -> str:
            known = seen.get(text)
            if known is None:
                known = check_text(text.strip())
                if len(seen) < 100_000:
                    seen[text] = known
            return known

        return text_cell

    def _amount(self, text: str) -> tuple[float, str | None]:
        """(amount, the currency its symbol or code names, or None)."""
        try:
            return parse_money(text, self.decimal)
        except CellError as exc:
            if "ARR" not in exc.words.template:
                raise
            raise CellError(
                Message.of(
                    N_("{raw} is negative; an amount cannot be below 0"), **dict(exc.words.values)
                )
            ) from None


def _fast_count(text: str) -> int:
    if text.isdigit() and text.isascii() and len(text) < 10:
        return int(text)
    return parse_count(text)


# ------------------------------------------------------------------------------- the CSV


# Excel's first line naming the delimiter: "sep=;".
_SEP_HINT = re.compile(r"sep=(.)\r?\n")


def iter_csv(
    text: str, delimiter: str | None = None, expected: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...], int, Iterator[tuple[int, list[str] | Message]]]:
    """(delimiter, headers, header line, rows) of CSV text, reading rows lazily.

    Each row is (line, cells), or (line, words) for a row of the wrong width (a `Message`). Raises
    `CsvFormatError` for what makes the rest unreadable (as `csv_file.read_csv`).
    """
    nul = text.find("\x00")
    if nul >= 0:
        raise CsvFormatError(
            text.count("\n", 0, nul) + 1, Message.of(N_("a NUL byte: this is not a text file"))
        )
    start = 0
    hint = _SEP_HINT.match(text)
    if hint is not None:
        delimiter = hint.group(1)
        text = text[hint.end() :]
        start = 1
    if delimiter is None:
        delimiter = sniff_delimiter(text, expected)
    return _read_rows(io.StringIO(text, newline=""), delimiter, start)


def iter_csv_data(
    data: bytes, delimiter: str | None = None, expected: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...], int, Iterator[tuple[int, list[str] | Message]]]:
    """`iter_csv` of a file's bytes (UTF-8, or UTF-16 with its BOM, as `decode_csv`
    reads them; raises its `CsvFormatError` at the first bad byte).

    A UTF-8 file is decoded as its lines are read: a weekly export of millions of rows is
    never held as one string, nor copied into a `StringIO` (four bytes a character)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return iter_csv(decode_csv(data), delimiter, expected)
    if not data.isascii():
        decode_csv(data)  # the whole file is checked first: its first bad byte is said
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    first = stream.readline()
    hint = _SEP_HINT.match(first)
    if hint is not None:
        return _read_rows(stream, hint.group(1), 1)
    if delimiter is None:
        delimiter = sniff_delimiter(first, expected)
    return _read_rows(chain([first], stream), delimiter, 0)


def _read_rows(
    stream: Iterable[str], delimiter: str, start: int
) -> tuple[str, tuple[str, ...], int, Iterator[tuple[int, list[str] | Message]]]:
    """`iter_csv` from the stream of a CSV's lines; `start`: lines before it (a hint)."""
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    state = {"previous": 0}

    def step() -> tuple[int, list[str]] | None:
        first = state["previous"] + 1 + start
        try:
            row = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            reason = str(exc)
            where = reader.line_num + start
            if "unexpected end of data" in reason or "EOF" in reason or where > first:
                raise CsvFormatError(
                    first,
                    Message.of(
                        N_("a quoted field starts on this line and its closing quote is missing")
                    ),
                ) from None
            raise CsvFormatError(where, csv_reason(reason)) from None
        state["previous"] = reader.line_num
        return first, row

    while True:
        got = step()
        if got is None:
            raise CsvFormatError(1 + start, Message.of(N_("the file is empty: no header line")))
        if any(cell.strip() for cell in got[1]):
            break
    header_line, header_cells = got
    headers = tuple(cell.strip() for cell in header_cells)
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str] | Message]]:
        # One loop straight over the reader (not `step()` per row): a weekly export is
        # millions of rows. Line numbers and errors are the same as `step()`'s.
        previous = state["previous"]
        first = previous + 1 + start
        try:
            for row in reader:
                line = first
                first = reader.line_num + 1 + start
                if len(row) != width:
                    if not any(cell.strip() for cell in row):
                        continue
                    yield line, wrong_width(len(row), width, delimiter)
                    continue
                yield line, row
        except csv.Error as exc:
            reason = str(exc)
            where = reader.line_num + start
            if "unexpected end of data" in reason or "EOF" in reason or where > first:
                raise CsvFormatError(
                    first,
                    Message.of(
                        N_("a quoted field starts on this line and its closing quote is missing")
                    ),
                ) from None
            raise CsvFormatError(where, csv_reason(reason)) from None

    return delimiter, headers, header_line, rows()


class CsvBlock:
    """Consecutive rows of a CSV (a thousand at a time, the last fewer).

    `rows`: each (line, cells), or (line, words) for a row of the wrong width, as
    `iter_csv` gives them. `columns`: when every row of the block is of the header's width
    and was read by splitting its line (no quote in the file), the same cells column by
    column — a weekly export's millions of rows are then read without a list per row."""

    __slots__ = ("_rows", "columns", "lines")

    def __init__(
        self,
        lines: Sequence[int],
        columns: list[list[str]] | None,
        rows: list[tuple[int, list[str] | Message]] | None = None,
    ) -> None:
        self.lines = lines
        self.columns = columns
        self._rows = rows

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def rows(self) -> list[tuple[int, list[str] | Message]]:
        if self._rows is None:
            assert self.columns is not None
            cells = map(list, zip(*self.columns, strict=True))
            self._rows = list(zip(self.lines, cells, strict=True))
        return self._rows


BLOCK_ROWS = 1_000
_CHUNK_BYTES = 1 << 20  # bytes decoded at a time by `iter_csv_blocks`


def iter_csv_blocks(
    data: bytes, delimiter: str | None = None, expected: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...], int, Iterator[CsvBlock]]:
    """`iter_csv_data`'s rows in blocks of `BLOCK_ROWS` (same delimiter, headers, rows,
    line numbers and refusals).

    A UTF-8 file without a quote character and whose lines end in "\\n" (or "\\r\\n") is
    read by splitting: its lines, then each block's cells at the delimiter, as the `csv`
    module reads such lines, at a fraction of its cost per row; its blocks of rows all of
    the header's width come column by column (`CsvBlock.columns`)."""
    found, headers, header_line, rows = iter_csv_data(data, delimiter, expected)
    start = plain_body(data, found, len(headers), header_line)
    if start is None:
        return found, headers, header_line, _row_blocks(rows)
    return (
        found,
        headers,
        header_line,
        split_blocks(data, start, len(data), header_line + 1, found, len(headers)),
    )


def plain_body(data: bytes, delimiter: str, width: int, header_line: int) -> int | None:
    """Where the rows of `data` begin (a byte offset) when `iter_csv_blocks` reads it by
    splitting lines — UTF-8 without a quote character, lines ending in "\\n" or "\\r\\n" —
    else None. `header_line`: the line of its header (after a "sep=" hint, blank lines)."""
    plain = (
        width > 1
        and delimiter not in '\r\n"'
        and b'"' not in data
        and b"\x00" not in data
        and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
        and data.count(b"\r") == data.count(b"\r\n")
    )
    if not plain:
        return None
    start = 0
    for _ in range(header_line):  # the header's lines (and a "sep=" hint, blank lines)
        start = data.find(b"\n", start) + 1
        if not start:
            return len(data)
    return start


def _row_blocks(rows: Iterator[tuple[int, list[str] | Message]]) -> Iterator[CsvBlock]:
    while block := list(islice(rows, BLOCK_ROWS)):
        yield CsvBlock([line for line, _ in block], None, block)


def split_blocks(
    data: bytes, pos: int, end: int, line: int, delimiter: str, width: int
) -> Iterator[CsvBlock]:
    """The rows of `data[pos:end]` — whole lines of a file `plain_body` says is read by
    splitting — in blocks, numbered from `line`."""
    carry: list[str] = []
    limit = csv.field_size_limit()
    while pos < end:
        cut = data.find(b"\n", pos + _CHUNK_BYTES, end)
        stop = end if cut < 0 else cut + 1
        text = data[pos:stop].decode("utf-8")
        pos = stop
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if not lines[-1]:  # the piece ended with its last line's "\n"
            lines.pop()
        if carry:
            lines[:0] = carry
        full = len(lines) if pos >= end else len(lines) - len(lines) % BLOCK_ROWS
        carry = lines[full:]
        for k in range(0, full, BLOCK_ROWS):
            block = lines[k : k + BLOCK_ROWS]
            yield _split_block(block, line, delimiter, width, limit)
            line += len(block)


def _split_block(lines: list[str], first: int, delimiter: str, width: int, limit: int) -> CsvBlock:
    numbers = range(first, first + len(lines))
    if (
        set(map(str.count, lines, repeat(delimiter))) == {width - 1}
        and max(map(len, lines)) <= limit
    ):
        cells = delimiter.join(lines).split(delimiter)
        return CsvBlock(numbers, [cells[i::width] for i in range(width)])
    rows: list[tuple[int, list[str] | Message]] = []
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    for number in numbers:
        try:
            row = next(reader)
        except csv.Error as exc:  # a field larger than the `csv` module's limit
            raise CsvFormatError(number, csv_reason(str(exc))) from None
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                continue
            rows.append((number, wrong_width(len(row), width, delimiter)))
            continue
        rows.append((number, row))
    return CsvBlock([number for number, _ in rows], None, rows)
