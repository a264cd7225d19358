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
from typing import NamedTuple

from csm_tui.domain.health import Component, HealthSignals, PaymentStatus
from csm_tui.domain.motion import Feature

USAGE_WEEKS = 4
TREND_WEEKS = 13  # the outcome compares with the same weeks this many weeks earlier
SUPPORT_DAYS = 90
SURVEY_DAYS = 180
WORKDAYS = 5
LATE_DAYS = 30  # up to this many days past due: late; then overdue
COLLECTIONS_DAYS = 90  # more than this: collections

ENGAGEMENT_SOURCE = "activity log"
VOLUME_FEATURES = (
    Feature.OPPORTUNITIES,
    Feature.LEADS,
    Feature.PUBLIC_POOL,
    Feature.CONTACTS,
    Feature.MESSAGES,
)
_JUDGEABLE = (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)


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


def payment_status(invoices: Iterable[InvoiceRecord], today: date) -> PaymentStatus:
    """From the oldest invoice unpaid past its due date (module doc)."""
    late = [
        (today - inv.due_on).days
        for inv in invoices
        if inv.due_on < today and (inv.paid_on is None or inv.paid_on > today)
    ]
    worst = max(late, default=0)
    if worst <= 0:
        return PaymentStatus.CURRENT
    if worst <= LATE_DAYS:
        return PaymentStatus.LATE
    if worst <= COLLECTIONS_DAYS:
        return PaymentStatus.OVERDUE
    return PaymentStatus.COLLECTIONS


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


def _sources(records: Sequence) -> str:
    return ", ".join(sorted({r.source for r in records if r.source})) or "import"


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
    """One account's health inputs from its raw records (module doc). `usage` may hold
    any weeks (older ones are passed over); so may the other sequences."""
    missing: set[Component] = set()
    provenance: list[tuple[Component, str, date | None]] = [
        (Component.ENGAGEMENT, ENGAGEMENT_SOURCE, last_touch_on)
    ]

    # -- usage and outcome
    first, last = usage_window(today)
    window = [u for u in usage if first <= u.week_start <= last]
    seats = account_seats
    wau = 0
    feature_use: tuple[tuple[Feature, float], ...] | None = None
    key_actions = dau_mau = session_minutes = messages = 0.0
    volume_trend = 0.0
    if not usage:
        missing.update((Component.USAGE, Component.OUTCOME))
    else:
        n = len(window)
        active = sum(u.active_users for u in window)
        counts = {f: sum(getattr(u, f.value) for u in window) for f in Feature}
        if n:
            seats = round(sum(u.seats if u.seats > 0 else account_seats for u in window) / n)
            wau = round(active / n)
            sessions = counts[Feature.SESSIONS]
            session_minutes = sum(u.session_minutes for u in window) / sessions if sessions else 0
            most = max(u.active_users for u in window)
            dau_mau = min(1.0, sessions / n / WORKDAYS / most) if most else 0.0
        per_user = (lambda x: x / active) if active else (lambda x: 0.0)
        feature_use = tuple((f, per_user(counts[f])) for f in _JUDGEABLE)
        key_actions = per_user(sum(counts[f] for f in _JUDGEABLE))
        messages = per_user(counts[Feature.MESSAGES])
        as_of = max(u.week_start for u in (window or usage))
        provenance.append((Component.USAGE, _sources(window or usage), as_of))
        shift = timedelta(days=7 * TREND_WEEKS)
        earlier = [u for u in usage if first - shift <= u.week_start <= last - shift]
        then = sum(getattr(u, f.value) for u in earlier for f in VOLUME_FEATURES)
        if not earlier or then <= 0:
            missing.add(Component.OUTCOME)
        else:
            now_volume = sum(counts[f] for f in VOLUME_FEATURES)
            volume_trend = 100.0 * (now_volume - then) / then
            provenance.append((Component.OUTCOME, _sources(window + earlier), as_of))

    # -- support
    open_tickets = 0
    response_hours = 0.0
    if not tickets:
        missing.add(Component.SUPPORT)
    else:
        open_tickets = sum(
            1 for t in tickets if t.opened_at <= now and (t.closed_at is None or t.closed_at > now)
        )
        since = now - timedelta(days=SUPPORT_DAYS)
        firsts = [
            t.first_response_minutes
            for t in tickets
            if t.first_response_minutes is not None and since <= t.opened_at <= now
        ]
        response_hours = sum(firsts) / len(firsts) / 60 if firsts else 0.0
        seen = [
            when
            for t in tickets
            for when in (t.opened_at, t.closed_at)
            if when is not None and when <= now
        ]
        latest = max(seen).date() if seen else None
        provenance.append((Component.SUPPORT, _sources(tickets), latest))

    # -- commercial
    payment = PaymentStatus.CURRENT
    if not invoices:
        missing.add(Component.COMMERCIAL)
    else:
        payment = payment_status(invoices, today)
        days = [d for i in invoices for d in (i.issued_on, i.paid_on) if d is not None]
        as_of = min(max(days), today)
        provenance.append((Component.COMMERCIAL, _sources(invoices), as_of))

    # -- sentiment
    start = today - timedelta(days=SURVEY_DAYS)
    recent = [s for s in surveys if start <= s.responded_on <= today]
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
