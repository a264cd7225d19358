"""The Today agenda read from a demo book: every reason, in words, for the demo user only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from csm_tui.domain.agenda import (
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
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.agenda import load_agenda
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.ids import new_id
from csm_tui.store.timestamps import to_db

RULES = TierRules()


@pytest.fixture
def book(demo_db, clock):
    conn = connect(demo_db)
    yield conn, get_meta(conn, META_ME), clock.today()
    conn.close()


def my_accounts(conn, me, where="1", args=()):
    return conn.execute(
        f"SELECT * FROM accounts WHERE owner_id = ? AND deleted_at IS NULL AND {where} ORDER BY id",
        (me, *args),
    ).fetchall()


def set_account(conn, account_id, **values):
    with conn:
        assignments = ", ".join(f"{k} = ?" for k in values)
        conn.execute(
            f"UPDATE accounts SET {assignments} WHERE id = ?", (*values.values(), account_id)
        )


def test_the_demo_users_agenda_has_every_kind(book):
    conn, me, today = book
    items = load_agenda(conn, me, today, RULES)
    assert {i.kind for i in items} == set(AgendaKind)
    assert items == order_agenda(items)
    mine = {r["id"] for r in my_accounts(conn, me)}
    task_accounts = {
        r[0] for r in conn.execute("SELECT account_id FROM tasks WHERE owner_id = ?", (me,))
    }
    assert {i.account_id for i in items} <= mine | task_accounts


def test_sql_narrowing_drops_nothing_the_domain_would_list(book):
    """Every owned account judged by the domain alone gives exactly the loaded agenda."""
    conn, me, today = book
    expected_items = domain_agenda(conn, me, today)
    assert len(expected_items) > 20
    assert load_agenda(conn, me, today, RULES) == expected_items


def domain_agenda(conn, me, today):
    """The agenda as the domain alone makes it: every owned live account and open task
    read row by row (no narrowing, no index), each judged by domain.agenda."""
    expected = []
    for a in my_accounts(conn, me):
        tier, stage = Tier(a["tier"]), Stage(a["stage"])
        if stage is not Stage.CHURNED:
            last = a["last_touch_at"]
            since = None if last is None else (today - date.fromisoformat(last[:10])).days
            expected.append(
                touch_item(
                    a["id"], a["name"], TouchStatus(tier, RULES.cadence_days(tier), since), today
                )
            )
        renewal = a["renewal_date"] and date.fromisoformat(a["renewal_date"])
        expected.append(
            renewal_item(
                a["id"], a["name"], tier, renewal or None, stage, a["arr"], a["currency"], today
            )
        )
        go_live = a["go_live_date"] and date.fromisoformat(a["go_live_date"])
        activated = a["activated_on"] and date.fromisoformat(a["activated_on"])
        expected.append(
            activation_item(
                a["id"], a["name"], tier, go_live or None, activated or None, stage, today
            )
        )
        expected.append(
            health_drop_item(
                a["id"], a["name"], tier, a["health_score"], a["health_score_30d"], stage, today
            )
        )
        service = RULES.service(tier)
        for kind, per_year in ((AgendaKind.QBR, service.qbr_per_year),
                               (AgendaKind.ONSITE, service.onsite_per_year)):  # fmt: skip
            last = conn.execute(
                "SELECT max(occurred_at) FROM activities WHERE account_id = ? AND kind = ? "
                "AND deleted_at IS NULL",
                (a["id"], kind.value),
            ).fetchone()[0]
            held = last and date.fromisoformat(last[:10])
            expected.append(
                service_item(
                    a["id"],
                    a["name"],
                    tier,
                    kind,
                    per_year,
                    held or None,
                    go_live or None,
                    stage,
                    today,
                )
            )
    for t in conn.execute(
        "SELECT t.*, a.name, a.tier FROM tasks t JOIN accounts a ON a.id = t.account_id "
        "WHERE t.owner_id = ? AND t.done_at IS NULL AND t.deleted_at IS NULL "
        "AND a.deleted_at IS NULL",  # tasks on live accounts only
        (me,),
    ):
        if t["snoozed_until"] and date.fromisoformat(t["snoozed_until"]) > today:
            continue
        expected.append(
            task_item(
                t["account_id"],
                t["name"],
                Tier(t["tier"]),
                t["id"],
                t["title"],
                date.fromisoformat(t["due_on"]),
                today,
            )
        )
    return order_agenda(i for i in expected if i is not None)


def test_a_mixed_book_gives_the_domains_agenda(book, clock):
    """Deleted QBRs and onsite visits, deleted accounts with open tasks, the CSM's tasks
    on another CSM's accounts, snoozed and done tasks, churned accounts with tasks: the
    agenda read through its indexes is still exactly the domain's, day after day."""
    conn, me, today = book
    now = to_db(clock.now())
    with conn:
        conn.execute(
            "UPDATE activities SET deleted_at = ? WHERE kind IN ('qbr', 'onsite') "
            "AND rowid % 3 = 0",
            (now,),
        )
        theirs = [r[0] for r in conn.execute(
            "SELECT id FROM accounts WHERE owner_id != ? AND deleted_at IS NULL LIMIT 40", (me,)
        )]  # fmt: skip
        mine = [r["id"] for r in my_accounts(conn, me)]
        for n, account_id in enumerate(theirs + mine[:40]):
            conn.execute(
                "INSERT INTO tasks (id, account_id, title, due_on, snoozed_until, done_at, "
                "owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id(),
                    account_id,
                    f"task {n}",
                    (today - timedelta(days=n % 7 - 2)).isoformat(),
                    (today + timedelta(days=n % 3)).isoformat() if n % 4 == 0 else None,
                    now if n % 5 == 0 else None,
                    me,
                    now,
                    now,
                ),
            )
        conn.execute(  # deleted accounts: theirs with my tasks, mine with tasks
            "UPDATE accounts SET deleted_at = ? WHERE id IN (?, ?, ?, ?)",
            (now, theirs[0], theirs[1], mine[0], mine[1]),
        )
        conn.execute("UPDATE accounts SET stage = 'churned' WHERE id IN (?, ?)", (mine[2], mine[3]))
    for day in (today, today + timedelta(days=1), today + timedelta(days=8)):
        expected = domain_agenda(conn, me, day)
        assert {i.kind for i in expected} == set(AgendaKind)
        assert load_agenda(conn, me, day, RULES) == expected


