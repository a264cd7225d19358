"""The words the domain and the command language make, in Simplified Chinese: parse errors,
relative days, the prep sheet and `csm-tui run` (issue 10). English is checked by the
modules' own tests; here the same words come out in Chinese once the language is zh."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.domain.humanize import never, relative_day
from csm_tui.domain.language.filters import QueryError, parse_filter
from csm_tui.domain.language.verbs import parse_command
from csm_tui.domain.prep import render_prep_markdown
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
    assert shown.startswith("第 24 个字符处：")
    assert '"health:<" 后的数字' in shown and '实际为 "abc"' in shown
    # the English stays for scripts and --format json
    assert caught.value.english() == 'column 24: expected a number after "health:<", found "abc"'
    assert caught.value.position == 23


def test_a_command_error_in_zh_names_the_option_and_what_it_needs(zh):
    with pytest.raises(QueryError) as caught:
        parse_command("log call Acme --minutes lots")
    shown = str(caught.value)
    assert shown.startswith(f"第 {caught.value.position + 1} 个字符处：")
    assert "--minutes 后 0 到" in shown and "整数分钟数" in shown


def test_an_unknown_verb_suggests_verbs_in_zh(zh):
    with pytest.raises(QueryError) as caught:
        parse_command("lgo call Acme")
    shown = str(caught.value)
    assert shown == (
        '第 1 个字符处：此处应为一个命令；您是想输入 "log" 吗？'
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
    assert '第 13 个字符处：此处应为"tier:" 后的值' in err
    assert "expected" not in err


def test_cli_run_json_report_stays_english_in_zh(demo_db, capsys):
    import json

    from csm_tui.cli.main import main

    code = main(["--lang", "zh", "--db", str(demo_db), "run", "--format", "json", "filter tier:"])
    captured = capsys.readouterr()
    assert code == 2
    report = json.loads(captured.out)
    assert report["error"] == 'column 13: expected a value after "tier:"'
    assert report["position"] == 12


def test_a_date_that_does_not_exist_is_said_in_zh(zh):
    from csm_tui.domain.dates import DueDateError, parse_due

    with pytest.raises(DueDateError) as caught:
        parse_due("2026-02-31", date(2026, 11, 22))
    assert str(caught.value) == "2026年2月31日不存在"
    assert caught.value.message == "2026年2月31日不存在"
    assert caught.value.english() == "31 Feb 2026 does not exist"
    with pytest.raises(DueDateError) as caught:
        parse_due("someday", date(2026, 11, 22))
    assert str(caught.value).startswith("无法把 'someday' 读作日期；可以试试 '明天'")


def test_help_and_table_headers_in_zh_keep_json_english(demo_db, capsys):
    import json

    from csm_tui.cli.main import main

    assert main(["--lang", "zh", "--db", str(demo_db), "run", "help log"]) == 0
    out = capsys.readouterr().out
    assert "log KIND ACCOUNT --summary TEXT" in out  # the syntax as is
    assert "记录一条活动记录" in out
    assert main(["--lang", "zh", "--db", str(demo_db), "run", "filter tier:strategic"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "客户" in header and "阶段" in header and "Account" not in header
    args = ["--lang", "zh", "--db", str(demo_db), "run", "--format", "json", "help log"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["what"].startswith("log an activity")


def test_a_log_without_a_summary_says_摘要为必填项_in_zh(zh):
    from datetime import UTC, datetime

    from csm_tui.domain.activity_form import ActivityDraft, validate_activity
    from csm_tui.domain.records import ActivityKind

    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    draft = ActivityDraft(
        "acc-1", ActivityKind.CALL, now, summary=" ", next_steps="call 2026-02-31"
    )
    errors = {e.field: e for e in validate_activity(draft, now)}
    assert errors["summary"].message == "摘要为必填项"
    assert errors["summary"].english == "Summary is required"
    assert errors["next_steps"].message == "截止日期：2026年2月31日不存在"


def test_the_health_why_lines_in_zh(zh):
    from dataclasses import replace

    from csm_tui.domain.health import Component, score_health
    from csm_tui.domain.motion import SalesMotion, standard_for
    from csm_tui.domain.tiers import Tier
    from tests.domain.test_health import PERFECT

    signals = replace(PERFECT, days_since_touch=21, open_tickets=4, avg_response_hours=30)
    health = score_health(signals, Tier.STRATEGIC, standard_for(SalesMotion.LONG_DIRECT))
    by = {c.component: c for c in health.components}
    assert by[Component.ENGAGEMENT].shown() == ("互动", "上次触达在 21 天前", "每 14 天")
    assert by[Component.SUPPORT].shown()[1] == "4 个未关闭工单，响应 30 小时"
    assert by[Component.USAGE].shown()[2].startswith("长周期直销标准：登录率 ")
    assert "互动：上次触达在 21 天前，对比 每 14 天 → 10/20" in [
        m.render() for m in health.explain_words()
    ]
    # the English strings stay what they were
    assert by[Component.ENGAGEMENT].raw == "last touch 21 days ago"
    assert {m.shown()[0] for m in by[Component.SUPPORT].measures} == {"未关闭工单", "响应时间"}


def test_csm_tui_run_prep_in_zh_prints_the_sheet_in_chinese(demo_db, capsys):
    from csm_tui.cli.main import main
    from tests.cli.test_run_command import strategic_name

    name = strategic_name(demo_db)
    args = ["--lang", "zh", "--db", str(demo_db), "--now", "2026-11-22T09:00:00+00:00"]
    assert main([*args, "run", f'prep "{name}"']) == 0
    sheet = capsys.readouterr().out
    assert sheet.startswith(f"# 拜访准备：{name}")
    assert "- **分层：** 战略（" in sheet and "- **上次触达：** " in sheet
    assert "跟进节奏" in sheet and "**销售模式：** " in sheet
    ours = sheet.split("## 我的备注")[0]  # the notes after it are the CSM's own words
    assert "## 干系人" in ours
    for english in ("Key facts", "Last touch", "cadence", "ARR band", "Stakeholders"):
        assert english not in ours, english


def test_a_result_line_in_zh_and_its_json_message_in_english(demo_db, capsys):
    import json

    from csm_tui.cli.main import main
    from tests.cli.test_run_command import strategic_name

    name = strategic_name(demo_db)
    args = ["--lang", "zh", "--db", str(demo_db), "--now", "2026-11-22T09:00:00+00:00", "run"]
    line = f'log call "{name}" --summary "谈了续约" --dry-run'
    assert main([*args, line]) == 0
    out = capsys.readouterr()
    assert f"已为 {name} 记录电话 · 健康分 " in out.out
    assert out.out.rstrip().endswith("— 试运行：没有保存任何内容")
    assert main([*args, "--format", "json", line]) == 0
    message = json.loads(capsys.readouterr().out)["message"]
    assert message.startswith(f"Logged call on {name}") and message.endswith("nothing saved")
    assert main([*args, "filter tier:strategic --limit 2"]) == 0
    assert "显示 6 个客户中的 2 个" in capsys.readouterr().out


def test_maturity_evidence_and_checklist_titles_in_zh(zh):
    from csm_tui.domain.coverage import MaturityInputs, estimate_maturity
    from csm_tui.domain.lifecycle import Stage, checklist_template
    from csm_tui.domain.tiers import Tier
    from csm_tui.i18n import _

    estimate = estimate_maturity(MaturityInputs(proactive_touches=6, reactive_touches=4))
    shown = [c.shown() for c in estimate.checks]
    assert "最近 90 天的触达中 60% 为主动服务(10 次中 6 次;其余为升级处理) — 需要 ≥ 50%" in shown
    assert estimate.checks[1].sentence.startswith("60% of touches in the last 90 days")
    assert estimate.evidence_words[1].render().startswith("✓ 部分主动：")
    titles = [_(item.label) for item in checklist_template(Stage.ONBOARDING, Tier.STRATEGIC)]
    assert "已召开启动会" in titles


def test_a_filter_takes_tiers_stages_and_motions_as_either_language_shows_them():
    """The zh table shows 战略 and 交付; `tier:战略` was refused as no tier. What the app
    shows is what a CSM types, whatever the interface language is now."""
    from csm_tui.domain.lifecycle import Stage
    from csm_tui.domain.motion import SalesMotion
    from csm_tui.domain.tiers import Tier

    for language in ("en", "zh"):
        set_language(language)
        flt = parse_filter("tier:战略,Self-Serve stage:交付")
        assert set(flt.tiers) == {Tier.STRATEGIC, Tier.SELF_SERVE}
        assert set(flt.stages) == {Stage.ONBOARDING}
        assert Stage.parse("Renewal & Expansion") is Stage.RENEWAL
        zh_motion = _catalog_words(SalesMotion.SHORT_DIRECT.label)
        assert SalesMotion.parse(zh_motion) is SalesMotion.SHORT_DIRECT
    set_language("en")


def _catalog_words(msgid: str) -> str:
    from csm_tui.i18n import in_every_language

    said = in_every_language(msgid)
    assert len(said) == 2, said  # English and Chinese differ
    return said[1]
