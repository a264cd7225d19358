"""The words the domain and the command language make, in Simplified Chinese: parse errors,
relative days, the prep sheet and `csm-tui run` (issue 10). English is checked by the
modules' own tests; here the same words come out in Chinese once the language is zh."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.domain.commands import parse_command
from csm_tui.domain.humanize import never, relative_day
from csm_tui.domain.prep import render_prep_markdown
from csm_tui.domain.query import QueryError, parse_filter
from csm_tui.i18n import Message, set_language


@pytest.fixture
def zh():
    set_language("zh")
    yield
    set_language("en")


def test_a_filter_error_in_zh_names_the_position_and_what_was_expected(zh):
    with pytest.raises(QueryError) as caught:
        parse_filter("tier:strategic health:<abc")
    shown = str(caught.value)
    assert shown.startswith("位置 23：")
    assert '"health:<" 后的数字' in shown and '实际为 "abc"' in shown
    # the English stays for scripts and --format json
    assert caught.value.english() == 'at 23: expected a number after "health:<", found "abc"'
    assert caught.value.position == 23


def test_a_command_error_in_zh_names_the_option_and_what_it_needs(zh):
    with pytest.raises(QueryError) as caught:
        parse_command("log call Acme --minutes lots")
    shown = str(caught.value)
    assert shown.startswith(f"位置 {caught.value.position}：")
    assert "--minutes 后 0 到" in shown and "整数分钟数" in shown


def test_an_unknown_verb_suggests_verbs_in_zh(zh):
    with pytest.raises(QueryError) as caught:
        parse_command("lgo call Acme")
    shown = str(caught.value)
    assert shown == (
        '位置 0：此处应为一个命令；您是想输入 "log" 吗？'
        '（要按名称搜索它，请写：filter lgo），实际为 "lgo"'
    )
    assert "did you mean" in caught.value.english()


def test_days_in_zh_say_12天前_and_23天后_and_从未(zh):
    today = date(2026, 11, 22)
    assert relative_day(date(2026, 11, 10), today) == "12天前"
    assert relative_day(date(2026, 12, 15), today) == "23天后"
    assert relative_day(date(2026, 11, 23), today) == "明天"
    assert never() == "从未"
    set_language("en")
    assert relative_day(date(2026, 11, 10), today) == "12 days ago"
    assert never() == "never"


def test_the_prep_sheet_markdown_in_zh_has_chinese_headings(zh):
    from tests.domain.test_prep import brief as make_brief

    sheet = render_prep_markdown(make_brief(), "", date(2026, 11, 22))
    headings = [line for line in sheet.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# 拜访准备：")
    assert "## 关键信息" in headings and "## 健康度" in headings and "## 我的备注" in headings
    assert "## 未完成的任务" in headings and "## 最近 5 条活动记录" in headings
    assert "Key facts" not in sheet and "Call prep" not in sheet
    assert "- **分层：** 战略" in sheet
    # names and data stay as they were written
    assert "王伟" in sheet and "Send pricing deck" in sheet
    english = render_prep_markdown(make_brief(), "", date(2026, 11, 22), say=Message.english)
    assert "## Key facts" in english


def test_cli_run_in_zh_prints_a_chinese_error_with_exit_2(demo_db, capsys):
    from csm_tui.cli.main import main

    code = main(["--lang", "zh", "--db", str(demo_db), "run", "filter tier:"])
    err = capsys.readouterr().err
    assert code == 2
    assert '位置 12：此处应为"tier:" 后的值' in err
    assert "expected" not in err


def test_cli_run_json_report_stays_english_in_zh(demo_db, capsys):
    import json

    from csm_tui.cli.main import main

    code = main(["--lang", "zh", "--db", str(demo_db), "run", "--format", "json", "filter tier:"])
    captured = capsys.readouterr()
    assert code == 2
    report = json.loads(captured.out)
    assert report["error"] == 'at 12: expected a value after "tier:"'
    assert report["position"] == 12
