"""Importing CSV exports into the cache: all or nothing, line numbers, idempotent."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_mapping import ColumnMapping, MappingError
from csm_tui.domain.tiers import TierRules
from csm_tui.store import outbox
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.importer import import_csv, load_mapping, shipped_mappings

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
RULES = TierRules()
SAMPLES = assets_dir() / "import"
TABLES = (
    "accounts",
    "contacts",
    "stage_changes",
    "arr_events",
    "outbox",
    "users",
    "activities",
    "tasks",
)


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    yield c
    c.close()


def state(conn: sqlite3.Connection) -> dict[str, object]:
    """Row counts and a digest of every table an import could touch."""
    out: dict[str, object] = {}
    for table in TABLES:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        out[table] = (len(rows), digest)
    return out


def run(conn, path, mapping="hubspot", kind="accounts", **kw):
    if isinstance(mapping, str):
        mapping = load_mapping(mapping, kind)
    return import_csv(conn, path, mapping, kind, now=NOW, rules=RULES, **kw)


def account(conn, name: str) -> sqlite3.Row:
    rows = conn.execute(
        "SELECT a.*, u.name AS owner_name FROM accounts a LEFT JOIN users u ON u.id = a.owner_id "
        "WHERE a.name = ? AND a.deleted_at IS NULL",
        (name,),
    ).fetchall()
    assert len(rows) == 1, (name, len(rows))
    return rows[0]


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


HEADER = (
    "Record ID,Company name,Company owner,Lifecycle Stage,Annual recurring revenue,"
    "Renewal date,Go-live date,Industry,Country/Region,Licensed seats\n"
)


def hubspot_rows(n: int, start: int = 1) -> str:
    return "".join(
        f'{900000 + i},Test Account {i},Sarah Mitchell,Customer,"${i * 1000:,}",'
        f"2027-0{1 + i % 9}-15,2025-01-10,Software,United Kingdom,{i}\n"
        for i in range(start, start + n)
    )


# ----------------------------------------------------------------------------- samples


def test_the_hubspot_sample_imports_as_the_crm_says(conn):
    report = run(conn, SAMPLES / "hubspot-companies-sample.csv")
    assert report.ok and report.committed, [str(e) for e in report.errors]
    assert (report.rows, report.created, report.skipped) == (9, 7, 2)
    skipped = {o.line: o.note for o in report.outcomes if o.action == "skip"}
    assert skipped == {7: "Lifecycle Stage is 'Lead'", 9: "Lifecycle Stage is 'Opportunity'"}

    northwind = account(conn, "Northwind Analytics Ltd")
    assert northwind["external_id"] == "18273645001"
    assert (northwind["arr"], northwind["currency"], northwind["arr_usd"]) == (48000, "USD", 48000)
    assert (northwind["tier"], northwind["tier_rank"]) == ("enterprise", 1)
    assert northwind["owner_name"] == "Sarah Mitchell"
    assert (northwind["stage"], northwind["sales_motion"]) == ("adoption", "short-direct")
    assert (northwind["renewal_date"], northwind["go_live_date"]) == ("2027-03-31", "2025-04-15")
    assert (northwind["seats"], northwind["segment"]) == (120, "United Kingdom")

    yunfan = account(conn, "上海云帆信息技术有限公司")
    assert (yunfan["currency"], yunfan["arr"]) == ("CNY", 860000)
    assert yunfan["arr_usd"] == RULES.to_usd(860000, "CNY")
    assert yunfan["tier"] == "strategic" and yunfan["owner_name"] == "王芳"
    assert account(conn, "深圳前海微众数据服务有限公司")["owner_name"] == "李伟"  # by email
    assert account(conn, "深圳前海微众数据服务有限公司")["stage"] == "renewal"  # evangelist
    assert account(conn, "Fjord Logistics AS")["arr"] == 1200.5
    assert account(conn, "Café Olé Ltd 🚀")["renewal_date"] == "2027-02-28"  # 02/28/2027, MDY
    assert (
        conn.execute("SELECT count(*) FROM accounts WHERE name LIKE 'Acme Prospect%'").fetchone()[0]
        == 0
    )


def test_salesforce_accounts_then_contacts(conn):
    accounts = run(conn, SAMPLES / "salesforce-accounts-sample.csv", "salesforce")
    assert accounts.ok and (accounts.created, accounts.skipped) == (6, 2)
    xinghe = account(conn, "北京星河智能科技有限公司")
    assert (xinghe["sales_motion"], xinghe["stage"], xinghe["currency"]) == (
        "long-channel",
        "onboarding",
        "CNY",
    )
    assert xinghe["renewal_date"] == "2027-06-30" and xinghe["go_live_date"] == "2025-08-01"
    nordlicht = account(conn, "Nordlicht Energie GmbH")
    assert nordlicht["go_live_date"] == "2025-02-03"  # 03/02/2025 read as DMY
    assert (nordlicht["stage"], nordlicht["arr"], nordlicht["tier"]) == (
        "renewal",
        18500.5,
        "growth",
    )
    assert account(conn, "Vantage Point Media")["stage"] == "churned"

    contacts = run(conn, SAMPLES / "contacts-sample.csv", "salesforce", "contacts")
    assert contacts.ok and contacts.created == 8, [str(e) for e in contacts.errors]
    rows = conn.execute(
        "SELECT c.name, c.title, c.role, c.phone FROM contacts c JOIN accounts a "
        "ON a.id = c.account_id WHERE a.external_id = '0015g00000AbCdFAA1' ORDER BY c.name"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("孙立", "IT 经理", "user", "+86 138 0013 8000"),
        ("赵敏", "销售运营总监", "sponsor", "+86 10 6552 8800"),
    ]
    roles = dict(
        conn.execute(
            "SELECT name, role FROM contacts WHERE name IN (?, ?, ?)",
            ("Olivia Grant", "Daniel Okoye", "Petra Lang"),
        ).fetchall()
    )
    assert roles == {"Olivia Grant": "sponsor", "Daniel Okoye": "champion", "Petra Lang": "blocker"}


def test_text_from_the_file_is_stored_byte_for_byte(conn):
    """Chinese, emoji, Rich markup, HTML, quotes, pipes and backslashes: exactly as in the CSV."""
    for sample, mapping, kind, column in (
        ("salesforce-accounts-sample.csv", "salesforce", "accounts", "Account Name"),
        ("hubspot-companies-sample.csv", "hubspot", "accounts", "Company name"),
        ("contacts-sample.csv", "salesforce-contacts", "contacts", "Full Name"),
    ):
        report = run(conn, SAMPLES / sample, mapping, kind)
        assert report.ok, [str(e) for e in report.errors]
        with open(SAMPLES / sample, encoding="utf-8-sig", newline="") as f:
            names = [row[column] for row in csv.DictReader(f)]
        table = "accounts" if kind == "accounts" else "contacts"
        stored = {r[0] for r in conn.execute(f"SELECT name FROM {table}")}
        created = {o.name for o in report.outcomes if o.action == "create"}
        assert created <= set(names) and created <= stored
    tricky = [
        '[bold red]Redline[/] Media | "Quoted", Inc. C:\\new\\table <b>*bold*</b>',
        "O'Brien & Sons <script>alert(1)</script> \\path\\to "
        '[link=https://x.example]click[/link] "Ltd"',
        "Café Olé Ltd 🚀",
    ]
    for name in tricky:
        assert account(conn, name)["name"].encode() == name.encode()
    sean = conn.execute(
        "SELECT name, title FROM contacts WHERE email = 'sean.obrien@obrien.example'"
    )
    assert tuple(sean.fetchone()) == ("[i]Sean[/i] O'Brien", "<b>CTO</b> | R&D *lead* \\o/")


def test_every_write_is_queued_for_sync_with_its_fields(conn):
    before = {i.seq for i in outbox.entries(conn)}
    report = run(conn, SAMPLES / "hubspot-companies-sample.csv")
    new = [i for i in outbox.entries(conn) if i.seq not in before]
    assert len(new) == report.outbox_entries
    me = get_meta(conn, META_ME)
    creates = [i for i in new if "name" in i.fields]
    assert len(creates) == report.created
    by_id = {o.record_id: o for o in report.outcomes if o.action == "create"}
    for item in creates:
        assert item.kind == "account" and item.record_id in by_id
        assert item.fields["created_at"] == NOW.isoformat()
        stored = conn.execute("SELECT * FROM accounts WHERE id = ?", (item.record_id,)).fetchone()
        for key in ("name", "external_id", "arr", "arr_usd", "tier", "stage", "renewal_date"):
            assert item.fields[key] == stored[key]
        # The server makes the pusher the owner: another owner follows as a reassignment.
        if stored["owner_id"] == me:
            assert item.fields["owner_id"] == me
        else:
            assert "owner_id" not in item.fields
            hand_over = [i for i in new if i.record_id == item.record_id and i.seq > item.seq]
            assert [h.fields for h in hand_over] == [{"owner_id": stored["owner_id"]}]


def arr_history(conn, account_id: str) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT effective_on, kind, arr_before_usd, arr_after_usd FROM arr_events "
            "WHERE account_id = ? ORDER BY effective_on, created_at, id",
            (account_id,),
        )
    ]


def test_arr_changes_are_written_to_the_arr_history_and_queued(conn, tmp_path):
    today = NOW.date().isoformat()
    assert run(conn, write(tmp_path, HEADER + hubspot_rows(3))).created == 3
    first, second = account(conn, "Test Account 1"), account(conn, "Test Account 2")
    assert arr_history(conn, first["id"]) == [(today, "new", 0.0, 1000.0)]
    rows = (
        '900001,Test Account 1,Sarah Mitchell,Customer,"$1,500",,,,,\n'
        '900002,Test Account 2,Sarah Mitchell,Customer,"$1,200",,,,,\n'
        '900003,Test Account 3,Sarah Mitchell,Customer,"$3,000",,,,,\n'
    )
    seq = max(i.seq for i in outbox.entries(conn))
    report = run(conn, write(tmp_path, HEADER + rows, "b.csv"))
    assert (report.updated, report.unchanged) == (2, 1)
    assert arr_history(conn, first["id"])[1:] == [(today, "expansion", 1000.0, 1500.0)]
    assert arr_history(conn, second["id"])[1:] == [(today, "contraction", 2000.0, 1200.0)]
    queued = [i for i in outbox.entries(conn) if i.seq > seq and i.kind == "arr_event"]
    assert len(queued) == 2 and report.outbox_entries == 4  # two accounts, two events
    stored = {r["id"]: r for r in conn.execute("SELECT * FROM arr_events")}
    for item in queued:
        row = stored[item.record_id]
        assert item.fields == {
            "account_id": row["account_id"],
            "effective_on": row["effective_on"],
            "kind": row["kind"],
            "arr_before_usd": row["arr_before_usd"],
            "arr_after_usd": row["arr_after_usd"],
            "created_at": NOW.isoformat(),
        }


def test_an_arr_change_starts_where_the_history_ends(conn, tmp_path):
    # A demo account with history, none of it signed for later, and ARR today; the
    # history, not the ARR column, says where the next event starts.
    aid = conn.execute(
        "SELECT a.id FROM accounts a WHERE a.deleted_at IS NULL AND a.currency = 'USD' "
        "AND a.external_id = '' AND a.arr_usd > 0 AND (SELECT total(e.arr_after_usd - "
        "e.arr_before_usd) FROM arr_events e WHERE e.account_id = a.id) > 1 "
        "AND NOT EXISTS (SELECT 1 FROM arr_events e "
        "WHERE e.account_id = a.id AND e.effective_on > ?) ORDER BY a.id LIMIT 1",
        (NOW.date().isoformat(),),
    ).fetchone()[0]
    last_after = arr_history(conn, aid)[-1][3]
    name = conn.execute("SELECT name FROM accounts WHERE id = ?", (aid,)).fetchone()[0]
    conn.execute("UPDATE accounts SET arr_usd = arr_usd + 1 WHERE id = ?", (aid,))
    conn.commit()
    new_arr = round(last_after) + 5000
    row = f'"",{name},,,"{new_arr}",,,,,\n'
    assert run(conn, write(tmp_path, HEADER + row)).updated == 1
    latest = arr_history(conn, aid)[-1]
    assert latest == (NOW.date().isoformat(), "expansion", last_after, float(new_arr))
    total = conn.execute(
        "SELECT sum(arr_after_usd - arr_before_usd) FROM arr_events WHERE account_id = ?", (aid,)
    ).fetchone()[0]
    assert total == pytest.approx(new_arr)  # ARR today is still the sum of the changes


def test_an_account_without_history_gets_its_start_before_the_change(conn, tmp_path):
    assert run(conn, write(tmp_path, HEADER + hubspot_rows(1))).created == 1
    acc = account(conn, "Test Account 1")
    conn.execute("DELETE FROM arr_events WHERE account_id = ?", (acc["id"],))
    conn.execute(
        "UPDATE accounts SET created_at = '2025-02-03 10:00:00.000000' WHERE id = ?",
        (acc["id"],),
    )
    conn.commit()
    row = '900001,Test Account 1,Sarah Mitchell,Customer,"$800",,,,,\n'
    assert run(conn, write(tmp_path, HEADER + row, "b.csv")).updated == 1
    assert arr_history(conn, acc["id"]) == [
        ("2025-02-03", "new", 0.0, 1000.0),
        (NOW.date().isoformat(), "contraction", 1000.0, 800.0),
    ]


def test_an_account_without_arr_has_no_history_and_a_dry_run_writes_none(conn, tmp_path):
    row = '900001,Free Ltd,Sarah Mitchell,Customer,"$0",,,,,\n'
    assert run(conn, write(tmp_path, HEADER + row)).created == 1
    assert arr_history(conn, account(conn, "Free Ltd")["id"]) == []
    before = state(conn)
    paid = '900001,Free Ltd,Sarah Mitchell,Customer,"$2,000",,,,,\n'
    report = run(conn, write(tmp_path, HEADER + paid, "b.csv"), dry_run=True)
    assert report.updated == 1 and state(conn) == before
    run(conn, write(tmp_path, HEADER + paid, "b.csv"))
    assert arr_history(conn, account(conn, "Free Ltd")["id"]) == [
        (NOW.date().isoformat(), "new", 0.0, 2000.0)
    ]


def test_a_new_account_without_an_arr_cell_is_told_as_counted_at_0(conn, tmp_path):
    """A blank ARR became $0 and so Self-Serve without a word; "$0" typed is a choice."""
    rows = (
        '900001,Free Ltd,Sarah Mitchell,Customer,"$0",,,,,\n'  # said: 0
        "900002,Unknown Revenue Ltd,Sarah Mitchell,Customer,,,,,,\n"  # blank
        "900003,北京未知营收有限公司,Sarah Mitchell,Customer,,,,,,\n"
        '900004,Paid Ltd,Sarah Mitchell,Customer,"$90,000",,,,,\n'
    )
    path = write(tmp_path, HEADER + rows)
    dry = run(conn, path, dry_run=True)
    assert [o.name for o in dry.without_arr()] == ["Unknown Revenue Ltd", "北京未知营收有限公司"]
    report = run(conn, path)
    assert report.committed and report.created == 4
    assert [o.no_arr for o in report.outcomes] == [False, True, True, False]
    note = report.outcomes[1].note
    assert note == "no ARR in the file: recorded as 0, so Self-Serve until an import gives it"
    words = report.no_arr_words()
    assert words is not None
    assert words.english().startswith("2 new accounts had no ARR in the file and count as 0")
    assert "until an import gives it" in words.english()
    assert "'Unknown Revenue Ltd', '北京未知营收有限公司'" in words.english()
    assert report.as_dict()["created_without_arr"] == 2
    assert account(conn, "Unknown Revenue Ltd")["tier"] == "self-serve"
    # the same file again: nothing new, nothing to tell
    again = run(conn, path)
    assert again.created == 0 and again.no_arr_words() is None


def test_a_header_that_names_no_field_is_told_with_the_field_it_may_mean(conn, tmp_path):
    """With csm-tui's own headers, `renewl_date` was dropped without a word: the renewal
    date never arrived. Columns an export writes besides the fields are not told."""
    text = "name,arr,renewl_date,Notes,health,id\nTypo Ltd,5000,2027-01-01,hi,50,x\n"
    report = run(conn, write(tmp_path, text), mapping=load_mapping(None, "accounts"))
    assert report.committed and report.created == 1
    assert report.ignored_columns == (("renewl_date", "renewal_date"), ("Notes", ""))
    words = report.ignored_words()
    assert words is not None and words.english() == (
        "not read: the columns 'renewl_date' (renewal_date?), 'Notes' name no csm-tui field"
    )
    assert account(conn, "Typo Ltd")["renewal_date"] is None
    hubspot = run(conn, SAMPLES / "hubspot-companies-sample.csv")
    assert hubspot.ignored_columns == ()  # a CRM's many other columns are its own


# ----------------------------------------------------------------------------- re-import


def test_importing_the_same_file_again_changes_nothing(conn):
    for sample, mapping, kind in (
        ("hubspot-companies-sample.csv", "hubspot", "accounts"),
        ("salesforce-accounts-sample.csv", "salesforce", "accounts"),
        ("contacts-sample.csv", "salesforce-contacts", "contacts"),
    ):
        first = run(conn, SAMPLES / sample, mapping, kind)
        assert first.ok and first.created > 0
        after_first = state(conn)
        again = run(conn, SAMPLES / sample, mapping, kind)
        assert again.ok and again.created == again.updated == 0
        assert again.unchanged == first.created and again.outbox_entries == 0
        assert state(conn) == after_first


def test_a_changed_row_updates_only_what_changed(conn, tmp_path):
    path = write(tmp_path, HEADER + hubspot_rows(3))
    assert run(conn, path).created == 3
    before = account(conn, "Test Account 2")
    seq = max(i.seq for i in outbox.entries(conn))
    changed = (
        HEADER
        + hubspot_rows(1)
        + (
            '900002,Test Account 2,Sarah Mitchell,Evangelist,"$150,000",2027-04-20,,Software,'
            "United Kingdom,\n"
        )
        + hubspot_rows(1, start=3)
    )
    report = run(conn, write(tmp_path, changed, "changed.csv"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    (update,) = [o for o in report.outcomes if o.action == "update"]
    assert update.line == 3 and set(update.changed) == {"arr", "renewal_date"}
    after = account(conn, "Test Account 2")
    assert (after["arr"], after["tier"], after["tier_rank"]) == (150000, "strategic", 0)
    assert after["stage"] == before["stage"] == "adoption"  # create_only: kept
    assert after["seats"] == before["seats"] == 2  # an empty cell keeps the stored value
    assert after["go_live_date"] == before["go_live_date"]
    (entry,) = [i for i in outbox.entries(conn) if i.seq > seq and i.kind == "account"]
    assert entry.record_id == before["id"] and entry.base_version == before["version"]
    assert entry.fields == {
        "arr": 150000.0,
        "arr_usd": 150000.0,
        "tier": "strategic",
        "tier_rank": 0,
        "renewal_date": "2027-04-20",
    }


def test_a_tier_override_survives_an_arr_change(conn, tmp_path):
    run(conn, write(tmp_path, HEADER + hubspot_rows(1)))
    conn.execute(
        "UPDATE accounts SET tier_override = 'strategic', tier_override_reason = 'flagship', "
        "tier = 'strategic', tier_rank = 0 WHERE name = 'Test Account 1'"
    )
    conn.commit()
    row = '900001,Test Account 1,Sarah Mitchell,Customer,"$9,000",,,,,\n'
    assert run(conn, write(tmp_path, HEADER + row, "b.csv")).updated == 1
    after = account(conn, "Test Account 1")
    assert (after["arr"], after["tier"]) == (9000, "strategic")


def test_a_stage_change_from_the_crm_is_recorded_in_the_history(conn, tmp_path):
    header = (
        '"Account ID","Account Name","Type","Account Owner","Industry","Billing Country",'
        '"Account Currency","ARR","Contract Renewal Date","Go-Live Date","Licensed Seats",'
        '"CS Stage"\n'
    )
    row = '"001A","Stageful Ltd","Customer - Direct","Tom Becker","X","UK","USD","5000",'
    run(conn, write(tmp_path, header + row + '"","","","Implementation"\n'), "salesforce")
    report = run(
        conn, write(tmp_path, header + row + '"","","","Adopted"\n', "b.csv"), "salesforce"
    )
    assert report.updated == 1
    acc = account(conn, "Stageful Ltd")
    history = conn.execute(
        "SELECT from_stage, to_stage FROM stage_changes WHERE account_id = ?", (acc["id"],)
    ).fetchall()
    assert [tuple(h) for h in history] == [("onboarding", "adoption")]
    kinds = [i.kind for i in outbox.entries(conn) if i.record_id != acc["id"]][-1:]
    assert kinds == ["stage_change"]


def test_an_existing_account_is_found_by_exact_name_and_linked(conn, tmp_path):
    name, aid = conn.execute(
        "SELECT name, id FROM accounts WHERE deleted_at IS NULL AND external_id = '' "
        "AND name NOT IN (SELECT name FROM accounts GROUP BY name HAVING count(*) > 1) "
        "ORDER BY rowid LIMIT 1"
    ).fetchone()
    quoted = '"' + name.replace('"', '""') + '"'
    row = f"555,{quoted},,Customer,,,,,,\n"
    before = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
    report = run(conn, write(tmp_path, HEADER + row))
    assert report.ok and report.updated == 1 and report.created == 0
    assert report.outcomes[0].record_id == aid and report.outcomes[0].changed == ("external_id",)
    assert (
        conn.execute("SELECT external_id FROM accounts WHERE id = ?", (aid,)).fetchone()[0] == "555"
    )
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == before


def test_two_crm_records_with_one_name_stay_two_accounts(conn, tmp_path):
    rows = (
        '1,Twin Ltd,Sarah Mitchell,Customer,"$1,000",,,,,\n'
        '2,Twin Ltd,Sarah Mitchell,Customer,"$2,000",,,,,\n'
    )
    report = run(conn, write(tmp_path, HEADER + rows))
    assert report.ok and report.created == 2
    again = run(conn, write(tmp_path, HEADER + rows, "again.csv"))
    assert again.unchanged == 2
    # A row without an external id cannot tell them apart: refused, nothing written.
    before = state(conn)
    third = run(conn, write(tmp_path, HEADER + ",Twin Ltd,,Customer,$5,,,,,\n", "c.csv"))
    assert [(e.line, e.field) for e in third.errors] == [(2, "name")]
    assert "2 accounts in the cache are named 'Twin Ltd'" in third.errors[0].message
    assert state(conn) == before


# ----------------------------------------------------------------------------- refusals


MALFORMED = {
    "unclosed quote": (
        HEADER
        + hubspot_rows(3)
        + '900009,"Never closed,Sarah Mitchell,Customer,$5,,,,,\n'
        + hubspot_rows(2, start=10),
        [5],
        "closing quote is missing",
    ),
    "text after a quote": (
        HEADER + hubspot_rows(2) + '900009,"Quoted"Corp,Sarah Mitchell,Customer,$5,,,,,\n',
        [4],
        "text after a closing quote",
    ),
    "wrong column count": (
        HEADER
        + hubspot_rows(2)
        + "900009,Short Row,Sarah Mitchell\n"
        + hubspot_rows(1, 5)
        + "900010,Long,Row,Customer,$5,,,,,,,\n",
        [4, 6],
        "fields, but the header has 10",
    ),
    "no such header": (
        HEADER.replace("Company name", "Company") + hubspot_rows(2),
        [1],
        "no column 'Company name' (mapped to name); did you mean 'Company'?",
    ),
    "NUL byte": (HEADER + hubspot_rows(2) + "9,\x00,x,Customer,,,,,,\n", [4], "NUL byte"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_a_malformed_csv_changes_nothing_and_says_where(conn, tmp_path, case, dry_run):
    text, lines, message = MALFORMED[case]
    before = state(conn)
    pending = outbox.pending_count(conn)
    report = run(conn, write(tmp_path, text), dry_run=dry_run)
    assert not report.ok and not report.committed
    assert sorted({e.line for e in report.errors}) == lines
    assert message in report.errors[0].message
    assert state(conn) == before and outbox.pending_count(conn) == pending
    assert "nothing was imported" in report.summary()


def test_a_file_that_is_not_utf8_changes_nothing(conn, tmp_path):
    text = HEADER + hubspot_rows(2) + "900009,北京某公司,Sarah Mitchell,Customer,$5,,,,,\n"
    before = state(conn)
    report = run(conn, write(tmp_path, text, encoding="gb18030"))
    assert [(e.line, e.field) for e in report.errors] == [(4, None)]
    assert "not UTF-8" in report.errors[0].message
    assert state(conn) == before


def test_every_bad_cell_is_reported_with_its_line_and_field(conn, tmp_path):
    rows = (
        hubspot_rows(1)  # line 2: fine
        + '9002,"Multi\nline note is a name",Sarah Mitchell,Customer,$5,,,,,\n'  # lines 3-4
        + "9003,Bad Money,Sarah Mitchell,Customer,€500,,,,,\n"  # line 5
        + "9004,Bad Date,Sarah Mitchell,Customer,$5,03/04/2027,,,,\n"  # 6: MDY, fine
        + "9005,Bad Date 2,Sarah Mitchell,Customer,$5,31/12/2027,,,,\n"  # 7: not MDY
        + "9006,Nobody Owns,Ghost Person,Customer,$5,,,,,\n"  # 8
        + "9007,,Sarah Mitchell,Customer,$5,,,,,\n"  # 9: no name
        + "9008,Odd Stage,Sarah Mitchell,Partner,$5,,,,,-4\n"  # 10: two problems
        + hubspot_rows(1, start=1)  # 11: the same record as line 2
    )
    before = state(conn)
    report = run(conn, write(tmp_path, HEADER + rows))
    got = [(e.line, e.field, e.column) for e in report.errors]
    assert got == [  # every problem, in file order
        (3, "name", "Company name"),
        (5, "arr", "Annual recurring revenue"),
        (7, "renewal_date", "Renewal date"),
        (8, "owner", "Company owner"),
        (9, "name", "Company name"),
        (10, "stage", "Lifecycle Stage"),
        (10, "seats", "Licensed seats"),
        (11, "external_id", "Record ID"),
    ]
    messages = {(e.line, e.field): e.message for e in report.errors}
    assert "one line of text" in messages[(3, "name")]
    assert "no month 31" in messages[(7, "renewal_date")]
    assert "no user 'Ghost Person'" in messages[(8, "owner")]
    assert "the same external id '900001' as line 2" in messages[(11, "external_id")]
    assert str(report.errors[0]).startswith("line ")
    assert state(conn) == before


def test_one_bad_row_among_many_writes_none_of_them(conn, tmp_path):
    rows = (
        hubspot_rows(500)
        + "999,Broken,Sarah Mitchell,Customer,lots,,,,,\n"
        + hubspot_rows(499, start=501)
    )
    before = state(conn)
    report = run(conn, write(tmp_path, HEADER + rows))
    assert [(e.line, e.field) for e in report.errors] == [(502, "arr")]
    assert report.rows == 1000 and state(conn) == before


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(conn, tmp_path):
    before = state(conn)
    report = run(conn, SAMPLES / "hubspot-companies-sample.csv", dry_run=True)
    assert report.ok and report.dry_run and not report.committed
    assert (report.created, report.skipped, report.outbox_entries) == (7, 2, 0)
    assert all(o.record_id is None for o in report.outcomes if o.action == "create")
    assert "dry run, nothing written — 7 to create" in report.summary()
    assert state(conn) == before
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["created"] == 7 and as_json["errors"] == []


def test_a_mapping_for_the_other_kind_is_refused(conn):
    before = state(conn)
    mapping = load_mapping("salesforce-contacts")
    report = import_csv(conn, SAMPLES / "hubspot-companies-sample.csv", mapping, "accounts",
                        now=NOW, rules=RULES)  # fmt: skip
    assert "is for contacts, not accounts" in report.errors[0].message
    assert state(conn) == before


def test_a_missing_file_is_reported(conn, tmp_path):
    report = run(conn, tmp_path / "nope.csv")
    assert report.errors[0].line == 0 and "cannot read" in report.errors[0].message


# ----------------------------------------------------------------------------- other forms


def test_a_semicolon_file_with_decimal_commas_and_european_dates(conn, tmp_path):
    mapping = ColumnMapping.from_toml(
        """
