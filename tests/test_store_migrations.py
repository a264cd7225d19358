"""Migrations: an old cache upgrades without losing a row, and models cannot drift."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session, SQLModel, select

from csm_tui.store import migrations
from csm_tui.store.cache import open_engine
from csm_tui.store.migrations import HEAD, SchemaTooNewError, migrate, schema_version
from csm_tui.store.models import Account

NASTY = (
    "北京云图科技有限公司",
    "Café Olé 🚀",
    "[bold red]Redline[/] Media",
    "Evil\x1b[2J Corp",
    "\x1b]0;title\x07",
    "tab\tnew\nline",
    "零宽\u200bspace",
    "",
)

# One row per v1 table, in insert order (parents first). Every text column gets nasty text.
V1_ROWS: dict[str, list[dict]] = {
    "cache_meta": [{"key": "book_name", "value": NASTY[0]}, {"key": "me", "value": "u1"}],
    "teams": [{"id": "t1", "name": "中国团队 🇨🇳"}],
    "users": [
        {
            "id": "u1",
            "name": "王芳",
            "email": "wang.fang@example.com",
            "role": "csm",
            "team_id": "t1",
        },
        {"id": "u2", "name": NASTY[2], "email": "", "role": "admin", "team_id": None},
    ],
    "accounts": [
        {
            "id": f"a{i}",
            "name": name,
            "currency": "CNY" if i % 2 else "USD",
            "arr": 123456.78 + i,
            "arr_usd": 17146.77 + i,
            "tier": "growth",
            "tier_rank": 2,
            "tier_override": "enterprise" if i == 1 else None,
            "tier_override_reason": "flagship" if i == 1 else None,
            "sales_motion": "long-channel",
            "stage": "activation",
            "segment": "华东",
            "industry": NASTY[5],
            "seats": 40 + i,
            "go_live_date": "2026-01-31",
            "activated_on": None,
            "renewal_date": "2027-01-15",
            "owner_id": "u1",
            "health_score": 50 + i,
            "health_score_30d": None,
            "last_touch_at": "2026-11-20 01:02:03.000004" if i else None,
            "created_at": "2025-11-20 09:00:00.000000",
            "updated_at": "2026-11-21 23:59:59.999999",
            "version": i,
            "deleted_at": None,
        }
        for i, name in enumerate(NASTY)
    ],
    "account_signals": [
        {
            "account_id": "a0",
            "measured_on": "2026-11-22",
            "weekly_active_users": 12,
            "key_actions_per_user_week": 3.25,
            "dau_mau": 0.31,
            "session_minutes": 17.5,
            "messages_per_user_week": 9.0,
            "open_tickets": 2,
            "avg_response_hours": 6.5,
            "volume_trend_pct": -12.5,
            "payment": "late",
            "nps": -40,
            "csm_pulse": None,
        }
    ],
    "contacts": [
        {
            "id": "c1",
            "account_id": "a0",
            "name": "李伟",
            "title": "销售总监",
            "email": "li.wei@yuntu.cn",
            "phone": "+86 138 0000 0000",
            "role": "champion",
            "updated_at": "2026-11-01 00:00:00.000000",
            "deleted_at": None,
        },
        {
            "id": "c2",
            "account_id": "a2",
            "name": NASTY[3],
            "title": NASTY[4],
            "email": "",
            "phone": "",
            "role": "blocker",
            "updated_at": "2026-11-01 00:00:00.000000",
            "deleted_at": "2026-11-02 00:00:00.000000",
        },
    ],
    "activities": [
        {
            "id": "x1",
            "account_id": "a0",
            "kind": "call",
            "occurred_at": "2026-11-20 01:02:03.000004",
            "minutes": 30,
            "summary": "讨论了续约 😀 [link=http://x]click[/link]",
            "next_steps": "发送报价\n\x1b[31mred\x1b[0m",
            "sentiment": "negative",
            "contact_ids": '["c1"]',
            "author_id": "u1",
            "created_at": "2026-11-20 01:05:00.000000",
            "deleted_at": None,
        }
    ],
    "tasks": [
        {
            "id": "k1",
            "account_id": "a0",
            "title": "跟进 [b]报价[/b]",
            "due_on": "2026-11-25",
            "snoozed_until": None,
            "done_at": None,
            "owner_id": "u1",
            "source_activity_id": "x1",
            "created_at": "2026-11-20 01:05:00.000000",
            "updated_at": "2026-11-20 01:05:00.000000",
            "deleted_at": None,
        }
    ],
    "checklist_items": [
        {
            "id": "q1",
            "account_id": "a0",
            "stage": "activation",
            "item_key": "first_value",
            "label": "首次价值 ✓",
            "required": 1,
            "done_at": "2026-11-19 08:00:00.000000",
            "done_by": "u1",
            "updated_at": "2026-11-19 08:00:00.000000",
        }
    ],
    "health_snapshots": [
        {
            "id": "h1",
            "account_id": "a0",
            "taken_on": "2026-10-23",
            "score": 61,
            "components": '{"usage": 20, "support": 5}',
        }
    ],
    "prep_notes": [
        {
            "id": "p1",
            "account_id": "a0",
            "body": "## 目标\n- [red]don't[/] mention the outage 🙊\n\x1b[2J",
            "updated_at": "2026-11-21 10:00:00.000000",
        }
    ],
}


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


@pytest.fixture
def v1_db(tmp_path):
    conn = sqlite3.connect(tmp_path / "old.db")
    assert migrate(conn, target=1) == 1
    with conn:
        for table, rows in V1_ROWS.items():
            _insert(conn, table, rows)
    yield conn
    conn.close()


def test_version_1_is_a_real_older_schema(v1_db):
    assert schema_version(v1_db) == 1
    assert "stage_changes" not in _tables(v1_db)
    assert "tier_override_note" not in _columns(v1_db, "accounts")
    assert set(V1_ROWS) == _tables(v1_db), "the fixture must fill every v1 table"


def test_upgrade_from_v1_keeps_every_row_and_value(v1_db):
    assert migrate(v1_db) == HEAD
    assert schema_version(v1_db) == HEAD
    for table, rows in V1_ROWS.items():
        cols = list(rows[0])
        quoted = ", ".join(f'"{c}"' for c in cols)
        got = [
            dict(zip(cols, r, strict=True))
            for r in v1_db.execute(f"SELECT {quoted} FROM {table} ORDER BY rowid")
        ]
        assert got == rows, table
    # What v2 added is there, with the documented defaults.
    assert {r[0] for r in v1_db.execute("SELECT tier_override_note FROM accounts")} == {""}
    assert v1_db.execute("SELECT count(*) FROM stage_changes").fetchone()[0] == 0


def test_upgraded_cache_is_readable_by_the_models(v1_db, tmp_path):
    v1_db.close()
    engine = open_engine(tmp_path / "old.db")  # migrates on open
    with Session(engine) as session:
        accounts = session.exec(select(Account).order_by(Account.name)).all()
    assert sorted(a.name for a in accounts) == sorted(NASTY)
    touched = next(a for a in accounts if a.id == "a1")
    assert touched.last_touch_at is not None
    assert touched.last_touch_at.utcoffset().total_seconds() == 0
    assert touched.tier_override_note == ""
    engine.dispose()


def test_migrating_twice_changes_nothing(tmp_path):
    conn = sqlite3.connect(tmp_path / "c.db")
    migrate(conn)
    schema = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))
    assert migrate(conn) == HEAD
    assert sorted(conn.execute("SELECT type, name, sql FROM sqlite_master")) == schema


def test_a_failing_step_leaves_the_previous_version_intact(v1_db, monkeypatch):
    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("ALTER TABLE accounts ADD COLUMN oops INTEGER")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "STEPS", (migrations.STEPS[0], broken))
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(v1_db, target=2)
    assert schema_version(v1_db) == 1
    assert "half_done" not in _tables(v1_db)
    assert "oops" not in _columns(v1_db, "accounts")
    assert v1_db.execute("SELECT count(*) FROM accounts").fetchone()[0] == len(NASTY)


def test_a_cache_from_a_newer_csm_tui_is_refused_untouched(tmp_path):
    conn = sqlite3.connect(tmp_path / "future.db")
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute(f"PRAGMA user_version = {HEAD + 1}")
    conn.commit()
    with pytest.raises(SchemaTooNewError, match=f"version {HEAD + 1}"):
        migrate(conn)
    assert schema_version(conn) == HEAD + 1
    assert _tables(conn) == {"from_the_future"}


# ---- models and migrations cannot drift -------------------------------------------------


def _norm(sql: str) -> str:
    """One spelling of a CREATE INDEX statement: single spaces, no space inside parens."""
    sql = " ".join(sql.split())
    return sql.replace("( ", "(").replace(" )", ")")


def _index_sql(engine: sa.Engine, table: str) -> dict[str, str]:
    """Each index exactly as SQLite stores it (columns, order, collation, WHERE clause)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        ).fetchall()
    return {name: _norm(sql) for name, sql in rows}


