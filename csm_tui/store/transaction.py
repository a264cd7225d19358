"""One write, one transaction: the change, its effects and its outbox entries together.

`write_transaction` takes SQLite's write lock at the start (BEGIN IMMEDIATE), so what a
write reads (the account's last touch, its version) cannot change under it, and rolls
everything back when anything inside raises.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT on `conn`; ROLLBACK and re-raise on any exception."""
    if conn.in_transaction:
        raise RuntimeError("the cache connection has an uncommitted transaction; commit it first")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
