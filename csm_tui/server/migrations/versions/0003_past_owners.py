"""past_owners: offline work on an account that moved is still accepted.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csm_tui.server.migrations.inspect import has_table as _has_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not _has_table("past_owners"):
        op.create_table(
            "past_owners",
            sa.Column("account_id", sa.String(length=100), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("until", sa.String(length=26), nullable=False),
            sa.PrimaryKeyConstraint("account_id", "user_id"),
        )


def downgrade() -> None:
    op.drop_table("past_owners")
