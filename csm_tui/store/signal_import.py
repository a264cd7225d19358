"""Import health signals (usage weeks, support tickets, survey answers, invoices) from a
CSV export into the cache, all or nothing; then recompute the health of the accounts
they touched (`store/health_recompute.py`).

Rows are read, converted and checked one at a time and written inside one write
transaction (changed records in chunks; new ones set aside in a temporary table and
inserted at the end, sorted by id, so that a large file fills the indexes in key order;
a usage export's plain rows are read by a reader made for them): any problem — an
unreadable cell, an account the cache does not know,
two rows with one id — and the transaction is rolled back at the end, so nothing is
written; the report lists every problem with its line (the header is line 1). `dry_run`
reads and classifies everything and writes nothing.

Records are append-or-replace by id (``<source>:<the source's id>``): a new id is
created, a known id whose values differ is replaced (keeping its sync `version`), one
whose values are the same is left alone — importing the same file twice writes nothing
the second time.

Signals imported here stay in this cache: they are not queued for sync (no outbox), as a
CSM never creates or edits such records in the app. This import is for a solo or local
book; a team feeds its signals to the central API's ingest endpoint, and every cache
pulls them from there.

Accounts are found by the `account` cell as an external (CRM) id, else as an exact name,
else by the `account_name` cell as an exact name.
"""

from __future__ import annotations

import gc
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TypedDict

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_file import CsvFormatError
from csm_tui.domain.csv_mapping import MappingError
from csm_tui.domain.csv_mapping import locate_columns as _locate
from csm_tui.domain.import_cells import CellError
from csm_tui.domain.import_summaries import (
    dry_run_summary,
    no_shipped_mapping,
    problems_summary,
)
from csm_tui.domain.signal_mapping import (
    SIGNAL_REQUIRED,
    SignalKind,
    SignalMapping,
    iter_csv_blocks,
)
from csm_tui.domain.signals import monday_of
from csm_tui.i18n import N_, Message, locate, os_reason
from csm_tui.store.timestamps import date_to_db, to_db
from csm_tui.store.transaction import write_transaction
from csm_tui.store.usage_export import as_stored, usage_reader

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
SKIP = "skip"

MAX_ISSUES_KEPT = 1_000
MAX_OUTCOMES_KEPT = 1_000
_CHUNK = 100_000  # rows checked at a time against the cache
IMPORT_CACHE_KIB = 131_072  # 128 MiB of page cache while an import writes

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


@dataclass(frozen=True)
class SignalIssue:
    line: int  # 0: the file or the mapping as a whole
    words: Message
    column: str | None = None

    @property
    def message(self) -> str:
        """The problem in English (JSON, logs)."""
        return self.words.english()

    def located(self) -> Message:
        return locate(self.line, self.column, self.words)

    def render(self) -> str:
        """The located problem in the interface language."""
        return self.located().render()

    def __str__(self) -> str:
        return self.located().english()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class SignalOutcome:
    line: int
    action: str
    record_id: str
    account_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "id": self.record_id,
                "account_id": self.account_id}  # fmt: skip


class _ReportBase(TypedDict):
    """What every `SignalImportReport` of one call says, whatever happened."""

    kind: str
    path: str
    mapping: str
    dry_run: bool


