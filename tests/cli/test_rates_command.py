"""`csm-tui rates set|import|list` on a cache."""

from __future__ import annotations

import json

from csm_tui.cli.main import main
from csm_tui.store.cache import connect


def test_rates_set_import_and_list(tmp_path, capsys):
    db = tmp_path / "book.db"
    connect(db).close()
    run = ["--db", str(db), "--now", "2026-11-22"]
    assert main([*run, "rates", "list"]) == 0
    assert "cny_per_usd = 7.2 applies" in capsys.readouterr().out
    assert main([*run, "rates", "set", "2026-01-01", "7.10"]) == 0
    assert "7.1 CNY per USD from 2026-01-01" in capsys.readouterr().out
    rates = tmp_path / "rates.csv"
    rates.write_text("day,per_usd\n2026-11-01,7.25\n", encoding="utf-8")
    assert main([*run, "rates", "import", str(rates)]) == 0
    assert "1 rate set" in capsys.readouterr().out
    assert main([*run, "rates", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["day"] for r in listed["rates"]] == ["2026-01-01", "2026-11-01"]
    assert listed["today"] == 7.25


def test_a_bad_rate_is_refused_with_the_reason(tmp_path, capsys):
    db = tmp_path / "book.db"
    connect(db).close()
    assert main(["--db", str(db), "rates", "set", "2026-01-01", "-3"]) == 2
    assert "> 0" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-01-01,7.1\nnot-a-day,7.2\n", encoding="utf-8")
    assert main(["--db", str(db), "rates", "import", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err
