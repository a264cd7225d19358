"""`csm-tui demo`: builds a book, reopens it without losing changes, never clobbers a cache."""

from __future__ import annotations

import sqlite3

from csm_tui.cli.main import main
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW.isoformat()


def count_accounts(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM accounts").fetchone()[0]


def test_demo_builds_then_reopens_keeping_changes_and_fresh_rebuilds(tmp_path, capsys):
    db = tmp_path / "demo.sqlite3"
    assert main(["--db", str(db), "--now", NOW, "demo", "--accounts", "40", "--no-open"]) == 0
    assert count_accounts(db) == 40
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE accounts SET name = 'Renamed by me' WHERE rowid = 1")
    assert main(["--db", str(db), "--now", NOW, "demo", "--accounts", "40", "--no-open"]) == 0
    assert "Opening the demo book" in capsys.readouterr().err
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM accounts WHERE name = 'Renamed by me'").fetchone()[0]
            == 1
        )
    assert (
        main(["--db", str(db), "--now", NOW, "demo", "--accounts", "40", "--fresh", "--no-open"])
        == 0
    )
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM accounts WHERE name = 'Renamed by me'").fetchone()[0]
            == 0
        )


def test_demo_refuses_to_overwrite_a_real_cache(tmp_path, capsys):
    from csm_tui.store.cache import connect

    db = tmp_path / "real.sqlite3"
    connect(db).close()
    assert main(["--db", str(db), "demo", "--accounts", "40", "--no-open"]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err


def test_demo_default_location_is_beside_the_real_cache(isolated_machine, capsys):
    assert main(["--now", NOW, "demo", "--accounts", "20", "--no-open"]) == 0
    demo = list(isolated_machine.rglob("demo.sqlite3"))
    assert len(demo) == 1 and str(demo[0]).startswith(str(isolated_machine))
    assert not list(isolated_machine.rglob("cache.sqlite3"))


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "x.db"), "demo", "--accounts", "0", "--no-open"]) == 2
    assert "between 1 and 100000" in capsys.readouterr().err
