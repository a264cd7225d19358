"""A bare book of N accounts for the signal benches (bulk SQL, not the demo builder)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.cache import connect

MOTIONS = ("short-direct", "long-direct", "short-channel", "long-channel")
TIERS = (("strategic", 0), ("enterprise", 1), ("growth", 2), ("scale", 3), ("self-serve", 4))


def bare_book(path: Path, accounts: int, now: datetime) -> sqlite3.Connection:
    conn = connect(path)
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for i in range(accounts):
        tier, rank = TIERS[i % len(TIERS)]
        rows.append(
            (f"acc-{i:06d}", f"Bench Account {i:06d}", f"CRM-{i:06d}", 1000.0 * (i % 500),
             1000.0 * (i % 500), tier, rank, MOTIONS[i % 4], 20 + i % 200, stamp if i % 3 else None,
             stamp, stamp)
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "sales_motion, stage, segment, industry, seats, last_touch_at, created_at, updated_at, "
        "version, tier_override_note) VALUES (?, ?, ?, 'USD', ?, ?, ?, ?, ?, 'adoption', '', '', "
        "?, ?, ?, ?, 0, '')",
        rows,
    )
    conn.commit()
    return conn
