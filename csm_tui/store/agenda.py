"""The Today agenda from the cache, in raw sqlite3 (fast over a 100k-account book).

SQL only narrows: it keeps the owner's live accounts that may be on the agenda for any
reason (each reason written as a range the indexes and stored text formats answer), and
the owner's open tasks due by today. Whether a row is on the agenda, why and in what order
is decided by `csm_tui.domain.agenda`, so the screen and the tests share one meaning.

Every query is answered from indexes alone (migration v16; tests/store/test_agenda.py
checks the plans): a CSM's accounts with every column judged (`ix_accounts_agenda`), the
last QBR / onsite visit (`ix_activities_service`, those two kinds only), open tasks
(`ix_tasks_agenda`) and a task's account name and tier (`ix_accounts_id_name`). Reading
rows instead scattered the reads over the whole file: on a 100k-account book (2 GB) whose
pages were not in memory the demo user's agenda (22k accounts owned, 15k items) took
2.5–6 s, now ~1 s; in memory ~190 ms of CPU (from ~500), most of it building and ordering
the items (the domain's). Run it in a worker.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, timedelta, tzinfo

from csm_tui.domain.agenda import (
    HEALTH_DROP_POINTS,
    RENEWAL_HORIZON_DAYS,
    AgendaItem,
    AgendaKind,
    activation_item,
    health_drop_item,
    order_agenda,
    renewal_item,
    service_item,
    task_item,
    touch_item,
)
from csm_tui.domain.cadence import TouchStatus
from csm_tui.domain.clock import day_start_db, local_day
from csm_tui.domain.lifecycle import LATE_ACTIVATION_DAYS, Stage
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.timestamps import date_from_db, date_to_db, from_db

_ACCOUNTS = """
SELECT id, name, tier, stage, last_touch_at, renewal_date, go_live_date, activated_on,
       health_score, health_score_30d, arr, currency
FROM accounts
WHERE owner_id = ? AND deleted_at IS NULL AND stage != 'churned' AND (
      {touch}
      OR renewal_date <= ?
      OR (activated_on IS NULL AND go_live_date <= ? AND stage IN ('onboarding', 'activation'))
      OR health_score_30d - health_score >= ?)
"""

# Read from ix_tasks_agenda and ix_accounts_id_name alone (both covering). The planner
# would look the account up by its primary key, which reads the account's row: scattered
# over a 2 GB file at 100k accounts, ~0.4 s for 3k tasks before the pages are in memory.
_TASKS = """
SELECT t.id, t.title, t.due_on, a.id AS account_id, a.name, a.tier
FROM tasks t JOIN accounts a INDEXED BY ix_accounts_id_name ON a.id = t.account_id
WHERE t.owner_id = ? AND t.done_at IS NULL AND t.due_on <= ? AND t.deleted_at IS NULL
  AND (t.snoozed_until IS NULL OR t.snoozed_until <= ?) AND a.deleted_at IS NULL
"""


# Accounts whose tier holds QBRs or onsite visits, with the day of the last of each: one
# seek each in ix_activities_service (QBRs and onsite visits only; the planner uses that
# partial index only when the query says `kind IN ('qbr', 'onsite')` as its WHERE does).
_SERVICE = """
SELECT a.id, a.name, a.tier, a.stage, a.go_live_date,
       (SELECT max(v.occurred_at) FROM activities v WHERE v.account_id = a.id
          AND v.kind IN ('qbr', 'onsite') AND v.kind = 'qbr' AND v.deleted_at IS NULL),
       (SELECT max(v.occurred_at) FROM activities v WHERE v.account_id = a.id
          AND v.kind IN ('qbr', 'onsite') AND v.kind = 'onsite' AND v.deleted_at IS NULL)
FROM accounts a
WHERE a.owner_id = ? AND a.deleted_at IS NULL AND a.stage NOT IN ('churned', 'onboarding')
  AND a.tier IN ({tiers})
