"""Translations: the zh catalog is complete, compiled, and says the seeds' words; the
interface language is chosen as documented (`--lang` > config.toml > locale > English)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from csm_tui.i18n import (
    N_,
    _,
    choose_language,
    current_language,
    language_from_environment,
    ngettext,
    set_language,
)
from csm_tui.i18n.catalog import po_paths, problems, read

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "assets" / "i18n" / "glossary.md"

GLOSSARY_EXCEPTIONS: dict[tuple[str, str], str] = {
    # (glossary English term, msgid): why its translation may say it otherwise
    ("lead", "the team's coverage of the book (a lead's view)"): "a team lead (主管), not a lead",
    ("lead", "the team lead's coverage report"): "a team lead (主管), not a sales lead",
    ("lead", "team name or id (required for csm and lead)"): "the role's name, typed as is",
    ("usage", "usage: "): "argparse's heading (用法), not product usage",
    ("usage", "Usage"): "the help table's column: how to write a verb (用法), not product usage",
    ("lead", "give the account to another CSM of its team (a lead's move)"): "a team lead (主管)",
    ("lead", "only a team lead or an admin can reassign accounts"): "a team lead (主管)",
    (
        "lead",
        "you lead no team in this cache, so you cannot reassign accounts",
    ): "leads a team (主管)",
    ("lead", "a lead can only give accounts to someone in their own team"): "a team lead (主管)",
    ("lead", "team lead"): "a user's role (主管), not a sales lead",
    (
        "lead",
        "owned by {owner}: a CSM imports their own accounts (a team lead or an admin imports "
        "or hands over the team's)",
    ): "a team lead (主管)",
    ("lead", "be another person of the demo book (a team lead: Elena Rossi)"): "a team lead",
    ("today", "snooze until a day after today, not {day}"): "the day (今天), not the Today screen",
    ("active", "active"): "a token's state (有效: still valid), not active usage",
    (
        "QBR",
        "log an activity (call, meeting, email, onsite, qbr, training, escalation, note)",
    ): "the activity kinds as typed in the command language",
    (
        "activity",
        "Activity standard met for 2 weeks",
    ): "seed 000's 活跃度标准, not a logged activity",
}

CODE = re.compile(
    r"""
    '[^']*'                 # quoted command lines: 'csm-tui run "filter tier:strategic"'
    | "[^"]*"
    | \{[^}]*\}             # placeholders
    | --?[\w-]+             # options
    | csm-tui(\s[a-z-]+)?   # the program and its subcommands
    | \w+:[^\s,;)]+          # filter terms: tier:strategic, renewal:<90d
    | \w+(-\w+)+            # names with hyphens: mixpanel-usage, zendesk-tickets
    """,
    re.VERBOSE,
)
"""What a translation keeps as it is (typed by the user, or names): not words to check."""


# -- the catalog ----------------------------------------------------------------------------


@pytest.mark.parametrize("po", po_paths(), ids=lambda p: p.parent.parent.name)
def test_every_message_has_a_translation_and_the_mo_is_fresh(po):
    assert problems(po) == []


def test_the_catalog_has_every_string_the_source_marks():
    from csm_tui.i18n.catalog import extract

    marked = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    for po in po_paths():
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read(po) if m.id}
        missing = sorted(marked - known)
        assert missing == [], "run python -m csm_tui.i18n.catalog update, then translate"


def test_placeholders_survive_translation():
    for po in po_paths():
        for message in read(po):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(re.findall(r"\{[a-z_]*\}", ids[-1]))
            for string in strings:
                assert set(re.findall(r"\{[a-z_]*\}", string)) == wanted, message.id


# -- the glossary ---------------------------------------------------------------------------


def glossary_rows() -> list[tuple[str, list[str]]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("English (UI)", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], [zh.strip() for zh in cells[1].split(" / ")]))
    return rows


def test_the_glossary_has_the_seeds_words():
    terms = {zh for _en, zhs in glossary_rows() for zh in zhs}
    for word in ("服务分级", "交付", "激活", "活跃", "增续转", "续约", "增购", "僵尸客户"):
        assert word in terms
    for word in ("健康度", "触达", "成熟度", "流失", "商机", "线索", "公海", "客户成功经理"):
        assert word in terms
    assert {"季度业务回顾", "上门拜访", "减购", "主动"} <= terms


def test_the_zh_catalog_says_each_term_as_the_glossary_does():
    wrong = []
    for po in po_paths():
        for message in read(po):
            if not message.id or not message.string:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            words = CODE.sub(" ", msgid)
            for english, zh in glossary_rows():
                if not re.search(rf"\b{re.escape(english)}", words, re.IGNORECASE):
                    continue
                if (english, msgid) in GLOSSARY_EXCEPTIONS:
                    continue
                if not any(term in msgstr for term in zh):
                    wrong.append(f"{msgid!r} → {msgstr!r}: says {english!r} without {zh}")
    assert wrong == []


# -- the mechanism --------------------------------------------------------------------------


def test_english_is_the_message_itself_and_chinese_comes_from_the_catalog():
    assert current_language() == "en"
    assert _("Help") == "Help"
    set_language("zh")
    assert _("Help") == "帮助"
    assert _("a message nobody translated") == "a message nobody translated"
    assert ngettext("{n} account", "{n} accounts", 3) == "{n} accounts"  # untranslated: as is
    assert N_("Help") == "Help"  # the marker never translates
    set_language("en")
    assert _("Help") == "Help"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        set_language("fr")


# -- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_SG.UTF-8"}, "zh"),
        ({"LANG": "zh_Hans"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),  # Simplified is the Chinese we ship
        ({"LANG": "zh_HK.Big5"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "POSIX"}, None),
        ({}, None),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "zh_CN.UTF-8"}, None),  # LC_ALL decides: not ours
    ],
)
def test_the_locale_picks_the_language(environ, language):
    assert language_from_environment(environ) == language


def test_lang_wins_then_the_setting_then_the_locale_then_english():
    zh_locale = {"LANG": "zh_CN.UTF-8"}
    assert choose_language("en", "zh", zh_locale) == "en"
    assert choose_language(None, "en", zh_locale) == "en"
    assert choose_language(None, None, zh_locale) == "zh"
    assert choose_language(None, None, {"LANG": "C"}) == "en"
    assert choose_language(None, "zh", {}) == "zh"


def run_cli_help(argv, monkeypatch, capsys, environ=None, config=None) -> str:
    from csm_tui.cli.main import main

    for name, value in (environ or {}).items():
        monkeypatch.setenv(name, value)
    if config is not None:
        import os

        Path(os.environ["CSM_TUI_CONFIG"]).write_text(config, encoding="utf-8")
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_cli_help_follows_the_locale(monkeypatch, capsys):
    out = run_cli_help([], monkeypatch, capsys, environ={"LANG": "zh_CN.UTF-8"})
    assert "界面语言" in out
    assert "the interface language" not in out


def test_cli_config_language_beats_the_locale(monkeypatch, capsys):
    out = run_cli_help(
        [], monkeypatch, capsys, environ={"LANG": "zh_CN.UTF-8"}, config='language = "en"\n'
    )
    assert "the interface language" in out


def test_cli_lang_beats_the_config_and_the_locale(monkeypatch, capsys):
    out = run_cli_help(
        ["--lang", "zh"], monkeypatch, capsys, environ={"LANG": "en_US"}, config='language="en"'
    )
    assert "界面语言" in out
    out = run_cli_help(["--lang", "en"], monkeypatch, capsys, config='language = "zh"\n')
    assert "the interface language" in out


def test_a_config_without_language_lets_the_locale_decide(monkeypatch, capsys):
    out = run_cli_help(
        [], monkeypatch, capsys, environ={"LANG": "zh_CN.UTF-8"}, config="arr_per_csm = 1000000\n"
    )
    assert "界面语言" in out


def test_config_language_is_still_validated():
    from csm_tui.config import Settings, SettingsError

    assert Settings.from_toml('language = "zh"').language == "zh"
    assert Settings.from_toml("").language is None
    with pytest.raises(SettingsError, match="language must be one of en, zh"):
        Settings.from_toml('language = "fr"')


# -- the domain returns templates and values; the edge picks the words ---------------------


def test_agenda_reasons_read_in_the_interface_language():
    from datetime import date

    from csm_tui.domain.agenda import renewal_item, task_item
    from csm_tui.domain.lifecycle import Stage
    from csm_tui.domain.tiers import Tier

    today = date(2026, 11, 30)
    due = date(2026, 11, 27)
    late = task_item("a", "云图科技", Tier.STRATEGIC, "t", "发送 QBR 材料", due, today)
    one = task_item("a", "Acme", Tier.STRATEGIC, "t", "Call back", date(2026, 11, 29), today)
    renewal = renewal_item(
        "a", "Acme", Tier.STRATEGIC, date(2026, 12, 1), Stage.ONBOARDING, 1000, "USD", today
    )
    assert late.why == "Task late 3 days: 发送 QBR 材料"
    assert one.why == "Task late 1 day: Call back"
    assert late.reason.render() == late.why  # English: the template itself
    set_language("zh")
    assert late.reason.render() == "任务逾期 3 天:发送 QBR 材料"
    assert one.reason.render() == "任务逾期 1 天:Call back"
    assert renewal.reason.render().startswith("明日续约(ARR ")
    assert late.why == "Task late 3 days: 发送 QBR 材料"  # scripts and sorting stay English


def test_cli_says_its_messages_in_chinese(monkeypatch, capsys, tmp_path):
    from csm_tui.cli.main import main

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["--db", str(tmp_path / "none.sqlite3"), "run", "filter"]) == 1
    err = capsys.readouterr().err
    assert "处没有本地缓存" in err and "no cache" not in err
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "demo", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法:csm-tui demo") and "选项" in out and "演示客户盘" in out
    assert main(["--lang", "en", "--db", str(tmp_path / "none.sqlite3"), "run", "filter"]) == 1
    assert "no cache at" in capsys.readouterr().err


def test_the_app_starts_in_chinese_without_loading_babel():
    import subprocess
    import sys

    probe = (
        "import sys; from csm_tui.i18n import set_language, _; set_language('zh');"
        "import csm_tui.cli.main, csm_tui.ui.app; assert _('Help') == '帮助';"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'babel'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--lang", "zh"], ["--lang", "zh", "import"], ["--lang", "en"]])
def test_cli_help_fits_an_80_column_terminal_in_chinese(argv, monkeypatch, capsys):
    from csm_tui.cli.main import main
    from csm_tui.commands.output import cell_width

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    lines = capsys.readouterr().out.splitlines()
    too_wide = [line for line in lines if cell_width(line) > 80]
    assert too_wide == []
