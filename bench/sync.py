"""Sync against a local central API: how fast a first sync, a small one and a push go.

    python bench/sync.py [--accounts 50000] [--activities-per-account 10] [--page-size 5000]

Seeds a SQLite server database directly (bulk inserts, in a helper process, not through the
API), starts `csm-tui serve` on it in a subprocess on 127.0.0.1, then times, from this
process as the client:

- the initial sync of the whole book (records/s; budget >= 20,000/s);
- an incremental sync of 1,000 changes made by another device (budget < 1 s);
- a push of 1,000 activities queued offline (budget < 5 s; the sync also pulls them back);
- the server's write throughput (5 pushes of 1,000 new activities, mutations/s);
- peak RSS of both sides (client: ru_maxrss of this process; server: VmHWM of its process).

The default run (50k accounts, 500k activities) takes about two minutes on 2 cores;
`--accounts` scales it down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STAGES = ("onboarding", "activation", "adoption", "renewal")
KINDS = ("call", "email", "meeting", "note")


# -- seeding (runs in a helper process) ------------------------------------------------------
def _wire(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def seed(database: Path, accounts: int, per_account: int) -> dict:
    """Create one CSM's book of `accounts` accounts and `per_account` activities each."""
    from csm_tui.protocol import new_uuid7
    from csm_tui.server import admin
    from csm_tui.server.database import migrate_database, open_database
    from csm_tui.store import models
    from csm_tui.store.timestamps import to_db

    migrate_database(f"sqlite:///{database}")
    db = open_database(f"sqlite:///{database}")
    team = admin.create_team(db, "bench")
    user = admin.create_user(db, "bench-csm", "csm", team.id)
    token = admin.issue_token(db, user.id)
    other_token = admin.issue_token(db, user.id)
    db.dispose()

    conn = sqlite3.connect(database)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    version = conn.execute("SELECT value FROM sync_counter").fetchone()[0]
    account_cols = [c.name for c in models.Account.__table__.columns]
    activity_cols = [c.name for c in models.Activity.__table__.columns]
    rv_rows: list[tuple] = []
    account_rows: list[tuple] = []
    activity_rows: list[tuple] = []
    dumps = json.dumps
    account_ids = []

    def flush() -> None:
        for table, cols, rows in (
            ("accounts", account_cols, account_rows),
            ("activities", activity_cols, activity_rows),
        ):
            if rows:
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' for _ in cols)})",
                    rows,
                )
                rows.clear()
        conn.executemany(
            "INSERT INTO record_versions (kind, record_id, version, account_id, team_id, "
            "deleted, record_json) VALUES (?, ?, ?, ?, NULL, 0, ?)",
            rv_rows,
        )
        rv_rows.clear()

    for i in range(accounts):
        version += 1
        account_id = new_uuid7()
        account_ids.append(account_id)
        arr = 5_000.0 + (i * 7919) % 400_000
        row = {
            "id": account_id,
            "name": f"Account {i:06d}",
            "currency": "USD",
            "arr": arr,
            "arr_usd": arr,
            "tier": "growth",
            "tier_rank": 2,
            "tier_override": None,
            "tier_override_reason": None,
            "tier_override_note": "",
            "sales_motion": "short-direct",
            "stage": STAGES[i % 4],
            "segment": "EMEA",
            "industry": "Software",
            "seats": 10 + i % 500,
            "go_live_date": "2025-06-01",
            "activated_on": None,
            "renewal_date": "2026-12-31",
            "owner_id": user.id,
            "health_score": 40 + i % 60,
            "health_score_30d": 50,
            "last_touch_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "version": version,
            "deleted_at": None,
            "external_id": "",
            "is_reference": False,
        }
        account_rows.append(
            tuple(to_db(row[c]) if isinstance(row[c], datetime) else row[c] for c in account_cols)
        )
        rv_rows.append(
            (
                "account",
                account_id,
                version,
                account_id,
                dumps({c: _wire(row[c]) for c in account_cols}),
            )
        )
    for i in range(accounts * per_account):
        version += 1
        account_id = account_ids[i % accounts]
        activity_id = new_uuid7()
        when = NOW - timedelta(minutes=i)
        row = {
            "id": activity_id,
            "account_id": account_id,
            "kind": KINDS[i % 4],
            "occurred_at": when,
            "minutes": 15 + i % 45,
            "summary": f"Talked about the roll-out, step {i % 97}; next: training",
            "next_steps": "send the deck",
            "sentiment": "positive",
            "contact_ids": "[]",
            "author_id": user.id,
            "created_at": when,
            "deleted_at": None,
        }
        activity_rows.append(
            tuple(to_db(row[c]) if isinstance(row[c], datetime) else row[c] for c in activity_cols)
        )
        rv_rows.append(
            (
                "activity",
                activity_id,
                version,
                account_id,
                dumps(
                    {c: _wire(row[c]) for c in activity_cols},
                    ensure_ascii=False,
                    separators=(",", ":"),
                ),
            )
        )
        if len(activity_rows) >= 50_000:
            flush()
    flush()
    conn.execute("UPDATE sync_counter SET value = ?", (version,))
    conn.commit()
    conn.close()
    return {
        "token": token,
        "other_token": other_token,
        "user_id": user.id,
        "account_ids": account_ids[:1000],
        "records": accounts * (1 + per_account),
    }


# -- the server ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "csm_tui",
            "serve",
            "--database",
            f"sqlite:///{database}",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise SystemExit("the server did not start")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not answer /health within 60 s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the client ------------------------------------------------------------------------------
