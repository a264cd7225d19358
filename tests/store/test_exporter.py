"""Exports read back: CSV (RFC 4180, Excel flavour), JSON (stable keys), Markdown (escaped)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, date, datetime
from enum import IntEnum
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.assets_path import assets_dir
from csm_tui.commands.export import (
    PORTFOLIO_COLUMNS,
    ExportColumn,
    ExportTable,
    coverage_table,
    export_coverage,
    export_portfolio,
    export_prep,
    format_for_path,
    md_table,
    to_csv,
    write_export,
)
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.language.filters import PortfolioSort, parse_filter
from csm_tui.domain.prep import render_prep_markdown
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.store.portfolio import PortfolioQuery
from csm_tui.store.prep import build_prep_brief, load_prep_note, save_prep_note

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
RULES = TierRules()
SAMPLES = assets_dir() / "import"


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    yield c
    c.close()


def me(conn):
    return get_meta(conn, META_ME)


def portfolio(conn, flt="", fmt="csv", sort=None, **kw) -> str:
    return export_portfolio(conn, flt, sort, TODAY, me(conn), RULES, fmt, **kw)


def read_csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def add_account(conn: sqlite3.Connection, name: str, arr: float = 5000.0) -> str:
    aid = f"t-{abs(hash(name))}"
    conn.execute(
        "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank, sales_motion, "
        "stage, segment, industry, seats, created_at, updated_at, version, tier_override_note) "
        "VALUES (?, ?, 'USD', ?, ?, 'growth', 2, 'short-direct', 'adoption', 'Seg', 'Ind', 3, "
        "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 0, '')",
        (aid, name, arr, arr),
    )
    conn.commit()
    return aid


# ----------------------------------------------------------------------------- CSV


def test_portfolio_csv_reads_back_with_every_account_in_portfolio_order(conn):
    text = portfolio(conn)
    rows = read_csv_text(text)
    query = PortfolioQuery(conn, parse_filter(""), PortfolioSort.TIER_HEALTH, TODAY, me(conn))
    expected = query.window(0, query.count())
    assert [r["id"] for r in rows] == [r.id for r in expected]
    assert list(rows[0]) == [c.key for c in PORTFOLIO_COLUMNS]
    stored = dict(conn.execute("SELECT id, name FROM accounts"))
    assert all(r["name"] == stored[r["id"]] for r in rows)  # escapes and markup kept exactly
    assert any("\x1b" in r["name"] for r in rows)
    first = expected[0]
    assert rows[0]["arr"] == f"{first.arr:.2f}" and rows[0]["tier"] == first.tier
    assert rows[0]["renewal_date"] == (first.renewal_date.isoformat() if first.renewal_date else "")


def test_csv_is_rfc_4180(conn):
    add_account(conn, 'Zqx\nbreak, "quoted" Co')
    text = portfolio(conn, "zqx")
    assert text.endswith("\r\n")
    (row,) = read_csv_text(text)
    assert row["name"] == 'Zqx\nbreak, "quoted" Co'
    assert '"Zqx\nbreak, ""quoted"" Co"' in text  # quoted, quotes doubled, LF kept inside
    outside = re.sub(r'"(?:[^"]|"")*"', "", text)
    assert "\n" not in outside.replace("\r\n", "")  # every record ends with CRLF


def test_excel_flavour_has_a_bom_and_defuses_formulas(conn):
    add_account(conn, '=HYPERLINK("http://evil.example","click")')
    plain = portfolio(conn, '"hyperlink"')
    excel = portfolio(conn, '"hyperlink"', excel=True)
    assert not plain.startswith("\ufeff") and excel.startswith("\ufeff")
    assert read_csv_text(plain)[0]["name"] == '=HYPERLINK("http://evil.example","click")'
    assert read_csv_text(excel.lstrip("\ufeff"))[0]["name"] == (
        '\'=HYPERLINK("http://evil.example","click")'
    )
    assert excel.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_the_filter_and_sort_are_those_of_the_portfolio(conn):
    rows = read_csv_text(portfolio(conn, "tier:strategic", sort=PortfolioSort.ARR))
    assert rows and {r["tier"] for r in rows} == {"strategic"}
    arrs = [float(r["arr_usd"]) for r in rows]
    assert arrs == sorted(arrs, reverse=True)


# ----------------------------------------------------------------------------- JSON


def test_portfolio_json_has_stable_keys_and_the_csv_values(conn):
    text = portfolio(conn, "tier:strategic,enterprise", "json")
    assert text == portfolio(conn, "tier:strategic,enterprise", "json")  # stable run to run
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["export"] == "portfolio" and data["filter"] == "tier:strategic,enterprise"
    assert data["count"] == len(data["rows"]) > 0
    keys = [c.key for c in PORTFOLIO_COLUMNS]
    assert data["columns"] == keys
    assert all(list(r) == sorted(keys) for r in data["rows"])
    csv_rows = read_csv_text(portfolio(conn, "tier:strategic,enterprise"))
    for j, c in zip(data["rows"], csv_rows, strict=True):
        assert j["id"] == c["id"] and j["name"] == c["name"]
        assert j["arr"] == round(float(c["arr"]), 2)
        assert j["health"] == (int(c["health"]) if c["health"] else None)
        assert j["touch_overdue"] == (c["touch_overdue"] == "true")
        if j["last_touch_at"] is not None:
            assert datetime.fromisoformat(j["last_touch_at"]).tzinfo is not None


# ----------------------------------------------------------------------------- Markdown

_ENTITY = re.compile(r"&#(\d+);")


def md_cells(line: str) -> list[str]:
    """The cells of one Markdown table row as a reader sees them: split on unescaped
    pipes, backslash escapes and numeric character references undone."""
    assert line.startswith("| ") and line.endswith(" |")
    inner = line[2:-2]
    cells: list[str] = []
    cell: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        entity = _ENTITY.match(inner, i) if ch == "&" else None
        if ch == "\\" and i + 1 < len(inner):
            cell.append(inner[i + 1])
            i += 2
        elif entity is not None:
            cell.append(chr(int(entity.group(1))))
            i = entity.end()
        elif inner.startswith(" | ", i):
            cells.append("".join(cell))
            cell = []
            i += 3
        else:
            assert ch != "|", f"an unescaped pipe inside a cell: {line!r}"
            cell.append(ch)
            i += 1
    cells.append("".join(cell))
    return cells


def test_portfolio_markdown_shows_the_screen_and_escapes_book_text(conn):
    add_account(conn, "Pipe | and *stars* [bold]x[/] <b>y</b> `z` 北京")
    text = portfolio(conn, "", "md")
    lines = text.splitlines()
    assert lines[0] == "# Portfolio"
    table = [line for line in lines if line.startswith("| ")]
    header, rows = md_cells(table[0]), table[2:]
    assert header == ["Account", "Tier", "Health", "ARR", "Stage", "Renewal", "Last touch", "Owner"]
    count = conn.execute("SELECT count(*) FROM accounts WHERE deleted_at IS NULL").fetchone()[0]
    assert len(rows) == count
    names = {md_cells(r)[0] for r in rows}
    assert all(len(md_cells(r)) == 8 for r in rows)  # no pipe split a row
    stored = [r[0] for r in conn.execute("SELECT name FROM accounts WHERE deleted_at IS NULL")]
    assert names == {safe_text(n) for n in stored}  # as itself; controls made visible
    assert "\x1b" not in text
    mine = next(r for r in rows if "Pipe" in r)
    assert "Pipe \\| and \\*stars\\* \\[bold\\]x\\[/\\] \\<b\\>y\\</b\\> \\`z\\` 北京" in mine
    cells = md_cells(mine)
    assert cells[1:5] == ["Growth", "—", "$5k", "Adoption"]


def test_markdown_health_arrow_and_relative_days(conn):
    text = portfolio(conn, "tier:strategic", "md", sort=PortfolioSort.RENEWAL)
    rows = [md_cells(line) for line in text.splitlines()[6:] if line.startswith("| ")]
    csv_rows = read_csv_text(portfolio(conn, "tier:strategic", sort=PortfolioSort.RENEWAL))
    for cells, raw in zip(rows, csv_rows, strict=True):
        if raw["health"] and raw["health_30d"]:
            delta = int(raw["health"]) - int(raw["health_30d"])
            arrow = "↑" if delta >= 3 else "↓" if delta <= -3 else "→"
            assert cells[2] == f"{raw['health']} {arrow}"
        elif raw["health"]:
            assert cells[2] == raw["health"]
        else:
            assert cells[2] == "—"
        days = raw["renewal_in_days"]
        if days and int(days) > 1:
            assert cells[5].startswith("in ")
        if raw["touch_overdue"] == "true":
            assert cells[6].endswith("(overdue)")


# ----------------------------------------------------------------------------- round trip


def test_an_exported_portfolio_imports_back_unchanged(tmp_path):
    db = tmp_path / "fresh.sqlite3"
    conn = connect(db)
    conn.executemany(
        "INSERT INTO users (id, name, email, role) VALUES (?, ?, ?, 'csm')",
        [
            ("u1", "Sarah Mitchell", "sarah.mitchell@demo.csm-tui.example"),
            ("u2", "Tom Becker", "tom.becker@demo.csm-tui.example"),
            ("u3", "王芳", "wang.fang@demo.csm-tui.example"),
            ("u4", "李伟", "li.wei@demo.csm-tui.example"),
            ("u5", "Amara Okafor", "amara.okafor@demo.csm-tui.example"),
            ("u6", "Jing Chen 陈静", "chen.jing@demo.csm-tui.example"),
        ],
    )
    conn.execute("INSERT INTO cache_meta (key, value) VALUES ('me', 'u1')")
    conn.commit()
    for sample, mapping in (
        ("hubspot-companies-sample.csv", "hubspot"),
        ("salesforce-accounts-sample.csv", "salesforce"),
    ):
        report = import_csv(conn, SAMPLES / sample, load_mapping(mapping, "accounts"), "accounts",
                            now=NOW, rules=RULES)  # fmt: skip
        assert report.ok
    out = tmp_path / "portfolio.csv"
    write_export(out, portfolio(conn, "", "csv", excel=True))
    again = import_csv(conn, out, load_mapping(None, "accounts"), "accounts", now=NOW, rules=RULES)
    assert again.ok, [str(e) for e in again.errors]
    assert again.rows == 13 and again.unchanged == 13 and again.outbox_entries == 0
    conn.close()


# ----------------------------------------------------------------------------- coverage


def _slice(accounts: int, arr: float, **kw) -> SimpleNamespace:
    base = dict.fromkeys(
        ("cadenced", "overdue", "never_touched", "late_activation", "zombie", "red",
         "renew_30", "renew_60", "renew_90"), 0)  # fmt: skip
    base.update(red_arr=0.0, renew_30_arr=0.0, renew_60_arr=0.0, renew_90_arr=0.0)
    base.update(kw)
    return SimpleNamespace(accounts=accounts, arr=arr, **base)


def _metrics(grr: float, expansion: float) -> SimpleNamespace:
    return SimpleNamespace(
        grr=grr,
        nrr=grr + expansion,
        nrr_retention=grr,
        nrr_expansion=expansion,
        logo_churn_rate=0.1,
        arr_churn_rate=1 - grr,
        upsell_rate=expansion,
        downsell_rate=0.0,
        nps=SimpleNamespace(score=35.0),
    )


class Level(IntEnum):
    PARTIAL = 2

    @property
    def label(self) -> str:
        return "Partially proactive"


@pytest.fixture
def coverage_report() -> SimpleNamespace:
    """The shape of the coverage branch's `CoverageReport` (read by attribute only)."""
    sarah = SimpleNamespace(
        name="Sarah | [b]Mitchell[/b]",
        team_name="EMEA",
        is_pool=False,
        load=1.25,
        overloaded=True,
        total=_slice(40, 2_500_000.0, overdue=3, renew_30=2, renew_30_arr=150_000.0),
    )
    fang = SimpleNamespace(
        name="王芳", team_name="APAC", is_pool=False, load=0.4, overloaded=False,
        total=_slice(25, 800_000.0, red=1, red_arr=60_000.0),
    )  # fmt: skip
    pool = SimpleNamespace(
        name="", team_name=None, is_pool=True, load=0.0, overloaded=False, total=_slice(9, 4000.0)
    )
    emea = SimpleNamespace(team_id="t1", name="EMEA", csm_count=1, load=1.25, total=sarah.total)
    apac = SimpleNamespace(team_id="t2", name="APAC", csm_count=1, load=0.4, total=fang.total)
    return SimpleNamespace(
        today=date(2026, 11, 22),
        data_as_of=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        team_filter=None,
        owners=(sarah, fang, pool),
        teams=(emea, apac),
        by_tier={Tier.STRATEGIC: _slice(10, 2_000_000.0), Tier.GROWTH: _slice(64, 1_304_000.0)},
        total=_slice(74, 3_304_000.0, overdue=3, red=1, red_arr=60_000.0),
        metrics=SimpleNamespace(
            overall=_metrics(0.9, 0.15),
            by_team={"t1": _metrics(0.95, 0.2), "t2": _metrics(0.8, 0.05)},
            by_tier={"strategic": _metrics(0.97, 0.3)},
        ),
        period=SimpleNamespace(start=date(2025, 11, 22), end=date(2026, 11, 22)),
        maturity=SimpleNamespace(
            level=Level.PARTIAL,
            evidence=("✓ Reactive: 61% of touches proactive", "✗ Fully proactive: cadence 48%"),
            next_step="to reach Fully proactive: keep cadence on 80% of accounts",
        ),
    )


