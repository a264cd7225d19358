"""Import health signals (usage weeks, support tickets, survey answers, invoices) from a
CSV export into the cache, all or nothing; then recompute the health of the accounts
they touched (`store/health_recompute.py`).

Rows are read, converted and checked (`store/signal_rows.py`) and written inside one
write transaction (changed records in chunks; new ones set aside in a temporary table and
inserted at the end, sorted by id, so that a large file fills the indexes in key order;
a usage export's plain rows are read by a reader made for them, and a big one's second
half by another process at the same time, `store/signal_halves.py`): any problem — an
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

import contextlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_file import CsvFormatError
from csm_tui.domain.csv_mapping import MappingError
from csm_tui.domain.csv_mapping import locate_columns as _locate
from csm_tui.domain.import_summaries import (
    dry_run_summary,
    no_shipped_mapping,
    problems_summary,
)
from csm_tui.domain.signal_mapping import (
    SignalKind,
    SignalMapping,
    iter_csv_blocks,
    split_blocks,
)
from csm_tui.i18n import N_, Message, Nn_, os_reason
from csm_tui.store.import_report import ImportIssue
from csm_tui.store.signal_halves import SecondHalf, split_point
from csm_tui.store.signal_rows import (
    COLUMNS,
    MAX_ISSUES_KEPT,
    MAX_OUTCOMES_KEPT,
    MAX_UNKNOWN_KEPT,
    SKIP,
    RowReader,
    Run,
    stage,
)
from csm_tui.store.transaction import write_transaction

__all__ = [
    "COLUMNS",
    "CREATE",
    "MAX_ISSUES_KEPT",
    "MAX_OUTCOMES_KEPT",
    "SKIP",
    "UNCHANGED",
    "UPDATE",
    "SignalImportReport",
    "SignalOutcome",
    "import_signals",
    "load_signal_mapping",
    "shipped_signal_mappings",
]

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"

UNKNOWN_EXAMPLES = 5  # accounts not in the cache named in the report's words
IMPORT_CACHE_KIB = 131_072  # 128 MiB of page cache while an import writes


@dataclass(frozen=True)
class SignalOutcome:
    line: int
    action: str
    record_id: str
    account_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "id": self.record_id,
                "account_id": self.account_id}  # fmt: skip


_NOT_IN_CACHE = {  # refused: (one row, rows of n accounts); else what was left out
    True: (
        N_("a row names an account this cache does not have ({names}): import it first, "
           "or add --skip-unknown-accounts to leave such rows out"),
        Nn_("{rows} rows name {n} account this cache does not have ({names}): import it "
            "first, or add --skip-unknown-accounts to leave its rows out",
            "{rows} rows name {n} accounts this cache does not have ({names}): import those "
            "accounts first, or add --skip-unknown-accounts to leave their rows out"),
    ),
    False: (
        N_("left out a row of an account not in the cache ({names}); import it first to keep "
           "its signals"),
        Nn_("left out {rows} rows of {n} account not in the cache ({names}); import it first "
            "to keep its signals",
            "left out {rows} rows of {n} accounts not in the cache ({names}); import those "
            "accounts first to keep their signals"),
    ),
}  # fmt: skip


def accounts_not_in_cache(
    rows: int, accounts: int, examples: tuple[str, ...], *, refused: bool
) -> Message:
    """`rows` rows name `accounts` accounts the cache does not have (`examples` the first
    few, as the rows name them): left out, or (`refused`) what the flag would leave out."""
    shown = ", ".join(map(repr, examples)) + (", …" if accounts > len(examples) else "")
    if accounts >= MAX_UNKNOWN_KEPT:
        shown += f" ({accounts:,}+)"
    one, many = _NOT_IN_CACHE[refused]
    if rows == 1:
        return Message.of(one, names=shown)
    return Message.of(*many, n=accounts, rows=f"{rows:,}", names=shown)


class ReportBase(TypedDict):
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
    errors: tuple[ImportIssue, ...] = ()
    error_count: int = 0  # all problems found (only the first MAX_ISSUES_KEPT are kept)
    outcomes: tuple[SignalOutcome, ...] = ()  # the first MAX_OUTCOMES_KEPT rows
    committed: bool = False
    accounts: tuple[str, ...] = ()  # the accounts whose signals changed
    rescored: int = 0  # accounts whose health was recomputed after the import
    # Rows naming accounts the cache does not have (left out when `skip_unknown`, else
    # each among the problems), how many such accounts, and the first few as named.
    unknown_rows: int = 0
    unknown_accounts: int = 0
    unknown_examples: tuple[str, ...] = ()
    unnamed_rows: int = 0  # rows naming no account at all (left out, or problems)
    skip_unknown: bool = False

    @property
    def left_out(self) -> int:
        """Rows left out for naming no account of the cache (with `skip_unknown`)."""
        return self.unknown_rows + self.unnamed_rows if self.skip_unknown else 0

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
                rows=f"{self.rows - self.left_out:,}",
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
            rows=f"{self.rows - self.left_out:,}",
            kind=self.kind_words(),
            **counts,
        )

    def left_out_words(self) -> Message | None:
        """What `skip_unknown` left out (None: nothing), naming a few of the accounts."""
        if not self.left_out or self.errors:
            return None
        said = [] if not self.unknown_rows else [accounts_not_in_cache(
            self.unknown_rows, self.unknown_accounts, self.unknown_examples, refused=False
        )]  # fmt: skip
        if self.unnamed_rows:
            said.append(Message.of(*Nn_("left out {n} row that names no account",
                                        "left out {n} rows that name no account"),
                                   n=self.unnamed_rows))  # fmt: skip
        return said[0] if len(said) == 1 else Message.of(N_("{first}; {then}"), first=said[0],
                                                         then=said[1])  # fmt: skip

    def not_in_cache_words(self) -> Message | None:
        """On a refusal without `skip_unknown`: how many rows name accounts the cache does
        not have, and the flag that would leave them out (None: no such row)."""
        if self.skip_unknown or not self.errors or not self.unknown_rows:
            return None
        return accounts_not_in_cache(
            self.unknown_rows, self.unknown_accounts, self.unknown_examples, refused=True
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
            "skip_unknown_accounts": self.skip_unknown,
            "unknown_account_rows": self.unknown_rows,
            "unknown_accounts": self.unknown_accounts,
            "unknown_account_examples": list(self.unknown_examples),
            "rows_naming_no_account": self.unnamed_rows,
            "left_out": self.left_out,
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


def _in_id_order(staged: str) -> str:
    """The staged records sorted by id, to be joined with the cache's table by id: its id
    index (and its rows, inserted in id order) are then read page after page, once,
    instead of swept again for every week of a file written week by week."""
    return f"(SELECT * FROM {staged} ORDER BY id)"


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


def _changed(
    conn: sqlite3.Connection, kind: SignalKind, staged: str
) -> list[tuple[tuple[Any, ...], str]]:
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
            f"SELECT {picked}, t.account_id FROM {_in_id_order(staged)} s "
            f"JOIN {kind.table} t ON t.id = s.id WHERE NOT ({same})"
        )
    ]


def _insert_staged(conn: sqlite3.Connection, kind: SignalKind, staged: str, known: bool) -> None:
    """The staged records the cache does not have yet inserted, sorted by id: the
    table's indexes then fill in key order (for records whose id is made,
    `<source>:<account>:<day>`, both the id's and the account's) instead of at random
    pages of a large index, chunk after chunk. `known`: some staged ids are in the cache
    already (they are left out)."""
    cols = ", ".join(COLUMNS[kind])
    new = f" WHERE NOT EXISTS (SELECT 1 FROM {kind.table} t WHERE t.id = s.id)" if known else ""
    conn.execute(
        f"INSERT INTO {kind.table} ({cols}, version) SELECT {cols}, 0 FROM {staged} s{new} "
        "ORDER BY id"
    )


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
    skip_unknown_accounts: bool = False,
    recompute: Callable[[sqlite3.Connection, Iterable[str]], int] | None = None,
) -> SignalImportReport:
    """Import the CSV at `path`; see the module doc. Never raises for a problem in the
    file: the report's `errors` say what and where, and then nothing was written.
    `recompute(conn, account_ids)` (default: `health_recompute.recompute_accounts` at
    `now`) runs after a committed import that changed something. `skip_unknown_accounts`:
    rows whose account the cache does not have (by external id or name; not a name that
    two accounts share) are left out and counted, not problems — a company-wide export
    imported into one team's book."""
    path = Path(path)
    base = ReportBase(kind=str(kind), path=str(path), mapping=mapping.title, dry_run=dry_run)
    run = Run(mapping)

    skip = skip_unknown_accounts

    def refused(rows: int = 0, unknown: dict[str, Any] | None = None) -> SignalImportReport:
        return SignalImportReport(**base, rows=rows, errors=tuple(sorted(
            run.issues, key=lambda i: i.line)), error_count=run.count, skip_unknown=skip,
            **(unknown or {}))  # fmt: skip

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
        delim, headers, header_line, blocks = iter_csv_blocks(
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
    staging = _staging(sk)
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, SKIP: 0}
    outcomes: list[SignalOutcome] = []
    touched: set[str] = set()

    def classify(reader: RowReader, staged: str) -> tuple[list[tuple[Any, ...]], int]:
        """Counts, outcomes and touched accounts; (the changed records, how many staged
        records are new). `staged`: the staged records (a table, or a query of tables)."""
        part = reader.part
        old = _existing(conn, sk, sorted(rec[0] for _, rec in part.first))
        for line, rec in part.first:
            before = old.get(rec[0])
            action = CREATE if before is None else UNCHANGED if before == rec else UPDATE
            outcomes.append(SignalOutcome(line, action, rec[0], rec[1]))
        table = sk.table
        if reader.count_only:
            total, known, changed = part.unstaged, 0, 0
        elif _source_is_new(conn, sk, mapping.source):  # every staged record is new
            total, known, changed = conn.execute(f"SELECT count(*), 0, 0 FROM {staged}").fetchone()
        else:
            same = " AND ".join(f"s.{c} IS t.{c}" for c in COLUMNS[sk][1:])
            total, known, changed = conn.execute(
                f"SELECT count(*), count(t.id), "
                f"coalesce(sum(t.id IS NOT NULL AND NOT ({same})), 0) "
                f"FROM {_in_id_order(staged)} s LEFT JOIN {table} t ON t.id = s.id"
            ).fetchone()
        created = total - known
        if created and not known:  # every staged record is new
            touched.update(part.accounts)
        elif created:
            touched.update(aid for (aid,) in conn.execute(
                f"SELECT DISTINCT s.account_id FROM {staged} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id)"
            ))  # fmt: skip
        updates = _changed(conn, sk, staged) if changed else []
        for rec, before_account in updates:
            touched.add(rec[1])
            touched.add(before_account)
        counts[CREATE] += created
        counts[UPDATE] += len(updates)
        counts[UNCHANGED] += total - created - len(updates)
        return [rec for rec, _ in updates], created

    def read_file(later: contextlib.ExitStack) -> tuple[RowReader, str, bool]:
        """The file read, its records staged: (the reader, the staged records as a query,
        whether the other process staged some of them). A big plain usage export has its
        second half read by another process at the same time."""
        reader = RowReader(conn, mapping, where, run, staging=staging, skip_unknown=skip)
        split = split_point(conn, data, delim, len(headers), header_line)
        if split is not None and reader.by_week:
            start, middle, _ = split
            other = SecondHalf(conn, path, split, delim, len(headers), mapping, where,
                               skip_unknown=skip)  # fmt: skip
            later.callback(other.close)
            reader.read(split_blocks(data, start, middle, header_line + 1, delim, len(headers)))
            if not run.count:
                stage(conn, staging, sk, [], reader.compact)  # the table, even for no record
                joined = other.joined(reader)
                if joined is not None:
                    return reader, joined, True
            # Read again, whole, here: the report is one reader's.
            conn.execute(f"DROP TABLE IF EXISTS {staging}")
            run.restart()
            reader = RowReader(conn, mapping, where, run, staging=staging, skip_unknown=skip)
        reader.read(blocks)
        return reader, reader.staged(), False

    def none_in_book(reader: RowReader) -> None:
        """Every row left out: a problem of the file — the wrong file, or the wrong book —
        not an import of nothing that ends well."""
        part = reader.part
        if (
            skip
            and part.rows
            and not run.count
            and (part.unknown_rows + part.unnamed_rows == part.rows)
        ):
            run.issue(0, Message.of(*Nn_(
                "its one row names no account of this cache: is it the right file, and the "
                "right cache (--db)?",
                "none of its {n} rows names an account of this cache: is it the right file, "
                "and the right cache (--db)?",
            ), n=part.rows))  # fmt: skip

    # The staged records (the whole file) sit in the temporary database: a page cache as
    # large as the import's keeps them in memory (the default is 2 MB).
    temp_pages = conn.execute("PRAGMA temp.cache_size").fetchone()[0]
    conn.execute(f"PRAGMA temp.cache_size = {-IMPORT_CACHE_KIB}")
    reader: RowReader | None = None
    try:
        if dry_run:
            began = not conn.in_transaction
            if began:
                conn.execute("BEGIN")
            try:
                count_only = _source_is_new(conn, sk, mapping.source)
                reader = RowReader(conn, mapping, where, run, staging=staging,
                                   count_only=count_only, skip_unknown=skip)  # fmt: skip
                reader.read(blocks)
                none_in_book(reader)
                if not run.count and (reader.part.unstaged or _staged(conn, sk)):
                    classify(reader, reader.staged())
            finally:
                conn.execute(f"DROP TABLE IF EXISTS {staging}")
                if began:
                    conn.rollback()
        else:
            # A big file lands at random places of the id index: a larger page cache for the
            # import's length keeps those pages in memory (the default is 2 MB).
            cache_pages = conn.execute("PRAGMA cache_size").fetchone()[0]
            conn.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            # Every record's account is one the reader found among the cache's accounts,
            # which are never deleted (only marked so): checking each written record's
            # account again (its foreign key) is skipped — a look-up per record. The
            # pragma is set outside a transaction only (inside one it does nothing).
            checked = conn.execute("PRAGMA foreign_keys").fetchone()[0]
            unchecked = bool(checked) and not conn.in_transaction
            if unchecked:
                conn.execute("PRAGMA foreign_keys = OFF")
            try:
                with contextlib.ExitStack() as later, write_transaction(conn):
                    try:
                        reader, staged, halves = read_file(later)
                        none_in_book(reader)
                        if run.count:
                            raise _Refused
                        if halves or _staged(conn, sk):
                            updates, created = classify(reader, staged)
                            _update(conn, sk, updates)
                            if created:
                                total = counts[CREATE] + counts[UPDATE] + counts[UNCHANGED]
                                _insert_staged(conn, sk, staged, known=created < total)
                    finally:
                        conn.execute(f"DROP TABLE IF EXISTS {staging}")
            except _Refused:
                pass
            finally:
                conn.execute(f"PRAGMA cache_size = {int(cache_pages)}")
                if unchecked:
                    conn.execute("PRAGMA foreign_keys = ON")
    finally:
        conn.execute(f"PRAGMA temp.cache_size = {int(temp_pages)}")
    n_rows = 0 if reader is None else reader.part.rows
    counts[SKIP] = 0 if reader is None else reader.part.skipped
    unknown: dict[str, Any] = {}
    if reader is not None:
        named = reader.part.unknown_accounts
        unknown = {"unknown_rows": reader.part.unknown_rows, "unknown_accounts": len(named),
                   "unknown_examples": tuple(sorted(named)[:UNKNOWN_EXAMPLES]),
                   "unnamed_rows": reader.part.unnamed_rows}  # fmt: skip
    if run.count:
        return refused(n_rows, unknown)
    report = SignalImportReport(
        **base, rows=n_rows, created=counts[CREATE], updated=counts[UPDATE],
        unchanged=counts[UNCHANGED], skipped=counts[SKIP], outcomes=tuple(outcomes),
        accounts=tuple(sorted(touched)), skip_unknown=skip, **unknown,
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
