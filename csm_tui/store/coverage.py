"""Coverage from the cache: a few GROUP BY queries in SQLite, never a Python loop over rows.

`load_coverage` answers the team lead's Coverage screen (domain.coverage.CoverageReport):

1. the book per owner × tier (counts, ARR, overdue, late activation, red, renewals, large
   accounts, and whether each red account was followed up) — one pass over the live
   accounts;
2. touches of the last 90 days, proactive vs escalations, per author's team — one range
   scan of the activities;
3. ARR movements over the last 12 months per (tier, segment, owner's team), with NPS votes
   — one pass over `arr_events` per question (ARR at the start, at the end, renewal
   decisions, signed changes), joined to the accounts;
4. users and teams.

Python then adds up at most a few hundred group rows. It reads only: it works offline on
whatever the cache holds, and shows how old that is (`data_as_of`).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta

from csm_tui.domain.coverage import (
    ACTIVITY_DAYS,
    FOLLOW_UP_DAYS,
    CoverageReport,
    CoverageRules,
    CsmCoverage,
    MaturityInputs,
    TeamCoverage,
    TierSlice,
    estimate_maturity,
    touches_needed,
)
from csm_tui.domain.lifecycle import LATE_ACTIVATION_DAYS, ZOMBIE_DAYS, Stage
from csm_tui.domain.metrics import (
    CENT,
    DETRACTOR_ACCOUNT_NPS,
    PROMOTER_ACCOUNT_NPS,
    ArrFlows,
    MetricsBreakdown,
    NpsSummary,
    Period,
    RetentionMetrics,
    combine,
)
from csm_tui.domain.records import ActivityKind, Role
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.store.cache import get_data_as_of
from csm_tui.store.timestamps import date_to_db

RED_BELOW = 40  # domain.health.band_for: red < 40
NO_TEAM = ""  # the key of accounts whose owner has no team (or that have no owner)

_PROACTIVE = tuple(k.value for k in ActivityKind if k.is_touch and k.is_proactive)
_REACTIVE = tuple(k.value for k in ActivityKind if k.is_touch and not k.is_proactive)


class UnknownTeam(ValueError):
    """No team has that id or name."""


def _marks(values: tuple) -> str:
    return ", ".join("?" for _ in values)


def resolve_team(conn: sqlite3.Connection, team: str) -> str:
    """The id of the team called `team`: its id, its name, or the start of its name
    (any case), when only one team fits."""
    rows = conn.execute("SELECT id, name FROM teams ORDER BY name").fetchall()
    key = team.strip().casefold()
    for exact in (True, False):
        hits = [
            r[0]
            for r in rows
            if r[0] == team
            or (r[1].casefold() == key if exact else r[1].casefold().startswith(key))
        ]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            break
    names = ", ".join(r[1] for r in rows) or "none"
    raise UnknownTeam(f"no single team matches {team!r}; teams: {names}")


def _live(alias: str = "a") -> str:
    return f"{alias}.deleted_at IS NULL AND {alias}.stage != '{Stage.CHURNED.value}'"


def _book_rows(conn, today: date, tier_rules: TierRules, rules: CoverageRules,
               team_id: str | None) -> list[sqlite3.Row]:  # fmt: skip
    p: dict[str, object] = {
        "today": date_to_db(today),
        "late": date_to_db(today - timedelta(days=LATE_ACTIVATION_DAYS)),
        "zombie": date_to_db(today - timedelta(days=ZOMBIE_DAYS)),
        "red": RED_BELOW,
        "follow": date_to_db(today - timedelta(days=FOLLOW_UP_DAYS)),
        "large": rules.dedicated_from_arr,
        "team": team_id,
    }
    overdue_whens, cadenced = [], []
    for i, tier in enumerate(TIER_ORDER):
        cadence = tier_rules.cadence_days(tier)
        if cadence is not None:
            p[f"tier{i}"] = tier.value
            p[f"cut{i}"] = date_to_db(today - timedelta(days=cadence))
            overdue_whens.append(
                f"WHEN :tier{i} THEN (a.last_touch_at IS NULL OR a.last_touch_at < :cut{i})"
            )
            cadenced.append(f":tier{i}")
    overdue = f"CASE a.tier {' '.join(overdue_whens)} ELSE 0 END" if overdue_whens else "0"
    has_cadence = f"a.tier IN ({', '.join(cadenced)})" if cadenced else "0"
    for i, kind in enumerate(_PROACTIVE):
        p[f"kind{i}"] = kind
    proactive = ", ".join(f":kind{i}" for i in range(len(_PROACTIVE)))
    not_active = (
        f"a.go_live_date IS NOT NULL AND a.activated_on IS NULL "
        f"AND a.stage IN ('{Stage.ONBOARDING.value}', '{Stage.ACTIVATION.value}')"
    )
    renewals = []
    for days in (30, 60, 90):
        p[f"r{days}"] = date_to_db(today + timedelta(days=days))
        cond = f"a.renewal_date >= :today AND a.renewal_date <= :r{days}"
        renewals.append(f"sum({cond}), total(CASE WHEN {cond} THEN a.arr_usd ELSE 0 END)")
    where = _live()
    if team_id is not None:
        where += " AND a.owner_id IN (SELECT id FROM users WHERE team_id = :team)"
    p["promoter"] = PROMOTER_ACCOUNT_NPS
    p["detractor"] = DETRACTOR_ACCOUNT_NPS
    # A plain scan of the table beats walking an index and reading every row beside it.
    sql = f"""
        SELECT a.owner_id, a.tier, a.segment,
               count(*), total(a.arr_usd),
               sum({has_cadence}), sum({overdue}),
               sum({has_cadence} AND a.last_touch_at IS NULL),
               sum({not_active} AND a.go_live_date <= :late),
               sum({not_active} AND a.go_live_date <= :zombie),
               sum(a.health_score < :red),
               total(CASE WHEN a.health_score < :red THEN a.arr_usd ELSE 0 END),
               sum(CASE WHEN a.health_score < :red THEN
                   EXISTS (SELECT 1 FROM activities x WHERE x.account_id = a.id
                           AND x.occurred_at >= :follow AND x.deleted_at IS NULL
                           AND x.kind IN ({proactive}))
                   OR EXISTS (SELECT 1 FROM tasks k WHERE k.account_id = a.id
                              AND k.done_at IS NULL AND k.deleted_at IS NULL)
                   ELSE 0 END),
               {", ".join(renewals)},
               sum(a.arr_usd >= :large),
               total(CASE WHEN a.arr_usd >= :large THEN a.arr_usd ELSE 0 END),
               sum(a.health_score IS NOT NULL),
               sum(sig.nps >= :promoter), sum(sig.nps >= :detractor AND sig.nps < :promoter),
               sum(sig.nps < :detractor)
        FROM accounts a NOT INDEXED
        LEFT JOIN account_signals sig ON sig.account_id = a.id
        WHERE {where}
        GROUP BY a.owner_id, a.tier, a.segment
    """
    return conn.execute(sql, p).fetchall()


def _slice(row: sqlite3.Row, tier: Tier,
           tier_rules: TierRules) -> tuple[TierSlice, int, int, NpsSummary]:  # fmt: skip
    """(slice, accounts with a health score, red accounts followed up, NPS votes)."""
    (accounts, arr, cadenced, overdue, never, late, zombie, red, red_arr, followed,
     r30, r30a, r60, r60a, r90, r90a, large, large_arr, scored,
     promoters, passives, detractors) = tuple(row)[3:]  # fmt: skip
    return (
        TierSlice(
            accounts=accounts, arr=arr, cadenced=cadenced or 0, overdue=overdue or 0,
            never_touched=never or 0, late_activation=late or 0, zombie=zombie or 0,
            red=red or 0, red_arr=red_arr, renew_30=r30 or 0, renew_30_arr=r30a,
            renew_60=r60 or 0, renew_60_arr=r60a, renew_90=r90 or 0, renew_90_arr=r90a,
            large=large or 0, large_arr=large_arr,
            touches_needed=touches_needed(tier, cadenced or 0, tier_rules),
        ),
        scored or 0,
        followed or 0,
        NpsSummary(promoters or 0, passives or 0, detractors or 0),
    )  # fmt: skip


def _activity_counts(conn, today: date, team_id: str | None) -> dict[str, tuple[int, int]]:
    """team id → (proactive touches, escalations) over the last ACTIVITY_DAYS days, by the
    author's team (who did the work)."""
    since = date_to_db(today - timedelta(days=ACTIVITY_DAYS))
    rows = conn.execute(
        f"""SELECT x.author_id, sum(x.kind IN ({_marks(_PROACTIVE)})),
                   sum(x.kind IN ({_marks(_REACTIVE)}))
            FROM activities x
            WHERE x.occurred_at >= ? AND x.deleted_at IS NULL
            GROUP BY x.author_id""",
        (*_PROACTIVE, *_REACTIVE, since),
    ).fetchall()
    teams = dict(conn.execute("SELECT id, coalesce(team_id, '') FROM users").fetchall())
    out: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for author, proactive, reactive in rows:
        team = teams.get(author, NO_TEAM) if author is not None else NO_TEAM
        if team_id is not None and team != team_id:
            continue
        p, r = out[team]
        out[team] = (p + (proactive or 0), r + (reactive or 0))
    return dict(out)