kind = "accounts"
date_order = "DMY"
decimal = ","
currency = "CNY"
[columns]
name = "Kunde"
arr = "Jahresumsatz"
renewal_date = "Verlängerung"
"""
    )
    text = "\ufeffKunde;Jahresumsatz;Verlängerung\nMüller GmbH;1.234,50;03.04.2027\n"
    report = import_csv(conn, write(tmp_path, text), mapping, "accounts", now=NOW, rules=RULES)
    assert report.ok, [str(e) for e in report.errors]
    row = account(conn, "Müller GmbH")
    assert (row["arr"], row["currency"], row["renewal_date"]) == (1234.5, "CNY", "2027-04-03")


def test_contacts_match_by_email_ignoring_case_and_refuse_unknown_accounts(conn, tmp_path):
    run(conn, SAMPLES / "salesforce-accounts-sample.csv", "salesforce")
    run(conn, SAMPLES / "contacts-sample.csv", "salesforce", "contacts")
    header = '"Contact ID","Account ID","Full Name","Title","Email","Phone","Contact Role"\n'
    text = header + (
        '"x","0015g00000AbCdEAA1","Olivia Grant-Smith","COO","OLIVIA.GRANT@harbourside.example",'
        '"","Executive Sponsor"\n'
        '"y","Harbourside Insurance plc","New Person","","","","Influencer"\n'
        '"z","No Such Account","Lost Soul","","","",""\n'
    )
    before = state(conn)
    refused = run(conn, write(tmp_path, text), "salesforce-contacts", "contacts")
    assert [(e.line, e.field) for e in refused.errors] == [(4, "account")]
    assert "import the accounts first" in refused.errors[0].message
    assert state(conn) == before
    report = run(conn, write(tmp_path, text.rsplit('"z"', 1)[0], "ok.csv"), "salesforce-contacts",
                 "contacts")  # fmt: skip
    assert (report.created, report.updated) == (1, 1)
    (update,) = [o for o in report.outcomes if o.action == "update"]
    assert set(update.changed) == {"name", "title"}  # the email matched; its case is not news
    olivia = conn.execute(
        "SELECT name, title, email FROM contacts WHERE email = ?",
        ("olivia.grant@harbourside.example",),
    )
    assert tuple(olivia.fetchone()) == (
        "Olivia Grant-Smith",
        "COO",
        "olivia.grant@harbourside.example",
    )


def test_contact_validation_messages_carry_the_line(conn, tmp_path):
    run(conn, SAMPLES / "salesforce-accounts-sample.csv", "salesforce")
    header = '"Contact ID","Account ID","Full Name","Title","Email","Phone","Contact Role"\n'
    text = header + (
        '"a","0015g00000AbCdEAA1","Ok Person","","ok@example.com","","Influencer"\n'
        '"b","0015g00000AbCdEAA1","Bad Mail","","not-an-email","","Influencer"\n'
        '"c","0015g00000AbCdEAA1","Bad Role","","","","Chief Vibes Officer"\n'
    )
    report = run(conn, write(tmp_path, text), "salesforce-contacts", "contacts")
    assert [(e.line, e.field) for e in report.errors] == [(3, "email"), (4, "role")]
    assert "does not look like an email address" in report.errors[0].message
    assert "unknown role 'Chief Vibes Officer'" in report.errors[1].message


def test_owner_default_and_the_cache_user_own_unowned_rows(conn, tmp_path):
    rows = "1,Unowned One,,Customer,$5,,,,,\n"
    me = get_meta(conn, META_ME)
    run(conn, write(tmp_path, HEADER + rows))
    assert account(conn, "Unowned One")["owner_id"] == me
    run(conn, write(tmp_path, HEADER + "2,Unowned Two,,Customer,$5,,,,,\n", "b.csv"),
        owner_default="tom.becker@demo.csm-tui.example")  # fmt: skip
    assert account(conn, "Unowned Two")["owner_name"] == "Tom Becker"
    bad = run(conn, write(tmp_path, HEADER + "3,Three,,Customer,$5,,,,,\n", "c.csv"),
              owner_default="Nobody")  # fmt: skip
    assert bad.errors[0].line == 0 and "owner_default" in bad.errors[0].message


def test_shipped_mappings_by_name_prefix_or_path(tmp_path):
    assert shipped_mappings("accounts") == ["hubspot-companies", "salesforce-accounts"]
    assert load_mapping("hubspot").source == "HubSpot companies"
    assert load_mapping("salesforce", "contacts").source == "Salesforce contacts"
    with pytest.raises(MappingError, match="matches several"):
        load_mapping("salesforce")
    with pytest.raises(MappingError, match="is not a shipped"):
        load_mapping("pipedrive", "accounts")
    custom = tmp_path / "mine.toml"
    shutil.copyfile(SAMPLES / "hubspot-companies.toml", custom)
    assert load_mapping(str(custom)).kind.value == "accounts"
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping(tmp_path / "missing.toml")


def test_dates_are_stored_in_the_one_storage_format(conn, tmp_path):
    run(conn, SAMPLES / "hubspot-companies-sample.csv")
    for (value,) in conn.execute("SELECT renewal_date FROM accounts WHERE external_id != ''"):
        assert value is None or date.fromisoformat(value).isoformat() == value


def test_a_dry_run_inside_a_callers_transaction_leaves_it_open(conn):
    """A script runner may hold a transaction; a dry run reads inside it and ends nothing."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE accounts SET seats = seats + 1 WHERE rowid = 1")
    report = run(conn, SAMPLES / "hubspot-companies-sample.csv", dry_run=True)
    assert report.ok and report.created == 7
    assert conn.in_transaction
    conn.rollback()


