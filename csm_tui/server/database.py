"""The central API's database: engine set-up, versioned write transactions, read snapshots.

Every write goes through `ServerDatabase.write()`; pulls read up to `ServerDatabase.bounds()`.
Whatever the order writers commit in, a pull must never move its cursor past a version that
commits later.

PostgreSQL (migrations/versions/0008_version_sequence.py): versions come from a sequence.
A writer reserves its block under an advisory lock held only inside that call, after marking
itself in flight (a transaction advisory lock keyed by its first version, gone when it
commits or rolls back); commits then run in parallel (and share their WAL flushes). A pull
reads the bounds — the last version handed out, and `safe`, one below the lowest version in
flight — then its page in a snapshot taken afterwards, up to `safe`: everything there has
committed (or rolled back: a gap, only after a failed commit).

SQLite: one writer at a time (``BEGIN IMMEDIATE``), versions from the `sync_counter` row;
the counter is also `safe`.

Two kinds of write transaction:
- `write()` (admin, ingest): versions taken one by one from the start; such writes run one
  at a time (PostgreSQL: the allocation lock held to the commit, `csm_serial_versions()`).
- `write(late=True)` (pushes): the work — checks, row changes, JSON — runs under row locks
  only (the caller takes them: ``SELECT ... FOR UPDATE``). Meanwhile the transaction numbers
  its changes with *provisional* versions: above ``PROVISIONAL_FLOOR`` in the bookkeeping
  tables (a random block per transaction, so concurrent transactions never collide on the
  unique version), their negative index in the records' own `version` column (an INTEGER).
  Uncommitted, nobody else sees them. `LateWriteTx.stamp()` then reserves as many real
  versions in one statement and renumbers the provisional rows in a few set-wise
  statements. `real_version` / `real_json` turn provisional numbers in answers into the
  real ones.

SQLite: WAL, foreign keys on, writers start with ``BEGIN IMMEDIATE`` (they wait on the
database lock instead of failing on a lock upgrade). PostgreSQL: READ COMMITTED writers,
REPEATABLE READ readers (one snapshot per read); pulls and token checks in autocommit (each
statement its own snapshot, as in READ COMMITTED: the bounds, then the page).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event

from csm_tui.domain.clock import Clock, SystemClock
from csm_tui.server.schema import record_versions, sync_counter

if TYPE_CHECKING:
    import sqlite3

    from csm_tui.server.migrations import Migrated

# Provisional versions of a late-stamped transaction: PROVISIONAL_FLOOR + a random block of
# 2**PROVISIONAL_BLOCK_BITS (far above any real version, below 2**63).
PROVISIONAL_FLOOR = 1 << 62
PROVISIONAL_BLOCK_BITS = 24
_PROVISIONAL_BLOCKS_BITS = 36

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 12
POOL_OVERFLOW = 4

# Prebuilt statements (compiled once, parameters bound at execution): pushes run thousands.
_RV_KEY = (
    record_versions.c.kind == sa.bindparam("k_kind"),
    record_versions.c.record_id == sa.bindparam("k_id"),
)
_RV_UPDATE = sa.update(record_versions).where(*_RV_KEY)
_RV_INSERT = sa.insert(record_versions)
_RV_CURRENT = sa.select(record_versions.c.version).where(*_RV_KEY)
# PostgreSQL's version sequence and its functions (migrations/versions/0008_version_sequence.py).
_RESERVE = sa.text("SELECT csm_reserve_versions(:n)")
_SERIAL = sa.text("SELECT csm_serial_versions()")
_SET_LAST = sa.text("SELECT setval('sync_versions', :last, true)")
_BOUNDS = sa.text("SELECT high, safe FROM csm_pull_bounds()")
_COUNTER = sa.select(sync_counter.c.value).where(sync_counter.c.id == 1)


def make_engine(url: str) -> sa.Engine:
    """An engine for `url` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            # The driver's own transaction handling is switched off; `_on_begin` emits BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get("csm_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        # Two engines per process (writes, reads): at most 32 connections per API process.
        # The pool keeps most of them (an overflow connection is closed on its return, and a
        # new one costs a PostgreSQL backend). No ping at checkout (a round trip per request):
        # a connection found dead fails its request (503, retry) and the pool drops it and
        # every connection older than it.
        return sa.create_engine(
            url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=3600
        )
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///PATH "
        "or postgresql+psycopg://USER@HOST/DB"
    )