def test_coverage_csv_is_one_table_of_scopes(coverage_report):
    rows = read_csv_text(export_coverage(coverage_report, "csv"))
    assert [(r["scope"], r["name"]) for r in rows] == [
        ("csm", "Sarah | [b]Mitchell[/b]"),
        ("csm", "王芳"),
        ("pool", ""),
        ("team", "EMEA"),
        ("team", "APAC"),
        ("tier", "Strategic"),
        ("tier", "Growth"),
        ("total", "Total"),
    ]
    sarah, total = rows[0], rows[-1]
    assert (sarah["accounts"], sarah["arr_usd"], sarah["load"]) == ("40", "2500000.00", "1.25")
    assert (sarah["overloaded"], sarah["renew_30"], sarah["grr"]) == ("true", "2", "")
    assert rows[3]["grr"] == "0.95" and rows[4]["nrr"] == "0.85"
    assert rows[5]["nrr_expansion"] == "0.3" and rows[6]["grr"] == ""  # no metrics: empty
    assert (total["grr"], total["nrr"], total["nps"]) == ("0.9", "1.05", "35.0")
    assert len(coverage_table(coverage_report).rows) == 8


def test_coverage_json_and_markdown(coverage_report):
    data = json.loads(export_coverage(coverage_report, "json"))
    assert data["export"] == "coverage" and data["period"] == {
        "start": "2025-11-22",
        "end": "2026-11-22",
    }
    assert data["rows"][0]["name"] == "Sarah | [b]Mitchell[/b]"
    assert data["rows"][-1]["nrr"] == pytest.approx(1.05)
    assert data["maturity"]["label"] == "Partially proactive"
    md = export_coverage(coverage_report, "md")
    assert "| Sarah \\| \\[b\\]Mitchell\\[/b\\] | EMEA | 40 | $2.5M | 1.25 ⚠ |" in md
    assert "| (no owner: digital pool) | — | 9 |" in md
    assert "| Total | 90.0% | 105.0% = 90.0% + 15.0% |" in md
    assert "**Partially proactive**" in md and "- ✗ Fully proactive: cadence 48%" in md
    for line in md.splitlines():
        if line.startswith("| ") and "Sarah" in line:
            assert len(md_cells(line)) == 9


