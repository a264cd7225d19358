"""Health over time: the 90-day trend and what changed against 30 days ago."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from csm_tui.domain.health import Component
from csm_tui.domain.tiers import TierRules
from csm_tui.store.accounts import health_of, load_account_facts
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.health_history import health_trend, what_changed


@pytest.fixture
def book(demo_db):
    conn = connect(demo_db)
    yield conn, get_meta(conn, META_ME)
    conn.close()


def old_account(conn, me):
    """An account of the demo user with snapshots going back more than 90 days."""
    return conn.execute(
        "SELECT a.* FROM accounts a WHERE owner_id = ? AND stage = 'adoption' AND "
        "(SELECT count(*) FROM health_snapshots s WHERE s.account_id = a.id) >= 6 "
        "ORDER BY id LIMIT 1",
        (me,),
    ).fetchone()


def test_trend_is_the_last_90_days_of_snapshots_ending_with_todays_score(book, clock):
    conn, me = book
    acct = old_account(conn, me)
    today = clock.today()
    trend = health_trend(conn, acct["id"], today)
    snaps = {
        date.fromisoformat(d): s
        for d, s in conn.execute(
            "SELECT taken_on, score FROM health_snapshots WHERE account_id = ?", (acct["id"],)
        )
    }
    assert [d for d, _ in trend] == sorted(d for d in snaps if today - timedelta(90) <= d <= today)
    assert all(score == snaps[d] for d, score in trend[:-1])
    assert trend[-1] == (today, acct["health_score"])
    assert trend[-2] == (today - timedelta(30), acct["health_score_30d"])
    assert len(health_trend(conn, acct["id"], today, days=365)) > len(trend)


def test_todays_point_follows_the_stored_score(book, clock):
    conn, me = book
    acct = old_account(conn, me)
    with conn:
        conn.execute("UPDATE accounts SET health_score = 12 WHERE id = ?", (acct["id"],))
    assert health_trend(conn, acct["id"], clock.today())[-1] == (clock.today(), 12)
    assert health_trend(conn, "no-such-account", clock.today()) == []


def test_what_changed_compares_live_points_with_the_snapshot_30_days_ago(book, clock):
    conn, me = book
    acct = old_account(conn, me)
    today = clock.today()
    then = json.loads(
        conn.execute(
            "SELECT components FROM health_snapshots WHERE account_id = ? AND taken_on = ?",
            (acct["id"], (today - timedelta(30)).isoformat()),
        ).fetchone()[0]
    )
    live = health_of(load_account_facts(conn, acct["id"], clock.now(), TierRules()))
    assert live is not None

    changes = what_changed(conn, acct["id"], today, now=clock.now())
    assert {c.component for c in changes} == set(Component)
    for change in changes:
        now_part = next(c for c in live.components if c.component is change.component)
        assert change.points_now == now_part.points
        assert change.weight == now_part.weight
        assert change.points_then == then[change.component.value]
        assert change.delta == now_part.points - then[change.component.value]
        assert change.since == today - timedelta(30)
    deltas = [c.delta for c in changes]
    assert deltas == sorted(deltas)
    assert sum(c.points_now for c in changes) == live.score
    assert sum(c.points_then for c in changes) == acct["health_score_30d"]


def test_nothing_to_compare_for_a_new_account(book, clock):
    conn, _ = book
    young = conn.execute(
        "SELECT a.id FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM health_snapshots s "
        "WHERE s.account_id = a.id AND s.taken_on < ?) LIMIT 1",
        ((clock.today() - timedelta(14)).isoformat(),),
    ).fetchone()[0]
    assert what_changed(conn, young, clock.today()) == []


def test_a_snapshot_missing_a_component_reports_it_as_unknown(book, clock):
    conn, me = book
    acct = old_account(conn, me)
    day = (clock.today() - timedelta(30)).isoformat()
    with conn:
        conn.execute(
            "UPDATE health_snapshots SET components = ? WHERE account_id = ? AND taken_on = ?",
            ('{"usage": 3}', acct["id"], day),
        )
    changes = {c.component: c for c in what_changed(conn, acct["id"], clock.today())}
    assert changes[Component.USAGE].points_then == 3
    assert changes[Component.SUPPORT].points_then is None
    assert changes[Component.SUPPORT].delta is None