# A record's own row change (an INSERT or UPDATE whose parameters are all bound by name, none
# starting with "rv_") and its parameters: `WriteTx.put_version(row=...)`.
RowChange = tuple[sa.Insert | sa.Update, dict[str, Any]]
_RV_VALUES = ("version", "account_id", "team_id", "deleted", "record_json")


def _rv_bind(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(f"rv_{name}", type_=record_versions.c[name].type)


_RV_INSERT_ALONG = sa.insert(record_versions).values(
    {name: _rv_bind(name) for name in ("kind", "record_id", *_RV_VALUES)}
)
_RV_UPDATE_ALONG = (
    sa.update(record_versions)
    .where(
        record_versions.c.kind == _rv_bind("kind"),
        record_versions.c.record_id == _rv_bind("record_id"),
    )
    .values({name: _rv_bind(name) for name in _RV_VALUES})
)
_ALONG: dict[tuple[sa.Insert | sa.Update, bool], sa.Insert | sa.Update] = {}


def _with_row_change(row: sa.Insert | sa.Update, new: bool) -> sa.Insert | sa.Update:
    """PostgreSQL: the record-version write (`new`: an insert) with `row` as a CTE before it:
    one statement. Built once per row statement."""
    found = _ALONG.get((row, new))
    if found is None:
        main = _RV_INSERT_ALONG if new else _RV_UPDATE_ALONG
        found = _ALONG[row, new] = main.add_cte(row.cte("row_change"))
    return found


def record_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@dataclass
class WriteTx:
    """One write transaction: its connection, its instant, and the versions it hands out."""

    conn: sa.Connection
    now: datetime
    first_free: int
    next_free: int = field(init=False)

    def __post_init__(self) -> None:
        self.next_free = self.first_free

    def next_version(self) -> int:
        version = self.next_free
        self.next_free += 1
        return version

    def put_version(
        self,
        kind: str,
        record_id: str,
        record: dict[str, Any] | None,
        *,
        account_id: str | None = None,
        team_id: str | None = None,
        version: int | None = None,
        new: bool = False,
        row: RowChange | None = None,
    ) -> int:
        """Give the record the next version (or `version`, already taken); `record=None`
        writes a tombstone. `new`: the record has no version yet (one statement less). `row`:
        the record's own row change, made first (PostgreSQL: in the same statement)."""
        if version is None:
            version = self.next_version()
        values = {
            "version": version,
            "account_id": account_id,
            "team_id": team_id,
            "deleted": record is None,
            "record_json": None if record is None else record_json(record),
        }
        if row is not None and self.conn.dialect.name == "postgresql":
            statement, params = row
            along = {f"rv_{name}": value for name, value in values.items()}
            along.update(rv_kind=kind, rv_record_id=record_id, **params)
            done = self.conn.execute(_with_row_change(statement, new), along)
            if new or done.rowcount:
                return version
            self.conn.execute(_RV_INSERT, {"kind": kind, "record_id": record_id, **values})
            return version
        if row is not None:
            self.conn.execute(*row)
        if not new:
            updated = self.conn.execute(_RV_UPDATE, {"k_kind": kind, "k_id": record_id, **values})
            if updated.rowcount:
                return version
        self.conn.execute(_RV_INSERT, {"kind": kind, "record_id": record_id, **values})
        return version

    def current_version(self, kind: str, record_id: str) -> int | None:
        return self.conn.execute(
            _RV_CURRENT, {"k_kind": kind, "k_id": record_id}
        ).scalar_one_or_none()

    def column_version(self, table: sa.Table, key_column: str, key: Any, version: int) -> int:
        """The value to write in `table.version` for the row `key` taking `version`."""
        return version

    def versions_in(self, table: sa.Table) -> None:
        """`table` (its `version` column, a key) gets rows numbered by `next_version()`."""

    def real_version(self, version: int) -> int:
        return version

    def real_json(self, text: str) -> str:
        return text

    def fixups(self) -> Any:
        """What `stamp()` would renumber now (to undo with a savepoint: `restore_fixups`)."""
        return None

    def restore_fixups(self, fixups: Any) -> None:
        pass


# A "version" key of a JSON object as this server writes it (compact separators): inside a
# JSON string a quote is always escaped, so `,"version":` / `{"version":` is structure.
# The rows of each (table, key column) marked provisional in their `version`: key -> version.
Marks = dict[tuple[sa.Table, str], dict[Any, int]]
_VERSION_KEY = re.compile(r'([{,]"version":)(-?[0-9]+)')
_RV = record_versions


@dataclass
class LateWriteTx(WriteTx):
    """A write transaction stamped at its end (see the module docstring)."""

    first_free: int = field(init=False)
    base: int = field(init=False)
    stamped: bool = field(init=False, default=False)
    _delta: int = field(init=False, default=0)
    _ranged: list[sa.Table] = field(init=False, default_factory=list)
    # (table, key column, key, provisional version), in order; the last for a row counts.
    _columns: list[tuple[sa.Table, str, Any, int]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        block = secrets.randbits(_PROVISIONAL_BLOCKS_BITS)
        self.base = PROVISIONAL_FLOOR + (block << PROVISIONAL_BLOCK_BITS)
        self.first_free = self.base + 1
        super().__post_init__()

    def next_version(self) -> int:
        if self.stamped:
            raise RuntimeError("this transaction's versions are already stamped")
        if self.next_free - self.base >= 1 << PROVISIONAL_BLOCK_BITS:
            raise OverflowError("too many versions in one transaction")
        return super().next_version()

    @property
    def taken(self) -> int:
        return self.next_free - self.first_free

    def column_version(self, table: sa.Table, key_column: str, key: Any, version: int) -> int:
        self._columns.append((table, key_column, key, version))
        return self.base - version  # -1, -2, ...: fits an INTEGER, marks it provisional

    def versions_in(self, table: sa.Table) -> None:
        if table not in self._ranged:
            self._ranged.append(table)

    def fixups(self) -> Any:
        return len(self._columns)

    def restore_fixups(self, fixups: Any) -> None:
        del self._columns[fixups:]

    def stamp(self) -> None:
        """Reserve the real versions (PostgreSQL: marked in flight to the commit; SQLite: the
        counter row, locked to the commit) and give them to the provisional ones, in order."""
        if self.stamped:
            return
        self.stamped = True
        n = self.taken
        if n == 0:
            return
        conn = self.conn
        columns: Marks = {}
        for table, key_column, key, version in self._columns:
            columns.setdefault((table, key_column), {})[key] = version
        if conn.dialect.name == "postgresql":
            self._stamp_postgresql(n, columns)
            return
        last = conn.execute(
            sa.update(sync_counter)
            .where(sync_counter.c.id == 1)
            .values(value=sync_counter.c.value + n)
            .returning(sync_counter.c.value)
        ).scalar_one()
        delta = self._delta = self.base + 1 - (last - n + 1)
        low, high = self.base + 1, self.base + n
        key = sa.literal('"version":', sa.Text)
        conn.execute(
            sa.update(_RV)
            .where(_RV.c.version.between(low, high))
            .values(
                version=_RV.c.version - delta,
                record_json=sa.func.replace(
                    _RV.c.record_json,
                    key + sa.cast(_RV.c.version, sa.Text),
                    key + sa.cast(_RV.c.version - delta, sa.Text),
                ),
            )
        )
        for table in self._ranged:
            conn.execute(
                sa.update(table)
                .where(table.c.version.between(low, high))
                .values(version=table.c.version - delta)
            )
        for (table, key_column), versions in columns.items():
            conn.execute(
                sa.update(table)
                .where(table.c[key_column] == sa.bindparam("k_key"))
                .values(version=sa.bindparam("k_version")),
                [{"k_key": k, "k_version": v - delta} for k, v in versions.items()],
            )

    def _stamp_postgresql(self, n: int, columns: Marks) -> None:
        """`stamp()` in one statement (`_stamp_statement`): the next n versions, and this
        transaction marked in flight until it ends (no lock is held to the commit: see
        migrations/versions/0008_version_sequence.py), given to every provisional row."""
        groups = tuple((table.name, key_column) for table, key_column in columns)
        statement = _stamp_statement(tuple(t.name for t in self._ranged), groups)
        params: dict[str, Any] = {"n": n, "low": self.base + 1, "high": self.base + n}
        for i, keys in enumerate(columns.values()):
            params[f"keys_{i}"] = list(keys)
        first = self.conn.execute(statement, params).scalar_one()
        self._delta = self.base + 1 - first

    def real_version(self, version: int) -> int:
        if not self._delta:
            return version
        provisional = self.base - version if version < 0 else version
        if self.base < provisional < self.next_free:
            return provisional - self._delta
        return version

    def real_json(self, text: str) -> str:
        if not self._delta:
            return text
        return _VERSION_KEY.sub(lambda m: m[1] + str(self.real_version(int(m[2]))), text)


@functools.cache
def _stamp_statement(ranged: tuple[str, ...], groups: tuple[tuple[str, str], ...]) -> sa.TextClause:
    """PostgreSQL: reserve :n versions and give them to the transaction's provisional rows in
    one statement. Rows numbered :low to :high by `next_version()` (`record_versions`, the
    `ranged` tables) take provisional - (:low - first); the rows :keys_<i> of the `groups`
    (table, key column), marked -1, -2, ... in their own `version` column, take first - 1 -
    mark (the mark of a row's last change: a change its savepoint undid is undone there too).
    Each part updates a table of its own (a row changed by two parts of one statement keeps
    one of the two changes)."""
    parts = [
        "reserved AS (SELECT csm_reserve_versions(:n) AS first)",
        "renumbered AS (UPDATE record_versions SET version = version - (:low - r.first),"
        " record_json = replace(record_json, '\"version\":' || version::text,"
        " '\"version\":' || (version - (:low - r.first))::text)"
        " FROM reserved r WHERE version BETWEEN :low AND :high)",
    ]
    for i, name in enumerate(ranged):
        parts.append(
            f'ranged_{i} AS (UPDATE "{name}" SET version = version - (:low - r.first)'
            " FROM reserved r WHERE version BETWEEN :low AND :high)"
        )
    expanding: list[sa.BindParameter[Any]] = []
    for i, (name, key_column) in enumerate(groups):
        parts.append(
            f'marked_{i} AS (UPDATE "{name}" t SET version = r.first - 1 - t.version'
            f' FROM reserved r WHERE t."{key_column}" IN :keys_{i} AND t.version < 0)'
        )
        expanding.append(sa.bindparam(f"keys_{i}", expanding=True))
    tables = ["record_versions", *ranged, *(name for name, _ in groups)]
    if len(set(tables)) != len(tables):
        raise ValueError(f"a table renumbered twice in one statement: {tables}")
    text = "WITH " + ",\n".join(parts) + "\nSELECT first FROM reserved"
    return sa.text(text).bindparams(*expanding)


class ServerDatabase:
    """The central API's store. Cheap to create; `open_database` also checks its schema."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        # Reads (pulls, tokens, REST reads) have their own pool: they never wait for a
        # connection held by a push.
        self.read_engine = make_engine(url)
        # PostgreSQL: reads whose statements each see what committed before they began (a
        # pull, a token check) run in autocommit on the same pool: the same snapshots as READ
        # COMMITTED, without a BEGIN and a COMMIT (two round trips) around them.
        self.statement_engine = (
            self.read_engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.read_engine.dialect.name == "postgresql"
            else self.read_engine
        )
        self.clock: Clock = clock or SystemClock()
        self.is_postgresql = self.engine.dialect.name == "postgresql"

    def migrate(self) -> Migrated:
        """Create or upgrade the schema (`csm-tui serve admin migrate`); a `Migrated`."""
        from csm_tui.server.migrations import migrate

        return migrate(self.engine)

    def check_schema(self) -> None:
        """Raise `migrations.SchemaNotCurrent` unless the schema is at the head revision."""
        from csm_tui.server.migrations import check_current

        check_current(self.engine)

    @contextmanager
    def write(self, *, late: bool = False) -> Iterator[WriteTx]:
        """A write transaction; commits on success, rolls back on error. `late`: a
        `LateWriteTx`, stamped (under the counter lock) at the end, or when it says so."""
        if late:
            with self.engine.connect() as conn:
                conn.execution_options(csm_write=True)
                with conn.begin():
                    late_tx = LateWriteTx(conn=conn, now=self.clock.now())
                    yield late_tx
                    late_tx.stamp()
            return
        with self.engine.connect() as conn:
            conn.execution_options(csm_write=True)
            with conn.begin():
                if self.is_postgresql:
                    last = conn.execute(_SERIAL).scalar_one()
                else:
                    last = conn.execute(
                        sa.update(sync_counter)
                        .where(sync_counter.c.id == 1)
                        .values(value=sync_counter.c.value)
                        .returning(sync_counter.c.value)
                    ).scalar_one()
                tx = WriteTx(conn=conn, now=self.clock.now(), first_free=last + 1)
                yield tx
                if tx.next_free != tx.first_free:
                    if self.is_postgresql:
                        conn.execute(_SET_LAST, {"last": tx.next_free - 1})
                    else:
                        conn.execute(
                            sa.update(sync_counter)
                            .where(sync_counter.c.id == 1)
                            .values(value=tx.next_free - 1)
                        )

    @contextmanager
    def read(self, *, snapshot: bool = True) -> Iterator[sa.Connection]:
        """A read-only transaction that sees one snapshot from its first statement on
        (`snapshot=False`, PostgreSQL: each statement sees what committed before it began,
        each on its own, in autocommit: no transaction to open or end)."""
        if self.is_postgresql and not snapshot:
            with self.statement_engine.connect() as conn:
                yield conn
            return
        with self.read_engine.connect() as conn:
            if self.is_postgresql:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def bounds(self, conn: sa.Connection) -> tuple[int, int]:
        """(high, safe): the last version handed out, and the last below which every
        version has committed or rolled back — a pull reading in a snapshot taken after this
        call and stopping at `safe` misses no version that commits later. SQLite (one writer
        at a time, a pull in one snapshot): both the counter."""
        if self.is_postgresql:
            high, safe = conn.execute(_BOUNDS).one()
            return int(high), int(safe)
        value = int(conn.execute(_COUNTER).scalar_one())
        return value, value

    def counter(self) -> int:
        """The last version handed out."""
        with self.read(snapshot=False) as conn:
            return self.bounds(conn)[0]

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def open_database(url: str, clock: Clock | None = None) -> ServerDatabase:
    """The database at `url`, its schema current (else `migrations.SchemaNotCurrent`)."""
    db = ServerDatabase(url, clock)
    try:
        db.check_schema()
    except BaseException:
        db.dispose()
        raise
    return db


def migrate_database(url: str) -> None:
    """Create or upgrade the schema at `url` (tests, benches; the CLI says what it did)."""
    db = ServerDatabase(url)
    try:
        db.migrate()
    finally:
        db.dispose()
