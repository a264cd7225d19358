"""`csm-tui serve` and `csm-tui serve admin ...`, as a user types them."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.cli.main import main
from csm_tui.server import schema
from tests.server.world import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def new_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


@pytest.fixture
def database(new_database, capsys) -> str:
    """A database `csm-tui serve admin migrate` made, as the README says to first."""
    assert main(["serve", "--database", new_database, "admin", "migrate"]) == 0
    capsys.readouterr()
    return new_database


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_creates_the_schema_then_says_it_is_current(capsys, new_database):
    code, out, _ = run(capsys, "serve", "--database", new_database, "admin", "migrate")
    assert code == 0 and "is created at schema" in out
    assert {"accounts", "api_tokens", "sync_counter", "alembic_version"} <= tables(new_database)
    code, out, _ = run(capsys, "serve", "admin", "--database", new_database, "migrate")
    assert code == 0 and "is already at schema" in out


def test_serve_refuses_a_database_never_migrated_and_names_the_command(capsys, new_database):
    code, out, err = run(capsys, "serve", "--database", new_database)
    assert code == 2 and out == ""
    assert "has no csm-tui schema yet" in err
    assert "csm-tui serve admin --database" in err and "migrate" in err
    assert "Traceback" not in err


def test_an_admin_command_on_a_new_database_creates_nothing_and_names_migrate(capsys, new_database):
    code, _, err = run(capsys, "serve", "admin", "--database", new_database, "create-team", "emea")
    assert code == 2 and "migrate" in err
    assert tables(new_database) == set()


def test_serve_refuses_a_database_behind_this_version(capsys, database):
    engine = sa.create_engine(database)
    with engine.begin() as conn:  # as an older csm-tui left it
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    engine.dispose()
    code, _, err = run(capsys, "serve", "--database", database)
    assert code == 2 and "is at schema 0005; this csm-tui needs" in err
    code, out, _ = run(capsys, "serve", "--database", database, "admin", "migrate")
    assert code == 0 and "upgraded from schema 0005" in out


def test_migrate_refuses_a_database_of_a_newer_version_without_a_traceback(capsys, database):
    engine = sa.create_engine(database)
    with engine.begin() as conn:  # as a newer csm-tui left it
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    code, _, err = run(capsys, "serve", "admin", "--database", database, "migrate")
    assert code == 2 and "cannot migrate the database" in err and "9999" in err
    assert "Traceback" not in err


def test_serve_without_the_server_extra_says_how_to_install_it():
    code = (
        "import sys; sys.modules['fastapi'] = None;"  # as if not installed
        "from csm_tui.cli.main import main; sys.exit(main(['serve', '--database', 'sqlite://']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "pip install 'csm-tui[server]'" in result.stderr and "fastapi" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_admin_sets_up_a_team_and_hands_out_a_token(capsys, database):
    assert run(capsys, "serve", "--database", database, "admin", "create-team", "emea")[0] == 0
    code, out, _ = run(
        capsys,
        "serve",
        "admin",
        "--database",
        database,
        "create-user",
        "ann",
        "--role",
        "csm",
        "--team",
        "emea",
    )
    assert code == 0 and "ann (csm) in team emea" in out
    code, out, err = run(capsys, "serve", "admin", "--database", database, "issue-token", "ann")
    token = out.strip()
    assert code == 0 and len(token) == 43 and "shown once" in err
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(schema.tokens.c.token_hash)).scalars().all()
    engine.dispose()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # the hash, never the token
    code, out, _ = run(capsys, "serve", "admin", "--database", database, "list-users")
    assert code == 0
    assert out.splitlines()[0].split() == ["name", "role", "team", "id"]
    assert out.splitlines()[1].split()[:3] == ["ann", "csm", "emea"]
    code, out, _ = run(capsys, "serve", "admin", "--database", database, "revoke-token", token[:8])
    assert code == 0 and "revoked" in out
    code, out, _ = run(capsys, "serve", "admin", "--database", database, "list-tokens")
    assert "revoked" in out.splitlines()[1]


def test_a_token_never_starts_with_a_dash_so_its_prefix_names_it(capsys, database, monkeypatch):
    """`revoke-token PREFIX` with a prefix like "-x3f…" read as an option (1 token in 64)."""
    from csm_tui.server import tokens

    drawn = iter(["-" + "a" * 42, "-" + "b" * 42, "Zk" + "c" * 41])
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda n: next(drawn))
    assert run(capsys, "serve", "--database", database, "admin", "create-team", "emea")[0] == 0
    args = ("serve", "admin", "--database", database)
    assert run(capsys, *args, "create-user", "ann", "--role", "csm", "--team", "emea")[0] == 0
    code, out, _ = run(capsys, *args, "issue-token", "ann")
    assert code == 0 and out.strip() == "Zk" + "c" * 41
    code, out, _ = run(capsys, *args, "revoke-token", out.strip()[:8])
    assert code == 0 and "revoked" in out


def test_an_admin_issues_an_expiring_token_then_rotates_it(capsys, database):
    admin_cmd = ("serve", "admin", "--database", database)
    run(capsys, *admin_cmd, "create-team", "emea")
    run(capsys, *admin_cmd, "create-user", "ann", "--role", "csm", "--team", "emea")
    code, out, err = run(capsys, *admin_cmd, "issue-token", "ann", "--expires", "24h")
    old = out.strip()
    assert code == 0 and "valid 1 day)" in err
    code, out, _ = run(capsys, *admin_cmd, "list-tokens")
    header, row = out.splitlines()[0].split(), out.splitlines()[1].split()
    assert header == ["token", "user", "created", "expires", "state", "id"]
    created = datetime.fromisoformat(f"{row[2]}T{row[3]}")
    assert datetime.fromisoformat(f"{row[4]}T{row[5]}") == created + timedelta(hours=24)
    assert row[6] == "active"
    code, out, err = run(capsys, *admin_cmd, "rotate-token", old[:8], "--expires", "30d")
    new = out.strip()
    assert code == 0 and len(new) == 43 and new != old
    assert f"the old token {old[:8]}… is revoked" in err and "valid 30 days" in err
    code, out, _ = run(capsys, *admin_cmd, "list-tokens")
    states = {line.split()[0]: line.split()[6] for line in out.splitlines()[1:]}
    assert states == {old[:8] + "…": "revoked", new[:8] + "…": "active"}
    code, out, err = run(capsys, *admin_cmd, "issue-token", "ann", "--expires", "never")
    assert code == 0 and "never expires" in err


@pytest.mark.parametrize("lifetime", ["soon", "0d", "90", "-5d"])
def test_a_token_lifetime_that_is_not_one_is_refused_by_name(capsys, database, lifetime):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "admin", "--database", database, "issue-token", "ann",
              f"--expires={lifetime}"])  # fmt: skip
    assert exited.value.code == 2
    assert "is not a lifetime: write e.g. 90d" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create-user", "lee", "--role", "lead"], "belongs to a team"),
        (["create-user", "lee", "--role", "csm", "--team", "nowhere"], "no team 'nowhere'"),
        (["issue-token", "nobody"], "no user 'nobody'"),
        (["revoke-token", "abc"], "at least its first 4"),
        (["revoke-token", "zzzzzzzz"], "no token matches"),
    ],
)
def test_admin_mistakes_get_a_clear_message_and_exit_1(capsys, database, argv, message):
    code, out, err = run(capsys, "serve", "admin", "--database", database, *argv)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_an_unreachable_database_is_reported_without_a_traceback(capsys):
    code, _, err = run(
        capsys,
        "serve",
        "admin",
        "--database",
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "list-users",
    )
    assert code == 2 and "cannot open the database" in err


def test_an_unsupported_database_url_is_refused(capsys):
    code, _, err = run(capsys, "serve", "--database", "mysql://x@localhost/db")
    assert code == 2 and "unsupported database" in err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_csm_tui_serve_runs_the_api(tmp_path, database):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "csm_tui.cli.main",
            "serve",
            "--database",
            database,
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            return httpx.get(base + p.HEALTH_PATH, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, timeout=20, what="csm-tui serve to answer /health")
        spec = httpx.get(base + "/openapi.json").json()
        assert {p.PULL_PATH, p.PUSH_PATH, "/accounts/{account_id}"} <= set(spec["paths"])
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert httpx.get(base + "/accounts").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()
        process.stderr.close()


def test_importing_the_cli_and_the_protocol_stays_light():
    """`csm-tui` builds its parser with `serve` mounted; that must not load the server."""
    code = (
        "import sys, csm_tui.cli.main as m, csm_tui.protocol;"
        "m.build_parser();"
        "heavy = sorted({'fastapi', 'sqlalchemy', 'sqlmodel', 'uvicorn', 'textual', 'pydantic'}"
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


def test_starting_the_app_loads_none_of_the_server_stack():
    """The client needs no `server` extra: opening the app imports no FastAPI, uvicorn,
    Alembic or psycopg."""
    code = (
        "import sys, csm_tui.cli.main as m, csm_tui.ui.app;"
        "m.build_parser();"
        "heavy = sorted({'fastapi', 'uvicorn', 'alembic', 'psycopg', 'starlette'}"
        " & {name.split('.')[0] for name in sys.modules});"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert out.strip() == ""


def test_the_server_imports_no_textual():
    code = (
        "import sys, csm_tui.server.app, csm_tui.server.cli;"
        "print('textual' in {n.split('.')[0] for n in sys.modules})"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    ).stdout
    assert out.strip() == "False"


def test_serve_admin_speaks_chinese_when_the_language_is_zh(capsys, database):
    """Tables, states and refusals of `serve admin` through the catalog; CJK names line up
    by display width."""
    from csm_tui.i18n import set_language

    zh = ("--lang", "zh", "serve", "admin", "--database", database)
    try:
        run(capsys, *zh, "create-team", "华东")
        code, out, _ = run(capsys, *zh, "create-user", "王芳", "--role", "csm", "--team", "华东")
        assert code == 0 and "王芳" in out
        run(capsys, *zh, "create-user", "ann", "--role", "csm", "--team", "华东")
        code, out, _ = run(capsys, *zh, "list-users")
        lines = out.splitlines()
        assert lines[0].split() == ["名称", "角色", "团队", "id"]
        # "王芳" is 4 cells wide, "ann" 3: the role column starts in the same cell
        from csm_tui.domain.fit import cell_width

        starts = {cell_width(line[: line.index("csm")]) for line in lines[1:]}
        assert len(starts) == 1
        code, out, err = run(capsys, *zh, "issue-token", "王芳", "--expires", "never")
        token = out.strip()
        code, out, _ = run(capsys, *zh, "revoke-token", token[:8])
        code, out, _ = run(capsys, *zh, "list-tokens")
        header, row = out.splitlines()[0].split(), out.splitlines()[1]
        assert header == ["令牌", "用户", "创建于", "到期", "状态", "id"]
        assert "永不" in row and "已吊销" in row
        code, out, err = run(capsys, *zh, "issue-token", "nobody")
        assert code == 1 and err.strip() == "错误:没有用户 'nobody'"
        with pytest.raises(SystemExit):
            main([*zh, "issue-token", "ann", "--expires=soon"])
        assert "'soon' 不是有效期" in capsys.readouterr().err
    finally:
        set_language("en")
