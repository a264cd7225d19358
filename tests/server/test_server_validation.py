"""Each pushed mutation is checked on its own, with the rules the client uses too
(`domain.validity`): a bad one is refused with its reason, for good; the others apply."""

from __future__ import annotations

import json

import pytest

from csm_tui import protocol as p
from csm_tui.protocol import new_uuid7
from tests.server.world import Person, World, upsert

WHEN = "2026-03-01T10:00:00+00:00"


def activity(account_id: str, **fields):
    fields = {
        "account_id": account_id,
        "kind": "call",
        "occurred_at": WHEN,
        "summary": "renewal call",
        **fields,
    }
    return upsert(p.KIND_ACTIVITY, new_uuid7(), **fields)


def push_raw(person: Person, mutations: list[dict]):
    """Push with JSON escapes (httpx's own encoder cannot carry a lone surrogate)."""
    body = json.dumps({"client_id": person.client_id, "mutations": mutations})
    return person.http.post(
        p.PUSH_PATH, content=body.encode(), headers={"Content-Type": "application/json"}
    )


def test_a_nul_character_is_refused_for_good_not_stored_again_and_again(world: World):
    """Issue 8, item 4: on PostgreSQL a NUL in a summary used to answer "storage error, retry
    may succeed" on every sync, for ever. Now it is refused with its reason, like on SQLite,
    and the rest of the push applies."""
    ann = world.ann
    account_id, _ = ann.new_account()
    good = activity(account_id)
    bad_summary = activity(account_id, summary="called\x00them")
    bad_title = upsert(p.KIND_TASK, new_uuid7(), account_id=account_id, title="send\x00deck")
    bad_note = upsert(p.KIND_PREP_NOTE_REVISION, new_uuid7(), account_id=account_id, body="a\x00b")
    last = activity(account_id)
    mutations = [good, bad_summary, bad_title, bad_note, last]
    first = ann.push(*mutations)
    assert [r["status"] for r in first] == [
        p.STATUS_APPLIED,
        p.STATUS_REJECTED,
        p.STATUS_REJECTED,
        p.STATUS_REJECTED,
        p.STATUS_APPLIED,
    ]
    for refused, field in zip(first[1:4], ("summary", "title", "body"), strict=True):
        assert refused["error"]["code"] == p.ERROR_INVALID_FIELD
        assert refused["error"]["fields"] == [field]
        assert "NUL" in refused["error"]["message"]
    assert ann.push(*mutations) == first  # the refusal is the answer, not "try again"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"summary": "broken \ud800 text"}, id="lone-surrogate"),
        pytest.param({"occurred_at": "9999-12-31T23:59:59-14:00"}, id="after-year-9999-in-utc"),
        pytest.param({"occurred_at": "0001-01-01T00:00:00+14:00"}, id="before-year-1-in-utc"),
        pytest.param({"minutes": -5}, id="negative-minutes"),
        pytest.param({"minutes": 2**31 - 1}, id="minutes-the-client-refuses"),
        pytest.param({"minutes": 10**30}, id="minutes-past-any-integer"),
        pytest.param({"base_version": 2**63}, id="base-version-past-64-bits"),
        pytest.param({"base_version": -1}, id="negative-base-version"),
    ],
)
def test_one_bad_mutation_is_refused_alone_and_the_rest_of_the_push_applies(world: World, bad):
    """Issue 8, item 5: one bad value used to turn the whole push into a 500."""
    ann = world.ann
    account_id, _ = ann.new_account()
    mutations = [activity(account_id) for _ in range(199)]
    culprit = activity(account_id)
    if "base_version" in bad:
        culprit["base_version"] = bad["base_version"]
    else:
        culprit["fields"].update(bad)
    mutations.insert(100, culprit)
    response = push_raw(ann, mutations)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    statuses = [r["status"] for r in results]
    assert statuses.count(p.STATUS_APPLIED) == 199
    assert results[100]["status"] == p.STATUS_REJECTED
    assert results[100]["error"]["code"] in (p.ERROR_INVALID_FIELD, p.ERROR_INVALID_REQUEST)
    again = push_raw(ann, mutations)
    assert again.status_code == 200 and again.json() == response.json()


def test_a_huge_accounts_offset_is_a_clear_422_not_a_server_error(world: World):
    """Issue 8, item 17: `GET /accounts?offset=4400376444799652200448` answered 500."""
    response = world.ann.http.get("/accounts", params={"offset": "4400376444799652200448"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == p.ERROR_INVALID_REQUEST
    pull = world.ann.http.get(p.PULL_PATH, params={"since": str(2**70)})
    assert pull.status_code == 422


def test_an_empty_client_id_is_refused_by_the_published_schema_too(world: World):
    """Issue 8, item 17: an empty client_id passed the schema but got 422; and the spec
    left out the 409 "cursor_ahead" answer of a pull."""
    spec = world.ann.http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["PushRequest"]["properties"]["client_id"]["minLength"] == 1
    assert schemas["PushRequest"]["properties"]["client_id"]["maxLength"] == 100
    assert "409" in spec["paths"][p.PULL_PATH]["get"]["responses"]
    response = world.ann.http.post(p.PUSH_PATH, json={"client_id": "", "mutations": []})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "path", ["/accounts/a%00b", "/accounts/a%00b/tasks", "/accounts/%ED%A0%80"]
)
def test_an_account_id_no_database_can_hold_is_simply_not_found(world: World, path: str):
    response = world.ann.http.get(path)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == p.ERROR_NOT_FOUND
