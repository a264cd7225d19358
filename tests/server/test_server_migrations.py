"""The central API's schema moves by migrations: a server database made by the last release
(`create_all`, no migrations) upgrades with every row kept; a new one is created once even
when several processes migrate it at once; the result is the schema the server declares."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from csm_tui.server import admin, migrations
from csm_tui.server.database import ServerDatabase, make_engine, open_database
from csm_tui.server.schema import metadata
from tests.server.conftest import _postgres_schema

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
FIRST = ("teams", "users", "accounts")  # what the other tables' foreign keys point at


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        else:
            yield stack.enter_context(_postgres_schema())


def build_previous_release(url: str) -> None:
    """The tables as the last release's `create_all` made them (its DDL, frozen)."""
    engine = make_engine(url)
    ddl = (DATA / f"schema_before_migrations.{engine.dialect.name}.sql").read_text()
    statements = [s.strip() for s in ddl.split(";\n") if s.strip().strip("-")]
    with engine.begin() as conn:
        for statement in statements:
            lines = [line for line in statement.splitlines() if not line.startswith("--")]
            conn.exec_driver_sql("\n".join(lines))
    engine.dispose()


def _value(table: str, column: dict, n: int, refers: dict[str, str]):
    if column["name"] in refers:  # a foreign key: the row of that table
        return f"{refers[column['name']]}-{n}"
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.Integer):
        return n + 7
    if isinstance(kind, sa.Float):
        return n + 0.5
    if isinstance(kind, sa.Date):
        return date(2026, 1, n + 1)
    length = getattr(kind, "length", None)
    if length == 26:  # an instant, stored as UTC text
        return f"2026-01-0{n + 1} 03:04:05.000000"
    text = (
        f"{table}-{n}" if column["name"] in ("id", "record_id", "kind") else f"{column['name']}-{n}"
    )
    return text[-length:] if length else text


def populate(url: str, rows_per_table: int = 2) -> dict[str, list[tuple]]:
    """Rows in every table; what each table holds, sorted."""
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    names = inspector.get_table_names()
    order = [*FIRST, *sorted(set(names) - set(FIRST))]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sync_counter")
        for name in order:
            columns = inspector.get_columns(name)
            refers = {
                fk["constrained_columns"][0]: fk["referred_table"]
                for fk in inspector.get_foreign_keys(name)
            }
            table = sa.table(name, *(sa.column(c["name"]) for c in columns))
            for n in range(rows_per_table):
                row = {c["name"]: _value(name, c, n, refers) for c in columns}
                if name == "accounts":
                    row["id"] = f"accounts-{n}"
                if name in ("teams", "users"):
                    row["id"] = f"{name}-{n}"
                if name == "users":
                    row["role"] = "csm"
                if name == "sync_counter":
                    row["id"] = n + 1
                conn.execute(sa.insert(table).values(row))
    contents = snapshot(engine, names)
    engine.dispose()
    return contents


def snapshot(engine: sa.Engine, names, columns: dict[str, list[str]] | None = None):
    out = {}
    with engine.connect() as conn:
        for name in names:
            wanted = (columns or {}).get(name) or [
                c["name"] for c in sa.inspect(conn).get_columns(name)
            ]
            rows = conn.execute(sa.text(f"SELECT {', '.join(wanted)} FROM {name}")).all()
            out[name] = sorted(tuple(map(str, row)) for row in rows)
    return out


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return differences


def test_a_server_database_of_the_last_release_upgrades_with_every_row_kept(empty_url):
    build_previous_release(empty_url)
    before = populate(empty_url)
    assert all(len(rows) == 2 for rows in before.values()), before  # rows in every table
    old = sa.create_engine(empty_url)
    old_columns = {name: [c["name"] for c in sa.inspect(old).get_columns(name)] for name in before}
    old.dispose()
    with pytest.raises(migrations.SchemaNotCurrent):
        open_database(empty_url)  # the server refuses it until it is migrated

    db = ServerDatabase(empty_url)
    done = db.migrate()
    assert (done.before, done.after) == ("unversioned", migrations.head())
    after = snapshot(db.engine, before, old_columns)
    assert after == before
    db.dispose()

    assert schema_differences(empty_url) == []  # as if made new at the head revision
    served = open_database(empty_url)
    assert {u.name for u in admin.list_users(served)} == {"name-0", "name-1"}
    with served.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT is_reference FROM accounts")).scalars().all() == [
            False,
            False,
        ]
    served.dispose()


def test_a_new_database_migrated_is_the_schema_the_server_declares(empty_url):
    db = ServerDatabase(empty_url)
    assert db.migrate().before is None
    assert db.migrate().changed is False  # a second run changes nothing
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, value FROM sync_counter")).all() == [(1, 0)]
    db.dispose()
    assert schema_differences(empty_url) == []


def test_several_processes_migrating_a_new_database_at_once_all_succeed(empty_url):
    argv = [sys.executable, "-m", "csm_tui.cli.main", "serve", "admin", "--database", empty_url]
    processes = [
        subprocess.Popen(
            [*argv, "migrate"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    said = sorted("created" if "is created" in out else "current" for _, out, _ in results)
    assert said == ["created", "current", "current", "current"]
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [
            (migrations.head(),)
        ]
        assert conn.execute(sa.text("SELECT id, value FROM sync_counter")).all() == [(1, 0)]
    engine.dispose()
