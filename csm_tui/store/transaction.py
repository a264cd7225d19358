"""One write = one SQLite transaction, taken with the write lock before the first read.

`BEGIN IMMEDIATE` makes the reads a write depends on (the account's stage, the item's
state) part of the same transaction, so two processes on one cache cannot interleave
between the read and the write. Inside an open transaction a SAVEPOINT nests instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Commit everything done in the block, or nothing if it raises."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT csm_write")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO csm_write")
            conn.execute("RELEASE csm_write")
            raise
        conn.execute("RELEASE csm_write")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
