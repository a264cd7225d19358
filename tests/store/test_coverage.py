"""Coverage from the cache: the SQL aggregates agree with the domain's rules row by row."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import timedelta

import pytest

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.coverage import CoverageRules, MaturityLevel
from csm_tui.domain.health import Band, band_for
from csm_tui.domain.lifecycle import ActivationRisk, Stage, activation_risk
from csm_tui.domain.metrics import (
    ArrEvent,
    ArrEventKind,
    ArrFlows,
    ArrMovement,
    NpsSummary,
    Period,
    account_vote,
)
from csm_tui.domain.records import ActivityKind
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.cache import connect
from csm_tui.store.coverage import UnknownTeam, load_coverage, resolve_team
from csm_tui.store.timestamps import date_from_db, from_db
from tests.conftest import FROZEN_NOW

TODAY = FROZEN_NOW.date()
RULES = TierRules()


@pytest.fixture
def conn(demo_db):
    c = connect(demo_db)
    yield c
    c.close()


@pytest.fixture
def report(conn):
    return load_coverage(conn, TODAY, RULES)


def live_accounts(conn) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM accounts WHERE deleted_at IS NULL AND stage != 'churned'"
    ).fetchall()


def test_every_csm_and_the_pool_cover_the_whole_live_book(conn, report):
    rows = live_accounts(conn)
    by_owner: dict[str | None, list] = defaultdict(list)
    for r in rows:
        by_owner[r["owner_id"]].append(r)
    csm_ids = {r[0] for r in conn.execute("SELECT id FROM users WHERE role = 'csm'")}
    assert {c.user_id for c in report.csms} >= csm_ids
    assert report.pool is not None and report.pool.total.accounts == len(by_owner[None])
    assert report.total.accounts == len(rows)
    assert report.total.arr == pytest.approx(sum(r["arr_usd"] for r in rows))
    for csm in report.owners:
        mine = by_owner[csm.user_id]
        for tier in Tier:
            in_tier = [r for r in mine if r["tier"] == tier.value]
            assert csm.tier(tier).accounts == len(in_tier), (csm.name, tier)
            assert csm.tier(tier).arr == pytest.approx(sum(r["arr_usd"] for r in in_tier))


def test_flags_match_the_domain_rules_account_by_account(conn, report):
    expected: dict[str | None, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in live_accounts(conn):
        e = expected[r["owner_id"]]
        tier = Tier(r["tier"])
        status = touch_status(tier, from_db(r["last_touch_at"]), FROZEN_NOW, RULES)
        e["overdue"] += status.overdue
        e["never"] += status.cadence_days is not None and status.days_since is None
        risk = activation_risk(date_from_db(r["go_live_date"]), date_from_db(r["activated_on"]),
                               Stage(r["stage"]), TODAY)  # fmt: skip
        e["late"] += risk in (ActivationRisk.LATE, ActivationRisk.ZOMBIE)
        e["zombie"] += risk is ActivationRisk.ZOMBIE
        red = r["health_score"] is not None and band_for(r["health_score"]) is Band.RED
        e["red"] += red
        e["red_arr"] += r["arr_usd"] if red else 0
        renewal = date_from_db(r["renewal_date"])
        for days in (30, 60, 90):
            inside = renewal is not None and 0 <= (renewal - TODAY).days <= days
            e[f"r{days}"] += inside
            e[f"r{days}_arr"] += r["arr_usd"] if inside else 0
        e["large"] += r["arr_usd"] >= 50_000
    assert sum(e["overdue"] for e in expected.values()) > 0
    assert sum(e["late"] for e in expected.values()) > 0
    for csm in report.owners:
        e, t = expected[csm.user_id], csm.total
        assert t.overdue == e["overdue"], csm.name
        assert t.never_touched == e["never"], csm.name
        assert (t.late_activation, t.zombie) == (e["late"], e["zombie"]), csm.name
        assert t.red == e["red"] and t.red_arr == pytest.approx(e["red_arr"]), csm.name
        for days in (30, 60, 90):
            count, arr = t.renewals(days)
            assert count == e[f"r{days}"] and arr == pytest.approx(e[f"r{days}_arr"])
        assert t.large == e["large"]


def test_metrics_equal_the_domain_over_each_accounts_events(conn, report):
    period = Period.trailing_months(TODAY)
    events: dict[str, list[ArrEvent]] = defaultdict(list)
    for r in conn.execute("SELECT * FROM arr_events ORDER BY effective_on, created_at, id"):
        events[r["account_id"]].append(
            ArrEvent(date_from_db(r["effective_on"]), ArrEventKind(r["kind"]),
                     r["arr_before_usd"], r["arr_after_usd"]))  # fmt: skip
    tiers = dict(conn.execute("SELECT id, tier FROM accounts").fetchall())
    teams = dict(conn.execute(
        "SELECT a.id, coalesce(u.team_id, '') FROM accounts a "
        "LEFT JOIN users u ON u.id = a.owner_id"
    ).fetchall())  # fmt: skip
    overrides = dict(conn.execute("SELECT id, tier_override FROM accounts").fetchall())
    # An override's history (tier_overrides) says whether it was in force at the start.
    history: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for r in conn.execute("SELECT account_id, set_on, tier FROM tier_overrides ORDER BY set_on"):
        history[r["account_id"]].append((r["set_on"], r["tier"]))
    for account, rows in history.items():
        in_force = [tier for day, tier in rows if day <= period.start.isoformat()]
        overrides[account] = in_force[-1] if in_force else None
    flows: dict[str, ArrFlows] = defaultdict(ArrFlows)
    for account, history in events.items():
        movement = ArrMovement.from_events(history, period)
        f = ArrFlows.of(movement)
        # Cohorts by the tier at the period's start: the override in force then, else the
        # starting ARR's band; a new logo by its tier of today.
        if f.starting_logos:
            tiers[account] = overrides[account] or RULES.tier_for_arr(movement.start_arr)
        flows["all"] = flows["all"] + f
        flows[tiers[account]] = flows[tiers[account]] + f
        flows[f"team {teams[account]}"] = flows[f"team {teams[account]}"] + f
    got = report.metrics
    assert got.has_history
    assert flows["all"].churned_logos > 0 and flows["all"].expanded_logos > 0
    by_team = [(f"team {team}", metrics) for team, metrics in got.by_team.items()]
    assert len(by_team) > 2  # the owners' teams, and no team (the digital pool)
    for key, metrics in [("all", got.overall), *got.by_tier.items(), *by_team]:
        want = flows[key]
        have = metrics.flows
        for name in ("starting_logos", "churned_logos", "expanded_logos", "contracted_logos",
                     "new_logos", "renewals", "churns_at_renewal"):  # fmt: skip
            assert getattr(have, name) == getattr(want, name), (key, name)
        for name in ("starting_arr", "retained_arr", "expansion_arr", "contraction_arr",
                     "churned_arr", "new_arr", "ending_arr", "booked_change",
                     "arr_up_for_renewal", "arr_renewed"):  # fmt: skip
            assert getattr(have, name) == pytest.approx(getattr(want, name)), (key, name)
    overall = got.overall
    assert overall.nrr == pytest.approx(overall.nrr_retention + overall.nrr_expansion)


def test_nps_counts_one_vote_per_live_account(conn, report):
    votes = [account_vote(r[0]) for r in conn.execute(
        "SELECT s.nps FROM account_signals s JOIN accounts a ON a.id = s.account_id "
        "WHERE a.deleted_at IS NULL AND a.stage != 'churned' AND s.nps IS NOT NULL")]  # fmt: skip
    assert report.metrics.overall.nps == NpsSummary.of(votes)
    assert sum(m.nps.votes for m in report.metrics.by_tier.values()) == len(votes)


def test_maturity_counts_touches_of_the_last_90_days(conn, report):
    since = TODAY - timedelta(days=90)
    kinds = [ActivityKind(r[0]) for r in conn.execute(
        "SELECT kind FROM activities WHERE deleted_at IS NULL AND occurred_at >= ?",
        (since.isoformat(),))]  # fmt: skip
    proactive = sum(k.is_touch and k.is_proactive for k in kinds)
    reactive = sum(k.is_touch and not k.is_proactive for k in kinds)
    inputs = report.maturity.inputs
    assert (inputs.proactive_touches, inputs.reactive_touches) == (proactive, reactive)
    assert inputs.cadenced_accounts == sum(c.total.cadenced for c in report.owners)
    assert report.maturity.level >= MaturityLevel.REACTIVE
    assert any(c.level is report.maturity.level for c in report.maturity.checks)


def test_parallel_and_sequential_give_the_same_report(conn):
    a = load_coverage(conn, TODAY, RULES, parallel=True)
    b = load_coverage(conn, TODAY, RULES, parallel=False)
    assert a == b


@pytest.mark.parametrize(("cores", "readers"), [(1, 0), (2, 2), (8, 2)])
def test_a_second_reader_on_two_cores_or_more(conn, monkeypatch, cores, readers):
    """Two readers share the report on two cores (issue 12); one core reads alone."""
    import concurrent.futures
    import os

    started: list[int] = []
    pool = concurrent.futures.ThreadPoolExecutor

    def counting(*args, **kwargs):
        started.append(kwargs.get("max_workers", 0))
        return pool(*args, **kwargs)

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", counting)
    assert load_coverage(conn, TODAY, RULES) == load_coverage(conn, TODAY, RULES, parallel=False)
    assert sum(started) == readers


def test_one_team_only(conn, report):
    emea = resolve_team(conn, "emea")
    assert resolve_team(conn, "EMEA") == emea
    assert resolve_team(conn, "apac") != emea  # "APAC & China", by the start of its name
    mine = load_coverage(conn, TODAY, RULES, team="emea")
    assert mine.team_filter == emea
    assert mine.pool is None
    assert {c.team_id for c in mine.csms} == {emea}
    assert [t.team_id for t in mine.teams] == [emea]
    full_team = next(t for t in report.teams if t.team_id == emea)
    assert mine.total.arr == pytest.approx(full_team.total.arr)
    assert mine.metrics.overall.flows.starting_arr == pytest.approx(
        report.metrics.by_team[emea].flows.starting_arr
    )
    with pytest.raises(UnknownTeam, match="EMEA"):
        load_coverage(conn, TODAY, RULES, team="mars")


def test_load_and_the_aggressive_rule(conn):
    rules = CoverageRules(arr_per_csm=500_000, aggressive_arr_per_csm=250_000)
    report = load_coverage(conn, TODAY, RULES, rules)
    busiest = max(report.csms, key=lambda c: c.total.arr)
    assert busiest.load == pytest.approx(busiest.total.arr / 500_000)
    assert busiest.load_aggressive == pytest.approx(busiest.total.arr / 250_000)
    assert busiest.overloaded == (busiest.total.arr > 500_000)


# ---- a tiny hand-made cache ------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path):
    c = connect(tmp_path / "tiny.db")
    c.executescript("""
        INSERT INTO teams VALUES ('t1', 'Nordics');
        INSERT INTO users VALUES ('u1', 'Ana', '', 'csm', 't1'), ('u2', 'Bo', '', 'csm', 't1');
    """)
    for aid, owner, arr, stage, health in (
        ("a1", "u1", 100_000, "churned", 20),
        ("a2", "u2", 150_000, "adoption", 80),
    ):
        c.execute(
            "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank,"
            " sales_motion, stage, segment, industry, seats, renewal_date, owner_id,"
            " health_score, last_touch_at, created_at, updated_at, version)"
            " VALUES (?, ?, 'USD', ?, ?, 'strategic', 0, 'long-direct', ?, 'North', '', 10,"
            " '2027-01-01', ?, ?, '2026-11-20 10:00:00.000000', '2023-01-01 00:00:00.000000',"
            " '2023-01-01 00:00:00.000000', 3)",
            (aid, aid.upper(), arr, arr, stage, owner, health),
        )
    c.commit()
    yield c
    c.close()


def add_events(c, rows):
    c.executemany(
        "INSERT INTO arr_events VALUES (?, ?, ?, ?, ?, ?, '2020-01-01 00:00:00.000000')", rows
    )
    c.commit()


def test_no_arr_history_means_no_metrics(tiny):
    report = load_coverage(tiny, TODAY, RULES)
    assert not report.metrics.has_history
    assert report.metrics.overall.grr is None and report.metrics.overall.nrr is None
    assert "unknown" in report.maturity.checks[-1].sentence


CHURNED_AND_EXPANDED = [
    ("e1", "a1", "2023-03-01", "new", 0, 100_000),
    ("e2", "a1", "2026-03-01", "churn", 100_000, 0),
    ("e3", "a2", "2024-06-01", "new", 0, 100_000),
    ("e4", "a2", "2026-02-10", "expansion", 100_000, 150_000),
]
"""a1 churned ($100k → 0), a2 expanded ($100k → $150k), both within the 12 months."""


def test_a_churned_and_an_expanded_account_by_hand(tiny):
    add_events(tiny, CHURNED_AND_EXPANDED)
    m = load_coverage(tiny, TODAY, RULES).metrics.overall
    assert m.grr == pytest.approx(0.5)
    assert m.nrr == pytest.approx(0.75)
    assert (m.nrr_retention, m.nrr_expansion) == (pytest.approx(0.5), pytest.approx(0.25))
    assert m.logo_churn_rate == pytest.approx(0.5)
    assert m.cmrr == pytest.approx(150_000 / 12)


def test_a_segment_named_with_any_characters_keeps_its_own_figures(tiny):
    """The movements are grouped by one text key joining tier, segment, team and movement;
    a segment whose name holds the joining character still gets its own row, whole."""
    odd = "North\x1fEast | 北"
    tiny.execute("UPDATE accounts SET segment = ? WHERE id = 'a2'", (odd,))
    tiny.commit()
    add_events(tiny, CHURNED_AND_EXPANDED)
    metrics = load_coverage(tiny, TODAY, RULES).metrics
    assert set(metrics.by_segment) == {"North", odd}
    assert metrics.by_segment[odd].nrr == pytest.approx(1.5)
    assert metrics.by_segment["North"].grr == pytest.approx(0.0)
    assert set(metrics.by_team) == {"t1"}


def _touches(conn) -> tuple[int, int]:
    inputs = load_coverage(conn, TODAY, RULES).maturity.inputs
    return inputs.proactive_touches, inputs.reactive_touches


def test_an_activity_logged_after_a_report_shows_up_in_the_next(conn):
    """The report's per-author counts and cached results follow every write."""
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.store.activity_log import log_activity

    before = load_coverage(conn, TODAY, RULES)
    assert load_coverage(conn, TODAY, RULES) == before  # from the cache, the same
    account, owner = conn.execute(
        "SELECT id, owner_id FROM accounts WHERE owner_id IS NOT NULL AND deleted_at IS NULL "
        "AND stage != 'churned' AND health_score < 40 AND NOT EXISTS (SELECT 1 FROM tasks k "
        "WHERE k.account_id = accounts.id AND k.done_at IS NULL AND k.deleted_at IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM activities x WHERE x.account_id = accounts.id "
        "AND x.occurred_at >= ? AND x.deleted_at IS NULL) LIMIT 1",
        ((TODAY - timedelta(days=30)).isoformat(),),
    ).fetchone()
    log_activity(conn, ActivityDraft(account, ActivityKind.CALL, FROZEN_NOW, 20, summary="call"),
                 owner, FROZEN_NOW, RULES)  # fmt: skip
    after = load_coverage(conn, TODAY, RULES)
    inputs, was = after.maturity.inputs, before.maturity.inputs
    assert inputs.proactive_touches == was.proactive_touches + 1
    assert inputs.red_followed_up == was.red_followed_up + 1
    assert after == load_coverage(conn, TODAY, RULES, parallel=True)


