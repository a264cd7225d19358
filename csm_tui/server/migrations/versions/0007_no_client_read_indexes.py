"""Drop the client's SQLite-only read-path indexes from a server made by `create_all`.

The portfolio's covering indexes (and the team's recent-activity index) serve the client's
cache; on the server they only slowed writes. Only SQLite servers ever had them.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CLIENT_INDEXES = (
    "ix_accounts_portfolio",
    "ix_accounts_owner",
    "ix_accounts_renewal",
    "ix_accounts_last_touch",
    "ix_accounts_arr",
    "ix_accounts_name",
    "ix_activities_recent",
)


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for name in CLIENT_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    """Nothing to put back: the server never reads through them."""
