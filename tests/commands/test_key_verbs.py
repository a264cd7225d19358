"""Keys that had no command (spec section 4): Today's `z` / `Z` as `snooze`, the Account
screen's timeline (`4`, `f`, `enter`) as `timeline` — with JSON a script can read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from csm_tui.commands.output import render
from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import ScriptError, run_script, run_text
from csm_tui.store.agenda import load_agenda
from csm_tui.store.lookup import short_id
from tests.commands.test_run import quoted


def _first_task_on_today(ws):
    items = load_agenda(ws.conn, ws.meta("me"), ws.today(), ws.settings.tier_rules)
    return next(i for i in items if i.task_id is not None)


def test_snooze_takes_a_task_off_today_as_z_does(workspace):
    item = _first_task_on_today(workspace)
    result = run_text(workspace, f"snooze {short_id(item.task_id)} --format json")
    data = json.loads(render([result], "json"))
    assert data["wrote"] and data["changes"] == {"task.upsert": 1}
    (row,) = data["rows"]
    assert row["task_id"] == item.task_id
    assert row["snoozed_until"] == (workspace.today() + timedelta(days=1)).isoformat()
    agenda = load_agenda(workspace.conn, workspace.meta("me"), workspace.today(),
                         workspace.settings.tier_rules)  # fmt: skip
    assert item.task_id not in {i.task_id for i in agenda}


def test_snooze_a_week_is_big_z(workspace):
    item = _first_task_on_today(workspace)
    result = run_text(workspace, f"snooze {item.task_id} --days 7")
    assert (
        result.records()[0]["snoozed_until"] == (workspace.today() + timedelta(days=7)).isoformat()
    )
    assert "Snoozed until" in result.message


def test_snoozing_a_done_task_is_refused_and_a_script_keeps_nothing(workspace):
    item = _first_task_on_today(workspace)
    lines = [(1, f"task done {item.task_id}"), (2, f"snooze {item.task_id}")]
    before = list(workspace.conn.iterdump())
    with pytest.raises(ScriptError) as info:
        run_script(workspace, lines)
    assert info.value.line == 2 and "reopen it to snooze it" in info.value.reason
    assert list(workspace.conn.iterdump()) == before


def _busiest_account(ws) -> tuple[str, str, int]:
    return ws.conn.execute(
        "SELECT a.id, a.name, count(*) FROM activities t JOIN accounts a ON a.id = t.account_id "
        "WHERE t.deleted_at IS NULL GROUP BY a.id ORDER BY count(*) DESC, a.name LIMIT 1"
    ).fetchone()


def test_timeline_reads_the_whole_timeline_not_the_last_five(workspace):
    account_id, name, count = _busiest_account(workspace)
    assert count > 5
    prep = run_text(workspace, f"prep {quoted(name)}")
    assert prep.text is not None
    result = run_text(workspace, f"timeline {quoted(name)} --format json")
    data = json.loads(render([result], "json"))
    assert data["total"] == count and len(data["rows"]) == count
    assert data["account_id"] == account_id
    when = [r["occurred_at"] for r in data["rows"]]
    assert when == sorted(when, reverse=True)  # newest first, as the Account screen


def test_timeline_filters_by_type_and_limits(workspace):
    _account_id, name, _count = _busiest_account(workspace)
    calls = run_text(workspace, f"timeline {quoted(name)} --type call")
    assert calls.rows and {r["kind"] for r in calls.records()} == {"call"}
    one = run_text(workspace, f"timeline {quoted(name)} --type call --limit 1")
    assert len(one.rows) == 1 and one.total == len(calls.rows)
    assert "showing 1 of" in one.message


def test_timeline_gives_a_long_summary_whole(workspace):
    _account_id, name, _count = _busiest_account(workspace)
    long = "word " * 400  # longer than the timeline's preview
    run_text(workspace, f"log note {quoted(name)} --summary {quoted(long.strip())}")
    result = run_text(workspace, f"timeline {quoted(name)} --type note --limit 1")
    assert result.records()[0]["summary"] == long.strip()


# ----------------------------------------------------------------------------- account panes


def test_tasks_lists_the_accounts_tasks_as_the_tasks_pane(workspace):
    from csm_tui.store.tasks import account_tasks

    item = _first_task_on_today(workspace)
    name = workspace.conn.execute(
        "SELECT name FROM accounts WHERE id = ?", (item.account_id,)
    ).fetchone()[0]
    shown = run_text(workspace, f"tasks {quoted(name)} --format json")
    pane = account_tasks(workspace.conn, item.account_id, workspace.today())
    assert [r["task_id"] for r in shown.records()] == [t.id for t in pane]
    both = run_text(workspace, f"tasks {quoted(name)} --done")
    done = account_tasks(workspace.conn, item.account_id, workspace.today(), include_done=True)
    assert [r["task_id"] for r in both.records()] == [t.id for t in done]


def test_task_take_makes_the_task_mine_as_m_does(workspace):
    me = workspace.meta("me")
    task_id, owner = workspace.conn.execute(
        "SELECT id, owner_id FROM tasks WHERE owner_id IS NOT ? AND deleted_at IS NULL "
        "AND done_at IS NULL ORDER BY id LIMIT 1",
        (me,),
    ).fetchone()
    result = run_text(workspace, f"task take {short_id(task_id)}")
    assert result.changes and result.records()[0]["owner"] == "Sarah Mitchell"
    now_owner = workspace.conn.execute(
        "SELECT owner_id FROM tasks WHERE id = ?", (task_id,)
    ).fetchone()[0]
    assert now_owner == me != owner


def test_contacts_and_contact_add_and_edit_as_the_stakeholders_pane(workspace):
    _account_id, name, _count = _busiest_account(workspace)
    before = run_text(workspace, f"contacts {quoted(name)}").records()
    added = run_text(
        workspace,
        f'contact add {quoted(name)} "Jane Doe" --role sponsor --email jane@acme.example',
    )
    assert [c.kind for c in added.changes] == ["contact"]
    after = run_text(workspace, f"contacts {quoted(name)} --format json").records()
    assert len(after) == len(before) + 1
    jane = next(r for r in after if r["name"] == "Jane Doe")
    assert (jane["role"], jane["email"]) == ("sponsor", "jane@acme.example")
    run_text(workspace, f'contact edit {quoted(name)} jane --title "VP Sales" --role champion')
    jane = next(
        r
        for r in run_text(workspace, f"contacts {quoted(name)}").records()
        if r["contact_id"] == jane["contact_id"]
    )
    assert (jane["title"], jane["role"]) == ("VP Sales", "champion")
    with pytest.raises(CommandFailed):
        run_text(workspace, f'contact add {quoted(name)} "Bad Mail" --email not-an-email')


def test_notes_writes_the_prep_notes_the_sheet_ends_with(workspace):
    _account_id, name, _count = _busiest_account(workspace)
    run_text(workspace, f'notes {quoted(name)} --set "Ask about the renewal"')
    run_text(workspace, f'notes {quoted(name)} --append "Bring the roll-out plan"')
    shown = run_text(workspace, f"notes {quoted(name)}")
    assert shown.text == "Ask about the renewal\nBring the roll-out plan"
    sheet = run_text(workspace, f"prep {quoted(name)}").text
    assert "Bring the roll-out plan" in sheet


def test_undo_takes_back_my_last_log_as_ctrl_z(workspace):
    _account_id, name, count = _busiest_account(workspace)
    logged = run_text(workspace, f'log call {quoted(name)} --summary "oops, wrong account"')
    undone = run_text(workspace, "undo --format json")
    assert undone.records()[0]["activity_id"] == logged.records()[0]["activity_id"]
    total = run_text(workspace, f"timeline {quoted(name)}").total
    assert total == count


def test_amend_changes_my_last_log_as_e_does(workspace):
    _account_id, name, count = _busiest_account(workspace)
    run_text(workspace, f'log call {quoted(name)} --summary "typo in teh summary" --minutes 20')
    amended = run_text(workspace, 'amend --summary "no typo in the summary" --minutes 35')
    row = amended.records()[0]
    assert (row["summary"], row["minutes"], row["kind"]) == ("no typo in the summary", 35, "call")
    latest = run_text(workspace, f"timeline {quoted(name)} --limit 1").records()[0]
    assert (latest["summary"], latest["minutes"]) == ("no typo in the summary", 35)
    assert run_text(workspace, f"timeline {quoted(name)}").total == count + 1  # changed, not added