def test_each_reason_in_words(book, clock):
    """The five examples of the issue, made true of the demo user's accounts."""
    conn, me, today = book
    strategic = my_accounts(conn, me, "tier = 'strategic' AND stage = 'adoption'")[0]
    enterprise = my_accounts(conn, me, "tier = 'enterprise' AND stage = 'adoption'")[0]
    growth = my_accounts(conn, me, "tier = 'growth' AND stage = 'adoption'")[0]
    set_account(
        conn,
        strategic["id"],
        last_touch_at=to_db(clock.now() - timedelta(days=19)),
        renewal_date=(today + timedelta(days=23)).isoformat(),
        arr=120_000.0,
        currency="USD",
        health_score=58,
        health_score_30d=72,
    )
    set_account(
        conn,
        enterprise["id"],
        stage="activation",
        activated_on=None,
        go_live_date=(today - timedelta(days=47)).isoformat(),
    )
    task_id = new_id()
    with conn:
        conn.execute(
            "INSERT INTO tasks (id, account_id, title, due_on, owner_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                task_id,
                growth["id"],
                "Send pricing deck",
                (today - timedelta(3)).isoformat(),
                me,
                to_db(clock.now()),
                to_db(clock.now()),
            ),
        )
    items = load_agenda(conn, me, today, RULES)
    by_account = {}
    for i in items:
        by_account.setdefault(i.account_id, []).append(i.why)
    assert "Strategic · last touch 19 days ago, cadence 14" in by_account[strategic["id"]]
    assert "Renewal in 23 days (ARR $120k)" in by_account[strategic["id"]]
    assert "Health fell 14 points in 30 days (72 → 58)" in by_account[strategic["id"]]
    assert (
        "Not activated 47 days after go-live (only 30–40% still do)" in by_account[enterprise["id"]]
    )
    assert "Task late 3 days: Send pricing deck" in by_account[growth["id"]]
    task = next(i for i in items if i.task_id == task_id)
    assert task.kind is AgendaKind.TASK and task.due == today - timedelta(3)


