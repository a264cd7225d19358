"""A product-usage export's plain rows read straight from their cells.

A weekly usage export is millions of rows — one per account and week, every feature's
count — almost all of them plain: counts of ASCII digits, a number of minutes, an account
the book knows, a week already seen. `usage_reader` makes their records without the
per-row dict of values and converter calls the general way (`store/signal_import.py`)
uses, block by block (`many`), and says None for any row that is not plain: that row then
goes the general way, which says what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from operator import add, itemgetter, mul
from typing import Any, cast

from csm_tui.domain.import_cells import CellError
from csm_tui.domain.signal_mapping import SignalKind, SignalMapping
from csm_tui.domain.signals import monday_of
from csm_tui.i18n import Message
from csm_tui.store.timestamps import date_to_db

# How an account is found from a row's account cells: (its id or None, why not).
FindAccount = Callable[[str, str], tuple[str | None, Message | None]]


# The fields a usage row's record is made of, as `_builder`'s `usage` reads them.
USAGE_COUNTS = ("active_users", "seats", "opportunities", "leads", "public_pool", "contacts",
                 "messages", "sessions")  # fmt: skip
USAGE_TEXTS = ("account", "account_name")


def usage_reader(
    mapping: SignalMapping, where: dict[str, int], find: FindAccount
) -> Callable[[list[str]], tuple[Any, ...] | None] | None:
    """For a usage mapping of plain columns: a function making a row's record straight
    from its cells — the same tuple `_builder` makes from the row's values — or None when
    the row is not the plain case (an empty cell, a count that is not plain digits, a cell
    that does not read, an account not found): that row then goes the general way, which
    says what is wrong with it. None when the mapping is not such a mapping.

    A large weekly export is millions of rows: this skips the per-row dict of values and
    the converter calls for each cell, and remembers each account's cells → account id."""
    if mapping.kind is not SignalKind.USAGE or mapping.defaults or "id" in where:
        return None
    minutes_name = "session_minutes" if "session_minutes" in where else "avg_session_minutes"
    handled = {*USAGE_COUNTS, *USAGE_TEXTS, "week_start", minutes_name}
    if not set(where) <= handled or "active_users" not in where or "week_start" not in where:
        return None
    if minutes_name not in where or "sessions" not in where:
        return None
    counted = [name for name in USAGE_COUNTS if name in where]
    count_at = itemgetter(*(where[name] for name in counted))
    plain = re.compile(r"[0-9]{1,9}" + r"(?:,[0-9]{1,9})" * (len(counted) - 1))
    # Each record field from the counts read (a column left out: 0, as `usage` has it).
    absent = len(counted)
    pick = itemgetter(*(counted.index(n) if n in counted else absent for n in USAGE_COUNTS))
    sessions_at = USAGE_COUNTS.index("sessions")
    texts = [(name, where[name], mapping.converter(name)) for name in USAGE_TEXTS
             if name in where]  # fmt: skip
    text_at = itemgetter(*(i for _, i, _ in texts)) if len(texts) > 1 else None
    week_at, read_week = where["week_start"], mapping.converter("week_start")
    minutes_at, read_minutes = where[minutes_name], mapping.converter(minutes_name)
    avg = minutes_name == "avg_session_minutes"
    prefix, source = mapping.source + ":", mapping.source
    accounts: dict[Any, str] = {}
    weeks: dict[str, str] = {}
    # With both account cells: the `account` cells that find their account by themselves
    # (the name is then not asked), and the `account_name` cells that read: a row of both
    # is found from its first cell alone, without a pair made and hashed per row.
    by_ref: dict[str, str] = {}
    names_read: set[str] = set()
    pair = [name for name, _, _ in texts] == list(USAGE_TEXTS)

    def account_of(key: Any) -> str | None:
        cells = key if text_at is not None else (key,)
        if not all(cells):
            return None
        found = dict(zip((name for name, _, _ in texts), (
            convert(cell) for (_, _, convert), cell in zip(texts, cells, strict=True)
        ), strict=True))  # fmt: skip
        aid, _problem = find(found.get("account", ""), found.get("account_name", ""))
        if aid is not None and len(accounts) < 1_000_000:
            accounts[key] = aid
            if pair and find(found["account"], "")[0] == aid:
                by_ref[key[0]] = aid
                names_read.add(key[1])
        return aid

    # The common case in one check: every count plain digits and the minutes a plain
    # number (as `parse_number` reads it with a "." decimal: `float` of the cell).
    plain_minutes = mapping.decimal == "."
    both_at = itemgetter(*(where[name] for name in counted), minutes_at)
    both = re.compile(r"[0-9]{1,9}," * len(counted) + r"[0-9]{1,9}(?:\.[0-9]{1,6})?")
    n_counted = len(counted)

    def read(cells: list[str]) -> tuple[Any, ...] | None:
        if plain_minutes:
            texts = both_at(cells)
            if both.fullmatch(",".join(texts)):
                key = text_at(cells) if text_at is not None else cells[texts_at0]
                aid = accounts.get(key)
                week_text = weeks.get(cells[week_at])
                if aid is not None and week_text is not None:
                    nums = [*map(int, texts[:n_counted]), 0]
                    values = pick(nums)
                    minutes = float(texts[n_counted])
                    if avg:
                        minutes = round(minutes * values[sessions_at], 2)
                    return (prefix + aid + ":" + week_text, aid, week_text, *values,
                            float(minutes), source)  # fmt: skip
        return read_slow(cells)

    texts_at0 = texts[0][1]

    def read_slow(cells: list[str]) -> tuple[Any, ...] | None:
        counts_text = count_at(cells)
        if len(counted) > 1:
            if not plain.fullmatch(",".join(counts_text)):
                return None
            nums = [*map(int, counts_text), 0]
        else:
            if not plain.fullmatch(counts_text):
                return None
            nums = [int(counts_text), 0]
        key = text_at(cells) if text_at is not None else cells[texts[0][1]]
        try:
            aid = accounts.get(key) or account_of(key)
            if aid is None:
                return None
            week_cell = cells[week_at]
            week_text = weeks.get(week_cell)
            if week_text is None:
                if not week_cell:
                    return None
                week_text = date_to_db(monday_of(read_week(week_cell)))
                if len(weeks) < 10_000:
                    weeks[week_cell] = week_text
            minutes_cell = cells[minutes_at]
            if not minutes_cell:
                return None
            minutes = read_minutes(minutes_cell)
        except CellError:
            return None
        values = pick(nums)
        if avg:
            minutes = round(minutes * values[sessions_at], 2)
        return (prefix + aid + ":" + week_text, aid, week_text, *values, float(minutes), source)

    # Possessive: a cell that does not read fails at once, without trying shorter cells.
    counts_column = re.compile(r"(?:[0-9]{1,9}+\n)*+[0-9]{1,9}+")
    minute = r"[0-9]{1,9}+(?:\.[0-9]{1,6}+)?+"
    minutes_column = re.compile(f"(?:{minute}\\n)*+{minute}")
    count_idx = [where[name] for name in counted]
    text_idx = [i for _, i, _ in texts]

    def plain_cells(column: Sequence[str], pattern: re.Pattern[str]) -> bool:
        joined = "\n".join(column)
        return joined.count("\n") == len(column) - 1 and pattern.fullmatch(joined) is not None

    def many(columns: list[list[str]], compact: bool = False) -> list[tuple[Any, ...]] | None:
        """The records of many rows at once, from their cells column by column (a
        `CsvBlock`'s `columns`) — the same tuples `read` makes, or `compact`: without
        their first (id) and last (source) values — or None unless every row is the plain
        case `read`'s first check takes."""
        if not plain_minutes:
            return None
        # Every count cell 1–9 ASCII digits (`plain`'s check), all columns in one match.
        if not plain_cells(tuple(chain.from_iterable(map(columns.__getitem__, count_idx))),
                           counts_column):  # fmt: skip
            return None
        if not plain_cells(columns[minutes_at], minutes_column):
            return None
        aids: list[str | None] = []
        if pair:
            aids = list(map(by_ref.get, columns[text_idx[0]]))
            if None in aids or not all(map(names_read.__contains__, columns[text_idx[1]])):
                aids = []
        if aids:
            return _records(columns, cast(list[str], aids), compact)  # no None in them
        keys = (
            list(zip(*(columns[i] for i in text_idx), strict=True))
            if text_at
            else columns[text_idx[0]]
        )
        aids = list(map(accounts.get, keys))
        if None in aids:
            try:
                for key in {k for k, a in zip(keys, aids, strict=True) if a is None}:
                    if account_of(key) is None:
                        return None
            except CellError:
                return None
            aids = list(map(accounts.get, keys))
            if None in aids:
                return None
        return _records(columns, cast(list[str], aids), compact)  # no None in them

    def _records(
        columns: list[list[str]], aids: list[str], compact: bool
    ) -> list[tuple[Any, ...]] | None:
        """`many`'s records once every row's account is found (`aids`)."""
        week_texts = list(map(weeks.get, columns[week_at]))
        if None in week_texts:
            try:
                for cell in {c for c, w in zip(columns[week_at], week_texts, strict=True)
                             if w is None}:  # fmt: skip
                    if not cell or len(weeks) >= 10_000:
                        return None
                    weeks[cell] = date_to_db(monday_of(read_week(cell)))
            except CellError:
                return None
            week_texts = list(map(weeks.get, columns[week_at]))
        # The counts stay the digits read: the staging table's INTEGER columns store them
        # as the numbers they spell (SQLite's column affinity: "0042" is 42, as `int` reads
        # it), without a Python int made per cell. `as_stored` makes them numbers where
        # Python compares a record with the cache's.
        read_counts = [columns[i] for i in count_idx]
        zeros = [0] * len(columns[0])
        values = [read_counts[counted.index(n)] if n in counted else zeros
                  for n in USAGE_COUNTS]  # fmt: skip
        minutes = list(map(float, columns[minutes_at]))
        if avg:
            sessions = map(int, values[sessions_at])
            minutes = list(map(round, map(mul, minutes, sessions), repeat(2)))
        if compact:  # without the id and the source: `RowReader` stages these
            return list(zip(aids, week_texts, *values, minutes, strict=True))
        ids = map(add, map(add, map(add, repeat(prefix), aids), repeat(":")), week_texts)
        return list(zip(ids, aids, week_texts, *values, minutes, repeat(source)))

    read.many = many  # type: ignore[attr-defined]  # a function attribute: the block reader
    return read


def as_stored(kind: SignalKind, rec: tuple[Any, ...]) -> tuple[Any, ...]:
    """`rec` as the cache gives it back: the counts of a usage record that `usage_reader`
    kept as the digits read (`"42"`) made numbers."""
    if kind is not SignalKind.USAGE:
        return rec
    end = 3 + len(USAGE_COUNTS)
    return (*rec[:3], *map(int, rec[3:end]), *rec[end:])
