"""Who may read and change what: tokens, forged owners, other teams' books, leads."""

from __future__ import annotations

import httpx
import pytest

from csm_tui import protocol as p
from csm_tui.protocol import new_uuid7
from csm_tui.server import admin
from csm_tui.server.reads import AccountPart
from tests.server.world import World, upsert

NOW_ISO = "2026-03-01T10:00:00+00:00"

# One valid new record of each kind under `account_id` (account signals: id = account id).
CHILD_FIELDS = {
    p.KIND_CONTACT: {"name": "Li Wei", "role": "champion"},
    p.KIND_ACTIVITY: {"kind": "call", "occurred_at": NOW_ISO, "summary": "kick-off"},
    p.KIND_TASK: {"title": "send the QBR deck", "due_on": "2026-03-09"},
    p.KIND_CHECKLIST_ITEM: {"stage": "onboarding", "item_key": "kickoff", "label": "Kick-off"},
    p.KIND_STAGE_CHANGE: {"to_stage": "activation", "changed_at": NOW_ISO},
    p.KIND_HEALTH_SNAPSHOT: {"taken_on": "2026-03-01", "score": 64},
    p.KIND_ARR_EVENT: {"effective_on": "2026-03-01", "kind": "new", "arr_after_usd": 9000.0},
    p.KIND_RENEWAL_DECISION: {
        "decided_on": "2026-03-01",
        "outcome": "renewed",
        "direction": "flat",
        "arr_before": 9000.0,
        "arr_after": 9000.0,
        "term_end": "2027-03-01",
    },
    p.KIND_TIER_OVERRIDE: {"set_on": "2026-03-01", "tier": "strategic", "reason": "flagship"},
    p.KIND_PREP_NOTE_REVISION: {"body": "ask about the renewal"},
    p.KIND_ACCOUNT_SIGNALS: {"measured_on": "2026-03-01", "weekly_active_users": 40},
}
PART_OF = {
    p.KIND_CONTACT: AccountPart.CONTACTS,
    p.KIND_ACTIVITY: AccountPart.ACTIVITIES,
    p.KIND_TASK: AccountPart.TASKS,
    p.KIND_CHECKLIST_ITEM: AccountPart.CHECKLIST_ITEMS,
    p.KIND_STAGE_CHANGE: AccountPart.STAGE_CHANGES,
    p.KIND_HEALTH_SNAPSHOT: AccountPart.HEALTH_SNAPSHOTS,
    p.KIND_ARR_EVENT: AccountPart.ARR_EVENTS,
    p.KIND_RENEWAL_DECISION: AccountPart.RENEWAL_DECISIONS,
    p.KIND_TIER_OVERRIDE: AccountPart.TIER_OVERRIDES,
    p.KIND_PREP_NOTE_REVISION: AccountPart.PREP_NOTE_REVISIONS,
}


def child(kind: str, account_id: str, **extra):
    record_id = account_id if kind == p.KIND_ACCOUNT_SIGNALS else new_uuid7()
    fields = dict(CHILD_FIELDS[kind], **extra)
    if kind != p.KIND_ACCOUNT_SIGNALS:
        fields["account_id"] = account_id
    return record_id, upsert(kind, record_id, **fields)


def listing(person, account_id: str, kind: str) -> httpx.Response:
    if kind == p.KIND_ACCOUNT_SIGNALS:
        return person.http.get(f"/accounts/{account_id}/signals")
    return person.http.get(f"/accounts/{account_id}/{PART_OF[kind].value}")


