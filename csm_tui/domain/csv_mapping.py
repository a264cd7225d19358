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

The parts: how one cell reads is `domain.import_cells`, the CSV file itself
`domain.csv_file`, the summary lines of an import `domain.import_summaries`; this module is
the mapping — its fields, its words, a row converted, the mapped columns found.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from csm_tui.domain.csv_file import DELIMITERS, CsvFormatError, fold
from csm_tui.domain.errors import Refusal
from csm_tui.domain.import_cells import (
    MAX_EXTERNAL_ID,
    CellError,
    DateOrder,
    check_text,
    parse_count,
    parse_currency,
    parse_date,
    parse_money,
)
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.records import ContactRole
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"


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


class MappingError(Refusal, ValueError):
    """A mapping file that cannot be used; its words (a `Message`) name the key."""


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
    # Headers are field names: one that names no field is told (a typo drops a column).
    own: bool = False

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
            own=True,
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
