"""`csm-tui demo`: builds a book, reopens it without losing changes, never clobbers a cache."""

from __future__ import annotations

import io
import sqlite3

import pytest

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
    fresh = ["--db", str(db), "--now", NOW, "demo", "--accounts", "40", "--fresh", "--yes"]
    assert main([*fresh, "--no-open"]) == 0
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


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer typed in."""

    def isatty(self) -> bool:
        return True


def demo(db, *args: str) -> int:
    return main(["--db", str(db), "--now", NOW, "demo", *args, "--no-open"])


def log_a_note(db) -> None:
    with sqlite3.connect(db) as conn:
        name = conn.execute("SELECT name FROM accounts ORDER BY name LIMIT 1").fetchone()[0]
    line = f'log note "{name}" --summary "Champion leaves in March"'
    assert main(["--db", str(db), "--now", NOW, "run", line]) == 0


def note_and_pending(db) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        notes = conn.execute(
            "SELECT count(*) FROM activities WHERE summary = 'Champion leaves in March'"
        ).fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    return notes, pending


@pytest.fixture
def book_of_60_with_a_note(tmp_path, capsys):
    db = tmp_path / "demo.sqlite3"
    assert demo(db, "--accounts", "60") == 0
    log_a_note(db)
    assert note_and_pending(db) == (1, 1)
    capsys.readouterr()
    return db


def test_a_plain_demo_reopens_a_book_built_with_other_options_and_keeps_my_note(
    book_of_60_with_a_note, capsys
):
    db = book_of_60_with_a_note
    assert demo(db) == 0
    assert count_accounts(db) == 60
    assert note_and_pending(db) == (1, 1)
    assert "Opening the demo book" in capsys.readouterr().err


def test_asking_for_another_size_without_fresh_changes_nothing_and_says_how(
    book_of_60_with_a_note, capsys
):
    db = book_of_60_with_a_note
    assert demo(db, "--accounts", "300") == 1
    err = capsys.readouterr().err
    assert "Demo book (60 accounts, seed 7)" in err and "it was not changed" in err
    assert "csm-tui demo --fresh --accounts 300" in err
    assert (count_accounts(db), note_and_pending(db)) == (60, (1, 1))


def test_naming_the_options_the_book_was_built_with_reopens_it(book_of_60_with_a_note, capsys):
    db = book_of_60_with_a_note
    assert demo(db, "--seed", "7") == 0
    assert demo(db, "--accounts", "60", "--seed", "7") == 0
    assert (count_accounts(db), note_and_pending(db)) == (60, (1, 1))
    assert demo(db, "--seed", "8") == 1


def test_fresh_says_what_it_destroys_and_keeps_the_book_when_i_say_no(
    book_of_60_with_a_note, capsys, monkeypatch
):
    db = book_of_60_with_a_note
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    assert demo(db, "--fresh") == 1
    err = capsys.readouterr().err
    assert "1 pending change, 1 logged activity" in err and "Rebuild it? [y/N]" in err
    assert (count_accounts(db), note_and_pending(db)) == (60, (1, 1))
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert demo(db, "--fresh") == 0
    assert (count_accounts(db), note_and_pending(db)) == (300, (0, 0))


def test_fresh_without_a_terminal_to_ask_needs_yes(book_of_60_with_a_note, capsys, monkeypatch):
    db = book_of_60_with_a_note
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert demo(db, "--fresh", "--accounts", "60") == 1
    assert "Add --yes" in capsys.readouterr().err
    assert note_and_pending(db) == (1, 1)
    assert demo(db, "--fresh", "--accounts", "60", "--yes") == 0
    assert (count_accounts(db), note_and_pending(db)) == (60, (0, 0))


def test_commands_use_the_demo_book_until_i_have_a_cache_of_my_own(isolated_machine, capsys):
    from csm_tui.cli.main import default_db_path
    from csm_tui.store.cache import connect

    assert main(["--now", NOW, "demo", "--accounts", "20", "--no-open"]) == 0
    capsys.readouterr()
    assert main(["--now", NOW, "run", "filter", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "using the demo book" in err and len(out.splitlines()) == 21  # header + 20
    connect(default_db_path()).close()  # what `csm-tui login` makes
    assert main(["--now", NOW, "run", "filter", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "using the demo book" not in err and len(out.splitlines()) == 1


def test_demo_as_a_team_lead_makes_them_the_books_user(tmp_path, capsys):
    """The demo's user is a CSM: `--as` plays another person of the book, a team lead to
    reassign from Coverage; a name nobody has is refused with the people listed."""
    db = tmp_path / "demo.sqlite3"
    assert main(["--db", str(db), "--now", NOW, "demo", "--accounts", "40", "--no-open"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "--now", NOW, "demo", "--as", "elena", "--no-open"]) == 0
    assert "you are Elena Rossi (team lead)" in capsys.readouterr().err
    with sqlite3.connect(db) as conn:
        me = conn.execute(
            "SELECT u.name, u.role FROM cache_meta m JOIN users u ON u.id = m.value "
            "WHERE m.key = 'me'"
        ).fetchone()
    assert me == ("Elena Rossi", "lead")
    assert main(["--db", str(db), "--now", NOW, "demo", "--as", "Nobody", "--no-open"]) == 1
    err = capsys.readouterr().err
    assert "'Nobody'" in err and "Sarah Mitchell (CSM)" in err
