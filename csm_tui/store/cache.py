"""Open the local cache: SQLite in WAL mode, migrated to head.

Two doors onto one file:

- `open_engine(path)`: a SQLAlchemy engine for the ORM (SQLModel sessions); imports
  SQLAlchemy only when called.
- `connect(path)`: a plain `sqlite3` connection for the fast read paths (the portfolio's
  100k rows), with the same pragmas and `sqlite3.Row` rows.

Both write instants through `store.timestamps` (UTC text) so either can read what the
other wrote. Nothing is opened at import time.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.domain.errors import Refusal
from csm_tui.i18n import N_, Message
from csm_tui.store.migrations import HEAD, check_not_newer, migrate, schema_version
from csm_tui.store.timestamps import from_db, to_db

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 5000

# Standard cache_meta keys.
META_DATA_AS_OF = "data_as_of"  # UTC instant the book's data was built or last synced
META_ME = "me"  # user id of the person using this cache (may be absent)
META_BOOK_NAME = "book_name"  # a human name for the book ("Demo book (seed 7)")
META_SERVER_URL = "server_url"  # the central API this cache is signed in to (absent: local)
META_CURSOR = "sync_cursor"  # how far this cache has pulled (absent: never pulled)


# The cache holds a customer book: its file, WAL and shared-memory file are the owner's only.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private(path: Path | str) -> None:
    """Create `path` (empty) readable by its owner only, or take group and other access
    away from it and its ``-wal`` / ``-shm`` files when they exist.

    SQLite creates a database's WAL and shared-memory files with the database file's own
    mode, so a private database file keeps them private under any umask.

    An existing file is never opened here: closing any descriptor of a file drops every
    POSIX lock this process holds on it, SQLite's included. With the app's connections
    open, another process (`csm-tui run` in a second terminal) would then take itself for
    the last user of the cache and delete the WAL from under the app.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to change
            mode = os.stat(file).st_mode
            if mode & 0o077:
                os.chmod(file, mode & 0o700)


class CacheVersionError(Refusal, RuntimeError):
    """A read-only open found a cache that is not at this code's schema version."""


def _apply_pragmas(conn: sqlite3.Connection, *, readonly: bool = False) -> None:
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch the cache to WAL (got {mode})")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def connect(path: Path | str, readonly: bool = False) -> sqlite3.Connection:
    """A raw `sqlite3` connection to the cache at `path` (rows are `sqlite3.Row`).

    Read-write: creates the parent directory and the file if needed (0600: it holds a
    customer book; an existing cache loses group and other access), turns on WAL and
    migrates to head. Read-only: the file must exist and already be at head (open it
    read-write once to migrate); nothing is written.
    """
    path = Path(path)
    if readonly:
        if not path.exists():
            raise FileNotFoundError(f"no cache at {path}")
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
    else:
        make_private(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.row_factory = sqlite3.Row
        _apply_pragmas(conn, readonly=readonly)
        if readonly:
            version = schema_version(conn)
            check_not_newer(version, str(path))
            if version < HEAD:
                raise CacheVersionError(
                    Message.of(
                        N_(
                            "{path} has schema version {version}, this csm-tui needs {head}; "
                            "open it read-write once to migrate it"
                        ),
                        path=path,
                        version=version,
                        head=HEAD,
                    )
                )
        else:
            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def open_engine(path: Path | str, *, echo: bool = False) -> Engine:
    """A SQLAlchemy engine on the cache at `path`, migrated to head, pragmas on every
    connection (WAL, foreign keys, synchronous NORMAL, busy timeout)."""
    import sqlalchemy as sa

    path = Path(path)
    connect(path).close()  # creates, switches to WAL and migrates, once
    engine = sa.create_engine(f"sqlite:///{path}", echo=echo)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        _apply_pragmas(dbapi_conn)

    return engine


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """The value stored under `key` in cache_meta, or None."""
    row = conn.execute('SELECT value FROM cache_meta WHERE "key" = ?', (key,)).fetchone()
    return None if row is None else row[0]


def signed_in(conn: sqlite3.Connection) -> bool:
    """Whether the cache is signed in to a server (its writes sync; the server's rules hold)
    rather than a local book."""
    return bool(get_meta(conn, META_SERVER_URL))


def set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Store `value` under `key` (None deletes it). The caller commits."""
    if value is None:
        conn.execute('DELETE FROM cache_meta WHERE "key" = ?', (key,))
    else:
        conn.execute(
            'INSERT INTO cache_meta ("key", value) VALUES (?, ?) '
            'ON CONFLICT ("key") DO UPDATE SET value = excluded.value',
            (key, value),
        )


def get_data_as_of(conn: sqlite3.Connection) -> datetime | None:
    """When the book's data was built or last synced (UTC), or None if never."""
    return from_db(get_meta(conn, META_DATA_AS_OF))


def set_data_as_of(conn: sqlite3.Connection, when: datetime) -> None:
    """Record when the data was built or synced; `when` must be timezone-aware."""
    set_meta(conn, META_DATA_AS_OF, to_db(when))
