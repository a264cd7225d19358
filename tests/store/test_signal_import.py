"""Importing health signals (usage, tickets, surveys, invoices) from CSV exports."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_mapping import MappingError
from csm_tui.domain.signal_mapping import SignalMapping
from csm_tui.domain.tiers import TierRules
from csm_tui.store.cache import connect
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.store.signal_import import import_signals, load_signal_mapping

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SAMPLES = assets_dir() / "import"
SIGNAL_TABLES = ("usage_weeks", "support_tickets", "survey_responses", "invoices")
WATCHED = (*SIGNAL_TABLES, "accounts", "health_snapshots", "outbox")
SAMPLE_OF = {
    "usage": ("mixpanel-usage", 100),
    "tickets": ("zendesk-tickets", 11),
    "surveys": ("delighted-nps", 10),
    "invoices": ("stripe-invoices", 8),
}


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    report = import_csv(
        c,
        SAMPLES / "salesforce-accounts-sample.csv",
        load_mapping("salesforce", "accounts"),
        "accounts",
        now=NOW,
        rules=TierRules(),
    )
    assert report.committed, [str(e) for e in report.errors]
    yield c
    c.close()


def state(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    out = {}
    for table in WATCHED:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        out[table] = (
            len(rows),
            hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest(),
        )
    return out


def run(conn, kind: str, path: Path | None = None, mapping: str | SignalMapping | None = None,
        **kw):  # fmt: skip
    name, _ = SAMPLE_OF[kind]
    if mapping is None or isinstance(mapping, str):
        mapping = load_signal_mapping(mapping or name, kind)
    path = path or SAMPLES / f"{name}-sample.csv"
    return import_signals(conn, path, mapping, kind, now=NOW, **kw)


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def account_id(conn, external: str) -> str:
    return conn.execute("SELECT id FROM accounts WHERE external_id = ?", (external,)).fetchone()[0]


# --------------------------------------------------------------------------- every kind


@pytest.mark.parametrize("kind", list(SAMPLE_OF))
def test_dry_run_says_what_would_be_created_and_writes_nothing(conn, kind):
    before = state(conn)
    report = run(conn, kind, dry_run=True)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == SAMPLE_OF[kind][1] and not report.committed
    assert "dry run, nothing written" in report.summary()
    assert state(conn) == before


@pytest.mark.parametrize("kind", list(SAMPLE_OF))
def test_a_dry_run_says_what_the_import_then_does_first_and_again(conn, kind):
    # Before the first import of a source its records are only counted; after it they
    # are compared with the cache's: either way the dry run's words are the import's.
    def said(report):
        return (report.rows, report.created, report.updated, report.unchanged,
                report.accounts, report.outcomes)  # fmt: skip

    for _ in ("first", "again"):
        dry = run(conn, kind, dry_run=True)
        done = run(conn, kind)
        assert dry.ok and not dry.committed and done.committed
        assert said(dry) == said(done)


@pytest.mark.parametrize("kind", list(SAMPLE_OF))
def test_importing_the_same_file_twice_writes_nothing_the_second_time(conn, kind):
    first = run(conn, kind)
    assert first.committed and first.created == SAMPLE_OF[kind][1]
    assert first.rescored == 6  # the six sample accounts' health was recomputed
    after_first = state(conn)
    again = run(conn, kind)
    assert again.committed and (again.created, again.updated) == (0, 0)
    assert again.unchanged == SAMPLE_OF[kind][1] and again.rescored == 0
    assert state(conn) == after_first


@pytest.mark.parametrize("source", ["helpdesk", "zendesk-eu", "zendesk2", "zendesk;"])
def test_a_source_new_to_the_cache_creates_every_record_beside_another_sources(conn, source):
    # The first import of a source is not compared with the table; a source whose name
    # starts like a known one's must still be new, and a known one's records still known.
    run(conn, "tickets")
    zendesk = state(conn)["support_tickets"]
    other = replace(load_signal_mapping("zendesk-tickets", "tickets"), source=source)
    first = run(conn, "tickets", mapping=other)
    assert (first.created, first.updated, first.unchanged) == (11, 0, 0)
    again = run(conn, "tickets", mapping=other)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    assert run(conn, "tickets").unchanged == 11
    assert state(conn)["support_tickets"][0] == zendesk[0] + 11


def test_a_changed_record_is_replaced_by_its_source_id_keeping_its_version(conn, tmp_path):
    run(conn, "tickets")
    conn.execute("UPDATE support_tickets SET version = 7 WHERE id = 'zendesk:48590'")
    conn.commit()
    text = (SAMPLES / "zendesk-tickets-sample.csv").read_text("utf-8")
    text = text.replace("2026-11-18 07:45,,35", "2026-11-18 07:45,2026-11-20 10:00,35")
    report = run(conn, "tickets", write(tmp_path, text))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 10)
    row = conn.execute(
        "SELECT closed_at, version FROM support_tickets WHERE id = 'zendesk:48590'"
    ).fetchone()
    assert tuple(row) == ("2026-11-20 10:00:00.000000", 7)


# --------------------------------------------------------------------------- problems


def test_every_problem_is_listed_with_its_line_and_nothing_is_written(conn, tmp_path):
    before = state(conn)
    text = (
        "Week (UTC),Company ID,Company Name,Weekly Active Users,Licensed Seats,"
        "Opportunity Events,Lead Events,Public Pool Events,Contact Events,Messages Sent,"
        "Sessions,Avg Session Length (min)\n"
        "2026-11-09,0015g00000AbCdEAA1,,150,220,700,200,100,300,2000,500,18\n"  # fine
        "2026-11-09,0015g00000AbCdGAA1,,-3,40,10,1,0,1,10,40,12\n"  # line 3: negative
        "2026-13-40,0015g00000AbCdGAA1,,3,40,10,1,0,1,10,40,12\n"  # line 4: no such date
        "2026-11-09,NOPE,Nobody Ltd,3,40,10,1,0,1,10,40,12\n"  # line 5: unknown account
        "2026-11-10,0015g00000AbCdEAA1,,150,220,700,200,100,300,2000,500,18\n"  # 6: same week
        "2026-11-09,0015g00000AbCdIAA1,,3,40\n"  # line 7: too few fields
    )
    report = run(conn, "usage", write(tmp_path, text))
    assert not report.committed
    lines = [(e.line, e.column) for e in report.errors]
    assert lines == [
        (3, "Weekly Active Users"),
        (4, "Week (UTC)"),
        (5, "Company ID"),
        (6, "id"),
        (7, None),
    ]
    assert "negative" in report.errors[0].message
    assert "no account 'NOPE' / 'Nobody Ltd'" in report.errors[2].message
    assert "as line 2" in report.errors[3].message
    assert "5 problem(s) in 6 rows; nothing was imported" in report.summary()
    assert state(conn) == before


def test_one_bad_row_among_good_ones_imports_none_of_them(conn, tmp_path):
    before = state(conn)
    text = (SAMPLES / "stripe-invoices-sample.csv").read_text("utf-8")
    text += "in_bad,cus_X,Vantage Point Media,x@y,,12.00,eur,paid,2026-11-01,2026-11-30,\n"
    report = run(conn, "invoices", write(tmp_path, text))
    assert [e.line for e in report.errors] == [12]
    assert "not one the book holds" in report.errors[0].message
    assert state(conn) == before


def test_scores_outside_the_survey_scale_are_refused(conn, tmp_path):
    text = (
        "Response ID,Created At,Email,Name,Survey Type,Score,Comment,Company,Company CRM ID\n"
        "a,2026-11-01,a@x.example,A,NPS,11,,Vantage Point Media,\n"
        "b,2026-11-01,b@x.example,B,CSAT,0,,Vantage Point Media,\n"
        "c,2026-11-01,c@x.example,C,Pulse,3,,Vantage Point Media,\n"
    )
    report = run(conn, "surveys", write(tmp_path, text))
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "Score"),
        (3, "Score"),
        (4, "Survey Type"),
    ]
    assert "outside 0–10 for nps" in report.errors[0].message
    assert "outside 1–5 for csat" in report.errors[1].message


def test_a_ticket_closed_before_it_opened_is_refused(conn, tmp_path):
    text = (
        "Id,Subject,Status,Priority,Organization,Organization external ID,Requested,Solved,"
        "First reply time in minutes,Via\n"
        "1,x,Solved,Low,Vantage Point Media,,2026-11-10 10:00,2026-11-09 10:00,5,Email\n"
    )
    report = run(conn, "tickets", write(tmp_path, text))
    assert [(e.line, e.column) for e in report.errors] == [(2, "Solved")]


def test_a_mapping_for_another_kind_or_a_wrong_mapping_is_refused(conn, tmp_path):
    report = run(conn, "usage", mapping=load_signal_mapping("zendesk", "tickets"))
    assert "is for tickets, not usage" in report.errors[0].message
    with pytest.raises(MappingError, match="is not a shipped usage mapping"):
        load_signal_mapping("amplitude", "usage")
    bad = write(tmp_path, 'kind = "usage"\nsource = "Mix Panel!"\n[columns]\n', "bad.toml")
    with pytest.raises(MappingError, match="source must be a short lower-case name"):
        load_signal_mapping(bad, "usage")
    bad = write(tmp_path, 'kind = "usage"\nsource = "mp"\n[columns]\naccount = "A"\n', "b.toml")
    with pytest.raises(MappingError, match="must map week_start"):
        load_signal_mapping(bad, "usage")


# --------------------------------------------------------------------------- text


def test_chinese_names_and_markup_in_comments_are_kept_as_written(conn):
    report = run(conn, "surveys")
    assert report.committed
    rows = dict(conn.execute("SELECT id, comment FROM survey_responses").fetchall())
    assert rows["delighted:r-90450"] == "商机管理很好用，联合跟进省了很多时间。"
    assert rows["delighted:r-90620"] == (
        "Too many clicks; we still use Excel for [red]forecasts[/red]."
    )
    assert rows["delighted:r-90977"] == "Good, but exports are slow.\nPlease fix the Friday batch."
    xinghe = account_id(conn, "0015g00000AbCdFAA1")
    assert (
        conn.execute(
            "SELECT count(*) FROM survey_responses WHERE account_id = ?", (xinghe,)
        ).fetchone()[0]
        == 2
    )


def test_an_escape_sequence_in_a_comment_is_refused(conn, tmp_path):
    text = (
        "Response ID,Created At,Email,Name,Survey Type,Score,Comment,Company,Company CRM ID\n"
        "a,2026-11-01,a@x.example,A,NPS,9,\x1b[2Jgone,Vantage Point Media,\n"
    )
    report = run(conn, "surveys", write(tmp_path, text))
    assert [(e.line, e.column) for e in report.errors] == [(2, "Comment")]
    assert "U+001B" in report.errors[0].message


def test_accounts_are_found_by_crm_id_or_exact_name_in_chinese_too(conn, tmp_path):
    text = (
        "Id,Subject,Status,Priority,Organization,Organization external ID,Requested,Solved,"
        "First reply time in minutes,Via\n"
        "9001,问题,Open,Urgent,杭州青山茶业有限公司,,2026-11-20 01:00,,30,Chat\n"
    )
    report = run(conn, "tickets", write(tmp_path, text))
    assert report.committed, [str(e) for e in report.errors]
    row = conn.execute(
        "SELECT account_id, priority, opened_at FROM support_tickets WHERE id = 'zendesk:9001'"
    ).fetchone()
    assert tuple(row) == (account_id(conn, "0015g00000AbCdIAA1"), "urgent",
                          "2026-11-20 01:00:00.000000")  # fmt: skip


def test_usage_weeks_land_on_mondays_and_ids_come_from_account_and_week(conn):
    run(conn, "usage")
    obrien = account_id(conn, "0015g00000AbCdJAA1")  # its rows name the company only
    weeks = conn.execute(
        "SELECT id, week_start, source FROM usage_weeks WHERE account_id = ? ORDER BY week_start",
        (obrien,),
    ).fetchall()
    assert len(weeks) == 18
    assert weeks[0]["id"] == f"mixpanel:{obrien}:2026-07-20"
    assert {w["source"] for w in weeks} == {"mixpanel"}
    assert all(datetime.fromisoformat(w["week_start"]).weekday() == 0 for w in weeks)


def test_a_usage_export_with_untidy_cells_reads_as_the_same_records_as_a_tidy_one(conn, tmp_path):
    # Plain rows are read straight from their cells; a row with a spaced count, a count
    # with a thousands separator, a blank company name or an unplain number goes the
    # general way: both ways make the same records, so the untidy copy changes nothing.
    first = run(conn, "usage")
    assert first.created == 100
    before = state(conn)
    lines = (SAMPLES / "mixpanel-usage-sample.csv").read_text("utf-8").splitlines()
    untidy = [lines[0]]
    for n, line in enumerate(lines[1:]):
        cells = line.split(",")
        if n % 4 == 0:
            cells[3] = f" {cells[3]} "
        elif n % 4 == 1:
            if cells[1]:
                cells[2] = ""  # the CRM id alone names the account
            cells[10] = f'"{int(cells[10]):,}"' if int(cells[10]) >= 1000 else cells[10]
        elif n % 4 == 2:
            cells[11] = f"{float(cells[11]):.3f}"
        untidy.append(",".join(cells))
    report = run(conn, "usage", write(tmp_path, "\n".join(untidy) + "\n"))
    assert report.committed, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 100)
    assert state(conn) == before


def test_imported_signals_are_not_queued_for_sync(conn):
    before = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    for kind in SAMPLE_OF:
        assert run(conn, kind).committed
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == before


def _bare_accounts(conn, n: int) -> None:
    stamp = "2026-11-01 09:00:00.000000"
    conn.executemany(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "sales_motion, stage, segment, industry, seats, last_touch_at, created_at, updated_at, "
        "version, tier_override_note) VALUES (?, ?, ?, 'USD', 1000, 1000, 'growth', 2, "
        "'short-direct', 'adoption', '', '', 20, NULL, ?, ?, 0, '')",
        [(f"dup-{i:04d}", f"Dup Account {i:04d}", f"DUP-{i:04d}", stamp, stamp) for i in range(n)],
    )
    conn.commit()


def _usage_lines(n: int, weeks: tuple[str, ...], named: bool = False) -> list[str]:
    """The sample export's header, then a plain row (no quotes) per week for each of the `n`
    accounts of `_bare_accounts` — by CRM id, and by name too when `named`."""
    header = (SAMPLES / "mixpanel-usage-sample.csv").read_text("utf-8").splitlines()[0]
    lines = [header]
    for week in weeks:
        lines += [f"{week}T00:00:00,DUP-{i:04d},{f'Dup Account {i:04d}' if named else ''},"
                  f"{i % 90 + 1},100,1,2,3,4,5,6,12.5" for i in range(n)]  # fmt: skip
    return lines


def test_a_usage_row_repeating_an_account_and_week_is_refused_with_the_first_line(conn, tmp_path):
    # 1,200 accounts × 2 weeks: whole blocks of plain rows, read together, then repeats of
    # earlier rows — in a later block, in the same block, and written untidily.
    _bare_accounts(conn, 1_200)
    lines = _usage_lines(1_200, ("2026-11-02", "2026-11-09"))
    first_of = {2 + 5: "2026-11-02", 1_202 + 7: "2026-11-09"}  # line → its week
    repeats = [
        lines[5 + 1],  # account 5 of the first week, in a later block
        lines[1_200 + 7 + 1],  # account 7 of the second week, in this last block
        lines[5 + 1].replace(",100,", ", 100 ,"),  # untidy: read the general way
    ]
    lines[1_210:1_210] = repeats[:1]
    lines += repeats[1:]
    before = state(conn)
    report = run(conn, "usage", write(tmp_path, "\n".join(lines) + "\n"))
    assert not report.committed and state(conn) == before
    found = [(e.line, e.column) for e in report.errors]
    assert found == [(1_211, "id"), (2_403, "id"), (2_404, "id")]
    for error, first in zip(report.errors, (7, 1_209, 7), strict=True):
        assert f"line {first}" in error.message and first_of[first] in error.message


def test_usage_counts_are_stored_as_numbers_and_zero_padded_ones_are_the_same(conn, tmp_path):
    # 1,200 accounts: whole blocks of plain rows, which keep their counts as the digits
    # read until the cache stores them — as numbers, like a row read the general way.
    _bare_accounts(conn, 1_200)
    header, *rows = _usage_lines(1_200, ("2026-11-02",))
    first = run(conn, "usage", write(tmp_path, "\n".join([header, *rows]) + "\n"))
    assert first.created == 1_200
    kinds = conn.execute(
        "SELECT DISTINCT typeof(u.active_users), typeof(u.seats), typeof(u.messages), "
        "typeof(u.sessions), typeof(u.session_minutes) FROM usage_weeks u "
        "JOIN accounts a ON a.id = u.account_id WHERE a.external_id LIKE 'DUP-%'"
    ).fetchall()
    assert [tuple(k) for k in kinds] == [("integer", "integer", "integer", "integer", "real")]
    assert conn.execute(
        "SELECT sum(u.active_users), sum(u.sessions), sum(u.session_minutes) FROM usage_weeks u "
        "JOIN accounts a ON a.id = u.account_id WHERE a.external_id LIKE 'DUP-%'"
    ).fetchone()[:] == (sum(i % 90 + 1 for i in range(1_200)), 1_200 * 6, 1_200 * 12.5 * 6)
    before = state(conn)
    padded = [row.replace(",100,1,", ",0100,001,") for row in rows]
    again = run(conn, "usage", write(tmp_path, "\n".join([header, *padded]) + "\n"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1_200)
    assert {o.action for o in again.outcomes} == {"unchanged"}
    assert state(conn) == before


def test_a_known_crm_id_with_another_or_an_unreadable_name_reads_as_row_by_row(conn, tmp_path):
    # 1,000 accounts × 2 weeks: a block of plain rows a week. The second week's rows are
    # found by their CRM id alone, yet a name that does not read is still refused at its
    # line, and another (readable) name beside a known CRM id is the CRM id's account.
    _bare_accounts(conn, 1_000)
    lines = _usage_lines(1_000, ("2026-11-02", "2026-11-09"), named=True)
    lines[1_500] = lines[1_500].replace("Dup Account", "Renamed Account")
    good = write(tmp_path, "\n".join(lines) + "\n", "good.csv")
    lines[1_600] = lines[1_600].replace("Dup Account", "Dup\x07Account")
    bad = write(tmp_path, "\n".join(lines) + "\n", "bad.csv")
    before = state(conn)
    refused = run(conn, "usage", bad)
    assert not refused.committed and state(conn) == before
    assert [(e.line, e.column) for e in refused.errors] == [(1_601, "Company Name")]
    report = run(conn, "usage", good)
    assert report.committed and report.created == 2_000
    renamed = lines[1_500].split(",")[1]
    assert (
        conn.execute(
            "SELECT u.account_id FROM usage_weeks u WHERE u.week_start = '2026-11-09' "
            "AND u.account_id = ?",
            (f"dup-{renamed[4:]}",),
        ).fetchone()
        is not None
    )


def test_usage_records_are_stored_with_the_id_and_source_their_account_and_week_make(
    conn, tmp_path
):
    # Usage records are set aside without their id and source, which SQL makes again: the
    # stored ones are `<source>:<account>:<week>` and the source — a quote in a source
    # (not a name a mapping file allows, but a caller's) is quoted, not SQL.
    _bare_accounts(conn, 1_200)
    path = write(tmp_path, "\n".join(_usage_lines(1_200, ("2026-11-02", "2026-11-09"))) + "\n")
    mapping = replace(load_signal_mapping("mixpanel-usage", "usage"), source="o'brien")
    report = run(conn, "usage", path, mapping)
    assert report.created == 2_400
    rows = conn.execute("SELECT id, account_id, week_start, source FROM usage_weeks "
                        "WHERE source = ?", ("o'brien",)).fetchall()  # fmt: skip
    assert len(rows) == 2_400
    assert all(r[0] == f"o'brien:{r[1]}:{r[2]}" for r in rows)
    assert report.outcomes[0].record_id == "o'brien:dup-0000:2026-11-02"
    again = run(conn, "usage", path, mapping)
    assert again.unchanged == 2_400 and not again.created + again.updated


# ----------------------------------------------------------- accounts not in the cache

_COMPANY_WIDE = (
    "Week (UTC),Company ID,Company Name,Weekly Active Users,Licensed Seats,"
    "Opportunity Events,Lead Events,Public Pool Events,Contact Events,Messages Sent,"
    "Sessions,Avg Session Length (min)\n"
    "2026-11-09,0015g00000AbCdEAA1,,150,220,700,200,100,300,2000,500,18\n"  # in the book
    "2026-11-09,OTHER-1,Other Team Co,3,40,10,1,0,1,10,40,12\n"  # another team's
    "2026-11-16,OTHER-1,Other Team Co,4,40,10,1,0,1,10,40,12\n"
    "2026-11-09,,客户 [bold]乙[/bold],5,40,10,1,0,1,10,40,12\n"  # by name only
    "2026-11-16,0015g00000AbCdEAA1,,151,220,700,200,100,300,2000,500,18\n"
)


def test_a_company_wide_export_is_refused_and_says_how_many_rows_are_not_in_the_book(
    conn, tmp_path
):
    before = state(conn)
    report = run(conn, "usage", write(tmp_path, _COMPANY_WIDE))
    assert not report.committed and [e.line for e in report.errors] == [3, 4, 5]
    assert (report.unknown_rows, report.unknown_accounts) == (3, 2)
    assert report.left_out_words() is None
    hint = report.not_in_cache_words()
    assert hint is not None and hint.english().startswith(
        "3 rows name 2 accounts this cache does not have ('Other Team Co', '客户 [bold]乙[/bold]')"
    )
    assert state(conn) == before


def test_skip_unknown_accounts_imports_the_book_s_rows_and_counts_the_rest(conn, tmp_path):
    path = write(tmp_path, _COMPANY_WIDE)
    dry = run(conn, "usage", path, dry_run=True, skip_unknown_accounts=True)
    assert dry.ok and dry.created == 2 and not dry.committed
    report = run(conn, "usage", path, skip_unknown_accounts=True)
    assert report.committed and report.ok
    assert (report.rows, report.created, report.unknown_rows, report.unknown_accounts) == (
        5, 2, 3, 2,
    )  # fmt: skip
    assert report.accounts == (account_id(conn, "0015g00000AbCdEAA1"),)
    # named as a CSM knows them: by name where the row gives one
    assert report.unknown_examples == ("Other Team Co", "客户 [bold]乙[/bold]")
    assert "imported 2 usage rows" in report.summary()  # not the 3 left out
    words = report.left_out_words()
    assert words is not None
    said = "left out 3 rows of 2 accounts not in the cache ('Other Team Co', '客户 [bold]乙[/bold]'"
    assert said in words.english()
    weeks = conn.execute(
        "SELECT week_start FROM usage_weeks WHERE account_id = ? AND week_start > '2026-11-02' "
        "ORDER BY week_start",
        report.accounts,
    )
    assert [w for (w,) in weeks] == ["2026-11-09", "2026-11-16"]
    assert report.as_dict()["unknown_account_rows"] == 3


def test_skip_unknown_accounts_still_refuses_a_name_two_accounts_share(conn, tmp_path):
    conn.execute(
        "UPDATE accounts SET name = 'Twin Co' WHERE external_id IN "
        "('0015g00000AbCdEAA1', '0015g00000AbCdFAA1')"
    )
    conn.commit()
    text = _COMPANY_WIDE + "2026-11-09,,Twin Co,5,40,10,1,0,1,10,40,12\n"
    report = run(conn, "usage", write(tmp_path, text), skip_unknown_accounts=True)
    assert not report.committed
    assert [e.line for e in report.errors] == [7]
    assert "2 accounts in the cache are named 'Twin Co'" in report.errors[0].message


def test_skip_unknown_accounts_leaves_out_another_team_s_rows_whatever_else_they_hold(
    conn, tmp_path
):
    """Rows left out are not this book's to judge: a bad count in another team's row does
    not refuse the file; the same in a row of the book's own account does."""
    theirs = "2026-11-23,OTHER-1,Other Team Co,lots,40,10,1,0,1,10,40,12\n"
    ours = "2026-11-23,0015g00000AbCdEAA1,,lots,220,700,200,100,300,2000,500,18\n"
    report = run(conn, "usage", write(tmp_path, _COMPANY_WIDE + theirs),
                 skip_unknown_accounts=True)  # fmt: skip
    assert report.committed and (report.unknown_rows, report.unknown_accounts) == (4, 2)
    # a row naming no account, and another team's name that does not read: left out too
    nameless = "2026-11-23,,,4,40,10,1,0,1,10,40,12\n"
    escaped = "2026-11-23,OTHER-2,Other \x1b[2J Co,4,40,10,1,0,1,10,40,12\n"
    report = run(conn, "usage", write(tmp_path, _COMPANY_WIDE + nameless + escaped, "more.csv"),
                 skip_unknown_accounts=True)  # fmt: skip
    assert report.committed, [e.message for e in report.errors]
    assert (report.unknown_rows, report.unnamed_rows, report.left_out) == (4, 1, 5)
    words = report.left_out_words()
    assert words is not None and words.english().endswith("; left out 1 row that names no account")
    report = run(conn, "usage", write(tmp_path, _COMPANY_WIDE + ours, "ours.csv"),
                 skip_unknown_accounts=True)  # fmt: skip
    assert not report.committed
    assert [(e.line, e.column) for e in report.errors] == [(7, "Weekly Active Users")]