def test_touch_counts_follow_deletes_edits_and_replaced_rows(conn):
    """Soft and hard deletes, a change of kind, and a pulled row replacing its older copy
    (INSERT OR REPLACE) keep the per-author counts equal to a scan of the activities."""
    since = (TODAY - timedelta(days=90)).isoformat()

    def scanned() -> tuple[int, int]:
        kinds = [ActivityKind(r[0]) for r in conn.execute(
            "SELECT kind FROM activities WHERE deleted_at IS NULL AND occurred_at >= ?",
            (since,))]  # fmt: skip
        return (sum(k.is_touch and k.is_proactive for k in kinds),
                sum(k.is_touch and not k.is_proactive for k in kinds))  # fmt: skip

    ids = [r[0] for r in conn.execute(
        "SELECT id FROM activities WHERE deleted_at IS NULL AND occurred_at >= ? "
        "AND kind = 'call' ORDER BY id LIMIT 4", (since,))]  # fmt: skip
    assert _touches(conn) == scanned()
    conn.execute("UPDATE activities SET deleted_at = '2026-01-01 00:00:00.000000' WHERE id = ?",
                 (ids[0],))  # fmt: skip
    conn.execute("UPDATE activities SET kind = 'escalation' WHERE id = ?", (ids[1],))
    conn.execute("DELETE FROM activities WHERE id = ?", (ids[2],))
    row = conn.execute("SELECT * FROM activities WHERE id = ?", (ids[3],)).fetchone()
    conn.execute(f"INSERT OR REPLACE INTO activities VALUES ({', '.join('?' * len(row))})",
                 tuple(row))  # fmt: skip
    conn.commit()
    assert _touches(conn) == scanned()


