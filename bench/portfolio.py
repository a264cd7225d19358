"""Portfolio budgets: cold start to first painted portfolio, filter keystroke, peak RSS.

    python bench/portfolio.py [--sizes 1000,10000,100000] [--runs 5]

For each book size it prints, as medians:
- cold start → first painted portfolio, whole process (interpreter start, imports, cache
  open, first frame), headless at 160×48; and the same in a real terminal (tmux), polled
  every 5 ms;
- a filter keystroke → repaint (in-process, Pilot), over several typed filters;
- peak RSS of the process.
Beside them, the floor: a bare Textual app showing an empty DataTable, measured the same way.
Budgets (issue 2): 100k painted < 1.0 s, keystroke < 50 ms, < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

# The child: run the app headless and exit as soon as the first body row is painted.
CHILD_APP = r"""
import sys
from csm_tui.domain.clock import FixedClock, parse_instant
from csm_tui.ui.app import make_app
from csm_tui.ui.widgets import portfolio_table
from csm_tui.workspace import Workspace
from pathlib import Path

ws = Workspace(db_path=Path(sys.argv[1]), clock=FixedClock(parse_instant(sys.argv[2])))
app = make_app(ws, start="portfolio")
original = portfolio_table.PortfolioTable.render_line
done = False

def render_line(self, y):
    global done
    strip = original(self, y)
    if y > 0 and not done and self.row_count:
        done = True
        app.call_later(app.exit)
    return strip

portfolio_table.PortfolioTable.render_line = render_line
app.run(headless=True, size=(160, 48))
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""

