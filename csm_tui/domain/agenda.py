"""The Today agenda: who needs the CSM today, why, and in what order (spec section 1).

Six reasons put an account on the agenda, each a pure function of one account's facts:

- a touch overdue against the tier's cadence (`touch_item`);
- a task due today or late (`task_item`);
- a renewal within 90 days, or already past and not churned (`renewal_item`);
- not activated 30 or 90 days after go-live (`activation_item`);
- health down 10+ points in 30 days (`health_drop_item`);
- a QBR or an onsite visit due or late by the tier's service model (`service_item`:
  Strategic QBR quarterly and onsite twice a year, Enterprise QBR twice a year): one falls
  due `365 / per_year` days (rounded) after the last activity of that kind, or after
  go-live when there has been none; it shows from `SERVICE_DUE_AHEAD_DAYS` days before that
  day ("due in 9 days", to plan it) and is late after it. Logging a QBR (an onsite visit)
  clears it. Accounts in Onboarding or Churned have none.

Order (`order_agenda`): tier first (strategic first), then urgency, then how far gone
(`AgendaItem.days`: more days late / overdue / since go-live, fewer days to renewal, a
bigger drop first), then name. Urgency across kinds, most urgent first:

1. a late task — a promise already broken;
2. not activated 90+ days after go-live (70–80% of these become zombies);
3. not activated 30+ days after go-live (only 30–40% still activate: the rescue window);
4. a task due today;
5. an overdue touch;
6. a QBR or onsite visit late;
7. a renewal within 30 days, today, or past its date;
8. a health drop of 10+ points in 30 days;
9. a QBR or onsite visit due soon;
10. a renewal in 31–90 days.

Why an account is on the agenda is a `Message` (csm_tui.i18n): an English template marked
for the catalog and its values; the screen shows `item.reason.render()` in the interface
language, `item.why` is the English (scripts, sorting). This is the pattern for every domain
text: the domain picks the words' template and values, never the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

from csm_tui.domain.cadence import TouchStatus
from csm_tui.domain.humanize import format_money
from csm_tui.domain.lifecycle import (
    LATE_ACTIVATION_DAYS,
    ZOMBIE_DAYS,
    ActivationRisk,
    Stage,
    activation_risk,
)
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message, Nn_

RENEWAL_HORIZON_DAYS = 90
RENEWAL_NEAR_DAYS = 30
HEALTH_DROP_POINTS = 10
SERVICE_DUE_AHEAD_DAYS = 14  # a QBR / onsite visit shows this many days before it falls due


class AgendaKind(StrEnum):
    TOUCH = "touch"
    TASK = "task"
    RENEWAL = "renewal"
    ACTIVATION = "activation"
    HEALTH_DROP = "health_drop"
    QBR = "qbr"
    ONSITE = "onsite"

    @property
    def label(self) -> str:
        """The kind in English words (a msgid: the edge shows `_(kind.label)`)."""
        return {
            "touch": N_("Touch"),
            "task": N_("Task"),
            "renewal": N_("Renewal"),
            "activation": N_("Activation"),
            "health_drop": N_("Health drop"),
            "qbr": N_("QBR"),
            "onsite": N_("Onsite"),
        }[self.value]


class Urgency(IntEnum):
    """How urgent a reason is, across kinds; lower comes first (see the module doc)."""

    TASK_LATE = 1
    ZOMBIE_ACTIVATION = 2
    LATE_ACTIVATION = 3
    TASK_TODAY = 4
    TOUCH_OVERDUE = 5
    SERVICE_LATE = 6
    RENEWAL_NEAR = 7
    HEALTH_DROP = 8
    SERVICE_DUE = 9
    RENEWAL = 10


@dataclass(frozen=True)
class AgendaItem:
    account_id: str
    account_name: str
    tier: Tier
    kind: AgendaKind
    reason: Message  # why, in words: "Task late 3 days: send the QBR deck"
    urgency: Urgency
    due: date | None  # the day it fell (or falls) due; None: never touched, health drop
    task_id: str | None = None
    days: int = 0  # how far gone, bigger first (see `order_agenda`)

    @property
    def why(self) -> str:
        """The reason in English: "Strategic · last touch 19 days ago, cadence 14"."""
        return self.reason.english()


def agenda_key(item: AgendaItem) -> tuple[object, ...]:
    """The sort key of `order_agenda`: tier, urgency, days (bigger first), name, then
    everything else, so the order never depends on the order rows were read in."""
    return (*_first_keys(item), item.why)


def _first_keys(item: AgendaItem) -> tuple[object, ...]:
    return (
        item.tier.rank,
        int(item.urgency),
        -item.days,
        item.account_name.casefold(),
        item.account_name,
        item.account_id,
        item.task_id is not None,
        item.task_id or "",
        item.kind.value,
    )


class _EnglishLast:
    """`item.why` as the last part of a sort key, made only when two items tie on all
    the rest (it never happens on a real agenda: making the English of 15k items took
    longer than the sort itself)."""

    __slots__ = ("item",)

    def __init__(self, item: AgendaItem) -> None:
        self.item = item

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EnglishLast) and self.item.why == other.item.why

    def __lt__(self, other: _EnglishLast) -> bool:
        return self.item.why < other.item.why

    __hash__ = None  # type: ignore[assignment]


def _sort_key(item: AgendaItem) -> tuple[object, ...]:
    """`agenda_key`, its English made only when needed (`_EnglishLast`)."""
    return (*_first_keys(item), _EnglishLast(item))


def order_agenda(items: Iterable[AgendaItem]) -> list[AgendaItem]:
    """The agenda in the order the CSM should work it (see the module doc): the order of
    `agenda_key`."""
    return sorted(items, key=_sort_key)


def touch_item(account_id: str, name: str, touch: TouchStatus, today: date) -> AgendaItem | None:
    """An overdue touch against the tier's cadence; None when not overdue."""
    if not touch.overdue or touch.cadence_days is None:
        return None
    due = (
        None
        if touch.days_since is None
        else today - timedelta(days=touch.days_since - touch.cadence_days)
    )
    return AgendaItem(
        account_id,
        name,
        touch.tier,
        AgendaKind.TOUCH,
        touch.words,
        Urgency.TOUCH_OVERDUE,
        due,
        None,
        touch.days_overdue,
    )


