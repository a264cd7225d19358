"""`csm-tui run`: one command or a script, formats, exit codes, the failing line, lean imports."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csm_tui.cli.main import build_parser
from csm_tui.cli.run import run_run

ROOT = Path(__file__).resolve().parents[2]


def cli(db: Path, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    args = build_parser().parse_args(["--db", str(db), "--now", "2026-11-22T09:00:00+00:00",
                                      "run", *argv])  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code = run_run(args, db, stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def counts(db: Path) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def outbox(db: Path) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT kind, op, record_id, fields FROM outbox ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()


def strategic_name(db: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT a.name FROM accounts a JOIN cache_meta m ON m.key = 'me' "
            "AND m.value = a.owner_id WHERE a.tier = 'strategic' ORDER BY a.name LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()


def test_one_command_prints_a_table(demo_db):
    code, out, err = cli(demo_db, "filter tier:strategic --limit 3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Account", "Tier", "Health"]
    assert len(lines) == 2 + 3 + 1 and "showing 3 of" in lines[-1]


def test_json_and_csv_parse_back(demo_db):
    code, out, _ = cli(demo_db, "--format", "json", "filter tier:strategic")
    data = json.loads(out)
    assert code == 0 and data["rows"] and data["total"] == len(data["rows"])
    code, out, err = cli(demo_db, "--format", "csv", "filter tier:strategic")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert code == 0 and rows[0][0] == "name" and len(rows) - 1 == data["total"]
    assert [r[-1] for r in rows[1:]] == [r["id"] for r in data["rows"]]
    assert "accounts" in err  # the message goes to stderr in CSV


def test_a_script_failing_at_line_7_reports_it_and_changes_nothing(demo_db, tmp_path):
    name = strategic_name(demo_db).replace('"', '\\"')
    script = tmp_path / "monday.csm"
    script.write_text(
        "# Monday follow-ups\n"
        f'log call "{name}" --summary "Renewal call" --next "send quote by fri"\n'
        f'task "{name}" "Book the QBR" --due "in 2 weeks"\n'
        "\n"
        f'log note "{name}" --summary "Budget approved"\n'
        "filter tier:strategic health:<60\n"
        'log call "Nobody Ltd Anywhere" --summary "x"\n'
        f'log call "{name}" --summary "never reached"\n',
        encoding="utf-8",
    )
    before, queued = counts(demo_db), outbox(demo_db)
    code, out, err = cli(demo_db, "-f", str(script))
    assert code == 1
    assert err.startswith(f"{script}:7: no account named")
    assert out == ""
    assert counts(demo_db) == before and outbox(demo_db) == queued


def test_a_syntax_error_shows_the_line_and_a_caret(demo_db, tmp_path):
    script = tmp_path / "bad.csm"
    script.write_text("today\n" * 6 + "log call\n", encoding="utf-8")
    code, _, err = cli(demo_db, "-f", str(script))
    assert code == 2
    first, line, caret = err.splitlines()[:3]
    assert first == f"{script}:7: column 9: expected an account (a name, a unique prefix of one, "\
        'or an id) after "call"'  # fmt: skip
    assert line == "  log call" and caret == "  " + " " * 8 + "^"


def test_dry_run_changes_nothing_and_says_what_would(demo_db):
    name = strategic_name(demo_db).replace('"', '\\"')
    before, queued = counts(demo_db), outbox(demo_db)
    line = f'log call "{name}" --summary "x" --next "call back tomorrow"'
    code, out, err = cli(demo_db, "--dry-run", "--format", "json", line)
    data = json.loads(out)
    assert code == 0, err
    assert data["dry_run"] and data["wrote"]
    assert data["changes"]["activity.upsert"] == 1 and data["changes"]["task.upsert"] == 1
    assert counts(demo_db) == before and outbox(demo_db) == queued


def test_a_script_from_stdin_runs_all_its_lines(demo_db):
    name = strategic_name(demo_db).replace('"', '\\"')
    before = counts(demo_db)["activities"]
    script = f'log call "{name}" --summary a\nlog email "{name}" --summary b\n'
    code, out, err = cli(demo_db, "--format", "json", "-f", "-", stdin=script)
    assert code == 0, err
    verbs = [json.loads(line)["command"].split()[1] for line in out.splitlines()]
    assert verbs == ["call", "email"]
    assert counts(demo_db)["activities"] == before + 2


def test_usage_errors(demo_db, tmp_path):
    assert cli(demo_db)[0] == 2
    code, _, err = cli(tmp_path / "none.sqlite3", "today")
    assert code == 1 and "no cache" in err


LEAN_PROBE = """
import sys
from csm_tui.cli.main import main
code = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich', 'sqlmodel',
               'sqlalchemy', 'pydantic', 'httpx', 'fastapi'})
print('LOADED', heavy, file=sys.stderr)
sys.exit(code)
"""


def test_a_filter_from_the_shell_loads_nothing_heavy(demo_db):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LEAN_PROBE, "--db", str(demo_db), "run",
         "filter tier:strategic health:<60"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr


def test_building_the_parser_loads_no_command_code():
    probe = (
        "import sys; from csm_tui.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('csm_tui.commands', "
        "'csm_tui.store', 'textual', 'sqlite3'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_a_commands_own_format_wins(demo_db, fmt):
    code, out, _ = cli(demo_db, "--format", fmt, "filter tier:strategic --limit 1 --format json")
    assert code == 0 and json.loads(out)["total"] >= 1


def test_a_failure_in_json_says_where_on_stdout(demo_db):
    code, out, _ = cli(demo_db, "--format", "json", "open")
    data = json.loads(out)
    assert code == 2
    assert (data["ok"], data["line"], data["position"], data["saved"]) == (False, 1, 4, False)
    assert data["error"].startswith("column 5: expected an account")


def test_an_unknown_verb_is_an_error_with_the_nearest_verbs_not_an_empty_search(demo_db):
    code, out, err = cli(demo_db, "opem Acme")
    assert code == 2 and out == ""
    assert 'did you mean "open"?' in err and "filter opem" in err
    code, out, _ = cli(demo_db, "--format", "json", "tier:strategic")  # a filter still is one
    assert code == 0 and json.loads(out)["rows"]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("open Systems", "Cleanscreen\\x1b[2J Systems GmbH"),  # would clear the screen
        ("open Holdings", "\\x1b]0;pwned\\x07Titlebar Holdings plc"),  # would retitle it
        ('log call "Evil\x1b[2J" --summary x', 'no account named "Evil\\x1b[2J"'),
    ],
)
def test_an_error_naming_accounts_shows_their_escapes_as_text(demo_db, line, shown):
    """The candidates an error lists (the demo's names hold terminal escapes on purpose),
    and the name the user gave, reach the terminal as visible escapes, never obeyed."""
    code, _out, err = cli(demo_db, line)
    assert code != 0
    assert shown in err, err
    assert "\x1b" not in err and "\x07" not in err
