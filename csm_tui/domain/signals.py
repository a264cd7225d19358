"""Health from raw signals: weekly product usage, support tickets, survey answers and
invoices turned into one account's `HealthSignals` (then `score_health` scores them).

Pure: records in, signals out. The store reads the rows (`store/health_recompute.py`).

How each input is read (the windows end at `today`, the app's clock):

* Usage — the last `USAGE_WEEKS` full weeks (Monday to Sunday) before the current week.
  Each feature's uses per weekly active user per week = its count over those weeks ÷ the
  active users added up over them, measured separately per feature. Login rate = active
  users ÷ seats (a week's seats, else the account's). Session length = minutes ÷ sessions.
  DAU/MAU, from weekly counts: a day's users ≈ the week's sessions ÷ 5 working days (one
  session per user-day), a month's users ≈ the most active users of one of those weeks.
  An account with usage records but none in the window used the product zero times.
* Business outcome — use of the CRM features (opportunities, leads, public pool,
  contacts, messages) in the window against the same weeks one quarter (13 weeks)
  earlier, in %; unknown without those earlier weeks.
* Support — tickets open now; mean first response of tickets opened in the last
  `SUPPORT_DAYS` days (tickets without one do not count).
* Commercial — the oldest invoice unpaid past its due date: 1–30 days late, 31–90
  overdue, more in collections; none: current.
* Sentiment — NPS over the last `SURVEY_DAYS` days, one vote per contact (their latest
  answer; answers without an email vote each), and the mean CSAT over the same days.
* Engagement — the last touch against the tier's cadence (the activity log).

A kind of record the account has none of scores neutral and says "no data yet".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple, Protocol

from csm_tui.domain.health import Component, HealthSignals, PaymentStatus
from csm_tui.domain.motion import Feature
from csm_tui.i18n import N_

USAGE_WEEKS = 4
TREND_WEEKS = 13  # the outcome compares with the same weeks this many weeks earlier
SUPPORT_DAYS = 90
SURVEY_DAYS = 180
WORKDAYS = 5
LATE_DAYS = 30  # up to this many days past due: late; then overdue
COLLECTIONS_DAYS = 90  # more than this: collections

ENGAGEMENT_SOURCE = N_("activity log")
VOLUME_FEATURES = (
    Feature.OPPORTUNITIES,
    Feature.LEADS,
    Feature.PUBLIC_POOL,
    Feature.CONTACTS,
    Feature.MESSAGES,
)
_JUDGEABLE = (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)
_UNUSED = tuple((f, 0.0) for f in _JUDGEABLE)
_SURVEY_SPAN = timedelta(days=SURVEY_DAYS)


class UsageWeekRecord(NamedTuple):
    week_start: date
    active_users: int
    seats: int
    opportunities: int
    leads: int
    public_pool: int
    contacts: int
    messages: int
    sessions: int
    session_minutes: float
    source: str


_FIELDS = UsageWeekRecord._fields
# position of each summable field; week_start and source are not summed (zip keeps them)
_AT = {name: i for i, name in enumerate(_FIELDS)}
_NUMERIC = tuple(i for i, name in enumerate(_FIELDS) if name not in ("week_start", "source"))
_VOLUME = tuple(f.value for f in VOLUME_FEATURES)  # int columns


class TicketRecord(NamedTuple):
    opened_at: datetime
    closed_at: datetime | None
    priority: str
    first_response_minutes: int | None
    source: str


class SurveyRecord(NamedTuple):
    contact_email: str
    kind: str  # nps | csat
    score: int
    responded_on: date
    source: str


class InvoiceRecord(NamedTuple):
    issued_on: date
    due_on: date
    paid_on: date | None
    source: str


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def usage_window(today: date, weeks: int = USAGE_WEEKS) -> tuple[date, date]:
    """(first, last) week starts of the last `weeks` full weeks before today's week."""
    last = monday_of(today) - timedelta(days=7)
    return last - timedelta(days=7 * (weeks - 1)), last


def account_nps(surveys: Iterable[SurveyRecord]) -> int | None:
    """−100..100 from NPS answers, one vote per contact (their latest answer)."""
    latest: dict[str, SurveyRecord] = {}
    votes: list[int] = []
    for s in surveys:
        if s.kind != "nps":
            continue
        if not s.contact_email:
            votes.append(s.score)
            continue
        key = s.contact_email.casefold()
        old = latest.get(key)
        if old is None or s.responded_on >= old.responded_on:
            latest[key] = s
    votes.extend(s.score for s in latest.values())
    if not votes:
        return None
    promoters = sum(1 for v in votes if v >= 9)
    detractors = sum(1 for v in votes if v <= 6)
    return round(100 * (promoters - detractors) / len(votes))


class _Sourced(Protocol):
    @property
    def source(self) -> str: ...


def _sources(records: Iterable[_Sourced]) -> str:
    return join_sources(r.source for r in records)


