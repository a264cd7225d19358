"""Coverage from the cache: a few GROUP BY queries in SQLite, never a Python loop over rows.

`load_coverage` answers the team lead's Coverage screen (domain.coverage.CoverageReport):

1. the book per owner × tier (counts, ARR, overdue, late activation, red, renewals, large
   accounts, and whether each red account was followed up) — one pass over the live
   accounts, counting them per combination of those flags (one integer per account);
2. touches of the last 90 days, proactive vs escalations, per author's team — from
   `activity_days`, the live activities counted per author, day and kind by triggers;
3. ARR movements over the last 12 months per (tier at the period's start, segment, owner's
   team), with NPS votes — each account's movement is kept on record and brought to the
   period before the report sums it (store/arr_movements.py: after a day or a sync only
   the accounts that changed are worked out again from `arr_events`);
4. users and teams.

Python then adds up at most a few thousand group rows. It works offline on whatever the
cache holds, and shows how old that is (`data_as_of`). All it writes is its own: the
movements on record and the cached rows below, on a short connection of its own and only
when the cache is free to write (else the events are read instead). Each query's rows are
cached by the data versions of the tables it reads (store/report_cache.py): a report after
an activity was logged re-runs the book and touch queries, not the ARR movements.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from csm_tui.domain.coverage import (
    ACTIVITY_DAYS,
    FOLLOW_UP_DAYS,
    RENEWAL_HORIZONS,
    CoverageReport,
    CoverageRules,
    CsmCoverage,
    MaturityInputs,
    TeamCoverage,
    TierSlice,
    estimate_maturity,
    touches_needed,
)
from csm_tui.domain.errors import Refusal
from csm_tui.domain.lifecycle import LATE_ACTIVATION_DAYS, ZOMBIE_DAYS, Stage
from csm_tui.domain.metrics import (
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
from csm_tui.i18n import N_, Message
from csm_tui.store.arr_movements import KEY_SEP, OWNED_IN_TEAM, movement_rows, per_account_query
from csm_tui.store.cache import get_data_as_of
from csm_tui.store.report_cache import Query, Rows, cached_rows
from csm_tui.store.timestamps import date_to_db

RED_BELOW = 40  # domain.health.band_for: red < 40
NO_TEAM = ""  # the key of accounts whose owner has no team (or that have no owner)

_PROACTIVE = tuple(k.value for k in ActivityKind if k.is_touch and k.is_proactive)
_REACTIVE = tuple(k.value for k in ActivityKind if k.is_touch and not k.is_proactive)


POOL_NAME = N_("Digital pool (no owner)")
"""The unowned accounts' row (English, as data in JSON; the edge shows `_(POOL_NAME)`)."""


class UnknownTeam(Refusal, ValueError):
    """No team has that id or name."""


def resolve_team(conn: sqlite3.Connection, team: str) -> str:
    """The id of the team called `team`: its id, its name, or the start of its name
    (any case), when only one team fits."""
    rows = conn.execute("SELECT id, name FROM teams ORDER BY name").fetchall()
    key = team.strip().casefold()
    for exact in (True, False):
        hits: list[str] = [
            r[0]
            for r in rows
            if r[0] == team
            or (r[1].casefold() == key if exact else r[1].casefold().startswith(key))
        ]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            break
    if not rows:
        raise UnknownTeam(Message.of(N_("no single team matches {team}; there are no teams"),
                                     team=repr(team)))  # fmt: skip
    names = ", ".join(r[1] for r in rows)
    raise UnknownTeam(
        Message.of(N_("no single team matches {team}; teams: {names}"), team=repr(team),
                   names=names)
    )  # fmt: skip


def _live(alias: str = "a") -> str:
    return f"{alias}.deleted_at IS NULL AND {alias}.stage != '{Stage.CHURNED.value}'"


# The book query counts each owner × tier's accounts per combination of these flags (one
# integer per account) with their ARR; `_book_rows` folds the combinations into the counts
# and sums of `TierSlice`. Two aggregates per account instead of nineteen (issue 12).
_OVERDUE, _UNTOUCHED, _LATE, _ZOMBIE, _SCORED, _LARGE, _RED, _FOLLOWED = (1 << i for i in range(8))
_RENEWAL_SHIFT = 8  # bits 8+: 1 + the index of the first renewal horizon it falls in, or 0