@dataclass(frozen=True)
class SignalImportReport:
    kind: str
    path: str
    mapping: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: tuple[SignalIssue, ...] = ()
    error_count: int = 0  # all problems found (only the first MAX_ISSUES_KEPT are kept)
    outcomes: tuple[SignalOutcome, ...] = ()  # the first MAX_OUTCOMES_KEPT rows
    committed: bool = False
    accounts: tuple[str, ...] = ()  # the accounts whose signals changed
    rescored: int = 0  # accounts whose health was recomputed after the import

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line for the user, in English (`words()` is it for the interface language)."""
        return self.words().english()

    def kind_words(self) -> Message:
        """The signal kind in words ("tickets"; 支持工单 in zh); an unknown kind as it is."""
        try:
            return Message.of(SignalKind(self.kind).label)
        except ValueError:
            return Message.text(self.kind)

    def words(self) -> Message:
        """The summary line as a `Message`."""
        counts = {
            "create": f"{self.created:,}",
            "update": f"{self.updated:,}",
            "unchanged": f"{self.unchanged:,}",
            "skipped": f"{self.skipped:,}",
        }
        if self.errors:
            return problems_summary(self.path, self.error_count, self.rows)
        if self.dry_run:
            return dry_run_summary(self.path, counts)
        if self.rescored:
            return Message.of(
                N_(
                    "{path}: imported {rows} {kind} rows — {create} created, {update} updated, "
                    "{unchanged} unchanged, {skipped} skipped; health recomputed for "
                    "{accounts} accounts"
                ),
                path=self.path,
                rows=f"{self.rows:,}",
                kind=self.kind_words(),
                accounts=f"{self.rescored:,}",
                **counts,
            )
        return Message.of(
            N_(
                "{path}: imported {rows} {kind} rows — {create} created, {update} updated, "
                "{unchanged} unchanged, {skipped} skipped"
            ),
            path=self.path,
            rows=f"{self.rows:,}",
            kind=self.kind_words(),
            **counts,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rescored": self.rescored,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


# ------------------------------------------------------------------------------- mappings


def shipped_dir() -> Path:
    return assets_dir() / "import"


@cache
def _shipped_kind(path: Path) -> str | None:
    try:
        return SignalMapping.from_toml(path.read_text(encoding="utf-8"), str(path)).kind.value
    except (OSError, MappingError):
        return None


def shipped_signal_mappings(kind: str | None = None) -> list[str]:
    return [
        p.stem
        for p in sorted(shipped_dir().glob("*.toml"))
        if _shipped_kind(p) is not None and (kind is None or _shipped_kind(p) == kind)
    ]


def load_signal_mapping(name_or_path: str | Path, kind: str) -> SignalMapping:
    """A signal mapping from a TOML file, or a shipped one by name or unique prefix."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(
                Message.of(
                    N_("cannot read the mapping {path}: {reason}"),
                    path=path,
                    reason=os_reason(exc),
                )
            ) from None
        return SignalMapping.from_toml(text, str(path))
    wanted = str(name_or_path).strip().lower()
    names = shipped_signal_mappings(kind)
    hits = [n for n in names if n == wanted] or [n for n in names if n.startswith(wanted)]
    if len(hits) != 1:
        raise MappingError(no_shipped_mapping(str(name_or_path), kind, names, several=bool(hits)))
    target = shipped_dir() / f"{hits[0]}.toml"
    return SignalMapping.from_toml(target.read_text(encoding="utf-8"), str(target))


# ------------------------------------------------------------------------------- reading


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
class _Run:
    mapping: SignalMapping
    issues: list[SignalIssue] = field(default_factory=list)
    count: int = 0

    def issue(self, line: int, words: Message | str, name: str | None = None) -> None:
        self.count += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            column = None if name is None else self.mapping.columns.get(name, name)
            if not isinstance(words, Message):
                words = Message.text(words)
            self.issues.append(SignalIssue(line, words, column))


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


def _existing(
    conn: sqlite3.Connection, kind: SignalKind, ids: list[str]
) -> dict[str, tuple[Any, ...]]:
    cols = COLUMNS[kind]
    out: dict[str, tuple[Any, ...]] = {}
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples, compared as they come
    for start in range(0, len(ids), 1_000):
        chunk = ids[start : start + 1_000]
        marks = ", ".join("?" * len(chunk))
        for row in cursor.execute(
            f"SELECT {', '.join(cols)} FROM {kind.table} WHERE id IN ({marks})", chunk
        ):
            out[row[0]] = row
    return out


def _staging(kind: SignalKind) -> str:
    return f"temp.csm_import_{kind.table}"