def test_other_owners_deleted_accounts_done_and_snoozed_tasks_stay_off(book, clock):
    conn, me, today = book
    other = conn.execute(
        "SELECT owner_id FROM accounts WHERE owner_id IS NOT NULL AND owner_id != ? LIMIT 1", (me,)
    ).fetchone()[0]
    theirs = {i.account_id for i in load_agenda(conn, other, today, RULES)}
    mine = load_agenda(conn, me, today, RULES)
    assert theirs and not theirs & {r["id"] for r in my_accounts(conn, me)}

    touch = next(i for i in mine if i.kind is AgendaKind.TOUCH)
    set_account(conn, touch.account_id, deleted_at=to_db(clock.now()))
    assert touch.account_id not in {i.account_id for i in load_agenda(conn, me, today, RULES)}

    task = next(i for i in mine if i.kind is AgendaKind.TASK and i.account_id != touch.account_id)
    with conn:
        conn.execute(
            "UPDATE tasks SET snoozed_until = ? WHERE id = ?",
            ((today + timedelta(2)).isoformat(), task.task_id),
        )
    assert task.task_id not in {i.task_id for i in load_agenda(conn, me, today, RULES)}
    back = load_agenda(conn, me, today + timedelta(2), RULES)
    assert task.task_id in {i.task_id for i in back}
    with conn:
        conn.execute(
            "UPDATE tasks SET done_at = ? WHERE id = ?", (to_db(clock.now()), task.task_id)
        )
    assert task.task_id not in {
        i.task_id for i in load_agenda(conn, me, today + timedelta(2), RULES)
    }


def test_a_touch_takes_the_account_off_as_overdue(book, clock):
    conn, me, today = book
    touch = next(i for i in load_agenda(conn, me, today, RULES) if i.kind is AgendaKind.TOUCH)
    set_account(conn, touch.account_id, last_touch_at=to_db(clock.now()))
    after = load_agenda(conn, me, today, RULES)
    assert (touch.account_id, AgendaKind.TOUCH) not in {(i.account_id, i.kind) for i in after}


def test_churned_accounts_are_not_on_the_agenda_for_touch_renewal_or_health(book):
    conn, me, today = book
    churned = {r["id"] for r in my_accounts(conn, me, "stage = 'churned'")}
    assert churned
    listed = {
        i.account_id for i in load_agenda(conn, me, today, RULES) if i.kind is not AgendaKind.TASK
    }
    assert not churned & listed


def test_logging_a_qbr_clears_the_late_qbr_and_an_onsite_visit_the_onsite(book, clock):
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.records import ActivityKind
    from csm_tui.store.activity_log import log_activity

    conn, me, today = book
    items = load_agenda(conn, me, today, RULES)
    late = next(i for i in items if i.kind is AgendaKind.QBR and i.why.startswith("QBR late"))
    assert late.tier in (Tier.STRATEGIC, Tier.ENTERPRISE)
    onsite = next(i for i in items if i.kind is AgendaKind.ONSITE)
    for target, kind in ((late, ActivityKind.QBR), (onsite, ActivityKind.ONSITE)):
        draft = ActivityDraft(target.account_id, kind, clock.now(), 60, summary="held")
        log_activity(conn, draft, me, clock.now(), RULES)
    after = {(i.account_id, i.kind) for i in load_agenda(conn, me, today, RULES)}
    assert (late.account_id, AgendaKind.QBR) not in after
    assert (onsite.account_id, AgendaKind.ONSITE) not in after
    # A call is a touch, not a QBR: the next QBR's late item stays until one is held.
    other = next(i for i in items if i.kind is AgendaKind.QBR and i.account_id not in
                 (late.account_id, onsite.account_id))  # fmt: skip
    draft = ActivityDraft(other.account_id, ActivityKind.CALL, clock.now(), 30, summary="hi")
    log_activity(conn, draft, me, clock.now(), RULES)
    assert (other.account_id, AgendaKind.QBR) in {
        (i.account_id, i.kind) for i in load_agenda(conn, me, today, RULES)
    }


