"""renew / churn / winback / tier from the shell: what the account, its ARR history, the
outbox and the JSON output say afterwards."""

from __future__ import annotations

import dataclasses
import json

import pytest

from csm_tui.commands.output import render
from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import run_text
from csm_tui.store import outbox


def _account(ws, stage: str = "adoption", currency: str = "USD"):
    row = ws.conn.execute(
        "SELECT id, name, arr, arr_usd, tier, version FROM accounts WHERE stage = ? "
        "AND currency = ? AND arr > 20000 AND deleted_at IS NULL ORDER BY name LIMIT 1",
        (stage, currency),
    ).fetchone()
    assert row is not None
    return row


def _q(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def _fields(ws, account_id):
    return ws.conn.execute(
        "SELECT arr, stage, renewal_date, tier FROM accounts WHERE id = ?", (account_id,)
    ).fetchone()


def test_renew_up_moves_arr_term_and_stage_and_says_so_in_json(workspace):
    a = _account(workspace, "renewal")
    seq = workspace.conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    new_arr = round(a["arr"] * 1.2, 2)
    result = run_text(
        workspace, f"renew {_q(a['name'])} --arr {new_arr:.2f} --term-end 2027-12-31 --format json"
    )
    data = json.loads(render([result], "json"))
    row = data["rows"][0] if "rows" in data else data[0]["rows"][0]
    assert row["outcome"] == "renewed" and row["direction"] == "up"
    assert row["arr_before"] == pytest.approx(a["arr"]) and row["arr_after"] == new_arr
    assert row["term_end"] == "2027-12-31" and row["stage"] == "adoption"
    arr, stage, renewal, _tier = _fields(workspace, a["id"])
    assert (arr, stage, renewal) == (new_arr, "adoption", "2027-12-31")
    kinds = [e.kind for e in outbox.entries(workspace.conn) if e.seq > seq]
    assert kinds == ["renewal_decision", "arr_event", "account", "stage_change"]
    account_entry = next(e for e in outbox.entries(workspace.conn)
                         if e.seq > seq and e.kind == "account")  # fmt: skip
    assert account_entry.base_version == a["version"]  # the guarded path


def test_churn_sets_arr_to_zero_keeps_the_reason_and_the_tier(workspace):
    a = _account(workspace)
    run_text(workspace, f'churn {_q(a["name"])} --reason "moved to a competitor"')
    arr, stage, _renewal, tier = _fields(workspace, a["id"])
    assert (arr, stage, tier) == (0.0, "churned", a["tier"])
    reason, before = workspace.conn.execute(
        "SELECT reason, arr_before FROM renewal_decisions WHERE account_id = ? "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1",  # the demo's renewals came before
        (a["id"],),
    ).fetchone()
    assert reason == "moved to a competitor" and before == pytest.approx(a["arr"])
    kind, after = workspace.conn.execute(
        "SELECT kind, arr_after_usd FROM arr_events WHERE account_id = ? "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (a["id"],),
    ).fetchone()
    assert (kind, after) == ("churn", 0.0)


def test_churn_without_a_reason_is_refused_and_changes_nothing(workspace):
    a = _account(workspace)
    before = list(workspace.conn.iterdump())
    with pytest.raises(CommandFailed, match="--reason"):
        run_text(workspace, f"churn {_q(a['name'])}")
    assert list(workspace.conn.iterdump()) == before


def test_winback_reopens_a_churned_account_in_adoption(workspace):
    a = _account(workspace)
    run_text(workspace, f'churn {_q(a["name"])} --reason "budget cut"')
    with pytest.raises(CommandFailed, match="won back"):
        run_text(workspace, f"renew {_q(a['name'])} --term-end 2027-12-31")
    run_text(workspace, f"winback {_q(a['name'])} --arr 30k --term-end 2027-12-31")
    arr, stage, renewal, _tier = _fields(workspace, a["id"])
    assert (arr, stage, renewal) == (30_000.0, "adoption", "2027-12-31")


def test_tier_override_needs_a_reason_and_auto_clears_it(workspace):
    a = _account(workspace)
    with pytest.raises(CommandFailed, match="reason"):
        run_text(workspace, f"tier {_q(a['name'])} strategic")
    result = run_text(
        workspace,
        f'tier {_q(a["name"])} strategic --reason "reference customer" --because flagship',
    )
    assert "Strategic by override" in result.message
    tier, override, why = workspace.conn.execute(
        "SELECT tier, tier_override, tier_override_reason FROM accounts WHERE id = ?", (a["id"],)
    ).fetchone()
    assert (tier, override, why) == ("strategic", "strategic", "flagship")
    run_text(workspace, f"tier {_q(a['name'])} auto")
    tier, override = workspace.conn.execute(
        "SELECT tier, tier_override FROM accounts WHERE id = ?", (a["id"],)
    ).fetchone()
    assert override is None and tier == a["tier"]
    history = workspace.conn.execute(
        "SELECT tier, reason, note FROM tier_overrides WHERE account_id = ? ORDER BY created_at",
        (a["id"],),
    ).fetchall()
    assert [tuple(h) for h in history] == [
        ("strategic", "flagship", "reference customer"),
        (None, "", ""),
    ]


def test_run_coverage_json_carries_the_books_renewal_rate_cmrr_and_csms_needed(workspace):
    a = _account(workspace, "renewal")
    before = json.loads(render([run_text(workspace, "coverage --format json")], "json"))
    run_text(workspace, f'churn {_q(a["name"])} --reason "budget cut"')
    after = json.loads(render([run_text(workspace, "coverage --format json")], "json"))
    b, s = before["summary"], after["summary"]
    assert s["renewal_decisions"] == b["renewal_decisions"] + 1
    assert s["churned_at_renewal"] == b["churned_at_renewal"] + 1
    assert s["renewal_rate"] < b["renewal_rate"]
    assert s["cmrr"] == pytest.approx(b["cmrr"] - a["arr_usd"] / 12)
    assert s["csms_needed"] == pytest.approx(s["arr_usd"] / s["arr_per_csm"])
    for key in ("grr", "nrr_retention", "nrr_expansion", "new_arr", "new_logos"):
        assert key in s


def test_reference_marks_a_flagship_that_the_rules_lift(workspace):
    from csm_tui.domain.tiers import TierRules

    workspace.settings = dataclasses.replace(
        workspace.settings, tier_rules=TierRules.from_toml("[tiers.strategic]\nreference = true")
    )
    a = workspace.conn.execute(
        "SELECT name, tier FROM accounts WHERE tier = 'growth' AND tier_override IS NULL "
        "AND deleted_at IS NULL ORDER BY name LIMIT 1"
    ).fetchone()
    result = run_text(workspace, f"reference {_q(a['name'])} yes --format json")
    row = json.loads(render([result], "json"))["rows"][0]
    assert (row["reference"], row["tier"], row["was"]) == (True, "strategic", "growth")
    run_text(workspace, f"reference {_q(a['name'])} no")
    row = workspace.conn.execute(
        "SELECT tier, is_reference FROM accounts WHERE name = ?", (a["name"],)
    ).fetchone()
    assert tuple(row) == ("growth", 0)
