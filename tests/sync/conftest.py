"""The real central API under uvicorn for sync tests (SQLite and PostgreSQL), devices with
their own caches, a fault-injecting proxy, and an in-memory keyring."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from csm_tui.domain.clock import FixedClock
from csm_tui.server import admin
from csm_tui.server.database import ServerDatabase
from tests.server.conftest import _postgres_schema, _serve
from tests.server.world import NOW, RunningServer, World
from tests.sync.proxy import FaultProxy


def _running(backend: str, stack: ExitStack, tmp_path_factory) -> RunningServer:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("central") / "central.sqlite3"
        database_url = f"sqlite:///{path}"
    else:
        database_url = stack.enter_context(_postgres_schema())
    base_url = stack.enter_context(_serve(database_url))
    db = ServerDatabase(database_url, clock=FixedClock(NOW))
    stack.callback(db.dispose)
    http = stack.enter_context(httpx.Client(base_url=base_url, timeout=30))
    return RunningServer(backend, database_url, base_url, db, http)


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def central(request, tmp_path_factory) -> Iterator[RunningServer]:
    """The real server on SQLite and on PostgreSQL (CI fails, not skips, without it)."""
    with ExitStack() as stack:
        yield _running(request.param, stack, tmp_path_factory)


@pytest.fixture(scope="session")
def sqlite_central(tmp_path_factory) -> Iterator[RunningServer]:
    with ExitStack() as stack:
        yield _running("sqlite", stack, tmp_path_factory)


def make_world(server: RunningServer) -> World:
    suffix = uuid.uuid4().hex[:8]
    team_ids = {
        name: admin.create_team(server.db, f"{name}-{suffix}").id for name in ("north", "south")
    }
    w = World(server, {}, team_ids)
    w.person("lead", "north", "lead")
    w.person("csm", "north", "ann")
    w.person("csm", "north", "amy")
    w.person("csm", "south", "bob")
    return w


@pytest.fixture
def world(central: RunningServer) -> World:
    return make_world(central)


@pytest.fixture
def proxy(central: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(central.base_url) as running:
        yield running


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.passwords[(service, username)]
        except KeyError:
            raise PasswordDeleteError("no such password") from None


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The fail backend: what a machine without any keyring has."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)
