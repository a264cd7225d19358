"""What a fault soak found: huge bodies were accepted, token guessing was never slowed down,
tokens never expired. The real API under uvicorn, as a client (or an attacker) meets it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain.clock import FixedClock
from csm_tui.server import admin, schema
from csm_tui.server.app import create_app
from csm_tui.server.database import ServerDatabase, open_database
from csm_tui.server.limits import MIB, ServerLimits
from csm_tui.sync.client import AuthError, SyncClient
from tests.server.conftest import migrated, serve_app
from tests.server.world import NOW, World

LIMIT = 1 * MIB


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def small_server(tmp_path):
    """A server of its own (SQLite) with a 1 MiB body limit and 5 refused tokens a minute."""
    limits = ServerLimits(max_body_bytes=LIMIT, failed_auth_limit=5, failed_auth_window=60)
    url = migrated(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    app = create_app(url, clock=FixedClock(NOW), limits=limits)
    monotonic = FakeMonotonic()
    app.state.auth_throttle.monotonic = monotonic
    db: ServerDatabase = app.state.db
    team = admin.create_team(db, "north")
    admin.create_user(db, "ann", "csm", team.id)
    token = admin.issue_token(db, "ann")
    with serve_app(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        yield http, token, monotonic


def push_body(size: int) -> bytes:
    padding = "x" * size
    return f'{{"client_id": "c1", "mutations": [], "padding": "{padding}"}}'.encode()


def test_a_body_over_the_limit_is_refused_with_413_saying_the_limit(small_server):
    http, token, _ = small_server
    response = http.post(
        p.PUSH_PATH,
        content=push_body(LIMIT + 1),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == p.ERROR_TOO_LARGE
    assert "limited to 1 MiB" in error["message"]
    # The server is still there for a push of a normal size.
    ok = http.post(
        p.PUSH_PATH,
        content=push_body(1000),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert ok.status_code == 200 and ok.json() == {"results": []}


def test_a_chunked_body_that_grows_over_the_limit_is_refused_with_413(small_server):
    http, token, _ = small_server

    def chunks():  # no Content-Length: the server learns the size as it reads
        yield b'{"client_id": "c1", "mutations": [], "padding": "'
        for _ in range(40):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = http.post(
        p.PUSH_PATH,
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == p.ERROR_TOO_LARGE


def test_the_default_limit_refuses_a_50_mb_body(tmp_path):
    app = create_app(migrated(f"sqlite:///{tmp_path / 'central.sqlite3'}"), clock=FixedClock(NOW))
    with serve_app(app) as base_url:
        response = httpx.post(
            base_url + p.PUSH_PATH,
            content=b" " * (50 * 1000 * 1000),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
    assert response.status_code == 413
    assert "limited to 16 MiB" in response.json()["error"]["message"]


def test_guessing_tokens_is_answered_429_with_retry_after_then_allowed_again(small_server):
    http, token, monotonic = small_server
    for n in range(5):
        wrong = http.get("/me", headers={"Authorization": f"Bearer guess-{n}"})
        assert wrong.status_code == 401
        monotonic.now += 1
    throttled = http.get("/me", headers={"Authorization": "Bearer guess-5"})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == p.ERROR_AUTH_THROTTLED
    assert throttled.headers["Retry-After"] == "55"  # the first guess leaves the window then
    # While throttled, even the right token is not looked at: guessing learns nothing.
    assert http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 429
    # A request that needs no token is not throttled.
    assert http.get(p.HEALTH_PATH).status_code == 200
    monotonic.now += 55
    me = http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["name"] == "ann"


def test_guesses_at_push_and_pull_count_toward_the_same_limit(small_server):
    http, token, _ = small_server
    body = {"client_id": "c1", "mutations": []}
    for n in range(5):
        guess = {"Authorization": f"Bearer guess-{n}"}
        if n % 2:
            wrong = http.get(p.PULL_PATH, headers=guess)
        else:
            wrong = http.post(p.PUSH_PATH, json=body, headers=guess)
        assert wrong.status_code == 401
    mine = {"Authorization": f"Bearer {token}"}
    for throttled in (
        http.get(p.PULL_PATH, headers=mine),
        http.post(p.PUSH_PATH, json=body, headers=mine),
    ):
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == p.ERROR_AUTH_THROTTLED


def test_requests_without_a_token_do_not_count_as_guesses(small_server):
    http, token, _ = small_server
    for _ in range(10):
        assert http.get("/me").status_code == 401
    assert http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def backdated(server_db: ServerDatabase, days: int) -> ServerDatabase:
    """The same database, with an admin working `days` ago."""
    return ServerDatabase(server_db.url, clock=FixedClock(NOW - timedelta(days=days)))


def test_an_expired_token_is_refused_with_its_own_code_and_the_client_says_sign_in_again(
    world: World,
):
    name = f"erin-{uuid.uuid4().hex[:6]}"
    admin.create_user(world.server.db, name, "csm", world.team_ids["north"])
    past = backdated(world.server.db, 91)
    try:
        old = admin.issue_token(past, name, timedelta(days=90))
        fresh = admin.issue_token(past, name, timedelta(days=92))
    finally:
        past.dispose()
    refused = world.server.http.get("/me", headers={"Authorization": f"Bearer {old}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == p.ERROR_TOKEN_EXPIRED
    assert refused.headers["WWW-Authenticate"] == f'Bearer error="{p.ERROR_TOKEN_EXPIRED}"'
    ok = world.server.http.get("/me", headers={"Authorization": f"Bearer {fresh}"})
    assert ok.status_code == 200
    with (
        SyncClient(world.server.base_url, old, sleep=lambda _s: None) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.me()
    assert caught.value.code == p.ERROR_TOKEN_EXPIRED
    assert "sign in again" in str(caught.value)


def test_rotating_a_token_revokes_the_old_one_and_the_new_one_works(world: World):
    name = f"rita-{uuid.uuid4().hex[:6]}"
    admin.create_user(world.server.db, name, "csm", world.team_ids["north"])
    old = admin.issue_token(world.server.db, name, timedelta(days=90))
    new, info = admin.rotate_token(world.server.db, old[:8], timedelta(days=30))
    assert info.user_name == name and info.revoked_at is not None
    gone = world.server.http.get("/me", headers={"Authorization": f"Bearer {old}"})
    assert gone.json()["error"]["code"] == p.ERROR_TOKEN_REVOKED
    me = world.server.http.get("/me", headers={"Authorization": f"Bearer {new}"})
    assert me.status_code == 200 and me.json()["name"] == name
    with pytest.raises(admin.AdminError, match="is revoked"):
        admin.rotate_token(world.server.db, old[:8])


def test_a_server_database_from_before_token_expiry_gains_the_column_and_keeps_its_tokens(
    tmp_path,
):
    url = migrated(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db = open_database(url, FixedClock(NOW))
    team = admin.create_team(db, "north")
    admin.create_user(db, "ann", "csm", team.id)
    token = admin.issue_token(db, "ann")
    with db.engine.begin() as conn:  # as a server made the table before expiry existed
        conn.exec_driver_sql("ALTER TABLE api_tokens DROP COLUMN expires_at")
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.dispose()
    app = create_app(migrated(url), clock=FixedClock(NOW))
    columns = {c["name"] for c in sa.inspect(app.state.db.engine).get_columns("api_tokens")}
    assert "expires_at" in columns
    with serve_app(app) as base_url:
        me = httpx.get(base_url + "/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert schema.tokens.c.expires_at.nullable


def test_changes_too_large_to_push_together_are_split_and_only_an_oversized_one_is_refused(
    tmp_path,
):
    from csm_tui.sync.engine import list_rejected
    from tests.server.world import Person
    from tests.sync.devices import Device

    app = create_app(
        migrated(f"sqlite:///{tmp_path / 'central.sqlite3'}"),
        clock=FixedClock(NOW),
        limits=ServerLimits(max_body_bytes=LIMIT),
    )
    db: ServerDatabase = app.state.db
    team = admin.create_team(db, "north")
    user = admin.create_user(db, "ann", "csm", team.id)
    person = Person("ann", user.id, "csm", admin.issue_token(db, "ann"), None)
    with serve_app(app) as base_url:
        laptop = Device("laptop", person, tmp_path / "laptop.sqlite3", base_url)
        try:
            laptop.sync()
            account_id = laptop.new_account("Acme Ltd")
            notes = [laptop.log_activity(account_id, f"{n}: " + "长" * 200_000) for n in range(3)]
            huge = laptop.log_activity(account_id, "长" * 400_000)  # 1.2 MB alone
            report = laptop.sync()
            assert (report.applied, report.rejected) == (4, 1), report.summary()
            (rejected,) = list_rejected(laptop.conn)
            assert rejected.code == p.ERROR_TOO_LARGE and rejected.item.record_id == huge
            assert report.errors == []
        finally:
            laptop.close()
    assert len(notes) == 3