# ----------------------------------------------------------------------------- properties


_ONE_LINE = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(_ONE_LINE, min_size=1, max_size=8, unique=True))
def test_any_names_import_exactly_and_twice_changes_nothing(tmp_path_factory, names):
    folder = tmp_path_factory.mktemp("prop")
    conn = connect(folder / "cache.sqlite3")
    try:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["external_id", "name", "arr"])
        writer.writerows([f"x{i}", name, f"{i * 1000}"] for i, name in enumerate(names))
        path = folder / "in.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        mapping = load_mapping(None, "accounts")
        first = import_csv(conn, path, mapping, "accounts", now=NOW, rules=RULES)
        assert first.ok and first.created == len(names), [str(e) for e in first.errors]
        stored = dict(conn.execute("SELECT external_id, name FROM accounts"))
        assert stored == {f"x{i}": name for i, name in enumerate(names)}
        again = import_csv(conn, path, mapping, "accounts", now=NOW, rules=RULES)
        assert again.unchanged == len(names) and again.outbox_entries == 0
    finally:
        conn.close()


def test_a_file_without_its_required_column_says_so_without_counting_rows(conn, tmp_path):
    """ "1 problem(s) in 0 rows" for a file of 300 rows whose header lacked `name`."""
    report = run(conn, write(tmp_path, "account,arr\nA,1\nB,2\n"),
                 mapping=load_mapping(None, "accounts"))  # fmt: skip
    assert not report.committed
    assert report.summary().endswith("in.csv: 1 problem(s); nothing was imported")
    assert "no column 'name'" in report.errors[0].message


