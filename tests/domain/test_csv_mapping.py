"""Column mappings, cell values and CSV reading for imports (domain.csv_mapping)."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_file import CsvFormatError, decode_csv, read_csv, sniff_delimiter
from csm_tui.domain.csv_mapping import ColumnMapping, ImportKind, MappingError, locate_columns
from csm_tui.domain.import_cells import (
    LATEST,
    CellError,
    DateOrder,
    parse_count,
    parse_date,
    parse_money,
)
from csm_tui.domain.signal_mapping import SignalKind, SignalMapping

# ----------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1200", 1200.0, None),
        ("$1,200.50", 1200.5, "USD"),
        ("US$ 1,200", 1200.0, "USD"),
        ("1,200 USD", 1200.0, "USD"),
        ("¥86,000", 86000.0, "CNY"),
        ("￥86,000", 86000.0, "CNY"),
        ("86,000元", 86000.0, "CNY"),
        ("RMB 86000", 86000.0, "CNY"),
        ("CNY86,000.00", 86000.0, "CNY"),
        ("1.2k", 1200.0, None),
        ("$12.5K", 12500.0, "USD"),
        ("3M", 3_000_000.0, None),
        ("8.6万", 86000.0, None),
        ("1.5亿", 150_000_000.0, None),
        ("1.2E+05", 120000.0, None),
        ("0", 0.0, None),
        (" 1 200 ", 1200.0, None),
        ("48000.004", 48000.0, None),
    ],
)
def test_amounts_read_as_the_export_writes_them(text, amount, currency):
    assert parse_money(text) == (amount, currency)


def test_a_decimal_comma_reads_when_the_mapping_says_so():
    assert parse_money("1.200,50", decimal=",") == (1200.5, None)
    with pytest.raises(CellError, match="decimal comma"):
        parse_money("1.200,50")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-500", "negative"),
        ("(1,200)", "negative"),
        ("€1,200", "not in USD or CNY"),
        ("1,200 EUR", "not in USD or CNY"),
        ("£900", "not in USD or CNY"),
        ("1,20", "not an amount"),
        ("12,34,567", "not an amount"),
        ("twelve", "not an amount"),
        ("$", "not an amount"),
        ("9e99", "too large"),
    ],
)
def test_amounts_that_cannot_be_trusted_are_refused(text, why):
    with pytest.raises(CellError, match=why):
        parse_money(text)


@given(st.integers(min_value=0, max_value=10**11))
def test_any_amount_written_with_grouping_reads_back(cents):
    amount = cents / 100
    assert parse_money(f"${amount:,.2f}") == (round(amount, 2), "USD")
    european = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_money(european + " RMB", decimal=",") == (round(amount, 2), "CNY")


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("1,200", 1200), ("40.0", 40)])
def test_counts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["-3", "12.5", "a dozen", "1,20"])
def test_counts_refused(text):
    with pytest.raises(CellError):
        parse_count(text)


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-03-15", None, date(2026, 3, 15)),
        ("2026-03-15T10:30:00.000Z", None, date(2026, 3, 15)),
        ("2026-03-15 10:30", None, date(2026, 3, 15)),
        ("2026/3/5", None, date(2026, 3, 5)),
        ("2026年3月15日", None, date(2026, 3, 15)),
        ("3/15/2026", None, date(2026, 3, 15)),  # only a US reading exists
        ("15/03/2026", None, date(2026, 3, 15)),  # only a European reading exists
        ("15.03.2026", None, date(2026, 3, 15)),
        ("03/03/2026", None, date(2026, 3, 3)),  # the same either way
        ("03/04/2026", DateOrder.MDY, date(2026, 3, 4)),
        ("03/04/2026", DateOrder.DMY, date(2026, 4, 3)),
        ("3/4/26", DateOrder.MDY, date(2026, 3, 4)),
        ("3/15/2026 10:30 AM", None, date(2026, 3, 15)),
        ("15 Mar 2026", None, date(2026, 3, 15)),
        ("15-Mar-26", None, date(2026, 3, 15)),
        ("Mar 15, 2026", None, date(2026, 3, 15)),
        ("March 15 2026", None, date(2026, 3, 15)),
        ("1st September 2026", None, date(2026, 9, 1)),
    ],
)
def test_dates_in_iso_us_and_eu_forms(text, order, expected):
    assert parse_date(text, order) == expected


def test_an_ambiguous_date_is_refused_with_both_readings():
    with pytest.raises(CellError) as caught:
        parse_date("01/02/2026")
    assert "1 Feb" in caught.value.message and "2 Jan" in caught.value.message
    assert "date_order" in caught.value.message


@pytest.mark.parametrize(
    ("text", "order", "why"),
    [
        ("15/03/2026", DateOrder.MDY, "no month 15"),
        ("03/15/2026", DateOrder.DMY, "no month 15"),
        ("2026-02-30", None, "day 30 does not exist"),
        ("2026-13-01", None, "no month 13"),
        ("1899-01-01", None, "outside"),
        ("next tuesday", None, "not a date"),
        ("46096", None, "not a date"),
    ],
)
def test_dates_that_do_not_exist_or_contradict_the_mapping(text, order, why):
    with pytest.raises(CellError, match=why):
        parse_date(text, order)


@given(st.dates(min_value=date(1970, 1, 1), max_value=LATEST))
def test_any_date_in_the_export_forms_reads_back(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}", DateOrder.MDY) == day
    assert parse_date(f"{day.day:02}.{day.month:02}.{day.year}", DateOrder.DMY) == day
    assert parse_date(day.strftime("%d %b %Y")) == day


# ----------------------------------------------------------------------------- mappings

MINIMAL = """
kind = "accounts"
[columns]
name = "Company"
arr = "ARR"
stage = "Stage"
currency = "Cur"
"""


def test_every_shipped_mapping_loads():
    folder = assets_dir() / "import"
    signal_kinds = {k.value for k in SignalKind}
    mappings, signal_mappings = {}, {}
    for p in folder.glob("*.toml"):
        text = p.read_text("utf-8")
        if tomllib.loads(text).get("kind") in signal_kinds:
            signal_mappings[p.stem] = SignalMapping.from_toml(text, str(p))
        else:
            mappings[p.stem] = ColumnMapping.from_toml(text, str(p))
    assert {m.kind for m in signal_mappings.values()} == set(SignalKind)
    assert set(mappings) >= {"hubspot-companies", "salesforce-accounts", "salesforce-contacts"}
    assert mappings["salesforce-contacts"].kind is ImportKind.CONTACTS
    hubspot = mappings["hubspot-companies"]
    assert hubspot.convert_cell("stage", "Customer") == "adoption"
    assert hubspot.convert_cell("stage", "  marketing   QUALIFIED lead ") is not None
    salesforce = mappings["salesforce-accounts"]
    assert salesforce.convert_cell("sales_motion", "Customer - Direct") == "long-direct"
    assert salesforce.convert_cell("sales_motion", "Customer - Channel") == "long-channel"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('kind = "deals"\n[columns]\nname = "x"', 'kind must be "accounts" or "contacts"'),
        ('kind = "accounts"', "[columns] is missing"),
        ('kind = "accounts"\n[columns]\narr = "ARR"', "must map name"),
        ('kind = "contacts"\n[columns]\nname = "N"', "must map account"),
        ('kind = "accounts"\n[columns]\nname = "N"\nfoo = "F"', "columns.foo is not a field"),
        ('kind = "accounts"\n[columns]\nname = "N"\nindustry = " n "', "one header feeds two"),
        ('kind = "accounts"\ndate_order = "YMD"\n[columns]\nname = "N"', "date_order"),
        ('kind = "accounts"\ncurrency = "EUR"\n[columns]\nname = "N"', "currency must be"),
        (
            'kind = "accounts"\n[columns]\nname = "N"\n[values.stage]\ncustomer = "happy"',
            "values.stage.'customer': unknown stage 'happy'",
        ),
        (
            'kind = "accounts"\n[columns]\nname = "N"\n[values.industry]\nx = "y"',
            "values.industry: words can be mapped for",
        ),
        ('kind = "accounts"\n[columns]\nname = "N"\n[defaults]\nseats = "many"', "defaults.seats"),
        ('kind = "accounts"\ncreate_only = ["colour"]\n[columns]\nname = "N"', "create_only"),
        ('kind = "accounts"\noptional = ["arr"]\n[columns]\nname = "N"', "not in [columns]"),
        ('kind = "accounts"\noptional = ["name"]\n[columns]\nname = "N"', "name is required"),
        ('kind = "accounts"\nfoo = 1\n[columns]\nname = "N"', "unknown key(s) foo"),
        ("kind = ", "not valid TOML"),
    ],
)
def test_mapping_mistakes_are_named(toml, message):
    with pytest.raises(MappingError) as caught:
        ColumnMapping.from_toml(toml, "my.toml")
    assert str(caught.value).startswith("my.toml: ")
    assert message in str(caught.value)


def test_a_row_converts_every_cell_and_reports_every_problem():
    mapping = ColumnMapping.from_toml(MINIMAL)
    row = mapping.convert_row({"name": " Acme ", "arr": "¥7,200", "stage": "adopt", "currency": ""})
    assert row.errors == ()
    assert row.values == {"name": "Acme", "arr": 7200.0, "currency": "CNY", "stage": "adoption"}
    bad = mapping.convert_row({"name": "", "arr": "$5", "stage": "happy", "currency": "CNY"})
    fields = [f for f, _ in bad.errors]
    assert fields == ["stage", "arr", "name"]
    assert "the amount is in USD but the currency column says CNY" in str(dict(bad.errors)["arr"])


def test_an_amount_without_a_symbol_takes_the_mappings_currency():
    mapping = ColumnMapping.from_toml('currency = "CNY"\n' + MINIMAL)
    assert mapping.convert_row({"name": "A", "arr": "5000"}).values["currency"] == "CNY"
    assert (
        mapping.convert_row({"name": "A", "arr": "5000", "currency": "usd"}).values["currency"]
        == "USD"
    )


def test_a_skipped_word_leaves_the_row_out_whatever_else_it_holds():
    mapping = ColumnMapping.from_toml(MINIMAL + '[values.stage]\nlead = "skip"\n')
    row = mapping.convert_row({"name": "", "arr": "lots", "stage": "Lead"})
    assert str(row.skip) == "Stage is 'Lead'"
    assert row.errors == () and row.values == {}
    named = mapping.convert_row({"name": "Prospect Co", "arr": "lots", "stage": "lead"})
    assert named.values == {"name": "Prospect Co"} and named.errors == ()


def test_text_is_kept_exactly_but_must_be_one_line():
    mapping = ColumnMapping.from_toml(MINIMAL)
    name = '[bold red]Redline[/] | "Q", \\n <b>*x*</b> 北京 🚀'
    assert mapping.convert_row({"name": f"  {name} "}).values["name"] == name
    for bad in ("two\nlines", "evil\x1b[2J", "bell\x07"):
        errors = {k: str(v) for k, v in mapping.convert_row({"name": bad}).errors}
        assert "one line of text" in errors["name"]


def test_unknown_words_list_what_the_mapping_knows():
    mapping = ColumnMapping.from_toml(MINIMAL + '[values.stage]\ncustomer = "adoption"\n')
    errors = {k: str(v) for k, v in mapping.convert_row({"name": "A", "stage": "Partner"}).errors}
    assert "unknown stage 'Partner'" in errors["stage"]
    assert "the mapping knows: customer" in errors["stage"]


# ----------------------------------------------------------------------------- the CSV


def test_records_carry_the_line_they_start_on():
    text = 'Name,Note\r\nA,one\r\n\r\nB,"two\nlines"\r\nC,three\r\n,\r\n'
    table = read_csv(text)
    assert table.header_line == 1
    assert [(r.line, r.cells[0]) for r in table.records] == [(2, "A"), (4, "B"), (6, "C")]
    assert table.records[1].cells[1] == "two\nlines"


def test_an_unclosed_quote_is_reported_where_it_opens():
    text = 'Name,Note\nA,ok\nB,"never closed\nC,more\nD,end\n'
    with pytest.raises(CsvFormatError) as caught:
        read_csv(text)
    assert caught.value.line == 3
    assert "closing quote is missing" in caught.value.message


def test_text_after_a_closing_quote_is_reported_on_its_line():
    with pytest.raises(CsvFormatError) as caught:
        read_csv('Name,Note\nA,ok\nB,"quoted"oops\n')
    assert caught.value.line == 3
    assert '""' in caught.value.message


def test_rows_of_the_wrong_width_are_all_listed():
    table = read_csv("a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3\n")
    assert [(p.line, p.message.split(",")[0]) for p in table.problems] == [
        (3, "2 fields"),
        (4, "4 fields"),
    ]
    assert [r.line for r in table.records] == [2, 5]


def test_a_nul_byte_and_an_empty_file_are_refused():
    with pytest.raises(CsvFormatError, match="NUL"):
        read_csv("a,b\n1,\x002\n")
    with pytest.raises(CsvFormatError, match="empty"):
        read_csv("\n\n")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed_from_the_header(delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(
        [["Company name", "ARR", "Note"], ["Acme; Ltd, Inc", "1,200.50", "x\ty"]]
    )
    table = read_csv(out.getvalue(), expected=("Company name", "ARR"))
    assert table.delimiter == delimiter
    assert table.records[0].cells == ("Acme; Ltd, Inc", "1,200.50", "x\ty")


def test_sniffing_prefers_the_split_that_finds_the_mapped_headers():
    # Two semicolons in the header text, but the comma split finds both mapped headers.
    assert sniff_delimiter("Name;alias,ARR;USD\n", ("Name;alias", "ARR;USD")) == ","


def test_excel_sep_hint_names_the_delimiter_and_shifts_lines():
    table = read_csv("sep=;\nName;ARR\nAcme;1,5\n")
    assert table.delimiter == ";" and table.header_line == 2
    assert table.records[0].line == 3 and table.records[0].cells == ("Acme", "1,5")


def test_decoding_bom_utf16_and_bad_bytes():
    assert decode_csv("\ufeffName\n北京\n".encode()) == "Name\n北京\n"
    assert decode_csv("Name\n北京\n".encode("utf-16")) == "Name\n北京\n"
    gbk = "Name\nAcme\n北京\n".encode("gb18030")
    with pytest.raises(CsvFormatError) as caught:
        decode_csv(gbk)
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.message


def test_missing_headers_are_named_with_a_suggestion():
    mapping = ColumnMapping.from_toml(MINIMAL)
    assert locate_columns(mapping, ["  company ", "arr", "STAGE", "cur", "x"]) == {
        "name": 0,
        "arr": 1,
        "stage": 2,
        "currency": 3,
    }
    with pytest.raises(CsvFormatError) as caught:
        locate_columns(mapping, ["Company", "ARR", "Stages", "Cur"])
    assert "no column 'Stage' (mapped to stage); did you mean 'Stages'?" in caught.value.message
    with pytest.raises(CsvFormatError, match="appears 2 times"):
        locate_columns(mapping, ["Company", "ARR", "Stage", "Cur", "arr"])


def test_optional_columns_may_be_missing_and_own_columns_need_only_the_required():
    mapping = ColumnMapping.from_toml('optional = ["stage", "currency"]\n' + MINIMAL)
    assert locate_columns(mapping, ["Company", "ARR"]) == {"name": 0, "arr": 1}
    with pytest.raises(CsvFormatError, match="no column 'ARR'"):
        locate_columns(mapping, ["Company"])
    own = ColumnMapping.own_columns("contacts")
    assert locate_columns(own, ["name", "x", "account", "email"]) == {
        "account": 2,
        "name": 0,
        "email": 3,
    }
    with pytest.raises(CsvFormatError, match="mapped to account"):
        locate_columns(own, ["name"])


def test_what_python_csv_cannot_read_is_said_in_the_interface_language():
    from csm_tui.i18n import set_language

    set_language("zh")
    try:
        with pytest.raises(CsvFormatError) as quote:
            read_csv('Name,Note\nA,ok\nB,"quoted"oops\n')
        with pytest.raises(CsvFormatError) as long_cell:
            read_csv("Name,Note\nA," + "x" * 200_000 + "\n")
        said = (quote.value.words.render(), long_cell.value.words.render())
    finally:
        set_language("en")
    assert quote.value.line == 3 and "引号" in said[0] and '""' in said[0]
    assert long_cell.value.line == 2 and "131,072" in said[1] and "单元格" in said[1]
    assert "closing quote" in quote.value.message and "longer than" in long_cell.value.message
