"""Safe display: untrusted names and notes are shown as text, never executed."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.text import NEWLINE_MARK, is_safe, safe_text

BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def is_displayable(s: str, multiline: bool) -> bool:
    """No character left that a terminal would act on instead of print."""
    allowed = {"\n", "\t"} if multiline else set()
    for ch in s:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS:
            return False
        if ch in "\u2028\u2029":
            return False
    return True


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", r"\x1b[2J"),
        ("Acme\x1b]0;pwned\x07 Ltd", r"Acme\x1b]0;pwned\x07 Ltd"),
        ("\x1b]0;title\x07", r"\x1b]0;title\x07"),
        ("\x9b2J", r"\x9b2J"),  # C1 CSI, 8-bit form of ESC [
        ("bell\x07", r"bell\x07"),
        ("nul\x00", r"nul\x00"),
        ("del\x7f", r"del\x7f"),
        ("\x1b[31mred\x1b[0m", r"\x1b[31mred\x1b[0m"),
        ("evil\u202eexe.txt", r"evil\u202eexe.txt"),
        ("\u2066isolate\u2069", r"\u2066isolate\u2069"),
        ("bad\udc80decode", r"bad\udc80decode"),
    ],
)
def test_control_sequences_are_shown_literally(raw: str, shown: str, multiline: bool) -> None:
    assert safe_text(raw, multiline=multiline) == shown


def test_clear_screen_shows_as_its_visible_escape() -> None:
    shown = safe_text("\x1b[2J")
    assert shown == "\\x1b[2J"
    assert len(shown) == 7
    assert "\x1b" not in shown


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize(
    "text",
    [
        "[bold red]x[/]",
        "[link=https://evil.example]click[/link]",
        "Acme Ltd",
        "阿里巴巴集团",
        "株式会社ソニー",
        "삼성전자",
        "Café Zürich",
        "cafe\u0301",  # combining accent
        "\U0001f469\u200d\U0001f469\u200d\U0001f467 family",  # ZWJ sequence
        "\u2764\ufe0f \U0001f1e8\U0001f1f3",  # VS16, flag
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tags
        "שלום\u200f עולם",  # RLM stays: RTL text needs it
        "C:\\path\\x1b is only a backslash",
        "",
    ],
)
def test_ordinary_text_is_never_altered(text: str, multiline: bool) -> None:
    assert safe_text(text, multiline=multiline) == text
    assert is_safe(text, multiline=multiline)


def test_single_line_shows_each_line_break_as_one_mark() -> None:
    assert NEWLINE_MARK == "⏎"
    assert safe_text("line one\nline two") == "line one⏎line two"
    assert safe_text("windows\r\nline") == "windows⏎line"
    assert safe_text("old mac\rline") == "old mac⏎line"
    assert safe_text("a\u2028b\u2029c") == "a⏎b⏎c"
    assert safe_text("col\tcol") == r"col\tcol"


def test_multiline_keeps_newlines_and_tabs() -> None:
    note = "Agenda:\n\t1. renewal\r\n\t2. \x1b[2Jexpansion\rend\u2028."
    assert safe_text(note, multiline=True) == (
        "Agenda:\n\t1. renewal\n\t2. \\x1b[2Jexpansion\nend\n."
    )


safe_alphabet = st.characters(
    blacklist_categories=("Cc", "Cs"), blacklist_characters=[*BIDI_CONTROLS, "\u2028", "\u2029"]
)


@settings(max_examples=200)
@given(st.text(safe_alphabet))
def test_text_without_controls_passes_unchanged(text: str) -> None:
    assert safe_text(text) == text
    assert safe_text(text, multiline=True) == text


@settings(max_examples=100)
@given(st.text(), st.booleans())
def test_output_is_always_displayable(text: str, multiline: bool) -> None:
    shown = safe_text(text, multiline=multiline)
    assert is_displayable(shown, multiline)
    shown.encode("utf-8")  # no lone surrogate left to crash the terminal
    assert is_safe(shown, multiline=multiline)
    assert safe_text(shown, multiline=multiline) == shown
    assert is_safe(text, multiline=multiline) == (shown == text)


# --- cost: linear, a 10 MB note in well under a second -----------------------------------

TEN_MB = 10_000_000


@pytest.mark.parametrize(
    "unit",
    [
        "Acme Ltd [bold]renewal[/] notes ",  # plain ASCII, nothing to do
        "阿里巴巴集团 续约 🎉 ",  # CJK and emoji, nothing to do
        "阿里巴巴\x1b[2J续约\n",  # CJK with escapes and newlines
        "\x1b",  # nothing but ESC
        "阿\u202e",  # every other char a bidi override
    ],
)
def test_ten_megabytes_are_shown_whole_with_every_escape_visible(unit: str) -> None:
    """A 10 MB note is shown whole (its speed is a budget: python bench/safe_text.py)."""
    text = unit * (TEN_MB // len(unit))
    shown = safe_text(text)
    assert len(shown) >= len(text)
    if "\x1b" in unit:
        assert shown.count("\\x1b") == text.count("\x1b")