# ----------------------------------------------------------------------------- prep


def test_prep_exports_the_same_sheet_in_three_forms(conn):
    aid = conn.execute(
        "SELECT a.id FROM accounts a WHERE (SELECT count(*) FROM contacts c WHERE "
        "c.account_id = a.id AND c.deleted_at IS NULL) >= 2 ORDER BY a.rowid LIMIT 1"
    ).fetchone()[0]
    save_prep_note(conn, aid, '## Ask\n- [red]renewal[/] | pricing, "seats"\n', NOW)
    brief = build_prep_brief(conn, aid, NOW, RULES)
    md = export_prep(conn, aid, NOW, RULES, "md")
    assert md == render_prep_markdown(brief, load_prep_note(conn, aid), TODAY)
    data = json.loads(export_prep(conn, aid, NOW, RULES, ExportFormat.JSON))
    assert data["brief"]["name"] == brief.name and data["brief"]["tier"] == brief.tier.value
    assert data["notes"] == load_prep_note(conn, aid)
    assert len(data["brief"]["stakeholders"]) == len(brief.stakeholders)
    rows = read_csv_text(export_prep(conn, aid, NOW, RULES, "csv"))
    facts = {r["field"]: r["value"] for r in rows if r["section"] == "facts"}
    assert facts["name"] == brief.name and facts["arr"] == repr(round(brief.arr, 6))
    people = {r["item"] for r in rows if r["section"] == "stakeholders"}
    assert people == {str(i) for i in range(1, len(brief.stakeholders) + 1)}
    names = [r["value"] for r in rows if r["section"] == "stakeholders" and r["field"] == "name"]
    assert names == [c.name for c in brief.stakeholders]
    assert [r["value"] for r in rows if r["section"] == "notes"] == [load_prep_note(conn, aid)]