def test_an_owner_unknown_before_the_first_sync_says_to_sync(conn, tmp_path):
    """Right after `login` the team's people are not in the cache yet: "no user 'Sarah
    Mitchell'", of the very person signed in, said nothing of why."""
    from csm_tui.store.cache import set_meta

    set_meta(conn, "server_url", "http://127.0.0.1:9")
    conn.commit()
    text = "name,owner\nNew Co,Somebody New\n"
    report = run(conn, write(tmp_path, text), mapping=load_mapping(None, "accounts"))
    assert not report.committed
    assert "run csm-tui sync to bring your team's people" in report.errors[0].message
    set_meta(conn, "sync_cursor", "5")
    conn.commit()
    report = run(conn, write(tmp_path, text), mapping=load_mapping(None, "accounts"))
    assert "give a name or email of a team member" in report.errors[0].message


def test_a_csm_signed_in_imports_their_own_accounts_and_skips_a_teammates(conn, tmp_path):
    """A CSM's import of the team's CRM export made Tom's accounts in their cache; the
    server refused the hand-over at the next sync and they stayed the CSM's there."""
    from csm_tui.store.cache import set_meta

    me, mate = conn.execute(
        "SELECT a.id, b.id FROM users a JOIN users b ON b.team_id = a.team_id AND b.id != a.id "
        "AND b.role = 'csm' WHERE a.role = 'csm' LIMIT 1"
    ).fetchone()
    names = dict(conn.execute("SELECT id, name FROM users WHERE id IN (?, ?)", (me, mate)))
    mine = conn.execute(
        "SELECT name FROM accounts WHERE owner_id = ? AND deleted_at IS NULL LIMIT 1", (me,)
    ).fetchone()[0]
    set_meta(conn, "server_url", "http://127.0.0.1:9")
    set_meta(conn, "me", me)
    conn.commit()
    text = (
        "name,owner,arr\n"
        f"Mine Ltd,{names[me]},1000\n"
        f"Theirs Ltd,{names[mate]},1000\n"
        "Nobody Named Ltd,,1000\n"
        f'"{mine}",{names[mate]},1000\n'
    )
    report = run(conn, write(tmp_path, text), mapping=load_mapping(None, "accounts"))
    assert report.committed, [e.message for e in report.errors]
    actions = [(o.name, o.action) for o in report.outcomes]
    assert actions[:3] == [("Mine Ltd", "create"), ("Theirs Ltd", "skip"),
                           ("Nobody Named Ltd", "create")]  # fmt: skip
    assert f"owned by {names[mate]}: a CSM imports their own accounts" in report.outcomes[1].note
    assert "owned by" in report.outcomes[3].note  # the owner stays: not handed over
    owners = dict(conn.execute(
        "SELECT name, owner_id FROM accounts WHERE name IN ('Mine Ltd', 'Nobody Named Ltd', ?)",
        (mine,)))  # fmt: skip
    assert owners == {"Mine Ltd": me, "Nobody Named Ltd": me, mine: me}
    assert conn.execute("SELECT 1 FROM accounts WHERE name = 'Theirs Ltd'").fetchone() is None
    # a lead (or a local book) imports the team's accounts as the file says
    lead = conn.execute(
        "SELECT id FROM users WHERE role = 'lead' AND team_id = (SELECT team_id FROM users "
        "WHERE id = ?)", (me,)).fetchone()[0]  # fmt: skip
    set_meta(conn, "me", lead)
    conn.commit()
    report = run(conn, write(tmp_path, f"name,owner\nTheirs Ltd,{names[mate]}\n", "b.csv"),
                 mapping=load_mapping(None, "accounts"))  # fmt: skip
    assert report.created == 1 and account(conn, "Theirs Ltd")["owner_id"] == mate
