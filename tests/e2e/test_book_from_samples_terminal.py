"""Issue 9's scenario, in a real terminal: a new team's book from nothing but the shipped
sample CSVs and the CLI — accounts from the Salesforce export, then product usage,
tickets, NPS and invoices — sorted by real health in the portfolio, explained on the Health
tab; a renewal and a churn recorded; Coverage's renewal rate, GRR and health back-test move
as computed by hand."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from csm_tui.assets_path import assets_dir
from csm_tui.store.cache import connect
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux

SAMPLES = assets_dir() / "import"
SIGNALS = (
    ("usage", "mixpanel-usage"),
    ("tickets", "zendesk-tickets"),
    ("surveys", "delighted-nps"),
    ("invoices", "stripe-invoices"),
)
IMPORTED = "2025-06-01T09:00:00+00:00"  # the CRM import, before Coverage's 12 months
SIGNALS_AT = "2026-08-15T09:00:00+00:00"  # the first signal import: a health snapshot
NOW = "2026-11-22T09:00:00+00:00"


def cli(db: Path, now: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        csm_tui_argv("--db", str(db), "--now", now, *args),
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def snapshot_scores(db: Path, day: str) -> dict[str, int]:
    conn = connect(db)
    try:
        return dict(
            conn.execute(
                "SELECT a.name, s.score FROM health_snapshots s JOIN accounts a "
                "ON a.id = s.account_id WHERE s.taken_on = ?",
                (day,),
            ).fetchall()
        )
    finally:
        conn.close()


@pytest.mark.skipif(
    not (SAMPLES / "mixpanel-usage-sample.csv").exists(),
    reason="signal imports (usage, tickets, surveys, invoices) are not in this build yet",
)
def test_a_book_from_the_sample_csvs_sorted_by_real_health_then_renewals_move_coverage(
    tmp_path,
):
    """Starting ARR (USD, in force on 2025-11-22): Harbourside 96,000 + 北京星河 ¥720,000
    (100,000) + Nordlicht 18,500.50 + 杭州青山 ¥36,000 (5,000) + O'Brien 7,200 =
    226,700.50 (Vantage Point Media churned before the period; Atlas and Meridian are not
    customers and are skipped).

    Harbourside renews flat (R, then ctrl+s); Nordlicht churns (palette).
    GRR = (226,700.50 − 18,500.50) / 226,700.50 = 208,200 / 226,700.50 = 91.8%.
    Renewal rate: 1 of 2 decisions = 50.0%; by ARR 96,000 / 114,500.50 = 83.8%.
    Back-test, health 90 days before (24 Aug → the 15 Aug snapshot): the renewed account's
    score against the churned one's gives an AUC of 1.00 when higher, 0.00 when lower.
    """
    db = tmp_path / "book.sqlite3"
    connect(db).close()  # a new, empty cache
    # A new team: its CSMs are not in the cache yet, so the accounts come in unowned.
    mapping = tmp_path / "salesforce-unowned.toml"
    mapping.write_text(
        "\n".join(
            line
            for line in (SAMPLES / "salesforce-accounts.toml").read_text("utf-8").splitlines()
            if not line.startswith("owner = ")
        ),
        encoding="utf-8",
    )
    out = cli(db, IMPORTED, "import", "accounts", str(SAMPLES / "salesforce-accounts-sample.csv"),
              "--mapping", str(mapping), cwd=tmp_path)  # fmt: skip
    assert "6 created" in out
    for kind, name in SIGNALS:
        out = cli(db, SIGNALS_AT, "import", kind, str(SAMPLES / f"{name}-sample.csv"),
                  "--mapping", name, cwd=tmp_path)  # fmt: skip
        assert "health recomputed for 6 accounts" in out
    cli(db, NOW, "health", "recompute", cwd=tmp_path)
    then = snapshot_scores(db, "2026-08-15")
    today = snapshot_scores(db, "2026-11-22")
    assert len(today) == 6, today  # every imported account has a score
    growth = sorted(
        ("Nordlicht Energie GmbH", "杭州青山茶业有限公司", "O'Brien & Sons"),
        key=lambda n: next(s for name, s in today.items() if name.startswith(n)),
    )
    kept, lost = then["Harbourside Insurance plc"], then["Nordlicht Energie GmbH"]
    expected_auc = "1.00" if kept > lost else ("0.50" if kept == lost else "0.00")

    term = TmuxTerminal(
        csm_tui_argv("--db", str(db), "--now", NOW, "--start", "portfolio"), cwd=tmp_path
    )
    try:
        portfolio = term.wait_for("Harbourside Insurance plc", timeout=30)
        # Within Growth, worst health first, by the scores the signals gave.
        rows = [line for line in portfolio.splitlines() if "Growth" in line]
        order = [
            next(n for n in growth if n in row) for row in rows if any(n in row for n in growth)
        ]
        assert order == growth, portfolio
        assert "O'Brien & Sons <script>" in portfolio, portfolio  # markup stays text
        before = term.send_until("c", "Renewal rate", timeout=20)
        assert "— of 0 decisions" in before
        term.send_until("Escape", "Portfolio —")

        term.send_until("C-p", "Search for commands")
        term.type('open "Harbourside Insurance plc"')
        term.wait_for("run: open")
        term.send_until("Enter", "1 Overview")
        # Every component names its source: product usage, tickets, payments, the log.
        term.send_until(
            "2",
            lambda s: all(src in s for src in ("mixpanel", "zendesk", "stripe", "activity log")),
        )
        term.send_until("R", "ARR now $96k")
        term.send_until("C-s", "renewed flat")

        term.send_until("C-p", "Search for commands")
        term.type('churn "Nordlicht Energie GmbH" --reason "budget cut"')
        term.wait_for("run: churn")
        term.send_until("Enter", "Nordlicht Energie GmbH churned")
        after = term.send_until("c", "of 2 decisions", timeout=20)
        assert "Renewal rate  50.0% of 2 decisions; 83.8% of the ARR up for renewal" in after
        assert re.search(r"GRR +91\.8% +— kept of \$227k starting ARR \(5 accounts\)", after), after
        # tab moves through Coverage's sections down to the health back-test
        backtest = term.send_until("Tab", f"AUC {expected_auc}", attempts=12, timeout=2)
        assert "2 decisions, 2 with a score 90 days before" in backtest
        term.send_until("Escape", lambda s: "Renewal rate" not in s)
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()