# One pass over the covering index of arr_events, grouped by account (ARR at a day is the
# sum of the changes up to it: see domain.metrics), then joined to the accounts.
_METRICS_SQL = """
WITH m AS (
    SELECT account_id,
        round(total(CASE WHEN effective_on <= :start THEN arr_after_usd - arr_before_usd END),
              2) AS sa,
        round(total(CASE WHEN effective_on <= :end THEN arr_after_usd - arr_before_usd END),
              2) AS ea,
        sum(kind = 'renewal' AND effective_on > :start AND effective_on <= :end) AS renewals,
        sum(kind = 'churn' AND effective_on > :start AND effective_on <= :end) AS churns,
        total(CASE WHEN kind IN ('renewal', 'churn') AND effective_on > :start
                   AND effective_on <= :end THEN arr_before_usd END) AS up,
        total(CASE WHEN kind = 'renewal' AND effective_on > :start AND effective_on <= :end
                   THEN min(arr_after_usd, arr_before_usd) END) AS renewed,
        total(CASE WHEN effective_on > :end AND created_at < :signed_before
                   THEN arr_after_usd - arr_before_usd END) AS booked
    FROM arr_events
    GROUP BY account_id)
SELECT a.tier, a.segment, coalesce(u.team_id, ''),
       sum(sa >= :cent), total(CASE WHEN sa >= :cent THEN sa ELSE 0 END),
       total(CASE WHEN sa >= :cent THEN min(sa, CASE WHEN ea >= :cent THEN ea ELSE 0 END)
                  ELSE 0 END),
       total(CASE WHEN sa >= :cent AND ea > sa THEN ea - sa ELSE 0 END),
       sum(sa >= :cent AND ea > sa),
       total(CASE WHEN sa >= :cent AND ea >= :cent AND ea < sa THEN sa - ea ELSE 0 END),
       sum(sa >= :cent AND ea >= :cent AND ea < sa),
       total(CASE WHEN sa >= :cent AND ea < :cent THEN sa ELSE 0 END),
       sum(sa >= :cent AND ea < :cent),
       sum(sa < :cent AND ea >= :cent),
       total(CASE WHEN sa < :cent AND ea >= :cent THEN ea ELSE 0 END),
       total(CASE WHEN ea >= :cent THEN ea ELSE 0 END),
       total(booked), sum(renewals), sum(churns), total(up), total(renewed)
FROM m
JOIN accounts a ON a.id = m.account_id
LEFT JOIN users u ON u.id = a.owner_id
WHERE a.deleted_at IS NULL {team_clause}
GROUP BY a.tier, a.segment, coalesce(u.team_id, '')
"""

