"""Each account's ARR movement on record (store/arr_movements.py): whatever is written and
whenever the report is asked for, the sums from the record are the sums from the events."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csm_tui.domain.metrics import Period
from csm_tui.domain.renewals import RenewalDraft, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store.arr_movements import _grouped, movement_rows, per_account_query, refresh
from csm_tui.store.cache import connect
from csm_tui.store.coverage import load_coverage
from csm_tui.store.renewals import record_decision, set_tier_override
from tests.conftest import FROZEN_NOW

TODAY = FROZEN_NOW.date()
RULES = TierRules()


def from_events(conn: sqlite3.Connection, period: Period, rules: TierRules = RULES,
                team: str | None = None) -> list[tuple]:  # fmt: skip
    return sorted(_grouped(conn, per_account_query(period, rules, team)))


def from_record(conn: sqlite3.Connection, path: Path, period: Period, rules: TierRules = RULES,
                team: str | None = None) -> list[tuple]:  # fmt: skip
    return sorted(movement_rows(conn, str(path), period, rules, team))


def trailing(day: date) -> Period:
    return Period.trailing_months(day, 12)


@pytest.fixture
def book(demo_db):
    conn = connect(demo_db)
    yield conn
    conn.close()


def stale(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT account_id FROM account_movements_stale")}


def test_the_first_report_puts_every_account_on_record_and_the_next_keeps_it(book, demo_db):
    assert book.execute("SELECT count(*) FROM account_movements").fetchone()[0] == 0
    expected = from_events(book, trailing(TODAY))
    assert from_record(book, demo_db, trailing(TODAY)) == expected
    with_history = book.execute(
        "SELECT count(DISTINCT e.account_id) FROM arr_events e JOIN accounts a "
        "ON a.id = e.account_id WHERE a.deleted_at IS NULL"
    ).fetchone()[0]
    assert book.execute("SELECT count(*) FROM account_movements").fetchone()[0] == with_history
    assert refresh(book, trailing(TODAY), RULES) == "kept"


def test_nothing_is_marked_before_the_first_report(book):
    """A book that never showed Coverage pays nothing for the record: imports, syncs and
    the demo builder write without marking accounts."""
    aid = book.execute("SELECT account_id FROM arr_events LIMIT 1").fetchone()[0]
    book.execute("UPDATE accounts SET segment = 'EMEA' WHERE id = ?", (aid,))
    book.commit()
    assert stale(book) == set()


def test_a_decision_an_override_and_a_new_owner_work_out_only_those_accounts(book, demo_db):
    from_record(book, demo_db, trailing(TODAY))
    renewing, flagship, moved = (r[0] for r in book.execute(
        "SELECT a.id FROM accounts a WHERE a.deleted_at IS NULL AND a.stage = 'adoption' "
        "AND a.arr > 0 AND EXISTS (SELECT 1 FROM arr_events e WHERE e.account_id = a.id) "
        "ORDER BY a.id LIMIT 3"
    ))  # fmt: skip
    record_decision(book, renewing, RenewalDraft(RenewalOutcome.RENEWED, TODAY, 99_000.0,
                    date(2027, 12, 31)), RULES, author_id=None, now=FROZEN_NOW)  # fmt: skip
    set_tier_override(book, flagship, Tier.STRATEGIC, OverrideReason.FLAGSHIP, "logo", RULES,
                      author_id=None, now=FROZEN_NOW, today=TODAY)  # fmt: skip
    book.execute("UPDATE accounts SET owner_id = NULL WHERE id = ?", (moved,))
    book.commit()
    assert stale(book) == {renewing, flagship, moved}
    assert refresh(book, trailing(TODAY), RULES) == "updated"
    assert stale(book) == set()
    assert from_record(book, demo_db, trailing(TODAY)) == from_events(book, trailing(TODAY))


def test_the_next_day_works_out_only_accounts_with_an_event_near_the_ends(book, demo_db):
    from_record(book, demo_db, trailing(TODAY))
    tomorrow = trailing(TODAY + timedelta(days=1))
    assert refresh(book, tomorrow, RULES) == "updated"
    assert from_record(book, demo_db, tomorrow) == from_events(book, tomorrow)


def test_other_bands_or_a_far_period_work_every_account_out_again(book, demo_db):
    from_record(book, demo_db, trailing(TODAY))
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'account_movements'"
    migrated = sorted(tuple(r) for r in book.execute(schema))
    other = TierRules(bands=tuple(replace(b, min_arr=b.min_arr / 4) for b in RULES.bands))
    assert refresh(book, trailing(TODAY), other) == "rebuilt"
    assert from_record(book, demo_db, trailing(TODAY), other) == from_events(
        book, trailing(TODAY), other
    )
    quarter = Period(date(2025, 1, 1), date(2025, 3, 31))
    assert refresh(book, quarter, RULES) == "rebuilt"
    assert from_record(book, demo_db, quarter) == from_events(book, quarter)
    assert sorted(tuple(r) for r in book.execute(schema)) == migrated  # the index made afresh


def test_a_pending_write_of_the_callers_counts_and_leaves_the_record_alone(book, demo_db):
    from_record(book, demo_db, trailing(TODAY))
    aid = book.execute("SELECT account_id FROM arr_events LIMIT 1").fetchone()[0]
    book.execute(
        "INSERT INTO arr_events VALUES ('pending', ?, ?, 'expansion', 0, 1000000, ?)",
        (aid, (TODAY - timedelta(days=3)).isoformat(), FROZEN_NOW.isoformat()),
    )
    assert book.in_transaction
    rows = from_record(book, demo_db, trailing(TODAY))
    assert rows == from_events(book, trailing(TODAY))
    book.rollback()
    assert rows != from_events(book, trailing(TODAY))  # the pending event was in the sums
    assert from_record(book, demo_db, trailing(TODAY)) == from_events(book, trailing(TODAY))


def test_a_busy_cache_reads_the_events_instead(book, demo_db):
    from_record(book, demo_db, trailing(TODAY))
    tomorrow = trailing(TODAY + timedelta(days=1))
    other = sqlite3.connect(demo_db)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        assert from_record(book, demo_db, tomorrow) == from_events(book, tomorrow)
    finally:
        other.rollback()
        other.close()
    basis = book.execute("SELECT end_on FROM account_movements_basis").fetchone()[0]
    assert basis == TODAY.isoformat()  # not moved while it could not write


def test_a_team_reads_its_owners_rows_only(book, demo_db):
    team = book.execute("SELECT team_id FROM users WHERE team_id IS NOT NULL").fetchone()[0]
    mine = from_record(book, demo_db, trailing(TODAY), team=team)
    assert mine == from_events(book, trailing(TODAY), team=team)
    assert 0 < len(mine) < len(from_events(book, trailing(TODAY)))


def test_the_report_is_the_same_from_the_record_and_from_the_events(book):
    """load_coverage inside the caller's transaction reads the events; outside, the record."""
    from_record_report = load_coverage(book, TODAY, RULES)
    book.execute("UPDATE report_cache SET key = 'x'")  # a miss: the movements run again
    assert book.in_transaction
    assert load_coverage(book, TODAY, RULES) == from_record_report
    book.rollback()