def activity_mutation(account_id: str, n: int) -> dict:
    from csm_tui.protocol import new_uuid7

    return {
        "mutation_id": new_uuid7(),
        "kind": "activity",
        "op": "upsert",
        "id": new_uuid7(),
        "fields": {
            "account_id": account_id,
            "kind": "call",
            "summary": f"bench call {n}",
            "occurred_at": NOW.isoformat(),
            "minutes": 20,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--activities-per-account", type=int, default=10)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        print(json.dumps(seed(args.seed_into, args.accounts, args.activities_per_account)))
        return 0

    from csm_tui.protocol import new_uuid7
    from csm_tui.store import outbox
    from csm_tui.store.cache import connect
    from csm_tui.store.timestamps import to_db
    from csm_tui.sync.client import SyncClient
    from csm_tui.sync.engine import client_id_of, sync_once

    results: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="csm-sync-bench-") as tmp:
        tmpdir = Path(tmp)
        database = tmpdir / "central.sqlite3"
        total = args.accounts * (1 + args.activities_per_account)
        print(
            f"seeding the server: {args.accounts:,} accounts, "
            f"{args.accounts * args.activities_per_account:,} activities …",
            file=sys.stderr,
        )
        started = time.perf_counter()
        seeded = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--seed-into",
                    str(database),
                    "--accounts",
                    str(args.accounts),
                    "--activities-per-account",
                    str(args.activities_per_account),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        print(f"  seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

        port = free_port()
        server = start_server(database, port)
        base = f"http://127.0.0.1:{port}"
        try:
            conn = connect(tmpdir / "cache.sqlite3")
            client = SyncClient(base, seeded["token"], timeout=120)
            client_id = client_id_of(conn)

            # 1. Initial sync.
            started = time.perf_counter()
            report = sync_once(conn, client, client_id=client_id, now=NOW, page_size=args.page_size)
            elapsed = time.perf_counter() - started
            assert report.ok, report.errors
            rate = report.pulled / elapsed
            results.append(
                (
                    f"initial sync: {report.pulled:,} records ({total:,} seeded + people)",
                    f"{elapsed:.1f} s, {rate:,.0f} records/s",
                    "ok" if rate >= 20_000 else "OVER BUDGET (>= 20,000/s)",
                )
            )

            # 2. Incremental sync of 1,000 changes made elsewhere.
            other = SyncClient(base, seeded["other_token"], timeout=120)
            ids = seeded["account_ids"]
            edits = [
                {
                    "mutation_id": new_uuid7(),
                    "kind": "account",
                    "op": "upsert",
                    "id": a,
                    "fields": {"segment": "APAC", "seats": 900},
                }
                for a in ids[:1000]
            ]
            answers = other.push(new_uuid7(), edits)
            changed = sum(a["status"] == "applied" for a in answers)
            started = time.perf_counter()
            report = sync_once(conn, client, client_id=client_id, now=NOW, page_size=args.page_size)
            elapsed = time.perf_counter() - started
            assert report.ok and report.pulled == changed, (report.pulled, changed)
            results.append(
                (
                    f"incremental sync of {changed:,} changes",
                    f"{elapsed * 1000:.0f} ms",
                    "ok" if elapsed < 1 else "OVER BUDGET (< 1 s)",
                )
            )

            # 3. A push of 1,000 activities queued offline.
            with conn:
                for n in range(1000):
                    activity_id = new_uuid7()
                    fields = {
                        "account_id": ids[n % len(ids)],
                        "kind": "call",
                        "occurred_at": NOW,
                        "minutes": 20,
                        "summary": f"offline {n}",
                    }
                    conn.execute(
                        "INSERT INTO activities (id, account_id, kind, occurred_at, minutes, "
                        "summary, next_steps, sentiment, contact_ids, author_id, created_at) "
                        "VALUES (?, ?, 'call', ?, 20, ?, '', 'neutral', '[]', ?, ?)",
                        (
                            activity_id,
                            fields["account_id"],
                            to_db(NOW),
                            fields["summary"],
                            seeded["user_id"],
                            to_db(NOW),
                        ),
                    )
                    outbox.enqueue(conn, "activity", "upsert", activity_id, fields, now=NOW)
            started = time.perf_counter()
            report = sync_once(conn, client, client_id=client_id, now=NOW, page_size=args.page_size)
            elapsed = time.perf_counter() - started
            assert report.ok and report.applied == 1000, report.summary()
            results.append(
                (
                    "push of 1,000 queued activities (and their pull back)",
                    f"{elapsed * 1000:.0f} ms",
                    "ok" if elapsed < 5 else "OVER BUDGET (< 5 s)",
                )
            )

            # 4. Server write throughput.
            batches = [
                [activity_mutation(ids[(b * 1000 + n) % len(ids)], n) for n in range(1000)]
                for b in range(5)
            ]
            started = time.perf_counter()
            for batch in batches:
                other.push(new_uuid7(), batch)
            elapsed = time.perf_counter() - started
            results.append(
                (
                    "server writes (5 pushes x 1,000 new activities)",
                    f"{5000 / elapsed:,.0f} mutations/s",
                    "",
                )
            )

            server_rss = peak_rss_mb(server.pid)
            client.close()
            other.close()
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    client_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.append(("peak RSS", f"client {client_rss:.0f} MB, server {server_rss:.0f} MB", ""))

    width = max(len(r[0]) for r in results)
    print(
        f"csm-tui sync bench — {args.accounts:,} accounts, "
        f"{args.accounts * args.activities_per_account:,} activities, SQLite server, "
        f"page size {args.page_size:,}"
    )
    for what, figure, verdict in results:
        print(f"  {what:<{width}}  {figure:>32}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
