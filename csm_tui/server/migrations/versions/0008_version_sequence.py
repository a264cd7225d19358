"""PostgreSQL: versions from a sequence, commits in parallel, pulls up to a safe watermark.

Until now every write held the `sync_counter` row lock from taking its versions to its
commit, so commits — each waiting for its WAL flush — ran one at a time. From here on, on
PostgreSQL (SQLite keeps the counter row: it has one writer at a time anyway):

- `sync_versions` (a sequence) holds the last version handed out. `csm_reserve_versions(n)`
  reserves the next n, contiguous, under a session advisory lock held only inside the call
  (microseconds, not to the commit). Before it moves the sequence it takes a transaction
  advisory lock keyed by the block's first version (key1 = the sequence's oid, key2 = the
  first version's low 32 bits): the "in flight" mark, released by the commit or rollback.
- `csm_pull_bounds()` reads the sequence (`high`), then the in-flight marks: `safe` is one
  below the lowest version still in flight (else `high`). Everything at or below `safe` is
  committed (or rolled back, a gap), so a pull that reads in a snapshot taken afterwards and
  stops at `safe` never skips a version that commits later.
- `csm_serial_versions()` is for writes that take versions one by one (admin, ingest): it
  takes the same advisory lock for the whole transaction (those writes run one at a time,
  as before) and marks the next version in flight; the writer sets the sequence at the end.

`sync_counter` stays (SQLite's counter); on PostgreSQL it keeps the value it had here.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The allocation lock's key: this constant plus the sequence's oid (one per schema).
ALLOC_KEY_BASE = 0x63736D7476000000

FUNCTIONS = f"""
CREATE FUNCTION csm_alloc_key() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT {ALLOC_KEY_BASE}::bigint + 'sync_versions'::regclass::oid::bigint $$;

CREATE FUNCTION csm_int4(x bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS
$$ SELECT (x - CASE WHEN x >= 2147483648 THEN 4294967296 ELSE 0 END)::integer $$;

CREATE FUNCTION csm_mark_in_flight(first bigint) RETURNS void LANGUAGE sql AS
$$ SELECT pg_advisory_xact_lock(
       csm_int4('sync_versions'::regclass::oid::bigint), csm_int4(first & 4294967295)) $$;

CREATE FUNCTION csm_reserve_versions(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    first bigint;
BEGIN
    PERFORM pg_advisory_lock(csm_alloc_key());
    BEGIN
        SELECT last_value + 1 INTO first FROM sync_versions;
        PERFORM csm_mark_in_flight(first);
        PERFORM setval('sync_versions', first + n - 1, true);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock(csm_alloc_key());
        RAISE;
    END;
    PERFORM pg_advisory_unlock(csm_alloc_key());
    RETURN first;
END $$;

CREATE FUNCTION csm_serial_versions() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(csm_alloc_key());
    SELECT last_value INTO last FROM sync_versions;
    PERFORM csm_mark_in_flight(last + 1);
    RETURN last;
END $$;

CREATE FUNCTION csm_pull_bounds(OUT high bigint, OUT safe bigint) LANGUAGE plpgsql AS $$
DECLARE
    base bigint;
    lowest bigint;
BEGIN
    SELECT last_value INTO high FROM sync_versions;
    base := (high + 1) & -4294967296;
    SELECT min(CASE WHEN base + l.objid::bigint > high + 1
                    THEN base + l.objid::bigint - 4294967296
                    ELSE base + l.objid::bigint END)
      INTO lowest
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 2
       AND l.classid = 'sync_versions'::regclass::oid
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
    safe := LEAST(high, COALESCE(lowest - 1, high));
END $$;
"""

FUNCTION_NAMES = (
    "csm_pull_bounds()",
    "csm_serial_versions()",
    "csm_reserve_versions(bigint)",
    "csm_mark_in_flight(bigint)",
    "csm_int4(bigint)",
    "csm_alloc_key()",
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE sync_versions MINVALUE 0 START WITH 0")
    op.execute(
        "SELECT setval('sync_versions', COALESCE((SELECT value FROM sync_counter WHERE id = 1), 0),"
        " true)"
    )
    op.execute(FUNCTIONS)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("UPDATE sync_counter SET value = (SELECT last_value FROM sync_versions)")
    for name in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION {name}")
    op.execute("DROP SEQUENCE sync_versions")
