"""Commands carried out on a demo book: what they change, what a dry run and a failing
script leave behind (nothing), and what their JSON and CSV say."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from csm_tui.commands.output import cell_width, render, render_table
from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import ScriptError, run_command, run_script, run_text, script_lines
from csm_tui.domain.dates import parse_due
from csm_tui.domain.language.filters import PortfolioSort, parse_filter
from csm_tui.domain.language.verbs import parse_command
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.tiers import Tier
from csm_tui.store import outbox
from csm_tui.store.cache import set_meta
from csm_tui.store.checklist import load_checklist, stage_gate_of
from csm_tui.store.portfolio import PortfolioQuery


def snapshot(conn) -> list[str]:
    """Every row of every table, as SQL: equal snapshots mean nothing changed."""
    return list(conn.iterdump())


def my_account(ws, tier: str = "strategic", stage: str | None = None):
    sql = "SELECT id, name, tier, stage FROM accounts WHERE owner_id = ? AND tier = ? "
    args: list = [ws.meta("me"), tier]
    if stage:
        sql += "AND stage = ? "
        args.append(stage)
    row = ws.conn.execute(sql + "AND deleted_at IS NULL ORDER BY name LIMIT 1", args).fetchone()
    assert row is not None
    return row


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_outbox(conn, before: int):
    return [e for e in outbox.entries(conn) if e.seq > before]


def last_seq(conn) -> int:
    return conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


# ----------------------------------------------------------------------------- reads


def test_a_filter_gives_what_the_portfolio_shows(workspace):
    text = "tier:strategic,enterprise health:<70"
    result = run_text(workspace, f"filter {text} --sort renewal")
    query = PortfolioQuery(workspace.conn, parse_filter(text), PortfolioSort.RENEWAL,
                           workspace.today(), workspace.meta("me"))  # fmt: skip
    expected = [r.id for r in query.window(0, query.count())]
    assert expected, "the demo book should have such accounts"
    assert [row[-1] for row in result.rows] == expected
    assert result.total == len(expected)
    limited = run_text(workspace, f"{text} --sort renewal --limit 2")
    assert [row[-1] for row in limited.rows] == expected[:2]
    assert limited.total == len(expected)
    assert f"showing 2 of {len(expected)}" in limited.message


def test_open_names_an_account_by_prefix_case_or_id(workspace):
    account = my_account(workspace)
    for ref in (account["name"], account["name"].upper(), account["id"]):
        assert run_text(workspace, f"open {quoted(ref)}").account_id == account["id"]


def test_an_ambiguous_prefix_lists_the_candidates(workspace):
    names = [r[0] for r in workspace.conn.execute("SELECT name FROM accounts ORDER BY name")]
    prefix = next(
        n[:3]
        for n in names
        if sum(1 for m in names if m.casefold().startswith(n[:3].casefold())) > 1
    )
    with pytest.raises(CommandFailed) as info:
        run_text(workspace, f"open {quoted(prefix)}")
    assert "names" in info.value.message and "say which" in info.value.message
    candidates = [m for m in names if m.casefold().startswith(prefix.casefold())]
    assert candidates[0] in info.value.message


def test_an_unknown_account_suggests_names_holding_the_text(workspace):
    name = my_account(workspace)["name"]
    middle = name[2:7]
    with pytest.raises(CommandFailed) as info:
        run_text(workspace, f"open {quoted('zz' + middle)}")
    assert "no account named" in info.value.message


def test_chinese_names_are_found_by_prefix(workspace):
    row = workspace.conn.execute(
        "SELECT id, name FROM accounts WHERE name GLOB '[一-龥]*' ORDER BY name LIMIT 1"
    ).fetchone()
    assert row is not None, "the demo book has Chinese names"
    assert run_text(workspace, f"open {row['name']}").account_id == row["id"]


def test_today_lists_my_agenda(workspace):
    result = run_text(workspace, "today")
    assert result.rows
    assert {row[2] for row in result.rows} <= {"touch", "task", "renewal", "activation",
                                               "health_drop", "qbr", "onsite"}  # fmt: skip


# ----------------------------------------------------------------------------- writes


def test_log_writes_the_activity_and_its_outbox_entries(workspace):
    account = my_account(workspace)
    conn = workspace.conn
    before = last_seq(conn)
    result = run_text(
        workspace,
        f'log call {quoted(account["name"])} --minutes 45 --summary "Walked the roll-out" '
        '--next "send deck in 3 days" --sentiment positive',
    )
    activity = conn.execute(
        "SELECT * FROM activities WHERE id = ?", (result.rows[0][0],)
    ).fetchone()
    assert activity["account_id"] == account["id"]
    assert (activity["kind"], activity["minutes"], activity["summary"]) == (
        "call", 45, "Walked the roll-out")  # fmt: skip
    assert activity["sentiment"] == "positive"
    entries = new_outbox(conn, before)
    assert {(e.kind, e.op) for e in entries} >= {("activity", "upsert"), ("task", "upsert")}
    assert [(c.kind, c.op, c.record_id) for c in result.changes] == [
        (e.kind, e.op, e.record_id) for e in entries
    ]
    task = conn.execute(
        "SELECT title, due_on FROM tasks WHERE source_activity_id = ?", (activity["id"],)
    ).fetchone()
    assert task["due_on"] == (workspace.today() + timedelta(days=3)).isoformat()


def test_log_defaults_are_the_forms(workspace):
    account = my_account(workspace)
    result = run_text(workspace, f"log meeting {quoted(account['name'])} --summary s")
    row = workspace.conn.execute(
        "SELECT minutes, sentiment, occurred_at FROM activities WHERE id = ?", (result.rows[0][0],)
    ).fetchone()
    assert (row["minutes"], row["sentiment"]) == (60, "neutral")
    assert row["occurred_at"].startswith(workspace.now().strftime("%Y-%m-%d %H:%M"))


def test_a_bad_when_fails_and_writes_nothing(workspace):
    account = my_account(workspace)
    before = snapshot(workspace.conn)
    with pytest.raises(CommandFailed, match="--when"):
        run_text(workspace, f'log call {quoted(account["name"])} --summary s --when "soonish"')
    assert snapshot(workspace.conn) == before


def test_stage_is_refused_with_the_missing_items_then_advances(workspace):
    account = my_account(workspace, "growth", "onboarding")
    conn = workspace.conn
    gate = stage_gate_of(conn, account["id"])
    assert gate.missing_required
    with pytest.raises(CommandFailed) as info:
        run_text(workspace, f"stage {quoted(account['name'])} activation")
    for item in gate.missing_required:
        assert item.key in info.value.message
    for item in gate.missing_required:
        run_text(workspace, f"check {quoted(account['name'])} {item.key}")
    with pytest.raises(CommandFailed, match="only move to the next stage"):
        run_text(workspace, f"stage {quoted(account['name'])} renewal")
    result = run_text(workspace, f"stage {quoted(account['name'])} activation")
    assert "moved from Onboarding to Activation" in result.message
    assert stage_gate_of(conn, account["id"]).stage is Stage.ACTIVATION
    assert {c.kind for c in result.changes} >= {"stage_change", "account"}


def test_check_finds_an_item_by_its_label_and_untick_undoes_it(workspace):
    account = my_account(workspace, "growth", "onboarding")
    entries = load_checklist(workspace.conn, account["id"], Tier.GROWTH, Stage.ONBOARDING)
    item = next(e for e in entries if not e.done)
    run_text(workspace, f"check {quoted(account['name'])} {quoted(item.label.lower())}")
    done = {e.key: e.done for e in load_checklist(workspace.conn, account["id"], Tier.GROWTH,
                                                   Stage.ONBOARDING)}  # fmt: skip
    assert done[item.key]
    again = run_text(workspace, f"check {quoted(account['name'])} {item.key}")
    assert "already ticked" in again.message and not again.changes
    run_text(workspace, f"uncheck {quoted(account['name'])} {item.key}")
    done = {e.key: e.done for e in load_checklist(workspace.conn, account["id"], Tier.GROWTH,
                                                   Stage.ONBOARDING)}  # fmt: skip
    assert not done[item.key]


def test_a_task_is_added_then_done_by_its_short_id(workspace):
    account = my_account(workspace)
    result = run_text(workspace, f'task {quoted(account["name"])} "Send the deck" --due "next tue"')
    task_id = result.rows[0][0]
    row = workspace.conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    due = parse_due("next tue", workspace.today()).isoformat()
    assert (row["title"], row["due_on"], row["owner_id"]) == (
        "Send the deck", due, workspace.meta("me"))  # fmt: skip
    done = run_text(workspace, f"task done {task_id[-8:]}")
    assert done.rows[0][4] is not None
    assert [(c.kind, c.op, c.record_id) for c in done.changes] == [("task", "upsert", task_id)]


def test_assign_follows_the_servers_rule(workspace):
    conn = workspace.conn
    account = my_account(workspace)
    with pytest.raises(CommandFailed, match="only a team lead or an admin"):
        run_text(workspace, f'assign {quoted(account["name"])} "Tom Becker"')
    lead = conn.execute("SELECT id FROM users WHERE name = 'Elena Rossi'").fetchone()[0]
    with conn:
        set_meta(conn, "me", lead)
    run_text(workspace, f"assign {quoted(account['name'])} tom")
    owner = conn.execute(
        "SELECT u.name FROM accounts a JOIN users u ON u.id = a.owner_id WHERE a.id = ?",
        (account["id"],),
    ).fetchone()[0]
    assert owner == "Tom Becker"
    entry = outbox.entries(conn)[-1]
    assert (entry.kind, entry.fields) == ("account", {"owner_id": result_owner(conn, account)})
    with pytest.raises(CommandFailed, match="own team"):
        run_text(workspace, f'assign {quoted(account["name"])} "王芳"')


def result_owner(conn, account):
    return conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account["id"],)).fetchone()[
        0
    ]


def test_prep_exports_the_sheet(workspace, tmp_path):
    account = my_account(workspace)
    target = tmp_path / "prep.md"
    result = run_text(workspace, f"prep {quoted(account['name'])} --export {quoted(str(target))}")
    assert target.read_text(encoding="utf-8") == result.text
    assert result.text.startswith("# Call prep:")
    with pytest.raises(CommandFailed, match="does not exist"):
        run_text(workspace, f"prep {quoted(account['name'])} --export {tmp_path}/no/such/x.md")


def test_export_portfolio_writes_what_the_filter_gives(workspace, tmp_path):
    target = tmp_path / "book.json"
    run_text(workspace, f"export portfolio tier:strategic --out {quoted(str(target))}")
    written = json.loads(target.read_text(encoding="utf-8"))
    if isinstance(written, dict):  # the export work's document: {"rows": [...], ...}
        written = written["rows"]
    shown = run_text(workspace, "filter tier:strategic")
    assert [r["id"] for r in written] == [row[-1] for row in shown.rows]


# ----------------------------------------------------------------------------- dry runs


def test_a_dry_run_reports_the_change_and_changes_nothing(workspace, tmp_path):
    account = my_account(workspace)
    conn = workspace.conn
    before = snapshot(conn)
    target = tmp_path / "prep.md"
    for text in (
        f'log call {quoted(account["name"])} --summary "s" --next "deck by next tue"',
        f'task {quoted(account["name"])} "Call back" --due tomorrow',
        f"prep {quoted(account['name'])} --export {quoted(str(target))}",
    ):
        result = run_text(workspace, text, dry_run=True)
        assert result.dry_run and result.wrote
        assert "dry run" in result.message
    as_option = run_text(workspace, f"log note {quoted(account['name'])} --summary s --dry-run")
    assert as_option.dry_run and [c.kind for c in as_option.changes] == ["activity"]
    assert snapshot(conn) == before
    assert not target.exists()


# ----------------------------------------------------------------------------- scripts


def test_a_script_failing_at_line_7_changes_nothing(workspace, tmp_path):
    account = my_account(workspace, "growth", "onboarding")
    name = quoted(account["name"])
    item = stage_gate_of(workspace.conn, account["id"]).missing_required[0].key
    target = tmp_path / "prep.md"
    script = "\n".join([
        f'log call {name} --summary "Kickoff done" --next "send plan by fri"',
        f'task {name} "Send the plan" --due "next tue"',
        "# a comment",
        "",
        f"check {name} {item}",
        f"prep {name} --export {quoted(str(target))}",
        'log call "No Such Account Anywhere" --summary x',
        f"check {name} {item}",
    ])  # fmt: skip
    before = snapshot(workspace.conn)
    with pytest.raises(ScriptError) as info:
        run_script(workspace, script_lines(script))
    assert info.value.line == 7
    assert "no account named" in info.value.reason
    assert not info.value.saved
    assert snapshot(workspace.conn) == before
    assert not target.exists()
    # the same script without its bad line saves everything
    fixed = "\n".join(line for n, line in enumerate(script.split("\n"), 1) if n != 7)
    results = run_script(workspace, script_lines(fixed))
    assert len(results) == 5 and target.exists()
    assert snapshot(workspace.conn) != before


def test_a_script_that_cannot_be_read_runs_nothing(workspace):
    account = my_account(workspace)
    script = "\n".join([f"log call {quoted(account['name'])} --summary ok"] * 6 + ["log cal x"])
    before = snapshot(workspace.conn)
    with pytest.raises(ScriptError) as info:
        run_script(workspace, script_lines(script))
    assert (info.value.line, info.value.position) == (7, 4)
    assert snapshot(workspace.conn) == before


def test_a_dry_run_script_changes_nothing(workspace):
    account = my_account(workspace)
    script = script_lines(
        f"log call {quoted(account['name'])} --summary one\n"
        f"log email {quoted(account['name'])} --summary two\n"
        "today\n"
    )
    before = snapshot(workspace.conn)
    results = run_script(workspace, script, dry_run=True)
    assert [r.dry_run for r in results[:2]] == [True, True]
    assert snapshot(workspace.conn) == before


def test_sync_must_close_a_script(workspace):
    with pytest.raises(ScriptError, match="last command") as info:
        run_script(workspace, script_lines("sync\ntoday"))
    assert info.value.line == 1
    dry = run_script(workspace, script_lines("today\nsync"), dry_run=True)
    assert "would push" in dry[-1].message


# ----------------------------------------------------------------------------- output


def test_json_output_parses_back_to_the_rows(workspace):
    result = run_text(workspace, "filter tier:strategic,enterprise --limit 25")
    data = json.loads(render([result], "json"))
    assert data["columns"] == [c.key for c in result.columns]
    assert [r["id"] for r in data["rows"]] == [row[-1] for row in result.rows]
    assert data["total"] == result.total and data["ok"] is True
    assert set(data) >= {"command", "message", "dry_run", "wrote", "changes", "files"}


def test_csv_output_parses_back_to_the_rows(workspace):
    result = run_text(workspace, "filter --sort name --limit 40")
    text = render([result], "csv")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [c.key for c in result.columns]
    assert [r[0] for r in rows[1:]] == [row[0] for row in result.rows]
    assert [r[-1] for r in rows[1:]] == [row[-1] for row in result.rows]


def test_tables_align_chinese_names(workspace):
    from csm_tui.domain.text import safe_text

    result = run_command(workspace, parse_command("filter --sort name"))
    names = [row[0] for row in result.rows]
    assert any(cell_width(n) > len(n) for n in names), "the demo book has Chinese names"
    lines = render_table(result).splitlines()
    tier_at = cell_width(lines[0][: lines[0].index("Tier")])
    for line, row in zip(lines[2:], result.rows, strict=False):
        name = safe_text(row[0])
        assert line.startswith(name)
        rest = line[len(name) :]
        assert cell_width(name) + len(rest) - len(rest.lstrip(" ")) == tier_at, line
        assert rest.lstrip(" ").startswith(row[1])


# ----------------------------------------------------------------------------- seams


class FakeReport:
    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def summary(self) -> str:
        return "synced: pushed 2 changes (2 applied), pulled 0 changes" if self.ok else (
            "sync incomplete: nothing to push, pulled 0 changes — server unreachable")  # fmt: skip


def fake_engine(monkeypatch, ok: bool, calls: list):
    import sys
    import types

    engine = types.ModuleType("csm_tui.sync.engine")

    def run_sync(db_path, now=None, **kwargs):
        calls.append((db_path, now))
        return FakeReport(ok)

    engine.run_sync = run_sync
    monkeypatch.setitem(sys.modules, "csm_tui.sync.engine", engine)


def test_sync_calls_the_same_function_as_csm_tui_sync(workspace, monkeypatch):
    calls: list = []
    fake_engine(monkeypatch, ok=True, calls=calls)
    result = run_text(workspace, "sync")
    assert calls == [(workspace.db_path, workspace.now())]
    assert result.message.startswith("synced:")
    fake_engine(monkeypatch, ok=False, calls=calls)
    with pytest.raises(CommandFailed, match="unreachable"):
        run_text(workspace, "sync")


def test_a_script_syncs_after_saving_its_lines(workspace, monkeypatch):
    calls: list = []
    fake_engine(monkeypatch, ok=False, calls=calls)
    account = my_account(workspace)
    before = last_seq(workspace.conn)
    with pytest.raises(ScriptError) as info:
        run_script(workspace, script_lines(
            f"log call {quoted(account['name'])} --summary s\nsync\n"))  # fmt: skip
    assert info.value.line == 2 and info.value.saved
    assert last_seq(workspace.conn) > before  # the log was saved; it waits in the outbox
    assert len(calls) == 1


def test_help_lists_every_verb(workspace):
    from csm_tui.domain.language.verb_options import VERBS

    result = run_text(workspace, "help")
    assert [row[0] for row in result.rows] == list(VERBS)
    assert "log KIND ACCOUNT --summary" in result.text
    assert run_text(workspace, "help task").rows[0][0] == "task"


def test_an_export_without_a_file_is_printed(workspace):
    result = run_text(workspace, "export portfolio tier:strategic --format json")
    assert result.text and not result.files and not result.wrote
    assert "Exported portfolio as json" in result.message
    assert result.text in render([result], "table")


def test_coverage_rows_say_each_csms_touches_a_year_and_whether_cadences_can_be_kept(workspace):
    """Touches a year = Σ accounts × 365 / cadence days of each tier; capacity 600–1,000."""
    result = run_text(workspace, "coverage --format json")
    rows = result.as_json()["rows"]
    owned = [r for r in rows if r["owner_id"]]
    assert owned
    conn = workspace.conn
    cadence = {"strategic": 14, "enterprise": 30, "growth": 60, "scale": 90}
    for row in owned:
        by_tier = conn.execute(
            "SELECT tier, count(*) FROM accounts WHERE owner_id = ? AND deleted_at IS NULL "
            "AND stage != 'churned' GROUP BY tier",
            (row["owner_id"],),
        ).fetchall()
        needed = sum(n * 365 / cadence[t] for t, n in by_tier if t in cadence)
        assert row["touches_needed"] == round(needed, 1)  # a count: one decimal, not 13
        expected = "within" if needed <= 600 else ("stretched" if needed <= 1000 else "cannot_keep")
        assert row["capacity"] == expected, row


def test_every_kind_of_command_has_one_handler_in_its_verb_familys_module():
    from csm_tui.commands.run import handler_for
    from csm_tui.domain.language import verb_types

    kinds = [
        k
        for k in vars(verb_types).values()
        if isinstance(k, type) and issubclass(k, verb_types.Command) and k is not verb_types.Command
    ]
    assert len(kinds) >= 30
    missing = [k.__name__ for k in kinds if handler_for(k) is None]
    assert missing == []
    assert handler_for(verb_types.Command) is None


def test_the_shell_imports_only_the_verb_family_it_runs():
    """`csm-tui run 'filter ...'` starts light: the other families load when first used."""
    import ast
    import subprocess
    import sys

    code = (
        "import sys; from csm_tui.commands.run import handler_for; "
        "from csm_tui.domain.language.verb_types import FilterCommand; "
        "handler_for(FilterCommand); "
        "print(sorted(m for m in sys.modules if m.startswith('csm_tui.commands.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    loaded = ast.literal_eval(out)
    assert "csm_tui.commands.portfolio" in loaded
    for family in ("backtest", "coverage", "transfer", "sync_verbs", "log", "accounts"):
        assert f"csm_tui.commands.{family}" not in loaded
