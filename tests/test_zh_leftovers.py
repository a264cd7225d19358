"""What the store refuses, argparse's own words and the words with two senses, in Simplified
Chinese (issue 10's leftovers). A refusal carries a `Message`: the user reads it in the
interface language, `--format json` and logs keep the English."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from csm_tui.i18n import NC_, Message, _, pgettext, set_language

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def zh():
    set_language("zh")
    yield
    set_language("en")


def _account_id(conn) -> str:
    return conn.execute("SELECT id FROM accounts WHERE deleted_at IS NULL LIMIT 1").fetchone()[0]


def _me(conn) -> str:
    return conn.execute("SELECT id FROM users LIMIT 1").fetchone()[0]


# -- store refusals ----------------------------------------------------------------------------


def test_a_task_refusal_is_said_in_zh_and_kept_in_english_for_scripts(workspace, zh):
    from csm_tui.store.tasks import TaskError, add_task

    conn = workspace.conn
    with pytest.raises(TaskError) as caught:
        add_task(conn, _account_id(conn), "   ", None, _me(conn), NOW)
    assert str(caught.value) == "任务需要一个标题"
    assert caught.value.message == "任务需要一个标题"
    assert caught.value.english() == "a task needs a title"
    with pytest.raises(TaskError) as caught:
        add_task(conn, _account_id(conn), "Call back", date(2200, 1, 1), _me(conn), NOW)
    assert str(caught.value) == "2200-01-01 不在 2000–2100 之间"


def test_a_task_refusal_stays_english_in_en(workspace):
    from csm_tui.store.tasks import TaskError, add_task

    conn = workspace.conn
    with pytest.raises(TaskError, match="a task needs a title"):
        add_task(conn, _account_id(conn), "", None, _me(conn), NOW)


def test_an_account_nobody_has_is_said_in_zh_with_names_as_data(workspace, zh):
    from csm_tui.store.lookup import NotFound, find_account, find_user

    with pytest.raises(NotFound) as caught:
        find_account(workspace.conn, "Zzqx Nowhere Ltd")
    assert str(caught.value) == "没有名为“Zzqx Nowhere Ltd”的客户（也不是某个 id 或名称的开头）"
    with pytest.raises(NotFound) as caught:
        find_user(workspace.conn, "Nobody Atall")
    assert str(caught.value) == "没有用户“Nobody Atall”"
    assert caught.value.english() == 'no user "Nobody Atall"'


def test_an_ambiguous_account_lists_the_candidates_under_chinese_words(workspace, zh):
    from csm_tui.store.lookup import Ambiguous, find_account

    with pytest.raises(Ambiguous) as caught:
        find_account(workspace.conn, "a")
    shown = str(caught.value)
    assert shown.startswith("“a”对应")
    assert "请指明是哪一个（更长的名称或 id）" in shown
    assert "…… 还有" in shown  # more than the eight listed
    first, last = shown.splitlines()[0], shown.splitlines()[-1]
    assert "names" not in first and "more" not in last  # names and ids between are data


def test_rates_contacts_and_reassignment_refusals_in_zh(workspace, zh):
    from csm_tui.domain.contacts import validate_contact
    from csm_tui.store.ownership import reassign_refusal
    from csm_tui.store.rates import RateError, parse_rates_csv, set_rate

    with pytest.raises(RateError) as caught:
        set_rate(workspace.conn, date(2026, 1, 1), 7.1, "USD")
    assert str(caught.value) == "USD 是基准货币：它的汇率总是 1"
    with pytest.raises(RateError) as caught:
        parse_rates_csv("2026-01-01,EUR,7.0\n")
    assert str(caught.value) == "第 1 行：不支持的货币 'EUR'；请用 USD 或 CNY"
    (error,) = validate_contact("Ann", email="not-an-address")
    assert error.message == "'not-an-address' 看起来不像邮箱地址（name@example.com）"
    assert error.english.startswith("'not-an-address' does not look like an email address")
    (error,) = validate_contact("Ann", title="x" * 201)
    assert error.message == "职位有 201 个字符；最多 200 个"
    from csm_tui.domain.records import Role

    why = reassign_refusal(Role.CSM, "u1", "t1", "u1", "t1", "t1")
    assert why is not None and why.render() == "只有主管或管理员可以重新分配客户"


def test_the_shell_says_a_store_refusal_in_zh_and_json_keeps_english(demo_db, capsys):
    from csm_tui.cli.main import main

    code = main(["--lang", "zh", "--db", str(demo_db), "run", 'open "Zzqx Nowhere Ltd"'])
    err = capsys.readouterr().err
    assert code != 0
    assert "没有名为“Zzqx Nowhere Ltd”的客户" in err and "no account" not in err
    set_language("en")
    code = main(
        ["--lang", "zh", "--db", str(demo_db), "run", "--format", "json", 'open "Zzqx Nowhere"']
    )
    report = json.loads(capsys.readouterr().out)
    assert report["error"].startswith('no account named "Zzqx Nowhere"')


# -- argparse's own words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "--bogus"], "无法识别的参数：--bogus"),
        (["--start", "nowhere"], "无效的选择：'nowhere'（可选：'today', 'portfolio'）"),
        (["rates", "set"], "缺少以下必需参数"),
    ],
)
def test_argparse_says_its_refusals_in_zh(argv, words, capsys):
    from csm_tui.cli.main import main

    with pytest.raises(SystemExit) as caught:
        main(["--lang", "zh", *argv])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert words in err
    assert "用法：" in err or "用法:" in err
    assert "error:" not in err and "usage:" not in err and "unrecognized" not in err


def test_argparse_help_is_in_zh(capsys):
    from csm_tui.cli.main import main

    with pytest.raises(SystemExit):
        main(["--lang", "zh", "run", "--help"])
    out = capsys.readouterr().out
    assert "显示此帮助信息并退出" in out or "帮助" in out
    assert "show this help message" not in out and "options:" not in out


def test_argparse_stays_english_in_en(capsys):
    from csm_tui.cli.main import main

    with pytest.raises(SystemExit):
        main(["--lang", "en", "run", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


# -- words with two senses ----------------------------------------------------------------------


def test_email_and_note_have_one_entry_per_sense(zh):
    from csm_tui.domain.records import ActivityKind

    assert _(ActivityKind.EMAIL.label) == "邮件"  # the activity type
    assert pgettext("contact field", "Email") == "邮箱"  # a contact's address
    assert _(ActivityKind.NOTE.label) == "笔记"
    assert _(NC_("remark", "Note")) == "备注"
    assert Message.of(ActivityKind.EMAIL.label).render() == "邮件"
    assert _(NC_("app user", "user")) == "用户" and _(NC_("contact role", "user")) == "使用者"
    set_language("en")
    assert _(ActivityKind.EMAIL.label) == "Email" == pgettext("contact field", "Email")
    assert ActivityKind.EMAIL.label == "Email"  # still the plain English word for code


# -- coverage words ------------------------------------------------------------------------------


def test_run_coverage_in_zh_says_the_cadence_verdicts_and_the_pool_in_chinese(demo_db, capsys):
    from csm_tui.cli.main import main

    code = main(["--lang", "zh", "--db", str(demo_db), "run", "coverage"])
    out = capsys.readouterr().out
    assert code == 0
    assert "可保持（每天 ≤ 3 次触达）" in out
    assert "数字化客户池" in out
    assert "kept" not in out and "Digital pool" not in out
    code = main(["--lang", "zh", "--db", str(demo_db), "run", "--format", "json", "coverage"])
    report = json.loads(capsys.readouterr().out)
    rows = report["rows"]
    assert any(r["owner"] == "Digital pool (no owner)" for r in rows)  # JSON keeps English
    assert {r["capacity"] for r in rows} <= {"none", "within", "stretched", "cannot_keep"}


def test_the_reporting_note_is_said_in_zh(zh):
    from csm_tui.domain.money import Reporting

    note = Reporting("CNY", 7.1, date(2026, 1, 1), mixed=True).note
    assert note is not None
    assert note.render() == (
        "按 1 美元 = 7.1 元人民币（2026-01-01 起的汇率）；"
        "人民币汇率在此期间有变动：每笔 ARR 变动按其当天的汇率折算"
    )
    assert note.english().startswith("at 7.1 CNY per USD, rates of 2026-01-01; the CNY rate")
    assert Reporting("CNY", 7.1).money(2_890_000 / 7.1) == "¥289万"


# -- the Health tab --------------------------------------------------------------------------------


def test_the_health_tab_says_todays_values_sources_and_targets_in_zh(workspace, zh):
    from csm_tui.store.accounts import health_of, load_account_facts
    from csm_tui.store.health_history import what_changed
    from csm_tui.ui.widgets.account_panes import source_words

    conn = workspace.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM accounts WHERE deleted_at IS NULL")]
    changes = next(
        c for c in (what_changed(conn, i, workspace.today(), now=workspace.now()) for i in ids) if c
    )
    shown = [c.raw_shown() for c in changes]
    assert all(s == c.raw_now for s, c in zip(shown, changes, strict=True)) is False
    engagement = next(c for c in changes if c.component.value == "engagement")
    assert "天前" in engagement.raw_shown() or "从未触达" in engagement.raw_shown()
    assert "ago" in engagement.raw_now or "never" in engagement.raw_now  # English kept beside
    facts = load_account_facts(conn, ids[0], workspace.now(), workspace.settings.tier_rules)
    health = health_of(facts)
    assert health is not None
    by_component = {c.component.value: c for c in health.components}
    assert source_words(by_component["engagement"]).startswith("活动记录")
    support = by_component["support"]
    response = next(m for m in support.measures if m.name == "response time")
    assert response.shown()[2] == "≤ 4 小时"


def test_the_prep_sheet_says_the_health_band_in_zh(zh):
    from csm_tui.domain.prep import render_prep_markdown
    from tests.domain.test_prep import brief as make_brief

    brief = make_brief()
    assert brief.health_band is not None
    sheet = render_prep_markdown(brief, "", date(2026, 11, 22))
    word = {"red": "红", "yellow": "黄", "green": "绿"}[brief.health_band.value]
    assert f" / 100 — {word}" in sheet
    english = render_prep_markdown(brief, "", date(2026, 11, 22), say=Message.english)
    assert f" / 100 — {brief.health_band.value}" in english
