"""`csm-tui login`, `logout` and `sync` as a person types them; the token never lands in a
plain file unless asked for by name."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from csm_tui.cli.main import main
from csm_tui.server import admin, schema
from csm_tui.server.tokens import token_hash
from csm_tui.store.cache import connect, get_meta
from csm_tui.sync import client as client_module
from csm_tui.sync.engine import sync_status
from tests.server.world import NOW, World
from tests.sync.conftest import make_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people(sqlite_central) -> World:
    return make_world(sqlite_central)


@pytest.fixture
def no_waiting(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(client_module, "_wait", waits.append)
    return waits


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()}


def test_login_checks_the_token_and_keeps_it_in_the_keyring(
    capsys, monkeypatch, people, memory_keyring, tmp_path
):
    db, url = tmp_path / "c.sqlite3", people.server.base_url
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        url + "/",
        stdin=people.ann.token + "\n",
    )
    assert code == 0, err
    assert f"signed in to {url} as {people.ann.name} (csm)" in out
    assert "keyring" in out
    assert memory_keyring.passwords == {("csm-tui", url): people.ann.token}
    conn = connect(db)
    assert (get_meta(conn, "server_url"), get_meta(conn, "me")) == (url, people.ann.id)
    assert people.ann.token not in db.read_bytes().decode("latin-1")

    code, out, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 0, err
    assert out.startswith("synced: ") and "pulled" in out
    assert "pull " in err  # the progress line

    code, out, _ = run(capsys, monkeypatch, "--db", str(db), "logout")
    assert code == 0 and "token removed" in out
    assert memory_keyring.passwords == {}
    code, out, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 2 and f"signed out of {url}: run csm-tui login --server {url}" in err
    assert out == "sync incomplete: nothing to push, pulled 0 changes\n"
    assert sync_status(connect(db), NOW).text == "signed out — run csm-tui login"


def test_a_token_typed_at_a_prompt_is_not_echoed(
    capsys, monkeypatch, people, memory_keyring, tmp_path
):
    prompts = []

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    def getpass(prompt, stream=None):
        prompts.append(prompt)
        return people.ann.token

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setattr(sys, "stdin", Terminal(""))
    code = main(["--db", str(tmp_path / "c.sqlite3"), "login", "--server", people.server.base_url])
    assert code == 0 and prompts == [f"Token for {people.server.base_url} (input hidden): "]
    assert people.ann.token not in capsys.readouterr().out


def test_a_wrong_token_is_refused_and_nothing_is_kept(
    capsys, monkeypatch, people, memory_keyring, tmp_path
):
    db = tmp_path / "c.sqlite3"
    code, _, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        people.server.base_url,
        stdin="not-a-token",
    )
    assert code == 1
    assert "token revoked/invalid" in err and "token_invalid" in err
    assert memory_keyring.passwords == {}
    assert not db.exists()


def test_without_a_keyring_it_says_so_and_writes_no_file(
    capsys, monkeypatch, people, no_keyring, tmp_path, isolated_machine
):
    before = files_under(isolated_machine) | files_under(tmp_path)
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(tmp_path / "c.sqlite3"),
        "login",
        "--server",
        people.server.base_url,
        stdin=people.ann.token,
    )
    assert code == 2 and out == ""
    assert "no usable keyring backend" in err
    assert "keyrings.alt" in err and "--token-file PATH" in err
    assert files_under(isolated_machine) | files_under(tmp_path) == before
    assert not any(people.ann.token in p.read_text(errors="ignore") for p in before)


def test_the_global_test_keyring_is_the_fail_backend():
    from csm_tui.sync.credentials import keyring_problem

    assert os.environ["PYTHON_KEYRING_BACKEND"] == "keyring.backends.fail.Keyring"
    assert "no usable keyring backend" in keyring_problem()


def test_an_explicit_token_file_is_private_and_checked(
    capsys, monkeypatch, people, no_keyring, tmp_path
):
    db, token_file = tmp_path / "c.sqlite3", tmp_path / "secret" / "token"
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        people.server.base_url,
        "--token-file",
        str(token_file),
        stdin=people.ann.token,
    )
    assert code == 0, err
    assert "token file" in out and "0600" in out
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == people.ann.token
    assert run(capsys, monkeypatch, "--db", str(db), "sync")[0] == 0

    token_file.chmod(0o644)
    code, _, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 2 and "can be read by others" in err and "chmod 600" in err

    token_file.chmod(0o600)
    code, out, _ = run(capsys, monkeypatch, "--db", str(db), "logout")
    assert code == 0 and not token_file.exists()


def test_a_revoked_token_stops_sync_with_a_clear_message(
    capsys, monkeypatch, people, memory_keyring, tmp_path, no_waiting
):
    db = tmp_path / "c.sqlite3"
    person = people.person("csm", "north", "carl")
    run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        people.server.base_url,
        stdin=person.token,
    )
    admin.revoke_token(people.server.db, person.token)
    code, out, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 1
    assert "token revoked/invalid — run csm-tui login" in err
    assert "sync incomplete" in out
    assert no_waiting == []  # a refused token is not retried


def test_an_expired_token_makes_sync_and_the_status_bar_say_sign_in_again(
    capsys, monkeypatch, people, memory_keyring, tmp_path, no_waiting
):
    db = tmp_path / "c.sqlite3"
    person = people.person("csm", "north", "edda")
    run(capsys, monkeypatch, "--db", str(db), "login", "--server", people.server.base_url,
        stdin=person.token)  # fmt: skip
    tokens = schema.tokens
    with people.server.db.engine.begin() as conn:  # 90 days pass: the token's time is up
        conn.execute(
            sa.update(tokens)
            .where(tokens.c.token_hash == token_hash(person.token))
            .values(expires_at=NOW - timedelta(minutes=1))
        )
    code, _, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 1
    assert "your token has expired" in err and "sign in again: csm-tui login --server" in err
    assert no_waiting == []
    with connect(db) as conn:
        assert "sign in again" in sync_status(conn, NOW).text


def test_an_unreachable_server_is_retried_then_reported(
    capsys, monkeypatch, people, memory_keyring, tmp_path, no_waiting
):
    import socket

    db = tmp_path / "c.sqlite3"
    run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        people.server.base_url,
        stdin=people.ann.token,
    )
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    memory_keyring.passwords[("csm-tui", dead)] = people.ann.token
    with connect(db) as conn:
        conn.execute("UPDATE cache_meta SET value = ? WHERE key = 'server_url'", (dead,))
    code, out, err = run(capsys, monkeypatch, "--db", str(db), "sync")
    assert code == 1 and out.startswith("sync incomplete")
    assert "cannot reach the server" in err and "retrying in" in err
    assert len(no_waiting) == 5  # six attempts


def test_building_the_parser_loads_no_network_or_keyring_code():
    """Neither does the status line's import (`sync_status`): start-up stays light."""
    code = (
        "import sys, csm_tui.cli.main as m, csm_tui.sync.engine;"
        "m.build_parser().parse_args(['login', '--server', 'http://x']);"
        "heavy = sorted({'httpx', 'keyring', 'sqlalchemy', 'sqlmodel', 'textual'}"
        " & {name.split('.')[0] for name in sys.modules});"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    ).stdout
    assert out.strip() == ""