def test_a_file_none_of_whose_rows_is_in_the_book_is_refused_even_with_skip(conn, tmp_path):
    """The wrong file, or the wrong cache: "imported 0 rows" with exit 0 hid it."""
    text = _COMPANY_WIDE.splitlines(keepends=True)
    only_theirs = text[0] + text[2] + text[3]
    for dry_run in (True, False):
        report = run(conn, "usage", write(tmp_path, only_theirs), dry_run=dry_run,
                     skip_unknown_accounts=True)  # fmt: skip
        assert not report.committed and [e.line for e in report.errors] == [0]
        assert "none of its 2 rows names an account of this cache" in report.errors[0].message


def test_without_skip_the_hint_counts_rows_of_other_accounts_that_have_other_problems(
    conn, tmp_path
):
    bad_date = "2026-13-40,OTHER-3,Third Co,3,40,10,1,0,1,10,40,12\n"
    report = run(conn, "usage", write(tmp_path, _COMPANY_WIDE + bad_date))
    assert (report.unknown_rows, report.unknown_accounts) == (4, 3)
    skipped = run(conn, "usage", write(tmp_path, _COMPANY_WIDE + bad_date, "b.csv"),
                  skip_unknown_accounts=True)  # fmt: skip
    assert skipped.committed and skipped.left_out == 4
    one = "2026-11-09,0015g00000AbCdEAA1,,150,220,700,200,100,300,2000,500,18\n"
    lone = run(conn, "usage", write(tmp_path, _COMPANY_WIDE.splitlines(keepends=True)[0] + one
                                    + bad_date, "c.csv"))  # fmt: skip
    hint = lone.not_in_cache_words()
    assert hint is not None
    assert hint.english().startswith("a row names an account this cache does not have ('Third Co')")
