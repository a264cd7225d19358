"""The central API's schema migrations (Alembic revisions in `versions/`).

`migrate` is the only thing that creates or changes the server's tables
(`csm-tui serve admin migrate`). It runs in one transaction under a lock — PostgreSQL: an
advisory lock; SQLite: the database's write lock (``BEGIN IMMEDIATE``) — so several
processes migrating at once take turns and the later ones find the schema current.

A database made by a release before migrations (tables, no ``alembic_version``) is stamped
at the baseline revision first, then upgraded. `check_current` is what `csm-tui serve` and
the admin commands ask before touching a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

BASELINE = "0001"
# pg_advisory_xact_lock's key: any constant no other program on the database uses.
ADVISORY_LOCK_KEY = 0x63736D7475690001
_SCRIPTS = Path(__file__).resolve().parent


@dataclass
class SchemaNotCurrent(Exception):
    """The database is not at the head revision: `current` None means never migrated."""

    current: str | None
    head: str

    def __str__(self) -> str:
        return f"database schema at {self.current or 'none'}, the server needs {self.head}"


@dataclass(frozen=True)
class Migrated:
    before: str | None  # None: a new database; "unversioned": made before migrations
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _made_before_migrations(conn: sa.Connection) -> bool:
    tables = set(sa.inspect(conn).get_table_names())
    return "alembic_version" not in tables and "sync_counter" in tables


def migrate(engine: sa.Engine) -> Migrated:
    """Bring the database to the head revision, once, under the lock."""
    with engine.connect() as conn:
        conn.execution_options(csm_write=True)  # SQLite: BEGIN IMMEDIATE (server/database.py)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            config = _config(conn)
            before = current_revision(conn)
            if before is None and _made_before_migrations(conn):
                command.stamp(config, BASELINE)
                before = "unversioned"
            command.upgrade(config, "head")
            after = current_revision(conn)
    assert after is not None
    return Migrated(before, after)


def check_current(engine: sa.Engine) -> None:
    """Raise `SchemaNotCurrent` unless the database is at the head revision."""
    with engine.connect() as conn:
        current = current_revision(conn)
    wanted = head()
    if current != wanted:
        raise SchemaNotCurrent(current, wanted)