# ----------------------------------------------------------------------------- files


def test_formats_from_file_names_and_atomic_writes(tmp_path, conn):
    assert format_for_path("out.CSV") is ExportFormat.CSV
    assert format_for_path("sheet.markdown") is ExportFormat.MD
    assert format_for_path("x.txt", ExportFormat.JSON) is ExportFormat.JSON
    with pytest.raises(ValueError, match="--format"):
        format_for_path("x.txt")
    with pytest.raises(ValueError, match="csv, json or md"):
        ExportFormat.parse("xlsx")
    target = write_export(tmp_path / "p.csv", portfolio(conn, "tier:strategic", excel=True))
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv_text(target.read_text(encoding="utf-8-sig"))[0]["tier"] == "strategic"


# ----------------------------------------------------------------------------- properties


@given(st.lists(st.text(), min_size=1, max_size=6), st.booleans())
def test_any_text_survives_a_csv_round_trip(texts, excel):
    table = ExportTable((ExportColumn("value", "Value"),), tuple((t,) for t in texts))
    text = to_csv(table, excel=excel)
    body = text.removeprefix("\ufeff") if excel else text
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["value"]
    back = [r[0] if r else "" for r in rows[1:]]
    if excel:  # only a formula-looking start gains a quote
        back = [b[1:] if t.startswith(("=", "+", "-", "@", "\t", "\r")) else b
                for b, t in zip(back, texts, strict=True)]  # fmt: skip
    assert back == texts


