"""api_tokens.expires_at: tokens expire (None: never).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csm_tui.server.migrations.inspect import has_column as _has_column

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not _has_column("api_tokens", "expires_at"):  # a server of main added it itself
        op.add_column("api_tokens", sa.Column("expires_at", sa.String(length=26), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
