"""Renewal decisions and the tier-override history.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csm_tui.server.migrations.inspect import has_table as _has_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not _has_table("renewal_decisions"):
        op.create_table(
            "renewal_decisions",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("decided_on", sa.Date(), nullable=False),
            sa.Column("outcome", sa.String(), nullable=False),
            sa.Column("direction", sa.String(), nullable=False),
            sa.Column("arr_before", sa.Float(), nullable=False),
            sa.Column("arr_after", sa.Float(), nullable=False),
            sa.Column("currency", sa.String(), nullable=False),
            sa.Column("term_end", sa.Date(), nullable=True),
            sa.Column("reason", sa.String(), nullable=False),
            sa.Column("author_id", sa.String(), nullable=True),
            sa.Column("created_at", sa.String(length=26), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_renewal_decisions_account",
            "renewal_decisions",
            ["account_id", "decided_on"],
            unique=False,
        )
    if not _has_table("tier_overrides"):
        op.create_table(
            "tier_overrides",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("account_id", sa.String(), nullable=False),
            sa.Column("set_on", sa.Date(), nullable=False),
            sa.Column("tier", sa.String(), nullable=True),
            sa.Column("reason", sa.String(), nullable=False),
            sa.Column("note", sa.String(), nullable=False),
            sa.Column("author_id", sa.String(), nullable=True),
            sa.Column("created_at", sa.String(length=26), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["accounts.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_tier_overrides_account", "tier_overrides", ["account_id", "set_on"], unique=False
        )


def downgrade() -> None:
    op.drop_table("tier_overrides")
    op.drop_table("renewal_decisions")
