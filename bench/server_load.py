"""The central API under load: simulated CSMs each syncing (push + pull) about once a second.

First, for each code under test: how long one push holds the version lock (the part of a
push that no other push anywhere can overlap), one push at a time, in process.

    python bench/server_load.py [--clients 50,200,500,1000] [--processes 1,2] [--seconds 20]
                                [--baseline /work/main] [--client-procs 2]

Against real `csm-tui serve` processes on PostgreSQL (database `test` at 127.0.0.1:5432, a
schema of its own per code under test, same rows, dropped at the end; `--pg` to change), on
loopback only. Each simulated client has its own user, token, client id and account; once a
second it pushes what the sync client pushes (`POST /sync/push`: a new activity and an edit
of its account, the same JSON) and pulls from its cursor (`GET /sync/changes`), then waits for
the next second. With N API
processes, each on its own port, a client's requests go round-robin over them (as behind a
load balancer). For every point the same clients also ask the server's no-op endpoint
(`GET /health`, twice a second): the floor, measured in the same run.

Each point runs `--warmup` + `--seconds` (bounded in time); only requests started in the
measured window count. Printed per point: throughput (answered requests/s), latency p50 /
p95 / p99 (wall ms, from the moment a client sends), errors (non-200, refused mutations,
30 s timeouts) + clients still waiting for an answer 5 s after the window, and the CPU
time (time.process_time-like: user + system) the server processes, PostgreSQL's processes
(all of them on this machine) and the client processes used in the window — so a reader can
tell whether the client side was the bottleneck — with the server's CPU per answered request
(the figure that holds on a machine shared with other work, where wall-clock latency says
more about the neighbours than about the server), and how busy the whole machine was
(`/proc/stat`, the kernel's share included) with its CPU per answered request: the machine's
CPUs divided by that figure is about what this set-up answers here at 100% busy.
`--baseline DIR` runs the same points against the code checked out in DIR (e.g. a
`git worktree` of main) in the same run: A/B.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_DEFAULT = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
_RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
PUSH_PATH = "/sync/push"
PULL_PATH = "/sync/changes"
HEALTH_PATH = "/health"


# -- the database and its people ---------------------------------------------------------
@contextmanager
def postgres_schema(conninfo: str) -> Iterator[str]:
    import psycopg

    params = dict(part.split("=", 1) for part in conninfo.split())
    admin_conn = psycopg.connect(conninfo, autocommit=True)
    schema = f"csm_bench_{uuid.uuid4().hex[:12]}"
    admin_conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host')}:"
            f"{params.get('port', '5432')}/{params.get('dbname')}?options=-csearch_path%3D{schema}"
        )
    finally:
        admin_conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin_conn.close()


@dataclass(frozen=True)
class SimClient:
    token: str
    client_id: str
    account_id: str


def seed(database_url: str, n: int) -> list[SimClient]:
    """`n` CSMs of one team, each with a token and an account (pushed as a client would)."""
    from csm_tui import protocol as p
    from csm_tui.domain.records import Role
    from csm_tui.protocol import new_uuid7
    from csm_tui.server import admin
    from csm_tui.server.access import Caller
    from csm_tui.server.database import ServerDatabase, migrate_database
    from csm_tui.server.push import push_mutations

    migrate_database(database_url)
    db = ServerDatabase(database_url)
    clients = []
    try:
        team = admin.create_team(db, "bench")
        for i in range(n):
            user = admin.create_user(db, f"csm{i:04d}", "csm", team.id)
            token = admin.issue_token(db, user.id)
            client_id, account_id = new_uuid7(), new_uuid7()
            caller = Caller(user.id, user.name, Role.CSM, team.id)
            mutation = {
                "mutation_id": new_uuid7(),
                "kind": p.KIND_ACCOUNT,
                "op": p.OP_UPSERT,
                "id": account_id,
                "base_version": None,
                "fields": {"name": f"Account {i:04d}"},
            }
            (result,) = push_mutations(db, caller, client_id, [mutation])
            assert result["status"] == p.STATUS_APPLIED, result
            clients.append(SimClient(token, client_id, account_id))
    finally:
        db.dispose()
    return clients


def copy_people(source_url: str, target_url: str, clients: list[SimClient]) -> None:
    """The seeded database `source_url` copied into the (empty) schema of `target_url`:
    schema and rows, at the revision of this code."""
    import sqlalchemy as sa

    from csm_tui.server.database import migrate_database
    from csm_tui.server.schema import metadata

    migrate_database(target_url)
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        with source.connect() as read, target.begin() as write:
            for table in metadata.sorted_tables:
                write.execute(table.delete())
                rows = [dict(r._mapping) for r in read.execute(table.select())]
                if rows:
                    write.execute(table.insert(), rows)
            if write.dialect.name == "postgresql" and _has_sequence(write):
                last = read.execute(sa.text("SELECT last_value FROM sync_versions")).scalar_one()
                write.execute(sa.text("SELECT setval('sync_versions', :v, true)"), {"v": last})
    finally:
        source.dispose()
        target.dispose()


def _has_sequence(conn: Any) -> bool:
    import sqlalchemy as sa

    found = conn.execute(sa.text("SELECT to_regclass('sync_versions')")).scalar_one()
    return found is not None


def head_of(code: Path) -> str:
    """The last migration revision of the checkout `code`."""
    names = sorted((code / "csm_tui/server/migrations/versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1].name[:4]


def downgrade_to(url: str, revision: str) -> None:
    """The schema at `url` taken down to `revision` (an older checkout's head)."""
    import sqlalchemy as sa
    from alembic import command

    from csm_tui.server.migrations import _config, current_revision

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if current_revision(conn) != revision:
                command.downgrade(_config(conn), revision)
    finally:
        engine.dispose()


# -- servers ------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    pid: int


@contextmanager
def serve(code: Path, database_url: str, logs: Path) -> Iterator[Server]:
    """`csm-tui serve` of the checkout `code` in its own process on an ephemeral port."""
    log = logs / f"serve-{uuid.uuid4().hex[:8]}.log"
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "csm_tui", "serve", "--database", database_url]
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            cwd=code,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            found = _RUNNING.search(log.read_text())
            if found:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield Server(found[1], process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def postgres_cpu() -> dict[int, float]:
    """User + system CPU of each `postgres` process on this machine, by pid (empty if none is
    ours to read): the database's share of the work (other users of the server count too)."""
    found: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() != "postgres":
                    continue
            found[int(entry)] = cpu_seconds(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes alive at both readings used in between (a backend that came or went
    meanwhile is left out: its CPU is not readable at both ends)."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far (`/proc/stat`): busy counts the
    kernel's work for every process too (loopback networking, softirqs), which the
    per-process figures above leave out."""
    with open("/proc/stat") as stat:
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        ticks = [int(x) for x in stat.readline().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` so far (its children included once reaped)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# -- the clients --------------------------------------------------------------------------
@dataclass
class Slice:
    """What one client process ran and measured."""

    latencies: list[float] = field(default_factory=list)  # ms, requests started in the window
    ok: int = 0  # answered 200 in the window
    errors: int = 0
    unfinished: int = 0  # clients still waiting for an answer 5 s after the window
    cpu: float = 0.0  # process CPU seconds in the window


def _mutations(client: SimClient, n: int) -> list[dict[str, Any]]:
    from csm_tui import protocol as p
    from csm_tui.protocol import new_uuid7

    return [
        {
            "mutation_id": new_uuid7(),
            "kind": p.KIND_ACTIVITY,
            "op": p.OP_UPSERT,
            "id": new_uuid7(),
            "base_version": None,
            "fields": {
                "account_id": client.account_id,
                "kind": "call",
                "occurred_at": "2026-03-02T09:30:00+00:00",
                "summary": f"check-in {n}",
            },
        },
        {
            "mutation_id": new_uuid7(),
            "kind": p.KIND_ACCOUNT,
            "op": p.OP_UPSERT,
            "id": client.account_id,
            "base_version": None,
            "fields": {"industry": f"software {n}"},
        },
    ]


class RawConnection:
    """One keep-alive HTTP/1.1 connection, hand-written on asyncio streams: a client costs a
    fraction of httpx's CPU, so the client side is not what the bench measures."""

    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _run_slice(
    clients: list[SimClient],
    urls: list[str],
    mode: str,
    start: float,
    end: float,
    max_connections: int,
    transport: str,
) -> Slice:
    import httpx

    out = Slice()
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=None)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def send(
            conns: dict[str, RawConnection],
            method: str,
            base: str,
            path: str,
            body: bytes | None,
            headers: dict[str, str],
        ) -> tuple[int, bytes]:
            if transport == "httpx":
                response = await http.request(method, base + path, content=body, headers=headers)
                return response.status_code, response.content
            conn = conns.setdefault(base, RawConnection(base))
            reused = conn.writer is not None
            try:
                return await asyncio.wait_for(conn.request(method, path, body, headers), 30)
            except (ConnectionError, asyncio.IncompleteReadError):
                conn.close()
                if not reused:
                    raise
                # The server closed an idle keep-alive connection (uvicorn: after 5 s), as
                # HTTP clients do: once more on a new connection.
                return await asyncio.wait_for(conn.request(method, path, body, headers), 30)
            except BaseException:
                conn.close()
                raise

        async def timed(
            conns: dict[str, RawConnection],
            method: str,
            base: str,
            path: str,
            body: Any = None,
            headers: dict[str, str] | None = None,
        ) -> Any:
            """The answer's JSON (None on an error), the latency recorded."""
            raw = None if body is None else json.dumps(body, separators=(",", ":")).encode()
            hdrs = dict(headers or {})
            if transport == "httpx" and raw is not None:
                hdrs["Content-Type"] = "application/json"
            sent = time.time()
            try:
                status, content = await send(conns, method, base, path, raw, hdrs)
            except (TimeoutError, httpx.HTTPError, OSError, asyncio.IncompleteReadError):
                status, content = 0, b""
            took = (time.time() - sent) * 1000
            if start <= sent < end:
                out.latencies.append(took)
                if status == 200:
                    out.ok += 1
                else:
                    out.errors += 1
            return json.loads(content) if status == 200 else None

        async def simulate(index: int, client: SimClient) -> None:
            headers = {"Authorization": f"Bearer {client.token}"}
            conns: dict[str, RawConnection] = {}
            cursor, n = 0, 0
            await asyncio.sleep(random.random())  # clients do not all sync on the same tick
            try:
                while time.time() < end:
                    began = time.time()
                    base = urls[(index + n) % len(urls)]
                    if mode == "health":
                        await timed(conns, "GET", base, HEALTH_PATH)
                        await timed(conns, "GET", base, HEALTH_PATH)
                    else:
                        body = {"client_id": client.client_id, "mutations": _mutations(client, n)}
                        pushed = await timed(conns, "POST", base, PUSH_PATH, body, headers)
                        if pushed is not None and start <= began < end:
                            refused = [r for r in pushed["results"] if r["status"] != "applied"]
                            out.errors += bool(refused)
                        base = urls[(index + n + 1) % len(urls)]
                        path = f"{PULL_PATH}?since={cursor}&limit=500"
                        pulled = await timed(conns, "GET", base, path, None, headers)
                        if pulled is not None:
                            cursor = pulled["cursor"]
                    n += 1
                    await asyncio.sleep(max(0.0, 1.0 - (time.time() - began)))
            finally:
                for conn in conns.values():
                    conn.close()

        tasks = [asyncio.create_task(simulate(i, c)) for i, c in enumerate(clients)]
        await asyncio.sleep(max(0.0, start - time.time()))
        cpu_start = time.process_time()
        await asyncio.sleep(max(0.0, end - time.time()))
        out.cpu = time.process_time() - cpu_start
        # Bounded in time: a request still unanswered 5 s after the window is an error.
        _, pending = await asyncio.wait(tasks, timeout=5)
        for task in pending:
            task.cancel()
        out.unfinished += len(pending)
    return out


def _client_process(
    args: tuple[list[SimClient], list[str], str, float, float, int, str],
) -> Slice:
    return asyncio.run(_run_slice(*args))


# -- one point ------------------------------------------------------------------------------
@dataclass
class Point:
    code: str
    processes: int
    mode: str
    clients: int
    throughput: float
    p50: float
    p95: float
    p99: float
    errors: int
    unfinished: int
    server_cpu: float
    postgres_cpu: float
    client_cpu: float
    seconds: float
    machine_busy: float  # share of all the machine's CPUs busy in the window, 0..1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_point(
    code_name: str,
    servers: list[Server],
    mode: str,
    clients: list[SimClient],
    args: argparse.Namespace,
    pool: Any,
) -> Point:
    urls = [s.url for s in servers]
    start = time.time() + args.warmup + 1.0
    end = start + args.seconds
    procs = args.client_procs
    slices = [clients[i::procs] for i in range(procs)]
    per_proc = max(1, args.max_connections // procs)
    jobs = [(s, urls, mode, start, end, per_proc, args.transport) for s in slices]
    result = pool.map_async(_client_process, jobs)
    time.sleep(max(0.0, start - time.time()))
    cpu_before, pg_before = sum(cpu_seconds(s.pid) for s in servers), postgres_cpu()
    machine_before = machine_ticks()
    time.sleep(max(0.0, end - time.time()))
    cpu_after, pg_after = sum(cpu_seconds(s.pid) for s in servers), postgres_cpu()
    machine_after = machine_ticks()
    parts = result.get(timeout=args.seconds + args.warmup + 120)
    latencies = [x for part in parts for x in part.latencies]
    errors = sum(part.errors for part in parts)
    return Point(
        code=code_name,
        processes=len(servers),
        mode=mode,
        clients=len(clients),
        throughput=sum(part.ok for part in parts) / args.seconds,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        errors=errors,
        unfinished=sum(part.unfinished for part in parts),
        server_cpu=cpu_after - cpu_before,
        postgres_cpu=cpu_between(pg_before, pg_after),
        client_cpu=sum(part.cpu for part in parts),
        seconds=args.seconds,
        machine_busy=(machine_after[0] - machine_before[0])
        / max(1, machine_after[1] - machine_before[1]),
    )


def show(point: Point, floor: Point | None) -> None:
    answered = point.throughput * point.seconds
    per_request = point.server_cpu * 1000 / answered if answered else float("nan")
    pg_per_request = point.postgres_cpu * 1000 / answered if answered else float("nan")
    # All the machine's CPU per answered request (server, database, clients, kernel): its
    # CPUs divided by this is what the whole set-up can answer here at 100% busy.
    machine_cpu = point.machine_busy * (os.cpu_count() or 1) * point.seconds
    machine_per_request = machine_cpu * 1000 / answered if answered else float("nan")
    ratio = ""
    if floor is not None and floor.p99 > 0:
        ratio = (
            f"  p99 {point.p99 / floor.p99:6.1f}x floor,"
            f" req/s {point.throughput / max(floor.throughput, 1e-9):5.2f}x"
        )
    print(
        f"{point.code:>9} {point.processes:>2}p {point.mode:>6} {point.clients:>5} clients:"
        f" {point.throughput:7.1f} req/s  p50 {point.p50:7.1f}  p95 {point.p95:7.1f}"
        f"  p99 {point.p99:7.1f} ms  errors {point.errors:>4}+{point.unfinished:<4}"
        f"  cpu server {point.server_cpu:5.1f} s ({per_request:4.1f} ms/req)"
        f" postgres {point.postgres_cpu:5.1f} s ({pg_per_request:4.1f} ms/req)"
        f" client {point.client_cpu:5.1f} s"
        f"  machine {point.machine_busy:4.0%} busy ({machine_per_request:4.1f} ms/req){ratio}",
        flush=True,
    )


LOCK_PROBE = """
import json, statistics, sys, time
import csm_tui  # the code under test first (PYTHONPATH), then this bench's helpers
from csm_tui.server import database
from csm_tui.server.database import ServerDatabase
from csm_tui.server.push import push_mutations
from csm_tui.server.tokens import caller_for
sys.path.append(sys.argv[3])
from bench.server_load import _mutations, SimClient
print(csm_tui.__file__, file=sys.stderr)

url, n = sys.argv[1], int(sys.argv[2])
clients = [SimClient(**c) for c in json.loads(sys.stdin.read())]
db = ServerDatabase(url)
with db.read_engine.connect() if hasattr(db, "read_engine") else db.engine.connect() as conn:
    callers = [caller_for(conn, c.token, db.clock.now()) for c in clients]
stamped = []
late = getattr(database, "LateWriteTx", None)
parallel = hasattr(database, "_RESERVE")  # versions reserved in stamp(), commits in parallel
finished = []
if late is not None:  # the counter lock is taken by stamp(), held to the commit
    original = late.stamp
    def stamp(self):
        if getattr(self, "stamped", False):  # a second call does nothing
            return original(self)
        stamped.append(time.perf_counter())
        original(self)
        finished.append(time.perf_counter())
    late.stamp = stamp
holds, totals = [], []
for i in range(n + 20):
    c = clients[i % len(clients)]
    began = time.perf_counter()
    push_mutations(db, callers[i % len(clients)], c.client_id, _mutations(c, i))
    ended = time.perf_counter()
    if i >= 20:
        totals.append(ended - began)
        # the old code locks the counter with the transaction's first statement; with
        # parallel commits, at most stamp() itself (the reservation is one statement in it)
        if parallel:
            holds.append(finished[-1] - stamped[-1])
        else:
            holds.append(ended - (stamped[-1] if late is not None else began))
db.dispose()
print(json.dumps([statistics.median(holds) * 1000, statistics.median(totals) * 1000]))
"""


def lock_hold(code: Path, database_url: str, clients: list[SimClient], n: int) -> list[float]:
    """Median wall ms of the part of a push no other push can overlap — the old code: from
    taking the counter lock to the commit; with parallel commits: at most `stamp()` (the
    reservation is one statement in it) — and a push's whole time (one at a time, in
    process: the lock's own cost, without waiting on others)."""
    import dataclasses

    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", LOCK_PROBE, database_url, str(n), str(ROOT)],
        input=json.dumps([dataclasses.asdict(c) for c in clients[:20]]),
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
        check=True,
    )
    return [float(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="50,200,500,1000")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--max-connections", type=int, default=400, help="httpx only")
    parser.add_argument(
        "--transport",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: one keep-alive connection per client and server, hand-written HTTP/1.1 "
        "(light); httpx: httpx.AsyncClient with --max-connections",
    )
    parser.add_argument("--baseline", type=Path, default=None, help="checkout of the old code")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--lock-pushes", type=int, default=200)
    parser.add_argument("--lock-only", action="store_true", help="only the lock-hold figures")
    parser.add_argument("--pg", default=PG_DEFAULT)
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.clients.split(",")]
    process_counts = [int(x) for x in args.processes.split(",")]
    codes = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])

    with ExitStack() as stack:
        # Each code its own schema, at the revision that code declares (same seed).
        urls = {name: stack.enter_context(postgres_schema(args.pg)) for name, _ in codes}
        database_url = urls["this"]
        began = time.process_time()
        clients = seed(database_url, max(counts))
        for code_name, code in codes[1:]:
            copy_people(database_url, urls[code_name], clients)
            downgrade_to(urls[code_name], head_of(code))
        print(
            f"seeded {len(clients)} CSMs with accounts in {time.process_time() - began:.1f} s CPU;"
            f" {args.seconds:g} s per point after {args.warmup:g} s warm-up;"
            f" {args.client_procs} client processes (asyncio, {args.transport});"
            f" {os.cpu_count()} CPUs here",
            flush=True,
        )
        for code_name, code in codes:
            hold, total = lock_hold(code, urls[code_name], clients, args.lock_pushes)
            print(
                f"{code_name:>9} serialised part of a push: {hold:6.2f} ms"
                f" (median of {args.lock_pushes}; the whole push {total:6.2f} ms)",
                flush=True,
            )
        if args.lock_only:
            return 0
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        ctx = multiprocessing.get_context("fork")
        pool = stack.enter_context(ctx.Pool(args.client_procs))
        floors: dict[tuple[int, int], Point] = {}
        for processes in process_counts:
            for code_name, code in codes:
                with ExitStack() as servers_stack:
                    servers = [
                        servers_stack.enter_context(serve(code, urls[code_name], logs))
                        for _ in range(processes)
                    ]
                    for n in counts:
                        if not args.no_floor and code_name == "this":
                            floor = run_point(code_name, servers, "health", clients[:n], args, pool)
                            floors[processes, n] = floor
                            show(floor, None)
                        point = run_point(code_name, servers, "sync", clients[:n], args, pool)
                        show(point, floors.get((processes, n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
