"""Text cut to a table cell: at a word, by display width, with an ellipsis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from csm_tui.domain.fit import ELLIPSIS, cell_width, fit


def test_text_that_fits_is_left_alone():
    assert fit("Renewal in 39 days (ARR $172k)", 30, cell_len) == "Renewal in 39 days (ARR $172k)"


def test_a_long_reason_ends_at_a_whole_word_with_an_ellipsis():
    why = "Not activated 75 days after go-live (only 30–40% still do)"
    assert fit(why, 40, cell_len) == "Not activated 75 days after go-live…"


def test_separators_are_not_left_dangling_before_the_ellipsis():
    assert fit("Strategic · last touch 25 days ago", 14, cell_len) == "Strategic…"
    assert fit("Task late 3 days: Schedule the next QBR", 20, cell_len) == "Task late 3 days…"


def test_one_long_word_is_cut_at_a_character_rather_than_lost():
    assert fit("Supercalifragilisticexpialidocious Ltd", 10, cell_len) == "Supercali…"


def test_chinese_names_are_measured_in_cells_and_cut_between_characters():
    name = "郑州嘉通汽车有限公司"
    assert fit(name, 20, cell_len) == name
    assert fit(name, 15, cell_len) == "郑州嘉通汽车有…"  # 14 cells + the ellipsis
    assert fit(name, 16, cell_len) == "郑州嘉通汽车有…"  # never half a character
    assert cell_len(fit(name, 16, cell_len)) == 15


def test_accents_stay_with_their_letter():
    text = "Cafe\u0301 Cafe\u0301 Cafe\u0301"
    assert fit(text, 7, cell_len) == "Cafe\u0301…"


def test_tiny_cells():
    assert fit("Acme", 0, cell_len) == ""
    assert fit("Acme", 1, cell_len) == ELLIPSIS
    assert fit("郑州", 1, cell_len) == ELLIPSIS


def test_the_default_measure_counts_cjk_twice():
    assert cell_width("郑州 Acme") == 9
    assert cell_width("e\u0301") == 1


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abc XYZ-/·:,")),
        st.sampled_from(list("郑州嘉通汽车有限公司　")),
        st.sampled_from(["\u0301", "\u200d", "\ufe0f", "é", "😀", "…"]),
    ),
    max_size=40,
)


@given(text=TEXT, width=st.integers(min_value=0, max_value=45))
def test_the_cut_never_exceeds_the_width_nor_splits_a_character(text, width):
    for measure, at_word in [(m, w) for m in (cell_len, cell_width) for w in (True, False)]:
        out = fit(text, width, measure, at_word=at_word)
        assert measure(out) <= max(0, width)
        if out == text:
            continue
        assert out.endswith(ELLIPSIS) or out == ""
        head = out[: -len(ELLIPSIS)] if out else ""
        assert text.startswith(head)  # whole characters of the text, in order
        rest = text[len(head) :]
        assert not rest or measure(rest[0]) != 0 or not head  # no mark cut from its letter


def test_a_name_can_be_cut_at_any_character_to_keep_more_of_it():
    name = "Eaglecrest Connect GmbH"
    assert fit(name, 18, cell_len) == "Eaglecrest…"
    assert fit(name, 18, cell_len, at_word=False) == "Eaglecrest Connec…"
    assert fit("郑州嘉通汽车有限公司", 16, cell_len, at_word=False) == "郑州嘉通汽车有…"
