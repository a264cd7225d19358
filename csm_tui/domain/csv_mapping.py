"""Importing a CRM's CSV export: how its columns and words map onto accounts and contacts.

Pure: text in, values or messages out. The store reads the file and writes the rows
(`store/importer.py`).

A `ColumnMapping` comes from TOML (shipped examples in ``assets/import/``)::

    kind = "accounts"                 # or "contacts"
    source = "HubSpot companies"      # a name for messages
    date_order = "MDY"                # how to read 03/04/2026: "MDY" or "DMY"; left out,
                                      # a date that could be either is refused
    decimal = "."                     # the decimal mark of amounts: "." (default) or ","
    currency = "USD"                  # amounts without a symbol or code: USD or CNY
    delimiter = ","                   # optional: ",", ";" or "\\t" (default: sniffed)
    create_only = ["stage"]           # set on new accounts, left alone on re-import
    optional = ["seats"]              # columns the file may leave out (default: none may)

    [columns]                         # our field = "the CSV header"
    name = "Company name"
    arr = "Annual recurring revenue"

    [defaults]                        # new records only, when the cell is empty
    sales_motion = "short-direct"

    [values.stage]                    # the source's word = ours; "skip" leaves the row out
    customer = "adoption"
    lead = "skip"

Fields — accounts: name (required), external_id, arr, currency, renewal_date, stage,
owner (a user's name or email), segment, industry, seats, sales_motion, go_live_date,
status (the CRM's status: "closed lost", "churned" … record a churn decision, even when the
row keeps the last ARR), tier_override (a tier, or "auto" to clear the override) and
tier_override_reason (required with a tier: "flagship", "influence", "seats", "potential",
or words), reference (a reference / flagship customer: yes/no, true/false, 1/0 — a tier
criterion of the rules).
Contacts: account (required; the account's external id or exact name), name (required),
title, email, phone, role.

Headers match ignoring case and runs of spaces. Words in ``[values.*]`` tables match the
same way; a word not in the table is read as our own word (``adoption``, ``long-direct``,
``champion``) or refused with the words that would be accepted.

Cells: surrounding spaces are stripped and nothing else of the text is changed (Chinese,
``[bold]``, quotes and backslashes are kept as they are); text must be one line without
control characters. Amounts: ``1200``, ``$1,200.50``, ``¥86,000``, ``86,000元``,
``RMB 86000``, ``1.2k``, ``3M``, ``8.6万``; ``$`` is read as USD and ``¥``/``￥``/``元`` as
CNY (the only currencies the book holds); negative amounts are refused. Dates: ISO
``2026-03-15`` (a time after it is ignored), ``2026/03/15``, ``2026年3月15日``,
``15 Mar 2026``, ``Mar 15, 2026``, ``15-Mar-26`` and numeric ``3/15/2026``, ``15.03.2026``
— when both parts could be the month (``03/04/2026``) the mapping's `date_order` decides,
and without it the cell is refused. Two-digit years are 20xx.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from csm_tui.domain.errors import Refusal
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.records import ContactRole
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"


class DateOrder(StrEnum):
    MDY = "MDY"  # 03/04/2026 is 4 March (United States)
    DMY = "DMY"  # 03/04/2026 is 3 April (most of Europe)


ACCOUNT_FIELDS: tuple[str, ...] = (
    "name",
    "external_id",
    "arr",
    "currency",
    "renewal_date",
    "stage",
    "owner",
    "segment",
    "industry",
    "seats",
    "sales_motion",
    "go_live_date",
    "status",
    "tier_override",
    "tier_override_reason",
    "reference",
)
CONTACT_FIELDS: tuple[str, ...] = ("account", "name", "title", "email", "phone", "role")
FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.ACCOUNTS: ACCOUNT_FIELDS,
    ImportKind.CONTACTS: CONTACT_FIELDS,
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.ACCOUNTS: ("name",),
    ImportKind.CONTACTS: ("account", "name"),
}
VOCABULARY_FIELDS = frozenset({"stage", "sales_motion", "role", "currency", "owner"})
DATE_FIELDS = frozenset({"renewal_date", "go_live_date"})
SKIP = "skip"
"""A `[values.*]` target meaning "this row is not for the book" (a HubSpot lead)."""

CURRENCIES = ("USD", "CNY")
MAX_TEXT = 200
MAX_EXTERNAL_ID = 100
MAX_ARR = 1e12
MAX_SEATS = 2**31 - 1
EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)
DELIMITERS = (",", ";", "\t")


class MappingError(Refusal, ValueError):
    """A mapping file that cannot be used; its words (a `Message`) name the key."""


def fold(text: str) -> str:
    """Headers and words compare by this: case folded, runs of spaces as one."""
    return " ".join(text.casefold().split())


# ------------------------------------------------------------------------------- values


class CellError(ValueError):
    """A cell that cannot be read: `words` (a `Message`) say why, the edge renders them in
    the interface language; `message` is the same words in English (logs, JSON)."""

    def __init__(self, words: Message | str) -> None:
        self.words = words if isinstance(words, Message) else Message.text(words)
        super().__init__(self.words)  # made into English only when asked (bad rows are many)

    @property
    def message(self) -> str:
        return self.words.english()

    def __str__(self) -> str:
        return self.words.english()


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # spaces and the ' of 1'200 (Swiss)
_MULTIPLIERS = {
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mm": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
}
# Longest first, so "US$" wins over "$".
_CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("US$", "USD"),
    ("USD", "USD"),
    ("CN¥", "CNY"),
    ("CNY", "CNY"),
    ("RMB", "CNY"),
    ("$", "USD"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("元", "CNY"),
)
_FOREIGN_MARKS = ("€", "£", "EUR", "GBP", "JPY", "HK$", "HKD", "C$", "CAD", "A$", "AUD", "₹")
_PLAIN = {".": re.compile(r"\d+(\.\d+)?"), ",": re.compile(r"\d+(,\d+)?")}
_GROUPED = {
    ".": re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?"),
    ",": re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?"),
}
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+-]?\d+")


def parse_currency(text: str) -> str:
    """USD or CNY from a code or symbol (``RMB``, ``¥`` and ``元`` are CNY)."""
    key = text.strip().upper()
    for mark, code in _CURRENCY_MARKS:
        if key == mark.upper():
            return code
    raise CellError(
        Message.of(
            N_("currency {text} is not one the book holds; use USD or CNY"), text=repr(text.strip())
        )
    )


def parse_money(text: str, decimal: str = ".") -> tuple[float, str | None]:
    """An amount and the currency its symbol or code names (None: none given).

    Rounded to the cent. Refuses negative amounts, other currencies and numbers whose
    thousands separators do not fall every three digits (``1,20``).
    """
    raw = text.strip()
    s = _SPACES.sub("", raw)
    if not s:
        raise CellError(Message.of(N_("no amount")))
    currency = None
    upper = s.upper()
    for mark in _FOREIGN_MARKS:
        if mark.upper() in upper:
            raise CellError(
                Message.of(
                    N_("{raw} is not in USD or CNY; convert it before importing"), raw=repr(raw)
                )
            )
    for mark, code in _CURRENCY_MARKS:
        m = mark.upper()
        if upper.startswith(m):
            s, currency = s[len(mark) :], code
            break
        if upper.endswith(m):
            s, currency = s[: -len(mark)], code
            break
    if s.startswith("-") or (s.startswith("(") and s.endswith(")")) or s.endswith("-"):
        raise CellError(Message.of(N_("{raw} is negative; ARR cannot be below 0"), raw=repr(raw)))
    s = s.lstrip("+")
    multiplier = Decimal(1)
    lowered = s.lower()
    for suffix in sorted(_MULTIPLIERS, key=len, reverse=True):
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            multiplier = _MULTIPLIERS[suffix]
            s = s[: -len(suffix)]
            break
    if _PLAIN[decimal].fullmatch(s) or _SCIENTIFIC.fullmatch(s):
        number = s.replace(",", ".") if decimal == "," else s
    elif _GROUPED[decimal].fullmatch(s):
        group = "," if decimal == "." else "."
        number = s.replace(group, "")
        if decimal == ",":
            number = number.replace(",", ".")
    else:
        if decimal == "." and re.fullmatch(r"\d+(\.\d{3})*,\d+", s):
            raise CellError(
                Message.of(
                    N_(
                        '{raw} is not an amount (a decimal comma? set decimal = "," in the mapping)'
                    ),
                    raw=repr(raw),
                )
            )
        raise CellError(Message.of(N_("{raw} is not an amount"), raw=repr(raw)))
    try:
        amount = Decimal(number) * multiplier
    except InvalidOperation:
        raise CellError(Message.of(N_("{raw} is not an amount"), raw=repr(raw))) from None
    if amount > Decimal(MAX_ARR):
        raise CellError(Message.of(N_("{raw} is too large for an annual amount"), raw=repr(raw)))
    return float(round(amount, 2)), currency


def parse_count(text: str) -> int:
    """A whole number ≥ 0: ``1200``, ``1,200``, ``1 200`` or ``12.0`` (spreadsheets)."""
    raw = text.strip()
    s = _SPACES.sub("", raw)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        s = s.replace(",", "")
    m = re.fullmatch(r"(\d+)(\.0+)?", s)
    if m is None:
        if s.startswith("-"):
            raise CellError(
                Message.of(N_("{raw} is negative; expected a whole number ≥ 0"), raw=repr(raw))
            )
        raise CellError(Message.of(N_("{raw} is not a whole number"), raw=repr(raw)))
    value = int(m.group(1))
    if value > MAX_SEATS:
        raise CellError(Message.of(N_("{raw} is too large"), raw=repr(raw)))
    return value


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<y>\d{4}|\d{2})"
# A time (and zone) after a date is dropped: only the calendar date is stored.
_TIME = (
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
)
_DATE_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern + _TIME, re.IGNORECASE))
    for name, pattern in (
        ("ymd", r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
        ("cn", r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
        ("numeric", r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR),
        ("d_mon_y", r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+" + _MONTH + r"[\s,-]+" + _YEAR),
        ("mon_d_y", _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR),
    )
)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int, raw: str) -> date:
    if not 1 <= month <= 12:
        raise CellError(
            Message.of(N_("{raw}: there is no month {month}"), raw=repr(raw), month=month)
        )
    try:
        value = date(year, month, day)
    except ValueError:
        raise CellError(
            Message.of(
                N_("{raw} is not a date: day {day} does not exist in that month"),
                raw=repr(raw),
                day=day,
            )
        ) from None
    if not EARLIEST <= value <= LATEST:
        raise CellError(
            Message.of(
                N_("{raw} is outside {first}–{last}"),
                raw=repr(raw),
                first=EARLIEST.year,
                last=LATEST.year,
            )
        )
    return value


def parse_date(text: str, order: DateOrder | None = None) -> date:
    """A calendar date from the forms in the module doc; see there for ambiguity."""
    raw = text.strip()
    for name, pattern in _DATE_FORMS:
        m = pattern.fullmatch(raw)
        if m is None:
            continue
        if name in ("ymd", "cn"):
            return _make(int(m["y"]), int(m["m"]), int(m["d"]), raw)
        if name in ("d_mon_y", "mon_d_y"):
            month = _MONTHS[m["mon"].lower()]
            return _make(_year(m["y"]), month, int(m["d"]), raw)
        a, b, year = int(m["a"]), int(m["b"]), _year(m["y"])
        if order is DateOrder.MDY:
            if a > 12:
                raise CellError(
                    Message.of(
                        N_("{raw}: there is no month {month} (the mapping reads dates as {order})"),
                        raw=repr(raw),
                        month=a,
                        order="MDY",
                    )
                )
            return _make(year, a, b, raw)
        if order is DateOrder.DMY:
            if b > 12:
                raise CellError(
                    Message.of(
                        N_("{raw}: there is no month {month} (the mapping reads dates as {order})"),
                        raw=repr(raw),
                        month=b,
                        order="DMY",
                    )
                )
            return _make(year, b, a, raw)
        if a > 12 >= b:
            return _make(year, b, a, raw)
        if b > 12 >= a or a == b:
            return _make(year, a, b, raw)
        raise CellError(
            Message.of(
                N_(
                    "{raw} could be {one} or {other}; set "
                    'date_order = "MDY" or "DMY" in the mapping, or use 2026-03-04'
                ),
                raw=repr(raw),
                one=_day_month(a, b),
                other=_day_month(b, a),
            )
        )
    raise CellError(
        Message.of(
            N_("{raw} is not a date (use 2026-03-15, 15 Mar 2026 or the export's form)"),
            raw=repr(raw),
        )
    )


def _day_month(day: int, month: int) -> str:
    name = _MONTH_ABBR[month - 1] if 1 <= month <= 12 else f"month {month}"
    return f"{day} {name}"


_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Unicode categories Cc (C0, DEL, C1), Zl and Zp: what `domain.contacts` refuses too.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_text(value: str, limit: int = MAX_TEXT) -> str:
    """One line of text as it will be stored (surrounding spaces already stripped)."""
    found = _CONTROL.search(value)
    if found is not None:
        bad = found.group()
        shown = (
            Message.of(N_("a line break"))
            if bad in "\r\n\u2028\u2029"
            else Message.text(f"U+{ord(bad):04X}")
        )
        raise CellError(
            Message.of(
                N_("contains {shown}; it must be one line of text without control characters"),
                shown=shown,
            )
        )
    if len(value) > limit:
        raise CellError(
            Message.of(
                N_("is {length} characters long; at most {limit}"), length=len(value), limit=limit
            )
        )
    return value


# ------------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class ColumnMapping:
    """Which CSV header feeds which field, and how the source's words read as ours."""

    kind: ImportKind
    columns: Mapping[str, str]  # our field → the CSV header
    source: str = ""
    date_order: DateOrder | None = None
    decimal: str = "."
    currency: str = "USD"
    delimiter: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)  # converted values
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # folded word → ours
    create_only: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()  # fields whose column the file may leave out

    @classmethod
    def own_columns(cls, kind: ImportKind | str) -> ColumnMapping:
        """Headers that are our own field names (``name``, ``arr``, ``renewal_date``, …), as
        `store.exporter` writes them; only the required ones must be there."""
        kind = ImportKind(kind)
        fields = FIELDS[kind]
        return cls(
            kind=kind,
            columns={f: f for f in fields},
            source=f"csm-tui {kind.value} columns",
            optional=frozenset(fields) - frozenset(REQUIRED[kind]),
        )

    @classmethod
    def from_toml(cls, text: str, where: str = "mapping") -> ColumnMapping:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(
                Message.of(N_("{file}: not valid TOML: {problem}"), file=where, problem=str(exc))
            ) from None
        return cls.from_mapping(data, where)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "mapping") -> ColumnMapping:
        """Every mistake raises `MappingError` naming the key and what would be accepted."""

        def fail(problem: Message) -> MappingError:
            return MappingError(Message.of(N_("{file}: {problem}"), file=where, problem=problem))

        known = {
            "kind",
            "source",
            "date_order",
            "decimal",
            "currency",
            "delimiter",
            "create_only",
            "optional",
            "columns",
            "defaults",
            "values",
        }
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
            kind = ImportKind(str(data.get("kind", "")).strip().lower())
        except ValueError:
            raise fail(Message.of(N_('kind must be "accounts" or "contacts"'))) from None
        fields = FIELDS[kind]
        source = data.get("source", "")
        if not isinstance(source, str):
            raise fail(Message.of(N_("source must be text")))

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
        delimiter = data.get("delimiter")
        if delimiter is not None and delimiter not in DELIMITERS:
            raise fail(Message.of(N_('delimiter must be ",", ";" or "\\t"')))

        columns_data = data.get("columns")
        if not isinstance(columns_data, Mapping) or not columns_data:
            raise fail(
                Message.of(
                    N_('[columns] is missing: it maps our fields to CSV headers, name = "Name"')
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
        missing = [f for f in REQUIRED[kind] if f not in columns]
        if missing:
            raise fail(
                Message.of(
                    N_("[columns] must map {missing} for {kind}"),
                    missing=", ".join(missing),
                    kind=kind.value,
                )
            )
        clashes = _duplicates(fold(h) for h in columns.values())
        if clashes:
            raise fail(
                Message.of(
                    N_("one header feeds two fields: {clashes}"), clashes=", ".join(sorted(clashes))
                )
            )

        values_data = data.get("values", {})
        if not isinstance(values_data, Mapping):
            raise fail(Message.of(N_("[values] must hold tables such as [values.stage]")))
        values: dict[str, dict[str, str]] = {}
        for name, table in values_data.items():
            if name not in VOCABULARY_FIELDS or name not in fields:
                choices = ", ".join(f for f in fields if f in VOCABULARY_FIELDS)
                raise fail(
                    Message.of(
                        N_("values.{name}: words can be mapped for {choices}"),
                        name=name,
                        choices=choices,
                    )
                )
            if not isinstance(table, Mapping):
                raise fail(
                    Message.of(
                        N_("values.{name} must be a table of source word = our word"), name=name
                    )
                )
            words: dict[str, str] = {}
            for word, target in table.items():
                if not isinstance(target, str):
                    raise fail(
                        Message.of(
                            N_("values.{name}.{word} must be text"), name=name, word=repr(word)
                        )
                    )
                if target.strip().lower() == SKIP:
                    words[fold(word)] = SKIP
                    continue
                try:
                    words[fold(word)] = _own_word(name, target)
                except CellError as exc:
                    raise fail(
                        Message.of(
                            N_("values.{name}.{word}: {problem}"),
                            name=name,
                            word=repr(word),
                            problem=exc.words,
                        )
                    ) from None
            values[name] = words

        provisional = cls(
            kind=kind,
            columns=columns,
            source=source,
            date_order=date_order,
            decimal=decimal,
            currency=currency,
            delimiter=delimiter,
            values=values,
        )
        defaults_data = data.get("defaults", {})
        if not isinstance(defaults_data, Mapping):
            raise fail(Message.of(N_("[defaults] must be a table of field = value")))
        defaults: dict[str, Any] = {}
        for name, value in defaults_data.items():
            if name not in fields or name in REQUIRED[kind]:
                raise fail(
                    Message.of(
                        N_("defaults.{name} is not a field that can have a default"), name=name
                    )
                )
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise fail(Message.of(N_("defaults.{name} must be text or a number"), name=name))
            try:
                converted = provisional.convert_cell(name, str(value))
            except CellError as exc:
                raise fail(
                    Message.of(N_("defaults.{name}: {problem}"), name=name, problem=exc.words)
                ) from None
            if converted is _SKIPPED:
                raise fail(
                    Message.of(N_("defaults.{name} cannot be {skip}"), name=name, skip=repr(SKIP))
                )
            if name == "arr":
                amount, cur = converted
                defaults["arr"] = amount
                if cur is not None:
                    defaults.setdefault("currency", cur)
            else:
                defaults[name] = converted

        lists: dict[str, frozenset[str]] = {}
        for key in ("create_only", "optional"):
            names = data.get(key, [])
            if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
                raise fail(Message.of(N_("{key} must be a list of field names"), key=key))
            bad = sorted(set(names) - set(columns))
            if bad:
                raise fail(
                    Message.of(
                        N_("{key} names field(s) not in [columns]: {bad}"),
                        key=key,
                        bad=", ".join(bad),
                    )
                )
            lists[key] = frozenset(names)
        required = sorted(lists["optional"] & set(REQUIRED[kind]))
        if required:
            raise fail(
                Message.of(N_("optional: {required} is required"), required=", ".join(required))
            )
        return cls(
            kind=kind,
            columns=columns,
            source=source,
            date_order=date_order,
            decimal=decimal,
            currency=currency,
            delimiter=delimiter,
            defaults=defaults,
            values=values,
            create_only=lists["create_only"],
            optional=lists["optional"],
        )

    @property
    def label(self) -> str:
        return self.source or f"{self.kind.value} mapping"

    # -- cells --------------------------------------------------------------------------

    def convert_cell(self, name: str, text: str) -> Any:
        """The value of one non-empty cell for field `name` (raises `CellError`).

        `arr` gives (amount, currency or None); a vocabulary word mapped to "skip"
        gives the `SKIPPED` marker.
        """
        text = text.strip()
        if name in VOCABULARY_FIELDS:
            table = self.values.get(name, {})
            word = table.get(fold(text))
            if word == SKIP:
                return _SKIPPED
            if word is not None:
                return word
            try:
                return _own_word(name, text)
            except CellError as exc:
                if table:
                    known = ", ".join(sorted({w for w in table}))
                    raise CellError(
                        Message.of(
                            N_("{problem}; the mapping knows: {known}"),
                            problem=exc.words,
                            known=known,
                        )
                    ) from None
                raise
        if name == "arr":
            return parse_money(text, self.decimal)
        if name in DATE_FIELDS:
            return parse_date(text, self.date_order)
        if name == "seats":
            return parse_count(text)
        if name == "reference":
            key = fold(text)
            if key in ("yes", "y", "true", "1", "x", "是"):
                return True
            if key in ("no", "n", "false", "0", "否"):
                return False
            raise CellError(Message.of(N_("{text} is not yes or no"), text=repr(text)))
        if name == "tier_override":
            if fold(text) == "auto":
                return "auto"
            try:
                return Tier.parse(text).value
            except ValueError as exc:
                problem = exc.words if isinstance(exc, Refusal) else str(exc)
                raise CellError(Message.of(N_("{problem}, or auto"), problem=problem)) from None
        if name == "external_id":
            return check_text(text, MAX_EXTERNAL_ID)
        return check_text(text)

    def convert_row(self, cells: Mapping[str, str]) -> ConvertedRow:
        """The fields of one row (`cells`: our field → the raw cell text).

        Empty cells give no value (the store keeps what it has, or uses a default for
        new records). Every cell is checked; all problems come back together.
        """
        values: dict[str, Any] = {}
        errors: list[tuple[str, Message]] = []
        skip: Message | None = None
        for name in FIELDS[self.kind]:
            text = cells.get(name)
            if text is None or not text.strip():
                continue
            try:
                value = self.convert_cell(name, text)
            except CellError as exc:
                errors.append((name, exc.words))
                continue
            if value is _SKIPPED:
                skip = Message.of(
                    N_("{column} is {value}"), column=self.columns[name], value=repr(text.strip())
                )
                continue
            if name == "arr":
                amount, marked = value
                values["arr"] = amount
                if marked is not None:
                    values["arr_currency"] = marked
            else:
                values[name] = value
        if "arr_currency" in values:
            marked = values.pop("arr_currency")
            stated = values.get("currency")
            if stated is not None and stated != marked:
                errors.append(
                    (
                        "arr",
                        Message.of(
                            N_("the amount is in {marked} but the currency column says {stated}"),
                            marked=marked,
                            stated=stated,
                        ),
                    )
                )
            values["currency"] = marked
        elif "arr" in values and "currency" not in values:
            values["currency"] = self.currency
        if skip is not None:  # not for the book: its other cells do not matter
            return ConvertedRow({k: v for k, v in values.items() if k == "name"}, (), skip)
        for name in REQUIRED[self.kind]:
            if name not in values and not any(f == name for f, _ in errors):
                errors.append(
                    (
                        name,
                        Message.of(
                            N_("{column} is empty; it is required"), column=self.columns[name]
                        ),
                    )
                )
        return ConvertedRow(values, tuple(errors), skip)


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


_SKIPPED: Any = _Skipped()


@dataclass(frozen=True)
class ConvertedRow:
    values: dict[str, Any]
    errors: tuple[tuple[str, Message], ...]  # (field, words)
    skip: Message | None = None  # why the mapping leaves this row out


def _own_word(name: str, text: str) -> str:
    """Our value for a vocabulary field, from our own word for it."""
    text = text.strip()
    try:
        if name == "stage":
            return Stage.parse(text).value
        if name == "sales_motion":
            return SalesMotion.parse(text).value
        if name == "role":
            key = text.lower()
            for role in ContactRole:
                if role.value == key:
                    return role.value
            roles = ", ".join(r.value for r in ContactRole)
            raise CellError(
                Message.of(
                    N_("unknown role {text}; expected one of {roles}"), text=repr(text), roles=roles
                )
            )
        if name == "currency":
            return parse_currency(text)
    except ValueError as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError(exc.words if isinstance(exc, Refusal) else str(exc)) from None
    return check_text(text)  # owner: a user's name or email, matched by the store


def _duplicates(items: Iterator[str] | Sequence[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for item in items:
        (twice if item in seen else seen).add(item)
    return twice


# ------------------------------------------------------------------------------- the CSV


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


def locate_columns(mapping: ColumnMapping, headers: Sequence[str]) -> dict[str, int]:
    """Our field → the index of its column. Raises `CsvFormatError` (line 0: the caller
    sets the header's line) when a mapped header is missing or appears twice."""
    positions: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        positions.setdefault(fold(header), []).append(i)
    found: dict[str, int] = {}
    problems: list[Message] = []
    taken = {fold(h) for h in mapping.columns.values()}
    free = [h for h in headers if fold(h) not in taken]  # suggest only unmapped headers
    for name, header in mapping.columns.items():
        at = positions.get(fold(header), [])
        if len(at) > 1:
            problems.append(
                Message.of(
                    N_("the column {header} ({name}) appears {times} times"),
                    header=repr(header),
                    name=name,
                    times=len(at),
                )
            )
        elif not at and name in mapping.optional:
            continue
        elif not at:
            close = difflib.get_close_matches(header, free, n=1, cutoff=0.6)
            if close:
                problems.append(
                    Message.of(
                        N_("no column {header} (mapped to {name}); did you mean {close}?"),
                        header=repr(header),
                        name=name,
                        close=repr(close[0]),
                    )
                )
            else:
                problems.append(
                    Message.of(
                        N_("no column {header} (mapped to {name})"), header=repr(header), name=name
                    )
                )
        else:
            found[name] = at[0]
    if problems:
        shown = ", ".join(repr(h) for h in headers[:30])
        said = problems[0]
        for problem in problems[1:]:
            said = Message.of(N_("{first}; {then}"), first=said, then=problem)
        if len(headers) > 30:
            words = Message.of(
                N_("{problems}. The file's columns: {shown} and {more} more"),
                problems=said,
                shown=shown,
                more=len(headers) - 30,
            )
        else:
            words = Message.of(
                N_("{problems}. The file's columns: {shown}"), problems=said, shown=shown
            )
        raise CsvFormatError(0, words)
    return found


# ------------------------------------------------------------------------------- reports


def problems_summary(path: str, problems: int, rows: int) -> Message:
    """ "{path}: 3 problem(s) in 10 rows; nothing was imported" (an import refused)."""
    return Message.of(
        N_("{path}: {problems} problem(s) in {rows} rows; nothing was imported"),
        path=path,
        problems=f"{problems:,}",
        rows=f"{rows:,}",
    )


def dry_run_summary(path: str, counts: dict[str, str]) -> Message:
    """What a dry run would do; `counts`: create, update, unchanged, skipped."""
    return Message.of(
        N_(
            "{path}: dry run, nothing written — {create} to create, {update} to update, "
            "{unchanged} unchanged, {skipped} skipped"
        ),
        path=path,
        **counts,
    )


def no_shipped_mapping(
    name: str, kind: str | None, names: Sequence[str], *, several: bool
) -> Message:
    """A mapping name that names no shipped mapping, or several: the names that exist."""
    known = ", ".join(names) or "none"
    if several:
        template = N_(
            "{name} matches several shipped {kind} mappings (shipped: {known}); "
            "or give the path of a .toml file"
        )
    else:
        template = N_(
            "{name} is not a shipped {kind} mapping (shipped: {known}); "
            "or give the path of a .toml file"
        )
    return Message.of(template, name=repr(name), kind=kind or "", known=known)
