"""The central API's CPU per sync request, in process: one push, one pull, one empty pull.

    python bench/server_request_cpu.py [--requests 600] [--clients 50] [--baseline /work/main]
                                       [--rounds 3] [--profile OUT.txt]

The FastAPI app of each code under test (`create_app`, as `csm-tui serve` builds it) is
called straight through ASGI — no HTTP server, no socket — on PostgreSQL (database `test` at
127.0.0.1:5432, a schema of its own per code under test, the same seeded CSMs; `--pg` to
change). Each simulated CSM pushes what the sync client pushes (`bench/server_load.py`: a
new activity and an edit of its account), pulls from its cursor (its two changes), then pulls
again (nothing new since the cursor). Measured per request: the process's CPU time (user +
system, all threads: the endpoint's worker thread included) — the figure that holds on a
shared machine — and wall time; medians over the requests, the codes run in turns
(`--rounds`) so that both see the same neighbours. PostgreSQL's own CPU is not counted.

`--profile OUT` writes a cProfile of this code's requests (worker threads run inline while
profiling, so the profile holds the endpoint's work too).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server_load import (  # noqa: E402
    PG_DEFAULT,
    copy_people,
    downgrade_to,
    head_of,
    postgres_schema,
    seed,
)

PROBE = """
import asyncio, cProfile, json, pstats, sys, time
sys.path.append(sys.argv[4])
from bench.server_load import _mutations, SimClient
from csm_tui.server.app import create_app

url, n, profile_to = sys.argv[1], int(sys.argv[2]), sys.argv[3]
clients = [SimClient(**c) for c in json.loads(sys.stdin.read())]
app = create_app(url)


async def call(method, path, query, body, token):
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if body is not None:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
    sent = False
    async def receive():
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": body or b"", "more_body": False}
    status, parts = 0, []
    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
    await app(scope, receive, send)
    return status, b"".join(parts)


async def main():
    if profile_to != "-":  # endpoints inline: the profile sees their work
        import anyio.to_thread
        import fastapi.routing
        import starlette.concurrency
        async def inline(func, *args, **kwargs):
            return func(*args, **kwargs)
        fastapi.routing.run_in_threadpool = inline
        starlette.concurrency.run_in_threadpool = inline
        import fastapi.dependencies.utils as deps
        deps.run_in_threadpool = inline
    cursors = {c.client_id: 0 for c in clients}
    figures = {"push": [], "pull": [], "empty pull": []}
    profiler = cProfile.Profile(time.process_time) if profile_to != "-" else None

    async def timed(name, keep, *request):
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None and keep:
            profiler.enable()
        status, body = await call(*request)
        if profiler is not None and keep:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if status != 200:
            raise SystemExit(f"{name}: {status} {body[:300]!r}")
        if keep:
            figures[name].append((cpu * 1000, wall * 1000))
        return json.loads(body)

    for i in range(n + 2 * len(clients)):
        c = clients[i % len(clients)]
        keep = i >= 2 * len(clients)  # warm-up: every client once or twice
        token = c.token
        body = json.dumps({"client_id": c.client_id, "mutations": _mutations(c, i)},
                          separators=(",", ":")).encode()
        pushed = await timed("push", keep, "POST", "/sync/push", "", body, token)
        assert all(r["status"] == "applied" for r in pushed["results"]), pushed
        page = await timed("pull", keep, "GET", "/sync/changes",
                           f"since={cursors[c.client_id]}&limit=500", None, token)
        assert len(page["changes"]) >= 2, page
        cursors[c.client_id] = page["cursor"]
        empty = await timed("empty pull", keep, "GET", "/sync/changes",
                            f"since={page['cursor']}&limit=500", None, token)
        assert empty["changes"] == [], empty
    if profiler is not None:
        with open(profile_to, "w") as out:
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(70)
            stats.sort_stats("tottime").print_stats(50)
    app.state.db.dispose()
    print(json.dumps(figures))


asyncio.run(main())
"""


def probe(code: Path, url: str, clients: list[dict[str, str]], n: int, profile: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, str(n), profile, str(ROOT)],
        input=json.dumps(clients),
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:] + done.stdout[-1000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    import dataclasses

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="pushes per round and code")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="checkout of the old code")
    parser.add_argument("--profile", default=None, help="write a cProfile of this code here")
    parser.add_argument("--pg", default=PG_DEFAULT)
    args = parser.parse_args(argv)
    codes = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    with ExitStack() as stack:
        urls = {name: stack.enter_context(postgres_schema(args.pg)) for name, _ in codes}
        clients = seed(urls["this"], args.clients)
        for name, code in codes[1:]:
            copy_people(urls["this"], urls[name], clients)
            downgrade_to(urls[name], head_of(code))
        people = [dataclasses.asdict(c) for c in clients]
        if args.profile:
            probe(ROOT, urls["this"], people, args.requests, str(Path(args.profile).resolve()))
            print(f"profile written to {args.profile}")
            return 0
        figures: dict[str, dict[str, list[tuple[float, float]]]] = {n: {} for n, _ in codes}
        for _ in range(args.rounds):
            for name, code in codes:
                for kind, values in probe(code, urls[name], people, args.requests, "-").items():
                    figures[name].setdefault(kind, []).extend(values)
        print(
            f"{args.clients} CSMs, {args.rounds} x {args.requests} pushes per code; medians,"
            " ms per request (process CPU, all threads | wall)"
        )
        for name, _ in codes:
            row = []
            for kind, values in figures[name].items():
                cpu = statistics.median(v[0] for v in values)
                wall = statistics.median(v[1] for v in values)
                row.append(f"{kind} {cpu:5.2f} cpu {wall:5.2f} wall")
            print(f"{name:>9}: " + "   ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
