"""The central API's tables: the record tables of `store/models.py` plus server-only tables.

Server-only tables live in their own `MetaData`, so the client's cache never creates them.
"""

from __future__ import annotations

import sqlalchemy as sa

from csm_tui.store import models
from csm_tui.store.models import UTCDateTime

server_metadata = sa.MetaData()

# Record tables shared with the cache (prep notes excepted: the server keeps revisions).
SHARED_TABLES: tuple[sa.Table, ...] = tuple(
    model.__table__  # type: ignore[attr-defined]
    for model in (
        models.Team,
        models.User,
        models.Account,
        models.AccountSignals,
        models.Contact,
        models.Activity,
        models.Task,
        models.ChecklistItem,
        models.StageChange,
        models.HealthSnapshot,
        models.ArrEvent,
        models.RenewalDecision,
        models.TierOverrideChange,
    )
)

tokens = sa.Table(
    "api_tokens",
    server_metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(64), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
    sa.Column("prefix", sa.String(8), nullable=False, index=True),  # shown to admins
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True),  # None: never expires
)

# One row: the last version handed out. Writers lock it first (UPDATE ... RETURNING) and hold
# the lock until commit, so versions commit in the order they were taken.
sync_counter = sa.Table(
    "sync_counter",
    server_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# The latest version of every record, with the record as sent to clients (or a tombstone).
record_versions = sa.Table(
    "record_versions",
    server_metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("record_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False, unique=True),
    sa.Column("account_id", sa.String(100), nullable=True, index=True),  # the book it is in
    sa.Column("team_id", sa.String(64), nullable=True),  # users and teams: their team
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("record_json", sa.Text, nullable=True),
)

# "This account left your book": one row per user (or per team's leads) that lost sight of it.
scope_exits = sa.Table(
    "scope_exits",
    server_metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.String(100), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=True, index=True),
    sa.Column("team_id", sa.String(64), nullable=True, index=True),
)

# Every applied mutation's answer, so a retried push is applied once and answered the same.
client_mutations = sa.Table(
    "client_mutations",
    server_metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(100), primary_key=True),
    sa.Column("mutation_id", sa.String(64), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result_json", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Who changed a guarded account field, and at which version (the account conflict rule).
guarded_field_changes = sa.Table(
    "guarded_field_changes",
    server_metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.String(100), nullable=False, index=True),
    sa.Column("fields", sa.String(200), nullable=False),  # comma-separated field names
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(100), nullable=False),
)

# Prep notes are append-only on the server: every edit is a revision, none is overwritten.
prep_note_revisions = sa.Table(
    "prep_note_revisions",
    server_metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("account_id", sa.String(100), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Column("base_revision_id", sa.String(100), nullable=True),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


def create_schema(engine: sa.Engine) -> None:
    """Create every table that is missing and the counter row (idempotent)."""
    models.SQLModel.metadata.create_all(engine, tables=list(SHARED_TABLES))
    server_metadata.create_all(engine)
    _add_missing_token_columns(engine)
    with engine.begin() as conn:
        if conn.execute(sa.select(sync_counter.c.id)).first() is None:
            conn.execute(sa.insert(sync_counter).values(id=1, value=0))


def _add_missing_token_columns(engine: sa.Engine) -> None:
    """`api_tokens.expires_at` came after the table: add it to a database made before.

    A stopgap until the server has real migrations: it only ever adds this nullable column.
    """
    present = {column["name"] for column in sa.inspect(engine).get_columns(tokens.name)}
    if "expires_at" not in present:
        column_type = tokens.c.expires_at.type.compile(dialect=engine.dialect)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {tokens.name} ADD COLUMN expires_at {column_type}")
