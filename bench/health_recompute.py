"""Time recomputing health for a whole book from raw signals (budget < 10 s for 100k).

    python bench/health_recompute.py [--accounts 100000]

Builds a bare book of `--accounts` accounts with, each: 8 weeks of product usage (the
4-week window and the same weeks a quarter earlier), 2 support tickets, 2 survey answers
and 3 invoices — written with bulk SQL, not timed. Then times `recompute_accounts` over
the whole book (read every signal, derive, score, store the scores and today's
snapshot), twice: the second run replaces the day's snapshots (one per account per day).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._signal_book import bare_book  # noqa: E402
from csm_tui.store.health_recompute import recompute_accounts  # noqa: E402

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def fill(conn, accounts: int) -> int:
    rng = random.Random(7)
    window = [date(2026, 10, 19) + timedelta(days=7 * i) for i in range(4)]
    weeks = [w - timedelta(days=91) for w in window] + window
    usage, tickets, surveys, invoices = [], [], [], []
    for i in range(accounts):
        aid = f"acc-{i:06d}"
        for w in weeks:
            wau = rng.randrange(1, 200)
            counts = (wau, wau + 20, wau * 3, wau * 9, wau * 4, wau * 2, wau * 15, wau * 3)
            usage.append((f"mp:{aid}:{w}", aid, w.isoformat(), *counts, wau * 54.0, "mixpanel"))
        for t in range(2):
            opened = NOW - timedelta(days=rng.randrange(1, 120))
            closed = None if t else opened + timedelta(hours=rng.randrange(1, 90))
            tickets.append((f"zd:{aid}:{t}", aid, opened.strftime("%Y-%m-%d %H:%M:%S.%f"),
                            None if closed is None else closed.strftime("%Y-%m-%d %H:%M:%S.%f"),
                            "normal", rng.randrange(5, 900), "zendesk"))  # fmt: skip
        for s in range(2):
            day = (NOW.date() - timedelta(days=rng.randrange(1, 200))).isoformat()
            surveys.append((f"dl:{aid}:{s}", aid, f"c{s}@x.example", "nps" if s else "csat",
                            rng.randrange(1, 6), day, "fine", "delighted"))  # fmt: skip
        for n in range(3):
            issued = NOW.date() - timedelta(days=30 * n + 5)
            paid = None if n == 0 and i % 7 == 0 else issued + timedelta(days=10)
            invoices.append((f"st:{aid}:{n}", aid, issued.isoformat(),
                             (issued + timedelta(days=30)).isoformat(), 100.0, "USD",
                             None if paid is None else paid.isoformat(), "stripe"))  # fmt: skip
    conn.executemany(f"INSERT INTO usage_weeks VALUES ({', '.join('?' * 13)}, 0)", usage)
    conn.executemany(f"INSERT INTO support_tickets VALUES ({', '.join('?' * 7)}, 0)", tickets)
    conn.executemany(f"INSERT INTO survey_responses VALUES ({', '.join('?' * 8)}, 0)", surveys)
    conn.executemany(f"INSERT INTO invoices VALUES ({', '.join('?' * 8)}, 0)", invoices)
    conn.commit()
    return len(usage) + len(tickets) + len(surveys) + len(invoices)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csm-health-bench-") as tmp:
        conn = bare_book(Path(tmp) / "book.sqlite3", args.accounts, NOW)
        records = fill(conn, args.accounts)
        print(f"{args.accounts:,} accounts, {records:,} signal records")
        for label in ("recompute", "recompute again (same day)"):
            start, cpu = time.perf_counter(), time.process_time()
            scored = recompute_accounts(conn, NOW)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"  {label:<28} {seconds:>6.2f} s wall {cpu:>6.2f} s CPU  {scored:,} scored "
                  f"(budget < 10 s for 100k)")  # fmt: skip
        snaps = conn.execute("SELECT count(*) FROM health_snapshots").fetchone()[0]
        print(f"  snapshots kept: {snaps:,} (one per account for the day)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS {peak:,.0f} MiB")
        conn.close()


if __name__ == "__main__":
    main()
