"""`coverage`, `import` and `export` through the work that provides them (skipped in a build
without it): the verbs call the same functions as `csm-tui import` / `export`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csm_tui.commands.results import CommandFailed
from csm_tui.commands.run import ScriptError, run_script, run_text, script_lines

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "import"


def snapshot(conn) -> list[str]:
    return list(conn.iterdump())


def test_coverage_rows_add_up_to_the_report(workspace):
    pytest.importorskip("csm_tui.store.coverage")
    result = run_text(workspace, "coverage")
    live = workspace.conn.execute(
        "SELECT count(*) FROM accounts WHERE deleted_at IS NULL AND stage != 'churned'"
    ).fetchone()[0]
    assert sum(row[2] for row in result.rows) == live
    assert "GRR" in result.message and "NRR" in result.message
    team = run_text(workspace, "coverage --team emea")
    assert 0 < len(team.rows) < len(result.rows)
    with pytest.raises(CommandFailed):
        run_text(workspace, "coverage --team nowhere-at-all")


def test_export_coverage_and_prep_through_the_exporter(workspace, tmp_path):
    exporter = pytest.importorskip("csm_tui.commands.export")
    account = workspace.conn.execute("SELECT id, name FROM accounts LIMIT 1").fetchone()
    target = tmp_path / "prep.json"
    run_text(workspace, f'export prep "{account["name"]}" --out "{target}"')
    expected = exporter.export_prep(workspace.conn, account["id"], workspace.now(),
                                    workspace.settings.tier_rules, "json")  # fmt: skip
    assert target.read_text(encoding="utf-8") == expected
    if pytest.importorskip("csm_tui.store.coverage"):
        out = tmp_path / "coverage.csv"
        run_text(workspace, f'export coverage --out "{out}"')
        assert out.read_text(encoding="utf-8").startswith("scope,")


def test_import_in_a_script_is_all_or_nothing(workspace):
    pytest.importorskip("csm_tui.store.importer")
    sample = ASSETS / "hubspot-companies-sample.csv"
    before = snapshot(workspace.conn)
    script = "\n".join(
        [f'import accounts "{sample}" --mapping hubspot'] + ["today"] * 5
        + ['open "No Such Account Anywhere"']
    )  # fmt: skip
    with pytest.raises(ScriptError) as info:
        run_script(workspace, script_lines(script))
    assert info.value.line == 7
    assert snapshot(workspace.conn) == before
    dry = run_text(workspace, f'import accounts "{sample}" --mapping hubspot --dry-run')
    assert dry.rows and snapshot(workspace.conn) == before
    done = run_text(workspace, f'import accounts "{sample}" --mapping hubspot')
    assert "imported" in done.message and done.changes
    assert json.loads(json.dumps([c.kind for c in done.changes]))[0] == "account"


def test_a_malformed_file_changes_nothing_and_names_its_lines(workspace, tmp_path):
    pytest.importorskip("csm_tui.store.importer")
    bad = tmp_path / "bad.csv"
    lines = (ASSETS / "hubspot-companies-sample.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:3], "999,Broken Co,,Customer,notanumber,2026-13-45"]),
                   encoding="utf-8")  # fmt: skip
    before = snapshot(workspace.conn)
    with pytest.raises(CommandFailed) as info:
        run_text(workspace, f'import accounts "{bad}" --mapping hubspot')
    assert "line 4" in info.value.message
    assert snapshot(workspace.conn) == before


def test_coverage_for_a_fiscal_quarter_reports_that_quarter(workspace):
    import dataclasses

    from csm_tui.commands.output import render

    pytest.importorskip("csm_tui.store.coverage")
    workspace.settings = dataclasses.replace(workspace.settings, fiscal_year_start=4)
    result = run_text(workspace, "coverage --period fy2026q4 --format json")
    period = json.loads(render([result], "json"))["summary"]["period"]
    # (start, end]: Q4 of FY2026 with an April start is January to March 2026.
    assert period == {"start": "2025-12-31", "end": "2026-03-31"}
    assert "2026-01-01 – 2026-03-31" in result.message
    with pytest.raises(CommandFailed, match="not a period"):
        run_text(workspace, "coverage --period someday")


def test_coverage_in_cny_shows_totals_and_the_per_csm_rule_at_todays_rate(workspace):
    import dataclasses
    from datetime import date

    from csm_tui.commands.output import render
    from csm_tui.store.rates import set_rate

    pytest.importorskip("csm_tui.store.coverage")
    usd = run_text(workspace, "coverage")
    assert "CSMs needed" in usd.message and "(1 per $2M)" in usd.message
    set_rate(workspace.conn, date(2026, 11, 1), 7.25)
    workspace.settings = dataclasses.replace(workspace.settings, currency="CNY")
    cny = run_text(workspace, "coverage")
    # $2M per CSM at 7.25 is ¥14.5M ("¥15M" compact in English).
    assert "(1 per ¥15M)" in cny.message
    assert "at 7.25 CNY per USD, rates of 2026-11-01" in cny.message
    table = render([cny], "table")
    assert "¥" in table and "$" not in table
    summary = json.loads(render([cny], "json"))["summary"]
    assert (summary["currency"], summary["per_usd"], summary["rates_of"]) == (
        "CNY",
        7.25,
        "2026-11-01",
    )
    assert summary["arr_usd"] == json.loads(render([usd], "json"))["summary"]["arr_usd"]
