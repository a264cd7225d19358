"""One lexer for the command language: a quoted string reads the same in a filter and in a
verb, and whatever `quote` writes reads back as itself in both."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.language.filters import QueryError, fold, parse_filter
from csm_tui.domain.language.lexer import quote, read_quoted, split_words
from csm_tui.domain.language.verb_types import CommandError, OpenCommand
from csm_tui.domain.language.verbs import parse_command


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (r'"Acme \"North\""', 'Acme "North"'),
        (r'"C:\\temp"', "C:\\temp"),
        (r'"C:\temp"', "C:\temp"),  # \t is a tab in both grammars
        (r'"two\nlines"', "two\nlines"),
        (r'"a\qb"', "a\\qb"),  # any other backslash is itself
        (r'"ends with \\"', "ends with \\"),
    ],
)
def test_a_quoted_string_reads_the_same_in_a_filter_and_in_a_verb(typed, meant):
    assert parse_filter(typed).words == (fold(meant),)
    assert parse_filter(f"owner:{typed}").owners == frozenset({fold(meant)})
    assert parse_command(f"open {typed}").account == meant
    assert parse_command(f"filter {typed}").filter.words == (fold(meant),)
    assert parse_command(f"log call acme --summary {typed}").summary == meant


def test_an_open_quote_is_the_same_error_in_both_grammars_each_with_its_own_class():
    with pytest.raises(QueryError) as in_filter:
        parse_filter('tier:strategic "acme')
    with pytest.raises(CommandError) as in_verb:
        parse_command('open "acme')
    assert in_filter.value.position == 20
    assert in_verb.value.position == 10
    assert 'a closing " for the quote opened at column 16' in in_filter.value.message
    assert 'a closing " for the quote opened at column 6' in in_verb.value.message


def test_words_keep_their_positions_for_the_caret():
    words = split_words('log  call "Acme Ltd" --minutes=30')
    assert [(w.start, w.end, w.value) for w in words] == [
        (0, 3, "log"),
        (5, 9, "call"),
        (10, 20, "Acme Ltd"),
        (21, 33, "--minutes=30"),
    ]
    assert words[2].quoted and not words[3].quoted and words[3].is_option


@given(st.text(max_size=40))
def test_quote_reads_back_identical_in_the_lexer_the_filter_and_the_verb(text):
    quoted = quote(text)
    assert read_quoted(quoted, 0) == (text, len(quoted))
    assert parse_filter(quoted).words == ((fold(text),) if fold(text) else ())
    if text.strip():
        assert parse_command(f"open {quoted}") == OpenCommand(account=text)
        assert parse_command(f"filter {quoted}").filter.words == (fold(text),)
