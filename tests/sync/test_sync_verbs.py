"""The Sync screen's keys as commands (`conflicts`, `resolve`, `refused`, `retry`,
`dismiss`), against the real central API: what `csm-tui sync` only counted, a script can
now list as JSON and settle."""

from __future__ import annotations

import json

import pytest

from csm_tui import protocol as p
from csm_tui.commands.output import render
from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import ScriptError, run_script, run_text
from csm_tui.domain.clock import FixedClock
from csm_tui.store import outbox
from csm_tui.sync.conflicts import dismiss_rejected, list_conflicts, list_rejected
from csm_tui.workspace import Workspace
from tests.server.world import NOW
from tests.sync.conftest import make_world
from tests.sync.devices import Device


def _conflicted_phone(sqlite_central, tmp_path) -> tuple[str, str]:
    """A phone whose push of arr=70000 met the laptop's arr=50000: one conflict."""
    world = make_world(sqlite_central)
    ann = world.people["ann"]
    laptop = Device("laptop", ann, tmp_path / "laptop.sqlite3", sqlite_central.base_url)
    laptop.sync()
    account_id = laptop.new_account("Conflict GmbH")
    laptop.sync()
    phone = Device("phone", ann, tmp_path / "phone.sqlite3", sqlite_central.base_url)
    phone.sync()
    laptop.edit_account(account_id, arr=50_000.0)
    laptop.sync()
    phone.edit_account(account_id, arr=70_000.0)
    assert phone.sync().conflicts == 1
    laptop.close()
    phone.close()
    return str(tmp_path / "phone.sqlite3"), account_id


def _workspace(path: str) -> Workspace:
    return Workspace(db_path=path, clock=FixedClock(NOW))


def test_conflicts_lists_what_the_sync_screen_shows_as_json(sqlite_central, tmp_path):
    path, account_id = _conflicted_phone(sqlite_central, tmp_path)
    ws = _workspace(path)
    try:
        data = json.loads(render([run_text(ws, "conflicts --format json")], "json"))
        (row,) = data["rows"]
        assert row["kind"] == "account" and row["account"] == "Conflict GmbH"
        assert row["account_id"] == account_id and row["fields"] == ["arr"]
        assert row["mine"] == {"arr": 70_000.0} and row["theirs"] == {"arr": 50_000.0}
        assert row["resolution"] is None and "1 conflict to resolve" in data["message"]
        lines = render([run_text(ws, "conflicts")], "csv").splitlines()
        assert lines[0].startswith("id,kind,account,fields,mine,theirs")
        assert '"{""arr"": 70000.0}"' in lines[1]  # JSON in the cell, not Python's repr
    finally:
        ws.close()


def test_resolve_mine_queues_my_value_again_as_m_does(sqlite_central, tmp_path):
    path, _account_id = _conflicted_phone(sqlite_central, tmp_path)
    ws = _workspace(path)
    try:
        (conflict,) = list_conflicts(ws.conn)
        dry = run_text(ws, f"resolve {conflict.id} mine --dry-run")
        assert dry.dry_run and list_conflicts(ws.conn) == [conflict]
        result = run_text(ws, f"resolve {conflict.id} mine")
        assert "kept mine" in result.message and result.changes
        assert list_conflicts(ws.conn) == []
        last = outbox.pending(ws.conn)[-1]
        assert last.kind == "account" and last.fields.get("arr") == 70_000.0
        with pytest.raises(CommandFailed, match="resolved already"):
            run_text(ws, f"resolve {conflict.id} theirs")
        settled = run_text(ws, "conflicts --all").records()
        assert [(r["id"], r["resolution"]) for r in settled] == [(conflict.id, "mine")]
    finally:
        ws.close()


def test_resolve_edit_keeps_the_values_set_and_a_script_is_all_or_nothing(sqlite_central, tmp_path):
    path, account_id = _conflicted_phone(sqlite_central, tmp_path)
    ws = _workspace(path)
    try:
        (conflict,) = list_conflicts(ws.conn)
        with pytest.raises(CommandFailed, match="name not in conflict"):
            run_text(ws, f"resolve {conflict.id} edit --set arr=1 --set name=x")
        before = list(ws.conn.iterdump())
        lines = [(1, f"resolve {conflict.id} edit --set arr=60000"), (2, "open nowhere-at-all")]
        with pytest.raises(ScriptError) as info:
            run_script(ws, lines)
        assert info.value.line == 2
        assert list(ws.conn.iterdump()) == before  # line 1 was taken back with the script
        run_script(ws, lines[:1])
        assert list_conflicts(ws.conn) == []
        arr = ws.conn.execute("SELECT arr FROM accounts WHERE id = ?", (account_id,)).fetchone()
        assert arr[0] == 60_000
    finally:
        ws.close()


def test_refused_changes_can_be_listed_retried_and_dismissed(sqlite_central, tmp_path):
    world = make_world(sqlite_central)
    ann = Device("ann", world.people["ann"], tmp_path / "ann.sqlite3", sqlite_central.base_url)
    ann.sync()
    gone = p.new_uuid7()  # an account the server does not have: it refuses the calls on it
    with ann.conn:
        for summary in ("notes from the QBR — keep me", "second note"):
            fields = {"account_id": gone, "kind": "call", "summary": summary,
                      "minutes": 30, "occurred_at": "2026-03-02T09:00:00+00:00"}  # fmt: skip
            ann.conn.execute(
                "INSERT INTO outbox (mutation_id, kind, op, record_id, base_version, fields, "
                "created_at, attempts, state) VALUES (?, 'activity', 'upsert', ?, NULL, ?, ?, 0, "
                "'pending')",
                (p.new_uuid7(), p.new_uuid7(), json.dumps(fields), "2026-03-02 09:30:00.000000"),
            )
    assert ann.sync().rejected == 2
    ann.close()
    ws = _workspace(str(tmp_path / "ann.sqlite3"))
    try:
        data = json.loads(render([run_text(ws, "refused --format json")], "json"))
        assert len(data["rows"]) == 2
        first, second = data["rows"]
        assert first["code"] and first["kind"] == "activity" and first["account_id"] == gone
        assert "keep me" in first["what"]
        retried = run_text(ws, f"retry {first['change'][-8:]}")
        assert "Will send again" in retried.message and retried.changes
        assert outbox.pending(ws.conn)[-1].fields["summary"] == "notes from the QBR — keep me"
        dry = run_text(ws, f"dismiss {second['change']} --dry-run")
        assert dry.dry_run and len(list_rejected(ws.conn)) == 1
        dismiss_rejected(ws.conn, second["change"])  # as the Sync screen's d: no batch
        assert list_rejected(ws.conn) == [] and not ws.conn.in_transaction
        with pytest.raises(CommandFailed, match="no refused change"):
            run_text(ws, f"dismiss {second['change']}")
    finally:
        ws.close()