def test_run_sync_works_from_a_thread_while_the_app_keeps_writing(
    capsys, monkeypatch, people, memory_keyring, tmp_path
):
    import threading

    from csm_tui.protocol import new_uuid7
    from csm_tui.store import outbox
    from csm_tui.store.timestamps import to_db
    from csm_tui.sync.engine import run_sync, sync_status
    from tests.server.world import NOW

    db = tmp_path / "c.sqlite3"
    run(
        capsys,
        monkeypatch,
        "--db",
        str(db),
        "login",
        "--server",
        people.server.base_url,
        stdin=people.ann.token,
    )
    first = run_sync(db, NOW)
    assert first.ok, first.errors

    app = connect(db)  # the app's own connection, as the UI holds it
    account_id = new_uuid7()
    with app:
        app.execute(
            "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank, "
            "sales_motion, stage, segment, industry, seats, owner_id, created_at, updated_at, "
            "version, tier_override_note) VALUES (?, 'Acme', 'USD', 0, 0, 'self-serve', 4, "
            "'short-direct', 'onboarding', '', '', 0, ?, ?, ?, 0, '')",
            (account_id, people.ann.id, to_db(NOW), to_db(NOW)),
        )
        outbox.enqueue(app, "account", "upsert", account_id, {"name": "Acme"}, now=NOW)

    reports = []
    worker = threading.Thread(target=lambda: reports.append(run_sync(db, NOW)))
    worker.start()
    for n in range(30):  # the user keeps logging while the sync runs
        activity_id = new_uuid7()
        with app:
            app.execute(
                "INSERT INTO activities (id, account_id, kind, occurred_at, minutes, summary, "
                "next_steps, sentiment, contact_ids, author_id, created_at) "
                "VALUES (?, ?, 'note', ?, 5, ?, '', 'neutral', '[]', ?, ?)",
                (activity_id, account_id, to_db(NOW), f"n{n}", people.ann.id, to_db(NOW)),
            )
            outbox.enqueue(
                app,
                "activity",
                "upsert",
                activity_id,
                {
                    "account_id": account_id,
                    "kind": "note",
                    "summary": f"n{n}",
                    "occurred_at": NOW,
                    "minutes": 5,
                },
                now=NOW,
            )
    worker.join(timeout=60)
    assert reports and reports[0].ok, reports
    assert run_sync(db, NOW).ok
    assert outbox.pending_count(app) == 0
    on_server = people.ann.http.get(f"/accounts/{account_id}/activities").json()
    assert sorted(a["summary"] for a in on_server) == sorted(f"n{n}" for n in range(30))
    assert sync_status(app, NOW).text == "synced just now"


def test_run_sync_when_signed_out_says_how_to_sign_in(memory_keyring, tmp_path):
    from csm_tui.sync.engine import run_sync, sync_status
    from tests.server.world import NOW

    db = tmp_path / "c.sqlite3"
    connect(db).close()
    report = run_sync(db, NOW)
    assert not report.ok
    assert "not signed in to a server: run csm-tui login --server URL" in report.summary()
    assert sync_status(connect(db), NOW).text == "local only — not signed in to a server"
