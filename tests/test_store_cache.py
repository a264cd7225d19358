"""The cache file: WAL, pragmas, UTC timestamps on both paths, Unicode kept exactly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from csm_tui.store.cache import (
    META_DATA_AS_OF,
    META_ME,
    CacheVersionError,
    connect,
    get_data_as_of,
    get_meta,
    open_engine,
    set_data_as_of,
    set_meta,
)
from csm_tui.store.migrations import HEAD, SchemaTooNewError, migrate
from csm_tui.store.models import Account, Activity
from csm_tui.store.timestamps import from_db, to_db

SHANGHAI = timezone(timedelta(hours=8))


def _account(id_: str, name: str = "Acme", **kw) -> Account:
    t = datetime(2026, 11, 22, 9, 30, tzinfo=SHANGHAI)
    return Account(id=id_, name=name, created_at=t, updated_at=t, **kw)


def test_engine_and_raw_connections_run_with_the_cache_pragmas(tmp_path):
    path = tmp_path / "deep" / "er" / "cache.db"  # parent dirs created
    engine = open_engine(path)
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert c.exec_driver_sql("PRAGMA user_version").scalar() == HEAD
    engine.dispose()
    raw = connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert raw.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert isinstance(raw.execute("SELECT 1 AS one").fetchone(), sqlite3.Row)
    raw.close()


def test_foreign_keys_are_enforced_on_both_paths(tmp_path):
    path = tmp_path / "c.db"
    engine = open_engine(path)
    with Session(engine) as s, pytest.raises(sa.exc.IntegrityError):
        s.add(_account("a1", owner_id="nobody"))
        s.commit()
    engine.dispose()
    raw = connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO contacts (id, account_id, name, title, email, phone, role,"
            " updated_at) VALUES ('c', 'missing', 'x', '', '', '', 'user', ?)",
            (to_db(datetime.now(UTC)),),
        )
    raw.close()


def test_orm_timestamps_are_stored_as_utc_text_and_read_back_aware(tmp_path):
    path = tmp_path / "c.db"
    engine = open_engine(path)
    local = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    with Session(engine) as s:
        s.add(_account("a1", last_touch_at=local, go_live_date=date(2026, 3, 1)))
        s.commit()
    raw = connect(path)
    row = raw.execute("SELECT last_touch_at, created_at, go_live_date FROM accounts").fetchone()
    assert row["last_touch_at"] == "2026-11-22 01:30:15.123456"
    assert row["created_at"] == "2026-11-22 01:30:00.000000"
    assert row["go_live_date"] == "2026-03-01"
    raw.close()
    with Session(engine) as s:
        back = s.exec(select(Account)).one()
    assert back.last_touch_at == local
    assert back.last_touch_at.utcoffset() == timedelta(0)
    assert back.go_live_date == date(2026, 3, 1)
    engine.dispose()


def test_raw_timestamps_read_back_through_the_orm(tmp_path):
    path = tmp_path / "c.db"
    raw = connect(path)
    when = datetime(2026, 1, 2, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5)))
    with raw:
        raw.execute(
            "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank,"
            " tier_override_note, sales_motion, stage, segment, industry, seats,"
            " created_at, updated_at, version) VALUES"
            " ('a1', 'x', 'USD', 1, 1, 'scale', 3, '', 'short-direct', 'adoption',"
            " '', '', 1, ?, ?, 0)",
            (to_db(when), to_db(when)),
        )
        raw.execute(
            "INSERT INTO activities (id, account_id, kind, occurred_at, minutes,"
            " summary, next_steps, sentiment, contact_ids, created_at) VALUES"
            " ('x1', 'a1', 'call', ?, 5, '', '', 'neutral', '[]', ?)",
            (to_db(when), to_db(when)),
        )
    text = raw.execute("SELECT occurred_at FROM activities").fetchone()[0]
    assert text == "2026-01-03 04:59:59.999999"
    assert from_db(text) == when and from_db(text).tzinfo is UTC
    raw.close()
    engine = open_engine(path)
    with Session(engine) as s:
        act = s.exec(select(Activity)).one()
    assert act.occurred_at == when and act.occurred_at.utcoffset() == timedelta(0)
    engine.dispose()


def test_naive_datetimes_are_refused_on_both_paths(tmp_path):
    naive = datetime(2026, 11, 22, 9, 30)
    with pytest.raises(ValueError, match="naive"):
        to_db(naive)
    engine = open_engine(tmp_path / "c.db")
    with Session(engine) as s, pytest.raises(sa.exc.StatementError, match="naive"):
        s.add(_account("a1", last_touch_at=naive))
        s.commit()
    with Session(engine) as s:
        assert s.exec(select(Account)).all() == []
    engine.dispose()


def test_text_is_stored_exactly(tmp_path):
    engine = open_engine(tmp_path / "c.db")
    raw = connect(tmp_path / "c.db")
    seen = {"n": 0}

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        text=st.text(max_size=40)
        | st.sampled_from(
            [
                "北京云图科技有限公司",
                "🚀👩‍👩‍👧",
                "[bold red]x[/]",
                "a\x1b[2Jb",
                "\x1b]0;t\x07",
                "\x00",
            ]
        )
    )
    def check(text):
        seen["n"] += 1
        id_ = f"a{seen['n']}"
        with Session(engine) as s:
            s.add(_account(id_, name=text))
            s.commit()
        assert raw.execute("SELECT name FROM accounts WHERE id = ?", (id_,)).fetchone()[0] == text
        with raw:
            raw.execute("UPDATE accounts SET industry = ? WHERE id = ?", (text, id_))
        with Session(engine) as s:
            assert s.get(Account, id_).industry == text

    check()
    raw.close()
    engine.dispose()


def test_meta_keys_round_trip(tmp_path):
    conn = connect(tmp_path / "c.db")
    assert get_meta(conn, META_ME) is None
    assert get_data_as_of(conn) is None
    with conn:
        set_meta(conn, META_ME, "user-1")
        set_meta(conn, META_ME, "user-2")
        set_data_as_of(conn, datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI))
    assert get_meta(conn, META_ME) == "user-2"
    assert get_meta(conn, META_DATA_AS_OF) == "2026-11-22 00:00:00.000000"
    assert get_data_as_of(conn) == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    with conn:
        set_meta(conn, META_ME, None)
    assert get_meta(conn, META_ME) is None
    conn.close()


def test_readonly_connection_reads_but_never_writes(tmp_path):
    path = tmp_path / "c.db"
    rw = connect(path)
    with rw:
        set_meta(rw, "book_name", "Demo")
    ro = connect(path, readonly=True)
    assert get_meta(ro, "book_name") == "Demo"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        set_meta(ro, "book_name", "changed")
    ro.close()
    rw.close()


def test_readonly_refuses_missing_old_and_newer_caches(tmp_path):
    with pytest.raises(FileNotFoundError):
        connect(tmp_path / "nope.db", readonly=True)
    assert not (tmp_path / "nope.db").exists()
    old = sqlite3.connect(tmp_path / "old.db")
    migrate(old, target=1)
    old.close()
    with pytest.raises(CacheVersionError, match="read-write"):
        connect(tmp_path / "old.db", readonly=True)
    new = sqlite3.connect(tmp_path / "new.db")
    new.execute(f"PRAGMA user_version = {HEAD + 5}")
    new.close()
    with pytest.raises(SchemaTooNewError):
        connect(tmp_path / "new.db", readonly=True)
    with pytest.raises(SchemaTooNewError):
        connect(tmp_path / "new.db")
    with pytest.raises(SchemaTooNewError):
        open_engine(tmp_path / "new.db")


def test_opening_the_cache_does_not_need_sqlalchemy(tmp_path):
    code = (
        "import sys, pathlib\n"
        "from csm_tui.store.cache import connect\n"
        "connect(pathlib.Path(sys.argv[1]) / 'c.db').close()\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
        "assert 'textual' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert (tmp_path / "c.db").exists()


def test_a_cache_of_another_version_is_refused_in_the_interface_language(tmp_path):
    from csm_tui.i18n import set_language

    old = sqlite3.connect(tmp_path / "old.db")
    migrate(old, target=1)
    old.close()
    new = sqlite3.connect(tmp_path / "new.db")
    new.execute(f"PRAGMA user_version = {HEAD + 5}")
    new.close()
    set_language("zh")
    try:
        with pytest.raises(CacheVersionError) as older:
            connect(tmp_path / "old.db", readonly=True)
        with pytest.raises(SchemaTooNewError) as newer:
            connect(tmp_path / "new.db")
        said = (str(older.value), str(newer.value))
    finally:
        set_language("en")
    assert "读写" in said[0] and str(HEAD) in said[0]
    assert "升级" in said[1] and str(HEAD + 5) in said[1]
    assert "upgrade csm-tui" in newer.value.english()
