"""Alembic's environment for the central API: run on the connection `migrate` hands over
(in its locked transaction), against the server's own `MetaData`. No alembic.ini."""

from __future__ import annotations

from alembic import context

from csm_tui.server.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # loaded by Alembic (imported alone, it only defines)
    run_migrations()
