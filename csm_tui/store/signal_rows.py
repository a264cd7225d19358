"""Reading a signal export's rows into the records the cache stores.

A `RowReader` reads a file's rows (`CsvBlock`s) into records — a tuple per row in
`COLUMNS` order — finding each row's account in the book, and sets them aside in a
staging table without indexes (`stage`) a hundred thousand at a time;
`store/signal_import.py` then compares them with the cache and writes them. Problems of
a row go to the `Run` (with their lines); two rows making one record are refused there
too. What the reading made besides the staged records — rows read, the first records
with their lines, the accounts — is its `ReadPart`.
"""

from __future__ import annotations

import gc
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from csm_tui.domain.import_cells import CellError
from csm_tui.domain.signal_mapping import SIGNAL_REQUIRED, CsvBlock, SignalKind, SignalMapping
from csm_tui.domain.signals import monday_of
from csm_tui.i18n import N_, Message
from csm_tui.store.import_report import ImportIssue
from csm_tui.store.timestamps import date_to_db, to_db
from csm_tui.store.usage_export import as_stored, usage_reader

SKIP = "skip"
MAX_ISSUES_KEPT = 1_000
MAX_OUTCOMES_KEPT = 1_000
MAX_UNKNOWN_KEPT = 100_000  # accounts not in the cache, told apart (then only counted rows)
_CHUNK = 100_000  # records set aside at a time

COLUMNS: dict[SignalKind, tuple[str, ...]] = {
    SignalKind.USAGE: (
        "id", "account_id", "week_start", "active_users", "seats", "opportunities", "leads",
        "public_pool", "contacts", "messages", "sessions", "session_minutes", "source",
    ),
    SignalKind.TICKETS: (
        "id", "account_id", "opened_at", "closed_at", "priority", "first_response_minutes",
        "source",
    ),
    SignalKind.SURVEYS: (
        "id", "account_id", "contact_email", "kind", "score", "responded_on", "comment",
        "source",
    ),
    SignalKind.INVOICES: (
        "id", "account_id", "issued_on", "due_on", "amount", "currency", "paid_on", "source",
    ),
}  # fmt: skip


class _Book:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_external: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        for aid, name, external in conn.execute(
            "SELECT id, name, external_id FROM accounts WHERE deleted_at IS NULL"
        ):
            if external:
                self.by_external[external] = aid
            self.by_name.setdefault(name, []).append(aid)
        self._memo: dict[tuple[str, str], tuple[str | None, Message | None]] = {}

    def find(self, ref: str, name: str) -> tuple[str | None, Message | None]:
        """(account id, None) or (None, why not)."""
        key = (ref, name)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._find(ref, name)
            if len(self._memo) < 200_000:
                self._memo[key] = hit
        return hit

    def unknown(self, ref: str, name: str) -> bool:
        """Whether no account of the cache goes by `ref` or `name` (not even two)."""
        return ref not in self.by_external and not any(
            text and text in self.by_name for text in (ref, name)
        )

    def _find(self, ref: str, name: str) -> tuple[str | None, Message | None]:
        if ref in self.by_external:
            return self.by_external[ref], None
        for text in (ref, name):
            named = self.by_name.get(text, []) if text else []
            if len(named) == 1:
                return named[0], None
            if len(named) > 1:
                return None, Message.of(
                    N_(
                        "{n} accounts in the cache are named {name}; "
                        "give the account's external (CRM) id instead"
                    ),
                    n=len(named),
                    name=repr(text),
                )
        shown = repr(ref) + (f" / {name!r}" if name else "")
        return None, Message.of(
            N_(
                "no account {ref} in the cache (by external id or exact name); "
                "import the accounts first"
            ),
            ref=shown,
        )


class _WeekRows:
    """The accounts of one week's usage rows read so far, and the lines they were on:
    whole blocks of rows (their accounts in order and their lines, kept as they come)
    and single rows — a line is looked for only when a row repeats an account."""

    __slots__ = ("accounts", "blocks", "rows")

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.blocks: list[tuple[list[str], Sequence[int]]] = []
        self.rows: dict[str, int] = {}

    def add_block(self, accounts: list[str], distinct: set[str], lines: Sequence[int]) -> None:
        self.accounts |= distinct
        self.blocks.append((accounts, lines))

    def add(self, account: str, line: int) -> None:
        self.accounts.add(account)
        self.rows[account] = line

    def line_of(self, account: str) -> int | None:
        if account not in self.accounts:
            return None
        line = self.rows.get(account)
        if line is not None:
            return line
        for accounts, lines in self.blocks:
            if account in accounts:
                return lines[accounts.index(account)]
        return None


