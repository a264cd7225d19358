"""What happens to a CSM's offline work when the server will not take it as it is: a moved
account, a refused reassignment, a change the server cannot store (issue 8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from csm_tui import protocol as p
from csm_tui.sync.engine import (
    MAX_PUSH_ATTEMPTS,
    list_handed_over,
    list_rejected,
    sync_once,
    sync_status,
)
from csm_tui.sync.errors import ServerUnreachable
from tests.server.world import NOW, World, upsert
from tests.sync.devices import Device


@pytest.fixture
def devices(world: World, tmp_path):
    made: list[Device] = []

    def make(label: str, person=None, **kw) -> Device:
        device = Device(
            label, person or world.ann, tmp_path / f"{label}.sqlite3", world.server.base_url, **kw
        )
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def _move(world: World, account_id: str, to) -> None:
    result = world.lead.push_one(upsert(p.KIND_ACCOUNT, account_id, None, owner_id=to.id))
    assert result["status"] == p.STATUS_APPLIED, result


# -- item 3 and 15: offline work on an account the lead moved meanwhile -------------------------
def test_a_call_logged_offline_before_the_account_moved_reaches_its_new_owner(devices, world):
    ann = devices("ann")
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.sync()
    activity_id = ann.log_activity(account_id, "QBR: they renew if SSO ships")  # 15 min ago
    task_id = ann.new_task(account_id, "Send the SSO timeline", due_on=date(2026, 3, 9))
    _move(world, account_id, world.amy)  # while Ann is offline

    report = ann.sync()
    assert report.ok and (report.applied, report.rejected) == (2, 0), report.summary()
    assert list_rejected(ann.conn) == []
    # The account left Ann's book with its records; what she typed is still listed for her.
    assert ann.row("activities", activity_id) is None
    gone = {g.item.record_id: g.describe() for g in list_handed_over(ann.conn)}
    assert set(gone) == {activity_id, task_id}
    assert "QBR: they renew if SSO ships" in gone[activity_id]
    assert "its account left your book" in gone[task_id]

    # "task done" on it now says where it went (a script fails on that line, saying why).
    from csm_tui.commands.results import CommandFailed
    from csm_tui.commands.run import run_text
    from csm_tui.domain.clock import FixedClock
    from csm_tui.workspace import Workspace

    ws = Workspace(db_path=ann.path, clock=FixedClock(NOW))
    try:
        with pytest.raises(CommandFailed, match=r"Send the SSO timeline.*went with it"):
            run_text(ws, f"task done {task_id[-8:]}")
    finally:
        ws.close()

    amy = devices("amy", world.amy)
    amy.sync()
    call = amy.row("activities", activity_id)
    assert call["summary"] == "QBR: they renew if SSO ships"
    assert call["author_id"] == world.ann.id
    task = amy.row("tasks", task_id)
    assert task["title"] == "Send the SSO timeline"
    assert task["owner_id"] == world.amy.id  # the task follows the account


def test_a_call_logged_after_the_account_moved_is_refused_and_stays_listed(devices, world):
    ann = devices("ann", now=NOW + timedelta(days=1))
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.sync()
    _move(world, account_id, world.amy)  # at NOW: a day before Ann's call below
    ann.log_activity(account_id, "a call on an account that was no longer mine")
    report = ann.sync()
    assert report.rejected == 1
    (refused,) = list_rejected(ann.conn)
    assert refused.code == p.ERROR_NOT_FOUND
    assert refused.item.fields["summary"] == "a call on an account that was no longer mine"


# -- item 6: a refused change returns the record to the server's truth -------------------------
def test_a_reassignment_the_server_refuses_puts_the_owner_back_and_stays_listed(devices, world):
    ann = devices("ann")
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.sync()
    ann.edit_account(account_id, owner_id=world.amy.id)  # only a lead may hand it on
    assert ann.row("accounts", account_id)["owner_id"] == world.amy.id
    report = ann.sync()
    assert report.rejected == 1, report.summary()
    assert ann.row("accounts", account_id)["owner_id"] == world.ann.id
    (refused,) = list_rejected(ann.conn)
    assert refused.code == p.ERROR_FORBIDDEN
    assert refused.item.fields == {"owner_id": world.amy.id}
    assert "1 rejected" in sync_status(ann.conn, NOW).text


# -- item 4 (client half) and 18: bounded retries, honest summaries ----------------------------
class StorageErrors:
    """A server that answers every mutation "storage_error" (retry may succeed)."""

    def __init__(self) -> None:
        self.retries: list = []
        self.pushes = 0

    def push(self, client_id, mutations):
        self.pushes += 1
        error = {"code": p.ERROR_STORAGE, "message": "the server could not store this change"}
        return [
            {"mutation_id": m["mutation_id"], "status": p.STATUS_REJECTED, "version": None,
             "record": None, "error": error}
            for m in mutations
        ]  # fmt: skip

    def pull(self, since, limit):
        return {"changes": [], "cursor": since, "has_more": False}


class Unreachable(StorageErrors):
    def push(self, client_id, mutations):
        raise ServerUnreachable("the server did not answer")


def test_a_change_the_server_never_stores_is_refused_after_a_few_tries_with_its_reason(
    devices, world
):
    ann = devices("ann")
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.sync()
    ann.log_activity(account_id, "called them")
    server = StorageErrors()
    for _ in range(MAX_PUSH_ATTEMPTS - 1):
        report = sync_once(ann.conn, server, client_id=ann.client_id, now=NOW)
        assert report.deferred == 1
        assert "1 to push again later" in report.summary()
        assert "nothing to push" not in report.summary()
    report = sync_once(ann.conn, server, client_id=ann.client_id, now=NOW)
    assert (report.deferred, report.rejected) == (0, 1), report.summary()
    (refused,) = list_rejected(ann.conn)
    assert refused.code == p.ERROR_STORAGE
    assert f"refused after {MAX_PUSH_ATTEMPTS} tries" in refused.message
    report = sync_once(ann.conn, server, client_id=ann.client_id, now=NOW)
    assert server.pushes == MAX_PUSH_ATTEMPTS  # no longer pushed on every sync
    assert "nothing to push" in report.summary()


def test_a_sync_that_could_not_push_does_not_say_nothing_to_push(devices):
    ann = devices("ann")
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.log_activity(account_id, "called them")
    report = sync_once(ann.conn, Unreachable(), client_id=ann.client_id, now=NOW)
    assert not report.ok
    assert "nothing to push" not in report.summary()
    assert "2 changes not pushed" in report.summary()


def test_csm_tui_sync_prints_each_call_that_left_with_its_account(
    capsys, monkeypatch, world, memory_keyring, tmp_path
):
    import io
    import sys

    from csm_tui.cli.main import main

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    ann = Device("ann", world.ann, tmp_path / "ann.sqlite3", world.server.base_url)
    try:
        ann.sync()
        account_id = ann.new_account("Acme Ltd")
        ann.sync()
        ann.log_activity(account_id, "QBR notes: renewal at risk")
        _move(world, account_id, world.amy)
        url = world.server.base_url
        code, _, err = run("--db", str(ann.path), "login", "--server", url, stdin=world.ann.token)
        assert code == 0, err
        code, out, err = run("--db", str(ann.path), "sync")
        assert code == 0, err
        assert "activity (QBR notes: renewal at risk): kept on the server" in out
        code, out, err = run("--db", str(ann.path), "sync")
        assert "QBR notes" not in out  # said once, then listed on the Sync screen
    finally:
        ann.close()
