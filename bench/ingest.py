"""A data pipeline's signal batches against a local central API: items/s for new, unchanged
and replaced items.

    python bench/ingest.py [--accounts 500] [--batches 4] [--batch-size 5000]
        [--database sqlite:///PATH | postgresql+psycopg://postgres@127.0.0.1:5432/test]

Sets up an admin, a CSM with `--accounts` accounts and an ingest user (through the admin
functions and the API), starts `csm-tui serve` in a subprocess on 127.0.0.1, then POSTs
`--batches` batches of `--batch-size` usage weeks to /signals/usage_week three times:

- new items (every one "created": a row and a version each);
- the same batches again (every one "unchanged": nothing written, no version);
- the same ids with new counts (every one "replaced": a new version each).

Prints items/s of each round and the server's peak RSS. SQLite by default (a temporary
file). A PostgreSQL URL must name an empty schema (its tables are created, not dropped).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_MONDAY = date(2024, 1, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, port: int) -> subprocess.Popen:
    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "csm_tui", "serve", "--database", database_url, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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


def setup(database_url: str) -> tuple[str, str]:
    """An ingest token and a CSM token (tables created here)."""
    from csm_tui.server import admin
    from csm_tui.server.database import migrate_database, open_database

    migrate_database(database_url)
    db = open_database(database_url)
    try:
        team = admin.create_team(db, f"bench-{os.getpid()}")
        csm = admin.create_user(db, f"bench-csm-{os.getpid()}", "csm", team.id)
        pipeline = admin.create_user(db, f"bench-pipeline-{os.getpid()}", "ingest")
        return admin.issue_token(db, pipeline.id), admin.issue_token(db, csm.id)
    finally:
        db.dispose()


def make_accounts(http, token: str, count: int) -> list[str]:
    from csm_tui import protocol as p
    from csm_tui.protocol import new_uuid7

    ids = [new_uuid7() for _ in range(count)]
    for start in range(0, count, p.PUSH_MAX_MUTATIONS):
        mutations = [
            {
                "mutation_id": new_uuid7(),
                "kind": p.KIND_ACCOUNT,
                "op": p.OP_UPSERT,
                "id": account_id,
                "fields": {"name": f"Bench {start + n}"},
            }
            for n, account_id in enumerate(ids[start : start + p.PUSH_MAX_MUTATIONS])
        ]
        response = http.post(
            p.PUSH_PATH,
            json={"client_id": "bench", "mutations": mutations},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
    return ids


def batches(accounts: list[str], count: int, size: int, bump: int) -> list[list[dict]]:
    """`count` batches of `size` usage weeks, spread over the accounts week by week."""
    out = []
    n = 0
    for _ in range(count):
        batch = []
        for _ in range(size):
            account_id = accounts[n % len(accounts)]
            week = FIRST_MONDAY + timedelta(weeks=n // len(accounts))
            batch.append(
                {
                    "id": f"bench:{account_id}-{week.isoformat()}",
                    "account_id": account_id,
                    "week_start": week.isoformat(),
                    "active_users": 20 + n % 17,
                    "seats": 40,
                    "opportunities": n % 13 + bump,
                    "leads": n % 101,
                    "public_pool": n % 31,
                    "contacts": n % 47,
                    "messages": n % 211,
                    "sessions": n % 97,
                    "session_minutes": (n % 500) * 1.5,
                    "source": "bench",
                }
            )
            n += 1
        out.append(batch)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    import httpx

    from csm_tui import protocol as p

    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database or f"sqlite:///{Path(tmp) / 'central.sqlite3'}"
        ingest_token, csm_token = setup(database_url)
        port = free_port()
        server = start_server(database_url, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
                accounts = make_accounts(http, csm_token, args.accounts)
                path = p.SIGNALS_PATH.format(kind=p.KIND_USAGE_WEEK)
                headers = {"Authorization": f"Bearer {ingest_token}"}
                rounds = (
                    ("new", batches(accounts, args.batches, args.batch_size, 0), "created"),
                    (
                        "same again",
                        batches(accounts, args.batches, args.batch_size, 0),
                        "unchanged",
                    ),
                    ("changed", batches(accounts, args.batches, args.batch_size, 1), "replaced"),
                )
                total = args.batches * args.batch_size
                print(
                    f"{args.batches} batches of {args.batch_size:,} usage weeks over "
                    f"{args.accounts:,} accounts ({database_url.split(':')[0]})"
                )
                for label, round_batches, outcome in rounds:
                    started = time.perf_counter()
                    counted = 0
                    for batch in round_batches:
                        response = http.post(path, json={"items": batch}, headers=headers)
                        response.raise_for_status()
                        answer = response.json()
                        assert not answer["rejected"], answer["rejected"][:3]
                        counted += answer[outcome]
                    elapsed = time.perf_counter() - started
                    assert counted == total, (label, counted, total)
                    print(
                        f"  {label:<11} {total:>7,} items in {elapsed:6.2f} s = "
                        f"{total / elapsed:>8,.0f} items/s (all {outcome})"
                    )
                print(f"  server peak RSS {peak_rss_mb(server.pid):.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
