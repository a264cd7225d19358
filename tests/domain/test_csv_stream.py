"""`iter_csv_data` reads a file's bytes as `iter_csv` reads its decoded text: same
delimiter, headers, rows, line numbers and refusals — without holding the text; and
`iter_csv_blocks` reads them in blocks as `iter_csv_data` does row by row."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain import signal_mapping
from csm_tui.domain.csv_file import CsvFormatError, decode_csv
from csm_tui.domain.signal_mapping import iter_csv, iter_csv_blocks, iter_csv_data

EXPECTED = ("Week", "Account", "Users")


def _read(call: Any, source: Any) -> tuple[Any, ...]:
    try:
        delimiter, headers, line, rows = call(source, None, EXPECTED)
        return ("ok", delimiter, headers, line, list(rows))
    except CsvFormatError as exc:
        return ("refused", exc.line, exc.message)


def _as_text(data: bytes) -> tuple[Any, ...]:
    try:
        text = decode_csv(data)
    except CsvFormatError as exc:
        return ("refused", exc.line, exc.message)
    return _read(iter_csv, text)


@pytest.mark.parametrize(
    "data",
    [
        b"Week,Account,Users\n2026-11-16,Acme,3\n2026-11-16,Beta,4\n",
        b"\xef\xbb\xbfWeek,Account,Users\r\n2026-11-16,Acme,3\r\n",
        b"sep=;\nWeek;Account;Users\n2026-11-16;Acme;3\n",
        b"\xef\xbb\xbfsep=;\r\nWeek;Account;Users\r\n2026-11-16;Acme;3\r\n",
        "Week,Account,Users\n2026-11-16,北京星辰,3\n".encode(),
        "Week,Account,Users\n2026-11-16,北京,3\n".encode("utf-16"),
        b'Week,Account,Users\n2026-11-16,"Acme,\nInc",3\n2026-11-16,Beta,4,9\n\n,,\n',
        b"Week\tAccount\tUsers\r2026-11-16\tAcme\t3\r",
        "Week,Account,Users\n2026-11-16,北京,3\n".encode("gb18030"),
        b"Week,Account,Users\n2026-11-16,Ac\x00me,3\n",
        b'Week,Account,Users\n2026-11-16,"Acme,3\n2026-11-16,Beta,4\n',
        b"",
        b"\n\n",
    ],
)
def test_bytes_read_as_their_text(data: bytes) -> None:
    assert _read(iter_csv_data, data) == _as_text(data)
    assert _in_blocks(data) == _read(iter_csv_data, data)


def _in_blocks(data: bytes) -> tuple[Any, ...]:
    """`iter_csv_blocks`'s rows one after another, as `_read` gives them; each block's
    columns, when it has them, are its rows' cells."""
    try:
        delimiter, headers, line, blocks = iter_csv_blocks(data, None, EXPECTED)
        rows: list[Any] = []
        for block in blocks:
            if block.columns is not None:
                assert [list(cells) for cells in zip(*block.columns, strict=True)] == [
                    cells for _, cells in block.rows
                ]
            assert [number for number, _ in block.rows] == list(block.lines)
            rows += block.rows
        return ("ok", delimiter, headers, line, rows)
    except CsvFormatError as exc:
        return ("refused", exc.line, exc.message)


def test_a_long_file_reads_the_same_in_blocks_split_or_not(monkeypatch) -> None:
    # Blocks of a thousand rows over pieces of a few bytes: rows cut across pieces, a
    # row of the wrong width, blank lines, Windows line ends, a quote-free file split.
    monkeypatch.setattr(signal_mapping, "_CHUNK_BYTES", 50)
    body = [f"2026-11-{i % 28 + 1:02d},Acme {i},{i}" for i in range(2_500)]
    body[1_500] = "2026-11-16,Acme,3,4"
    body[1_700] = ""
    body[1_701] = " , , "
    for data in (
        ("Week,Account,Users\n" + "\n".join(body) + "\n").encode(),
        ("Week,Account,Users\r\n" + "\r\n".join(body)).encode(),
        ("\ufeffsep=;\n\nWeek;Account;Users\n" + "\n".join(body).replace(",", ";")).encode(),
    ):
        assert _in_blocks(data) == _read(iter_csv_data, data)
    _, _, _, blocks = iter_csv_blocks(("Week,Account,Users\n" + "\n".join(body)).encode())
    assert [(len(b), b.columns is not None) for b in blocks] == [
        (1_000, True),
        (999, False),
        (500, True),  # the empty line is no row
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "sep=;\n", "sep=\t\r\n", "sep=；\n", "sep=\r\n", "sep=;\r"]),
    st.text(alphabet=',;；\t"\n\r aA1北\u2028', max_size=60),
    st.booleans(),
)
def test_any_text_reads_the_same_from_its_bytes(hint: str, text: str, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + (hint + text).encode()
    assert _read(iter_csv_data, data) == _as_text(data)
    assert _in_blocks(data) == _read(iter_csv_data, data)
