"""`csm-tui import` / `csm-tui export` from the shell."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from csm_tui.assets_path import assets_dir
from csm_tui.cli.main import main
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW.isoformat()
SAMPLES = assets_dir() / "import"
ROOT = Path(__file__).resolve().parents[2]


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--now", NOW, *args])


def counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("accounts", "contacts", "outbox")
        )


def test_building_the_parser_loads_nothing_heavy():
    probe = (
        "import sys\n"
        "from csm_tui.cli.main import build_parser\n"
        "p = build_parser()\n"
        "p.parse_args(['import', 'accounts', 'x.csv', '--mapping', 'hubspot'])\n"
        "p.parse_args(['export', 'portfolio', 'tier:strategic', '--format', 'md'])\n"
        "heavy = ('sqlite3', 'sqlalchemy', 'sqlmodel', 'textual', 'httpx', 'csv', 'tomllib',\n"
        "         'csm_tui.store', 'csm_tui.domain', 'csm_tui.workspace')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or\n"
        "             any(m.startswith(h) for h in heavy if '.' in h)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_dry_run_then_import_then_export(demo_db, tmp_path, capsys):
    before = counts(demo_db)
    sample = str(SAMPLES / "salesforce-accounts-sample.csv")
    assert cli(demo_db, "import", "accounts", sample, "--mapping", "salesforce", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run, nothing written — 6 to create" in out
    assert "line 5: skip Atlas Reseller Partners (Type is 'Channel Partner / Reseller')" in out
    assert counts(demo_db) == before

    assert cli(demo_db, "import", "accounts", sample, "-m", "salesforce") == 0
    assert "6 created" in capsys.readouterr().out
    contacts = str(SAMPLES / "contacts-sample.csv")
    assert cli(demo_db, "import", "contacts", contacts, "-m", "salesforce", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 8 and report["committed"] is True

    out_file = tmp_path / "strategic.csv"
    assert cli(demo_db, "export", "portfolio", "tier:strategic", "--out", str(out_file),
               "--excel") == 0  # fmt: skip
    assert "Exported the portfolio (tier:strategic) as csv" in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(out_file.read_text("utf-8-sig"), newline="")))
    assert rows and {r["tier"] for r in rows} == {"strategic"}
    assert "北京星河智能科技有限公司" in {r["name"] for r in rows}

    assert cli(demo_db, "export", "prep", "0015g00000AbCdFAA1") == 0
    sheet = capsys.readouterr().out
    assert sheet.startswith("# Call prep: 北京星河智能科技有限公司")
    assert "**Sponsor:** 赵敏" in sheet


def test_a_malformed_file_is_refused_with_its_line_and_exit_1(demo_db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    text = (SAMPLES / "salesforce-accounts-sample.csv").read_text("utf-8")
    lines = text.splitlines(keepends=True)
    lines[3] = lines[3].replace('"Customer - Direct"', '"Customer - Direct')  # never closed
    bad.write_text("".join(lines), encoding="utf-8")
    before = counts(demo_db)
    assert cli(demo_db, "import", "accounts", str(bad), "-m", "salesforce") == 1
    out = capsys.readouterr().out
    assert "nothing was imported" in out and "line 4:" in out and "closing quote" in out
    assert counts(demo_db) == before


def test_mistakes_in_the_command_exit_2(demo_db, capsys):
    assert cli(demo_db, "import", "accounts", "x.csv", "-m", "pipedrive") == 2
    assert "shipped: hubspot-companies, salesforce-accounts" in capsys.readouterr().err
    assert cli(demo_db, "export", "portfolio", "tier:gold") == 2
    assert "expected a tier" in capsys.readouterr().err
    assert cli(demo_db, "export", "prep", "No Such Account Anywhere") == 1
    assert "no account named" in capsys.readouterr().err


def test_no_cache_no_import(tmp_path, capsys):
    assert cli(tmp_path / "none.sqlite3", "import", "accounts", "x.csv") == 1
    assert "no cache at" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()


def test_new_accounts_without_an_arr_are_named_after_the_summary(demo_db, tmp_path, capsys):
    """From the shell and from `run` (the palette's words): the line under the summary."""
    path = tmp_path / "crm.csv"
    path.write_text("name,arr,Renewal\nNo Revenue Yet Ltd,,\n[bold red]Priced[/] Ltd,120000,\n",
                    "utf-8")  # fmt: skip
    assert cli(demo_db, "import", "accounts", str(path), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "line 2: create No Revenue Yet Ltd (no ARR in the file: recorded as 0, so " in out
    assert "1 new account had no ARR in the file and counts as 0 (in its tier, in coverage)" in out
    assert "not read: the column 'Renewal' (renewal_date?) names no csm-tui field" in out
    assert cli(demo_db, "run", f"import accounts {path}") == 0
    out = capsys.readouterr().out
    assert "2 created" in out
    assert "'No Revenue Yet Ltd'" in out and "counts as 0" in out


def test_an_export_piped_into_head_ends_quietly(demo_db):
    """`csm-tui export portfolio … | head` ended in a BrokenPipeError traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "csm_tui", "--db", str(demo_db), "--now", NOW,
         "export", "portfolio", "--format", "json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the export is written (`| head`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err