# -- tokens ----------------------------------------------------------------------------------
PROTECTED = [
    ("GET", "/me"),
    ("GET", "/users"),
    ("GET", "/teams"),
    ("GET", "/accounts"),
    ("GET", "/accounts/x"),
    ("GET", "/accounts/x/activities"),
    ("GET", "/accounts/x/signals"),
    ("GET", p.PULL_PATH),
    ("POST", p.PUSH_PATH),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_resource_needs_a_token(server, method, path):
    response = httpx.request(
        method, server.base_url + path, json={"client_id": "c", "mutations": []}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_MISSING
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_token_is_refused_as_invalid(server):
    response = httpx.get(server.base_url + "/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_INVALID


def test_revoked_token_stops_working_and_changes_nothing(world: World):
    ann = world.ann
    assert ann.http.get("/me").json()["name"] == ann.name
    admin.revoke_token(world.server.db, ann.token[:8])
    account_id = new_uuid7()
    response = ann.http.post(
        p.PUSH_PATH,
        json={
            "client_id": ann.client_id,
            "mutations": [upsert(p.KIND_ACCOUNT, account_id, name="X")],
        },
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_REVOKED
    assert world.admin.http.get(f"/accounts/{account_id}").status_code == 404


def test_an_unknown_token_pushes_nothing_and_pulls_nothing(world: World):
    """The sync endpoints check the token on the connection of their own work (the push:
    in its transaction); a token the server does not know is refused there all the same."""
    ann = world.ann
    account_id = new_uuid7()
    guess = {"Authorization": "Bearer " + "x" * 43}
    mutation = upsert(p.KIND_ACCOUNT, account_id, name="Guessed")
    pushed = httpx.post(
        world.server.base_url + p.PUSH_PATH,
        json={"client_id": ann.client_id, "mutations": [mutation]},
        headers=guess,
    )
    pulled = httpx.get(world.server.base_url + p.PULL_PATH, headers=guess)
    for response in (pushed, pulled):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == p.ERROR_TOKEN_INVALID
        assert response.headers["www-authenticate"] == 'Bearer error="token_invalid"'
    assert world.admin.http.get(f"/accounts/{account_id}").status_code == 404
    # The same push with ann's token applies: the refused one left no answer behind.
    (result,) = ann.push(mutation)
    assert result["status"] == p.STATUS_APPLIED


def test_a_revoked_token_pulls_nothing(world: World):
    ann = world.ann
    ann.new_account()
    assert ann.http.get(p.PULL_PATH).status_code == 200
    admin.revoke_token(world.server.db, ann.token[:8])
    response = ann.http.get(p.PULL_PATH)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_REVOKED


# -- forged owners ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(p.OWNER_FIELDS))
def test_forged_owner_is_refused_and_nothing_is_stored(world: World, kind):
    ann, amy = world.ann, world.amy
    owner_field = p.OWNER_FIELDS[kind]
    if kind == p.KIND_ACCOUNT:
        record_id = new_uuid7()
        mutation = upsert(kind, record_id, name="Forged", **{owner_field: amy.id})
    else:
        account_id, _ = ann.new_account()
        record_id, mutation = child(kind, account_id, **{owner_field: amy.id})
    result = ann.push_one(mutation)
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_FORGED_OWNER
    assert result["error"]["fields"] == [owner_field]
    kinds_seen = {(c["kind"], c["id"]) for c in world.admin.pull_all()[0]}
    assert (kind, record_id) not in kinds_seen


@pytest.mark.parametrize("kind", sorted(p.OWNER_FIELDS))
def test_owner_of_a_new_record_comes_from_the_token(world: World, kind):
    ann = world.ann
    if kind == p.KIND_ACCOUNT:
        mutation = upsert(kind, new_uuid7(), name="Mine")
    else:
        account_id, _ = ann.new_account()
        _, mutation = child(kind, account_id)
    result = ann.push_one(mutation)
    assert result["status"] == p.STATUS_APPLIED, result
    assert result["record"][p.OWNER_FIELDS[kind]] == ann.id


# -- another team's account ------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(CHILD_FIELDS))
def test_adding_to_another_teams_account_is_not_found_and_changes_nothing(world: World, kind):
    account_id, _ = world.ann.new_account()
    _, mutation = child(kind, account_id)
    result = world.bob.push_one(mutation)
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_NOT_FOUND
    never_used = new_uuid7()
    _, mutation = child(kind, never_used)
    unknown = world.bob.push_one(mutation)
    assert unknown["error"]["code"] == p.ERROR_NOT_FOUND  # the same answer: existence not leaked
    response = listing(world.ann, account_id, kind)
    if kind == p.KIND_ACCOUNT_SIGNALS:
        assert response.status_code == 404
    else:
        assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("kind", sorted(CHILD_FIELDS))
def test_reading_another_teams_records_is_not_found(world: World, kind):
    account_id, _ = world.ann.new_account()
    _, mutation = child(kind, account_id)
    assert world.ann.push_one(mutation)["status"] == p.STATUS_APPLIED
    response = listing(world.bob, account_id, kind)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == p.ERROR_NOT_FOUND
    assert listing(world.lead, account_id, kind).status_code == 200  # ann's lead reads it
    assert listing(world.amy, account_id, kind).status_code == 404  # a teammate CSM does not


@pytest.mark.parametrize("kind", sorted(CHILD_FIELDS))
def test_changing_another_teams_record_is_not_found_and_changes_nothing(world: World, kind):
    account_id, _ = world.ann.new_account()
    record_id, mutation = child(kind, account_id)
    before = world.ann.push_one(mutation)["record"]
    change = dict(mutation, mutation_id=new_uuid7())
    result = world.bob.push_one(change)
    assert result["error"]["code"] == p.ERROR_NOT_FOUND
    assert result["record"] is None  # nothing of ann's record leaks into bob's answer
    if kind in p.DELETABLE_KINDS:
        gone = world.bob.push_one(
            {"mutation_id": new_uuid7(), "kind": kind, "op": "delete", "id": record_id}
        )
        assert gone["error"]["code"] == p.ERROR_NOT_FOUND
    after = [
        c["record"] for c in world.ann.pull_all()[0] if (c["kind"], c["id"]) == (kind, record_id)
    ]
    assert after == [before]


def test_another_teams_account_is_not_found_for_reads_writes_and_deletes(world: World):
    account_id, created = world.ann.new_account(arr=120_000)
    bob = world.bob
    assert bob.http.get(f"/accounts/{account_id}").status_code == 404
    assert account_id not in {a["id"] for a in bob.http.get("/accounts").json()}
    renamed = bob.push_one(upsert(p.KIND_ACCOUNT, account_id, created["version"], name="Mine"))
    assert renamed["error"]["code"] == p.ERROR_NOT_FOUND
    deleted = bob.push_one(
        {"mutation_id": new_uuid7(), "kind": "account", "op": "delete", "id": account_id}
    )
    assert deleted["error"]["code"] == p.ERROR_NOT_FOUND
    assert world.ann.http.get(f"/accounts/{account_id}").json()["name"] == "Acme Ltd"
    assert account_id not in {c["id"] for c in bob.pull_all()[0]}


def test_a_lead_reads_the_team_but_writes_only_their_own_book(world: World):
    account_id, created = world.ann.new_account()
    lead = world.lead
    assert lead.http.get(f"/accounts/{account_id}").status_code == 200
    assert account_id in {a["id"] for a in lead.http.get("/accounts").json()}
    renamed = lead.push_one(upsert(p.KIND_ACCOUNT, account_id, created["version"], name="Lead's"))
    assert renamed["status"] == p.STATUS_REJECTED
    assert renamed["error"]["code"] == p.ERROR_FORBIDDEN
    _, task = child(p.KIND_TASK, account_id)
    assert lead.push_one(task)["error"]["code"] == p.ERROR_FORBIDDEN
    assert world.ann.http.get(f"/accounts/{account_id}").json()["name"] == "Acme Ltd"
    assert world.south_lead.http.get(f"/accounts/{account_id}").status_code == 404


def test_people_lists_are_scoped_to_the_team(world: World):
    names = {u["name"] for u in world.ann.http.get("/users").json()}
    assert names == {world.ann.name, world.amy.name, world.lead.name}
    assert [t["id"] for t in world.ann.http.get("/teams").json()] == [world.team_ids["north"]]
    everyone = {u["name"] for u in world.admin.http.get("/users").json()}
    assert {world.bob.name, world.ann.name, world.admin.name} <= everyone


def test_users_and_teams_are_read_only_for_clients(world: World):
    result = world.admin.push_one(upsert(p.KIND_USER, world.ann.id, name="renamed"))
    assert result["error"]["code"] == p.ERROR_READ_ONLY


# -- reassignment ----------------------------------------------------------------------------
def test_a_lead_reassigns_within_the_team(world: World):
    ann, amy, lead = world.ann, world.amy, world.lead
    account_id, created = ann.new_account()
    _, note = child(p.KIND_ACTIVITY, account_id)
    ann.push_one(note)
    ann_cursor = ann.pull_all()[1]
    amy_cursor = amy.pull_all()[1]

    moved = lead.push_one(upsert(p.KIND_ACCOUNT, account_id, created["version"], owner_id=amy.id))
    assert moved["status"] == p.STATUS_APPLIED, moved
    assert moved["record"]["owner_id"] == amy.id

    # amy now has the account and everything under it; ann is told it left her book.
    amy_changes = amy.pull_all(amy_cursor)[0]
    assert {(c["kind"], c["id"]) for c in amy_changes} >= {
        (p.KIND_ACCOUNT, account_id),
        (p.KIND_ACTIVITY, note["id"]),
    }
    assert amy_changes[0]["kind"] == p.KIND_ACCOUNT  # parent before children
    ann_changes = ann.pull_all(ann_cursor)[0]
    assert [(c["kind"], c["id"], c["deleted"]) for c in ann_changes] == [
        (p.KIND_ACCOUNT, account_id, True)
    ]
    assert ann.http.get(f"/accounts/{account_id}").status_code == 404
    assert amy.http.get(f"/accounts/{account_id}").status_code == 200


def test_a_lead_cannot_reassign_outside_the_team(world: World):
    account_id, created = world.ann.new_account()
    result = world.lead.push_one(
        upsert(p.KIND_ACCOUNT, account_id, created["version"], owner_id=world.bob.id)
    )
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_FORBIDDEN
    assert world.ann.http.get(f"/accounts/{account_id}").json()["owner_id"] == world.ann.id
    assert world.bob.http.get(f"/accounts/{account_id}").status_code == 404


def test_a_csm_cannot_reassign_their_own_account(world: World):
    account_id, created = world.ann.new_account()
    result = world.ann.push_one(
        upsert(p.KIND_ACCOUNT, account_id, created["version"], owner_id=world.amy.id)
    )
    assert result["error"]["code"] == p.ERROR_FORBIDDEN
    assert world.ann.http.get(f"/accounts/{account_id}").json()["owner_id"] == world.ann.id


def test_an_admin_moves_an_account_to_another_team(world: World):
    account_id, created = world.ann.new_account()
    lead_cursor = world.lead.pull_all()[1]
    result = world.admin.push_one(
        upsert(p.KIND_ACCOUNT, account_id, created["version"], owner_id=world.bob.id)
    )
    assert result["status"] == p.STATUS_APPLIED
    assert world.bob.http.get(f"/accounts/{account_id}").status_code == 200
    assert world.south_lead.http.get(f"/accounts/{account_id}").status_code == 200
    lead_changes = world.lead.pull_all(lead_cursor)[0]
    assert (p.KIND_ACCOUNT, account_id, True) in {
        (c["kind"], c["id"], c["deleted"]) for c in lead_changes
    }
