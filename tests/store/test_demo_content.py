"""The demo book is a pure function of (accounts, seed, now): a fixed book's content.

The digest below was taken from the demo builder before it was split into the
`store/demo/` package; a refactor that changes any row of the book changes it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.demo import build_demo_book

NOW = datetime(2026, 11, 22, 9, 30, 15, 250000, tzinfo=UTC)
BOOK_300_SEED_11 = "cc4512cc011a6c63053938065969f064bcd090002143032129cc9141d7f1a493"
"""Changed on purpose: the book records the rate its ARR today is valued at; then (issue
12) the data versions and per-author activity counts the triggers keep, and past
snapshots' points as compact JSON; then the three (empty) tables of the accounts' ARR
movements on record; then churned accounts' ARR, 0 as a churn sets it (their ARR events
keep what they paid) — the rows of every other table are as before."""


def book_digest(path: Path) -> str:
    """SHA-256 of every table's rows (sorted), table by table, with the cache's meta."""
    digest = hashlib.sha256()
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            digest.update(f"{table}:{len(rows)}\n".encode())
            for row in rows:
                digest.update(row.encode())
                digest.update(b"\n")
    finally:
        conn.close()
    return digest.hexdigest()


def test_a_fixed_demo_book_keeps_its_content(tmp_path: Path) -> None:
    path = tmp_path / "book.db"
    build_demo_book(path, 300, 11, now=NOW)
    assert book_digest(path) == BOOK_300_SEED_11


def test_the_helper_process_writes_the_same_book(tmp_path: Path) -> None:
    from csm_tui.store.demo import _build

    path = tmp_path / "book.db"
    _build(path, 300, 11, now=NOW, progress=None, replace=False, in_process=False)
    assert book_digest(path) == BOOK_300_SEED_11
