"""Bytes per account of a demo book's cache file, and what takes them (issue 12).

    python bench/cache_size.py [10000 100000] [--top 20]

Builds each size once (fixed `now` and seed, like bench/demo_build.py) into a temporary
directory, then reads SQLite's `dbstat` table: the file's bytes per account and the
largest tables and indexes (their pages, bytes per account, share of the file), and how
much of the rows' bytes are UUID text keys and references. Budget
(issue 12): at most 5 kB per account at 100k.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csm_tui.store.demo import build_demo_book  # noqa: E402

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
BUDGET = 5_000


def sizes(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """The file's bytes and each table's or index's bytes, largest first."""
    conn = sqlite3.connect(path)
    try:
        total = conn.execute("SELECT page_count * page_size FROM pragma_page_count, "
                             "pragma_page_size").fetchone()[0]  # fmt: skip
        rows = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    finally:
        conn.close()
    return total, rows


# A text value holding a UUID (an id, a reference, a `source:account:week` usage id, a JSON
# list of contact ids): the keys that integer local keys would shrink.
_UUID_GLOB = "*????????-????-????-????-????????????*"


def key_bytes(path: Path) -> tuple[int, int, int]:
    """(bytes of every table value, of those holding a UUID, of all index entries)."""
    conn = sqlite3.connect(path)
    try:
        values = keys = 0
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%'"
        ).fetchall()
        for (table,) in tables:
            for column in [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]:
                size = f'length(CAST("{column}" AS BLOB))'
                a, b = conn.execute(
                    f'SELECT sum({size}), sum(CASE WHEN "{column}" GLOB ? THEN {size} END)'
                    f' FROM "{table}"',
                    (_UUID_GLOB,),
                ).fetchone()
                values, keys = values + (a or 0), keys + (b or 0)
        indexed = conn.execute(
            "SELECT sum(payload) FROM dbstat"
            " WHERE name IN (SELECT name FROM sqlite_master WHERE type = 'index')"
        ).fetchone()[0]
    finally:
        conn.close()
    return values, keys, indexed or 0


def report(path: Path, accounts: int, top: int) -> None:
    """Print the bytes per account and the `top` largest tables and indexes."""
    total, rows = sizes(path)
    print(f"{accounts:,} accounts: {total / 1e6:,.0f} MB, {total / accounts:,.0f} bytes per "
          f"account (budget {BUDGET:,})")  # fmt: skip
    for name, size in rows[:top]:
        print(f"  {name:<40} {size / 1e6:>9.1f} MB {size / accounts:>7,.0f} B/acct "
              f"{size / total:>6.1%}")  # fmt: skip
    values, keys, indexed = key_bytes(path)
    print(f"  table values {values / accounts:,.0f} B/acct, {keys / max(values, 1):.0%} of them"
          f" in values holding a UUID; index entries {indexed / accounts:,.0f} B/acct"
          " (their keys: mostly UUID text)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--book", type=Path, help="measure this cache file instead")
    args = parser.parse_args()
    if args.book is not None:
        conn = sqlite3.connect(args.book)
        n = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        conn.close()
        report(args.book, n, args.top)
        return
    with tempfile.TemporaryDirectory(prefix="csm-size-bench-") as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"book-{n}.db"
            start = time.perf_counter()
            build_demo_book(path, n, 7, now=NOW)
            print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
            report(path, n, args.top)
            path.unlink()


if __name__ == "__main__":
    main()
