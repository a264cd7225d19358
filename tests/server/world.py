"""Helpers for the central API tests: people with tokens and clients, mutations, waiting."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from csm_tui import protocol as p
from csm_tui.protocol import new_uuid7
from csm_tui.server import admin
from csm_tui.server.database import ServerDatabase

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


@dataclass
class RunningServer:
    backend: str
    database_url: str
    base_url: str
    db: ServerDatabase  # for admin work from the test (a second engine on the same database)
    http: httpx.Client  # shared by every Person (one connection pool)


@dataclass
class AuthorisedHttp:
    """httpx with one person's bearer token on every request."""

    client: httpx.Client
    token: str

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)


# -- people and their clients --------------------------------------------------------------
def upsert(kind: str, record_id: str, base: int | None = None, /, **fields: Any) -> dict[str, Any]:
    return {
        "mutation_id": new_uuid7(),
        "kind": kind,
        "op": p.OP_UPSERT,
        "id": record_id,
        "base_version": base,
        "fields": fields,
    }


def delete(kind: str, record_id: str) -> dict[str, Any]:
    return {"mutation_id": new_uuid7(), "kind": kind, "op": p.OP_DELETE, "id": record_id}


@dataclass
class Person:
    """A user with a token and an HTTP client (one device: one client id)."""

    name: str
    id: str
    role: str
    token: str
    http: AuthorisedHttp
    client_id: str = field(default_factory=new_uuid7)

    def push(self, *mutations: dict[str, Any], client_id: str | None = None) -> list[dict]:
        response = self.http.post(
            p.PUSH_PATH, json={"client_id": client_id or self.client_id, "mutations": mutations}
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def push_one(self, mutation: dict[str, Any], **kw) -> dict[str, Any]:
        (result,) = self.push(mutation, **kw)
        return result

    def pull(self, since: int = 0, limit: int = p.PULL_DEFAULT_LIMIT) -> dict[str, Any]:
        response = self.http.get(p.PULL_PATH, params={"since": since, "limit": limit})
        assert response.status_code == 200, response.text
        return response.json()

    def pull_all(self, since: int = 0, limit: int = p.PULL_DEFAULT_LIMIT) -> tuple[list, int]:
        changes: list[dict] = []
        while True:
            page = self.pull(since, limit)
            changes += page["changes"]
            since = page["cursor"]
            if not page["has_more"]:
                return changes, since

    def new_account(self, name: str = "Acme Ltd", **fields: Any) -> tuple[str, dict]:
        account_id = new_uuid7()
        result = self.push_one(upsert(p.KIND_ACCOUNT, account_id, name=name, **fields))
        assert result["status"] == p.STATUS_APPLIED, result
        return account_id, result


@dataclass
class World:
    """Two teams on one server: north (lead + two CSMs) and south (lead + one CSM), an admin."""

    server: RunningServer
    people: dict[str, Person]
    team_ids: dict[str, str]

    def __getattr__(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    def person(self, role: str, team: str | None, label: str) -> Person:
        db = self.server.db
        suffix = uuid.uuid4().hex[:8]
        user = admin.create_user(db, f"{label}-{suffix}", role, self.team_ids.get(team or ""))
        token = admin.issue_token(db, user.id)
        person = Person(user.name, user.id, role, token, AuthorisedHttp(self.server.http, token))
        self.people[label] = person
        return person


# -- concurrent pushes and a reader following cursors ----------------------------------------
def one_account_each(people: Iterable[Person]) -> dict[str, str]:
    """Person id → the id of a new account of theirs ("Account of <name>")."""
    return {person.id: person.new_account(f"Account of {person.name}")[0] for person in people}


def notes_and_an_edit(account_id: str, notes: int, label: str, industry: str) -> list[dict]:
    """A push of `notes` activities logged on an account (summaries "<label>.<i>"), then an
    edit of the account itself: longer transactions that touch one row, so they overlap."""
    batch = [
        upsert(
            p.KIND_ACTIVITY,
            new_uuid7(),
            account_id=account_id,
            kind="note",
            occurred_at="2026-03-01T10:00:00+00:00",
            summary=f"{label}.{i}",
        )
        for i in range(notes)
    ]
    batch.append(upsert(p.KIND_ACCOUNT, account_id, None, industry=industry))
    return batch


def follow_cursors(
    pull: Callable[[int, int], dict[str, Any]], cursor: int, finished: Callable[[], bool]
) -> tuple[list[dict[str, Any]], int, int]:
    """Pull page after page from `cursor` (`pull(cursor, pulls so far)`) until a page with no
    more comes from a pull made once `finished()` held: the changes, the cursor, the pulls."""
    changes: list[dict[str, Any]] = []
    pulls = 0
    while True:
        done = finished()  # read before pulling: a pull after the last commit follows
        page = pull(cursor, pulls)
        pulls += 1
        changes += page["changes"]
        cursor = page["cursor"]
        if done and not page["has_more"]:
            return changes, cursor, pulls
