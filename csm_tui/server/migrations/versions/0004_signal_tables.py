"""Signal tables: usage weeks, support tickets, survey responses, invoices (POST /signals).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csm_tui.server.migrations.inspect import has_table as _has_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not _has_table("usage_weeks"):
        op.create_table(
            "usage_weeks",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("week_start", sa.Date(), nullable=False),
            sa.Column("active_users", sa.Integer(), nullable=False),
            sa.Column("seats", sa.Integer(), nullable=False),
            sa.Column("opportunities", sa.Integer(), nullable=False),
            sa.Column("leads", sa.Integer(), nullable=False),
            sa.Column("public_pool", sa.Integer(), nullable=False),
            sa.Column("contacts", sa.Integer(), nullable=False),
            sa.Column("messages", sa.Integer(), nullable=False),
            sa.Column("sessions", sa.Integer(), nullable=False),
            sa.Column("session_minutes", sa.Float(), nullable=False),
            sa.Column("source", sa.String(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_usage_weeks_account_week", "usage_weeks", ["account_id", "week_start"], unique=False
        )
    if not _has_table("support_tickets"):
        op.create_table(
            "support_tickets",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("opened_at", sa.String(length=26), nullable=False),
            sa.Column("closed_at", sa.String(length=26), nullable=True),
            sa.Column("priority", sa.String(), nullable=False),
            sa.Column("first_response_minutes", sa.Integer(), nullable=True),
            sa.Column("source", sa.String(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_support_tickets_account_opened",
            "support_tickets",
            ["account_id", "opened_at"],
            unique=False,
        )
    if not _has_table("survey_responses"):
        op.create_table(
            "survey_responses",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("contact_email", sa.String(), nullable=False),
            sa.Column("kind", sa.String(), nullable=False),
            sa.Column("score", sa.Integer(), nullable=False),
            sa.Column("responded_on", sa.Date(), nullable=False),
            sa.Column("comment", sa.String(), nullable=False),
            sa.Column("source", sa.String(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_survey_responses_account_day",
            "survey_responses",
            ["account_id", "responded_on"],
            unique=False,
        )
    if not _has_table("invoices"):
        op.create_table(
            "invoices",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("issued_on", sa.Date(), nullable=False),
            sa.Column("due_on", sa.Date(), nullable=False),
            sa.Column("amount", sa.Float(), nullable=False),
            sa.Column("currency", sa.String(), nullable=False),
            sa.Column("paid_on", sa.Date(), nullable=True),
            sa.Column("source", sa.String(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_invoices_account_issued", "invoices", ["account_id", "issued_on"], unique=False
        )


def downgrade() -> None:
    op.drop_table("invoices")
    op.drop_table("survey_responses")
    op.drop_table("support_tickets")
    op.drop_table("usage_weeks")