def _book_query(
    today: date, tier_rules: TierRules, rules: CoverageRules, team_id: str | None
) -> Query:
    """The live book per owner × tier × flags (see `_OVERDUE` ...): accounts and ARR.

    It reads `ix_accounts_portfolio` (store/models.py), which holds every column used
    here, so the table itself is never read; tiers are its `tier_rank`.
    """
    p: dict[str, object] = {
        "today": date_to_db(today),
        "late": date_to_db(today - timedelta(days=LATE_ACTIVATION_DAYS)),
        "zombie": date_to_db(today - timedelta(days=ZOMBIE_DAYS)),
        "red": RED_BELOW,
        "follow": date_to_db(today - timedelta(days=FOLLOW_UP_DAYS)),
        "large": rules.dedicated_from_arr,
        "team": team_id,
    }
    overdue_whens = []
    for tier in TIER_ORDER:
        cadence = tier_rules.cadence_days(tier)
        if cadence is not None:
            p[f"cut{tier.rank}"] = date_to_db(today - timedelta(days=cadence))
            overdue_whens.append(
                f"WHEN {tier.rank} THEN (a.last_touch_at IS NULL "
                f"OR a.last_touch_at < :cut{tier.rank})"
            )
    overdue = f"CASE a.tier_rank {' '.join(overdue_whens)} ELSE 0 END" if overdue_whens else "0"
    for i, kind in enumerate(_PROACTIVE):
        p[f"kind{i}"] = kind
    proactive = ", ".join(f":kind{i}" for i in range(len(_PROACTIVE)))
    not_active = (
        f"a.go_live_date IS NOT NULL AND a.activated_on IS NULL "
        f"AND a.stage IN ('{Stage.ONBOARDING.value}', '{Stage.ACTIVATION.value}')"
    )
    renewal_whens = ["WHEN a.renewal_date < :today THEN 0"]
    for i, days in enumerate(RENEWAL_HORIZONS):  # shortest first
        p[f"r{days}"] = date_to_db(today + timedelta(days=days))
        renewal_whens.append(f"WHEN a.renewal_date <= :r{days} THEN {i + 1}")
    where = _live()
    if team_id is not None:
        where += " " + OWNED_IN_TEAM
    sql = f"""
        SELECT a.owner_id, a.tier_rank,
               iif({overdue}, {_OVERDUE}, 0)
               + iif(a.last_touch_at IS NULL, {_UNTOUCHED}, 0)
               + iif({not_active} AND a.go_live_date <= :late, {_LATE}, 0)
               + iif({not_active} AND a.go_live_date <= :zombie, {_ZOMBIE}, 0)
               + iif(a.health_score IS NOT NULL, {_SCORED}, 0)
               + iif(a.arr_usd >= :large, {_LARGE}, 0)
               + CASE WHEN a.health_score < :red THEN {_RED} + iif(
                   EXISTS (SELECT 1 FROM activities x WHERE x.account_id = a.id
                           AND x.occurred_at >= :follow AND x.deleted_at IS NULL
                           AND x.kind IN ({proactive}))
                   OR EXISTS (SELECT 1 FROM tasks k WHERE k.account_id = a.id
                              AND k.done_at IS NULL AND k.deleted_at IS NULL),
                   {_FOLLOWED}, 0) ELSE 0 END
               + (coalesce(CASE {" ".join(renewal_whens)} END, 0) << {_RENEWAL_SHIFT}),
               count(*), total(a.arr_usd)
        FROM accounts a INDEXED BY ix_accounts_portfolio
        WHERE {where}
        GROUP BY 1, 2, 3
    """
    return sql, p


def _book_rows(flag_rows: list[tuple[Any, ...]], tier_rules: TierRules) -> list[tuple[Any, ...]]:
    """The book query's rows (owner, tier rank, flags, accounts, ARR) folded per owner ×
    tier into the columns `_slice` reads, in its order."""
    out: dict[tuple[Any, int], list[Any]] = {}
    for owner, rank, flags, n, arr in flag_rows:
        row = out.setdefault((owner, rank), [0, 0.0] + [0] * 17)
        cadenced = tier_rules.cadence_days(TIER_ORDER[rank]) is not None
        renews_in = flags >> _RENEWAL_SHIFT  # 0: none; else 1 + the first horizon's index
        adds = [
            n, arr, n if cadenced else 0, n if flags & _OVERDUE else 0,
            n if cadenced and flags & _UNTOUCHED else 0, n if flags & _LATE else 0,
            n if flags & _ZOMBIE else 0, n if flags & _RED else 0,
            arr if flags & _RED else 0.0, n if flags & _FOLLOWED else 0,
        ]  # fmt: skip
        for i in range(len(RENEWAL_HORIZONS)):
            inside = 0 < renews_in <= i + 1
            adds += [n if inside else 0, arr if inside else 0.0]
        adds += [n if flags & _LARGE else 0, arr if flags & _LARGE else 0.0,
                 n if flags & _SCORED else 0]  # fmt: skip
        for i, value in enumerate(adds):
            row[i] += value
    return [(owner, rank, *row) for (owner, rank), row in out.items()]