GroupKey = tuple[str, str, str]  # (tier, segment, team id or NO_TEAM)


def _flow_rows(conn: sqlite3.Connection, period: Period,
               team_id: str | None) -> dict[GroupKey, ArrFlows]:  # fmt: skip
    """ARR flows of the period per (tier, segment, owner's team)."""
    params: dict[str, object] = {
        "start": date_to_db(period.start),
        "end": date_to_db(period.end),
        "signed_before": date_to_db(period.end + timedelta(days=1)),
        "cent": CENT,
    }
    team_clause = ""
    if team_id is not None:
        team_clause = "AND u.team_id = :team"
        params["team"] = team_id
    out: dict[GroupKey, ArrFlows] = {}
    for row in conn.execute(_METRICS_SQL.format(team_clause=team_clause), params):
        tier, segment, team, *v = tuple(row)
        v = [x or 0 for x in v]
        out[(tier, segment, team)] = ArrFlows(
            starting_logos=v[0], starting_arr=v[1], retained_arr=v[2], expansion_arr=v[3],
            expanded_logos=v[4], contraction_arr=v[5], contracted_logos=v[6],
            churned_arr=v[7], churned_logos=v[8], new_logos=v[9], new_arr=v[10],
            ending_arr=v[11], booked_change=v[12], renewals=v[13], churns_at_renewal=v[14],
            arr_up_for_renewal=v[15], arr_renewed=v[16],
        )  # fmt: skip
    return out


