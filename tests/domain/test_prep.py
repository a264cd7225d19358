"""The call-prep sheet: book text shows as itself in any Markdown viewer, never as markup."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from csm_tui.domain.health import Band
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.prep import (
    PREP_NOTE_MAX_CHARS,
    PrepActivity,
    PrepBrief,
    PrepChecklistItem,
    PrepContact,
    PrepNoteTooLong,
    PrepTask,
    PrepWeakness,
    check_prep_note,
    md_block,
    md_heading,
    md_inline,
    render_prep_markdown,
)
from csm_tui.domain.records import ContactRole
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier

# CommonMark plus the GitHub extensions a viewer is likely to have on.
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TODAY = date(2026, 11, 22)

NASTY = [
    "[bold red]Redline[/] Media Ltd",
    "Cleanscreen\x1b[2J Systems GmbH",
    "# not a heading",
    "> not a quote",
    "- not a list",
    "1986. A good year",
    "2) second",
    "*emphasis* and __strong__ and `code`",
    "<script>alert(1)</script>",
    "[a link](http://example.com) ![img](x.png)",
    "R&D &amp; &#169; entities",
    "a | table | row",
    "~~struck~~",
    "back\\slash\\",
    "trailing ###",
    "上海云图科技有限公司 🚀",
    "===",
    "    four spaces",
    "+ plus",
]


def inline_text(tokens) -> str:
    """The text a viewer shows for a parsed document that must hold only plain paragraphs
    (in one bullet list item, or a heading); markup of any other kind fails the test."""
    allowed_blocks = {
        "bullet_list_open",
        "bullet_list_close",
        "list_item_open",
        "list_item_close",
        "paragraph_open",
        "paragraph_close",
        "inline",
        "heading_open",
        "heading_close",
    }
    out, paragraphs = [], []
    for token in tokens:
        assert token.type in allowed_blocks, token.type
        if token.type == "inline":
            for child in token.children or []:
                assert child.type in ("text", "softbreak", "hardbreak"), child.type
                out.append(child.content if child.type == "text" else "\n")
            paragraphs.append("".join(out))
            out = []
    return "\n\n".join(paragraphs)


def one_item(source: str) -> str:
    tokens = MD.parse(source)
    assert [t.type for t in tokens].count("list_item_open") == 1, source
    return inline_text(tokens)


@pytest.mark.parametrize("text", NASTY)
def test_book_text_in_a_list_item_shows_as_itself(text):
    assert one_item("- " + md_inline(text)).rstrip() == safe_text(text).rstrip()


@pytest.mark.parametrize("text", NASTY)
def test_book_text_in_a_heading_shows_as_itself(text):
    tokens = MD.parse("# Call prep: " + md_heading(text))
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert inline_text(tokens) == "Call prep: " + safe_text(text).rstrip()


def test_escapes_are_visible_and_chinese_is_untouched():
    assert md_inline("Cleanscreen\x1b[2J") == "Cleanscreen\\\\x1b\\[2J"
    assert md_inline("上海云图科技 🚀") == "上海云图科技 🚀"
    assert md_inline("[bold]x[/]") == "\\[bold\\]x\\[/\\]"
    assert md_inline("Ann Lee, ticket 12") == "Ann Lee, ticket 12"


one_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    max_size=40,
)


def normalise(text: str) -> str:
    """What Markdown may change and a reader cannot see: spaces at line ends, how many
    blank lines separate paragraphs, blank lines at either end."""
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


@settings(max_examples=300)
@given(one_line.filter(lambda s: s.strip(" ")))
def test_any_one_line_text_shows_as_itself(text):
    assert one_item("- " + md_inline(text)).rstrip() == safe_text(text).rstrip()


@settings(max_examples=300)
@given(st.lists(one_line, min_size=1, max_size=5).map("\n".join).filter(lambda s: s.strip()))
def test_any_multi_line_text_shows_as_itself_line_by_line(text):
    shown = one_item("- " + md_block(text))
    expected = normalise(safe_text(text, multiline=True)).lstrip("\n")
    assert normalise(shown) == expected


def brief(**changes) -> PrepBrief:
    base = dict(
        account_id="a1",
        name="[bold red]Redline[/] Media 上海",
        tier=Tier.STRATEGIC,
        tier_why="ARR band → Strategic",
        stage=Stage.ADOPTION,
        sales_motion="long-cycle direct",
        segment="EMEA",
        industry="Media",
        seats=120,
        arr=120_000.0,
        currency="USD",
        arr_usd=120_000.0,
        owner_name="Sarah Miller",
        go_live_date=date(2025, 3, 1),
        activated_on=date(2025, 3, 20),
        renewal_date=date(2027, 1, 14),
        last_touch_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        touch_why="Strategic · last touch 19 days ago, cadence 14",
        touch_overdue=True,
        activation_why="",
        health_score=58,
        health_band=Band.YELLOW,
        health_score_30d=72,
        weakest=(
            PrepWeakness(
                "Product usage",
                12,
                30,
                "login 40%, leads 5.0/user/wk",
                "short-cycle direct standard: login 80%, 25/user/wk",
            ),
            PrepWeakness("Engagement", 10, 20, "last touch 19 days ago", "every 14 days"),
        ),
        nps=-20,
        nps_measured_on=date(2026, 10, 3),
        stakeholders=(
            PrepContact("王伟", "总经理", ContactRole.SPONSOR, "wei@例子.中国", ""),
            PrepContact("[i]Ivy[/i] Chen", "Ops", ContactRole.CHAMPION, "", "+44 20 7946 0001"),
        ),
        open_checklist=(
            PrepChecklistItem("QBR held", True),
            PrepChecklistItem("NPS collected", False),
        ),
        open_tasks=(PrepTask("Send pricing deck", date(2026, 11, 19), None, "Sarah Miller"),),
        recent_activities=(
            PrepActivity(
                datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                "call",
                30,
                "通话：续约时间表\n# not a heading\n- not a list",
                "Send deck by Fri",
                "negative",
                "Sarah Miller",
                ("王伟",),
            ),
            PrepActivity(
                datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
                "note",
                0,
                "Private note",
                "",
                "neutral",
                None,
            ),
        ),
    )
    base.update(changes)
    return PrepBrief(**base)


def headings(markdown: str) -> list[str]:
    tokens = MD.parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def test_the_sheet_has_its_sections_in_order():
    sheet = render_prep_markdown(brief(), "", TODAY)
    assert headings(sheet) == [
        "Call prep: \\[bold red\\]Redline\\[/\\] Media 上海",
        "Key facts",
        "Health",
        "Stakeholders",
        "Open checklist items (Adoption)",
        "Open tasks",
        "Last 5 activities",
        "My notes",
    ]
    first = MD.parse(sheet)[1]
    assert inline_text([first]) == "Call prep: [bold red]Redline[/] Media 上海"


def test_the_sheet_says_the_facts_in_words():
    sheet = render_prep_markdown(brief(), "", TODAY)
    for line in (
        "- **Renewal:** 2027-01-14 — 53 days to go",
        "- **ARR:** $120,000",
        "**58 / 100 — yellow** (72 30 days ago, -14)",
        "- **Product usage:** 12/30 points — login 40%, leads 5.0/user/wk "
        "(vs short-cycle direct standard: login 80%, 25/user/wk)",
        "- **Sponsor:** 王伟 — 总经理 (wei@例子.中国)",
        "- **Champion:** \\[i\\]Ivy\\[/i\\] Chen — Ops (+44 20 7946 0001)",
        "- [ ] QBR held **(required)**",
        "- [ ] NPS collected",
        "- [ ] Send pricing deck — due 2026-11-19 (3 days late) · Sarah Miller",
        "- **2026-11-20 · Call** · 30 min · negative · by Sarah Miller · with 王伟",
        "  通话：续约时间表",
        "  \\# not a heading",
        "  \\- not a list",
        "  _Next steps:_ Send deck by Fri",
        "- **Last NPS:** -20 (response of 2026-10-03)",
        "- **Last touch:** 2026-11-03 (Strategic · last touch 19 days ago, cadence 14) — "
        "**overdue**",
        "_No notes yet._",
    ):
        assert line in sheet.splitlines(), line


def test_renewal_countdown_words():
    def line(renewal):
        sheet = render_prep_markdown(brief(renewal_date=renewal), "", TODAY)
        return next(x for x in sheet.splitlines() if x.startswith("- **Renewal:**"))

    assert line(date(2026, 11, 22)) == "- **Renewal:** 2026-11-22 — today"
    assert line(date(2026, 11, 23)) == "- **Renewal:** 2026-11-23 — 1 day to go"
    assert line(date(2026, 11, 17)) == "- **Renewal:** 2026-11-17 — 5 days overdue"
    assert line(None) == "- **Renewal:** no renewal date"


def test_cny_accounts_show_both_amounts():
    sheet = render_prep_markdown(
        brief(arr=860_000.0, currency="CNY", arr_usd=119_444.44), "", TODAY
    )
    assert "- **ARR:** ¥860,000 (≈ $119,444)" in sheet.splitlines()


def test_the_csms_notes_are_written_as_typed_with_escapes_visible():
    notes = "## Ask about\n- [bold]续约[/bold] 价格\n- seats: 40\x1b[2J\n"
    sheet = render_prep_markdown(brief(), notes, TODAY)
    assert sheet.endswith(
        "## My notes\n\n## Ask about\n- [bold]续约[/bold] 价格\n- seats: 40\\x1b[2J\n"
    )
    assert "\x1b" not in sheet


def test_empty_sections_say_so():
    sheet = render_prep_markdown(
        brief(
            stakeholders=(),
            open_checklist=(),
            open_tasks=(),
            recent_activities=(),
            health_score=None,
            health_band=None,
            weakest=(),
            nps=None,
        ),
        "",
        TODAY,
    )
    for line in (
        "_No stakeholders recorded._",
        "_Nothing open._",
        "_No open tasks._",
        "_No activities yet._",
        "No health score yet (no signals in the cache).",
        "- **Last NPS:** none recorded",
    ):
        assert line in sheet.splitlines(), line


def test_a_note_over_the_limit_is_refused_with_its_size():
    check_prep_note("x" * PREP_NOTE_MAX_CHARS)
    check_prep_note("x" * 1_048_576)  # a 1 MB note is fine
    too_long = PREP_NOTE_MAX_CHARS + 1
    with pytest.raises(
        PrepNoteTooLong, match=f"{PREP_NOTE_MAX_CHARS:,} characters; this one has {too_long:,}"
    ):
        check_prep_note("x" * too_long)


def test_not_activated_takes_the_place_of_the_missing_date():
    """No activation date and a reason to worry: the reason where the date would be,
    not "**Activated:** — — **not activated …**"."""
    sheet = render_prep_markdown(
        brief(activated_on=None, activation_why="not activated 75 days after go-live"), "", TODAY
    )
    line = next(x for x in sheet.splitlines() if x.startswith("- **Go-live:**"))
    assert line == (
        "- **Go-live:** 2025-03-01 · **Activated:** **not activated 75 days after go-live**"
    ), line
