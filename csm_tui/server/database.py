"""The central API's database: engine set-up, versioned write transactions, read snapshots.

Every write goes through `ServerDatabase.write()`. Its first statement locks the single
counter row (``UPDATE sync_counter ... RETURNING value``); the lock is held until the commit,
so writers are serialised and the versions they hand out commit in increasing order. A pull
reading in one snapshot therefore sees a prefix of the versions — no concurrent commit can
appear later below a cursor already handed out.

SQLite: WAL, foreign keys on, writers start with ``BEGIN IMMEDIATE`` (they wait on the
database lock instead of failing on a lock upgrade). PostgreSQL: READ COMMITTED writers
(serialised by the counter row), REPEATABLE READ readers (one snapshot per pull).
"""

from __future__ import annotations

import json
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

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Prebuilt statements (compiled once, parameters bound at execution): pushes run thousands.
_RV_KEY = (
    record_versions.c.kind == sa.bindparam("k_kind"),
    record_versions.c.record_id == sa.bindparam("k_id"),
)
_RV_UPDATE = sa.update(record_versions).where(*_RV_KEY)
_RV_INSERT = sa.insert(record_versions)
_RV_CURRENT = sa.select(record_versions.c.version).where(*_RV_KEY)


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
        return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///PATH "
        "or postgresql+psycopg://USER@HOST/DB"
    )


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
    ) -> int:
        """Give the record the next version (or `version`, already taken); `record=None`
        writes a tombstone. `new`: the record has no version yet (one statement less)."""
        if version is None:
            version = self.next_version()
        values = {
            "version": version,
            "account_id": account_id,
            "team_id": team_id,
            "deleted": record is None,
            "record_json": None if record is None else record_json(record),
        }
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


class ServerDatabase:
    """The central API's store. Cheap to create; `open_database` also checks its schema."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
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
    def write(self) -> Iterator[WriteTx]:
        """A serialised write transaction; commits on success, rolls back on error."""
        with self.engine.connect() as conn:
            conn.execution_options(csm_write=True)
            with conn.begin():
                last = conn.execute(
                    sa.update(sync_counter)
                    .where(sync_counter.c.id == 1)
                    .values(value=sync_counter.c.value)
                    .returning(sync_counter.c.value)
                ).scalar_one()
                tx = WriteTx(conn=conn, now=self.clock.now(), first_free=last + 1)
                yield tx
                if tx.next_free != tx.first_free:
                    conn.execute(
                        sa.update(sync_counter)
                        .where(sync_counter.c.id == 1)
                        .values(value=tx.next_free - 1)
                    )

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only transaction that sees one snapshot from its first statement on."""
        with self.engine.connect() as conn:
            if self.is_postgresql:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


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
