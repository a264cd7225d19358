"""Changes since a cursor, in version order, scoped to what the caller may read.

The page is read in one snapshot, up to the `safe` bound of `ServerDatabase.bounds`: on
PostgreSQL writers commit in parallel, so the pull stops below the lowest version still in
flight (the snapshot, taken after the bounds, holds every version up to it); on SQLite (one
writer at a time, one deferred transaction in WAL mode) that is the counter. When the page is
the last one, the cursor jumps to that bound, past changes the caller may not see.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.server import access, schema
from csm_tui.server.access import Caller
from csm_tui.server.database import ServerDatabase

rv = schema.record_versions
se = schema.scope_exits


class CursorAhead(Exception):
    """The client's cursor is beyond anything this server handed out (another database?)."""


def pull_changes(db: ServerDatabase, caller: Caller, since: int, limit: int) -> str:
    """The `ChangesPage` as JSON text (records are stored as JSON; they are not re-encoded)."""
    # PostgreSQL: READ COMMITTED, the bounds first, then one statement (its own snapshot,
    # taken after the bounds: it holds every version up to `safe`).
    with db.read(snapshot=False) as conn:
        high, safe = db.bounds(conn)
        if since > high:
            raise CursorAhead(since, high)
        upto = max(safe, since)
        records = sa.select(
            rv.c.version, rv.c.kind, rv.c.record_id, rv.c.deleted, rv.c.record_json
        ).where(rv.c.version > since, rv.c.version <= upto, access.readable_changes(caller))
        query: sa.Select[*tuple[Any, ...]] | sa.CompoundSelect[*tuple[Any, ...]]
        if caller.is_admin:
            query = records.order_by(rv.c.version)
        else:
            exits = sa.select(
                se.c.version,
                sa.literal(p.KIND_ACCOUNT, sa.String).label("kind"),
                se.c.account_id.label("record_id"),
                sa.literal(True, sa.Boolean).label("deleted"),
                sa.cast(sa.null(), sa.Text).label("record_json"),
            ).where(se.c.version > since, se.c.version <= upto, access.readable_exits(caller))
            query = sa.union_all(records, exits).order_by(sa.literal_column("version"))
        rows = conn.execute(query.limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][0] if has_more else upto
    dumps = json.dumps
    parts = [
        f'{{"kind":{dumps(kind)},"id":{dumps(record_id)},"version":{version},'
        f'"deleted":{"true" if deleted else "false"},'
        f'"record":{"null" if deleted or record_json is None else record_json}}}'
        for version, kind, record_id, deleted, record_json in rows
    ]
    more = "true" if has_more else "false"
    return f'{{"changes":[{",".join(parts)}],"cursor":{cursor},"has_more":{more}}}'
