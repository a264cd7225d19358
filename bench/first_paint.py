"""First paint in a real terminal: Today and the portfolio against a bare Textual app.

    python bench/first_paint.py [--book PATH] [--accounts 100000] [--runs 5]

Launches the real `csm-tui` (python -m csm_tui) in a tmux pane of 160×48 on a demo book
and, interleaved with it in the same run, a bare Textual app (an empty DataTable and a
Footer), and times from spawning each to its marker on screen (polled every 5 ms):
- bare app: its table header;
- Today, frame: the table header; Today, data: the title's item count (the agenda shown);
- portfolio: its "Last touch" header; portfolio, data: the title's account count.
Prints medians, wall clock and the process's CPU time up to the marker (the machine is
shared: CPU time is the steadier), and each one's ratio to the bare app's.
Budget (issue 12): ≤ 1.3×.

A/B in the same run: `--base DIR` also runs the app from another checkout DIR (a git
worktree of the code before a change; PYTHONPATH=DIR) on its own copy of the book
(`--base-book`, default: the book copied once next to it: a newer schema cannot be
opened by older code), interleaved with the rest.

Every app runs from compiled bytecode, as an installed csm-tui does (pip compiles it):
the checkouts' sources are compiled first (compileall, next to them) and the apps run
without PYTHONDONTWRITEBYTECODE, so no start compiles its modules again (about 45 before
the first paint). Not with PYTHONPYCACHEPREFIX: Python then ignores the bytecode pip
wrote beside Textual, and every app, the bare one too, compiled Textual on each start
(the floor was ~650 ms instead of ~180, which flattered every ratio).

The book is built once (about 2 minutes at 100k on an idle machine) and reused: pass
--book to reuse one built elsewhere.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.portfolio import CHILD_FLOOR_TTY, NOW, OUT  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compile_sources(root: Path) -> None:
    """Compile `root`/csm_tui beside its sources, as an install would (the module doc)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "csm_tui")], check=True)


def tmux_until(
    argv: list[str],
    markers: list[str],
    timeout: float = 60.0,
    extra_env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[list[float], list[float]]:
    """Seconds from spawning `argv` in a 160×48 tmux pane to each marker on screen, wall
    clock and the process's CPU time (the machine is shared: CPU time is the steadier)."""
    sock = f"fp-{os.getpid()}-{time.monotonic_ns()}"
    conf = OUT / "tmux.conf"
    conf.write_text("set -g default-size 160x48\nset -g status off\n")
    dropped = ("COLUMNS", "LINES", "TMUX", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    tmux = ["tmux", "-L", sock, "-f", str(conf)]
    command = shlex.join(argv)
    if extra_env:
        command = shlex.join(["env", *(f"{k}={v}" for k, v in extra_env.items()), *argv])
    seen: dict[str, float] = {}
    cpu: dict[str, float] = {}
    start = time.perf_counter()
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "160", "-y", "48"]
        + (["-c", str(cwd)] if cwd is not None else [])
        + ["exec " + command],
        env=env,
        check=True,
    )
    pid = int(
        subprocess.run(
            [*tmux, "display", "-p", "#{pane_pid}"], env=env, capture_output=True, text=True
        ).stdout.strip()
    )
    try:
        deadline = start + timeout
        while time.perf_counter() < deadline and len(seen) < len(markers):
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], env=env, capture_output=True, text=True
            ).stdout
            now = time.perf_counter() - start
            for marker in markers:
                if marker not in seen and marker in screen:
                    seen[marker] = now
                    cpu[marker] = cpu_seconds(pid)
            time.sleep(0.005)
        nan = float("nan")
        return [seen.get(m, nan) for m in markers], [cpu.get(m, nan) for m in markers]
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True)


def app_argv(book: Path, start: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "csm_tui",
        "--lang",
        "en",
        "--db",
        str(book),
        "--now",
        NOW.isoformat(),
        "--start",
        start,
    ]


def ensure_book(path: Path | None, accounts: int) -> Path:
    if path is not None:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"book-{accounts}.sqlite3"
    if not path.exists():
        from csm_tui.store.demo import build_demo_book

        start = time.perf_counter()
        build_demo_book(path, accounts=accounts, seed=7, now=NOW)
        print(f"(built the {accounts:,}-account book in {time.perf_counter() - start:.0f} s)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--book", type=Path, default=None)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", type=Path, default=None, help="checkout to compare against")
    parser.add_argument("--base-book", type=Path, default=None)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux")
    OUT.mkdir(parents=True, exist_ok=True)
    book = ensure_book(args.book, args.accounts)
    floor_argv = [sys.executable, "-c", CHILD_FLOOR_TTY]
    compile_sources(ROOT)
    if args.base is not None:
        compile_sources(args.base)
    keys: tuple[str, ...] = ("bare", "today", "today_data", "portfolio", "portfolio_data")
    base_env: dict[str, str] = {}
    base_book = book
    if args.base is not None:
        keys += ("base_today", "base_today_data", "base_portfolio", "base_portfolio_data")
        base_env = {"PYTHONPATH": str(args.base.resolve())}
        base_book = (args.base_book or book.with_name(book.stem + "-base" + book.suffix)).resolve()
        if not base_book.exists():
            shutil.copyfile(book, base_book)
    wall: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}

    def add(names: tuple[str, ...], result: tuple[list[float], list[float]]) -> None:
        for name, w, c in zip(names, *result, strict=True):
            wall[name].append(w)
            cpu[name].append(c)

    # Each screen of the app and its markers: the frame, then the data shown.
    screens = (("today", ["Why", " items"]), ("portfolio", ["Last touch", " accounts"]))
    for _ in range(args.runs):  # interleaved: the machine's load falls on all alike
        add(("bare",), tmux_until(floor_argv, ["Touch"]))
        for start, markers in screens:
            add((start, f"{start}_data"), tmux_until(app_argv(book, start), markers))
        if args.base is not None:
            for start, markers in screens:
                add(
                    (f"base_{start}", f"base_{start}_data"),
                    tmux_until(
                        app_argv(base_book, start), markers, extra_env=base_env, cwd=args.base
                    ),
                )
    print(f"book: {book} · tmux 160×48 · medians of {args.runs} interleaved runs")
    print(f"{'':<24} {'wall':>8} {'ratio':>6}   {'CPU':>8} {'ratio':>6}")
    labels = {
        "bare": "bare Textual app",
        "today": "Today (table)",
        "today_data": "Today (agenda shown)",
        "portfolio": "portfolio (table)",
        "portfolio_data": "portfolio (rows shown)",
    }
    if args.base is not None:
        labels |= {
            "base_today": "base: Today (table)",
            "base_today_data": "base: Today (agenda)",
            "base_portfolio": "base: portfolio (table)",
            "base_portfolio_data": "base: portfolio (rows)",
        }
    bare_wall, bare_cpu = statistics.median(wall["bare"]), statistics.median(cpu["bare"])
    for key, label in labels.items():
        w, c = statistics.median(wall[key]), statistics.median(cpu[key])
        print(
            f"{label:<24} {w * 1000:>5.0f} ms {w / bare_wall:>5.2f}×   "
            f"{c * 1000:>5.0f} ms {c / bare_cpu:>5.2f}×"
        )
    print("budget: first paint ≤ 1.3× the bare app")


if __name__ == "__main__":
    main()