def task_item(
    account_id: str, name: str, tier: Tier, task_id: str, title: str, due_on: date, today: date
) -> AgendaItem | None:
    """A task due today or late; None when it is due later."""
    late = (today - due_on).days
    if late < 0:
        return None
    if late == 0:
        why, urgency = Message.of(N_("Task due today: {title}"), title=title), Urgency.TASK_TODAY
    else:
        why = Message.of(
            *Nn_("Task late {n} day: {title}", "Task late {n} days: {title}"), n=late, title=title
        )
        urgency = Urgency.TASK_LATE
    return AgendaItem(account_id, name, tier, AgendaKind.TASK, why, urgency, due_on, task_id, late)


def renewal_item(
    account_id: str,
    name: str,
    tier: Tier,
    renewal: date | None,
    stage: Stage,
    arr: float,
    currency: str,
    today: date,
) -> AgendaItem | None:
    """A renewal within 90 days (or past, unsigned) of an account that has not churned."""
    if renewal is None or stage is Stage.CHURNED:
        return None
    until = (renewal - today).days
    if until > RENEWAL_HORIZON_DAYS:
        return None
    money = format_money(arr, currency)
    if until < 0:
        plural = Nn_("Renewal {n} day overdue (ARR {arr})", "Renewal {n} days overdue (ARR {arr})")
        why = Message.of(*plural, n=-until, arr=money)
    elif until == 0:
        why = Message.of(N_("Renewal today (ARR {arr})"), arr=money)
    elif until == 1:
        why = Message.of(N_("Renewal tomorrow (ARR {arr})"), arr=money)
    else:
        plural = Nn_("Renewal in {n} day (ARR {arr})", "Renewal in {n} days (ARR {arr})")
        why = Message.of(*plural, n=until, arr=money)
    urgency = Urgency.RENEWAL_NEAR if until <= RENEWAL_NEAR_DAYS else Urgency.RENEWAL
    return AgendaItem(
        account_id,
        name,
        tier,
        AgendaKind.RENEWAL,
        why,
        urgency,
        renewal,
        None,
        -until,
    )


def activation_item(
    account_id: str,
    name: str,
    tier: Tier,
    go_live: date | None,
    activated: date | None,
    stage: Stage,
    today: date,
) -> AgendaItem | None:
    """Not activated 30 (or 90) days after go-live; None otherwise."""
    risk = activation_risk(go_live, activated, stage, today)
    if risk is ActivationRisk.NONE or go_live is None:
        return None
    since = (today - go_live).days
    if risk is ActivationRisk.ZOMBIE:
        urgency, due = Urgency.ZOMBIE_ACTIVATION, ZOMBIE_DAYS
        plural = Nn_(
            "Not activated {n} day after go-live (70–80% become zombies)",
            "Not activated {n} days after go-live (70–80% become zombies)",
        )
    else:
        urgency, due = Urgency.LATE_ACTIVATION, LATE_ACTIVATION_DAYS
        plural = Nn_(
            "Not activated {n} day after go-live (only 30–40% still do)",
            "Not activated {n} days after go-live (only 30–40% still do)",
        )
    why = Message.of(*plural, n=since)
    return AgendaItem(
        account_id,
        name,
        tier,
        AgendaKind.ACTIVATION,
        why,
        urgency,
        go_live + timedelta(days=due),
        None,
        since,
    )