class _RowProblem(CellError):
    """A problem of a row as a whole, said of one of its fields (the builder's refusal)."""

    def __init__(self, field: str, words: Message) -> None:
        super().__init__(words)
        self.field = field


def _field_and_words(error: CellError) -> tuple[str, Message]:
    if isinstance(error, _RowProblem):
        return error.field, error.words
    name, _, message = error.message.partition(": ")
    return name, Message.text(message)


def _same_record(record_id: str, line: int) -> Message:
    return Message.of(N_("the same record ({id}) as line {line}"), id=record_id, line=line)


@dataclass
class Run:
    """The problems found reading a file (the first MAX_ISSUES_KEPT kept) and their count."""

    mapping: SignalMapping
    issues: list[ImportIssue] = field(default_factory=list)
    count: int = 0

    def restart(self) -> None:
        """No problem found yet: the file is read again."""
        self.issues.clear()
        self.count = 0

    def issue(self, line: int, words: Message | str, name: str | None = None) -> None:
        self.count += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            column = None if name is None else self.mapping.columns.get(name, name)
            if not isinstance(words, Message):
                words = Message.text(words)
            self.issues.append(ImportIssue(line, words, column=column))


def _builder(mapping: SignalMapping) -> Callable[[dict[str, Any], str], tuple[Any, ...]]:
    """A function making the stored record (a tuple in COLUMNS order) from a row's values
    and its account id; it raises _RowProblem(field, words) for a problem of the row."""
    kind, source = mapping.kind, mapping.source
    prefix = source + ":"

    def rid(values: dict[str, Any], made: str) -> str:
        own = values.get("id")
        return prefix + (own if own else made)

    if kind is SignalKind.USAGE:
        weeks: dict[date, str] = {}

        def usage(v: dict[str, Any], aid: str) -> tuple[Any, ...]:
            day = v["week_start"]
            week_text = weeks.get(day)
            if week_text is None:
                week_text = weeks[day] = date_to_db(monday_of(day))
            sessions = v.get("sessions", 0)
            minutes = v.get("session_minutes")
            if minutes is None:
                minutes = round(v.get("avg_session_minutes", 0.0) * sessions, 2)
            return (
                rid(v, f"{aid}:{week_text}"), aid, week_text, v["active_users"], v.get("seats", 0),
                v.get("opportunities", 0), v.get("leads", 0), v.get("public_pool", 0),
                v.get("contacts", 0), v.get("messages", 0), sessions, float(minutes), source,
            )  # fmt: skip

        return usage
    if kind is SignalKind.TICKETS:

        def ticket(v: dict[str, Any], aid: str) -> tuple[Any, ...]:
            opened: datetime = v["opened_at"]
            closed: datetime | None = v.get("closed_at")
            if closed is not None and closed < opened:
                raise _RowProblem("closed_at", Message.of(N_("closed before it was opened")))
            first = v.get("first_response_minutes")
            if first is None and "first_response_hours" in v:
                first = round(v["first_response_hours"] * 60)
            return (
                rid(v, ""), aid, to_db(opened), None if closed is None else to_db(closed),
                v.get("priority", "normal"), first, source,
            )  # fmt: skip

        return ticket
    if kind is SignalKind.SURVEYS:

        def survey(v: dict[str, Any], aid: str) -> tuple[Any, ...]:
            survey_kind = v.get("kind", "nps")
            score = v["score"]
            low, high = (0, 10) if survey_kind == "nps" else (1, 5)
            if not low <= score <= high:
                raise _RowProblem(
                    "score",
                    Message.of(
                        N_("{score} is outside {low}–{high} for {kind}"),
                        score=score,
                        low=low,
                        high=high,
                        kind=survey_kind,
                    ),
                )
            email = v.get("contact_email", "")
            day = date_to_db(v["responded_on"])
            made = f"{aid}:{email.casefold()}:{survey_kind}:{day}"
            return (
                rid(v, made), aid, email, survey_kind, score, day, v.get("comment", ""), source,
            )  # fmt: skip

        return survey

    def invoice(v: dict[str, Any], aid: str) -> tuple[Any, ...]:
        if v.get("status") == "open" and "paid_on" in v:
            raise _RowProblem(
                "paid_on", Message.of(N_("the invoice is open but has a payment date"))
            )
        issued: date = v["issued_on"]
        due: date = v.get("due_on", issued)
        if due < issued:
            raise _RowProblem("due_on", Message.of(N_("due before it was issued")))
        amount, marked = v["amount"]
        stated = v.get("currency")
        if marked is not None and stated is not None and marked != stated:
            raise _RowProblem(
                "amount",
                Message.of(
                    N_("the amount is in {marked} but the currency says {stated}"),
                    marked=marked,
                    stated=stated,
                ),
            )
        currency = marked or stated or mapping.currency
        paid: date | None = v.get("paid_on")
        return (
            rid(v, ""), aid, date_to_db(issued), date_to_db(due), amount, currency,
            None if paid is None else date_to_db(paid), source,
        )  # fmt: skip

    return invoice


