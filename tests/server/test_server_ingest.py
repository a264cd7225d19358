"""A data pipeline sends health signals in batches (POST /signals/<kind>) to the real server on
SQLite and PostgreSQL: idempotent by source id, refused item by item, only for an ingest token
or an admin, and pulled by exactly the people who may see the account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.server import admin
from csm_tui.store import models
from tests.server.world import Person, World, upsert

WEEK = "2026-02-23"  # a Monday


def usage(account_id: str, week: str = WEEK, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"mixpanel:{account_id}-{week}",
        "account_id": account_id,
        "week_start": week,
        "active_users": 31,
        "seats": 40,
        "opportunities": 12,
        "leads": 140,
        "public_pool": 35,
        "contacts": 60,
        "messages": 410,
        "sessions": 220,
        "session_minutes": 1830.5,
        "source": "mixpanel",
        **extra,
    }


ONE_OF_EACH = {
    p.KIND_USAGE_WEEK: lambda a: usage(a),
    p.KIND_SUPPORT_TICKET: lambda a: {
        "id": f"zendesk:{a}-1",
        "account_id": a,
        "opened_at": "2026-02-20T08:00:00+08:00",
        "closed_at": None,
        "priority": "high",
        "first_response_minutes": 42,
        "source": "zendesk",
    },
    p.KIND_SURVEY_RESPONSE: lambda a: {
        "id": f"delighted:{a}-1",
        "account_id": a,
        "contact_email": "li.wei@example.cn",
        "kind": "nps",
        "score": 9,
        "responded_on": "2026-02-21",
        "comment": "线索分配很快 [bold]ok[/bold]",
        "source": "delighted",
    },
    p.KIND_INVOICE: lambda a: {
        "id": f"netsuite:{a}-INV-7",
        "account_id": a,
        "issued_on": "2026-02-01",
        "due_on": "2026-03-01",
        "amount": 12000.0,
        "currency": "CNY",
        "paid_on": None,
        "source": "netsuite",
    },
}


def send(person: Person, kind: str, items: list[Any]):
    return person.http.post(p.SIGNALS_PATH.format(kind=kind), json={"items": items})


def ingest(person: Person, kind: str, items: list[Any]) -> dict[str, Any]:
    response = send(person, kind, items)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def pipeline(world: World) -> Person:
    return world.person("ingest", None, "pipeline")


def counter(world: World) -> int:
    return world.server.db.counter()


def stored(world: World, kind: str, record_id: str) -> list[dict[str, Any]]:
    tables = {
        p.KIND_USAGE_WEEK: models.UsageWeek,
        p.KIND_SUPPORT_TICKET: models.SupportTicket,
        p.KIND_SURVEY_RESPONSE: models.SurveyResponse,
        p.KIND_INVOICE: models.Invoice,
    }
    table = tables[kind].__table__
    with world.server.db.read() as conn:
        return [
            dict(r)
            for r in conn.execute(sa.select(table).where(table.c.id == record_id)).mappings()
        ]


def signals_pulled(person: Person, since: int = 0) -> dict[tuple[str, str], dict[str, Any]]:
    changes, _ = person.pull_all(since)
    return {
        (c["kind"], c["id"]): c for c in changes if c["kind"] in p.SIGNAL_KINDS and not c["deleted"]
    }


# -- idempotent by source id ---------------------------------------------------------------
@pytest.mark.parametrize("kind", p.SIGNAL_KINDS)
def test_the_same_batch_sent_twice_is_stored_once_and_takes_no_new_version(world, pipeline, kind):
    account_id, _ = world.ann.new_account("Acme 线索")
    item = ONE_OF_EACH[kind](account_id)

    first = ingest(pipeline, kind, [item])
    assert (first["created"], first["replaced"], first["unchanged"], first["rejected"]) == (
        1,
        0,
        0,
        [],
    )
    before = counter(world)
    pulled = signals_pulled(world.ann)[(kind, item["id"])]

    again = ingest(pipeline, kind, [item])
    assert (again["created"], again["replaced"], again["unchanged"]) == (0, 0, 1)
    assert counter(world) == before  # no version handed out
    assert len(stored(world, kind, item["id"])) == 1
    assert signals_pulled(world.ann)[(kind, item["id"])]["version"] == pulled["version"]


def test_new_values_under_a_known_id_replace_the_record_with_a_new_version(world, pipeline):
    account_id, _ = world.ann.new_account()
    item = usage(account_id)
    ingest(pipeline, p.KIND_USAGE_WEEK, [item])
    _, cursor = world.ann.pull_all()

    answer = ingest(pipeline, p.KIND_USAGE_WEEK, [{**item, "leads": 150, "source": "mixpanel"}])
    assert (answer["created"], answer["replaced"], answer["unchanged"]) == (0, 1, 0)
    (row,) = stored(world, p.KIND_USAGE_WEEK, item["id"])
    assert row["leads"] == 150 and row["opportunities"] == 12
    changes, _ = world.ann.pull_all(cursor)
    (change,) = [c for c in changes if c["id"] == item["id"]]
    assert change["record"]["leads"] == 150
    assert change["version"] > cursor


def test_a_replacement_is_the_whole_record_not_a_merge(world, pipeline):
    account_id, _ = world.ann.new_account()
    ticket = ONE_OF_EACH[p.KIND_SUPPORT_TICKET](account_id)
    ingest(pipeline, p.KIND_SUPPORT_TICKET, [ticket])
    closed = {k: v for k, v in ticket.items() if k != "first_response_minutes"}
    closed["closed_at"] = "2026-02-22T10:00:00+00:00"
    assert ingest(pipeline, p.KIND_SUPPORT_TICKET, [closed])["replaced"] == 1
    (row,) = stored(world, p.KIND_SUPPORT_TICKET, ticket["id"])
    assert row["first_response_minutes"] is None  # not sent: its default, not the old value
    assert row["closed_at"].isoformat() == "2026-02-22T10:00:00+00:00"


# -- who may send ----------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["ann", "lead"])
def test_a_csm_or_lead_token_cannot_send_signals(world, who):
    account_id, _ = world.ann.new_account()
    response = send(world.people[who], p.KIND_USAGE_WEEK, [usage(account_id)])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == p.ERROR_FORBIDDEN
    assert stored(world, p.KIND_USAGE_WEEK, usage(account_id)["id"]) == []


def test_sending_signals_needs_a_token_and_a_revoked_one_is_refused(world, pipeline):
    url = world.server.base_url + p.SIGNALS_PATH.format(kind=p.KIND_USAGE_WEEK)
    response = httpx.post(url, json={"items": []})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_MISSING
    admin.revoke_token(world.server.db, pipeline.token)
    response = send(pipeline, p.KIND_USAGE_WEEK, [])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == p.ERROR_TOKEN_REVOKED


def test_an_admin_may_send_signals(world):
    account_id, _ = world.ann.new_account()
    assert ingest(world.admin, p.KIND_USAGE_WEEK, [usage(account_id)])["created"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/me"), ("GET", "/accounts"), ("GET", p.PULL_PATH), ("POST", p.PUSH_PATH)],
)
def test_an_ingest_token_reads_and_pushes_nothing(pipeline, method, path):
    response = pipeline.http.request(method, path, json={"client_id": "c", "mutations": []})
    assert response.status_code == 403
    assert "only send signals" in response.json()["error"]["message"]


def test_a_client_cannot_push_a_signal(world):
    account_id, _ = world.ann.new_account()
    item = usage(account_id)
    result = world.ann.push_one(upsert(p.KIND_USAGE_WEEK, item.pop("id"), **item))
    assert result["status"] == p.STATUS_REJECTED
    assert result["error"]["code"] == p.ERROR_READ_ONLY


# -- item by item --------------------------------------------------------------------------
def test_a_batch_with_bad_items_applies_the_good_ones_and_names_the_bad_by_index(world, pipeline):
    account_id, _ = world.ann.new_account()
    gone_id, _ = world.ann.new_account("Gone Ltd")
    assert (
        world.ann.push_one({**upsert(p.KIND_ACCOUNT, gone_id), "op": p.OP_DELETE})["status"]
        == p.STATUS_APPLIED
    )
    items = [
        usage(account_id, "2026-02-02"),  # 0 good
        usage("no-such-account"),  # 1
        usage(account_id, "2026-02-04"),  # 2 a Wednesday
        usage(account_id, "2026-02-09", leads=-3),  # 3
        {k: v for k, v in usage(account_id).items() if k != "id"},  # 4
        usage(account_id, "2026-02-16", logins=4),  # 5 unknown field
        usage(gone_id),  # 6 deleted account
        usage(account_id, "2026-02-23", active_users="many"),  # 7
        usage(account_id, "2026-03-02"),  # 8 good
    ]
    answer = ingest(pipeline, p.KIND_USAGE_WEEK, items)
    assert (answer["received"], answer["created"]) == (9, 2)
    refused = {r["index"]: r["error"] for r in answer["rejected"]}
    assert sorted(refused) == [1, 2, 3, 4, 5, 6, 7]
    assert refused[1]["code"] == p.ERROR_NOT_FOUND
    assert "Monday" in refused[2]["message"] and refused[2]["fields"] == ["week_start"]
    assert refused[3]["fields"] == ["leads"]
    assert refused[4]["fields"] == ["id"]
    assert refused[5]["fields"] == ["logins"]
    assert refused[6]["code"] == p.ERROR_GONE
    assert refused[7]["fields"] == ["active_users"]
    assert [r["id"] for r in answer["rejected"] if r["index"] == 1] == [items[1]["id"]]
    assert len(stored(world, p.KIND_USAGE_WEEK, items[0]["id"])) == 1
    assert len(stored(world, p.KIND_USAGE_WEEK, items[8]["id"])) == 1


def test_scores_outside_their_scale_and_missing_scores_are_refused(world, pipeline):
    account_id, _ = world.ann.new_account()
    survey = ONE_OF_EACH[p.KIND_SURVEY_RESPONSE](account_id)
    items = [
        {**survey, "id": "s:1", "kind": "nps", "score": 11},
        {**survey, "id": "s:2", "kind": "csat", "score": 0},
        {k: v for k, v in survey.items() if k != "score"} | {"id": "s:3"},
        {**survey, "id": "s:4", "kind": "csat", "score": 5},
        {**survey, "id": "s:5", "kind": "ces", "score": 5},
    ]
    answer = ingest(pipeline, p.KIND_SURVEY_RESPONSE, items)
    assert answer["created"] == 1
    refused = {r["id"]: r["error"] for r in answer["rejected"]}
    assert "from 0 to 10" in refused["s:1"]["message"]
    assert "from 1 to 5" in refused["s:2"]["message"]
    assert refused["s:3"]["fields"] == ["score"]
    assert refused["s:5"]["fields"] == ["kind"]


def test_a_signal_never_moves_to_another_account(world, pipeline):
    first, _ = world.ann.new_account("First")
    second, _ = world.ann.new_account("Second")
    item = usage(first)
    ingest(pipeline, p.KIND_USAGE_WEEK, [item])
    answer = ingest(pipeline, p.KIND_USAGE_WEEK, [{**item, "account_id": second}])
    assert answer["rejected"][0]["error"]["fields"] == ["account_id"]
    assert stored(world, p.KIND_USAGE_WEEK, item["id"])[0]["account_id"] == first


def test_a_batch_over_the_limit_is_refused_whole(world, pipeline):
    account_id, _ = world.ann.new_account()
    items = [usage(account_id, id=f"x:{i}") for i in range(p.INGEST_MAX_ITEMS + 1)]
    response = send(pipeline, p.KIND_USAGE_WEEK, items)
    assert response.status_code == 422
    assert stored(world, p.KIND_USAGE_WEEK, "x:0") == []


def test_an_unknown_kind_is_refused(pipeline):
    response = send(pipeline, "page_views", [])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == p.ERROR_INVALID_REQUEST


# -- who receives ----------------------------------------------------------------------------
def test_signals_reach_the_owner_and_their_lead_and_nobody_outside_the_team(world, pipeline):
    account_id, _ = world.ann.new_account("Acme 商机")
    items = {kind: make(account_id) for kind, make in ONE_OF_EACH.items()}
    for kind, item in items.items():
        assert ingest(pipeline, kind, [item])["created"] == 1
    expected = {(kind, item["id"]) for kind, item in items.items()}

    for who in ("ann", "lead", "admin"):
        got = signals_pulled(world.people[who])
        assert expected <= set(got), who
    got = signals_pulled(world.ann)
    assert got[(p.KIND_SURVEY_RESPONSE, items[p.KIND_SURVEY_RESPONSE]["id"])]["record"][
        "comment"
    ] == ("线索分配很快 [bold]ok[/bold]")
    for who in ("amy", "bob", "south_lead"):  # a colleague's book, another team
        assert not expected & set(signals_pulled(world.people[who])), who


def test_a_reassigned_accounts_signals_reach_the_new_owner(world, pipeline):
    account_id, created = world.ann.new_account()
    item = usage(account_id)
    ingest(pipeline, p.KIND_USAGE_WEEK, [item])
    assert (p.KIND_USAGE_WEEK, item["id"]) not in signals_pulled(world.amy)
    _, amy_cursor = world.amy.pull_all()
    _, ann_cursor = world.ann.pull_all()

    moved = world.lead.push_one(
        upsert(p.KIND_ACCOUNT, account_id, created["version"], owner_id=world.amy.id)
    )
    assert moved["status"] == p.STATUS_APPLIED, moved

    arrived = signals_pulled(world.amy, amy_cursor)
    assert arrived[(p.KIND_USAGE_WEEK, item["id"])]["record"]["leads"] == 140
    changes, _ = world.ann.pull_all(ann_cursor)
    assert {"kind": p.KIND_ACCOUNT, "id": account_id, "deleted": True}.items() <= {
        k: v for c in changes if c["id"] == account_id for k, v in c.items()
    }.items()
    # Later signals of the account go to the new owner only.
    later = usage(account_id, "2026-03-02")
    ingest(pipeline, p.KIND_USAGE_WEEK, [later])
    assert (p.KIND_USAGE_WEEK, later["id"]) in signals_pulled(world.amy)
    assert (p.KIND_USAGE_WEEK, later["id"]) not in signals_pulled(world.ann)


def test_openapi_documents_the_ingest_answers(world):
    spec = world.server.http.get("/openapi.json").json()
    operation = spec["paths"][p.SIGNALS_PATH]["post"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert "usage_week" in operation["description"]


# -- setting up a pipeline -------------------------------------------------------------------
def test_an_admin_sets_up_a_pipeline_user_with_no_team_and_issues_its_token(capsys, tmp_path):
    from csm_tui.cli.main import main

    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    serve_admin = ["serve", "admin", "--database", database]
    assert main([*serve_admin, "migrate"]) == 0
    assert main([*serve_admin, "create-team", "emea"]) == 0
    assert (
        main([*serve_admin, "create-user", "mixpanel", "--role", "ingest", "--team", "emea"]) == 1
    )
    assert "belongs to no team" in capsys.readouterr().err
    assert main([*serve_admin, "create-user", "mixpanel", "--role", "ingest"]) == 0
    assert "mixpanel (ingest) created" in capsys.readouterr().out
    assert main([*serve_admin, "issue-token", "mixpanel"]) == 0
    assert len(capsys.readouterr().out.strip()) == 43
    assert main([*serve_admin, "list-users"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:3] == ["mixpanel", "ingest", "—"]


def test_the_owner_reads_an_accounts_usage_weeks_newest_first_and_another_team_cannot(
    world, pipeline
):
    account_id, _ = world.ann.new_account()
    ingest(pipeline, p.KIND_USAGE_WEEK, [usage(account_id), usage(account_id, "2026-03-02")])
    response = world.ann.http.get(f"/accounts/{account_id}/usage-weeks")
    assert response.status_code == 200
    assert [w["week_start"] for w in response.json()] == ["2026-03-02", "2026-02-23"]
    assert world.bob.http.get(f"/accounts/{account_id}/usage-weeks").status_code == 404


def test_a_pipeline_may_name_the_account_by_its_crm_id(world, pipeline):
    crm_id = f"0015g{world.ann.id[-8:]}"
    account_id, _ = world.ann.new_account("北京星河", external_id=crm_id)
    twin_crm = f"twin-{world.ann.id[-8:]}"
    world.ann.new_account("Twin A", external_id=twin_crm)
    world.amy.new_account("Twin B", external_id=twin_crm)
    item = {k: v for k, v in usage(account_id).items() if k != "account_id"}
    items = [
        {**item, "account_external_id": crm_id},  # 0
        {**item, "id": "m:1", "account_external_id": "no-such-crm-id"},  # 1
        {**item, "id": "m:2", "account_external_id": twin_crm},  # 2 two accounts
        {**item, "id": "m:3", "account_external_id": crm_id, "account_id": account_id},  # 3
    ]
    answer = ingest(pipeline, p.KIND_USAGE_WEEK, items)
    assert answer["created"] == 1
    refused = {r["index"]: r["error"] for r in answer["rejected"]}
    assert refused[1]["code"] == p.ERROR_NOT_FOUND
    assert "2 accounts" in refused[2]["message"]
    assert refused[3]["fields"] == ["account_id", "account_external_id"]
    (row,) = stored(world, p.KIND_USAGE_WEEK, item["id"])
    assert row["account_id"] == account_id
    assert ingest(pipeline, p.KIND_USAGE_WEEK, [items[0]])["unchanged"] == 1
    assert (p.KIND_USAGE_WEEK, item["id"]) in signals_pulled(world.ann)