def _slice(row: tuple[Any, ...], tier: Tier, tier_rules: TierRules) -> tuple[TierSlice, int, int]:
    """(slice, accounts with a health score, red accounts followed up)."""
    (accounts, arr, cadenced, overdue, never, late, zombie, red, red_arr, followed,
     r30, r30a, r60, r60a, r90, r90a, large, large_arr, scored) = row[2:]  # fmt: skip
    piece = TierSlice(
        accounts=accounts, arr=arr, cadenced=cadenced or 0, overdue=overdue or 0,
        never_touched=never or 0, late_activation=late or 0, zombie=zombie or 0,
        red=red or 0, red_arr=red_arr, renew_30=r30 or 0, renew_30_arr=r30a,
        renew_60=r60 or 0, renew_60_arr=r60a, renew_90=r90 or 0, renew_90_arr=r90a,
        large=large or 0, large_arr=large_arr,
        touches_needed=touches_needed(tier, cadenced or 0, tier_rules),
    )  # fmt: skip
    return piece, scored or 0, followed or 0


def _team_clause(team_id: str | None) -> str:
    return "" if team_id is None else "AND u.team_id = :team"


def _nps_query(team_id: str | None) -> Query:
    """One vote per live account with an NPS, per (tier, segment, owner's team)."""
    sql = f"""
        SELECT a.tier, a.segment, coalesce(u.team_id, ''),
               sum(s.nps >= :promoter), sum(s.nps >= :detractor AND s.nps < :promoter),
               sum(s.nps < :detractor)
        FROM account_signals s
        CROSS JOIN accounts a ON a.id = s.account_id
        LEFT JOIN users u ON u.id = a.owner_id
        WHERE s.nps IS NOT NULL AND {_live()} {_team_clause(team_id)}
        GROUP BY 1, 2, 3
    """
    params: dict[str, object] = {"promoter": PROMOTER_ACCOUNT_NPS,
                                 "detractor": DETRACTOR_ACCOUNT_NPS, "team": team_id}  # fmt: skip
    return sql, params


def _activity_query(today: date) -> Query:
    """Touches of the last ACTIVITY_DAYS days per author: proactive, escalations. Read
    from `activity_days`, the live activities counted per author, day and kind (kept
    current by triggers: store/migrations.py v14); '' is no author."""
    p: dict[str, object] = {"since": date_to_db(today - timedelta(days=ACTIVITY_DAYS))}
    for i, kind in enumerate(_PROACTIVE):
        p[f"p{i}"] = kind
    for i, kind in enumerate(_REACTIVE):
        p[f"r{i}"] = kind
    pro = ", ".join(f":p{i}" for i in range(len(_PROACTIVE)))
    rea = ", ".join(f":r{i}" for i in range(len(_REACTIVE)))
    sql = f"""
        SELECT nullif(x.author_id, ''), sum(iif(x.kind IN ({pro}), x.n, 0)),
               sum(iif(x.kind IN ({rea}), x.n, 0))
        FROM activity_days x
        WHERE x.day >= :since
        GROUP BY x.author_id
    """
    return sql, p


GroupKey = tuple[str, str, str]  # (tier, segment, team id or NO_TEAM)


