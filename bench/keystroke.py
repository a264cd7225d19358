"""Filter keystroke → screen changed, in a real terminal, against a bare `Input` app.

    python bench/keystroke.py [--book PATH] [--accounts 100000] [--rounds 3] [--baseline DIR]
        [--base-book PATH]  (a book the baseline's code can open: older code, older schema)

Opens the real `csm-tui` on the portfolio of a demo book in a tmux pane of 160×48,
presses `/`, then types filters one character at a time with `tmux send-keys`.
Interleaved in the same run, the same characters are typed into a bare Textual app with
only an `Input`: the floor (tmux's own round trip is in both).

Each character is timed to the first change of the pane (the echo) and to its last
change (the filtered rows shown; quiet for 60 ms after it), then the next is sent.
Prints median and p95 of each and the ratio to the floor. `--baseline DIR` (another
checkout, e.g. the main branch) adds a third pane running DIR's csm_tui, interleaved with
the other two: before and after in the same run.
Budget (issue 12): screen changed, median ≤ 25 ms, p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.first_paint import app_argv, ensure_book  # noqa: E402
from bench.portfolio import OUT  # noqa: E402

BARE = r"""
from textual.app import App
from textual.widgets import Input

class Bare(App):
    def compose(self):
        yield Input(placeholder="filter")

Bare().run()
"""

FILTERS = ("acme", "tier:strategic", "health:<60", "renewal:<90d", "owner:me")


class Pane:
    def __init__(self, argv: list[str], pythonpath: Path | None = None) -> None:
        self.sock = f"ks-{os.getpid()}-{time.monotonic_ns()}"
        conf = OUT / "tmux.conf"
        conf.write_text("set -g default-size 160x48\nset -g status off\n")
        self.env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
        if pythonpath is not None:
            # Run from the checkout, as well as on its path: `python -m` puts the current
            # directory first on sys.path, so from here the baseline pane ran this
            # checkout's code (and migrated the baseline's book).
            argv = ["env", f"PYTHONPATH={pythonpath.resolve()}", *argv]
        self.tmux = ["tmux", "-L", self.sock, "-f", str(conf)]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-x", "160", "-y", "48"]
            + (["-c", str(pythonpath.resolve())] if pythonpath is not None else [])
            + [shlex.join(argv)],
            env=self.env,
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p"], env=self.env, capture_output=True, text=True
        ).stdout

    def send(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", *keys], env=self.env, check=True)

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if text in self.screen():
                return time.perf_counter() - start
            time.sleep(0.002)
        raise SystemExit(f"timed out waiting for {text!r}:\n{self.screen()}")

    def settle(self, quiet: float = 0.06, timeout: float = 10.0) -> None:
        last, since, start = self.screen(), time.perf_counter(), time.perf_counter()
        while time.perf_counter() - start < timeout:
            time.sleep(0.005)
            now = self.screen()
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                return

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], env=self.env, capture_output=True)


def type_filters(
    pane: Pane, filters: tuple[str, ...], open_key: str | None
) -> tuple[list[float], list[float]]:
    """Per typed character, seconds from its send-keys to the first change of the screen
    (the echo) and to its last change (the results shown, once quiet for 60 ms)."""
    first: list[float] = []
    last: list[float] = []
    for text in filters:
        if open_key:
            pane.send(open_key)
        pane.settle()
        for ch in text:
            before = pane.screen()
            start = time.perf_counter()
            pane.send("-l", ch)
            changed = since = None
            current = before
            while time.perf_counter() - start < 10:
                screen = pane.screen()
                now = time.perf_counter()
                if screen != current:
                    current, since = screen, now
                    if changed is None:
                        changed = now
                elif since is not None and now - since >= 0.06:
                    break
                time.sleep(0.002)
            if changed is None or since is None:
                raise SystemExit(f"the screen did not change after {ch!r}")
            first.append(changed - start)
            last.append(since - start)
        if open_key:
            pane.send("Escape")
        else:
            for _ in range(len(text)):
                pane.send("BSpace")
        pane.settle()
    return first, last


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--book", type=Path, default=None)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout")
    parser.add_argument(
        "--base-book", type=Path, default=None, help="the baseline's book (its own schema)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    book = ensure_book(args.book, args.accounts)
    app = Pane(app_argv(book, "portfolio"))
    bare = Pane([sys.executable, "-c", BARE])
    base = None
    if args.baseline is not None:
        base = Pane(app_argv(args.base_book or book, "portfolio"), args.baseline)
    base_echo: list[float] = []
    base_done: list[float] = []
    try:
        app.wait_for(" accounts")
        bare.wait_for("filter")
        if base is not None:
            base.wait_for(" accounts")
        by_filter: dict[str, list[float]] = {text: [] for text in FILTERS}
        app_echo: list[float] = []
        app_done: list[float] = []
        bare_echo: list[float] = []
        for _ in range(args.rounds):  # interleaved, filter by filter
            for text in FILTERS:
                bare_echo += type_filters(bare, (text,), None)[0]
                echo, done = type_filters(app, (text,), "/")
                app_echo += echo
                by_filter[text] += echo
                app_done += done
                if base is not None:
                    echo, done = type_filters(base, (text,), "/")
                    base_echo += echo
                    base_done += done
    finally:
        app.close()
        bare.close()
        if base is not None:
            base.close()
    print(f"book: {book} · tmux 160×48 · {len(app_echo)} keystrokes each, interleaved")
    print(f"{'':<30} {'median':>9} {'p95':>9} {'ratio':>6}")
    floor = statistics.median(bare_echo)
    rows = [
        ("bare Input: screen changed", bare_echo),
        ("portfolio: screen changed", app_echo),
        ("portfolio: results shown", app_done),
    ]
    if base is not None:
        rows += [("baseline: screen changed", base_echo), ("baseline: results shown", base_done)]
        print(f"baseline: {args.baseline}")
    for label, times in rows:
        m = statistics.median(times)
        print(f"{label:<30} {m * 1000:>6.1f} ms {p95(times) * 1000:>6.1f} ms {m / floor:>5.2f}×")
    print("budget: screen changed, median ≤ 25 ms, p95 ≤ 50 ms")
    print("portfolio, screen changed, by filter (ms, each character):")
    for text, times in by_filter.items():
        print(f"  {text:<16} " + " ".join(f"{t * 1000:.0f}" for t in times))


if __name__ == "__main__":
    main()
