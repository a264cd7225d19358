"""Baseline: the schema of the last release, as its `create_all` made it.

A database made by that release (no `alembic_version` table) is stamped at this revision
before it is upgraded (`csm_tui.server.migrations.migrate`).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.Column("revoked_at", sa.String(length=26), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_api_tokens_prefix"), "api_tokens", ["prefix"], unique=False)
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "client_mutations",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "client_id", "mutation_id"),
    )
    op.create_table(
        "guarded_field_changes",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_index(
        op.f("ix_guarded_field_changes_account_id"),
        "guarded_field_changes",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "prep_note_revisions",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("base_revision_id", sa.String(length=100), nullable=True),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_prep_note_revisions_account_id"),
        "prep_note_revisions",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "record_versions",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "record_id"),
        sa.UniqueConstraint("version"),
    )
    op.create_index(
        op.f("ix_record_versions_account_id"), "record_versions", ["account_id"], unique=False
    )
    op.create_table(
        "scope_exits",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_index(op.f("ix_scope_exits_team_id"), "scope_exits", ["team_id"], unique=False)
    op.create_index(op.f("ix_scope_exits_user_id"), "scope_exits", ["user_id"], unique=False)
    op.create_table(
        "sync_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_users_team_id"), "users", ["team_id"], unique=False)
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), server_default="", nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("arr", sa.Float(), nullable=False),
        sa.Column("arr_usd", sa.Float(), nullable=False),
        sa.Column("tier", sa.String(), nullable=False),
        sa.Column("tier_rank", sa.Integer(), nullable=False),
        sa.Column("tier_override", sa.String(), nullable=True),
        sa.Column("tier_override_reason", sa.String(), nullable=True),
        sa.Column("tier_override_note", sa.String(), nullable=False),
        sa.Column("sales_motion", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("segment", sa.String(), nullable=False),
        sa.Column("industry", sa.String(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("go_live_date", sa.Date(), nullable=True),
        sa.Column("activated_on", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.String(), nullable=True),
        sa.Column("health_score", sa.Integer(), nullable=True),
        sa.Column("health_score_30d", sa.Integer(), nullable=True),
        sa.Column("last_touch_at", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.Column("updated_at", sa.String(length=26), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_accounts_deleted",
        "accounts",
        ["deleted_at"],
        unique=False,
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
    op.create_table(
        "account_signals",
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("weekly_active_users", sa.Integer(), nullable=False),
        sa.Column("key_actions_per_user_week", sa.Float(), nullable=False),
        sa.Column("dau_mau", sa.Float(), nullable=False),
        sa.Column("session_minutes", sa.Float(), nullable=False),
        sa.Column("messages_per_user_week", sa.Float(), nullable=False),
        sa.Column("open_tickets", sa.Integer(), nullable=False),
        sa.Column("avg_response_hours", sa.Float(), nullable=False),
        sa.Column("volume_trend_pct", sa.Float(), nullable=False),
        sa.Column("payment", sa.String(), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("csm_pulse", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("occurred_at", sa.String(length=26), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("next_steps", sa.String(), nullable=False),
        sa.Column("sentiment", sa.String(), nullable=False),
        sa.Column("contact_ids", sa.String(), nullable=False),
        sa.Column("author_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.Column("deleted_at", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_activities_account_time", "activities", ["account_id", "occurred_at"], unique=False
    )
    op.create_table(
        "arr_events",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("arr_before_usd", sa.Float(), nullable=False),
        sa.Column("arr_after_usd", sa.Float(), nullable=False),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_arr_events_account",
        "arr_events",
        ["account_id", "effective_on", "kind", "arr_before_usd", "arr_after_usd", "created_at"],
        unique=False,
    )
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("item_key", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.String(length=26), nullable=True),
        sa.Column("done_by", sa.String(), nullable=True),
        sa.Column("updated_at", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "stage", "item_key"),
    )
    op.create_index(
        op.f("ix_checklist_items_account_id"), "checklist_items", ["account_id"], unique=False
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(length=26), nullable=False),
        sa.Column("deleted_at", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_contacts_account_id"), "contacts", ["account_id"], unique=False)
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("components", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_health_account_day", "health_snapshots", ["account_id", "taken_on"], unique=False
    )
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("from_stage", sa.String(), nullable=True),
        sa.Column("to_stage", sa.String(), nullable=False),
        sa.Column("changed_at", sa.String(length=26), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_stage_changes_account_id"), "stage_changes", ["account_id"], unique=False
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("done_at", sa.String(length=26), nullable=True),
        sa.Column("owner_id", sa.String(), nullable=True),
        sa.Column("source_activity_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(length=26), nullable=False),
        sa.Column("updated_at", sa.String(length=26), nullable=False),
        sa.Column("deleted_at", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_tasks_account_id"), "tasks", ["account_id"], unique=False)
    op.create_index("ix_tasks_owner_due", "tasks", ["owner_id", "done_at", "due_on"], unique=False)
    op.bulk_insert(
        sa.table("sync_counter", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger)),
        [{"id": 1, "value": 0}],
    )


def downgrade() -> None:
    op.drop_table("tasks")
    op.drop_table("stage_changes")
    op.drop_table("health_snapshots")
    op.drop_table("contacts")
    op.drop_table("checklist_items")
    op.drop_table("arr_events")
    op.drop_table("activities")
    op.drop_table("account_signals")
    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("teams")
    op.drop_table("sync_counter")
    op.drop_table("scope_exits")
    op.drop_table("record_versions")
    op.drop_table("prep_note_revisions")
    op.drop_table("guarded_field_changes")
    op.drop_table("client_mutations")
    op.drop_table("api_tokens")
