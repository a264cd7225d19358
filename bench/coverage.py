"""Coverage over demo books: median seconds of `load_coverage`, 5 runs per book.

    python bench/coverage.py [--runs 5] [--sizes 10000 100000] [--rebuild]

Query results are cached by data version (store/report_cache.py) and each account's ARR
movement over the period is kept on record (store/arr_movements.py), so five figures are
measured, interleaved in each run: `first` (both emptied: the first report on a book,
which works out every account's movement), `cold` (the report cache emptied: every query
runs, the movements are summed from the record), `next day` (the clock one day on: the
12 months moved, so every query runs and the accounts with an event near the period's
ends are worked out again — a team lead's first report of the day), `warm` (nothing
changed since the last report) and `logged` (one activity logged through `log_activity`
since the last report: the queries over accounts and activities re-run, the ARR movements
and NPS come from the cache).

Books are built once into bench/out/ (gitignored) and kept for the next run; a book built
by older code is migrated as csm-tui would (and rebuilt if that does not give this
code's schema). The 100k book's activities (~610k) are
padded to 1,000,000 by copying rows under new ids, so the 90-day activity scan and the
follow-up lookups see the spec's volume (issue 5: 100k accounts / 1M activities, < 1 s).
Each run opens a fresh connection, as the screen's worker does. Both the default (on two
cores or more: the movements, NPS and activity queries on one connection while the book
query runs on another) and the sequential path (`parallel=False`) are timed.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csm_tui.domain.coverage import CoverageRules  # noqa: E402
from csm_tui.domain.metrics import format_rate  # noqa: E402
from csm_tui.domain.tiers import TierRules  # noqa: E402
from csm_tui.store.cache import connect  # noqa: E402
from csm_tui.store.coverage import load_coverage  # noqa: E402
from csm_tui.store.demo import build_demo_book  # noqa: E402
from csm_tui.store.migrations import HEAD, migrate  # noqa: E402

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
OUT = ROOT / "bench" / "out"
TARGET_ACTIVITIES = {100_000: 1_000_000}


def _pad_activities(path: Path, target: int) -> None:
    conn = sqlite3.connect(path)
    have = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    copy = 0
    while have < target:
        copy += 1
        take = min(have, target - have)
        conn.execute(
            "INSERT INTO activities SELECT id || '-' || ?, account_id, kind, occurred_at,"
            " minutes, summary, next_steps, sentiment, contact_ids, author_id, created_at,"
            " deleted_at FROM activities WHERE id NOT LIKE '%-_' ORDER BY rowid LIMIT ?",
            (str(copy), take),
        )
        have += take
    conn.commit()
    conn.close()


def _schema(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(
        conn.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        )
    )


def _current(path: Path) -> bool:
    """Was the book built by this code's schema (same version, tables and indexes)?"""
    fresh = sqlite3.connect(":memory:")
    migrate(fresh)
    conn = sqlite3.connect(path)
    try:
        same = conn.execute("PRAGMA user_version").fetchone()[0] == HEAD
        return same and _schema(conn) == _schema(fresh)
    finally:
        conn.close()
        fresh.close()


def book(n: int, rebuild: bool) -> Path:
    path = OUT / f"coverage-{n}.db"
    if path.exists() and not rebuild:
        connect(path).close()  # an older schema is migrated, as csm-tui does on open
        if _current(path):
            return path
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    build_demo_book(path, n, 7, now=NOW, replace=True)
    built = time.perf_counter() - start
    if n in TARGET_ACTIVITIES:
        _pad_activities(path, TARGET_ACTIVITIES[n])
    print(f"built {n:,} accounts in {built:.1f} s → {path.relative_to(ROOT)}", flush=True)
    return path


def _report(path: Path, parallel: bool | None, days_on: int = 0) -> tuple[float, object]:
    start = time.perf_counter()
    conn = connect(path)
    report = load_coverage(conn, NOW.date() + timedelta(days=days_on), TierRules(),
                           CoverageRules(), parallel=parallel)  # fmt: skip
    conn.close()
    return time.perf_counter() - start, report


def _clear_cache(path: Path, movements: bool = False) -> None:
    """Empty the report cache (and the accounts' ARR movements on record)."""
    conn = connect(path)
    conn.execute("DELETE FROM report_cache")
    if movements:
        conn.execute("DELETE FROM account_movements_basis")
        conn.execute("DELETE FROM account_movements")
    conn.commit()
    conn.close()


def _log_one(path: Path, i: int) -> None:
    """One call logged by the account's owner, as the activity form saves it."""
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.records import ActivityKind
    from csm_tui.store.activity_log import log_activity

    conn = connect(path)
    account, owner = conn.execute(
        "SELECT id, owner_id FROM accounts WHERE owner_id IS NOT NULL AND deleted_at IS NULL "
        "ORDER BY id LIMIT 1 OFFSET ?",
        (i,),
    ).fetchone()
    draft = ActivityDraft(account, ActivityKind.CALL, NOW, 15, summary=f"bench call {i}")
    log_activity(conn, draft, owner, NOW, TierRules())
    conn.close()


def time_it(path: Path, runs: int, parallel: bool | None) -> tuple[dict[str, float], object]:
    """Median seconds of a first, a cold, a warm, an after-one-activity and a next-day
    report, interleaved."""
    times: dict[str, list[float]] = {k: [] for k in ("first", "cold", "warm", "logged", "day")}
    report = None
    for i in range(runs):
        _clear_cache(path, movements=True)
        times["first"].append(_report(path, parallel)[0])
        _clear_cache(path)
        took, report = _report(path, parallel)
        times["cold"].append(took)
        times["warm"].append(_report(path, parallel)[0])
        _log_one(path, i)
        times["logged"].append(_report(path, parallel)[0])
        times["day"].append(_report(path, parallel, days_on=1)[0])
    return {k: statistics.median(v) for k, v in times.items()}, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    print(f"{'accounts':>9} {'activities':>11} {'arr events':>11} {'first':>7} {'cold':>7} "
          f"{'next day':>8} {'warm':>7} {'logged':>7} {'cold seq.':>9} {'first seq.':>10}   "
          "GRR / NRR split, maturity")  # fmt: skip
    for n in args.sizes:
        path = book(n, args.rebuild)
        conn = sqlite3.connect(path)
        acts = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM arr_events").fetchone()[0]
        conn.close()
        default, report = time_it(path, args.runs, parallel=None)
        seq, _ = time_it(path, args.runs, parallel=False)
        m = report.metrics.overall
        print(
            f"{n:>9,} {acts:>11,} {events:>11,} {default['first']:>6.3f}s "
            f"{default['cold']:>6.3f}s {default['day']:>7.3f}s {default['warm']:>6.3f}s "
            f"{default['logged']:>6.3f}s {seq['cold']:>8.3f}s {seq['first']:>9.3f}s   "
            f"GRR {format_rate(m.grr)} / NRR {format_rate(m.nrr)} = "
            f"{format_rate(m.nrr_retention)} + {format_rate(m.nrr_expansion)}, "
            f"{report.maturity.level.label}",
            flush=True,
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"budget (issue 12): 100k accounts / 1M activities under 0.4 s; load average {load} "
        f"on {os.cpu_count()} cores (other work on the machine slows every figure)"
    )


if __name__ == "__main__":
    main()
