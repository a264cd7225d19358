"""Changes since a cursor, in version order, scoped to what the caller may read.

The page is read in one snapshot, up to the `safe` bound of `ServerDatabase.bounds`: on
PostgreSQL writers commit in parallel, so the pull stops below the lowest version still in
flight (the snapshot, taken after the bounds, holds every version up to it); on SQLite (one
writer at a time, one deferred transaction in WAL mode) that is the counter. When the page is
the last one, the cursor jumps to that bound, past changes the caller may not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.server import access, schema, tokens
from csm_tui.server.access import Caller
from csm_tui.server.database import ServerDatabase

rv = schema.record_versions
se = schema.scope_exits


class CursorAhead(Exception):
    """The client's cursor is beyond anything this server handed out (another database?)."""


_SINCE = sa.bindparam("since", type_=sa.BigInteger)
_UPTO = sa.bindparam("upto", type_=sa.BigInteger)
_PAGE_ROWS = sa.bindparam("page_rows", type_=sa.Integer)
# The page query of each `access.reach_shape`, built once (who the caller is, the cursor and
# the limit are bound at execution): a pull then costs no query building.
Page = sa.Select[*tuple[Any, ...]] | sa.CompoundSelect[*tuple[Any, ...]]
_PAGES: dict[tuple[Any, ...], Page] = {}


def _page_query(caller: Caller) -> Page:
    shape = access.reach_shape(caller)
    found = _PAGES.get(shape)
    if found is not None:
        return found
    query: Page
    readable = access.readable_changes(caller, bound=True)
    records = sa.select(
        rv.c.version, rv.c.kind, rv.c.record_id, rv.c.deleted, rv.c.record_json
    ).where(rv.c.version > _SINCE, rv.c.version <= _UPTO, readable)
    if caller.is_admin:
        query = records.order_by(rv.c.version).limit(_PAGE_ROWS)
    else:
        exits = sa.select(
            se.c.version,
            sa.literal(p.KIND_ACCOUNT, sa.String).label("kind"),
            se.c.account_id.label("record_id"),
            sa.literal(True, sa.Boolean).label("deleted"),
            sa.cast(sa.null(), sa.Text).label("record_json"),
        ).where(
            se.c.version > _SINCE, se.c.version <= _UPTO, access.readable_exits(caller, bound=True)
        )
        query = (
            sa.union_all(records, exits).order_by(sa.literal_column("version")).limit(_PAGE_ROWS)
        )
    _PAGES[shape] = query
    return query


def pull_changes(db: ServerDatabase, caller: Caller, since: int, limit: int) -> str:
    """The `ChangesPage` as JSON text (records are stored as JSON; they are not re-encoded)."""
    with db.read(snapshot=False) as conn:
        high, safe = db.bounds(conn)
        return _page(conn, caller, since, limit, high, safe)


# PostgreSQL: the bounds (`ServerDatabase.bounds`) and the bearer's token (`tokens.CALLER`;
# NULLs for a token nobody has) in one statement.
_BOUNDS = sa.func.csm_pull_bounds().table_valued("high", "safe").alias("bounds")
_BOUNDS_AND_CALLER = sa.select(
    *tokens.CALLER.selected_columns, _BOUNDS.c.high, _BOUNDS.c.safe
).select_from(
    _BOUNDS.outerjoin(
        schema.tokens.join(schema.users, schema.users.c.id == schema.tokens.c.user_id),
        schema.tokens.c.token_hash == sa.bindparam("token_hash"),
    )
)


def pull_for_token(
    db: ServerDatabase, token: str, admit: Callable[[Caller], Caller], since: int, limit: int
) -> str:
    """`pull_changes` for the bearer of `token`, checked at the bounds (PostgreSQL: in the same
    statement): `tokens.TokenRefused`, or `admit` refusing the caller (it raises)."""
    with db.read(snapshot=False) as conn:
        now = db.clock.now()
        if not db.is_postgresql:
            caller = admit(tokens.caller_for(conn, token, now))
            high, safe = db.bounds(conn)
            return _page(conn, caller, since, limit, high, safe)
        row = conn.execute(_BOUNDS_AND_CALLER, {"token_hash": tokens.token_hash(token)}).one()
        caller = admit(tokens.caller_of(None if row.id is None else row, now))
        return _page(conn, caller, since, limit, int(row.high), int(row.safe))


def _page(conn: sa.Connection, caller: Caller, since: int, limit: int, high: int, safe: int) -> str:
    """The page above `since`, read after the bounds (`high`, `safe`) were."""
    # PostgreSQL: the bounds first, then one statement (its own snapshot, taken after the
    # bounds: it holds every version up to `safe`), each on its own (`db.read`).
    if since > high:
        raise CursorAhead(since, high)
    upto = max(safe, since)
    rows: Sequence[sa.Row[*tuple[Any, ...]]] = ()
    if since < high:  # else nothing was written since the cursor: nothing to read
        params = {"since": since, "upto": upto, "page_rows": limit + 1}
        params.update(access.reach_params(caller))
        rows = conn.execute(_page_query(caller), params).all()
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
