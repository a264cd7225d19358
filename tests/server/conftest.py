"""The real central API under uvicorn on 127.0.0.1, on SQLite and on PostgreSQL.

One server per backend per session; every test builds its own teams and people (unique
names), so tests do not see each other's books. PostgreSQL: a schema of its own in database
`test` at 127.0.0.1:5432, dropped at the end. Unreachable PostgreSQL skips — or fails, when
the environment variable CI is set.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest
import uvicorn

from csm_tui import protocol as p
from csm_tui.domain.clock import FixedClock
from csm_tui.server import admin
from csm_tui.server.app import create_app
from csm_tui.server.database import ServerDatabase, migrate_database
from tests.server.world import NOW, RunningServer, World, wait_for

# The PostgreSQL the suite expects (port overridable to try the skip / CI-failure path).
PG_PORT = int(os.environ.get("CSM_TUI_TEST_PG_PORT", "5432"))
PG_CONNINFO = f"host=127.0.0.1 port={PG_PORT} user=postgres dbname=test connect_timeout=3"


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(base_url + p.HEALTH_PATH, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def migrated(database_url: str) -> str:
    """`database_url`, its schema created or upgraded as `csm-tui serve admin migrate` does."""
    migrate_database(database_url)
    return database_url


@contextmanager
def _serve(database_url: str) -> Iterator[str]:
    migrate_database(database_url)
    with serve_app(create_app(database_url, clock=FixedClock(NOW))) as base_url:
        yield base_url


@contextmanager
def serve_app(app) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (an ephemeral port); its base URL."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listening socket says TCP, else every response waits ~40 ms on a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(base_url), timeout=15, what="the server's /health")
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.db.dispose()


@contextmanager
def _postgres_schema() -> Iterator[str]:
    import psycopg

    try:
        admin_conn = psycopg.connect(PG_CONNINFO, autocommit=True)
    except psycopg.OperationalError as error:
        reason = (
            f"PostgreSQL at 127.0.0.1:{PG_PORT} (user postgres, database test) unreachable: {error}"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason} — CI requires it", pytrace=False)
        pytest.skip(f"{reason}; set CI=1 to turn this skip into a failure")
    schema = f"csm_test_{uuid.uuid4().hex[:12]}"
    admin_conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/test"
            f"?options=-csearch_path%3D{schema}"
        )
    finally:
        admin_conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin_conn.close()


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def server(request, tmp_path_factory) -> Iterator[RunningServer]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("central") / "central.sqlite3"
            database_url = f"sqlite:///{path}"
        else:
            database_url = stack.enter_context(_postgres_schema())
        base_url = stack.enter_context(_serve(database_url))
        db = ServerDatabase(database_url, clock=FixedClock(NOW))
        stack.callback(db.dispose)
        http = stack.enter_context(httpx.Client(base_url=base_url, timeout=30))
        yield RunningServer(request.param, database_url, base_url, db, http)


@pytest.fixture
def world(server: RunningServer) -> World:
    suffix = uuid.uuid4().hex[:8]
    team_ids = {
        name: admin.create_team(server.db, f"{name}-{suffix}").id for name in ("north", "south")
    }
    w = World(server, {}, team_ids)
    w.person("lead", "north", "lead")
    w.person("csm", "north", "ann")
    w.person("csm", "north", "amy")
    w.person("lead", "south", "south_lead")
    w.person("csm", "south", "bob")
    w.person("admin", None, "admin")
    return w