def join_sources(names: Iterable[str]) -> str:
    """Source names as shown: each once, sorted, comma separated ("import" for none)."""
    return ", ".join(sorted({n for n in names if n})) or "import"


# ------------------------------------------------------------------------------- totals
# Each kind of record boils down to a few totals; the store computes the same totals
# with SQL for a whole book (store/health_recompute.py), and `signals_from_totals` turns
# them into `HealthSignals`. `derive_signals` is the record-by-record way to the same.


class UsageTotals(NamedTuple):
    """The usage window's sums (see the module doc), and the earlier quarter's volume."""

    weeks: int  # weeks in the window (0: the account's records are all older)
    active_users: int
    seats: int  # the weeks' seats added up, the account's for a week without any
    most_active: int  # the most active users of one week
    opportunities: int
    leads: int
    public_pool: int
    contacts: int
    messages: int
    sessions: int
    session_minutes: float
    latest_week: date  # the latest week on record (in the window if any)
    sources: str
    earlier_volume: int | None  # feature use the same weeks a quarter earlier (None: none)


class TicketTotals(NamedTuple):
    open: int
    response_minutes: int  # first responses of tickets opened in the last SUPPORT_DAYS
    responses: int
    latest: date | None  # the latest opening or closing up to now
    sources: str


class InvoiceTotals(NamedTuple):
    worst_days_late: int  # of invoices unpaid past due today (0: none)
    latest: date | None  # the latest issue or payment up to today
    sources: str


def usage_totals(
    usage: Sequence[UsageWeekRecord], today: date, account_seats: int
) -> UsageTotals | None:
    if not usage:
        return None
    first, last = usage_window(today)
    window = [u for u in usage if first <= u.week_start <= last]
    sums = [0] * len(_FIELDS)
    if window:
        columns = list(zip(*window, strict=True))
        for i in _NUMERIC:
            sums[i] = sum(columns[i])
    shift = timedelta(days=7 * TREND_WEEKS)
    earlier = [u for u in usage if first - shift <= u.week_start <= last - shift]
    volume: int = sum(getattr(u, name) for u in earlier for name in _VOLUME)
    return UsageTotals(
        weeks=len(window),
        active_users=sums[_AT["active_users"]],
        seats=sum(u.seats if u.seats > 0 else account_seats for u in window),
        most_active=max((u.active_users for u in window), default=0),
        opportunities=sums[_AT["opportunities"]],
        leads=sums[_AT["leads"]],
        public_pool=sums[_AT["public_pool"]],
        contacts=sums[_AT["contacts"]],
        messages=sums[_AT["messages"]],
        sessions=sums[_AT["sessions"]],
        session_minutes=sums[_AT["session_minutes"]],
        latest_week=max(u.week_start for u in (window or usage)),
        sources=_sources(window or usage),
        earlier_volume=volume if earlier else None,
    )


def ticket_totals(tickets: Sequence[TicketRecord], now: datetime) -> TicketTotals | None:
    if not tickets:
        return None
    since = now - timedelta(days=SUPPORT_DAYS)
    firsts = [
        t.first_response_minutes
        for t in tickets
        if t.first_response_minutes is not None and since <= t.opened_at <= now
    ]
    seen = [w for t in tickets for w in (t.opened_at, t.closed_at) if w is not None and w <= now]
    return TicketTotals(
        open=sum(
            1 for t in tickets if t.opened_at <= now and (t.closed_at is None or t.closed_at > now)
        ),
        response_minutes=sum(firsts),
        responses=len(firsts),
        latest=max(seen).date() if seen else None,
        sources=_sources(tickets),
    )


def invoice_totals(invoices: Sequence[InvoiceRecord], today: date) -> InvoiceTotals | None:
    if not invoices:
        return None
    late = [
        (today - inv.due_on).days
        for inv in invoices
        if inv.due_on < today and (inv.paid_on is None or inv.paid_on > today)
    ]
    days = [d for i in invoices for d in (i.issued_on, i.paid_on) if d is not None and d <= today]
    return InvoiceTotals(max(late, default=0), max(days, default=None), _sources(invoices))


def status_after(days_late: int) -> PaymentStatus:
    if days_late <= 0:
        return PaymentStatus.CURRENT
    if days_late <= LATE_DAYS:
        return PaymentStatus.LATE
    if days_late <= COLLECTIONS_DAYS:
        return PaymentStatus.OVERDUE
    return PaymentStatus.COLLECTIONS


def payment_status(invoices: Iterable[InvoiceRecord], today: date) -> PaymentStatus:
    """From the oldest invoice unpaid past its due date (module doc)."""
    totals = invoice_totals(list(invoices), today)
    return status_after(0 if totals is None else totals.worst_days_late)


