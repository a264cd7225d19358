"""Commands from the shell sync like the app's changes: `run` writes the outbox, `run sync`
(the same function as `csm-tui sync`) pushes it to the real central API."""

from __future__ import annotations

import io
import sys

import pytest

from csm_tui import protocol as p
from csm_tui.cli.main import main
from tests.server.world import World
from tests.sync.conftest import make_world


@pytest.fixture
def people(sqlite_central) -> World:
    return make_world(sqlite_central)


def cli(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_logged_call_and_a_task_reach_the_server(capsys, monkeypatch, people, memory_keyring,
                                                   tmp_path):  # fmt: skip
    db, url = str(tmp_path / "c.sqlite3"), people.server.base_url
    account_id, _ = people.ann.new_account("Sync Street Ltd")
    code, _, err = cli(capsys, monkeypatch, "--db", db, "login", "--server", url,
                       stdin=people.ann.token)  # fmt: skip
    assert code == 0, err
    code, out, err = cli(capsys, monkeypatch, "--db", db, "run", "sync")
    assert code == 0 and out.startswith("synced:"), err

    script = tmp_path / "after-call.csm"
    script.write_text(
        'log call "Sync Street" --summary "Agreed the roll-out plan" --next "send plan by fri"\n'
        'task "Sync Street Ltd" "Book the QBR" --due "in 2 weeks"\n'
        "sync\n",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, monkeypatch, "--db", db, "run", "-f", str(script))
    assert code == 0, err
    assert "synced: pushed" in out

    changes, _ = people.ann.pull_all()
    records = [c["record"] for c in changes if not c.get("deleted")]
    activities = [r for r in records if r.get("summary") == "Agreed the roll-out plan"]
    assert len(activities) == 1 and activities[0]["account_id"] == account_id
    titles = {r["title"] for r in records if "title" in r and r.get("account_id") == account_id}
    assert {"Book the QBR", "send plan"} <= titles
    kinds = {c["kind"] for c in changes}
    assert {p.KIND_ACTIVITY, p.KIND_TASK} <= kinds
