"""Command-language budgets: a filter over 100k accounts from the shell, whole process.

    python bench/commands.py [--size 100000] [--runs 9]

Prints, as medians over `--runs` runs (after one warm-up run), the wall time of
`csm-tui run 'filter tier:strategic health:<60'` as a fresh process (interpreter start,
imports, cache open, query, printing every matching row to a pipe), the same with
`--format json`, a bare interpreter start (`python -c pass`) and their difference: what
`run` costs beyond starting Python. Budget (issue 5): < 300 ms beyond interpreter start.
Then the coverage report from the shell (`csm-tui run coverage`) when the coverage work is
part of the build (budget: < 1 s for 100k accounts / 1M activities).

The demo book is built once into bench/out/book-<size>.sqlite3 (shared with
bench/portfolio.py) and reused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's csm_tui, not an installed one
OUT = ROOT / "bench" / "out"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
FILTER = "filter tier:strategic health:<60"
BUDGET_MS = 300


def book(size: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"book-{size}.sqlite3"
    if not path.exists():
        from csm_tui.store.demo import build_demo_book

        print(f"building a {size:,}-account demo book in {path} …", file=sys.stderr)
        build_demo_book(path, accounts=size, seed=7, now=NOW)
    return path


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, exit code, bytes written to stdout) of one fresh process."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
    return seconds, done.returncode, len(done.stdout)


def median_ms(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, int]:
    timed(argv, env)  # warm the page cache and the .pyc files
    samples = []
    size = 0
    for _ in range(runs):
        seconds, code, size = timed(argv, env)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code})")
        samples.append(seconds * 1000)
    return statistics.median(samples), min(samples), size


def palette(db: Path) -> None:
    """What the palette's account area does per keystroke over the book: the SQL prefilter
    (name index, then a LIKE scan) and the fuzzy scoring of what it found."""
    from textual.fuzzy import Matcher

    from csm_tui.store.cache import connect
    from csm_tui.store.lookup import account_candidates
    from csm_tui.ui.palette import CANDIDATES

    conn = connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM accounts ORDER BY rowid LIMIT 3")]
    queries = ["a", "ea", "eagl", "lionw", names[0][:6], names[1][:3], "zqxv", "open strat"]
    print(f"palette, account area ({CANDIDATES} candidates scored), per keystroke:")
    for query in queries:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            found = account_candidates(conn, query.removeprefix("open "), limit=CANDIDATES)
            matcher = Matcher(query)
            scores = [matcher.match(f"account: open {n.name}") for n in found]
            samples.append((time.perf_counter() - start) * 1000)
        hits = sum(1 for s in scores if s > 0)
        print(f"  {query!r:16} {statistics.median(samples):6.1f} ms  {hits} hits")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    db = book(args.size)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CSM_TUI_NOW": NOW.isoformat(),
           "CSM_TUI_CONFIG": str(OUT / "no-config.toml")}  # fmt: skip
    py = sys.executable
    run = [py, "-m", "csm_tui", "--db", str(db), "run"]
    bare, bare_min, _ = median_ms([py, "-c", "pass"], env, args.runs)
    rows = subprocess.run([*run, "--format", "json", FILTER], cwd=ROOT, env=env,
                          capture_output=True, check=True).stdout  # fmt: skip
    import json

    total = json.loads(rows)["total"]
    print(f"book: {args.size:,} accounts ({db.name}); {FILTER!r} selects {total:,}")
    print(f"{'':34} {'median':>8} {'min':>8} {'beyond start':>13}")
    print(f"{'python -c pass':34} {bare:>6.0f}ms {bare_min:>6.0f}ms")
    for label, extra in (("run (table)", []), ("run --format json", ["--format", "json"]),
                         ("run --format csv", ["--format", "csv"])):  # fmt: skip
        med, low, size = median_ms([*run, *extra, FILTER], env, args.runs)
        verdict = "ok" if med - bare < BUDGET_MS else "OVER BUDGET"
        print(f"{label:34} {med:>6.0f}ms {low:>6.0f}ms {med - bare:>11.0f}ms  "
              f"{size / 1e6:.1f} MB out  {verdict} (< {BUDGET_MS} ms)")  # fmt: skip
    med, low, _ = median_ms([*run, f"{FILTER} --limit 20"], env, args.runs)
    print(f"{'run (--limit 20)':34} {med:>6.0f}ms {low:>6.0f}ms {med - bare:>11.0f}ms")
    palette(db)
    try:
        import csm_tui.store.coverage  # noqa: F401
    except ImportError:
        print("coverage: not part of this build; skipped")
        return
    med, low, _ = median_ms([*run, "coverage"], env, max(3, args.runs // 3))
    print(f"{'run coverage':34} {med:>6.0f}ms {low:>6.0f}ms {med - bare:>11.0f}ms  "
          f"(budget: the report < 1 s)")  # fmt: skip


if __name__ == "__main__":
    main()
