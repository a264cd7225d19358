"""Pressing `c`: the Coverage screen in a real terminal, cold and warm, against a bare app.

    python bench/coverage_screen.py [--runs 5] [--base DIR]

Opens the real `csm-tui` on the portfolio of the coverage bench's book (100k accounts,
1M activities: bench/coverage.py builds it into bench/out/), in a tmux pane of 160×48,
waits until it is quiet, presses `c` and times, from the key sent:
- the screen's first frame ("Coverage — computing…" on screen);
- the report shown ("every team" in its title).
Cold: the report cache emptied before the app starts (the app warms it only 3 s after
start-up: the key is pressed before). Warm: the app started again on the cache the cold
run filled. Interleaved with each, a bare Textual app whose `c` pushes a screen with a
table: the floor (tmux's round trip and Textual's screen switch are in both).
`--base DIR` also runs another checkout (a git worktree of the code before a change),
interleaved, on the same book or on `--base-book PATH` (a checkout before a schema change
cannot open a newer book: give it the one its own bench/coverage.py built). Prints
medians, and each one's ratio to the floor.
Budget (issue 12): the report under 0.4 s, the screen's first paint under 0.5 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coverage import book  # noqa: E402
from bench.first_paint import app_argv, compile_sources  # noqa: E402
from bench.keystroke import Pane  # noqa: E402

BARE = r"""
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

class Report(Screen):
    def compose(self):
        yield Static("Floor report")
        yield DataTable()
        yield Footer()

class Bare(App):
    BINDINGS = [("c", "report", "Report")]
    def compose(self):
        yield Static("Floor ready")
        yield Footer()
    def action_report(self):
        self.push_screen(Report())

Bare().run()
"""


def press(pane: Pane, key: str, markers: list[str]) -> list[float]:
    """Seconds from sending `key` to each marker on screen, in the order they come."""
    pane.settle()
    start = time.perf_counter()
    pane.send(key)
    seen = []
    for marker in markers:
        pane.wait_for(marker)
        seen.append(time.perf_counter() - start)
    return seen


def clear_reports(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM report_cache")
    conn.commit()
    conn.close()


def coverage_run(path: Path, pythonpath: Path | None) -> list[float]:
    pane = Pane(app_argv(path, "portfolio"), pythonpath)
    try:
        pane.wait_for(" accounts")
        return press(pane, "c", ["Coverage —", "every team"])
    finally:
        pane.close()


def floor_run() -> float:
    pane = Pane([sys.executable, "-c", BARE])
    try:
        pane.wait_for("Floor ready")
        return press(pane, "c", ["Floor report"])[0]
    finally:
        pane.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", type=Path, default=None, help="checkout to compare against")
    parser.add_argument(
        "--base-book", type=Path, default=None,
        help="the base's own book (older code cannot open a newer schema), e.g. the one "
        "its bench/coverage.py built: BASE/bench/out/coverage-100000.db",
    )  # fmt: skip
    args = parser.parse_args()
    path = book(100_000, rebuild=False)
    books = {"app": path, "base": (args.base_book or path).resolve()}
    compile_sources(ROOT)
    if args.base is not None:
        compile_sources(args.base)
    checkouts: dict[str, Path | None] = {"app": None}
    if args.base is not None:
        checkouts["base"] = args.base
    times: dict[str, list[float]] = {"floor": []}
    for _ in range(args.runs):  # interleaved: the machine's load falls on all alike
        for name, pythonpath in checkouts.items():
            times["floor"].append(floor_run())
            clear_reports(books[name])
            frame, shown = coverage_run(books[name], pythonpath)
            times.setdefault(f"{name} cold frame", []).append(frame)
            times.setdefault(f"{name} cold report", []).append(shown)
            frame, shown = coverage_run(books[name], pythonpath)  # on the cache just filled
            times.setdefault(f"{name} warm frame", []).append(frame)
            times.setdefault(f"{name} warm report", []).append(shown)
    floor = statistics.median(times["floor"])
    print(f"book: {path} · tmux 160×48 · `c` from the portfolio · medians of {args.runs}")
    if args.base is not None:
        print(f"base: {args.base} on {books['base']}")
    for name, values in times.items():
        m = statistics.median(values)
        print(f"{name:<22} {m * 1000:>6.0f} ms {m / floor:>6.2f}×")
    print("budget: the report under 0.4 s, the screen's first paint under 0.5 s")


if __name__ == "__main__":
    main()