def _flows(movements: list[tuple[Any, ...]], user_team: dict[str, str]) -> dict[GroupKey, ArrFlows]:
    """ArrFlows per group (tier, segment, the owner's team) from the counts and sums of
    each movement per owner (see domain.metrics: kept = min(start, end); expansion = end −
    start when it grew; ...). The rows of a team's owners are added up first, then made
    into flows once per group and movement."""
    sums: dict[tuple[str, str, str, str], list[Any]] = {}
    for key, *values in movements:
        tier, rest = key.split(KEY_SEP, 1)  # a segment may hold anything
        segment, owner, kind = rest.rsplit(KEY_SEP, 2)
        total = sums.setdefault((tier, segment, user_team.get(owner, NO_TEAM), kind), [0] * 8)
        for i, value in enumerate(values):
            total[i] += value or 0
    out: dict[GroupKey, ArrFlows] = defaultdict(ArrFlows)
    for (tier, segment, team, kind), values in sums.items():
        n, sa, ea, renewals, churns, up, renewed, booked = values
        f = ArrFlows(renewals=renewals, churns_at_renewal=churns, arr_up_for_renewal=up,
                     arr_renewed=renewed, booked_change=booked)  # fmt: skip
        if kind == "new":
            f = replace(f, new_logos=n, new_arr=ea, ending_arr=ea)
        elif kind != "none":
            end = 0.0 if kind == "churn" else ea
            f = replace(f, starting_logos=n, starting_arr=sa, ending_arr=end,
                        retained_arr=min(sa, end) if kind != "flat" else sa)  # fmt: skip
            if kind == "expand":
                f = replace(f, expansion_arr=ea - sa, expanded_logos=n)
            elif kind == "contract":
                f = replace(f, contraction_arr=sa - ea, contracted_logos=n)
            elif kind == "churn":
                f = replace(f, churned_arr=sa, churned_logos=n)
        out[(tier, segment, team)] = out[(tier, segment, team)] + f
    return dict(out)


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
    for key in sorted(flows.keys() | nps.keys()):
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


def _two_cores() -> bool:
    import os

    return (os.cpu_count() or 1) >= 2


# The data each query reads (store/report_cache.py: a query re-runs when one changed).
# `accounts_grouping`: the accounts' tier, segment, owner, stage and deletion only.
_MOVEMENT_SCOPES = ("arr_events", "tier_overrides", "accounts_grouping", "users")
_BOOK_SCOPES = ("accounts", "activities", "tasks", "users")
_ACTIVITY_SCOPES = ("activities",)
_NPS_SCOPES = ("account_signals", "accounts_grouping", "users")


Job = Callable[[sqlite3.Connection], Rows]


def _query_job(query: Query) -> Job:
    return lambda c: [tuple(r) for r in c.execute(*query)]


