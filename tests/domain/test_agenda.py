"""The Today agenda's reasons, their words, and the order the CSM works them in."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.agenda import (
    AgendaItem,
    AgendaKind,
    Urgency,
    activation_item,
    agenda_key,
    health_drop_item,
    order_agenda,
    renewal_item,
    service_item,
    task_item,
    touch_item,
)
from csm_tui.domain.cadence import TouchStatus
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import Message

TODAY = date(2026, 11, 22)


def item(name: str, tier: Tier, urgency: Urgency, days: int = 0, task_id=None) -> AgendaItem:
    kind = {
        Urgency.TASK_LATE: AgendaKind.TASK,
        Urgency.TASK_TODAY: AgendaKind.TASK,
        Urgency.ZOMBIE_ACTIVATION: AgendaKind.ACTIVATION,
        Urgency.LATE_ACTIVATION: AgendaKind.ACTIVATION,
        Urgency.TOUCH_OVERDUE: AgendaKind.TOUCH,
        Urgency.RENEWAL_NEAR: AgendaKind.RENEWAL,
        Urgency.RENEWAL: AgendaKind.RENEWAL,
        Urgency.HEALTH_DROP: AgendaKind.HEALTH_DROP,
        Urgency.SERVICE_LATE: AgendaKind.QBR,
        Urgency.SERVICE_DUE: AgendaKind.ONSITE,
    }[urgency]
    why = Message.text(f"why {name}")
    return AgendaItem(f"id-{name}", name, tier, kind, why, urgency, None, task_id, days)


def names(items) -> list[str]:
    return [i.account_name for i in items]


def test_strategic_renewal_in_80_days_comes_before_an_enterprise_late_task():
    items = [
        item("ent-task", Tier.ENTERPRISE, Urgency.TASK_LATE, 20),
        item("strat-renewal", Tier.STRATEGIC, Urgency.RENEWAL, -80),
        item("self-zombie", Tier.SELF_SERVE, Urgency.ZOMBIE_ACTIVATION, 200),
        item("growth-touch", Tier.GROWTH, Urgency.TOUCH_OVERDUE, 5),
        item("scale-drop", Tier.SCALE, Urgency.HEALTH_DROP, 30),
    ]
    assert names(order_agenda(items)) == [
        "strat-renewal",
        "ent-task",
        "growth-touch",
        "scale-drop",
        "self-zombie",
    ]


def test_within_a_tier_urgency_ranks_the_kinds():
    # Given in reverse of the documented ranking.
    items = [
        item("renewal-60d", Tier.ENTERPRISE, Urgency.RENEWAL, -60),
        item("health-drop", Tier.ENTERPRISE, Urgency.HEALTH_DROP, 25),
        item("renewal-10d", Tier.ENTERPRISE, Urgency.RENEWAL_NEAR, -10),
        item("touch", Tier.ENTERPRISE, Urgency.TOUCH_OVERDUE, 40),
        item("task-today", Tier.ENTERPRISE, Urgency.TASK_TODAY, 0),
        item("late-activation", Tier.ENTERPRISE, Urgency.LATE_ACTIVATION, 45),
        item("zombie", Tier.ENTERPRISE, Urgency.ZOMBIE_ACTIVATION, 100),
        item("task-late", Tier.ENTERPRISE, Urgency.TASK_LATE, 1),
    ]
    assert names(order_agenda(items)) == [
        "task-late",
        "zombie",
        "late-activation",
        "task-today",
        "touch",
        "renewal-10d",
        "health-drop",
        "renewal-60d",
    ]


def test_within_one_urgency_the_furthest_gone_comes_first():
    late = [item(f"late-{d}", Tier.GROWTH, Urgency.TASK_LATE, d) for d in (2, 30, 9)]
    renewals = [item(f"renewal-{d}", Tier.GROWTH, Urgency.RENEWAL_NEAR, -d) for d in (25, 3, 12)]
    drops = [item(f"drop-{d}", Tier.GROWTH, Urgency.HEALTH_DROP, d) for d in (11, 30)]
    assert names(order_agenda(late + renewals + drops)) == [
        "late-30",
        "late-9",
        "late-2",
        "renewal-3",
        "renewal-12",
        "renewal-25",
        "drop-30",
        "drop-11",
    ]


def test_ties_fall_back_to_the_name_ignoring_case():
    items = [
        item("beta", Tier.SCALE, Urgency.TOUCH_OVERDUE, 4),
        item("Alpha", Tier.SCALE, Urgency.TOUCH_OVERDUE, 4),
    ]
    assert names(order_agenda(items)) == ["Alpha", "beta"]


def test_items_alike_in_all_but_their_words_are_ordered_by_the_words():
    """The order is `agenda_key`'s to the last part (the English words), though the
    words are made only for items that tie on everything before them."""
    alike = [
        AgendaItem("id-a", "A", Tier.GROWTH, AgendaKind.TOUCH, Message.text(words),
                   Urgency.TOUCH_OVERDUE, None, None, 3)
        for words in ("overdue b", "overdue c", "overdue a")
    ]  # fmt: skip
    other = item("B", Tier.GROWTH, Urgency.TOUCH_OVERDUE, 3)
    ordered = order_agenda([other, *alike])
    assert [i.why for i in ordered] == ["overdue a", "overdue b", "overdue c", "why B"]
    assert ordered == sorted(ordered, key=agenda_key)


items_strategy = st.lists(
    st.builds(
        item,
        st.text(min_size=1, max_size=6),
        st.sampled_from(list(Tier)),
        st.sampled_from(list(Urgency)),
        st.integers(-90, 400),
        st.one_of(st.none(), st.text(max_size=4)),
    ),
    max_size=30,
)


@given(items_strategy, st.randoms(use_true_random=False))
def test_order_is_tier_then_urgency_and_does_not_depend_on_input_order(items, rnd):
    ordered = order_agenda(items)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    ranks = [(i.tier.rank, int(i.urgency), -i.days) for i in ordered]
    assert ranks == sorted(ranks)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert order_agenda(shuffled) == ordered


# -- the reasons and their words ------------------------------------------------------------


def test_touch_overdue_says_tier_last_touch_and_cadence():
    status = TouchStatus(Tier.STRATEGIC, 14, 19)
    got = touch_item("a1", "Acme", status, TODAY)
    assert got is not None
    assert got.why == "Strategic · last touch 19 days ago, cadence 14"
    assert got.urgency is Urgency.TOUCH_OVERDUE and got.days == 5
    assert got.due == TODAY - timedelta(days=5)


def test_touch_on_the_cadence_day_is_not_yet_overdue():
    assert touch_item("a1", "Acme", TouchStatus(Tier.ENTERPRISE, 30, 30), TODAY) is None
    assert touch_item("a1", "Acme", TouchStatus(Tier.ENTERPRISE, 30, 31), TODAY) is not None
    assert touch_item("a1", "Acme", TouchStatus(Tier.SELF_SERVE, None, 400), TODAY) is None


def test_never_touched_is_overdue_by_a_whole_cadence():
    got = touch_item("a1", "Acme", TouchStatus(Tier.GROWTH, 60, None), TODAY)
    assert got is not None
    assert got.why == "Growth · never touched, cadence 60"
    assert got.due is None and got.days == 60


def test_task_late_and_today():
    late = task_item(
        "a1", "Acme", Tier.GROWTH, "t1", "Send pricing deck", TODAY - timedelta(3), TODAY
    )
    assert late is not None
    assert late.why == "Task late 3 days: Send pricing deck"
    assert late.urgency is Urgency.TASK_LATE and late.task_id == "t1"
    one = task_item("a1", "Acme", Tier.GROWTH, "t1", "Call 王伟", TODAY - timedelta(1), TODAY)
    assert one is not None and one.why == "Task late 1 day: Call 王伟"
    today = task_item("a1", "Acme", Tier.GROWTH, "t2", "Call back", TODAY, TODAY)
    assert today is not None
    assert today.why == "Task due today: Call back" and today.urgency is Urgency.TASK_TODAY
    assert task_item("a1", "Acme", Tier.GROWTH, "t3", "Later", TODAY + timedelta(1), TODAY) is None


def test_renewal_words_and_horizon():
    def why(days: int, stage=Stage.RENEWAL, arr=120_000.0, currency="USD"):
        got = renewal_item(
            "a1", "Acme", Tier.STRATEGIC, TODAY + timedelta(days), stage, arr, currency, TODAY
        )
        return None if got is None else (got.why, got.urgency)

    assert why(23) == ("Renewal in 23 days (ARR $120k)", Urgency.RENEWAL_NEAR)
    assert why(30)[1] is Urgency.RENEWAL_NEAR
    assert why(31)[1] is Urgency.RENEWAL
    assert why(90) == ("Renewal in 90 days (ARR $120k)", Urgency.RENEWAL)
    assert why(91) is None
    assert why(1)[0] == "Renewal tomorrow (ARR $120k)"
    assert why(0)[0] == "Renewal today (ARR $120k)"
    assert why(-5) == ("Renewal 5 days overdue (ARR $120k)", Urgency.RENEWAL_NEAR)
    assert why(40, arr=860_000, currency="CNY")[0] == "Renewal in 40 days (ARR ¥860k)"
    assert why(10, stage=Stage.CHURNED) is None
    assert renewal_item("a1", "Acme", Tier.GROWTH, None, Stage.ADOPTION, 1.0, "USD", TODAY) is None


def test_activation_thresholds_and_words():
    def got(days: int, activated=None, stage=Stage.ACTIVATION):
        return activation_item(
            "a1", "Acme", Tier.GROWTH, TODAY - timedelta(days), activated, stage, TODAY
        )

    assert got(29) is None
    late = got(47)
    assert late is not None
    assert late.why == "Not activated 47 days after go-live (only 30–40% still do)"
    assert late.urgency is Urgency.LATE_ACTIVATION and late.days == 47
    zombie = got(90)
    assert zombie is not None
    assert zombie.why == "Not activated 90 days after go-live (70–80% become zombies)"
    assert zombie.urgency is Urgency.ZOMBIE_ACTIVATION
    assert got(120, activated=TODAY - timedelta(10)) is None
    assert got(120, stage=Stage.ADOPTION) is None


def test_health_drop_of_ten_points_or_more():
    def got(now: int | None, then: int | None, stage=Stage.ADOPTION):
        return health_drop_item("a1", "Acme", Tier.GROWTH, now, then, stage, TODAY)

    drop = got(58, 72)
    assert drop is not None
    assert drop.why == "Health fell 14 points in 30 days (72 → 58)" and drop.days == 14
    assert got(62, 72) is not None
    assert got(63, 72) is None
    assert got(80, 60) is None
    assert got(None, 72) is None and got(58, None) is None
    assert got(10, 72, stage=Stage.CHURNED) is None


def test_order_is_stable_for_a_realistic_mix():
    rng = random.Random(3)
    items = [
        item(f"acct-{n}", rng.choice(list(Tier)), rng.choice(list(Urgency)), rng.randint(0, 99))
        for n in range(200)
    ]
    first = order_agenda(items)
    assert order_agenda(reversed(first)) == first
    assert first[0].tier is Tier.STRATEGIC


# -- QBRs and onsite visits by the tier's service model -------------------------------------


def qbr(last, tier=Tier.STRATEGIC, per_year=4, go_live=None, stage=Stage.ADOPTION,
        kind=AgendaKind.QBR):  # fmt: skip
    return service_item("a1", "Acme", tier, kind, per_year, last, go_live, stage, TODAY)


def test_a_quarterly_qbr_is_due_14_days_ahead_and_late_after_91_days():
    """Quarterly: 365 / 4 = 91.25 → every 91 days after the last QBR."""
    assert qbr(TODAY - timedelta(days=76)) is None  # due in 15 days: not yet
    soon = qbr(TODAY - timedelta(days=77))
    assert soon.why == "QBR due in 14 days (Strategic · quarterly, last 77 days ago)"
    assert soon.urgency is Urgency.SERVICE_DUE and soon.due == TODAY + timedelta(days=14)
    today = qbr(TODAY - timedelta(days=91))
    assert today.why == "QBR due today (Strategic · quarterly, last 91 days ago)"
    late = qbr(TODAY - timedelta(days=111))
    assert late.why == "QBR late 20 days (Strategic · quarterly, last 111 days ago)"
    assert late.urgency is Urgency.SERVICE_LATE and late.days == 20


def test_an_enterprise_qbr_twice_a_year_and_a_strategic_onsite_never_held():
    """Twice a year: 365 / 2 = 182.5 → 182 days (round half to even)."""
    ent = qbr(TODAY - timedelta(days=190), tier=Tier.ENTERPRISE, per_year=2)
    assert ent.why == "QBR late 8 days (Enterprise · twice a year, last 190 days ago)"
    onsite = qbr(None, per_year=2, go_live=TODAY - timedelta(days=200), kind=AgendaKind.ONSITE)
    assert onsite.why == (
        "Onsite visit late 18 days (Strategic · twice a year, never held, live since "
        f"{(TODAY - timedelta(days=200)).isoformat()})"
    )
    assert onsite.kind is AgendaKind.ONSITE
    assert qbr(None).why == "QBR due: never held (Strategic · quarterly)"


def test_no_qbr_for_a_tier_without_one_nor_in_onboarding_or_after_churn():
    assert qbr(TODAY - timedelta(days=300), tier=Tier.GROWTH, per_year=0) is None
    assert qbr(TODAY - timedelta(days=300), stage=Stage.ONBOARDING) is None
    assert qbr(TODAY - timedelta(days=300), stage=Stage.CHURNED) is None
    assert qbr(TODAY) is None  # just held: cleared


def test_a_late_qbr_comes_after_an_overdue_touch_and_before_a_near_renewal():
    items = [
        item("renewal", Tier.STRATEGIC, Urgency.RENEWAL_NEAR, -10),
        item("qbr", Tier.STRATEGIC, Urgency.SERVICE_LATE, 5),
        item("touch", Tier.STRATEGIC, Urgency.TOUCH_OVERDUE, 5),
    ]
    assert names(order_agenda(items)) == ["touch", "qbr", "renewal"]
