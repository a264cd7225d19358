"""Several API processes on one database, many clients pushing at once: sync stays safe.

Two real `csm-tui serve` processes (PostgreSQL), or one (SQLite), each on its own ephemeral
port of 127.0.0.1, as behind a load balancer: a client's pushes and pulls go to either. While
a dozen clients push concurrently, a lead follows cursors. Afterwards:
- the versions handed out are gap-free: exactly the counter's new range, each once;
- the lead, following cursors during the run, saw every activity exactly once, in order;
- every client pulling from its cursor of before the run sees every record of its account
  exactly once, with the version its push was answered (in the change, in the record, in the
  REST read).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.protocol import new_uuid7
from csm_tui.server import admin, schema
from csm_tui.server.database import ServerDatabase, migrate_database
from tests.server.conftest import _healthy, _postgres_schema, migrated
from tests.server.world import (
    AuthorisedHttp,
    Person,
    World,
    follow_cursors,
    notes_and_an_edit,
    one_account_each,
    upsert,
    wait_for,
)

CSMS = 6
DEVICES = 2  # two clients (client ids) per CSM: their pushes touch the same account at once
PUSHES = 8
ACTIVITIES_PER_PUSH = 3
_RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@contextmanager
def serve_process(database_url: str, workers: int = 1) -> Iterator[tuple[str, int]]:
    """`csm-tui serve` in a process of its own on an ephemeral port; its base URL and pid."""
    command = [sys.executable, "-m", "csm_tui", "serve", "--database", database_url]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", "0", "--workers", str(workers)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    stderr = process.stderr

    def read_stderr() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=read_stderr, daemon=True).start()
    try:
        said: list[str] = []
        found = None
        while found is None:
            try:
                line = lines.get(timeout=30)
            except queue.Empty:
                pytest.fail(f"the server did not start within 30 s: {''.join(said)}")
            said.append(line)
            found = _RUNNING.search(line)
        base_url = found[1]
        wait_for(lambda: _healthy(base_url), timeout=30, what="the server's /health")
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Farm:
    """API processes on one database, and a way to the database for set-up and checks."""

    db: ServerDatabase
    urls: list[str]
    http: list[httpx.Client]

    def person(self, role: str, team_id: str | None, label: str, device: int = 0) -> Person:
        user = admin.create_user(self.db, f"{label}-{uuid.uuid4().hex[:8]}", role, team_id)
        token = admin.issue_token(self.db, user.id)
        http = AuthorisedHttp(self.http[device % len(self.http)], token)
        return Person(user.name, user.id, role, token, http)

    def counter(self) -> int:
        return self.db.counter()


@pytest.fixture(
    params=[
        pytest.param(("postgresql", 2), marks=pytest.mark.postgres, id="postgresql-2-processes"),
        pytest.param(("sqlite", 1), id="sqlite-1-process"),
    ]
)
def farm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Farm]:
    backend, processes = request.param
    with ExitStack() as stack:
        if backend == "sqlite":
            database_url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
        else:
            database_url = stack.enter_context(_postgres_schema())
        migrate_database(database_url)
        urls = [stack.enter_context(serve_process(database_url))[0] for _ in range(processes)]
        db = ServerDatabase(database_url)
        stack.callback(db.dispose)
        http = [stack.enter_context(httpx.Client(base_url=url, timeout=60)) for url in urls]
        yield Farm(db, urls, http)


def _other_server(person: Person, farm: Farm, n: int) -> Person:
    """The same person and client, talking to server `n` (mod the number of servers)."""
    http = AuthorisedHttp(farm.http[n % len(farm.http)], person.token)
    return Person(person.name, person.id, person.role, person.token, http, person.client_id)


def test_concurrent_pushes_through_several_processes_hand_out_gap_free_versions(
    farm: Farm,
) -> None:
    team_id = admin.create_team(farm.db, f"north-{uuid.uuid4().hex[:8]}").id
    lead = farm.person("lead", team_id, "lead")
    csms = [farm.person("csm", team_id, f"csm{i}") for i in range(CSMS)]
    accounts = one_account_each(csms)
    # Each CSM on two devices: own client ids, cursors taken before the run.
    clients = [
        (csm, Person(csm.name, csm.id, csm.role, csm.token, csm.http))
        for _ in range(DEVICES)
        for csm in csms
    ]
    cursors = [client.pull_all()[1] for _, client in clients]
    _, lead_cursor = lead.pull_all()
    before = farm.counter()

    answered: list[int] = []  # every version handed out in an answer
    pushed: dict[str, set[str]] = {account_id: set() for account_id in accounts.values()}
    account_versions: dict[str, list[int]] = {account_id: [] for account_id in accounts.values()}
    lock = threading.Lock()
    failures: list[BaseException] = []
    start = threading.Barrier(len(clients) + 1)

    def run(index: int, csm: Person, client: Person) -> None:
        try:
            account_id = accounts[csm.id]
            start.wait(timeout=30)
            for n in range(PUSHES):
                batch = notes_and_an_edit(
                    account_id, ACTIVITIES_PER_PUSH, f"{index}.{n}", f"{index}.{n}"
                )
                results = _other_server(client, farm, index + n).push(*batch)
                assert [r["status"] for r in results] == [p.STATUS_APPLIED] * len(batch), [
                    r.get("error") for r in results
                ]
                with lock:
                    answered.extend(r["version"] for r in results)
                    pushed[account_id].update(m["id"] for m in batch[:-1])
                    account_versions[account_id].append(results[-1]["version"])
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [
        threading.Thread(target=run, args=(i, csm, client))
        for i, (csm, client) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=30)

    # The lead follows cursors meanwhile, page after page, from either server.
    changes, lead_cursor, _ = follow_cursors(
        lambda since, pulls: _other_server(lead, farm, pulls).pull(since, limit=7),
        lead_cursor,
        lambda: not any(t.is_alive() for t in threads),
    )
    versions = [change["version"] for change in changes]
    seen = [change["id"] for change in changes if change["kind"] == p.KIND_ACTIVITY]
    for thread in threads:
        thread.join()
    assert not failures, failures

    after = farm.counter()
    expected = len(clients) * PUSHES * (ACTIVITIES_PER_PUSH + 1)
    assert after - before == expected
    assert sorted(answered) == list(range(before + 1, after + 1))  # gap-free, each once
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    every_activity = set().union(*pushed.values())
    assert len(every_activity) == len(clients) * PUSHES * ACTIVITIES_PER_PUSH
    assert sorted(seen) == sorted(every_activity)  # each exactly once
    assert lead_cursor == after

    for (csm, client), cursor in zip(clients, cursors, strict=True):
        account_id = accounts[csm.id]
        changes, _ = _other_server(client, farm, 1).pull_all(cursor, limit=50)
        activities = [c["id"] for c in changes if c["kind"] == p.KIND_ACTIVITY]
        assert sorted(activities) == sorted(pushed[account_id])
        (account,) = [c for c in changes if c["kind"] == p.KIND_ACCOUNT]
        last = max(account_versions[account_id])
        assert account["version"] == account["record"]["version"] == last
        rest = client.http.get(f"/accounts/{account_id}")
        assert rest.json()["version"] == last


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts worker processes in /proc")
def test_serve_with_two_workers_runs_two_api_processes_on_one_port(tmp_path: Path) -> None:
    database_url = migrated(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    db = ServerDatabase(database_url)
    try:
        team_id = admin.create_team(db, "north").id
        user = admin.create_user(db, "ann", "csm", team_id)
        token = admin.issue_token(db, user.id)
    finally:
        db.dispose()
    with serve_process(database_url, workers=2) as (url, pid):
        wait_for(lambda: len(_children(pid)) >= 2, timeout=30, what="two worker processes")
        with httpx.Client(base_url=url, timeout=30) as client:
            ann = Person("ann", user.id, "csm", token, AuthorisedHttp(client, token))
            answers = [ann.new_account(f"Acme {n}")[1] for n in range(6)]
            changes, cursor = ann.pull_all()
    accounts = [c["version"] for c in changes if c["kind"] == p.KIND_ACCOUNT]
    assert sorted(accounts) == sorted(a["version"] for a in answers)
    assert cursor == max(a["version"] for a in answers)


def test_text_that_looks_like_a_version_is_stored_as_typed(world: World) -> None:
    """Provisional versions are renumbered in the JSON; a summary spelling one is text."""
    ann = world.ann
    account_id, _ = ann.new_account("Acme")
    summary = '{"version":-1},"version":-2,"version":4611686018427387905'
    activity_id = new_uuid7()
    result = ann.push_one(
        upsert(
            p.KIND_ACTIVITY,
            activity_id,
            account_id=account_id,
            kind="note",
            occurred_at="2026-03-01T10:00:00+00:00",
            summary=summary,
        )
    )
    assert result["status"] == p.STATUS_APPLIED and result["record"]["summary"] == summary
    changes, _ = ann.pull_all()
    (pulled,) = [c for c in changes if c["id"] == activity_id]
    assert pulled["record"]["summary"] == summary
    assert pulled["version"] == result["version"]


def test_a_change_undone_by_a_storage_error_leaves_the_record_at_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The late numbering forgets what a failed mutation's savepoint undid: the record keeps
    the version its last committed change gave it, in the REST read as in pulls."""
    from csm_tui.domain.records import Role
    from csm_tui.server import database, reads
    from csm_tui.server.access import Caller
    from csm_tui.server.pull import pull_changes
    from csm_tui.server.push import push_mutations

    db = ServerDatabase(migrated(f"sqlite:///{tmp_path / 'central.sqlite3'}"))
    try:
        team_id = admin.create_team(db, "north").id
        user = admin.create_user(db, "ann", "csm", team_id)
        ann = Caller(user.id, user.name, Role.CSM, team_id)
        account_id = new_uuid7()
        (created,) = push_mutations(db, ann, "c1", [upsert(p.KIND_ACCOUNT, account_id, name="A")])

        put_version = database.WriteTx.put_version

        def failing(self: database.WriteTx, kind: str, *args: object, **kw: object) -> int:
            if kind == p.KIND_ACCOUNT:
                raise sa.exc.OperationalError("UPDATE", {}, Exception("disk I/O error"))
            return put_version(self, kind, *args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(database.WriteTx, "put_version", failing)
        activity = upsert(
            p.KIND_ACTIVITY,
            new_uuid7(),
            account_id=account_id,
            kind="note",
            occurred_at="2026-03-01T10:00:00+00:00",
        )
        edit = upsert(p.KIND_ACCOUNT, account_id, None, industry="retail")
        logged, refused = push_mutations(db, ann, "c1", [activity, edit])
        monkeypatch.undo()
        assert logged["status"] == p.STATUS_APPLIED
        assert refused["error"]["code"] == p.ERROR_STORAGE

        with db.read() as conn:
            rest = reads.get_account(conn, ann, account_id)
        page = json.loads(pull_changes(db, ann, 0, 100))
        (pulled,) = [c for c in page["changes"] if c["id"] == account_id]
        assert rest["version"] == pulled["version"] == created["version"]
        assert rest["industry"] != "retail"
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_pull_stops_below_a_version_still_in_flight_and_resumes_once_it_commits() -> None:
    """PostgreSQL commits in parallel: a push that took its versions later may commit first.
    A pull meanwhile ends below the versions still in flight (its cursor too), so the slower
    transaction's records still reach the client when it commits; a rolled-back one leaves a
    gap the pulls then step over."""
    from csm_tui.domain.records import Role
    from csm_tui.server.access import Caller
    from csm_tui.server.pull import pull_changes
    from csm_tui.server.push import push_mutations

    with _postgres_schema() as database_url:
        migrate_database(database_url)
        db = ServerDatabase(database_url)
        try:
            team_id = admin.create_team(db, "north").id
            user = admin.create_user(db, "ann", "csm", team_id)
            ann = Caller(user.id, user.name, Role.CSM, team_id)
            boss = Caller(admin.create_user(db, "root", "admin").id, "root", Role.ADMIN, None)
            account_id = new_uuid7()
            push_mutations(db, ann, "c1", [upsert(p.KIND_ACCOUNT, account_id, name="Acme")])

            def pull(since: int) -> tuple[list[int], int]:
                page = json.loads(pull_changes(db, boss, since, 1000))
                return [c["version"] for c in page["changes"]], page["cursor"]

            _, cursor = pull(0)
            slow = db.engine.connect()
            slow_tx = slow.begin()
            first = slow.execute(sa.text("SELECT csm_reserve_versions(1)")).scalar_one()
            slow.execute(
                sa.insert(schema.record_versions).values(
                    kind=p.KIND_ACTIVITY,
                    record_id="slow",
                    version=first,
                    account_id=account_id,
                    deleted=False,
                    record_json="{}",
                )
            )
            (fast,) = push_mutations(
                db, ann, "c2", [upsert(p.KIND_ACCOUNT, account_id, None, industry="retail")]
            )
            assert fast["version"] == first + 1 == db.counter()

            versions, held = pull(cursor)
            assert versions == [] and held == first - 1  # the fast push waits for the slow one
            slow_tx.commit()
            versions, cursor = pull(held)
            assert versions == [first, first + 1] and cursor == first + 1

            slow_tx = slow.begin()
            gap = slow.execute(sa.text("SELECT csm_reserve_versions(2)")).scalar_one()
            (after,) = push_mutations(
                db, ann, "c2", [upsert(p.KIND_ACCOUNT, account_id, None, industry="mining")]
            )
            assert pull(cursor) == ([], gap - 1)
            slow_tx.rollback()
            slow.close()
            assert pull(cursor) == ([after["version"]], gap + 2)
        finally:
            db.dispose()