def _breakdown(
    period: Period,
    flows: dict[GroupKey, ArrFlows],
    nps: dict[GroupKey, NpsSummary],
    has_history: bool,
) -> MetricsBreakdown:
    by_tier: dict[str, list[RetentionMetrics]] = defaultdict(list)
    by_segment: dict[str, list[RetentionMetrics]] = defaultdict(list)
    by_team: dict[str, list[RetentionMetrics]] = defaultdict(list)
    groups = []
    for key in flows.keys() | nps.keys():
        metrics = RetentionMetrics(flows.get(key, ArrFlows()), nps.get(key, NpsSummary()))
        tier, segment, team = key
        groups.append(metrics)
        by_tier[tier].append(metrics)
        by_segment[segment].append(metrics)
        by_team[team].append(metrics)
    return MetricsBreakdown(
        period=period,
        overall=combine(groups),
        by_tier={t.value: combine(by_tier.get(t.value, ())) for t in TIER_ORDER},
        by_segment={k: combine(v) for k, v in sorted(by_segment.items())},
        by_team={k: combine(v) for k, v in sorted(by_team.items())},
        has_history=has_history,
    )


def _db_path(conn: sqlite3.Connection) -> str | None:
    """The file behind `conn`'s main database, or None (in memory, temporary)."""
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _flows_in_parallel(conn: sqlite3.Connection, period: Period, team_id: str | None):
    """Start `_flow_rows` on a second, read-only connection in a thread (SQLite runs
    without the GIL, so the two passes use both cores). Returns a function that waits for
    the result; None when `conn` is not a file or uncommitted writes are pending on it."""
    path = _db_path(conn)
    if path is None or conn.in_transaction:
        return None
    from concurrent.futures import ThreadPoolExecutor

    from csm_tui.store.cache import connect

    def work() -> dict[GroupKey, ArrFlows]:
        other = connect(path, readonly=True)
        try:
            return _flow_rows(other, period, team_id)
        finally:
            other.close()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coverage-metrics")
    future = pool.submit(work)
    pool.shutdown(wait=False)
    return future.result


