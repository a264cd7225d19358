"""Write batches: many writes in one transaction, each a savepoint; lookups by name."""

from __future__ import annotations

import sqlite3

import pytest

from csm_tui.domain.lifecycle import ChecklistTemplateItem
from csm_tui.store.cache import connect
from csm_tui.store.lookup import (
    Ambiguous,
    NotFound,
    account_candidates,
    find_account,
    find_checklist_item,
    find_task,
    find_user,
)
from csm_tui.store.transaction import in_batch, write_batch, write_transaction


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "c.sqlite3")
    c.execute("CREATE TABLE t (x INTEGER)")
    c.commit()
    yield c
    c.close()


def values(conn) -> list[int]:
    return [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")]


def test_a_batch_commits_everything_at_the_end(conn):
    with write_batch(conn):
        for x in (1, 2):
            with write_transaction(conn):
                conn.execute("INSERT INTO t VALUES (?)", (x,))
        assert in_batch(conn) and conn.in_transaction
    assert not in_batch(conn) and not conn.in_transaction
    assert values(conn) == [1, 2]


def test_a_failing_write_inside_takes_back_only_itself(conn):
    with write_batch(conn):
        with write_transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ZeroDivisionError), write_transaction(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            raise ZeroDivisionError
        with write_transaction(conn):
            conn.execute("INSERT INTO t VALUES (3)")
    assert values(conn) == [1, 3]


def test_an_error_or_a_dry_run_rolls_the_whole_batch_back(conn):
    with pytest.raises(KeyError), write_batch(conn):
        with write_transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        raise KeyError
    with write_batch(conn, commit=False), write_transaction(conn):
        conn.execute("INSERT INTO t VALUES (2)")
    assert values(conn) == []
    assert not in_batch(conn)


def test_outside_a_batch_nesting_stays_an_error(conn):
    conn.execute("INSERT INTO t VALUES (1)")  # opens a transaction
    with pytest.raises(RuntimeError), write_transaction(conn):
        pass
    with pytest.raises(RuntimeError), write_batch(conn):
        pass
    conn.rollback()
    with write_batch(conn), pytest.raises(RuntimeError), write_batch(conn):
        pass


def test_a_second_connection_waits_for_the_batch(tmp_path, conn):
    other = sqlite3.connect(tmp_path / "c.sqlite3", timeout=0.05)
    try:
        with write_batch(conn), pytest.raises(sqlite3.OperationalError):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


# ----------------------------------------------------------------------------- lookups


@pytest.fixture
def book(demo_db):
    c = connect(demo_db)
    yield c
    c.close()


def test_accounts_by_id_exact_name_case_and_prefix(book):
    row = book.execute("SELECT id, name FROM accounts ORDER BY name LIMIT 1 OFFSET 17").fetchone()
    assert find_account(book, row["id"]).id == row["id"]
    assert find_account(book, row["name"]).id == row["id"]
    assert find_account(book, row["name"].swapcase()).id == row["id"]
    names = [r[0] for r in book.execute("SELECT name FROM accounts")]
    unique = next(
        n[:k] for n in names for k in range(3, len(n))
        if sum(1 for m in names if m.casefold().startswith(n[:k].casefold())) == 1
    )  # fmt: skip
    assert find_account(book, unique).name.casefold().startswith(unique.casefold())


def test_an_exact_name_wins_over_longer_names(book):
    row = book.execute("SELECT id, name FROM accounts ORDER BY name LIMIT 1").fetchone()
    columns = [c[1] for c in book.execute("PRAGMA table_info(accounts)")]
    picked = ["'longer-twin'" if c == "id" else "name || ' Holdings'" if c == "name" else c
              for c in columns]  # fmt: skip
    book.execute(
        f"INSERT INTO accounts ({', '.join(columns)}) SELECT {', '.join(picked)} "
        "FROM accounts WHERE id = ?",
        (row["id"],),
    )
    assert find_account(book, row["name"]).id == row["id"]
    with pytest.raises(Ambiguous) as info:
        find_account(book, row["name"][:-1])
    assert {c.id for c in info.value.candidates} >= {row["id"], "longer-twin"}


def test_unknown_names_suggest_what_holds_them(book):
    names = [r[0] for r in book.execute("SELECT name FROM accounts WHERE name GLOB '[A-Z]*'")]
    name, middle = next(
        (n, n[3:9]) for n in sorted(names)
        if not any(m.casefold().startswith(n[3:9].casefold()) for m in names)
    )  # fmt: skip
    with pytest.raises(NotFound) as info:
        find_account(book, middle)
    assert "names holding it" in info.value.message
    assert any(c.name == name for c in info.value.candidates) or len(info.value.candidates) == 8
    with pytest.raises(NotFound) as info:
        find_account(book, "zzqq" + middle)
    assert info.value.candidates == ()


def test_palette_candidates_prefix_first_then_characters_in_order(book):
    name = book.execute(
        "SELECT name FROM accounts WHERE name GLOB '[A-Z]* *' ORDER BY name LIMIT 1"
    ).fetchone()[0]
    first = account_candidates(book, name[:4])
    assert first[0].name.casefold().startswith(name[:4].casefold())
    spread = name[0] + name[2] + name[4]
    assert name in [n.name for n in account_candidates(book, spread, limit=500)]
    chinese = book.execute(
        "SELECT name FROM accounts WHERE name GLOB '[一-龥]*' ORDER BY name LIMIT 1"
    ).fetchone()[0]
    assert chinese in [n.name for n in account_candidates(book, chinese[1:3], limit=500)]


def test_users_and_items_and_tasks(book):
    assert find_user(book, "tom").name == "Tom Becker"
    assert find_user(book, "王").name == "王芳"
    items = [ChecklistTemplateItem("kickoff", "Kickoff meeting held", True),
             ChecklistTemplateItem("kb", "Knowledge base shared", False)]  # fmt: skip
    assert find_checklist_item(items, "kickoff meeting held", "here") == "kickoff"
    assert find_checklist_item(items, "know", "here") == "kb"
    with pytest.raises(NotFound, match="the items are"):
        find_checklist_item(items, "nothing", "here")
    task_id = book.execute("SELECT id FROM tasks ORDER BY id LIMIT 1").fetchone()[0]
    assert find_task(book, task_id[-8:]).id == task_id
    assert find_task(book, task_id.upper()).id == task_id
    with pytest.raises(Ambiguous):
        find_task(book, task_id[:4])