def test_cached_results_follow_every_table_the_report_reads(tiny):
    """Each write to what a query reads makes the next report run it again, whoever
    writes (here plain SQL, as a sync or an import would); a write to what it does not
    read leaves its cached rows in use."""
    add_events(tiny, [("e1", "a2", "2024-06-01", "new", 0, 100_000)])
    first = load_coverage(tiny, TODAY, RULES)
    assert set(first.metrics.by_segment) == {"North"}
    tiny.execute("UPDATE accounts SET segment = 'South' WHERE id = 'a2'")
    tiny.commit()
    assert set(load_coverage(tiny, TODAY, RULES).metrics.by_segment) == {"South"}
    add_events(tiny, [("e2", "a2", "2026-02-10", "expansion", 100_000, 150_000)])
    assert load_coverage(tiny, TODAY, RULES).metrics.overall.nrr == pytest.approx(1.5)
    tiny.execute("UPDATE users SET team_id = NULL WHERE id = 'u2'")
    tiny.commit()
    assert set(load_coverage(tiny, TODAY, RULES).metrics.by_team) == {""}

    versions = dict(tiny.execute("SELECT name, version FROM data_versions").fetchall())
    tiny.execute("UPDATE accounts SET last_touch_at = '2026-11-21 10:00:00.000000'")
    tiny.commit()
    after = dict(tiny.execute("SELECT name, version FROM data_versions").fetchall())
    assert after["accounts"] > versions["accounts"]
    assert after["accounts_grouping"] == versions["accounts_grouping"]  # movements, NPS kept