_MARKDOWN_TRAPS = st.text(alphabet="\\|*_[]<>&#;`~ab1.-=+ \n\t\x1b北", max_size=24)


@given(st.lists(st.text(max_size=40) | _MARKDOWN_TRAPS, min_size=1, max_size=4))
def test_any_text_stays_in_its_markdown_cell(texts):
    columns = tuple(ExportColumn(f"c{i}", f"C{i}") for i in range(len(texts)))
    _header, _rule, row = md_table(columns, [texts])
    assert "\n" not in row
    assert md_cells(row) == [safe_text(t) for t in texts]


def test_a_portfolio_export_counts_days_since_the_touch_in_the_users_zone(conn):
    from zoneinfo import ZoneInfo

    from csm_tui.store.timestamps import to_db

    shanghai = ZoneInfo("Asia/Shanghai")
    aid, name = conn.execute(
        "SELECT id, name FROM accounts WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
    ).fetchone()
    # 00:10 on the 22nd in Shanghai is 16:10 UTC on the 21st.
    with conn:
        conn.execute(
            "UPDATE accounts SET last_touch_at = ? WHERE id = ?",
            (to_db(datetime(2026, 11, 22, 0, 10, tzinfo=shanghai)), aid),
        )

    def days(**kw):
        rows = read_csv_text(portfolio(conn, **kw))
        return next(r["days_since_touch"] for r in rows if r["id"] == aid)

    assert days(zone=shanghai) == "0"
    assert days() == "1"
    shown = portfolio(conn, fmt="md", zone=shanghai)
    assert re.search(rf"{re.escape(name)}.*\| today", shown)


def test_the_command_language_and_the_writers_share_one_export_format(conn):
    """`export ... --format md` is parsed to the very format the writers take."""
    from csm_tui.domain.language.verbs import parse_command

    command = parse_command("export portfolio --format markdown")
    assert command.format is ExportFormat.MD is format_for_path("sheet.markdown")
    assert portfolio(conn, "", command.format) == portfolio(conn, "", "md")