def _in_id_order(staging: str) -> str:
    """The staged records sorted by id, to be joined with the cache's table by id: its id
    index (and its rows, inserted in id order) are then read page after page, once,
    instead of swept again for every week of a file written week by week."""
    return f"(SELECT * FROM {staging} ORDER BY id)"


def _stage(conn: sqlite3.Connection, kind: SignalKind, creates: list[tuple[Any, ...]]) -> None:
    """New records set aside in a temporary table without indexes (`_insert_staged`
    moves them all at once, in id order)."""
    cols = COLUMNS[kind]
    staging = _staging(kind)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {staging} AS SELECT {', '.join(cols)} FROM {kind.table} "
        "WHERE 0"
    )
    conn.executemany(f"INSERT INTO {staging} VALUES ({', '.join('?' * len(cols))})", creates)


def _source_is_new(conn: sqlite3.Connection, kind: SignalKind, source: str) -> bool:
    """True when the cache has no record of `source` yet (every id is `<source>:…`):
    then no staged record can be known, and the first import of a source skips joining
    the whole file with the table (a sort of every staged id)."""
    # ";" is the character after ":": the range is every id that starts with "<source>:".
    return (
        conn.execute(
            f"SELECT 1 FROM {kind.table} WHERE id >= ? AND id < ? LIMIT 1",
            (source + ":", source + ";"),
        ).fetchone()
        is None
    )


def _staged(conn: sqlite3.Connection, kind: SignalKind) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM temp.sqlite_master WHERE name = ?",
            (_staging(kind).partition(".")[2],),
        ).fetchone()
        is not None
    )


def _changed(conn: sqlite3.Connection, kind: SignalKind) -> list[tuple[tuple[Any, ...], str]]:
    """The staged records whose id the cache knows with other values, each with the
    account the cache has it under (compared in SQL: one pass over the whole file)."""
    cols = COLUMNS[kind]
    same = " AND ".join(f"s.{c} IS t.{c}" for c in cols[1:])
    picked = ", ".join(f"s.{c}" for c in cols)
    cursor = conn.cursor()
    cursor.row_factory = None
    return [
        (row[:-1], row[-1])
        for row in cursor.execute(
            f"SELECT {picked}, t.account_id FROM {_in_id_order(_staging(kind))} s "
            f"JOIN {kind.table} t ON t.id = s.id WHERE NOT ({same})"
        )
    ]


def _insert_staged(conn: sqlite3.Connection, kind: SignalKind, known: bool) -> None:
    """The staged records the cache does not have yet inserted, sorted by id: the
    table's indexes then fill in key order (for records whose id is made,
    `<source>:<account>:<day>`, both the id's and the account's) instead of at random
    pages of a large index, chunk after chunk. `known`: some staged ids are in the cache
    already (they are left out)."""
    cols = ", ".join(COLUMNS[kind])
    staging = _staging(kind)
    new = f" WHERE NOT EXISTS (SELECT 1 FROM {kind.table} t WHERE t.id = s.id)" if known else ""
    conn.execute(
        f"INSERT INTO {kind.table} ({cols}, version) SELECT {cols}, 0 FROM {staging} s{new} "
        "ORDER BY id"
    )
    conn.execute(f"DROP TABLE {staging}")


def _update(conn: sqlite3.Connection, kind: SignalKind, updates: list[tuple[Any, ...]]) -> None:
    """Changed records replaced field by field (their sync version stays)."""
    cols = COLUMNS[kind]
    if updates:
        assignments = ", ".join(f"{c} = ?" for c in cols[1:])
        conn.executemany(
            f"UPDATE {kind.table} SET {assignments} WHERE id = ?",
            [(*rec[1:], rec[0]) for rec in updates],
        )


class _Refused(Exception):
    pass


