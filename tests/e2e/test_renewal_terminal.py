"""A new team's book imported from a CRM export, then a renewal recorded with `R` and a
churn from the palette: Coverage's renewal rate and GRR move as computed by hand."""

from __future__ import annotations

import re
import subprocess

import pytest

from csm_tui.store.cache import connect
from tests.e2e.tmux import TmuxTerminal, csm_tui_argv

pytestmark = pytest.mark.tmux

IMPORTED = "2025-06-01T09:00:00+00:00"  # the import, before the 12 months Coverage looks at
NOW = "2026-11-22T09:00:00+00:00"
CRM = (
    "name,arr,stage,renewal_date,segment\n"
    "Alpha Renew Ltd,100000,renewal,2026-12-15,North\n"
    "Beta Churn GmbH,50000,renewal,2026-12-20,North\n"
    "Gamma Steady SA,30000,adoption,2027-05-01,South\n"
    "Delta Small BV,20000,adoption,2027-06-01,South\n"
)


def test_a_renewal_and_a_churn_move_renewal_rate_and_grr_as_hand_computed(tmp_path):
    """Starting ARR 100k + 50k + 30k + 20k = 200k (4 accounts, all in force at the start).

    Alpha renews down to 80k (key R); Beta churns (palette: churn ... --reason).
    GRR = (80 + 0 + 30 + 20) / 200 = 65.0%.
    Renewal rate: 1 renewed of 2 decisions = 50.0%; by ARR: kept 80 of 100 + 50 up for
    renewal = 80 / 150 = 53.3%. Before: GRR 100.0%, "— of 0 decisions".
    """
    db = tmp_path / "book.sqlite3"
    connect(db).close()  # a new, empty cache
    (tmp_path / "crm.csv").write_text(CRM, encoding="utf-8")
    imported = subprocess.run(
        csm_tui_argv("--db", str(db), "--now", IMPORTED, "import", "accounts",
                     str(tmp_path / "crm.csv")),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "4 created" in imported.stdout

    term = TmuxTerminal(
        csm_tui_argv("--db", str(db), "--now", NOW, "--start", "portfolio"), cwd=tmp_path
    )
    try:
        term.wait_for("Alpha Renew Ltd", timeout=30)
        before = term.send_until("c", "Renewal rate", timeout=20)
        assert "— of 0 decisions" in before
        assert re.search(r"GRR +100\.0%", before), before
        term.send_until("Escape", "Portfolio —")
        term.send_until("Enter", "1 Overview")  # Alpha: Strategic, first row
        term.send_until("R", "ARR now $100k")
        # The new ARR is focused and selected: typing replaces it.
        term.send_until("8", lambda s: re.search(r"▊  8 +▎", s) is not None)
        term.type("0000")
        term.wait_for("80000")
        after_renewal = term.send_until("C-s", "renewed down")
        assert re.search(r"Stage +Adoption", after_renewal), after_renewal
        assert "2027-12-15" in after_renewal  # the next term's renewal date
        term.send_until("C-p", "Search for commands")
        term.type('churn "Beta Churn GmbH" --reason "moved to a competitor"')
        term.wait_for("run: churn")
        term.send_until("Enter", "Beta Churn GmbH churned")
        after = term.send_until("c", "of 2 decisions", timeout=20)
        assert "Renewal rate  50.0% of 2 decisions; 53.3% of the ARR up for renewal" in after
        assert re.search(r"GRR +65\.0% +— kept of \$200k starting ARR \(4 accounts\)", after)
        term.send_until("Escape", lambda s: "Renewal rate" not in s)
        term.send("q")
        term.wait_for("[exited 0]")
    finally:
        term.close()

    conn = connect(db)
    try:
        decisions = conn.execute(
            "SELECT outcome, direction, arr_before, arr_after, reason FROM renewal_decisions "
            "ORDER BY created_at"
        ).fetchall()
    finally:
        conn.close()
    assert [tuple(d) for d in decisions] == [
        ("renewed", "down", 100_000.0, 80_000.0, ""),
        ("churned", "down", 50_000.0, 0.0, "moved to a competitor"),
    ]
