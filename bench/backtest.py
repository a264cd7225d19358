"""Health back-test over a 100k-account book: median seconds of `load_backtest`, 5 runs.

    python bench/backtest.py [--runs 5] [--accounts 100000] [--rebuild]

The book is built once into bench/out/ (gitignored) by plain inserts: N accounts over the
five tiers and four sales motions, a health snapshot every 30 days for 18 months each
(N × 18 rows, like the demo book), and one renewal decision per account in the last 12
months (its ARR event: about 1 in 5 churned, 1 in 10 renewed down). Each run opens a
fresh connection, as the Coverage screen's worker does, and runs the whole back-test: the one query
(decision, tier that day, snapshot N days before), then the bands, the AUCs per tier and
per motion. Budget (issue 9): < 1 s for 100k accounts. Also timed: the same with health
weights from the settings (every snapshot re-weighted).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csm_tui.domain.backtest import weights_from_mapping  # noqa: E402
from csm_tui.domain.tiers import TIER_ORDER, TierRules  # noqa: E402
from csm_tui.store.backtest import load_backtest  # noqa: E402
from csm_tui.store.cache import connect  # noqa: E402
from csm_tui.store.migrations import HEAD  # noqa: E402

TODAY = date(2026, 11, 22)
OUT = ROOT / "bench" / "out"
MOTIONS = ("short-direct", "long-direct", "short-channel", "long-channel")
ARR_BY_TIER = (150_000, 50_000, 10_000, 3_000, 500)
WEIGHTS = {"strategic": {"usage": 20, "engagement": 30}}


def build(path: Path, n: int) -> None:
    path.unlink(missing_ok=True)
    conn = connect(path)
    rng = random.Random(9)
    stamp = "2024-01-01 00:00:00.000000"
    accounts, snaps, decisions = [], [], []
    for i in range(n):
        aid = f"acct-{i:06d}"
        tier_i = rng.randrange(5)
        arr = ARR_BY_TIER[tier_i] * (0.8 + rng.random() * 0.4)
        tier = TIER_ORDER[tier_i]
        accounts.append((aid, f"Account {i}", arr, arr, tier.value, tier.rank,
                         MOTIONS[i % 4]))  # fmt: skip
        base = rng.randrange(15, 95)
        for k in range(18):
            day = TODAY - timedelta(days=30 * k)
            score = max(0, min(100, base + rng.randrange(-12, 13)))
            parts = (
                f'{{"usage": {score * 30 // 100}, "support": {score * 10 // 100}, '
                f'"engagement": {score * 20 // 100}, "outcome": {score * 15 // 100}, '
                f'"commercial": {score * 10 // 100}, "sentiment": {score * 15 // 100}}}'
            )
            snaps.append((f"s-{aid}-{k}", aid, day.isoformat(), score, parts))
        decided = TODAY - timedelta(days=rng.randrange(1, 360))
        churn_odds = 0.45 if base < 40 else (0.2 if base < 70 else 0.05)
        roll = rng.random()
        if roll < churn_odds:
            kind, after = "churn", 0.0
        elif roll < churn_odds + 0.1:
            kind, after = "renewal", arr * 0.8
        else:
            kind, after = "renewal", arr
        decisions.append((f"d-{aid}", aid, decided.isoformat(), kind, arr, after))
    with conn:
        conn.executemany(
            "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, "
            "tier_rank, sales_motion, stage, segment, industry, seats, created_at, updated_at, "
            f"version) VALUES (?, ?, '', 'USD', ?, ?, ?, ?, ?, 'adoption', '', '', 0, "
            f"'{stamp}', '{stamp}', 0)",
            accounts,
        )
        conn.executemany("INSERT INTO health_snapshots VALUES (?, ?, ?, ?, ?)", snaps)
        conn.executemany(  # each decision's ARR event (what store.backtest reads)
            "INSERT INTO arr_events (id, account_id, effective_on, kind, arr_before_usd, "
            f"arr_after_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, '{stamp}')",
            decisions,
        )
    conn.execute("PRAGMA user_version")
    conn.close()


def timed(path: Path, runs: int, weights, parallel: bool = False) -> tuple[float, float, object]:
    """Median wall and CPU seconds (CPU: what it takes on an idle core; the machine may
    be shared) and the last report."""
    rules = TierRules()
    seconds, cpu, report = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        conn = connect(path, readonly=True)
        report = load_backtest(conn, TODAY, rules, 90, weights, parallel=parallel)
        conn.close()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(seconds), statistics.median(cpu), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"backtest-events-{args.accounts}-v{HEAD}.sqlite3"
    if args.rebuild or not path.exists():
        start = time.perf_counter()
        build(path, args.accounts)
        print(
            f"built {args.accounts:,} accounts in {time.perf_counter() - start:.1f} s", flush=True
        )
    recorded, recorded_cpu, report = timed(path, args.runs, None)
    two, two_cpu, _ = timed(path, args.runs, None, parallel=True)
    reweighed, reweighed_cpu, again = timed(path, args.runs, weights_from_mapping(WEIGHTS))
    all_ = report.overall
    print(
        f"{all_.decisions:,} decisions ({all_.scored:,} scored, {all_.churned:,} churned) · "
        f"AUC {all_.auc:.3f} · churned ARR red/yellow {all_.churned_arr_warned:.1%}"
    )
    print(
        f"back-test, scores as recorded: median {recorded:.3f} s "
        f"(CPU {recorded_cpu:.3f} s) over {args.runs} runs"
    )
    print(
        f"back-test, scores as recorded, two connections in parallel: median {two:.3f} s "
        f"(CPU {two_cpu:.3f} s)"
    )
    print(
        f"back-test, re-weighted by the settings: median {reweighed:.3f} s "
        f"(CPU {reweighed_cpu:.3f} s; AUC {again.overall.auc:.3f} vs "
        f"{again.recorded_auc:.3f} as recorded)"
    )
    verdict = "within" if max(recorded, reweighed) < 1.0 else "OVER"
    print(f"budget < 1 s for {args.accounts:,} accounts: {verdict}")


if __name__ == "__main__":
    main()