def load_coverage(
    conn: sqlite3.Connection,
    today: date,
    tier_rules: TierRules,
    rules: CoverageRules | None = None,
    team: str | None = None,
    *,
    parallel: bool = True,
) -> CoverageReport:
    """The Coverage screen's numbers, as of `today`, from the cache behind `conn`.

    `team`: a team's id or name (see `resolve_team`) to limit the report to its people and
    the accounts they own; None for the whole book, the unowned digital pool included.
    Raises `UnknownTeam` for a team that is not in the cache. With `parallel` (and a
    cache file with no write pending on `conn`), the ARR-history pass runs at the same
    time on a second read-only connection.
    """
    rules = rules or CoverageRules()
    team_id = resolve_team(conn, team) if team is not None else None
    period = Period.trailing_months(today, 12)
    flows_later = _flows_in_parallel(conn, period, team_id) if parallel else None
    users = conn.execute(
        "SELECT u.id, u.name, u.role, u.team_id, t.name FROM users u "
        "LEFT JOIN teams t ON t.id = u.team_id ORDER BY t.name, u.name, u.id"
    ).fetchall()
    user_info = {u[0]: tuple(u) for u in users}

    tiers_of: dict[str | None, dict[Tier, TierSlice]] = defaultdict(dict)
    team_inputs: dict[str, MaturityInputs] = defaultdict(MaturityInputs)
    nps: dict[GroupKey, NpsSummary] = defaultdict(NpsSummary)
    for row in _book_rows(conn, today, tier_rules, rules, team_id):
        owner, tier, segment = row[0], Tier(row[1]), row[2]
        piece, scored, followed, votes = _slice(row, tier, tier_rules)
        tiers_of[owner][tier] = tiers_of[owner].get(tier, TierSlice()) + piece
        info = user_info.get(owner)
        team_key = (info[3] or NO_TEAM) if info else NO_TEAM
        nps[(tier.value, segment, team_key)] = nps[(tier.value, segment, team_key)] + votes
        team_inputs[team_key] = team_inputs[team_key] + MaturityInputs(
            cadenced_accounts=piece.cadenced, within_cadence=piece.within_cadence,
            live_accounts=piece.accounts, health_scored=scored, red_accounts=piece.red,
            red_followed_up=followed,
        )  # fmt: skip

    csms: list[CsmCoverage] = []
    for uid, name, role, u_team, team_name in users:
        if team_id is not None and u_team != team_id:
            continue
        if role != Role.CSM.value and uid not in tiers_of:
            continue  # leads and admins appear only when they own accounts
        csms.append(CsmCoverage(uid, name, u_team, team_name, role,
                                dict(tiers_of.get(uid, {})), rules))  # fmt: skip
    for owner in tiers_of:  # owners the users table does not know (should not happen)
        if owner is not None and owner not in user_info:
            csms.append(CsmCoverage(owner, owner, None, None, "", dict(tiers_of[owner]), rules))
    pool = None
    if team_id is None and None in tiers_of:
        pool = CsmCoverage(None, "Digital pool (no owner)", None, None, "",
                           dict(tiers_of[None]), rules)  # fmt: skip

    team_rows = conn.execute("SELECT id, name FROM teams ORDER BY name").fetchall()
    teams = tuple(
        TeamCoverage(tid, tname, tuple(c for c in csms if c.team_id == tid), rules)
        for tid, tname in team_rows
        if team_id is None or tid == team_id
    )

    activity = _activity_counts(conn, today, team_id)
    flows = flows_later() if flows_later is not None else _flow_rows(conn, period, team_id)
    has_history = conn.execute("SELECT EXISTS (SELECT 1 FROM arr_events)").fetchone()[0] == 1
    metrics = _breakdown(period, flows, nps, has_history)
    for key, (proactive, reactive) in activity.items():
        team_inputs[key] = team_inputs[key] + MaturityInputs(
            proactive_touches=proactive, reactive_touches=reactive
        )

    def with_grr(inputs: MaturityInputs, m: RetentionMetrics | None) -> MaturityInputs:
        grr = m.grr if m is not None and metrics.has_history else None
        return MaturityInputs(**{**inputs.__dict__, "grr": grr})

    overall_inputs = MaturityInputs()
    for value in team_inputs.values():
        overall_inputs = overall_inputs + value
    maturity = estimate_maturity(with_grr(overall_inputs, metrics.overall))
    maturity_by_team = {
        t.team_id: estimate_maturity(
            with_grr(team_inputs.get(t.team_id, MaturityInputs()),
                     metrics.by_team.get(t.team_id))
        )
        for t in teams
    }  # fmt: skip
    return CoverageReport(
        today=today,
        data_as_of=get_data_as_of(conn),
        rules=rules,
        team_filter=team_id,
        csms=tuple(csms),
        pool=pool,
        teams=teams,
        metrics=metrics,
        maturity=maturity,
        maturity_by_team=maturity_by_team,
    )