CHILD_FLOOR = r"""
from textual.app import App
from textual.widgets import DataTable, Footer

class Floor(App):
    def compose(self):
        yield DataTable()
        yield Footer()
    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Account", "Tier", "Health", "ARR", "Stage", "Renewal", "Touch")
        self.call_after_refresh(self.exit)

Floor().run(headless=True, size=(160, 48))
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def run_child(code: str, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one whole child process.

    The peak is the child's own VmHWM, printed as it exits: `ru_maxrss` would carry this
    (large) bench process's high-water mark into every forked child.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {proc.stderr[-2000:]}")
    hwm = next(line for line in proc.stdout.splitlines() if line.startswith("VmHWM"))
    return elapsed, int(hwm.split()[1]) / 1024


def tmux_first_paint(argv: list[str], marker: str) -> float:
    """Seconds from spawning the command in a 160×48 tmux pane to `marker` on screen."""
    if shutil.which("tmux") is None:
        return float("nan")
    sock = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    conf = OUT / "tmux.conf"
    conf.write_text("set -g default-size 160x48\nset -g status off\n")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    tmux = ["tmux", "-L", sock, "-f", str(conf)]
    command = " ".join(argv)
    start = time.perf_counter()
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "160", "-y", "48", command], env=env, check=True
    )
    try:
        deadline = start + 30
        while time.perf_counter() < deadline:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], env=env, capture_output=True, text=True
            ).stdout
            if marker in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        return float("nan")
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)


FILTERS = (
    "acme",
    "tier:strategic",
    "health:<60",
    "renewal:<90d",
    "云图",
    "is:overdue",
    "stage:onboarding owner:me",
)


def key_name(ch: str) -> str:
    return {" ": "space", ":": "colon", "<": "less_than_sign"}.get(ch, ch)


async def keystrokes(db: Path | None) -> tuple[list[float], list[float]]:
    """Per filter keystroke, in ms: (a) the app's own work — parse, query, and painting every
    visible line of the table — timed around the handler; (b) the Pilot round trip (key
    event → handled → screen idle). With db=None, (b) for a bare Input app: Pilot's floor."""
    sys.path.insert(0, str(ROOT))
    from textual.app import App
    from textual.widgets import Input

    own: list[float] = []
    trip: list[float] = []
    if db is None:

        class Bare(App):
            def compose(self):
                yield Input()

        app = Bare()
    else:
        from csm_tui.domain.clock import FixedClock
        from csm_tui.ui.app import make_app
        from csm_tui.ui.widgets.portfolio_table import PortfolioTable
        from csm_tui.workspace import Workspace

        ws = Workspace(db_path=db, clock=FixedClock(NOW))
        app = make_app(ws, start="portfolio")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for text in FILTERS:
            if db is not None:
                await pilot.press("slash")
                screen = app.screen
                table = screen.query_one(PortfolioTable)
                for i in range(1, len(text) + 1):
                    start = time.perf_counter()
                    screen._apply_filter(text[:i])
                    for y in range(table.size.height):
                        table.render_line(y)
                    own.append((time.perf_counter() - start) * 1000)
                screen._apply_filter("")
            for ch in text:
                start = time.perf_counter()
                await pilot.press(key_name(ch))
                await pilot.pause()
                trip.append((time.perf_counter() - start) * 1000)
            await pilot.press("escape")
            await pilot.pause()
    if db is not None:
        ws.close()
    return own, trip


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def book(size: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"book-{size}.sqlite3"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from csm_tui.store.demo import build_demo_book

        start = time.perf_counter()
        build_demo_book(path, accounts=size, seed=7, now=NOW)
        print(f"  (built the {size:,}-account demo book in {time.perf_counter() - start:.1f} s)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)

    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"medians of {args.runs} runs\n"
    )
    floor = [run_child(CHILD_FLOOR) for _ in range(args.runs)]
    floor_tmux = [
        tmux_first_paint([sys.executable, "-c", repr_cmd(CHILD_FLOOR_TTY)], "Touch")
        for _ in range(args.runs)
    ]
    _, floor_trip = asyncio.run(keystrokes(None))
    print(
        f"{'book':>9}  {'first paint':>11}  {'in tmux':>7}  {'keystroke (app)':>20}  "
        f"{'Pilot round trip':>16}  {'peak RSS':>8}"
    )
    print(
        f"{'floor':>9}  {med(floor, 0):>9.3f} s  {statistics.median(floor_tmux):>5.3f} s  "
        f"{'—':>20}  {statistics.median(floor_trip):>13.1f} ms  {med(floor, 1):>5.0f} MB"
    )
    for size in sizes:
        db = book(size)
        paint = [run_child(CHILD_APP, str(db), NOW.isoformat()) for _ in range(args.runs)]
        in_tmux = [
            tmux_first_paint(
                [
                    sys.executable,
                    "-m",
                    "csm_tui",
                    "--db",
                    str(db),
                    "--now",
                    NOW.isoformat(),
                    "--start",
                    "portfolio",
                ],
                "Last touch",
            )
            for _ in range(args.runs)
        ]
        own, trip = asyncio.run(keystrokes(db))
        print(
            f"{size:>9,}  {med(paint, 0):>9.3f} s  {statistics.median(in_tmux):>5.3f} s  "
            f"{statistics.median(own):>6.1f} ms (p95 {p95(own):>5.1f})  "
            f"{statistics.median(trip):>13.1f} ms  {med(paint, 1):>5.0f} MB"
        )
    print(
        "\nkeystroke (app): parse + count + window query + painting all 48 lines, timed in "
        "the handler;\nPilot round trip: key event to idle screen, whose floor is Pilot's own "
        "cost on a bare Input."
    )
    print("\nbudgets at 100k: first paint < 1.0 s, keystroke < 50 ms, peak RSS < 300 MB")


CHILD_FLOOR_TTY = CHILD_FLOOR.replace(
    "Floor().run(headless=True, size=(160, 48))", "Floor().run()"
).replace("self.call_after_refresh(self.exit)", "pass")


def repr_cmd(code: str) -> str:
    import shlex

    return shlex.quote(code)


def med(samples: list[tuple[float, float]], index: int) -> float:
    return statistics.median(s[index] for s in samples)


if __name__ == "__main__":
    main()