def import_signals(
    conn: sqlite3.Connection,
    path: Path | str,
    mapping: SignalMapping,
    kind: str,
    *,
    now: datetime,
    dry_run: bool = False,
    recompute: Callable[[sqlite3.Connection, Iterable[str]], int] | None = None,
) -> SignalImportReport:
    """Import the CSV at `path`; see the module doc. Never raises for a problem in the
    file: the report's `errors` say what and where, and then nothing was written.
    `recompute(conn, account_ids)` (default: `health_recompute.recompute_accounts` at
    `now`) runs after a committed import that changed something."""
    path = Path(path)
    base = _ReportBase(kind=str(kind), path=str(path), mapping=mapping.title, dry_run=dry_run)
    run = _Run(mapping)

    def refused(rows: int = 0) -> SignalImportReport:
        return SignalImportReport(**base, rows=rows, errors=tuple(sorted(
            run.issues, key=lambda i: i.line)), error_count=run.count)  # fmt: skip

    if mapping.kind.value != kind:
        run.issue(
            0,
            Message.of(
                N_("the mapping {mapping} is for {kind}, not {wanted}"),
                mapping=repr(mapping.title),
                kind=mapping.kind.value,
                wanted=kind,
            ),
        )
        return refused()
    try:
        data = path.expanduser().read_bytes()
    except OSError as exc:
        run.issue(
            0,
            Message.of(N_("cannot read {path}: {reason}"), path=path, reason=os_reason(exc)),
        )
        return refused()
    try:
        _delim, headers, header_line, blocks = iter_csv_blocks(
            data, mapping.delimiter, tuple(mapping.columns.values())
        )
    except CsvFormatError as exc:
        run.issue(exc.line or 1, exc.words)
        return refused()
    try:
        where = _locate(mapping, headers)  # type: ignore[arg-type]  # columns + optional
    except CsvFormatError as exc:
        run.issue(header_line, exc.words)
        return refused()

    sk = mapping.kind
    fields = [(name, i, mapping.converter(name)) for name, i in where.items()]
    # Counts are most of a usage row's cells: when all of a row's are plain digits (the
    # common case) they are read in one go, as their converter would read each.
    counted = [(name, i) for name, i in where.items() if mapping.is_count(name)]
    count_names = tuple(name for name, _ in counted)
    count_at = itemgetter(*(i for _, i in counted)) if len(counted) >= 2 else None
    plain_counts = re.compile(r"[0-9]{1,9}" + r"(?:,[0-9]{1,9})" * (len(counted) - 1))
    not_counted = [f for f in fields if f[0] not in count_names]
    required = [n for n in SIGNAL_REQUIRED[sk] if n not in mapping.defaults]
    defaults = dict(mapping.defaults)
    build = _builder(mapping)
    vocabulary = [name for name in ("priority", "kind", "status") if name in mapping.columns]
    book = _Book(conn)
    fast = usage_reader(mapping, where, book.find)
    seen: dict[str, int] = {}  # id → the line of the row that made it
    # A usage export read by `usage_reader` makes every id from the account and the week
    # (`<source>:<account>:<week>`): its rows are remembered by week, then account — the
    # account ids are the reader's own strings, whose hashes are kept, and no id is kept.
    seen_weeks: dict[str, _WeekRows] = {}
    by_week = fast is not None

    def first_line(rec: tuple[Any, ...]) -> int | None:
        """The line of an earlier row with the same id as `rec`, if any."""
        if by_week:
            week = seen_weeks.get(rec[2])
            return None if week is None else week.line_of(rec[1])
        return seen.get(rec[0])

    def remember(rec: tuple[Any, ...], line: int) -> None:
        staged_accounts.add(rec[1])
        if by_week:
            week = seen_weeks.get(rec[2])
            if week is None:
                week = seen_weeks[rec[2]] = _WeekRows()
            week.add(rec[1], line)
        else:
            seen[rec[0]] = line

    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, SKIP: 0}
    outcomes: list[SignalOutcome] = []
    touched: set[str] = set()
    pending: list[tuple[Any, ...]] = []  # records read, not yet set aside
    pending_lines: list[int] = []  # their lines
    outcomes_first: list[tuple[int, tuple[Any, ...]]] = []
    staged_accounts: set[str] = set()
    n_rows = 0
    # A dry run of a source the cache has no record of: every record would be created,
    # so they are only counted, not set aside (`unstaged`).
    count_only = False
    unstaged = 0

    def flush() -> None:
        # Every record is set aside in a temporary table; `classify` then compares them
        # all with the cache at once, in SQL.
        nonlocal unstaged
        if pending and not run.count:
            if len(outcomes_first) < MAX_OUTCOMES_KEPT:
                kept = MAX_OUTCOMES_KEPT - len(outcomes_first)
                outcomes_first.extend(
                    (line, as_stored(sk, rec))
                    for line, rec in zip(pending_lines[:kept], pending[:kept], strict=True)
                )
            if count_only:
                unstaged += len(pending)
            else:
                _stage(conn, sk, pending)
        pending.clear()
        pending_lines.clear()

    def counts_total() -> int:
        return counts[CREATE] + counts[UPDATE] + counts[UNCHANGED]

    def classify() -> tuple[list[tuple[Any, ...]], int]:
        """Counts, outcomes and touched accounts; (the changed records, how many staged
        records are new)."""
        old = _existing(conn, sk, sorted(rec[0] for _, rec in outcomes_first))
        for line, rec in outcomes_first:
            before = old.get(rec[0])
            action = CREATE if before is None else UNCHANGED if before == rec else UPDATE
            outcomes.append(SignalOutcome(line, action, rec[0], rec[1]))
        staging, table = _staging(sk), sk.table
        if count_only:
            total, known, changed = unstaged, 0, 0
        elif _source_is_new(conn, sk, mapping.source):  # every staged record is new
            total, known, changed = conn.execute(f"SELECT count(*), 0, 0 FROM {staging}").fetchone()
        else:
            same = " AND ".join(f"s.{c} IS t.{c}" for c in COLUMNS[sk][1:])
            total, known, changed = conn.execute(
                f"SELECT count(*), count(t.id), "
                f"coalesce(sum(t.id IS NOT NULL AND NOT ({same})), 0) "
                f"FROM {_in_id_order(staging)} s LEFT JOIN {table} t ON t.id = s.id"
            ).fetchone()
        created = total - known
        if created and not known:  # every staged record is new
            touched.update(staged_accounts)
        elif created:
            touched.update(aid for (aid,) in conn.execute(
                f"SELECT DISTINCT s.account_id FROM {staging} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id)"
            ))  # fmt: skip
        updates = _changed(conn, sk) if changed else []
        for rec, before_account in updates:
            touched.add(rec[1])
            touched.add(before_account)
        counts[CREATE] += created
        counts[UPDATE] += len(updates)
        counts[UNCHANGED] += total - created - len(updates)
        return [rec for rec, _ in updates], created

    many = getattr(fast, "many", None)

    def read_rows() -> None:
        nonlocal n_rows
        for block in blocks:
            if many is not None:
                lines = block.lines
                columns = block.columns
                if columns is None:  # read by the `csv` module (quotes, a short row)
                    cell_rows = [cells for _, cells in block.rows]
                    if Message not in set(map(type, cell_rows)):
                        columns = list(map(list, zip(*cell_rows, strict=True)))
                recs = None if columns is None else many(columns)
                if recs is not None:
                    aids = list(map(itemgetter(1), recs))
                    distinct = set(aids)
                    week_set = set(map(itemgetter(2), recs))
                    week = seen_weeks.get(next(iter(week_set)))
                    if week is None:
                        week = seen_weeks[next(iter(week_set))] = _WeekRows()
                    if (
                        len(week_set) == 1
                        and len(distinct) == len(aids)
                        and week.accounts.isdisjoint(distinct)
                    ):
                        week.add_block(aids, distinct, lines)
                        staged_accounts.update(distinct)
                        pending.extend(recs)
                        pending_lines.extend(lines)
                        n_rows += len(block)
                        if len(pending) >= _CHUNK:
                            flush()
                        continue
            for line, cells in block.rows:
                n_rows += 1
                if fast is not None and not isinstance(cells, Message):
                    rec = fast(cells)
                    if rec is not None:
                        first = first_line(rec)
                        if first is not None:
                            run.issue(line, _same_record(rec[0], first), "id")
                            continue
                        remember(rec, line)
                        pending.append(rec)
                        pending_lines.append(line)
                        if len(pending) >= _CHUNK:
                            flush()
                        continue
                if isinstance(cells, Message):
                    run.issue(line, cells)
                    continue
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
                    counts[SKIP] += 1
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
                aid, problem = book.find(values.get("account", ""), values.get("account_name", ""))
                if aid is None:
                    run.issue(line, problem or Message.of(N_("no account")), "account")
                    continue
                try:
                    rec = build(values, aid)
                except CellError as exc:
                    name, words = _field_and_words(exc)
                    run.issue(line, words, name)
                    continue
                first = first_line(rec)
                if first is not None:
                    run.issue(line, _same_record(rec[0], first), "id")
                    continue
                remember(rec, line)
                pending.append(rec)
                pending_lines.append(line)
                if len(pending) >= _CHUNK:
                    flush()
        flush()

    def body() -> None:
        # Millions of small tuples and no reference cycles among them: the cyclic garbage
        # collector would walk them again and again as they pile up.
        collecting = gc.isenabled()
        gc.disable()
        try:
            read_rows()
        finally:
            if collecting:
                gc.enable()

    # The staged records (the whole file) sit in the temporary database: a page cache as
    # large as the import's keeps them in memory (the default is 2 MB).
    temp_pages = conn.execute("PRAGMA temp.cache_size").fetchone()[0]
    conn.execute(f"PRAGMA temp.cache_size = {-IMPORT_CACHE_KIB}")
    try:
        if dry_run:
            began = not conn.in_transaction
            if began:
                conn.execute("BEGIN")
            try:
                count_only = _source_is_new(conn, sk, mapping.source)
                body()
                if not run.count and (unstaged or _staged(conn, sk)):
                    classify()
            finally:
                conn.execute(f"DROP TABLE IF EXISTS {_staging(sk)}")
                if began:
                    conn.rollback()
        else:
            # A big file lands at random places of the id index: a larger page cache for the
            # import's length keeps those pages in memory (the default is 2 MB).
            cache_pages = conn.execute("PRAGMA cache_size").fetchone()[0]
            conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            try:
                with write_transaction(conn):
                    try:
                        body()
                        if run.count:
                            raise _Refused
                        if _staged(conn, sk):
                            updates, created = classify()
                            _update(conn, sk, updates)
                            if created:
                                _insert_staged(conn, sk, known=created < counts_total())
                    finally:
                        conn.execute(f"DROP TABLE IF EXISTS {_staging(sk)}")
            except _Refused:
                pass
            finally:
                conn.execute(f"PRAGMA cache_size = {int(cache_pages)}")
    finally:
        conn.execute(f"PRAGMA temp.cache_size = {int(temp_pages)}")
    if run.count:
        return refused(n_rows)
    report = SignalImportReport(
        **base, rows=n_rows, created=counts[CREATE], updated=counts[UPDATE],
        unchanged=counts[UNCHANGED], skipped=counts[SKIP], outcomes=tuple(outcomes),
        accounts=tuple(sorted(touched)),
    )  # fmt: skip
    if dry_run:
        return report
    rescored = 0
    if touched:
        if recompute is None:
            from csm_tui.store.health_recompute import recompute_accounts

            def recompute(c: sqlite3.Connection, ids: Iterable[str]) -> int:
                return recompute_accounts(c, now, ids)

        rescored = recompute(conn, touched)
    return replace(report, committed=True, rescored=rescored)
