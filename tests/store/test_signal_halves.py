"""A big usage export read by two processes (store/signal_halves.py): the same import, the
same report, the same refusals as one reader — and a second process that fails changes
nothing but the time taken.

The size from which a file is read in two is lowered for these tests (a real second
Python is started for each import that splits), and a twin cache imports the same file
with one reader, to compare with.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from csm_tui.store import signal_halves
from csm_tui.store.cache import connect
from tests.store.test_signal_import import _bare_accounts, _usage_lines, run, state, write

ACCOUNTS = 1_500
WEEKS = ("2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09")


@pytest.fixture
def books(tmp_path):
    """Two caches with the same accounts: (read in two, read by one)."""
    made = []
    for name in ("two.sqlite3", "one.sqlite3"):
        c = connect(tmp_path / name)
        _bare_accounts(c, ACCOUNTS)
        made.append(c)
    yield made
    for c in made:
        c.close()


@pytest.fixture
def halves(monkeypatch, tmp_path):
    """Every plain file is split here (when a reader has two cores); the joins made, in
    order: whether the second half was used (True) or the file read again whole. The
    second half's scratch folders are made in the test's own folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(signal_halves, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(signal_halves, "_cores", lambda: 2)
    used: list[bool] = []
    joined = signal_halves.SecondHalf.joined

    def watched(self, reader):
        got = joined(self, reader)
        used.append(got is not None)
        return got

    monkeypatch.setattr(signal_halves.SecondHalf, "joined", watched)
    return used


def import_both(books, path, monkeypatch, used):
    """The file imported into both caches: the first read in two, the second by one."""
    two, one = books
    split = run(two, "usage", path)
    with monkeypatch.context() as m:
        m.setattr(signal_halves, "PARALLEL_MIN_BYTES", 1 << 60)
        joins = len(used)
        whole = run(one, "usage", path)
        assert len(used) == joins  # the second cache's import was not split
    return split, whole


def comparable(report):
    return (report.ok, report.committed, report.rows, report.created, report.updated,
            report.unchanged, report.outcomes, report.accounts,
            [(e.line, e.column, e.message) for e in report.errors])  # fmt: skip


def usage(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM usage_weeks ORDER BY id")]


def test_a_file_read_in_two_imports_what_one_reader_imports(books, tmp_path, monkeypatch, halves):
    path = write(tmp_path, "\n".join(_usage_lines(ACCOUNTS, WEEKS)) + "\n")
    split, whole = import_both(books, path, monkeypatch, halves)
    assert halves == [True]
    assert comparable(split) == comparable(whole)
    assert split.committed and split.created == ACCOUNTS * len(WEEKS)
    assert len(split.outcomes) == 1_000 and split.outcomes[0].line == 2
    assert len(split.accounts) == ACCOUNTS
    assert usage(books[0]) == usage(books[1])
    # Nothing of the second process is left attached or on disk, and the cache checks
    # its foreign keys again (the import skipped checking its records' accounts).
    names = [row[1] for row in books[0].execute("PRAGMA database_list")]
    assert signal_halves.SCHEMA not in names
    assert not list(tmp_path.glob("csm-import-*"))  # its scratch folder is gone
    assert books[0].execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        books[0].execute("INSERT INTO usage_weeks SELECT 'x', 'no-such-account', week_start, "
                         "active_users, seats, opportunities, leads, public_pool, contacts, "
                         "messages, sessions, session_minutes, source, version "
                         "FROM usage_weeks LIMIT 1")  # fmt: skip


def test_a_file_read_in_two_again_writes_nothing_and_a_changed_row_is_an_update(
    books, tmp_path, monkeypatch, halves
):
    lines = _usage_lines(ACCOUNTS, WEEKS)
    path = write(tmp_path, "\n".join(lines) + "\n")
    import_both(books, path, monkeypatch, halves)
    before = state(books[0])
    again, _ = import_both(books, path, monkeypatch, halves)
    assert again.unchanged == ACCOUNTS * len(WEEKS) and not again.created + again.updated
    assert state(books[0]) == before
    # The last row (in the second half) changes its active users.
    cells = lines[-1].split(",")
    cells[3] = str(int(cells[3]) + 1)
    lines[-1] = ",".join(cells)
    path = write(tmp_path, "\n".join(lines) + "\n", "changed.csv")
    split, whole = import_both(books, path, monkeypatch, halves)
    assert halves == [True, True, True]
    assert comparable(split) == comparable(whole)
    assert split.updated == 1 and split.unchanged == ACCOUNTS * len(WEEKS) - 1
    assert usage(books[0]) == usage(books[1])


def test_a_problem_in_the_second_half_is_told_as_one_reader_tells_it(
    books, tmp_path, monkeypatch, halves
):
    lines = _usage_lines(ACCOUNTS, WEEKS)
    lines[-3] = lines[-3].replace("DUP-", "NOPE-")  # an account the cache does not know
    lines[-2] = lines[-2].replace(",100,", ",many,")  # a count that is not one
    path = write(tmp_path, "\n".join(lines) + "\n")
    before = [state(c) for c in books]
    split, whole = import_both(books, path, monkeypatch, halves)
    assert halves == [False]  # read again, whole
    assert comparable(split) == comparable(whole)
    assert [e.line for e in split.errors] == [len(lines) - 2, len(lines) - 1]
    assert not split.committed and [state(c) for c in books] == before


def test_a_record_in_both_halves_is_refused_with_its_first_line(
    books, tmp_path, monkeypatch, halves
):
    lines = _usage_lines(ACCOUNTS, WEEKS)
    lines.append(lines[1])  # the first row again, at the end: a record in both halves
    path = write(tmp_path, "\n".join(lines) + "\n")
    split, whole = import_both(books, path, monkeypatch, halves)
    assert halves == [False]
    assert comparable(split) == comparable(whole)
    assert [(e.line, e.column) for e in split.errors] == [(len(lines), "id")]
    assert "line 2" in split.errors[0].message
    assert not split.committed


def test_a_second_process_that_fails_leaves_the_import_to_one_reader(
    books, tmp_path, monkeypatch, halves
):
    path = write(tmp_path, "\n".join(_usage_lines(ACCOUNTS, WEEKS)) + "\n")
    # The second process is not a Python at all: it ends at once, without a word.
    monkeypatch.setattr(sys, "executable", "/bin/true")
    split, whole = import_both(books, path, monkeypatch, halves)
    assert halves == [False]
    assert comparable(split) == comparable(whole) and split.committed
    assert usage(books[0]) == usage(books[1])


def test_a_small_file_is_read_by_one_process(books, tmp_path, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(signal_halves.SecondHalf, "__init__", lambda *a: started.append(a))
    path = write(tmp_path, "\n".join(_usage_lines(ACCOUNTS, WEEKS)) + "\n")
    assert path.stat().st_size < signal_halves.PARALLEL_MIN_BYTES
    assert run(books[0], "usage", path).committed
    assert started == []


def test_a_cache_in_memory_or_one_core_reads_by_one_process(monkeypatch):
    data = b"a,b\n" + b"1,2\n" * 10
    monkeypatch.setattr(signal_halves, "PARALLEL_MIN_BYTES", 0)
    memory = sqlite3.connect(":memory:")
    assert signal_halves.split_point(memory, data, ",", 2, 1) is None
    monkeypatch.setattr(signal_halves, "_cores", lambda: 1)
    assert signal_halves.split_point(memory, data, ",", 2, 1) is None


def test_the_split_falls_on_a_line_and_counts_its_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(signal_halves, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(signal_halves, "_cores", lambda: 2)
    conn = sqlite3.connect(tmp_path / "c.sqlite3")
    data = b"a,b\r\n" + b"".join(b"%d,%d\r\n" % (i, i) for i in range(101))
    start, middle, line = signal_halves.split_point(conn, data, ",", 2, 1)
    assert data[:start] == b"a,b\r\n" and data[middle - 1 : middle] == b"\n"
    assert data[middle:].split(b"\r\n")[0] == b"%d,%d" % (line - 2, line - 2)
    assert signal_halves.split_point(conn, b'a,b\n"1",2\n' * 3, ",", 2, 1) is None  # quoted
    conn.close()


def test_the_second_half_runs_this_checkout_s_code(tmp_path):
    """The other process imports csm_tui from where this one did, whatever the directory
    it starts in (another checkout's `csm_tui` there is not used)."""
    decoy = tmp_path / "csm_tui"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise SystemExit('the wrong csm_tui')\n")
    code = signal_halves.serve_code()
    assert code.endswith("signal_halves.serve()")
    where = code.replace("signal_halves.serve()", "print(signal_halves.__file__)")
    out = subprocess.run(
        [sys.executable, "-I", "-c", where],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert Path(out.stdout.strip()) == Path(signal_halves.__file__).resolve(), out.stderr


def test_rows_of_accounts_not_in_the_cache_left_out_in_both_halves_as_one_reader_does(
    books, tmp_path, monkeypatch, halves
):
    lines = _usage_lines(ACCOUNTS, WEEKS)
    lines[2] = lines[2].replace("DUP-", "NOPE-")  # first half
    lines[-3] = lines[-3].replace("DUP-", "ELSE-")  # second half
    path = write(tmp_path, "\n".join(lines) + "\n")
    two, one = books
    split = run(two, "usage", path, skip_unknown_accounts=True)
    with monkeypatch.context() as m:
        m.setattr(signal_halves, "PARALLEL_MIN_BYTES", 1 << 60)
        whole = run(one, "usage", path, skip_unknown_accounts=True)
    assert halves == [True]
    assert comparable(split) == comparable(whole)
    assert split.committed and split.created == ACCOUNTS * len(WEEKS) - 2
    assert (split.unknown_rows, split.unknown_accounts) == (2, 2)
    assert split.unknown_examples == whole.unknown_examples
    assert usage(two) == usage(one)
