"""Time a CSV import of N accounts (default 10,000) into a demo book.

    python bench/import_csv.py [rows] [book accounts] [--after-coverage]

Builds a demo book (default 1,000 accounts) in a temporary directory, writes a
HubSpot-shaped CSV of `rows` companies (a third in CNY with Chinese names, US dates),
then times: a dry run, the import, the same file again (all unchanged), and a file
where every ARR changed (all updates). Each figure is the whole `import_csv` call:
read, decode, parse, check every row, match against the book, write, outbox entries.
CPU time is shown beside wall time: on a shared machine it is the steadier figure.
`--after-coverage`: the book showed Coverage first, so its accounts' ARR movements are on
record and every write that changes them marks the account (store/arr_movements.py);
the Coverage report after the imports is timed too.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.domain.tiers import TierRules
from csm_tui.store.cache import connect
from csm_tui.store.demo import build_demo_book
from csm_tui.store.importer import import_csv, load_mapping

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
HEADER = (
    "Record ID,Company name,Company owner,Lifecycle Stage,Annual recurring revenue,"
    "Renewal date,Go-live date,Industry,Country/Region,Licensed seats\n"
)
OWNERS = ("Sarah Mitchell", "Tom Becker", "Amara Okafor", "王芳", "li.wei@demo.csm-tui.example")


def write_csv(path: Path, rows: int, bump: float = 1.0) -> None:
    rng = random.Random(7)
    lines = [HEADER]
    for i in range(rows):
        cny = i % 3 == 0
        name = f"测试客户{i:05d}有限公司" if cny else f"Bench Account {i:05d} Ltd"
        amount = rng.randrange(500, 300_000) * bump
        money = f'"¥{amount * 7:,.0f}"' if cny else f'"${amount:,.2f}"'
        stage = "Lead" if i % 50 == 0 else "Customer"
        lines.append(
            f"{70_000_000 + i},{name},{OWNERS[i % len(OWNERS)]},{stage},{money},"
            f"{1 + i % 12}/{1 + i % 28}/2027,2025-0{1 + i % 9}-10,Software,"
            f"{'China' if cny else 'United Kingdom'},{i % 400}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def main(rows: int, book: int, after_coverage: bool = False) -> None:
    from csm_tui.store.coverage import load_coverage

    mapping = load_mapping("hubspot", "accounts")
    rules = TierRules()
    with tempfile.TemporaryDirectory(prefix="csm-import-bench-") as tmp:
        db = Path(tmp) / "book.sqlite3"
        build_demo_book(db, accounts=book, seed=7, now=NOW)
        conn = connect(db)
        first, bumped = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
        write_csv(first, rows)
        write_csv(bumped, rows, bump=1.1)
        size = first.stat().st_size / 1e6
        shown = ", which showed Coverage first" if after_coverage else ""
        print(f"{rows:,} rows ({size:.1f} MB) into a book of {book:,} accounts{shown}")
        if after_coverage:
            load_coverage(conn, NOW.date(), rules, parallel=False)
        for label, path, dry in (
            ("dry run", first, True),
            ("import (creates)", first, False),
            ("same file again", first, False),
            ("every ARR changed", bumped, False),
        ):
            start, cpu = time.perf_counter(), time.process_time()
            report = import_csv(conn, path, mapping, "accounts", now=NOW, rules=rules,
                                dry_run=dry)  # fmt: skip
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert report.ok, report.errors[:3]
            print(
                f"  {label:<18} {seconds * 1000:>6.0f} ms wall {cpu * 1000:>6.0f} ms CPU   "
                f"created {report.created:,}, "
                f"updated {report.updated:,}, unchanged {report.unchanged:,}, "
                f"skipped {report.skipped:,}, outbox +{report.outbox_entries:,}"
            )
        if after_coverage:
            start = time.perf_counter()
            load_coverage(conn, NOW.date(), rules, parallel=False)
            print(f"  Coverage after them {(time.perf_counter() - start) * 1000:>6.0f} ms wall")
        conn.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:] if a != "--after-coverage"]
    main(args[0] if args else 10_000, args[1] if len(args) > 1 else 1_000,
         "--after-coverage" in sys.argv)  # fmt: skip
