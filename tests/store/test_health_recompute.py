"""Recomputing health from the cache's signals: SQL totals equal the record-by-record
derivation; one snapshot per account per day."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from csm_tui.assets_path import assets_dir
from csm_tui.domain.cadence import touch_status
from csm_tui.domain.signals import (
    InvoiceRecord,
    SurveyRecord,
    TicketRecord,
    UsageWeekRecord,
    derive_signals,
)
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.cache import connect
from csm_tui.store.health_recompute import raw_health_signals, recompute_accounts
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.store.signal_import import import_signals, load_signal_mapping
from csm_tui.store.timestamps import from_db

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SAMPLES = assets_dir() / "import"
RULES = TierRules()


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    assert import_csv(
        c, SAMPLES / "salesforce-accounts-sample.csv", load_mapping("salesforce", "accounts"),
        "accounts", now=NOW, rules=RULES,
    ).committed  # fmt: skip
    for kind, name in (("usage", "mixpanel-usage"), ("tickets", "zendesk-tickets"),
                       ("surveys", "delighted-nps"), ("invoices", "stripe-invoices")):  # fmt: skip
        report = import_signals(
            c, SAMPLES / f"{name}-sample.csv", load_signal_mapping(name, kind), kind, now=NOW
        )
        assert report.committed
    yield c
    c.close()


def records(conn, aid: str):
    usage = [
        UsageWeekRecord(date.fromisoformat(r[0]), *r[1:])
        for r in conn.execute(
            "SELECT week_start, active_users, seats, opportunities, leads, public_pool, contacts, "
            "messages, sessions, session_minutes, source FROM usage_weeks WHERE account_id = ?",
            (aid,),
        )
    ]
    tickets = [
        TicketRecord(from_db(r[0]), from_db(r[1]), r[2], r[3], r[4])
        for r in conn.execute(
            "SELECT opened_at, closed_at, priority, first_response_minutes, source "
            "FROM support_tickets WHERE account_id = ?",
            (aid,),
        )
    ]
    surveys = [
        SurveyRecord(r[0], r[1], r[2], date.fromisoformat(r[3]), r[4])
        for r in conn.execute(
            "SELECT contact_email, kind, score, responded_on, source FROM survey_responses "
            "WHERE account_id = ?",
            (aid,),
        )
    ]
    invoices = [
        InvoiceRecord(
            date.fromisoformat(r[0]),
            date.fromisoformat(r[1]),
            None if r[2] is None else date.fromisoformat(r[2]),
            r[3],
        )
        for r in conn.execute(
            "SELECT issued_on, due_on, paid_on, source FROM invoices WHERE account_id = ?", (aid,)
        )
    ]
    return usage, tickets, surveys, invoices


@pytest.mark.parametrize("days_later", [0, 40, 120])
def test_sql_totals_give_the_same_signals_as_the_records_one_by_one(conn, days_later):
    now = NOW + timedelta(days=days_later)
    # a week whose export left the seats out: the account's seats count for it
    conn.execute("UPDATE usage_weeks SET seats = 0 WHERE week_start = '2026-11-02'")
    conn.commit()
    accounts = conn.execute(
        "SELECT id, tier, seats, last_touch_at FROM accounts WHERE external_id LIKE '0015g%'"
    ).fetchall()
    assert len(accounts) == 6
    for account in accounts:
        usage, tickets, surveys, invoices = records(conn, account["id"])
        last = from_db(account["last_touch_at"])
        touch = touch_status(Tier(account["tier"]), last, now, RULES)
        expected = derive_signals(
            today=now.date(), now=now, account_seats=account["seats"], usage=usage,
            tickets=tickets, surveys=surveys, invoices=invoices,
            days_since_touch=touch.days_since, cadence_days=touch.cadence_days,
            last_touch_on=None if last is None else last.date(),
        )  # fmt: skip
        got = raw_health_signals(conn, account, now, RULES)
        assert got == expected, account["id"]


def test_an_account_fed_by_two_sources_names_both_as_the_records_one_by_one(conn):
    account = conn.execute(
        "SELECT id, tier, seats, last_touch_at FROM accounts WHERE external_id LIKE '0015g%' "
        "ORDER BY id LIMIT 1"
    ).fetchone()
    aid = account["id"]
    for table, day in (("usage_weeks", "week_start"), ("support_tickets", "opened_at"),
                       ("invoices", "issued_on")):  # fmt: skip
        conn.execute(
            f"UPDATE {table} SET source = 'amplitude' WHERE id = (SELECT id FROM {table} "
            f"WHERE account_id = ? ORDER BY {day} DESC LIMIT 1)",
            (aid,),
        )
    conn.commit()
    usage, tickets, surveys, invoices = records(conn, aid)
    last = from_db(account["last_touch_at"])
    touch = touch_status(Tier(account["tier"]), last, NOW, RULES)
    expected = derive_signals(
        today=NOW.date(), now=NOW, account_seats=account["seats"], usage=usage,
        tickets=tickets, surveys=surveys, invoices=invoices,
        days_since_touch=touch.days_since, cadence_days=touch.cadence_days,
        last_touch_on=None if last is None else last.date(),
    )  # fmt: skip
    got = raw_health_signals(conn, account, NOW, RULES)
    assert got == expected
    assert sum("amplitude, " in p[1] for p in got.provenance) >= 2, got.provenance


def test_recompute_twice_a_day_keeps_one_snapshot_per_account(conn):
    first = recompute_accounts(conn, NOW)
    again = recompute_accounts(conn, NOW + timedelta(hours=5))
    assert first == again == 306
    rows = conn.execute(
        "SELECT count(*), count(DISTINCT account_id) FROM health_snapshots WHERE taken_on = ?",
        (NOW.date().isoformat(),),
    ).fetchone()
    assert tuple(rows) == (306, 306)
    # Daily for two weeks: a snapshot only when the score or its points changed, or a
    # week after the last one (issue 12: sparse history).
    for later in range(1, 15):
        assert recompute_accounts(conn, NOW + timedelta(days=later)) == 306
    rows = conn.execute(
        "SELECT account_id, taken_on, score, components FROM health_snapshots "
        "WHERE taken_on >= ? ORDER BY account_id, taken_on",
        (NOW.date().isoformat(),),
    ).fetchall()
    by_account: dict[str, list[tuple[date, int, str]]] = {}
    for aid, day, score, parts in rows:
        by_account.setdefault(aid, []).append((date.fromisoformat(day), score, parts))
    assert len(by_account) == 306
    assert len(rows) < 306 * 15 / 2
    for snaps in by_account.values():
        assert snaps[0][0] == NOW.date()
        for (day1, *then), (day2, *now) in itertools.pairwise(snaps):
            assert 1 <= (day2 - day1).days <= 7
            assert now != then or (day2 - day1).days == 7
        assert (NOW.date() + timedelta(days=14) - snaps[-1][0]).days < 7


def test_a_changed_score_is_snapshotted_the_next_day(conn):
    recompute_accounts(conn, NOW)
    aid, score = conn.execute(
        "SELECT id, health_score FROM accounts WHERE external_id = '0015g00000AbCdEAA1'"
    ).fetchone()
    conn.execute("UPDATE account_signals SET csm_pulse = CASE WHEN csm_pulse = 1 THEN 5 "
                 "ELSE 1 END WHERE account_id = ?", (aid,))  # fmt: skip
    conn.commit()
    recompute_accounts(conn, NOW + timedelta(days=1))
    rows = conn.execute(
        "SELECT taken_on, score FROM health_snapshots WHERE account_id = ? AND taken_on >= ?",
        (aid, NOW.date().isoformat()),
    ).fetchall()
    new = conn.execute("SELECT health_score FROM accounts WHERE id = ?", (aid,)).fetchone()[0]
    assert new != score
    assert [tuple(r) for r in rows] == [
        (NOW.date().isoformat(), score),
        ((NOW + timedelta(days=1)).date().isoformat(), new),
    ]


def test_an_account_without_any_signal_keeps_no_score(conn):
    conn.execute(
        "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank, sales_motion, "
        "stage, segment, industry, seats, created_at, updated_at, version) VALUES ('bare', "
        "'Bare Ltd', 'USD', 0, 0, 'self-serve', 4, 'short-direct', 'onboarding', '', '', 0, "
        "'2026-11-01 00:00:00.000000', '2026-11-01 00:00:00.000000', 0)"
    )
    conn.commit()
    recompute_accounts(conn, NOW)
    assert conn.execute("SELECT health_score FROM accounts WHERE id = 'bare'").fetchone()[0] is None


def test_a_whole_book_recompute_keeps_every_index_and_the_portfolio_order(demo_db, monkeypatch):
    """A large recompute rebuilds the score's indexes around its UPDATE: afterwards the
    schema is the same and the portfolio's index order follows the new scores."""
    import csm_tui.store.health_recompute as recompute

    monkeypatch.setattr(recompute, "REBUILD_INDEXES_FROM", 1)
    conn = connect(demo_db)
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    before = conn.execute(schema).fetchall()
    conn.execute("UPDATE accounts SET health_score = 100 - health_score")
    conn.commit()
    assert recompute_accounts(conn, NOW) == 300
    assert conn.execute(schema).fetchall() == before
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    by_index = conn.execute(
        "SELECT id, health_score FROM accounts INDEXED BY ix_accounts_portfolio"
        " WHERE deleted_at IS NULL ORDER BY tier_rank, health_score"
    ).fetchall()
    by_table = dict(conn.execute("SELECT id, health_score FROM accounts").fetchall())
    assert {r[0]: r[1] for r in by_index} == by_table
    conn.close()
