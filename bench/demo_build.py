"""Time `build_demo_book` for 1k / 10k / 100k accounts and report the file size.

    python bench/demo_build.py [1000 10000 100000]

Each size is built once into a temporary directory (removed afterwards), with a fixed
`now` and seed, so runs are comparable. Budget (issue 2): 100k accounts under 60 s.
Besides wall time, the CPU time of the builder and of its writer process (books of
5,000+ accounts) is shown: on a shared machine it is the steadier figure, and the two
run side by side on two cores (wall ≈ the larger of the two when the machine is idle).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.demo import build_demo_book

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the book's writer)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(sizes: list[int]) -> None:
    print(f"{'accounts':>9} {'seconds':>8} {'CPU':>6} {'writer':>6} {'MB':>7} {'rows':>10}  "
          "rows per table")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="csm-demo-bench-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"book-{n}.db"
            start, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
            summary = build_demo_book(path, n, 7, now=NOW)
            seconds = time.perf_counter() - start
            cpu, child = time.process_time() - cpu, _children_cpu() - child
            size = sum(p.stat().st_size for p in Path(tmp).glob(f"book-{n}.db*")) / 1e6
            rows = sum(summary.rows.values())
            detail = ", ".join(f"{k} {v:,}" for k, v in summary.rows.items())
            print(f"{n:>9,} {seconds:>8.1f} {cpu:>6.1f} {child:>6.1f} {size:>7.0f} {rows:>10,}  "
                  f"{detail}", flush=True)  # fmt: skip
            path.unlink()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: builder {peak:.0f} MB, writer process {child:.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
