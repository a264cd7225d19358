"""Report query results cached by data version: a report re-runs only what changed.

SQLite triggers (migration v13) bump a version in `data_versions` for every row written
to the tables reports read, whoever writes it (logging, sync, import, the demo builder).
A query's cache key is its SQL, its parameters and the versions of the scopes it reads;
`report_cache` keeps the rows of the last run of each named query. A hit returns the
stored rows; a miss runs the query and stores its rows (best effort: on a read-only
connection through a short read-write one; a busy or read-only cache just skips it).

The versions are read before the queries run, so rows stored under a key can only be
newer than the key says, never older: the next reader sees a higher version and runs the
query again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Rows = list[tuple[Any, ...]]
STORE_TIMEOUT_S = 0.2  # how long storing results waits for a writer to finish
Query = tuple[str, dict[str, object]]


def data_versions(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        str(name): int(v) for name, v in conn.execute("SELECT name, version FROM data_versions")
    }


def cache_key(query: Query, scopes: Sequence[str], versions: Mapping[str, int]) -> str:
    sql, params = query
    text = json.dumps(
        [sql, sorted(params.items()), [(s, versions.get(s)) for s in scopes]], default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def cached_rows(
    conn: sqlite3.Connection,
    queries: Mapping[str, tuple[Query, Sequence[str]]],
    run: Callable[[dict[str, Query]], dict[str, Rows]],
    *,
    path: str | None,
    prefix: str = "",
) -> dict[str, Rows]:
    """Every query's rows: from the cache when its key matches, else from `run` (given
    the queries that missed). `queries`: name → (query, the scopes it reads). `prefix`
    names the entries (one entry per prefix + name is kept)."""
    versions = data_versions(conn)
    keys = {name: cache_key(q, scopes, versions) for name, (q, scopes) in queries.items()}
    out: dict[str, Rows] = {}
    for name, key, rows in conn.execute(
        'SELECT name, "key", "rows" FROM report_cache WHERE name LIKE ? ESCAPE \'\\\'',
        (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
    ):
        short = name[len(prefix) :]
        if keys.get(short) == key:
            out[short] = [tuple(r) for r in json.loads(rows)]
    missing = {name: q for name, (q, _) in queries.items() if name not in out}
    if missing:
        fresh = run(missing)
        out.update(fresh)
        _store(conn, path, [(prefix + n, keys[n], json.dumps(fresh[n])) for n in fresh])
    return out


def _store(conn: sqlite3.Connection, path: str | None, entries: list[tuple[str, str, str]]) -> None:
    sql = (
        'INSERT INTO report_cache (name, "key", "rows") VALUES (?, ?, ?) '
        'ON CONFLICT (name) DO UPDATE SET "key" = excluded."key", "rows" = excluded."rows"'
    )
    if conn.in_transaction:
        return  # the rows may hold the caller's uncommitted writes (and versions)
    with contextlib.suppress(sqlite3.Error):
        if path is None:  # in memory: this connection
            conn.executemany(sql, entries)
            conn.commit()
            return
        # The file exists and is at head (it was just read): no migration, and a short
        # wait for the lock, as this is only a cache.
        writer = sqlite3.connect(path, timeout=STORE_TIMEOUT_S)
        try:
            writer.executemany(sql, entries)
            writer.commit()
        finally:
            writer.close()
