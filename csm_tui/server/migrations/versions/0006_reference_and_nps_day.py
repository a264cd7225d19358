"""accounts.is_reference (a tier criterion) and account_signals.nps_on (the NPS response's day).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from csm_tui.server.migrations.inspect import has_column as _has_column

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not _has_column("accounts", "is_reference"):
        op.add_column(
            "accounts", sa.Column("is_reference", sa.Boolean(), server_default="0", nullable=False)
        )
    if not _has_column("account_signals", "nps_on"):
        op.add_column("account_signals", sa.Column("nps_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_signals") as batch:
        batch.drop_column("nps_on")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("is_reference")