def stage(
    conn: sqlite3.Connection,
    table: str,
    kind: SignalKind,
    creates: list[tuple[Any, ...]],
    compact: bool = False,
) -> None:
    """Records set aside in `table` (schema-qualified), a table without indexes made like
    the cache's table of `kind` (its column affinities: a usage record's counts kept as
    the digits read are stored as the numbers they spell). `compact`: the records and
    the table are without their id and source (`staged_rows` makes them again)."""
    cols = COLUMNS[kind][1:-1] if compact else COLUMNS[kind]
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} AS SELECT {', '.join(cols)} FROM {kind.table} WHERE 0"
    )
    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", creates)


def staged_rows(table: str, kind: SignalKind, source: str, compact: bool) -> str:
    """The records staged in `table` as a query, each with its id and source (made again
    from its account and week when staged `compact`)."""
    if not compact:
        return table
    quoted = "'" + source.replace("'", "''") + "'"
    return (
        f"(SELECT {quoted} || ':' || account_id || ':' || week_start AS id, "
        f"{', '.join(COLUMNS[kind][1:-1])}, {quoted} AS source FROM {table})"
    )


@dataclass
class ReadPart:
    """What reading rows made besides the records set aside."""

    rows: int = 0  # rows read, good or not
    skipped: int = 0  # rows whose vocabulary says to skip them
    # Rows naming an account the cache does not have (left out with `skip_unknown`, else
    # each a problem), and those accounts as the rows name them.
    unknown_rows: int = 0
    unknown_accounts: set[str] = field(default_factory=set)
    unnamed_rows: int = 0  # rows whose account cells are empty (left out, or a problem)
    unstaged: int = 0  # records counted but not set aside (`RowReader.count_only`)
    # The first MAX_OUTCOMES_KEPT records, as the cache gives them back, with their lines.
    first: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)  # the accounts of the records


