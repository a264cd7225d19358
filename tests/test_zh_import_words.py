"""Issue 10's last English words: the CSV import report's problems, in Simplified Chinese
when the interface is zh (the line number kept, the words translated); `--format json` and
`str(issue)` keep the English for scripts."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from csm_tui.assets_path import assets_dir
from csm_tui.i18n import set_language
from tests.conftest import cli

SAMPLES = assets_dir() / "import"


def _with_bad_date(tmp_path: Path) -> Path:
    """The Salesforce sample with line 3's renewal date made a day that does not exist."""
    bad = tmp_path / "bad-date.csv"
    lines = (SAMPLES / "salesforce-accounts-sample.csv").read_text("utf-8").splitlines(True)
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[2]]))
    row[header.index("Contract Renewal Date")] = "2026-02-30"
    lines[2] = ",".join(f'"{cell}"' for cell in row) + "\n"
    bad.write_text("".join(lines), encoding="utf-8")
    return bad


def test_a_refused_account_import_says_the_line_and_the_problem_in_zh(demo_db, tmp_path, capsys):
    bad = _with_bad_date(tmp_path)
    assert cli(demo_db, "--lang", "zh", "import", "accounts", str(bad), "-m", "salesforce") == 1
    out = capsys.readouterr().out
    assert "第 3 行" in out and "'2026-02-30' 不是日期：该月没有 30 日" in out
    assert "line 3" not in out and "is not a date" not in out
    assert "8 行中有 1 个问题；没有导入任何内容" in out and "nothing was imported" not in out


def test_a_dry_run_in_zh_says_what_it_would_do_in_chinese(demo_db, capsys):
    sample = str(SAMPLES / "salesforce-accounts-sample.csv")
    args = ("import", "accounts", sample, "-m", "salesforce", "--dry-run")
    assert cli(demo_db, "--lang", "zh", *args) == 0
    out = capsys.readouterr().out
    assert "试运行，未写入任何内容 —— 将新建 6 条，更新 0 条，0 条不变，跳过 2 条" in out
    assert "  第 2 行：新建 Harbourside Insurance plc" in out
    assert "  第 5 行：跳过 Atlas Reseller Partners (Type 为 'Channel Partner / Reseller')" in out
    assert "to create" not in out and ": create " not in out


def test_the_json_report_of_a_refused_import_stays_english_in_zh(demo_db, tmp_path, capsys):
    bad = _with_bad_date(tmp_path)
    args = ("import", "accounts", str(bad), "-m", "salesforce", "--format", "json")
    assert cli(demo_db, "--lang", "zh", *args) == 1
    report = json.loads(capsys.readouterr().out)
    (error,) = report["errors"]
    assert error["line"] == 3
    assert error["message"] == "'2026-02-30' is not a date: day 30 does not exist in that month"


def test_the_same_import_in_english_says_it_in_english(demo_db, tmp_path, capsys):
    bad = _with_bad_date(tmp_path)
    assert cli(demo_db, "import", "accounts", str(bad), "-m", "salesforce") == 1
    out = capsys.readouterr().out
    assert "line 3, " in out and "'2026-02-30' is not a date: day 30 does not exist" in out


def test_a_refused_signal_import_says_its_problems_in_zh(demo_db, tmp_path, capsys):
    bad = tmp_path / "tickets.csv"
    text = (SAMPLES / "zendesk-tickets-sample.csv").read_text("utf-8")
    bad.write_text(text.replace("2026-10-21 10:02", "yesterday-ish"), "utf-8")
    assert cli(demo_db, "--lang", "zh", "import", "tickets", str(bad), "-m", "zendesk") == 1
    out = capsys.readouterr().out
    assert "第 3 行，Requested：'yesterday-ish' 不是日期" in out
    assert "第 2 行，Organization external ID：缓存中没有客户 '0015g00000AbCdEAA1'" in out
    assert "is not a date" not in out and "no account" not in out


def test_a_file_that_is_not_csv_is_refused_in_zh(demo_db, tmp_path, capsys):
    bad = tmp_path / "binary.csv"
    bad.write_bytes(b"Name,ARR\nAcme,\x00\n")
    assert cli(demo_db, "--lang", "zh", "import", "accounts", str(bad)) == 1
    out = capsys.readouterr().out
    assert "第 2 行：含有 NUL 字节：这不是文本文件" in out