# Writes as they reach the cache: the store's own (decisions, overrides) and a sync pull's
# (INSERT OR REPLACE of whole rows, deletes), mixed with reports on other days.
_op = st.one_of(
    st.tuples(st.just("event"), st.integers(0, 10_000), st.integers(-900, 400),
              st.sampled_from(["new", "expansion", "contraction", "renewal", "churn"]),
              st.integers(0, 300_000), st.integers(-900, 30)),
    st.tuples(st.just("replace_event"), st.integers(0, 10_000), st.integers(0, 10_000),
              st.integers(-900, 400)),
    st.tuples(st.just("delete_event"), st.integers(0, 10_000)),
    st.tuples(st.just("override"), st.integers(0, 10_000), st.integers(-900, 30),
              st.sampled_from([None, "strategic", "key", "growth"])),
    st.tuples(st.just("account"), st.integers(0, 10_000),
              st.sampled_from(["owner", "segment", "tier", "deleted", "restored", "replaced"])),
    st.tuples(st.just("report"), st.integers(-400, 400), st.booleans()),
)  # fmt: skip


def _apply(conn: sqlite3.Connection, op: tuple, accounts: list[str], n: int) -> None:
    kind, pick, *rest = op
    aid = accounts[pick % len(accounts)]
    day = TODAY
    if kind == "event":
        offset, ek, arr, signed = rest
        conn.execute(
            "INSERT INTO arr_events VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"h{n}", aid, (day + timedelta(days=offset)).isoformat(), ek, arr / 2, float(arr),
             (FROZEN_NOW + timedelta(days=signed)).isoformat()),
        )  # fmt: skip
    elif kind == "replace_event":
        other, offset = rest
        ids = [r[0] for r in conn.execute("SELECT id FROM arr_events ORDER BY id")]
        conn.execute(
            "INSERT OR REPLACE INTO arr_events SELECT id, ?, ?, kind, arr_before_usd, "
            "arr_after_usd, created_at FROM arr_events WHERE id = ?",
            (accounts[other % len(accounts)], (day + timedelta(days=offset)).isoformat(),
             ids[pick % len(ids)]),
        )  # fmt: skip
    elif kind == "delete_event":
        ids = [r[0] for r in conn.execute("SELECT id FROM arr_events ORDER BY id")]
        conn.execute("DELETE FROM arr_events WHERE id = ?", (ids[pick % len(ids)],))
    elif kind == "override":
        offset, tier = rest
        conn.execute(
            "INSERT INTO tier_overrides (id, account_id, set_on, tier, reason, note, "
            "created_at, version) VALUES (?, ?, ?, ?, 'flagship', '', ?, 0)",
            (f"o{n}", aid, (day + timedelta(days=offset)).isoformat(), tier,
             FROZEN_NOW.isoformat()),
        )  # fmt: skip
    elif kind == "account":
        (change,) = rest
        sql = {
            "owner": "UPDATE accounts SET owner_id = (SELECT id FROM users ORDER BY random() "
            "LIMIT 1) WHERE id = ?",
            "segment": "UPDATE accounts SET segment = segment || 'x' WHERE id = ?",
            "tier": "UPDATE accounts SET tier = iif(tier = 'strategic', 'growth', 'strategic'), "
            "tier_override = iif(tier_override IS NULL, 'key', NULL) WHERE id = ?",
            "deleted": "UPDATE accounts SET deleted_at = '2026-11-01T00:00:00' WHERE id = ?",
            "restored": "UPDATE accounts SET deleted_at = NULL WHERE id = ?",
            "replaced": "INSERT OR REPLACE INTO accounts SELECT * FROM accounts WHERE id = ?",
        }[change]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(sql, (aid,))
    conn.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(_op, min_size=1, max_size=10))
