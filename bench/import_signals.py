"""Time importing weekly product usage: rows per second (budget ≥ 100,000 rows/s).

    python bench/import_signals.py [--accounts 20000] [--weeks 52] [--book-share 0.1]

Builds a bare book of `--accounts` accounts, writes a Mixpanel-shaped weekly usage export
(`assets/import/mixpanel-usage.toml`: one row per account per week, every feature's
count, CRM ids) of accounts × weeks rows — 1,040,000 by default; the issue's full year
for 100k accounts is 5.2M — then times `import_signals` for: a dry run, the import
(every row created), and the same file again (every row unchanged, nothing written).
Health recompute after the import is timed apart (see bench/health_recompute.py).
CPU time (of both processes, when a big file is read by two) is shown beside wall time;
the budget is on wall time, what the user waits for.

`--book-share F`: the book holds only that share of the export's accounts, and the file is
imported with `skip_unknown_accounts` — a company-wide export into one team's book, where
most rows are left out (and counted) rather than refused.
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
from csm_tui.store.signal_import import import_signals, load_signal_mapping  # noqa: E402

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
HEADER = (
    "Week (UTC),Company ID,Company Name,Weekly Active Users,Licensed Seats,Opportunity Events,"
    "Lead Events,Public Pool Events,Contact Events,Messages Sent,Sessions,"
    "Avg Session Length (min)\n"
)


def write_usage(path: Path, accounts: int, weeks: int) -> int:
    rng = random.Random(7)
    first = date(2026, 11, 16) - timedelta(days=7 * (weeks - 1))
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for w in range(weeks):
            day = (first + timedelta(days=7 * w)).isoformat() + "T00:00:00"
            lines = []
            for i in range(accounts):
                wau = rng.randrange(1, 200)
                lines.append(
                    f"{day},CRM-{i:06d},Bench Account {i:06d},{wau},{wau + 20},{wau * 3},"
                    f"{wau * 9},{wau * 4},{wau * 2},{wau * 15},{wau * 3},{rng.random() * 30:.1f}\n"
                )
            out.write("".join(lines))
            rows += accounts
    return rows


def _cpu() -> float:
    """CPU seconds of this process and of the ended processes it started (a big file's
    second half is read by another process: csm_tui/store/signal_halves.py)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--book-share", type=float, default=1.0)
    args = parser.parse_args()
    in_book = max(1, round(args.accounts * args.book_share))
    skip = in_book < args.accounts
    mapping = load_signal_mapping("mixpanel-usage", "usage")
    with tempfile.TemporaryDirectory(prefix="csm-signal-bench-") as tmp:
        conn = bare_book(Path(tmp) / "book.sqlite3", in_book, NOW)
        csv_path = Path(tmp) / "usage.csv"
        rows = write_usage(csv_path, args.accounts, args.weeks)
        size = csv_path.stat().st_size / 1e6
        print(
            f"{rows:,} usage rows ({size:.0f} MB) for {args.accounts:,} accounts × "
            f"{args.weeks} weeks"
            + (f"; the book holds {in_book:,} of them (skip unknown accounts)" if skip else "")
        )
        for label, dry in (
            ("dry run", True),
            ("import (creates)", False),
            ("same file again", False),
        ):
            start, cpu = time.perf_counter(), _cpu()
            report = import_signals(conn, csv_path, mapping, "usage", now=NOW, dry_run=dry,
                                    skip_unknown_accounts=skip,
                                    recompute=lambda c, ids: 0)  # fmt: skip
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu
            assert report.ok, [str(e) for e in report.errors[:3]]
            print(
                f"  {label:<18} {seconds:>6.1f} s wall {cpu:>6.1f} s CPU  "
                f"{rows / seconds:>9,.0f} rows/s ({rows / cpu:,.0f} by CPU)   "
                f"created {report.created:,}, "
                f"unchanged {report.unchanged:,}"
                + (f", left out {report.unknown_rows:,}" if skip else "")
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS {peak:,.0f} MiB (this process)")
        conn.close()


if __name__ == "__main__":
    main()
