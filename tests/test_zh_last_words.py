"""Issue 10's last English words in a zh interface: why a config.toml's [tiers], [standards]
and [health.weights] are refused, a signal row of the wrong width, the signal kind in an
import's summary, and the shell import table's actions and notes. Scripts (`--format json`,
CSV, `error.english()`) keep the English."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from csm_tui.assets_path import assets_dir
from csm_tui.config import Settings, SettingsError
from csm_tui.i18n import set_language
from tests.conftest import cli

SAMPLES = assets_dir() / "import"


def _refusal(toml: str) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        Settings.from_toml(toml, source=Path("config.toml"))
    return caught.value


# -- config.toml: the reason inside the refusal ----------------------------------------------

BAD_SETTINGS = [
    # [tiers]
    ("tiers = 3\n", "config.toml：[tiers] 必须是各分层的表，例如 [tiers.strategic]"),
    ("[tiers.gold]\nmin_arr = 1\n", "config.toml：规则中有未知分层：gold；应为 strategic"),
    ("[tiers.strategic]\nmin_ar = 1\n", "config.toml：tiers.strategic 中有未知的键：min_ar；应为"),
    (
        "[tiers.strategic]\ntouch_every_days = -1\n",
        "touch_every_days 必须是大于 0 的整数天数，或用 0 表示无跟进节奏；收到的是 -1",
    ),
    ("[tiers.scale]\ndescription = 1\n", "config.toml：tiers.scale.description 必须是文本"),
    ("[tiers.growth]\nmin_arr = -1\n", "tiers.growth.min_arr 必须是 ≥ 0 的数（每年美元金额）"),
    (
        "[tiers.growth]\nmin_arr = 20000\n",
        "分层的 ARR 门槛必须逐级降低：enterprise 的 min_arr 20000 不高于 growth 的 20000",
    ),
    ("cny_per_usd = 0\n", "config.toml：cny_per_usd 必须是大于 0 的数；收到的是 0"),
    ("[tiers.strategic]\nmin_seats = 0\n", "min_seats 必须是 ≥ 1 的整数；收到的是 0"),
    ("[tiers.strategic]\nindustries = 3\n", 'industries 必须是名称列表，例如 ["banking"]'),
    ("[tiers.strategic]\nreference = 3\n", "tiers.strategic.reference 必须是 true 或 false"),
    ("[tiers.scale]\nqbr_per_year = -1\n", "qbr_per_year 必须是 ≥ 0 的整数；收到的是 -1"),
    # [standards]
    ("standards = 3\n", "config.toml：[standards] 必须为每种销售模式各写一张表"),
    ("[standards.door-to-door]\nx = 1\n", "standards.door-to-door：未知销售模式 'door-to-door'"),
    ("[standards]\nlong-direct = 3\n", "config.toml：standards.long-direct 必须是一张表"),
    ("[standards.long-direct]\nlogin = 1\n", "standards.long-direct.login 不是活跃度标准的设置项"),
    ("[standards.long-direct]\nlogin_rate = 2\n", "login_rate 是比例：应在 0 到 1 之间"),
    ("[standards.long-direct]\ndau_mau = -1\n", "standards.long-direct.dau_mau 必须是大于 0 的数"),
    ("[standards.long-direct]\nfeatures = {}\n", "必须至少列出一个功能，例如线索：leads = 15"),
    ("[standards.long-direct.features]\ndeals = 3\n", "features：未知功能 'deals'；应为以下之一"),
    (
        "[standards.long-direct.features]\nmessages = 3\n",
        "features.messages：消息和会话对每种销售模式都会统计；请用 messages = 和 session_minutes =",
    ),
    # [health.weights]
    ("[health.weights]\ngold = {}\n", "config.toml：health.weights：未知分层 'gold'；应为以下之一"),
    ("[health.weights]\nstrategic = 3\n", "health.weights.strategic 必须是一张表"),
    ("[health.weights.strategic]\nvibes = 3\n", "health.weights.strategic：未知健康度分项 'vibes'"),
    ("[health.weights.growth]\nusage = -3\n", "health.weights.growth.usage 必须是 ≥ 0 的整数"),
    ("[health.weights.growth]\nusage = 99\n", "health.weights.growth 合计必须为 100；现在合计为"),
]


@pytest.mark.parametrize(("toml", "words"), BAD_SETTINGS, ids=[t for t, _ in BAD_SETTINGS])
def test_why_a_config_value_is_refused_is_said_in_zh(toml, words):
    set_language("zh")
    said = str(_refusal(toml))
    assert words in said
    prose = re.findall(r"\b(must|unknown|expected|got|table|between|known|setting|add up)\b", said)
    assert not prose, said  # keys and values stay as written; the sentence is Chinese


@pytest.mark.parametrize(("toml", "words"), BAD_SETTINGS[:1] + BAD_SETTINGS[-2:])
def test_a_config_refusal_keeps_its_english_for_logs(toml, words):
    set_language("zh")
    refusal = _refusal(toml)
    assert refusal.english().startswith("config.toml: ")
    assert "必须" not in refusal.english() and "must" in refusal.english()


def test_a_config_refusal_stays_english_in_en():
    assert str(_refusal("[health.weights.growth]\nusage = 99\n")) == (
        "config.toml: health.weights.growth must add up to 100; they add up to 159"
    )
    assert str(_refusal("[standards.long-direct.features]\ndeals = 3\n")).startswith(
        "config.toml: standards.long-direct.features: unknown feature 'deals'; expected one of "
    )


def test_the_cli_says_a_bad_tier_setting_in_zh(demo_db):
    Path(os.environ["CSM_TUI_CONFIG"]).write_text(
        'language = "zh"\n[tiers.strategic]\nmin_seats = 0\n', encoding="utf-8"
    )
    with pytest.raises(SystemExit) as stop:
        cli(demo_db, "import", "accounts", "x.csv", "-m", "salesforce")
    said = str(stop.value.code)
    assert "min_seats 必须是 ≥ 1 的整数；收到的是 0" in said
    assert "must be" not in said


# -- signal imports --------------------------------------------------------------------------


def _import_the_accounts(db: Path) -> None:
    sample = str(SAMPLES / "salesforce-accounts-sample.csv")
    assert cli(db, "import", "accounts", sample, "-m", "salesforce") == 0


def test_a_signal_row_of_the_wrong_width_is_said_in_zh(demo_db, tmp_path, capsys):
    bad = tmp_path / "tickets.csv"
    lines = (SAMPLES / "zendesk-tickets-sample.csv").read_text("utf-8").splitlines(True)
    lines[2] = lines[2].replace(",Web form", "")  # line 3 loses its last field
    bad.write_text("".join(lines), "utf-8")
    assert cli(demo_db, "--lang", "zh", "import", "tickets", str(bad), "-m", "zendesk") == 1
    out = capsys.readouterr().out
    assert "第 3 行：有 9 个字段，但表头有 10 个（少了或多了一个逗号" in out
    assert "fields" not in out and "header" not in out
    args = ("import", "tickets", str(bad), "-m", "zendesk", "--format", "json")
    assert cli(demo_db, "--lang", "zh", *args) == 1
    (error,) = [e for e in json.loads(capsys.readouterr().out)["errors"] if e["line"] == 3]
    assert error["message"].startswith("9 fields, but the header has 10 (a missing or extra")


@pytest.mark.parametrize(
    ("kind", "mapping", "words"),
    [
        ("tickets", "zendesk-tickets", "行 支持工单 ——"),
        ("usage", "mixpanel-usage", "行 产品使用 ——"),
        ("surveys", "delighted-nps", "行 调研答复 ——"),
        ("invoices", "stripe-invoices", "行 发票 ——"),
    ],
)
def test_a_signal_import_names_its_kind_in_zh(demo_db, capsys, kind, mapping, words):
    _import_the_accounts(demo_db)
    capsys.readouterr()
    sample = str(SAMPLES / f"{mapping}-sample.csv")
    assert cli(demo_db, "--lang", "zh", "import", kind, sample, "-m", mapping) == 0
    out = capsys.readouterr().out
    assert words in out and f" {kind} " not in out
    args = ("import", kind, sample, "-m", mapping, "--format", "json")
    assert cli(demo_db, "--lang", "zh", *args) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == kind  # the code, for scripts


def test_a_signal_import_names_its_kind_in_english_in_en(demo_db, capsys):
    _import_the_accounts(demo_db)
    capsys.readouterr()
    sample = str(SAMPLES / "zendesk-tickets-sample.csv")
    assert cli(demo_db, "import", "tickets", sample, "-m", "zendesk") == 0
    assert "imported 11 tickets rows" in capsys.readouterr().out


def test_a_signal_import_without_a_mapping_names_the_kind_in_zh(demo_db, capsys):
    sample = str(SAMPLES / "delighted-nps-sample.csv")
    assert cli(demo_db, "--lang", "zh", "import", "surveys", sample) == 2
    err = capsys.readouterr().err
    assert "请说明如何读取 调研答复 文件" in err and "surveys" not in err


# -- the shell's import verb -----------------------------------------------------------------


def test_the_shells_import_table_says_actions_and_notes_in_zh(demo_db, capsys):
    sample = SAMPLES / "salesforce-accounts-sample.csv"
    line = f'import accounts "{sample}" --mapping salesforce --dry-run'
    assert cli(demo_db, "--lang", "zh", "run", line) == 0
    out = capsys.readouterr().out
    assert "跳过  Atlas Reseller Partners" in out
    assert "Type 为 'Channel Partner / Reseller'" in out
    assert "新建  Harbourside Insurance plc" in out
    for english in (" is ", "create", "skip"):
        assert english not in out


def test_the_shells_import_table_keeps_english_codes_and_notes_for_scripts(demo_db, capsys):
    sample = SAMPLES / "salesforce-accounts-sample.csv"
    line = f'import accounts "{sample}" --mapping salesforce --dry-run'
    assert cli(demo_db, "--lang", "zh", "run", "--format", "json", line) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    skipped = [row for row in rows if row["action"] == "skip"]
    assert {row["note"] for row in skipped} == {
        "Type is 'Channel Partner / Reseller'",
        "Type is 'Prospect'",
    }
    assert all(row["note"] == "" for row in rows if row["action"] == "create")
    assert cli(demo_db, "--lang", "zh", "run", "--format", "csv", line) == 0
    csv_text = capsys.readouterr().out
    assert "skip" in csv_text and "Type is 'Prospect'" in csv_text and "跳过" not in csv_text


# -- the sweep: files that cannot be read, rates that are not numbers -------------------------


def test_a_file_that_is_not_there_is_said_in_zh(demo_db, tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    assert cli(demo_db, "--lang", "zh", "import", "tickets", str(missing), "-m", "zendesk") == 1
    assert f"无法读取 {missing}：文件或目录不存在" in capsys.readouterr().out
    assert cli(demo_db, "--lang", "zh", "import", "accounts", str(missing)) == 1
    out = capsys.readouterr().out
    assert "文件或目录不存在" in out and "No such file" not in out
    assert cli(demo_db, "import", "accounts", str(missing)) == 1
    assert "No such file or directory" in capsys.readouterr().out  # English as before


def test_a_script_that_is_not_there_or_not_utf8_is_said_in_zh(demo_db, tmp_path, capsys):
    missing = tmp_path / "nowhere.csmrun"
    assert cli(demo_db, "--lang", "zh", "run", "-f", str(missing)) == 2
    assert "文件或目录不存在" in capsys.readouterr().err
    latin = tmp_path / "latin.csmrun"
    latin.write_bytes('filter "Caf\u00e9"\n'.encode("latin-1"))
    assert cli(demo_db, "--lang", "zh", "run", "-f", str(latin)) == 2
    err = capsys.readouterr().err
    assert "不是 UTF-8 文本（第 12 个字节是 0xE9）" in err and "codec" not in err


def test_a_rate_that_is_not_a_number_is_said_in_zh(demo_db, tmp_path, capsys):
    rates = tmp_path / "rates.csv"
    rates.write_text("day,per_usd\n2026-01-01,7.1\n2026-02-01,abc\n", "utf-8")
    assert cli(demo_db, "--lang", "zh", "rates", "import", str(rates)) == 1
    err = capsys.readouterr().err
    assert "第 3 行：'abc' 不是数字" in err and "could not convert" not in err
    assert cli(demo_db, "--lang", "zh", "rates", "set", "2026-01-01", "seven") == 2
    err = capsys.readouterr().err
    assert "'seven' 不是数字" in err and "could not convert" not in err
    assert cli(demo_db, "--lang", "zh", "rates", "import", str(tmp_path / "none.csv")) == 1
    assert "文件或目录不存在" in capsys.readouterr().err


# -- the sweep: the shell's words around its tables ------------------------------------------


def _run(db: Path, capsys, line: str, *options: str) -> str:
    assert cli(db, "--lang", "zh", "run", *options, line) == 0
    return capsys.readouterr().out


def test_the_shells_agenda_says_why_in_zh_and_json_keeps_english(demo_db, capsys):
    out = _run(demo_db, capsys, "today")
    assert "任务逾期" in out and "Task late" not in out and "last touch" not in out
    rows = json.loads(_run(demo_db, capsys, "today", "--format", "json"))["rows"]
    assert any(row["why"].startswith("Task late ") for row in rows)


def test_the_shells_account_card_says_its_notes_in_zh(demo_db, capsys):
    name = _first_account(demo_db)
    out = _run(demo_db, capsys, f'open "{name}"')
    assert "ARR band" not in out and "cadence" not in out and "never touched" not in out
    last_line = out.rstrip("\n").splitlines()[-1]
    assert last_line.startswith(name) and " · " in last_line
    stage = last_line.rsplit(" · ", 1)[1]
    assert stage.isascii() is False, last_line  # the stage in words, not its code
    rows = json.loads(_run(demo_db, capsys, f'open "{name}"', "--format", "json"))["rows"]
    tier_note = next(row["note"] for row in rows if row["field"] == "tier")
    assert tier_note.startswith("ARR band → ")  # English for scripts


def _first_account(db: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        names = conn.execute("SELECT name FROM accounts WHERE deleted_at IS NULL ORDER BY name")
        return next(n for (n,) in names if n.replace(" ", "").isalnum() and n.isascii())
    finally:
        conn.close()


def test_the_shells_counts_of_tasks_conflicts_and_refusals_are_said_in_zh(demo_db, capsys):
    name = _first_account(demo_db)
    out = _run(demo_db, capsys, f'tasks "{name}" --done')
    assert f"{name}：" in out and "个未完成任务，" in out and "open task" not in out
    assert "个冲突待处理（已处理 0 个）" in _run(demo_db, capsys, "conflicts --all")
    assert "0 项更改被服务器拒绝" in _run(demo_db, capsys, "refused")
    assert cli(demo_db, "--lang", "en", "run", "refused") == 0
    assert "0 changes refused by the server" in capsys.readouterr().out


def test_sync_without_signing_in_says_how_in_zh(demo_db, capsys):
    assert cli(demo_db, "--lang", "zh", "sync") != 0
    err = capsys.readouterr().err
    assert "尚未登录服务器：请运行 csm-tui login --server URL" in err
    assert "not signed in" not in err


def test_a_login_url_that_is_not_a_server_is_said_in_zh(demo_db, capsys):
    assert cli(demo_db, "--lang", "zh", "login", "--server", "ftp://x") == 2
    err = capsys.readouterr().err
    assert "'ftp://x' 不是服务器地址；应为 http(s)://主机[:端口]" in err


# -- the sweep: Chinese due dates refused, a conflict that is not there ------------------------


@pytest.mark.parametrize(
    ("text", "zh", "english"),
    [
        ("今月底", "'今月底'：请说本月或下个月", "'今月底': say 本月 or 下个月"),
        ("本月初", "本月初（2026-12-01）已经过去了", "本月初 (2026-12-01) is already past"),
    ],
)
def test_a_chinese_due_date_that_cannot_be_is_refused_in_zh(text, zh, english):
    from datetime import date

    from csm_tui.domain.dates import DueDateError, parse_due

    set_language("zh")
    with pytest.raises(DueDateError) as caught:
        parse_due(text, date(2026, 12, 15))
    assert str(caught.value) == zh
    assert caught.value.english() == english


def test_resolving_a_conflict_that_is_not_there_is_refused_in_zh(demo_db, capsys):
    assert cli(demo_db, "--lang", "zh", "run", "resolve 999 mine") != 0
    assert "没有冲突 999" in capsys.readouterr().err
    assert cli(demo_db, "--lang", "zh", "run", "--format", "json", "resolve 999 mine") != 0
    assert json.loads(capsys.readouterr().out)["error"] == "no conflict 999"


def test_a_period_that_is_not_one_is_refused_in_zh(demo_db, capsys):
    assert cli(demo_db, "--lang", "zh", "run", "coverage --period q9") != 0
    assert "--period：'q9' 不是时间段；可以试试 q3、fy2026" in capsys.readouterr().err
    assert cli(demo_db, "--lang", "zh", "run", "--format", "json", "coverage --period q9") != 0
    assert "'q9' is not a period" in json.loads(capsys.readouterr().out)["error"]


def test_a_stage_that_cannot_advance_names_the_missing_items_in_zh(demo_db, capsys):
    _import_the_accounts(demo_db)
    capsys.readouterr()
    line = 'stage "Harbourside Insurance plc"'
    assert cli(demo_db, "--lang", "zh", "run", "--dry-run", line) != 0
    err = capsys.readouterr().err
    assert "必需项未完成：" in err and "health_review (已与客户一起回顾健康度)" in err
    assert "Health reviewed" not in err
    assert cli(demo_db, "--lang", "zh", "run", "--dry-run", "--format", "json", line) != 0
    assert "health_review (Health reviewed with the customer)" in capsys.readouterr().out