def test_whatever_is_written_the_record_sums_like_the_events(demo_book_template, ops):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.sqlite3"
        shutil.copyfile(demo_book_template, path)
        conn = connect(path)
        try:
            accounts = [r[0] for r in conn.execute("SELECT id FROM accounts ORDER BY id")]
            period = trailing(TODAY)
            assert from_record(conn, path, period) == from_events(conn, period)
            for n, op in enumerate(ops):
                if op[0] == "report":
                    _, offset, quarter = op
                    day = TODAY + timedelta(days=offset)
                    period = (Period(day - timedelta(days=89), day) if quarter
                              else trailing(day))  # fmt: skip
                else:
                    _apply(conn, op, accounts, n)
                assert from_record(conn, path, period) == from_events(conn, period), op
        finally:
            conn.close()


def test_a_write_while_the_figures_are_worked_out_is_not_lost(book, demo_db, monkeypatch):
    """The figures are worked out from a snapshot, then written: a renewal pulled by a sync
    in between makes that write fail, the report reads the events (the renewal counts)
    and the account stays marked for the next report."""
    from csm_tui.store import arr_movements

    from_record(book, demo_db, trailing(TODAY))
    aid = book.execute("SELECT account_id FROM arr_events LIMIT 1").fetchone()[0]
    real = arr_movements.per_account_query

    def with_a_sync_meanwhile(*args, **kwargs):
        sync = sqlite3.connect(demo_db)
        sync.execute(
            "INSERT INTO arr_events VALUES ('pulled', ?, ?, 'renewal', 10, 20, ?)",
            (aid, (TODAY - timedelta(days=1)).isoformat(), FROZEN_NOW.isoformat()),
        )
        sync.commit()
        sync.close()
        monkeypatch.setattr(arr_movements, "per_account_query", real)
        return real(*args, **kwargs)

    monkeypatch.setattr(arr_movements, "per_account_query", with_a_sync_meanwhile)
    tomorrow = trailing(TODAY + timedelta(days=1))
    rows = from_record(book, demo_db, tomorrow)
    assert rows == from_events(book, tomorrow)
    assert book.execute("SELECT end_on FROM account_movements_basis").fetchone()[0] == (
        TODAY.isoformat()
    )  # nothing written
    assert aid in stale(book)
    assert refresh(book, tomorrow, RULES) == "updated"
    assert from_record(book, demo_db, tomorrow) == from_events(book, tomorrow)


def test_a_quarter_asked_for_once_leaves_the_record_with_the_trailing_year(book):
    """`coverage --period q1` reads the events; the screen's 12 months stay on record."""
    load_coverage(book, TODAY, RULES)
    basis = book.execute("SELECT * FROM account_movements_basis").fetchall()
    quarter = Period(date(2026, 3, 31), date(2026, 6, 30))
    report = load_coverage(book, TODAY, RULES, period=quarter)
    assert report.metrics.period == quarter
    assert book.execute("SELECT * FROM account_movements_basis").fetchall() == basis
    assert report == load_coverage(book, TODAY, RULES, period=quarter, parallel=False)
    flows_then = load_coverage(book, TODAY, RULES).metrics.overall.flows
    book.execute("DELETE FROM report_cache")
    book.commit()
    assert refresh(book, trailing(TODAY), RULES) == "kept"
    assert load_coverage(book, TODAY, RULES).metrics.overall.flows == flows_then