def _describe_reflected(engine: sa.Engine) -> dict:
    insp = sa.inspect(engine)
    dialect = engine.dialect
    out = {}
    for table in insp.get_table_names():
        out[table] = {
            "columns": {
                c["name"]: (c["type"].compile(dialect=dialect), c["nullable"])
                for c in insp.get_columns(table)
            },
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "indexes": _index_sql(engine, table),
            "unique": {tuple(u["column_names"]) for u in insp.get_unique_constraints(table)},
            "fks": {
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(table)
            },
        }
    return out


def _describe_metadata(dialect) -> dict:
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        unique = {
            tuple(c.name for c in con.columns)
            for con in table.constraints
            if isinstance(con, sa.UniqueConstraint)
        }
        unique |= {(c.name,) for c in table.columns if c.unique}
        out[table.name] = {
            "columns": {
                c.name: (c.type.compile(dialect=dialect), c.nullable) for c in table.columns
            },
            "pk": tuple(c.name for c in table.primary_key.columns),
            "indexes": {
                i.name: _norm(str(CreateIndex(i).compile(dialect=dialect))) for i in table.indexes
            },
            "unique": unique,
            "fks": {
                ((fk.parent.name,), fk.column.table.name, (fk.column.name,))
                for fk in table.foreign_keys
            },
        }
    return out


def test_head_schema_matches_the_models(tmp_path):
    import csm_tui.store.models  # noqa: F401  (registers every table)

    engine = open_engine(tmp_path / "head.db")
    reflected = _describe_reflected(engine)
    expected = _describe_metadata(engine.dialect)
    engine.dispose()
    assert sorted(reflected) == sorted(expected)
    for table in expected:
        assert reflected[table] == expected[table], table