"""


def _service_items(
    cursor: sqlite3.Cursor, owner_id: str, today: date, rules: TierRules
) -> list[AgendaItem | None]:
    """QBRs and onsite visits due or late on the owner's accounts (domain.agenda)."""
    visits = {
        tier: (rules.service(tier).qbr_per_year, rules.service(tier).onsite_per_year)
        for tier in Tier
    }
    tiers = [tier.value for tier, (qbr, onsite) in visits.items() if qbr or onsite]
    if not tiers:
        return []
    items: list[AgendaItem | None] = []
    sql = _SERVICE.format(tiers=", ".join("?" * len(tiers)))
    for account_id, name, tier_text, stage_text, go_live, last_qbr, last_onsite in cursor.execute(
        sql, (owner_id, *tiers)
    ):
        tier, stage = Tier(tier_text), Stage(stage_text)
        qbr, onsite = visits[tier]
        live = date_from_db(go_live)
        for kind, per_year, last in (
            (AgendaKind.QBR, qbr, last_qbr),
            (AgendaKind.ONSITE, onsite, last_onsite),
        ):
            held = None if last is None else date.fromisoformat(last[:10])
            items.append(
                service_item(account_id, name, tier, kind, per_year, held, live, stage, today)
            )
    return items


def _touch_sql(today: date, rules: TierRules, zone: tzinfo = UTC) -> tuple[str, list[str]]:
    """Accounts whose last touch is older than their tier's cadence, as SQL.

    Overdue means more than `cadence` whole days, in the user's `zone`, since the touch:
    the touch's local day is before today - cadence, i.e. its stored UTC text sorts before
    the UTC instant that local day begins.
    """
    terms, args = [], []
    for tier in Tier:
        cadence = rules.cadence_days(tier)
        if cadence is None:
            continue
        terms.append("(tier = ? AND (last_touch_at IS NULL OR last_touch_at < ?))")
        args += [tier.value, day_start_db(today - timedelta(days=cadence), zone)]
    return ("(" + " OR ".join(terms) + ")" if terms else "0"), args


def load_agenda(
    conn: sqlite3.Connection,
    owner_id: str,
    today: date,
    rules: TierRules,
    zone: tzinfo = UTC,
) -> list[AgendaItem]:
    """The Today agenda of the CSM `owner_id`, ordered by `domain.agenda.order_agenda`.

    `today` is the user's day and `zone` their time zone (days since a touch are counted
    in it). Accounts count when `owner_id` owns them; tasks when `owner_id` owns the task (on any
    live account). Snoozed tasks come back on their `snoozed_until` day.
    """
    touch, touch_args = _touch_sql(today, rules, zone)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a demo CSM owns 20k accounts
    rows = cursor.execute(
        _ACCOUNTS.format(touch=touch),
        (
            owner_id,
            *touch_args,
            date_to_db(today + timedelta(days=RENEWAL_HORIZON_DAYS)),
            date_to_db(today - timedelta(days=LATE_ACTIVATION_DAYS)),
            HEALTH_DROP_POINTS,
        ),
    ).fetchall()
    items: list[AgendaItem | None] = []
    tiers = {tier.value: tier for tier in Tier}
    stages = {stage.value: stage for stage in Stage}
    cadences = {tier: rules.cadence_days(tier) for tier in Tier}
    for (
        account_id,
        name,
        tier_text,
        stage_text,
        last_touch,
        renewal,
        go_live,
        activated,
        score,
        score_30d,
        arr,
        currency,
    ) in rows:
        tier, stage = tiers[tier_text], stages[stage_text]
        cadence = cadences[tier]
        days_since = None
        if last_touch is not None:
            touched = (
                date.fromisoformat(last_touch[:10])
                if zone is UTC
                else local_day(from_db(last_touch), zone)
            )
            days_since = max(0, (today - touched).days)
        items.append(touch_item(account_id, name, TouchStatus(tier, cadence, days_since), today))
        items.append(
            renewal_item(account_id, name, tier, date_from_db(renewal), stage, arr, currency, today)
        )
        items.append(
            activation_item(
                account_id, name, tier, date_from_db(go_live), date_from_db(activated), stage, today
            )
        )
        items.append(health_drop_item(account_id, name, tier, score, score_30d, stage, today))
    today_text = date_to_db(today)
    for task_id, title, due_on, account_id, name, tier_text in cursor.execute(
        _TASKS, (owner_id, today_text, today_text)
    ):
        items.append(
            task_item(
                account_id,
                name,
                tiers[tier_text],
                task_id,
                title,
                date.fromisoformat(due_on),
                today,
            )
        )
    items.extend(_service_items(cursor, owner_id, today, rules))
    return order_agenda(item for item in items if item is not None)
