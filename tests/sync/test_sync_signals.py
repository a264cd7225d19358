"""Signals a data pipeline sent to the real server reach the caches of the people who may see
the account (SQLite and PostgreSQL servers), follow a reassignment, and re-score health."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui import protocol as p
from csm_tui.store import outbox
from tests.server.test_server_ingest import ONE_OF_EACH, ingest, usage
from tests.server.world import World, upsert
from tests.sync.devices import Device

TABLES = {
    p.KIND_USAGE_WEEK: "usage_weeks",
    p.KIND_SUPPORT_TICKET: "support_tickets",
    p.KIND_SURVEY_RESPONSE: "survey_responses",
    p.KIND_INVOICE: "invoices",
}


@pytest.fixture
def devices(world: World, tmp_path):
    made: list[Device] = []

    def make(label: str, person) -> Device:
        device = Device(label, person, tmp_path / f"{label}.sqlite3", world.server.base_url)
        made.append(device)
        assert device.sync().ok  # the people first: an account's owner is a user here
        return device

    yield make
    for device in made:
        device.close()


@pytest.fixture
def pipeline(world: World):
    return world.person("ingest", None, "pipeline")


def test_pulled_signals_land_in_the_owners_cache_as_sent(world, devices, pipeline):
    laptop = devices("laptop", world.ann)
    account_id = laptop.new_account("Acme 公海")
    assert laptop.sync().ok
    items = {kind: make(account_id) for kind, make in ONE_OF_EACH.items()}
    for kind, item in items.items():
        ingest(pipeline, kind, [item])

    report = laptop.sync()
    assert report.ok, report.errors

    week = laptop.row("usage_weeks", items[p.KIND_USAGE_WEEK]["id"])
    assert week["account_id"] == account_id and week["week_start"] == "2026-02-23"
    assert (week["opportunities"], week["leads"], week["public_pool"]) == (12, 140, 35)
    assert week["session_minutes"] == 1830.5 and week["version"] > 0
    ticket = laptop.row("support_tickets", items[p.KIND_SUPPORT_TICKET]["id"])
    assert ticket["opened_at"] == "2026-02-20 00:00:00.000000"  # 08:00 +08:00, in UTC
    assert ticket["closed_at"] is None and ticket["priority"] == "high"
    survey = laptop.row("survey_responses", items[p.KIND_SURVEY_RESPONSE]["id"])
    assert survey["comment"] == "线索分配很快 [bold]ok[/bold]" and survey["score"] == 9
    invoice = laptop.row("invoices", items[p.KIND_INVOICE]["id"])
    assert (invoice["amount"], invoice["currency"], invoice["paid_on"]) == (12000.0, "CNY", None)
    assert outbox.pending_count(laptop.conn) == 0
    assert laptop.states() == {"sent": 1}  # nothing of the signals goes back to the server


def test_pulled_signals_give_the_account_a_health_score_and_leave_others_alone(
    world, devices, pipeline
):
    laptop = devices("laptop", world.ann)
    measured = laptop.new_account("Acme", seats=40)
    quiet = laptop.new_account("Quiet Ltd")
    assert laptop.sync().ok
    assert laptop.row("accounts", measured)["health_score"] is None
    weeks = ["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]  # before NOW's week
    ingest(pipeline, p.KIND_USAGE_WEEK, [usage(measured, week) for week in weeks])
    ingest(pipeline, p.KIND_SURVEY_RESPONSE, [ONE_OF_EACH[p.KIND_SURVEY_RESPONSE](measured)])

    report = laptop.sync()
    assert report.ok, report.errors
    assert report.rescored == 1
    assert "health re-scored for 1 account" in report.summary()
    assert laptop.row("accounts", measured)["health_score"] is not None
    assert laptop.row("accounts", quiet)["health_score"] is None
    snapshots = laptop.rows("health_snapshots", "account_id = ?", (measured,))
    assert [s["taken_on"] for s in snapshots] == ["2026-03-02"]
    assert laptop.states() == {"sent": 2}  # the score is derived here, not pushed

    again = laptop.sync()  # nothing new: nothing re-scored
    assert again.ok and again.rescored == 0


def test_an_account_pulled_back_after_an_edit_keeps_its_health_score(world, devices, pipeline):
    """The server never scores health: an account's row pulled back after an edit (a
    renewal, a field) came with no score and blanked it until the next signal."""
    laptop = devices("laptop", world.ann)
    measured = laptop.new_account("Acme", seats=40)
    assert laptop.sync().ok
    weeks = ["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]
    ingest(pipeline, p.KIND_USAGE_WEEK, [usage(measured, week) for week in weeks])
    assert laptop.sync().ok
    score = laptop.row("accounts", measured)["health_score"]
    assert score is not None
    laptop.edit_account(measured, segment="Mid-market")
    report = laptop.sync()
    assert report.ok and report.pulled >= 1
    row = laptop.row("accounts", measured)
    assert (row["segment"], row["health_score"]) == ("Mid-market", score)


def test_a_sync_that_dies_before_rescoring_rescores_on_the_next_one(world, devices, pipeline):
    laptop = devices("laptop", world.ann)
    account_id = laptop.new_account("Acme")
    assert laptop.sync().ok
    ingest(pipeline, p.KIND_USAGE_WEEK, [usage(account_id)])

    def dies(conn, now, account_ids):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        laptop.sync(rescore=dies)
    assert laptop.row("usage_weeks", usage(account_id)["id"]) is not None  # the page is kept

    asked: list[list[str] | None] = []

    def records(conn, now, account_ids):
        asked.append(account_ids)
        return len(account_ids or [])

    report = laptop.sync(rescore=records)
    assert report.ok and report.pulled == 0
    assert asked == [[account_id]] and report.rescored == 1
    assert laptop.sync(rescore=records).rescored == 0


def test_signals_reach_the_team_lead_and_not_another_team(world, devices, pipeline):
    ann, lead, bob = (
        devices("ann", world.ann),
        devices("lead", world.lead),
        devices("bob", world.bob),
    )
    account_id = ann.new_account("Acme")
    assert ann.sync().ok
    item = usage(account_id)
    ingest(pipeline, p.KIND_USAGE_WEEK, [item])
    for device in (ann, lead, bob):
        assert device.sync().ok
    assert ann.row("usage_weeks", item["id"]) is not None
    assert lead.row("usage_weeks", item["id"]) is not None
    assert bob.rows("usage_weeks") == []


def test_a_reassigned_accounts_signals_move_to_the_new_owners_cache(world, devices, pipeline):
    ann, amy = devices("ann", world.ann), devices("amy", world.amy)
    account_id = ann.new_account("Acme")
    assert ann.sync().ok and amy.sync().ok
    items = {kind: make(account_id) for kind, make in ONE_OF_EACH.items()}
    for kind, item in items.items():
        ingest(pipeline, kind, [item])
    assert ann.sync().ok and amy.sync().ok
    assert amy.rows("usage_weeks") == []

    version = ann.row("accounts", account_id)["version"]
    moved = world.lead.push_one(upsert(p.KIND_ACCOUNT, account_id, version, owner_id=world.amy.id))
    assert moved["status"] == p.STATUS_APPLIED, moved
    assert ann.sync().ok and amy.sync().ok

    for kind, table in TABLES.items():
        assert amy.row(table, items[kind]["id"]) is not None, table
        assert ann.rows(table) == [], table  # left with the account


def test_a_reassigned_accounts_open_tasks_go_to_the_new_owner(world, devices):
    """The lead handed Acme from Ann to Amy: Ann's open follow-up stayed Ann's, who no
    longer sees the account — in nobody's Today. A done task keeps who did it."""
    ann, amy = devices("ann", world.ann), devices("amy", world.amy)
    account_id = ann.new_account("Acme")
    open_task = ann.new_task(account_id, "send the deck", date(2026, 3, 10))
    done_task = ann.new_task(account_id, "kick-off call", date(2026, 2, 1))
    ann.edit_task(done_task, done_at="2026-02-02T10:00:00+00:00")
    assert ann.sync().ok and amy.sync().ok
    version = ann.row("accounts", account_id)["version"]
    moved = world.lead.push_one(upsert(p.KIND_ACCOUNT, account_id, version, owner_id=world.amy.id))
    assert moved["status"] == p.STATUS_APPLIED, moved
    assert ann.sync().ok and amy.sync().ok
    assert amy.row("tasks", open_task)["owner_id"] == world.amy.id
    assert amy.row("tasks", done_task)["owner_id"] == world.ann.id
    assert ann.rows("tasks") == []  # left with the account