def derive_signals(
    *,
    today: date,
    now: datetime,
    account_seats: int,
    usage: Sequence[UsageWeekRecord] = (),
    tickets: Sequence[TicketRecord] = (),
    surveys: Sequence[SurveyRecord] = (),
    invoices: Sequence[InvoiceRecord] = (),
    days_since_touch: int | None = None,
    cadence_days: int | None = None,
    last_touch_on: date | None = None,
    csm_pulse: int | None = None,
) -> HealthSignals:
    """One account's health inputs from its raw records (module doc). Each sequence may
    hold records of any day; those outside the windows are passed over."""
    return signals_from_totals(
        today=today,
        account_seats=account_seats,
        usage=usage_totals(usage, today, account_seats),
        tickets=ticket_totals(tickets, now),
        surveys=surveys,
        invoices=invoice_totals(invoices, today),
        days_since_touch=days_since_touch,
        cadence_days=cadence_days,
        last_touch_on=last_touch_on,
        csm_pulse=csm_pulse,
    )


def signals_from_totals(
    *,
    today: date,
    account_seats: int,
    usage: UsageTotals | None,
    tickets: TicketTotals | None,
    surveys: Sequence[SurveyRecord],
    invoices: InvoiceTotals | None,
    days_since_touch: int | None,
    cadence_days: int | None,
    last_touch_on: date | None,
    csm_pulse: int | None,
) -> HealthSignals:
    """The health inputs from each kind's totals (None: the account has no such record)
    and its survey answers."""
    missing: set[Component] = set()
    provenance: list[tuple[Component, str, date | None]] = [
        (Component.ENGAGEMENT, ENGAGEMENT_SOURCE, last_touch_on)
    ]

    # -- usage and outcome
    seats = account_seats
    wau = 0
    feature_use: tuple[tuple[Feature, float], ...] | None = None
    key_actions = dau_mau = session_minutes = messages = 0.0
    volume_trend = 0.0
    if usage is None:
        missing.update((Component.USAGE, Component.OUTCOME))
    else:
        n, active = usage.weeks, usage.active_users
        if n:
            seats = round(usage.seats / n)
            wau = round(active / n)
            if usage.sessions:
                session_minutes = usage.session_minutes / usage.sessions
            if usage.most_active:
                dau_mau = min(1.0, usage.sessions / n / WORKDAYS / usage.most_active)
        judged = (usage.opportunities, usage.leads, usage.public_pool, usage.contacts)
        if active:
            opportunities, leads, public_pool, contacts = judged
            feature_use = (
                (Feature.OPPORTUNITIES, opportunities / active),
                (Feature.LEADS, leads / active),
                (Feature.PUBLIC_POOL, public_pool / active),
                (Feature.CONTACTS, contacts / active),
            )  # each of _JUDGEABLE, in order
            key_actions = sum(judged) / active
            messages = usage.messages / active
        else:
            feature_use = _UNUSED
        provenance.append((Component.USAGE, usage.sources, usage.latest_week))
        then = usage.earlier_volume
        if then is None or then <= 0:
            missing.add(Component.OUTCOME)
        else:
            now_volume = sum(judged) + usage.messages
            volume_trend = 100.0 * (now_volume - then) / then
            provenance.append((Component.OUTCOME, usage.sources, usage.latest_week))

    # -- support
    open_tickets = 0
    response_hours = 0.0
    if tickets is None:
        missing.add(Component.SUPPORT)
    else:
        open_tickets = tickets.open
        if tickets.responses:
            response_hours = tickets.response_minutes / tickets.responses / 60
        provenance.append((Component.SUPPORT, tickets.sources, tickets.latest))

    # -- commercial
    payment = PaymentStatus.CURRENT
    if invoices is None:
        missing.add(Component.COMMERCIAL)
    else:
        payment = status_after(invoices.worst_days_late)
        provenance.append((Component.COMMERCIAL, invoices.sources, invoices.latest))

    # -- sentiment
    start = today - _SURVEY_SPAN
    recent = [s for s in surveys if start <= s.responded_on <= today] if surveys else []
    nps = account_nps(recent)
    csat_scores = [s.score for s in recent if s.kind == "csat"]
    csat = sum(csat_scores) / len(csat_scores) if csat_scores else None
    if nps is None and csat is None and csm_pulse is None:
        missing.add(Component.SENTIMENT)
    elif recent:
        as_of = max(s.responded_on for s in recent)
        provenance.append((Component.SENTIMENT, _sources(recent), as_of))
    else:
        provenance.append((Component.SENTIMENT, "CSM pulse", None))

    return HealthSignals(
        seats=seats,
        weekly_active_users=wau,
        key_actions_per_user_week=key_actions,
        dau_mau=dau_mau,
        session_minutes=session_minutes,
        messages_per_user_week=messages,
        open_tickets=open_tickets,
        avg_response_hours=response_hours,
        days_since_touch=days_since_touch,
        cadence_days=cadence_days,
        volume_trend_pct=volume_trend,
        payment=payment,
        nps=nps,
        csm_pulse=csm_pulse,
        feature_use=feature_use,
        csat=csat,
        missing=frozenset(missing),
        provenance=tuple(provenance),
    )
