"""What a revision may ask about the database it runs on.

Servers of the releases between the baseline and the first migration added some tables and
columns themselves (`create_all`, and a stopgap for `api_tokens.expires_at`): a revision
adds only what is missing, so a database from any of them upgrades.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def has_table(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def has_column(table: str, column: str) -> bool:
    return column in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