# -- a bad config.toml ---------------------------------------------------------------------


def _config(text: str) -> Path:
    path = Path(os.environ["CSM_TUI_CONFIG"])
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_config_value_is_said_in_zh_with_lang_zh(demo_db, capsys):
    _config("arr_per_csm = -5\n")
    with pytest.raises(SystemExit) as stop:
        cli(demo_db, "--lang", "zh", "import", "accounts", "x.csv", "-m", "salesforce")
    said = str(stop.value.code)
    assert "arr_per_csm（每位 CSM 负责的 ARR）必须是正数" in said and "must be" not in said


def test_a_config_that_sets_zh_says_its_own_bad_value_in_zh(demo_db, capsys):
    _config('language = "zh"\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(SystemExit) as stop:
        cli(demo_db, "import", "accounts", "x.csv", "-m", "salesforce")
    said = str(stop.value.code)
    assert "timezone 'Mars/Olympus' 不是已知的时区" in said


def test_a_bad_config_value_stays_english_in_en(demo_db, capsys):
    _config("fiscal_year_start = 13\n")
    with pytest.raises(SystemExit) as stop:
        cli(demo_db, "--lang", "en", "import", "accounts", "x.csv", "-m", "salesforce")
    assert "fiscal_year_start must be a month number, 1 to 12" in str(stop.value.code)


# -- lists in refusals: checklist items and ambiguous accounts ------------------------------


def test_a_checklist_item_nobody_has_lists_the_items_in_zh():
    from csm_tui.domain.lifecycle import Stage, checklist_template
    from csm_tui.domain.tiers import Tier
    from csm_tui.i18n import Message, _
    from csm_tui.store.lookup import NotFound, find_checklist_item

    items = checklist_template(Stage.ONBOARDING, Tier.GROWTH)
    set_language("zh")
    with pytest.raises(NotFound) as caught:
        find_checklist_item(items, "zzqx", Message.text("这里"))
    shown = str(caught.value)
    for item in items:
        assert f"  {item.key}：{_(item.label)}" in shown
        assert item.label not in shown  # the English label is not shown
    assert f"  {items[0].key}: {items[0].label}" in caught.value.english()


def test_an_ambiguous_account_shows_each_tier_in_zh(workspace):
    from csm_tui.domain.tiers import Tier
    from csm_tui.i18n import _
    from csm_tui.store.lookup import Ambiguous, find_account

    set_language("zh")
    with pytest.raises(Ambiguous) as caught:
        find_account(workspace.conn, "a")
    listed = str(caught.value).splitlines()[1:-1]  # the candidates, between the two sentences
    assert listed
    for line in listed:
        assert line.endswith("）") and "，" in line, line
        tier_words = line.rsplit("，", 1)[1].rstrip("）")
        assert tier_words in {_(t.label) for t in Tier}, line
        assert not any(t.value in tier_words for t in Tier)


def test_the_shells_import_verb_refuses_in_zh_and_keeps_english_for_scripts(workspace, tmp_path):
    from csm_tui.commands.results import CommandFailed
    from csm_tui.commands.run import run_text

    bad = tmp_path / "bad.csv"
    lines = (SAMPLES / "hubspot-companies-sample.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:3], "999,Broken Co,,Customer,notanumber,2026-13-45"]),
                   encoding="utf-8")  # fmt: skip
    set_language("zh")
    with pytest.raises(CommandFailed) as info:
        run_text(workspace, f'import accounts "{bad}" --mapping hubspot')
    said = info.value.message
    assert "没有导入任何内容" in said and "\n  第 4 行：有 6 个字段，但表头有 11 个" in said
    assert "line 4" not in said and "nothing was imported" not in said
    assert (
        "\n  line 4: 6 fields" in info.value.english
        and "nothing was imported" in info.value.english
    )


def test_a_bad_mapping_file_is_said_in_zh(demo_db, tmp_path, capsys):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('kind = "accounts"\ndecimal = ";"\n[columns]\nname = "Name"\n', "utf-8")
    sample = str(SAMPLES / "salesforce-accounts-sample.csv")
    code = cli(demo_db, "--lang", "zh", "import", "accounts", sample, "-m", str(mapping))
    err = capsys.readouterr().err
    assert code == 2
    assert f'{mapping}：decimal 必须是 "." 或 ","' in err and "must be" not in err
