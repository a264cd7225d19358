"""One write, one transaction: the change, its effects and its outbox entries together.

`write_transaction` takes SQLite's write lock at the start (BEGIN IMMEDIATE), so what a
write reads (the account's last touch, its version) cannot change under it, and rolls
everything back when anything inside raises.

`write_batch` holds many writes in one transaction (a script of commands, a dry run):
inside it every `write_transaction` is a SAVEPOINT, so a write that fails takes back only
itself, and the batch commits — or rolls back — everything at the end. Outside a batch a
`write_transaction` still refuses to start while the connection has an open transaction:
nesting by accident stays an error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

_batches: dict[int, int] = {}  # id(connection) -> savepoints opened so far in its batch


def in_batch(conn: sqlite3.Connection) -> bool:
    """Is `conn` inside a `write_batch`?"""
    return id(conn) in _batches


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT on `conn`; ROLLBACK and re-raise on any exception.

    Inside a `write_batch` it is a savepoint of the batch instead (released on success,
    rolled back to on an exception, which is re-raised).
    """
    if id(conn) in _batches:
        _batches[id(conn)] += 1
        name = f"csm_write_{_batches[id(conn)]}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    with _transaction(conn, "BEGIN IMMEDIATE"):
        yield conn


@contextmanager
def _transaction(conn: sqlite3.Connection, begin: str) -> Iterator[sqlite3.Connection]:
    """`begin` … COMMIT on a connection with no transaction open; ROLLBACK and re-raise."""
    if conn.in_transaction:
        raise RuntimeError("the cache connection has an uncommitted transaction; commit it first")
    conn.execute(begin)
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


@contextmanager
def snapshot_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN (deferred) … COMMIT on `conn`: every read inside sees one snapshot of the
    cache, and the first write takes the write lock — or fails (`sqlite3.OperationalError`)
    when anyone else wrote since the snapshot, so what was worked out from it never lands
    on newer data. For long reads whose result is written at the end (the write lock is
    held only for that). ROLLBACK and re-raise on any exception."""
    with _transaction(conn, "BEGIN"):
        yield conn


@contextmanager
def write_batch(conn: sqlite3.Connection, *, commit: bool = True) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE; the writes inside (each a savepoint); then COMMIT, or ROLLBACK when
    `commit` is False (a dry run) or anything raised (re-raised). Batches do not nest."""
    if id(conn) in _batches:
        raise RuntimeError("a write batch is already open on this connection")
    if conn.in_transaction:
        raise RuntimeError("the cache connection has an uncommitted transaction; commit it first")
    conn.execute("BEGIN IMMEDIATE")
    _batches[id(conn)] = 0
    try:
        yield conn
    except BaseException:
        del _batches[id(conn)]
        conn.rollback()
        raise
    del _batches[id(conn)]
    if commit:
        conn.commit()
    else:
        conn.rollback()