def test_in_shanghai_a_touch_at_0010_on_the_cadence_day_is_not_yet_overdue(book):
    """23:30 in Shanghai (15:30 UTC): days since a touch are Shanghai days, in SQL too."""
    from zoneinfo import ZoneInfo

    from csm_tui.domain.clock import FixedClock, day_start

    shanghai = ZoneInfo("Asia/Shanghai")
    conn, me, _ = book
    clock = FixedClock(datetime(2026, 11, 22, 15, 30, tzinfo=UTC), shanghai)
    today = clock.today()
    touch = next(i for i in load_agenda(conn, me, today, RULES) if i.kind is AgendaKind.TOUCH)
    cadence = RULES.cadence_days(touch.tier)
    # 00:10 Shanghai, `cadence` Shanghai days ago: 16:10 UTC on the day before that.
    touched = day_start(today - timedelta(days=cadence), shanghai) + timedelta(minutes=10)
    set_account(conn, touch.account_id, last_touch_at=to_db(touched))

    def touch_items(zone):
        return {
            i.account_id: i
            for i in load_agenda(conn, me, today, RULES, zone=zone)
            if i.kind is AgendaKind.TOUCH
        }

    assert touch.account_id not in touch_items(shanghai)
    in_utc = touch_items(UTC)  # counted on UTC days it is one day past the cadence
    assert f"last touch {cadence + 1} days ago" in in_utc[touch.account_id].why
    # One Shanghai minute before that: the day before, so overdue by a day.
    set_account(conn, touch.account_id, last_touch_at=to_db(touched - timedelta(minutes=11)))
    assert f"last touch {cadence + 1} days ago" in touch_items(shanghai)[touch.account_id].why


def test_a_deleted_qbr_is_not_a_qbr_held(book, clock):
    """The last QBR is read from an index of QBRs and onsite visits only: a deleted one
    does not count, and the one before it (or go-live) is what the QBR falls due after."""
    from csm_tui.domain.activity_form import ActivityDraft
    from csm_tui.domain.records import ActivityKind
    from csm_tui.store.activity_log import log_activity

    conn, me, today = book
    late = next(
        i
        for i in load_agenda(conn, me, today, RULES)
        if i.kind is AgendaKind.QBR and i.why.startswith("QBR late")
    )
    draft = ActivityDraft(late.account_id, ActivityKind.QBR, clock.now(), 60, summary="held")
    log_activity(conn, draft, me, clock.now(), RULES)
    assert (late.account_id, AgendaKind.QBR) not in {
        (i.account_id, i.kind) for i in load_agenda(conn, me, today, RULES)
    }
    with conn:
        conn.execute(
            "UPDATE activities SET deleted_at = ? WHERE account_id = ? AND kind = 'qbr' "
            "AND occurred_at = ?",
            (to_db(clock.now()), late.account_id, to_db(clock.now())),
        )
    again = [i for i in load_agenda(conn, me, today, RULES) if i.account_id == late.account_id]
    assert late in again


def test_the_agenda_is_read_from_its_indexes(book):
    """At 100k accounts the agenda's SQL must not read the accounts' rows nor every
    activity of an account: the query plans name the covering and the partial index."""
    from csm_tui.domain.agenda import HEALTH_DROP_POINTS
    from csm_tui.store import agenda

    conn, me, today = book

    def plan(sql, args):
        return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))

    touch, touch_args = agenda._touch_sql(today, RULES)
    accounts = plan(
        agenda._ACCOUNTS.format(touch=touch),
        (me, *touch_args, "2027-01-01", "2026-01-01", HEALTH_DROP_POINTS),
    )
    assert "COVERING INDEX ix_accounts_agenda" in accounts
    service = plan(agenda._SERVICE.format(tiers="?, ?"), (me, "strategic", "enterprise"))
    assert "COVERING INDEX ix_accounts_agenda" in service
    assert service.count("ix_activities_service") == 2
    tasks = plan(agenda._TASKS, (me, today.isoformat(), today.isoformat()))
    assert "COVERING INDEX ix_tasks_agenda" in tasks
    assert "COVERING INDEX ix_accounts_id_name" in tasks
