"""The cache, its WAL, the demo book and exported files hold a customer book: they are
created readable by their owner only (0600), whatever the umask lets through."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from csm_tui.cli.main import main
from csm_tui.store.cache import connect
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW.isoformat()


@pytest.fixture(autouse=True)
def permissive_umask():
    """The usual default umask (group and others may read new files)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_a_new_cache_and_its_wal_are_readable_by_the_owner_only(tmp_path):
    db = tmp_path / "data" / "cache.sqlite3"
    conn = connect(db)
    try:
        with conn:
            conn.execute("INSERT INTO cache_meta (key, value) VALUES ('probe', '1')")
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(db), mode(wal), mode(shm)) == ("0o600", "0o600", "0o600")
    finally:
        conn.close()


def test_an_existing_world_readable_cache_is_made_private_when_opened(tmp_path):
    db = tmp_path / "cache.sqlite3"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    connect(db).close()
    assert mode(db) == "0o600"


def test_the_demo_book_is_readable_by_the_owner_only(tmp_path, capsys):
    db = tmp_path / "demo.sqlite3"
    assert main(["--db", str(db), "--now", NOW, "demo", "--accounts", "20", "--no-open"]) == 0
    assert mode(db) == "0o600"


def test_an_exported_portfolio_is_readable_by_the_owner_only(demo_db, tmp_path, capsys):
    out = tmp_path / "book.csv"
    assert main(["--db", str(demo_db), "--now", NOW, "export", "portfolio", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("id,name,")
    assert mode(out) == "0o600"