class RowReader:
    """Reads rows into records set aside in `staging` (a table name; `count_only`: only
    counted — a dry run of a source the cache has no record of). `conn` finds the
    accounts (its `accounts` table) and holds `staging`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        mapping: SignalMapping,
        where: dict[str, int],
        run: Run,
        *,
        staging: str,
        count_only: bool = False,
        skip_unknown: bool = False,
    ) -> None:
        self.conn, self.mapping, self.run = conn, mapping, run
        self.staging, self.count_only = staging, count_only
        self.skip_unknown = skip_unknown  # rows of accounts the cache lacks: left out
        self.part = ReadPart()
        self.where = where
        self.book = _Book(conn)
        self.fast = usage_reader(mapping, where, self.book.find)
        self.seen: dict[str, int] = {}  # id → the line of the row that made it
        # A usage export read by `usage_reader` makes every id from the account and the
        # week (`<source>:<account>:<week>`): its rows are remembered by week, then account
        # — the account ids are the reader's own strings, whose hashes are kept, and no id
        # is kept.
        self.weeks: dict[str, _WeekRows] = {}
        self.by_week = self.fast is not None
        # Its records are staged without their id and source, which every record of the
        # export has made the same way (`staged_rows` makes them again, in SQL).
        self.compact = self.by_week
        self.pending: list[tuple[Any, ...]] = []  # records read (compact), not yet set aside
        self.pending_lines: list[int] = []  # their lines

    def first_line(self, rec: tuple[Any, ...]) -> int | None:
        """The line of an earlier row with the same id as `rec`, if any."""
        if self.by_week:
            week = self.weeks.get(rec[2])
            return None if week is None else week.line_of(rec[1])
        return self.seen.get(rec[0])

    def keep(self, rec: tuple[Any, ...], line: int) -> None:
        """`rec`, read on `line`, set aside — unless an earlier row made the same record:
        that is a problem of this line."""
        first = self.first_line(rec)
        if first is not None:
            self.run.issue(line, _same_record(rec[0], first), "id")
            return
        self.remember(rec, line)
        self.pending.append(rec[1:-1] if self.compact else rec)
        self.pending_lines.append(line)
        if len(self.pending) >= _CHUNK:
            self.flush()

    def remember(self, rec: tuple[Any, ...], line: int) -> None:
        self.part.accounts.add(rec[1])
        if self.by_week:
            week = self.weeks.get(rec[2])
            if week is None:
                week = self.weeks[rec[2]] = _WeekRows()
            week.add(rec[1], line)
        else:
            self.seen[rec[0]] = line

    def staged(self, table: str | None = None) -> str:
        """The records set aside (in `staging`, or `table` of the same shape) as a query
        of whole records."""
        return staged_rows(
            table or self.staging, self.mapping.kind, self.mapping.source, self.compact
        )

    def whole(self, rec: tuple[Any, ...]) -> tuple[Any, ...]:
        """A pending record with its id and source."""
        if not self.compact:
            return rec
        source = self.mapping.source
        return (f"{source}:{rec[0]}:{rec[1]}", *rec, source)

    def week_accounts(self, week: str) -> set[str]:
        """The accounts of the records of `week` read so far (a usage export read by
        `usage_reader`)."""
        rows = self.weeks.get(week)
        return set() if rows is None else rows.accounts

    def flush(self) -> None:
        """The records read so far set aside (unless a problem was found: nothing will be
        written then)."""
        pending, part = self.pending, self.part
        if pending and not self.run.count:
            if len(part.first) < MAX_OUTCOMES_KEPT:
                kept = MAX_OUTCOMES_KEPT - len(part.first)
                part.first.extend(
                    (line, as_stored(self.mapping.kind, self.whole(rec)))
                    for line, rec in zip(self.pending_lines[:kept], pending[:kept], strict=True)
                )
            if self.count_only:
                part.unstaged += len(pending)
            else:
                stage(self.conn, self.staging, self.mapping.kind, pending, self.compact)
        pending.clear()
        self.pending_lines.clear()

    def read(self, blocks: Iterable[CsvBlock]) -> None:
        """Every row of `blocks` read, its record set aside (or its problems told)."""
        # Millions of small tuples and no reference cycles among them: the cyclic garbage
        # collector would walk them again and again as they pile up.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._read(blocks)
        finally:
            if collecting:
                gc.enable()

    def _not_in_book(self) -> Callable[[list[str]], bool]:
        """Whether a row's account cells name no account of the cache — an account it
        does not have, or none at all (both cells empty) — counted in `part`. With
        `skip_unknown` such a row is left out, unchecked beyond them (another team's
        rows of a company-wide export are not this book's to judge); else it is a
        problem of the file, and the count tells how many rows the flag would leave out.
        A name that does not read is looked up as none (a ref that does not read: the row
        goes the general way, which says why). Each pair of cells is judged once."""
        mapping, book, part = self.mapping, self.book, self.part
        at = [(self.where.get(n), mapping.converter(n) if n in self.where else None)
              for n in ("account", "account_name")]  # fmt: skip
        defaults = tuple(str(mapping.defaults.get(n, "")) for n in ("account", "account_name"))
        judged: dict[tuple[str, str], str | None] = {}  # → None: in the book; else shown as

        def read(text: str, convert: Callable[[str], Any] | None) -> str:
            return str(convert(text)) if text and convert is not None else ""

        def not_in_book(cells: list[str]) -> bool:
            raw = tuple(cells[i] if i is not None and i < len(cells) else ""
                        for i, _ in at)  # fmt: skip
            if raw in judged:
                shown = judged[raw]
            else:
                try:
                    ref = read(raw[0], at[0][1]) or defaults[0]
                except CellError:
                    return False
                try:
                    name = read(raw[1], at[1][1]) or defaults[1]
                except CellError:
                    name = ""
                in_book = bool(ref or name) and not book.unknown(ref, name)
                shown = None if in_book else name or ref  # "": the row names no account
                if len(judged) < MAX_UNKNOWN_KEPT:
                    judged[(raw[0], raw[1])] = shown
            if shown is None:
                return False
            if shown:
                part.unknown_rows += 1
                if len(part.unknown_accounts) < MAX_UNKNOWN_KEPT:
                    part.unknown_accounts.add(shown)
            else:
                part.unnamed_rows += 1
            return True

        return not_in_book

    def _read(self, blocks: Iterable[CsvBlock]) -> None:
        mapping, run, part, where = self.mapping, self.run, self.part, self.where
        fast, book, pending, pending_lines = self.fast, self.book, self.pending, self.pending_lines
        keep, flush = self.keep, self.flush
        fields = [(name, i, mapping.converter(name)) for name, i in where.items()]
        # Counts are most of a usage row's cells: when all of a row's are plain digits (the
        # common case) they are read in one go, as their converter would read each.
        counted = [(name, i) for name, i in where.items() if mapping.is_count(name)]
        count_names = tuple(name for name, _ in counted)
        count_at = itemgetter(*(i for _, i in counted)) if len(counted) >= 2 else None
        plain_counts = re.compile(r"[0-9]{1,9}" + r"(?:,[0-9]{1,9})" * (len(counted) - 1))
        not_counted = [f for f in fields if f[0] not in count_names]
        required = [n for n in SIGNAL_REQUIRED[mapping.kind] if n not in mapping.defaults]
        defaults = dict(mapping.defaults)
        build = _builder(mapping)
        vocabulary = [name for name in ("priority", "kind", "status") if name in mapping.columns]
        many = getattr(fast, "many", None)
        compact = self.compact
        # A record's account and week (a compact one has no id before them).
        account_at, week_at = (
            (itemgetter(0), itemgetter(1)) if compact else (itemgetter(1), itemgetter(2))
        )
        not_in_book = self._not_in_book()
        skip_unknown = self.skip_unknown
        for block in blocks:
            if many is not None:
                lines = block.lines
                columns = block.columns
                if columns is None:  # read by the `csv` module (quotes, a short row)
                    cell_rows = [cells for _, cells in block.rows]
                    if Message not in set(map(type, cell_rows)):
                        columns = list(map(list, zip(*cell_rows, strict=True)))
                recs = None if columns is None else many(columns, compact)
                if recs is not None:
                    aids = list(map(account_at, recs))
                    distinct = set(aids)
                    week_set = set(map(week_at, recs))
                    week = self.weeks.get(next(iter(week_set)))
                    if week is None:
                        week = self.weeks[next(iter(week_set))] = _WeekRows()
                    if (
                        len(week_set) == 1
                        and len(distinct) == len(aids)
                        and week.accounts.isdisjoint(distinct)
                    ):
                        week.add_block(aids, distinct, lines)
                        part.accounts.update(distinct)
                        pending.extend(recs)
                        pending_lines.extend(lines)
                        part.rows += len(block)
                        if len(pending) >= _CHUNK:
                            flush()
                        continue
            for line, cells in block.rows:
                part.rows += 1
                if skip_unknown and not isinstance(cells, Message) and not_in_book(cells):
                    continue
                if fast is not None and not isinstance(cells, Message):
                    rec = fast(cells)
                    if rec is not None:
                        keep(rec, line)
                        continue
                if isinstance(cells, Message):
                    run.issue(line, cells)
                    continue
                if not skip_unknown:
                    not_in_book(cells)  # counted: the refusal says what the flag would do
                values = dict(defaults)
                bad = False
                failed: set[str] = set()
                try:  # the common case: every non-empty cell reads
                    rest = fields
                    if count_at is not None:
                        counts_text = count_at(cells)
                        if plain_counts.fullmatch(",".join(counts_text)):
                            values.update(zip(count_names, map(int, counts_text), strict=True))
                            rest = not_counted
                    for name, i, convert in rest:
                        cell = cells[i]
                        if cell:
                            values[name] = convert(cell)
                except CellError:  # again, cell by cell: blanks pass, each problem is listed
                    values = dict(defaults)
                    for name, i, convert in fields:
                        cell = cells[i]
                        if not cell or cell.isspace():
                            continue
                        try:
                            values[name] = convert(cell)
                        except CellError as exc:
                            run.issue(line, exc.words, name)
                            failed.add(name)
                            bad = True
                skip = bool(vocabulary) and any(values.get(name) == SKIP for name in vocabulary)
                if skip:
                    part.skipped += 1
                    continue
                for name in required:
                    if name not in values and name not in failed:
                        header = mapping.columns.get(name, name)
                        run.issue(
                            line,
                            Message.of(N_("{column} is empty; it is required"), column=header),
                            name,
                        )
                        bad = True
                if bad:
                    continue
                if "account" not in values and "account_name" not in values:
                    header = mapping.columns.get("account") or mapping.columns["account_name"]
                    run.issue(
                        line,
                        Message.of(
                            N_("{column} is empty; every row names its account"), column=header
                        ),
                        "account",
                    )
                    continue
                ref, name = values.get("account", ""), values.get("account_name", "")
                aid, problem = book.find(ref, name)
                if aid is None:
                    run.issue(line, problem or Message.of(N_("no account")), "account")
                    continue
                try:
                    rec = build(values, aid)
                except CellError as exc:
                    name, words = _field_and_words(exc)
                    run.issue(line, words, name)
                    continue
                keep(rec, line)
        flush()
