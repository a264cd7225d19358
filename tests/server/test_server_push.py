"""Push: applied once, answered the same; the conflict rule of each record kind."""

from __future__ import annotations

import threading

import pytest

from csm_tui import protocol as p
from csm_tui.protocol import checklist_item_id, new_uuid7
from tests.server.world import Person, World, delete, upsert

WHEN = "2026-03-01T10:00:00+00:00"


def activity(account_id: str, record_id: str | None = None, **fields):
    fields = {
        "account_id": account_id,
        "kind": "call",
        "occurred_at": WHEN,
        "summary": "renewal call",
        **fields,
    }
    return upsert(p.KIND_ACTIVITY, record_id or new_uuid7(), **fields)


def activities(person: Person, account_id: str) -> list[dict]:
    response = person.http.get(f"/accounts/{account_id}/activities")
    assert response.status_code == 200
    return response.json()


def second_device(person: Person) -> Person:
    """The same user on another machine: same token, another client id."""
    return Person(person.name, person.id, person.role, person.token, person.http)


# -- idempotency -----------------------------------------------------------------------------
def test_the_same_push_twice_applies_once_and_answers_the_same(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    body = {"client_id": ann.client_id, "mutations": [activity(account_id)]}
    first = ann.http.post(p.PUSH_PATH, json=body)
    again = ann.http.post(p.PUSH_PATH, json=body)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["results"][0]["status"] == p.STATUS_APPLIED
    assert len(activities(ann, account_id)) == 1
    kinds = [c["kind"] for c in ann.pull_all()[0]]
    assert kinds.count(p.KIND_ACTIVITY) == 1


def test_the_same_push_sent_three_times_at_once_applies_once(world: World):
    """A client that retries before the first answer came back (a duplicated request)."""
    ann = world.ann
    account_id, _ = ann.new_account()
    body = {"client_id": ann.client_id, "mutations": [activity(account_id) for _ in range(20)]}
    start = threading.Barrier(3)
    answers: list = [None] * 3

    def send(slot: int) -> None:
        start.wait(timeout=10)
        answers[slot] = ann.http.post(p.PUSH_PATH, json=body)

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert len(activities(ann, account_id)) == 20


def test_a_mutation_repeated_inside_one_push_is_applied_once(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    mutation = activity(account_id)
    first, second = ann.push(mutation, mutation)
    assert first == second
    assert len(activities(ann, account_id)) == 1


def test_a_retried_conflict_is_answered_the_same_even_after_the_server_moved_on(world: World):
    ann = world.ann
    account_id, created = ann.new_account(arr=10_000)
    other = second_device(ann)
    other.push_one(upsert(p.KIND_ACCOUNT, account_id, created["version"], arr=20_000))
    stale = upsert(p.KIND_ACCOUNT, account_id, created["version"], arr=30_000)
    first = ann.push_one(stale)
    other.push_one(upsert(p.KIND_ACCOUNT, account_id, None, name="Renamed"))
    assert ann.push_one(stale) == first
    assert first["status"] == p.STATUS_CONFLICT


def test_reusing_a_mutation_id_for_other_content_is_refused(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    mutation = activity(account_id)
    ann.push_one(mutation)
    reused = dict(mutation, fields={**mutation["fields"], "summary": "something else"})
    result = ann.push_one(reused)
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_MUTATION_REUSED
    assert [a["summary"] for a in activities(ann, account_id)] == ["renewal call"]


def test_mutation_ids_are_per_client(world: World):
    """Two devices that happen to use the same mutation id do not swallow each other's work."""
    ann = world.ann
    account_id, _ = ann.new_account()
    mutation_id = new_uuid7()
    one = dict(activity(account_id), mutation_id=mutation_id)
    two = dict(activity(account_id), mutation_id=mutation_id)
    assert ann.push_one(one)["status"] == p.STATUS_APPLIED
    assert second_device(ann).push_one(two)["status"] == p.STATUS_APPLIED
    assert len(activities(ann, account_id)) == 2


# -- append-only -----------------------------------------------------------------------------
def test_an_activity_is_never_overwritten(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    record_id = new_uuid7()
    applied = ann.push_one(activity(account_id, record_id))
    changed = ann.push_one(activity(account_id, record_id, summary="rewritten history"))
    assert changed["status"] == p.STATUS_CONFLICT
    assert changed["error"]["fields"] == ["summary"]
    assert changed["record"]["summary"] == "renewal call"
    assert changed["version"] == applied["version"]
    same = ann.push_one(activity(account_id, record_id))
    assert same["status"] == p.STATUS_APPLIED
    assert same["version"] == applied["version"]  # idempotent: no new version
    assert [a["summary"] for a in activities(ann, account_id)] == ["renewal call"]


def test_prep_note_revisions_are_all_kept_and_a_fork_is_flagged(world: World):
    ann = world.ann
    laptop, phone = ann, second_device(ann)
    account_id, _ = ann.new_account()
    first_id, second_id, third_id = new_uuid7(), new_uuid7(), new_uuid7()
    kind = p.KIND_PREP_NOTE_REVISION
    first = laptop.push_one(upsert(kind, first_id, account_id=account_id, body="v1"))
    assert "forked" not in first
    # Both devices edit revision 1 offline.
    second = laptop.push_one(
        upsert(kind, second_id, account_id=account_id, body="v2 laptop", base_revision_id=first_id)
    )
    third = phone.push_one(
        upsert(kind, third_id, account_id=account_id, body="v2 phone", base_revision_id=first_id)
    )
    assert second["status"] == third["status"] == p.STATUS_APPLIED
    assert "forked" not in second
    assert third["forked"] is True
    bodies = [r["body"] for r in ann.http.get(f"/accounts/{account_id}/prep-note-revisions").json()]
    assert sorted(bodies) == ["v1", "v2 laptop", "v2 phone"]
    rewrite = phone.push_one(upsert(kind, first_id, account_id=account_id, body="v1 edited"))
    assert rewrite["status"] == p.STATUS_CONFLICT


HISTORY = {  # kind: (a record's fields, a field and another value for it)
    p.KIND_HEALTH_SNAPSHOT: ({"taken_on": "2026-03-01", "score": 55}, "score", 90),
    p.KIND_STAGE_CHANGE: ({"to_stage": "adoption", "changed_at": WHEN}, "to_stage", "churned"),
    p.KIND_ARR_EVENT: (
        {"effective_on": "2026-03-01", "kind": "expansion", "arr_before_usd": 9000.0,
         "arr_after_usd": 12000.0},
        "arr_after_usd",
        15000.0,
    ),
    p.KIND_RENEWAL_DECISION: (
        {"decided_on": "2026-03-01", "outcome": "churned", "direction": "down",
         "arr_before": 9000.0, "arr_after": 0.0, "reason": "budget cut"},
        "reason",
        "moved to a competitor",
    ),
    p.KIND_TIER_OVERRIDE: (
        {"set_on": "2026-03-01", "tier": "strategic", "reason": "flagship"}, "tier", "growth",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HISTORY))
def test_history_records_are_append_only(world: World, kind):
    ann = world.ann
    account_id, _ = ann.new_account()
    record_id = new_uuid7()
    fields, key, other = HISTORY[kind]
    first = ann.push_one(upsert(kind, record_id, account_id=account_id, **fields))
    assert first["status"] == p.STATUS_APPLIED
    again = ann.push_one(upsert(kind, record_id, account_id=account_id, **fields))
    assert again["status"] == p.STATUS_APPLIED and again["version"] == first["version"]
    result = ann.push_one(upsert(kind, record_id, account_id=account_id, **{**fields, key: other}))
    assert result["status"] == p.STATUS_CONFLICT
    assert result["error"]["fields"] == [key]
    assert result["record"][key] == fields[key]


# -- accounts: guarded fields ----------------------------------------------------------------
def test_a_stale_change_of_a_guarded_account_field_is_a_conflict(world: World):
    ann = world.ann
    laptop, phone = ann, second_device(ann)
    account_id, created = ann.new_account(arr=50_000)
    base = created["version"]
    applied = laptop.push_one(upsert(p.KIND_ACCOUNT, account_id, base, arr=80_000))
    assert applied["status"] == p.STATUS_APPLIED
    stale = phone.push_one(upsert(p.KIND_ACCOUNT, account_id, base, arr=65_000, industry="retail"))
    assert stale["status"] == p.STATUS_CONFLICT
    assert stale["error"]["fields"] == ["arr"]
    assert stale["record"]["arr"] == 80_000
    assert stale["version"] == applied["version"]
    account = ann.http.get(f"/accounts/{account_id}").json()
    assert account["arr"] == 80_000 and account["industry"] == ""  # nothing of it applied
    # "keep mine": a new mutation on the version the conflict showed.
    resolved = phone.push_one(upsert(p.KIND_ACCOUNT, account_id, stale["version"], arr=65_000))
    assert resolved["status"] == p.STATUS_APPLIED
    assert resolved["record"]["arr"] == 65_000


@pytest.mark.parametrize(
    ("field", "theirs", "mine"),
    [
        ("owner_id", "amy", "lead"),
        ("arr", 1.0, 2.0),
        ("renewal_date", "2026-09-01", "2026-10-01"),
        ("stage", "adoption", "renewal"),
    ],
)
def test_every_guarded_field_is_version_checked(world: World, field, theirs, mine):
    account_id, created = world.ann.new_account()
    base = created["version"]
    # Owners are changed by the lead (two devices); the other fields by ann (two devices).
    editor = world.lead if field == "owner_id" else world.ann
    if field == "owner_id":
        theirs, mine = world.people[theirs].id, world.people[mine].id
    first = second_device(editor).push_one(
        upsert(p.KIND_ACCOUNT, account_id, base, **{field: theirs})
    )
    assert first["status"] == p.STATUS_APPLIED, first
    result = editor.push_one(upsert(p.KIND_ACCOUNT, account_id, base, **{field: mine}))
    assert result["status"] == p.STATUS_CONFLICT
    assert result["error"]["fields"] == [field]
    assert result["record"][field] == theirs


def test_unguarded_account_fields_merge_and_the_current_version_never_conflicts(world: World):
    ann = world.ann
    laptop, phone = ann, second_device(ann)
    account_id, created = ann.new_account(arr=50_000)
    base = created["version"]
    laptop.push_one(upsert(p.KIND_ACCOUNT, account_id, base, industry="retail"))
    merged = phone.push_one(upsert(p.KIND_ACCOUNT, account_id, base, segment="emea"))
    assert merged["status"] == p.STATUS_APPLIED
    assert (merged["record"]["industry"], merged["record"]["segment"]) == ("retail", "emea")
    current = merged["version"]
    guarded = phone.push_one(upsert(p.KIND_ACCOUNT, account_id, current, stage="activation"))
    assert guarded["status"] == p.STATUS_APPLIED


def test_one_clients_queued_edits_do_not_conflict_with_each_other(world: World):
    """An outbox with two guarded edits made on the same base is the client's own history."""
    ann = world.ann
    account_id, created = ann.new_account(arr=50_000)
    base = created["version"]
    first, second = ann.push(
        upsert(p.KIND_ACCOUNT, account_id, base, arr=60_000),
        upsert(p.KIND_ACCOUNT, account_id, base, arr=70_000, stage="activation"),
    )
    assert first["status"] == second["status"] == p.STATUS_APPLIED
    assert second["record"]["arr"] == 70_000


def test_last_touch_never_moves_backwards(world: World):
    ann = world.ann
    account_id, _ = ann.new_account(last_touch_at="2026-03-01T10:00:00+00:00")
    result = second_device(ann).push_one(
        upsert(p.KIND_ACCOUNT, account_id, None, last_touch_at="2026-02-01T10:00:00+00:00")
    )
    assert result["record"]["last_touch_at"].startswith("2026-03-01T10:00:00")


# -- per-field merge -------------------------------------------------------------------------
def test_task_edits_from_two_devices_merge_per_field(world: World):
    ann = world.ann
    laptop, phone = ann, second_device(ann)
    account_id, _ = ann.new_account()
    task_id = new_uuid7()
    laptop.push_one(
        upsert(p.KIND_TASK, task_id, account_id=account_id, title="send deck", due_on="2026-03-05")
    )
    laptop.push_one(upsert(p.KIND_TASK, task_id, None, title="send the QBR deck"))
    phone.push_one(upsert(p.KIND_TASK, task_id, None, due_on="2026-03-09"))
    (task,) = ann.http.get(f"/accounts/{account_id}/tasks").json()
    assert (task["title"], task["due_on"]) == ("send the QBR deck", "2026-03-09")
    # The same field from both: the last writer wins.
    phone.push_one(upsert(p.KIND_TASK, task_id, None, title="phone's title"))
    laptop.push_one(upsert(p.KIND_TASK, task_id, None, title="laptop's title"))
    (task,) = ann.http.get(f"/accounts/{account_id}/tasks").json()
    assert task["title"] == "laptop's title" and task["due_on"] == "2026-03-09"


def test_contact_edits_merge_per_field(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    contact_id = new_uuid7()
    ann.push_one(upsert(p.KIND_CONTACT, contact_id, account_id=account_id, name="Li Wei"))
    ann.push_one(upsert(p.KIND_CONTACT, contact_id, None, title="CTO"))
    result = second_device(ann).push_one(upsert(p.KIND_CONTACT, contact_id, None, role="sponsor"))
    assert {k: result["record"][k] for k in ("name", "title", "role")} == {
        "name": "Li Wei",
        "title": "CTO",
        "role": "sponsor",
    }


def test_checklist_items_made_on_two_devices_meet_under_one_id(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    item = {
        "account_id": account_id,
        "stage": "onboarding",
        "item_key": "kickoff",
        "label": "Kick-off held",
    }
    item_id = checklist_item_id(account_id, "onboarding", "kickoff")
    ann.push_one(upsert(p.KIND_CHECKLIST_ITEM, item_id, **item))
    done = second_device(ann).push_one(
        upsert(p.KIND_CHECKLIST_ITEM, item_id, **item, done_at=WHEN, done_by=ann.id)
    )
    assert done["status"] == p.STATUS_APPLIED
    twin = ann.push_one(upsert(p.KIND_CHECKLIST_ITEM, new_uuid7(), **item))
    assert twin["status"] == p.STATUS_CONFLICT
    assert twin["record"]["id"] == item_id
    items = ann.http.get(f"/accounts/{account_id}/checklist-items").json()
    assert [(i["id"], i["done_by"]) for i in items] == [(item_id, ann.id)]


def test_a_record_cannot_move_to_another_account(world: World):
    ann = world.ann
    first, _ = ann.new_account("First")
    second, _ = ann.new_account("Second")
    task_id = new_uuid7()
    ann.push_one(upsert(p.KIND_TASK, task_id, account_id=first, title="t"))
    moved = ann.push_one(upsert(p.KIND_TASK, task_id, None, account_id=second))
    assert moved["error"]["code"] == p.ERROR_INVALID_FIELD
    assert [t["id"] for t in ann.http.get(f"/accounts/{first}/tasks").json()] == [task_id]


# -- deletes ---------------------------------------------------------------------------------
def test_a_deleted_task_cannot_be_edited_back_to_life(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    task_id = new_uuid7()
    ann.push_one(upsert(p.KIND_TASK, task_id, account_id=account_id, title="t"))
    gone = ann.push_one(delete(p.KIND_TASK, task_id))
    assert gone["status"] == p.STATUS_APPLIED and gone["record"] is None
    again = ann.push_one(delete(p.KIND_TASK, task_id))
    assert again["status"] == p.STATUS_APPLIED and again["version"] == gone["version"]
    edit = second_device(ann).push_one(upsert(p.KIND_TASK, task_id, None, title="t2"))
    assert edit["error"]["code"] == p.ERROR_GONE
    assert ann.http.get(f"/accounts/{account_id}/tasks").json() == []


@pytest.mark.parametrize(
    "kind",
    [
        p.KIND_CHECKLIST_ITEM,
        p.KIND_HEALTH_SNAPSHOT,
        p.KIND_PREP_NOTE_REVISION,
        p.KIND_STAGE_CHANGE,
        p.KIND_ARR_EVENT,
        p.KIND_RENEWAL_DECISION,
        p.KIND_TIER_OVERRIDE,
    ],
)
def test_history_cannot_be_deleted(world: World, kind):
    result = world.ann.push_one(delete(kind, new_uuid7()))
    assert result["error"]["code"] == p.ERROR_NOT_DELETABLE


def test_nothing_can_be_added_to_a_deleted_account(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    ann.push_one(delete(p.KIND_ACCOUNT, account_id))
    result = ann.push_one(activity(account_id))
    assert result["error"]["code"] == p.ERROR_GONE
    assert ann.http.get(f"/accounts/{account_id}").status_code == 404


def test_an_arr_event_of_an_unknown_kind_is_refused(world: World):
    account_id, _ = world.ann.new_account()
    fields = {"effective_on": "2026-03-01", "kind": "upsell", "arr_after_usd": 1.0}
    result = world.ann.push_one(upsert(p.KIND_ARR_EVENT, new_uuid7(), account_id=account_id,
                                       **fields))  # fmt: skip
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["fields"] == ["kind"]


def test_a_renewal_decision_of_an_unknown_outcome_is_refused(world: World):
    account_id, _ = world.ann.new_account()
    fields = {"decided_on": "2026-03-01", "outcome": "maybe", "direction": "flat"}
    result = world.ann.push_one(upsert(p.KIND_RENEWAL_DECISION, new_uuid7(),
                                       account_id=account_id, **fields))  # fmt: skip
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["fields"] == ["outcome"]


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"summary": 42}, "summary"),
        ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),  # no zone
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"kind": "lunch"}, "kind"),
        ({"minutes": 1.5}, "minutes"),
        ({"mood": "great"}, "mood"),
    ],
)
def test_bad_fields_are_rejected_with_the_field_named(world: World, fields, field):
    ann = world.ann
    account_id, _ = ann.new_account()
    result = ann.push_one(activity(account_id, **fields))
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_INVALID_FIELD
    assert result["error"]["fields"] == [field]
    assert activities(ann, account_id) == []


def test_a_missing_required_field_is_named(world: World):
    result = world.ann.push_one(upsert(p.KIND_ACCOUNT, new_uuid7(), industry="retail"))
    assert result["error"]["code"] == p.ERROR_INVALID_FIELD
    assert result["error"]["fields"] == ["name"]


def test_unknown_kinds_and_ops_are_rejected_one_by_one(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    bad_kind = upsert("page_view", new_uuid7(), total=1)  # (invoice is a kind now)
    bad_op = dict(activity(account_id), op="merge")
    good = activity(account_id)
    results = ann.push(bad_kind, bad_op, good)
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied"]
    assert results[0]["error"]["code"] == p.ERROR_UNKNOWN_KIND


def test_a_push_over_the_limit_is_refused_whole(world: World):
    ann = world.ann
    account_id, _ = ann.new_account()
    mutations = [activity(account_id) for _ in range(p.PUSH_MAX_MUTATIONS + 1)]
    response = ann.http.post(p.PUSH_PATH, json={"client_id": "c", "mutations": mutations})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == p.ERROR_INVALID_REQUEST
    assert activities(ann, account_id) == []


def test_a_malformed_push_is_a_clear_422(world: World):
    response = world.ann.http.post(p.PUSH_PATH, json={"mutations": "all of them"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == p.ERROR_INVALID_REQUEST and "client_id" in str(body["details"])