def _run(conn: sqlite3.Connection, jobs: dict[str, Job], parallel: bool) -> dict[str, Rows]:
    """Every job's rows. In parallel: two threads, each with a read-only connection of its
    own (SQLite runs without the GIL, so two cores share the work), taking the jobs in the
    order given; else one after the other on `conn`. Parallel needs a cache file and no
    write pending on `conn` (the other connections would not see it).

    Not two queries that group per account at once: SQLite allocates per group under a
    lock all its connections in a process share, and two such scans at once each took
    twice their time alone or more (issue 12): the book's query is the only one."""
    path = _db_path(conn) if parallel else None
    if path is None or conn.in_transaction:
        return {name: job(conn) for name, job in jobs.items()}
    from concurrent.futures import ThreadPoolExecutor

    from csm_tui.store.cache import connect

    def fetch(job: Job) -> Rows:
        # SQLite's own page cache size: a bigger one (64 MiB) made each new reader fault
        # in fresh memory, and the report took 0.75 s instead of 0.56 s (issue 12).
        reader = connect(path, readonly=True)
        try:
            return job(reader)
        finally:
            reader.close()

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="coverage") as pool:
        futures = {name: pool.submit(fetch, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def load_coverage(
    conn: sqlite3.Connection,
    today: date,
    tier_rules: TierRules,
    rules: CoverageRules | None = None,
    team: str | None = None,
    *,
    parallel: bool | None = None,
    period: Period | None = None,
) -> CoverageReport:
    """The Coverage screen's numbers, as of `today`, from the cache behind `conn`.

    `team`: a team's id or name (see `resolve_team`) to limit the report to its people and
    the accounts they own; None for the whole book, the unowned digital pool included.
    Raises `UnknownTeam` for a team that is not in the cache. With `parallel` (and a cache
    file with no write pending on `conn`) the queries run on two read-only connections
    at once; the result is the same. None (the default): in parallel on a machine with
    two cores or more (issue 12, 100k accounts / 1M activities, 2 cores, the movements on
    record: 0.26 s against 0.41 s one after the other). `period`: the metrics' period (a
    fiscal quarter or year, `domain.metrics.parse_period`); None: the 12 months up to
    `today`.
    """
    rules = rules or CoverageRules()
    team_id = resolve_team(conn, team) if team is not None else None
    on_record = period is None  # the record follows the screen's trailing 12 months
    period = period or Period.trailing_months(today, 12)
    in_parallel = _two_cores() if parallel is None else parallel
    path = _db_path(conn)

    def movements(c: sqlite3.Connection) -> Rows:
        return movement_rows(c, path, period, tier_rules, team_id, on_record=on_record)

    def run(missing: dict[str, Query]) -> dict[str, Rows]:
        jobs = {n: movements if n == "movements" else _query_job(q) for n, q in missing.items()}
        return _run(conn, jobs, in_parallel and "movements" in missing)

    # In this order, the two readers finish about together: the movements (brought to the
    # period, then summed), the NPS and the activity queries | the book (the longest).
    # Without the movements (after a logged activity: the book and activity queries) a
    # second reader gains nothing. The movements are keyed by the query that works them
    # out from the events (the period, the ARR bands and the team are in it).
    rows = cached_rows(
        conn,
        {
            "movements": (per_account_query(period, tier_rules, team_id), _MOVEMENT_SCOPES),
            "book": (_book_query(today, tier_rules, rules, team_id), _BOOK_SCOPES),
            "nps": (_nps_query(team_id), _NPS_SCOPES),
            "activity": (_activity_query(today), _ACTIVITY_SCOPES),
        },
        run,
        path=path,
        prefix=f"coverage:{team_id or ''}:",
    )
    users = conn.execute(
        "SELECT u.id, u.name, u.role, u.team_id, t.name FROM users u "
        "LEFT JOIN teams t ON t.id = u.team_id ORDER BY t.name, u.name, u.id"
    ).fetchall()
    user_team = {u[0]: u[3] or NO_TEAM for u in users}
    known = {u[0] for u in users}

    tiers_of: dict[str | None, dict[Tier, TierSlice]] = defaultdict(dict)
    team_inputs: dict[str, MaturityInputs] = defaultdict(MaturityInputs)
    for row in _book_rows(rows["book"], tier_rules):
        owner, tier = row[0], TIER_ORDER[row[1]]
        piece, scored, followed = _slice(row, tier, tier_rules)
        tiers_of[owner][tier] = tiers_of[owner].get(tier, TierSlice()) + piece
        key = user_team.get(owner, NO_TEAM)
        team_inputs[key] = team_inputs[key] + MaturityInputs(
            cadenced_accounts=piece.cadenced, within_cadence=piece.within_cadence,
            live_accounts=piece.accounts, health_scored=scored, red_accounts=piece.red,
            red_followed_up=followed,
        )  # fmt: skip
    for author, proactive, reactive in rows["activity"]:
        key = user_team.get(author, NO_TEAM)
        if team_id is not None and key != team_id:
            continue
        team_inputs[key] = team_inputs[key] + MaturityInputs(
            proactive_touches=proactive or 0, reactive_touches=reactive or 0)  # fmt: skip

    csms: list[CsmCoverage] = []
    for uid, name, role, u_team, team_name in users:
        if team_id is not None and u_team != team_id:
            continue
        if role != Role.CSM.value and uid not in tiers_of:
            continue  # leads and admins appear only when they own accounts
        csms.append(CsmCoverage(uid, name, u_team, team_name, role,
                                dict(tiers_of.get(uid, {})), rules))  # fmt: skip
    for owner, tiers in tiers_of.items():  # owners the users table does not know
        if owner is not None and owner not in known:
            csms.append(CsmCoverage(owner, owner, None, None, "", dict(tiers), rules))
    pool = None
    if team_id is None and None in tiers_of:
        pool = CsmCoverage(None, POOL_NAME, None, None, "",
                           dict(tiers_of[None]), rules)  # fmt: skip

    team_rows = conn.execute("SELECT id, name FROM teams ORDER BY name").fetchall()
    teams = tuple(
        TeamCoverage(tid, tname, tuple(c for c in csms if c.team_id == tid), rules)
        for tid, tname in team_rows
        if team_id is None or tid == team_id
    )

    nps: dict[GroupKey, NpsSummary] = {
        (tier, segment, team): NpsSummary(p or 0, q or 0, d or 0)
        for tier, segment, team, p, q, d in rows["nps"]
    }
    flows = _flows(rows["movements"], user_team)
    has_history = conn.execute("SELECT EXISTS (SELECT 1 FROM arr_events)").fetchone()[0] == 1
    metrics = _breakdown(period, flows, nps, has_history)

    def with_grr(inputs: MaturityInputs, m: RetentionMetrics | None) -> MaturityInputs:
        grr = m.grr if m is not None and has_history else None
        return replace(inputs, grr=grr)

    overall_inputs = MaturityInputs()
    for value in team_inputs.values():
        overall_inputs = overall_inputs + value
    maturity = estimate_maturity(with_grr(overall_inputs, metrics.overall))
    maturity_by_team = {
        t.team_id: estimate_maturity(with_grr(team_inputs.get(t.team_id, MaturityInputs()),
                                              metrics.by_team.get(t.team_id)))
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
