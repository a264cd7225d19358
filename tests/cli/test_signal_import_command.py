"""`csm-tui import usage|tickets|surveys|invoices` and `csm-tui health recompute`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from csm_tui.assets_path import assets_dir
from csm_tui.cli.main import main
from csm_tui.domain.health import Component
from csm_tui.domain.tiers import TierRules
from csm_tui.store.accounts import health_of, load_account_facts
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW.isoformat()
TODAY = FROZEN_NOW.date().isoformat()
SAMPLES = assets_dir() / "import"
SIGNALS = (
    ("usage", "mixpanel-usage"),
    ("tickets", "zendesk-tickets"),
    ("surveys", "delighted-nps"),
    ("invoices", "stripe-invoices"),
)


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--now", NOW, *args])


def imported_accounts(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(
            "SELECT id, name, health_score FROM accounts WHERE external_id LIKE '0015g%' "
            "AND deleted_at IS NULL ORDER BY name"
        ).fetchall()
    finally:
        conn.close()


def import_samples(db: Path, capsys) -> None:
    sample = str(SAMPLES / "salesforce-accounts-sample.csv")
    assert cli(db, "import", "accounts", sample, "-m", "salesforce") == 0
    for kind, name in SIGNALS:
        path = str(SAMPLES / f"{name}-sample.csv")
        assert cli(db, "import", kind, path, "--mapping", name) == 0, capsys.readouterr()
    capsys.readouterr()


def test_from_the_shipped_samples_every_account_gets_a_health_score_naming_its_sources(
    demo_db, capsys
):
    import_samples(demo_db, capsys)
    accounts = imported_accounts(demo_db)
    assert len(accounts) == 6
    conn = sqlite3.connect(demo_db)
    conn.row_factory = sqlite3.Row
    try:
        for account in accounts:
            assert account["health_score"] is not None, account["name"]
            facts = load_account_facts(conn, account["id"], FROZEN_NOW, TierRules())
            health = health_of(facts)
            assert health is not None and health.score == account["health_score"]
            for c in health.components:
                assert c.source, (account["name"], c.component)
            sources = {c.component: c.source for c in health.components}
            assert sources[Component.USAGE] == "mixpanel"
            assert sources[Component.SUPPORT] == "zendesk"
            assert sources[Component.COMMERCIAL] == "stripe"
            assert sources[Component.ENGAGEMENT] == "activity log"
            snap = conn.execute(
                "SELECT score FROM health_snapshots WHERE account_id = ? AND taken_on = ?",
                (account["id"], TODAY),
            ).fetchall()
            assert [s[0] for s in snap] == [account["health_score"]]
    finally:
        conn.close()


def test_the_sample_book_tells_healthy_from_at_risk_accounts(demo_db, capsys):
    import_samples(demo_db, capsys)
    scores = {a["name"]: a["health_score"] for a in imported_accounts(demo_db)}
    # Harbourside uses opportunities above its long-cycle standard and pays on time;
    # Nordlicht's use fell by 40%, an invoice is 52 days overdue and its NPS is −100.
    assert scores["Harbourside Insurance plc"] >= 70
    assert scores["Nordlicht Energie GmbH"] < 40


def test_a_refused_import_prints_each_problem_with_its_line_and_exits_1(demo_db, tmp_path, capsys):
    import_samples(demo_db, capsys)
    bad = tmp_path / "tickets.csv"
    text = (SAMPLES / "zendesk-tickets-sample.csv").read_text("utf-8")
    bad.write_text(text.replace("2026-10-21 10:02", "yesterday-ish"), "utf-8")
    assert cli(demo_db, "import", "tickets", str(bad), "-m", "zendesk") == 1
    out = capsys.readouterr().out
    assert "1 problem(s) in 11 rows; nothing was imported" in out
    assert "line 3, Requested: 'yesterday-ish' is not a date" in out


def test_a_company_wide_usage_export_is_imported_for_the_book_s_accounts_only(
    demo_db, tmp_path, capsys
):
    """A CSM's book holds their accounts; product analytics exports every customer's
    week. The whole file was refused for the rows of accounts not in the book."""
    import_samples(demo_db, capsys)
    text = (SAMPLES / "mixpanel-usage-sample.csv").read_text("utf-8")
    others = [
        f"2026-11-09T00:00:00,OTHER-{i},[bold red]Another[/] Co {i},5,40,10,1,0,1,10,40,12"
        for i in range(7)
    ]
    export = tmp_path / "all-customers.csv"
    export.write_text(text + "\n".join(others) + "\n", "utf-8")
    assert cli(demo_db, "import", "usage", str(export), "-m", "mixpanel-usage") == 1
    out = capsys.readouterr().out
    assert "7 problem(s) in 107 rows; nothing was imported" in out
    assert "7 rows name 7 accounts this cache does not have" in out
    assert "--skip-unknown-accounts" in out

    flag = "--skip-unknown-accounts"
    assert cli(demo_db, "import", "usage", str(export), "-m", "mixpanel-usage", flag) == 0
    out = capsys.readouterr().out
    assert "imported 100 usage rows — 0 created, 0 updated, 100 unchanged" in out
    assert "left out 7 rows of 7 accounts not in the cache ('[bold red]Another[/] Co 0'," in out
    assert ", …); import those accounts first" in out

    assert cli(demo_db, "import", "usage", str(export), "-m", "mixpanel-usage", flag,
               "--format", "json") == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert (report["unknown_account_rows"], report["unknown_accounts"]) == (7, 7)
    assert report["skip_unknown_accounts"] is True

    accounts = str(SAMPLES / "salesforce-accounts-sample.csv")
    assert cli(demo_db, "import", "accounts", accounts, "-m", "salesforce", flag) == 2
    assert "is only for health signals" in capsys.readouterr().err


def test_a_signal_import_needs_a_mapping(demo_db, capsys):
    path = str(SAMPLES / "mixpanel-usage-sample.csv")
    assert cli(demo_db, "import", "usage", path) == 2
    assert "shipped: mixpanel-usage" in capsys.readouterr().err


def test_dry_run_as_json_lists_what_would_be_created(demo_db, capsys):
    import_samples(demo_db, capsys)
    path = str(SAMPLES / "stripe-invoices-sample.csv")
    assert cli(demo_db, "import", "invoices", path, "-m", "stripe", "-n", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["unchanged"], report["skipped"]) == (0, 8, 2)
    assert report["committed"] is False


def test_health_recompute_keeps_one_snapshot_per_account_per_day(demo_db, capsys):
    import_samples(demo_db, capsys)
    assert cli(demo_db, "health", "recompute") == 0
    first = capsys.readouterr().out
    # the 300 accounts of the demo book (their aggregated signals) and the 6 imported
    assert f"Health recomputed for 306 accounts (snapshot of {TODAY})" in first
    assert cli(demo_db, "health", "recompute", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["scored"] == 306
    conn = sqlite3.connect(demo_db)
    try:
        per_account = conn.execute(
            "SELECT count(*), count(DISTINCT account_id) FROM health_snapshots WHERE taken_on = ?",
            (TODAY,),
        ).fetchone()
    finally:
        conn.close()
    assert per_account == (306, 306)


def test_health_recompute_of_one_account(demo_db, capsys):
    import_samples(demo_db, capsys)
    assert cli(demo_db, "health", "recompute", "--account", "0015g00000AbCdGAA1") == 0
    assert "Health recomputed for 1 account (snapshot" in capsys.readouterr().out
