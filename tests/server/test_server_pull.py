"""Pull: changes since a cursor, paged, with tombstones, scoped to the caller."""

from __future__ import annotations

from csm_tui import protocol as p
from csm_tui.protocol import new_uuid7
from tests.server.world import World, delete, upsert

WHEN = "2026-03-01T10:00:00+00:00"


def test_a_first_pull_brings_the_team_people_and_the_book(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    changes, cursor = ann.pull_all()
    seen = {(c["kind"], c["id"]) for c in changes}
    assert (p.KIND_TEAM, world.team_ids["north"]) in seen
    assert {(p.KIND_USER, person.id) for person in (ann, world.amy, world.lead)} <= seen
    assert (p.KIND_USER, world.bob.id) not in seen
    assert (p.KIND_ACCOUNT, account_id) in seen
    assert ann.pull(cursor)["changes"] == []


def test_deletes_arrive_as_tombstones(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    task_id = new_uuid7()
    ann.push_one(upsert(p.KIND_TASK, task_id, account_id=account_id, title="call back"))
    _, cursor = ann.pull_all()
    ann.push_one(delete(p.KIND_TASK, task_id))
    changes, _ = ann.pull_all(cursor)
    assert [(c["kind"], c["id"], c["deleted"], c["record"]) for c in changes] == [
        (p.KIND_TASK, task_id, True, None)
    ]
    # A client that never saw the task gets the tombstone only, once.
    fresh = [c for c in world.lead.pull_all()[0] if c["id"] == task_id]
    assert [(c["deleted"], c["record"]) for c in fresh] == [(True, None)]


def test_an_account_tombstone_reaches_everyone_who_read_it(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    _, lead_cursor = world.lead.pull_all()
    ann.push_one(delete(p.KIND_ACCOUNT, account_id))
    changes, _ = world.lead.pull_all(lead_cursor)
    assert [(c["kind"], c["id"], c["deleted"]) for c in changes] == [
        (p.KIND_ACCOUNT, account_id, True)
    ]


def test_pages_follow_the_cursor_until_has_more_is_false(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    _, cursor = ann.pull_all()
    made = [
        upsert(
            p.KIND_ACTIVITY,
            new_uuid7(),
            account_id=account_id,
            kind="email",
            occurred_at=WHEN,
            summary=f"mail {i}",
        )
        for i in range(23)
    ]
    ann.push(*made)
    pages = []
    while True:
        page = ann.pull(cursor, limit=10)
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert [len(page["changes"]) for page in pages] == [10, 10, 3]
    assert [page["has_more"] for page in pages] == [True, True, False]
    versions = [c["version"] for page in pages for c in page["changes"]]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert [c["id"] for page in pages for c in page["changes"]] == [m["id"] for m in made]
    assert pages[0]["cursor"] == pages[0]["changes"][-1]["version"]
    assert ann.pull(cursor)["changes"] == []


def test_an_edited_record_arrives_once_in_its_latest_state(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    _, cursor = ann.pull_all()
    task_id = new_uuid7()
    ann.push_one(upsert(p.KIND_TASK, task_id, account_id=account_id, title="first"))
    ann.push_one(upsert(p.KIND_TASK, task_id, None, title="second"))
    changes, _ = ann.pull_all(cursor)
    assert [(c["id"], c["record"]["title"]) for c in changes] == [(task_id, "second")]


def test_other_peoples_changes_move_the_cursor_without_showing(world: World):
    ann, bob = world.ann, world.bob
    _, cursor = ann.pull_all()
    bob.new_account("Bob's own")
    page = ann.pull(cursor)
    assert page["changes"] == [] and page["has_more"] is False
    assert page["cursor"] > cursor  # no need to scan bob's change again


def test_a_cursor_from_another_server_is_refused(world: World):
    response = world.ann.http.get(p.PULL_PATH, params={"since": 10**12})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == p.ERROR_CURSOR_AHEAD


def test_pull_limits_are_checked(world: World):
    response = world.ann.http.get(p.PULL_PATH, params={"limit": p.PULL_MAX_LIMIT + 1})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == p.ERROR_INVALID_REQUEST
