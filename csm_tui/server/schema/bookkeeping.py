"""The server's own tables: tokens, the version counter, record versions, scope exits, past
owners, stored push answers, guarded-field changes and prep-note revisions."""

from __future__ import annotations

import sqlalchemy as sa

from csm_tui.server.schema.records import metadata
from csm_tui.server.schema.types import UTCDateTime

tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(64), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
    sa.Column("prefix", sa.String(8), nullable=False, index=True),  # shown to admins
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True),  # None: never expires
)

# One row: the last version handed out, on SQLite. Writers lock it (UPDATE ... RETURNING) and
# hold the lock until commit. PostgreSQL takes versions from the sequence `sync_versions`
# (migration 0008); there this row keeps the value it had then (`ServerDatabase.counter()`).
sync_counter = sa.Table(
    "sync_counter",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# The latest version of every record, with the record as sent to clients (or a tombstone).
record_versions = sa.Table(
    "record_versions",
    metadata,
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
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.String(100), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=True, index=True),
    sa.Column("team_id", sa.String(64), nullable=True, index=True),
)

# "This user owned this account until then": written when an account is reassigned away from
# someone. A call they logged (or a task they made) while it was theirs is still accepted
# after it left them, when it reaches the server later (offline work).
past_owners = sa.Table(
    "past_owners",
    metadata,
    sa.Column("account_id", sa.String(100), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("until", UTCDateTime, nullable=False),
)

# Every applied mutation's answer, so a retried push is applied once and answered the same.
client_mutations = sa.Table(
    "client_mutations",
    metadata,
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
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.String(100), nullable=False, index=True),
    sa.Column("fields", sa.String(200), nullable=False),  # comma-separated field names
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(100), nullable=False),
)

# Prep notes are append-only on the server: every edit is a revision, none is overwritten.
prep_note_revisions = sa.Table(
    "prep_note_revisions",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("account_id", sa.String(100), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Column("base_revision_id", sa.String(100), nullable=True),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