def health_drop_item(
    account_id: str,
    name: str,
    tier: Tier,
    score: int | None,
    score_30d: int | None,
    stage: Stage,
    today: date,
) -> AgendaItem | None:
    """Health down 10+ points against 30 days ago (churned accounts are left out)."""
    if score is None or score_30d is None or stage is Stage.CHURNED:
        return None
    fell = score_30d - score
    if fell < HEALTH_DROP_POINTS:
        return None
    why = Message.of(
        *Nn_(
            "Health fell {n} point in 30 days ({before} → {after})",
            "Health fell {n} points in 30 days ({before} → {after})",
        ),
        n=fell,
        before=score_30d,
        after=score,
    )
    return AgendaItem(
        account_id,
        name,
        tier,
        AgendaKind.HEALTH_DROP,
        why,
        Urgency.HEALTH_DROP,
        None,
        None,
        fell,
    )


def service_interval_days(per_year: int) -> int | None:
    """Days between two QBRs (onsite visits) held `per_year` times a year; None for 0."""
    if per_year <= 0:
        return None
    return round(DAYS_PER_YEAR / per_year)


DAYS_PER_YEAR = 365


def _how_often(per_year: int) -> Message:
    words = {1: N_("yearly"), 2: N_("twice a year"), 4: N_("quarterly")}.get(per_year)
    return Message.of(words) if words else Message.of(N_("{n}× a year"), n=per_year)


def service_item(
    account_id: str,
    name: str,
    tier: Tier,
    kind: AgendaKind,
    per_year: int,
    last: date | None,
    go_live: date | None,
    stage: Stage,
    today: date,
) -> AgendaItem | None:
    """A QBR or onsite visit (`kind`) due within `SERVICE_DUE_AHEAD_DAYS` days or late by
    the tier's `per_year`; None when not due yet, or the tier has none (module doc)."""
    if kind not in (AgendaKind.QBR, AgendaKind.ONSITE):
        raise ValueError(f"not a service visit: {kind}")
    interval = service_interval_days(per_year)
    if interval is None or stage in (Stage.ONBOARDING, Stage.CHURNED):
        return None
    anchor = last or go_live
    what = Message.of(N_("QBR") if kind is AgendaKind.QBR else N_("Onsite visit"))
    often = Message.of(
        N_("{tier} · {how_often}"), tier=Message.of(tier.label), how_often=_how_often(per_year)
    )
    if anchor is None:  # neither held nor live on a known day: due now
        why = Message.of(N_("{what} due: never held ({often})"), what=what, often=often)
        return AgendaItem(account_id, name, tier, kind, why, Urgency.SERVICE_DUE, today, None, 0)
    due = anchor + timedelta(days=interval)
    until = (due - today).days
    if until > SERVICE_DUE_AHEAD_DAYS:
        return None
    since = (
        Message.of(*Nn_("last {n} day ago", "last {n} days ago"), n=(today - last).days)
        if last is not None
        else Message.of(
            N_("never held, live since {day}"), day=go_live.isoformat() if go_live else "?"
        )
    )
    if until < 0:
        why = Message.of(
            *Nn_(
                "{what} late {n} day ({often}, {since})", "{what} late {n} days ({often}, {since})"
            ),
            n=-until,
            what=what,
            often=often,
            since=since,
        )
        urgency = Urgency.SERVICE_LATE
    elif until == 0:
        why = Message.of(
            N_("{what} due today ({often}, {since})"), what=what, often=often, since=since
        )
        urgency = Urgency.SERVICE_DUE
    else:
        why = Message.of(
            *Nn_(
                "{what} due in {n} day ({often}, {since})",
                "{what} due in {n} days ({often}, {since})",
            ),
            n=until,
            what=what,
            often=often,
            since=since,
        )
        urgency = Urgency.SERVICE_DUE
    return AgendaItem(account_id, name, tier, kind, why, urgency, due, None, -until)
