"""Retention metrics from ARR history (seeds 003, 004): GRR, NRR split, churn, NPS, CMRR.

Everything is computed from *movements*: one account's ARR at the start and at the end of
a period, plus the renewal decisions that fell in it. Movements add up into `ArrFlows`,
so a tier, a segment or a team is the sum of its accounts' flows, and the store can sum
them in SQL (GROUP BY) without ever handing this module 100,000 rows.

Definitions (the period is (start, end]: ARR "at start" is what was in force at the end of
the start day — the sum, to the cent, of the changes (after − before) of the account's
events effective up to then; `end_arr == 0` means the account churned):

- Starting cohort: accounts with ARR > 0 at the start. New logos (0 at start, > 0 at end)
  are reported as new ARR and never enter GRR or NRR.
- Per account of the cohort, netted over the period: retained = min(start, end);
  expansion = max(end − start, 0); contraction = start − end when 0 < end < start;
  churn = start when end = 0. An account that expanded and then churned in the same
  period counts as churn of its *starting* ARR (its expansion never reached the end).
- GRR = Σ retained / Σ start (0..1, never above 100%).
- NRR = Σ end / Σ start, always shown split: NRR = retention part (= GRR) + expansion
  part (= Σ expansion / Σ start). Never the net figure alone: a good NRR can hide churn.
- Logo churn rate = churned accounts / starting accounts; ARR churn rate = churned ARR /
  starting ARR (contraction excluded: that is downsell). 1 − GRR = ARR churn + downsell.
- Upsell = Σ expansion (ARR, accounts, rate = / starting ARR); downsell likewise with
  contraction.
- Renewal rate: of the renewal decisions in the period (a renewal or a churn event),
  the share renewed (logos); by ARR: Σ min(after, before) of renewals / Σ before of
  renewals and churns — the share of the ARR up for renewal that was kept.
- CMRR (committed monthly recurring revenue) = (ARR in force at the end + changes already
  signed that take effect after the end, e.g. a notice of non-renewal or a booked
  expansion) / 12.
- NPS: each account votes once with its own NPS (−100..100): promoter at ≥ +50 (the
  common "excellent" mark: far more promoters than detractors), detractor below 0 (more
  detractors than promoters), passive in between. Survey answers on 0..10 use the usual
  rule (9–10 promoter, 0–6 detractor). NPS = (promoters − detractors) / votes × 100.
  One vote per account keeps a large account with many respondents from drowning the
  rest, the way B2B teams count it.

Every rate is None when its denominator is zero: "no data" is never shown as 0% or 100%.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import TypedDict

from csm_tui.domain.errors import MessageError
from csm_tui.i18n import N_, Message

CENT = 0.005
MAX_AMOUNT = 1e15
"""The largest amount anyone may type (1000000m): what the command language and the forms
accept for an ARR."""
"""ARR below this is zero (float sums of cents leave dust)."""


class ArrEventKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"


@dataclass(frozen=True)
class ArrEvent:
    """One change of an account's ARR (USD-equivalent), effective on a day."""

    effective_on: date
    kind: ArrEventKind
    arr_before: float
    arr_after: float


@dataclass(frozen=True)
class Period:
    """The days (start, end]: ARR at start is what was in force at the end of `start`."""

    start: date
    end: date

    @classmethod
    def trailing_months(cls, today: date, months: int = 12) -> Period:
        """The `months` months up to and including `today` (same day-of-month, clamped)."""
        total = today.year * 12 + today.month - 1 - months
        year, month = divmod(total, 12)
        day = today.day
        while True:
            try:
                start = date(year, month + 1, day)
                break
            except ValueError:
                day -= 1
        return cls(start, today)

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """The days `first` to `last`, both included."""
        return cls(first - timedelta(days=1), last)

    @classmethod
    def fiscal_year(cls, year: int, start_month: int = 1) -> Period:
        """Fiscal year `year`, named after the calendar year it ENDS in (the usual US and
        global SaaS way): with an April start, FY2026 is 2025-04-01 – 2026-03-31; with
        the default January start, FY2026 is calendar 2026."""
        _check_month(start_month)
        first = _month_start(year - (1 if start_month > 1 else 0), start_month)
        return cls.between(first, _add_months(first, 12) - timedelta(days=1))

    @classmethod
    def fiscal_quarter(cls, year: int, quarter: int, start_month: int = 1) -> Period:
        """Quarter `quarter` (1..4) of fiscal year `year`: with an April start, Q1 is
        April–June and Q4 is January–March of the year the FY is named after."""
        if quarter not in (1, 2, 3, 4):
            raise ValueError(f"a quarter is 1 to 4; got {quarter!r}")
        fy_first = cls.fiscal_year(year, start_month).start + timedelta(days=1)
        first = _add_months(fy_first, 3 * (quarter - 1))
        return cls.between(first, _add_months(first, 3) - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def label(self) -> str:
        return f"{(self.start + timedelta(days=1)).isoformat()} – {self.end.isoformat()}"


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"a fiscal year starts in a month 1 to 12; got {month!r}")


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _add_months(first: date, months: int) -> date:
    """The first of the month `months` after `first` (itself a first of a month)."""
    total = first.year * 12 + first.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def fiscal_year_of(day: date, start_month: int = 1) -> int:
    """The fiscal year `day` falls in, named after the year it ends in (see
    `Period.fiscal_year`): 2026-03-31 with an April start is FY2026, 2026-04-01 FY2027."""
    _check_month(start_month)
    return day.year + (1 if start_month > 1 and day.month >= start_month else 0)


def fiscal_quarter_of(day: date, start_month: int = 1) -> tuple[int, int]:
    """(fiscal year, quarter 1..4) of `day`: with an April start, a day in March is Q4 of
    the fiscal year that ends that March."""
    year = fiscal_year_of(day, start_month)
    return year, (day.month - start_month) % 12 // 3 + 1


_PERIOD_WORD = re.compile(
    r"(?:fy\s*(?P<fy>\d{4}|\d{2}))?\s*[-/ ]?\s*(?:q(?P<q>[1-4]))?|(?P<ttm>ttm|12m|last12m)"
)


def parse_period(text: str, today: date, start_month: int = 1) -> Period:
    """A metric period from a word: "q3" (this fiscal year's Q3), "fy2026" or "fy26" (a
    fiscal year), "fy2026q3" / "fy2026-q3" (a quarter of one), "ttm" / "12m" (the 12
    months up to today, the default of every report). Case and spaces do not matter;
    other words are a ValueError."""
    key = text.strip().lower()
    m = _PERIOD_WORD.fullmatch(key)
    if not key or m is None or not (m["fy"] or m["q"] or m["ttm"]):
        raise MessageError(
            Message.of(
                N_("{text} is not a period; try q3, fy2026, fy2026q3 or ttm"), text=repr(text)
            )
        )
    if m["ttm"]:
        return Period.trailing_months(today, 12)
    if m["fy"]:
        year = int(m["fy"]) + (2000 if len(m["fy"]) == 2 else 0)
    else:
        year = fiscal_year_of(today, start_month)
    if m["q"]:
        return Period.fiscal_quarter(year, int(m["q"]), start_month)
    return Period.fiscal_year(year, start_month)


@dataclass(frozen=True)
class ArrMovement:
    """One account over one period."""

    start_arr: float  # in force at the start (0: not a customer then)
    end_arr: float  # in force at the end (0: churned, or not a customer yet)
    renewals: int = 0  # renewal events in the period
    churns: int = 0  # churn events in the period
    arr_up_for_renewal: float = 0.0  # Σ arr_before of renewal and churn events
    arr_renewed: float = 0.0  # Σ min(after, before) of renewal events
    booked_change: float = 0.0  # Σ (after − before) of events effective after the end

    @classmethod
    def from_events(cls, events: Iterable[ArrEvent], period: Period) -> ArrMovement:
        """The movement of one account from its event history (signed events only).

        Each event records a change (after − before); ARR at a day is the sum of the
        changes effective on or before it, to the cent. With a consistent history (each
        event's `arr_before` is the ARR it found) that is the last event's `arr_after`.
        Events effective after the period's end are booked changes (CMRR).
        """
        start_arr = end_arr = booked = 0.0
        renewals = churns = 0
        up = renewed = 0.0
        for ev in events:
            change = ev.arr_after - ev.arr_before
            if ev.effective_on <= period.start:
                start_arr += change
            if ev.effective_on <= period.end:
                end_arr += change
            else:
                booked += change
            if period.start < ev.effective_on <= period.end:
                if ev.kind is ArrEventKind.RENEWAL:
                    renewals += 1
                    up += ev.arr_before
                    renewed += min(ev.arr_after, ev.arr_before)
                elif ev.kind is ArrEventKind.CHURN:
                    churns += 1
                    up += ev.arr_before
        return cls(round(start_arr, 2), round(end_arr, 2), renewals, churns, up, renewed,
                   booked)  # fmt: skip


class _Outcome(TypedDict):
    """`ArrFlows.of`: the fields every account has."""

    ending_arr: float
    booked_change: float
    renewals: int
    churns_at_renewal: int
    arr_up_for_renewal: float
    arr_renewed: float


class _Change(TypedDict, total=False):
    """`ArrFlows.of`: the fields of an account that started the period with ARR."""

    starting_logos: int
    starting_arr: float
    retained_arr: float
    expansion_arr: float
    expanded_logos: int
    contraction_arr: float
    contracted_logos: int
    churned_arr: float
    churned_logos: int


@dataclass(frozen=True)
class ArrFlows:
    """Sums over accounts of what their ARR did in a period. Flows add up (`+`)."""

    starting_logos: int = 0
    starting_arr: float = 0.0
    retained_arr: float = 0.0
    expansion_arr: float = 0.0
    expanded_logos: int = 0
    contraction_arr: float = 0.0
    contracted_logos: int = 0
    churned_arr: float = 0.0
    churned_logos: int = 0
    new_logos: int = 0
    new_arr: float = 0.0
    ending_arr: float = 0.0  # every account, new ones included
    booked_change: float = 0.0
    renewals: int = 0
    churns_at_renewal: int = 0
    arr_up_for_renewal: float = 0.0
    arr_renewed: float = 0.0

    @classmethod
    def of(cls, m: ArrMovement) -> ArrFlows:
        start = m.start_arr if m.start_arr >= CENT else 0.0
        end = m.end_arr if m.end_arr >= CENT else 0.0
        common = _Outcome(
            ending_arr=end,
            booked_change=m.booked_change,
            renewals=m.renewals,
            churns_at_renewal=m.churns,
            arr_up_for_renewal=m.arr_up_for_renewal,
            arr_renewed=m.arr_renewed,
        )
        if start == 0.0:
            if end > 0.0:
                return cls(new_logos=1, new_arr=end, **common)
            return cls(**common)
        flows = _Change(starting_logos=1, starting_arr=start, retained_arr=min(start, end))
        if end == 0.0:
            flows.update(_Change(churned_arr=start, churned_logos=1))
        elif end > start:
            flows.update(_Change(expansion_arr=end - start, expanded_logos=1))
        elif end < start:
            flows.update(_Change(contraction_arr=start - end, contracted_logos=1))
        return cls(**flows, **common)

    def __add__(self, other: ArrFlows) -> ArrFlows:
        if not isinstance(other, ArrFlows):
            return NotImplemented
        return ArrFlows(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(ArrFlows)))

    @classmethod
    def total(cls, items: Iterable[ArrFlows]) -> ArrFlows:
        out = cls()
        for item in items:
            out = out + item
        return out

    @classmethod
    def of_movements(cls, movements: Iterable[ArrMovement]) -> ArrFlows:
        return cls.total(cls.of(m) for m in movements)


def _rate(part: float, whole: float) -> float | None:
    return None if whole <= 0 else part / whole


class NpsVote(StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


PROMOTER_ACCOUNT_NPS = 50
"""An account whose own NPS is at least this is a promoter account."""
DETRACTOR_ACCOUNT_NPS = 0
"""An account whose own NPS is below this is a detractor account."""


def account_vote(account_nps: int) -> NpsVote:
    """An account's vote from its own NPS (−100..100)."""
    if not -100 <= account_nps <= 100:
        raise ValueError(f"an NPS is between -100 and 100; got {account_nps}")
    if account_nps >= PROMOTER_ACCOUNT_NPS:
        return NpsVote.PROMOTER
    if account_nps < DETRACTOR_ACCOUNT_NPS:
        return NpsVote.DETRACTOR
    return NpsVote.PASSIVE


def survey_vote(score: int) -> NpsVote:
    """A survey answer's vote (0..10: 9–10 promoter, 7–8 passive, 0–6 detractor)."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS survey answer is between 0 and 10; got {score}")
    if score >= 9:
        return NpsVote.PROMOTER
    if score <= 6:
        return NpsVote.DETRACTOR
    return NpsVote.PASSIVE


@dataclass(frozen=True)
class NpsSummary:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @classmethod
    def of(cls, votes: Iterable[NpsVote]) -> NpsSummary:
        counts = dict.fromkeys(NpsVote, 0)
        for vote in votes:
            counts[vote] += 1
        return cls(counts[NpsVote.PROMOTER], counts[NpsVote.PASSIVE], counts[NpsVote.DETRACTOR])

    @property
    def votes(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """NPS, −100..100; None with no votes."""
        if self.votes == 0:
            return None
        return (self.promoters - self.detractors) / self.votes * 100

    def __add__(self, other: NpsSummary) -> NpsSummary:
        if not isinstance(other, NpsSummary):
            return NotImplemented
        return NpsSummary(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )


@dataclass(frozen=True)
class RetentionMetrics:
    """The metrics of one slice of the book (all, a tier, a segment, a team)."""

    flows: ArrFlows
    nps: NpsSummary = NpsSummary()

    @property
    def grr(self) -> float | None:
        return _rate(self.flows.retained_arr, self.flows.starting_arr)

    @property
    def nrr(self) -> float | None:
        f = self.flows
        return _rate(f.retained_arr + f.expansion_arr, f.starting_arr)

    @property
    def nrr_retention(self) -> float | None:
        """The retention part of NRR: what was kept of the starting ARR (= GRR)."""
        return self.grr

    @property
    def nrr_expansion(self) -> float | None:
        """The expansion part of NRR: what the cohort added on top of its starting ARR."""
        return _rate(self.flows.expansion_arr, self.flows.starting_arr)

    @property
    def logo_churn_rate(self) -> float | None:
        return _rate(self.flows.churned_logos, self.flows.starting_logos)

    @property
    def arr_churn_rate(self) -> float | None:
        return _rate(self.flows.churned_arr, self.flows.starting_arr)

    @property
    def upsell_rate(self) -> float | None:
        return _rate(self.flows.expansion_arr, self.flows.starting_arr)

    @property
    def downsell_rate(self) -> float | None:
        return _rate(self.flows.contraction_arr, self.flows.starting_arr)

    @property
    def renewal_rate(self) -> float | None:
        f = self.flows
        return _rate(f.renewals, f.renewals + f.churns_at_renewal)

    @property
    def renewal_rate_arr(self) -> float | None:
        return _rate(self.flows.arr_renewed, self.flows.arr_up_for_renewal)

    @property
    def renewal_decisions(self) -> int:
        """Renewal decisions of the period: renewals and churns."""
        return self.flows.renewals + self.flows.churns_at_renewal

    @property
    def new_arr(self) -> float:
        """ARR of the accounts that were not customers at the start (new logos, win-backs
        of accounts churned before the period)."""
        return self.flows.new_arr

    @property
    def cmrr(self) -> float:
        """Committed MRR: (ARR in force at the end + changes signed by then that take
        effect later) / 12 — see the module doc."""
        return (self.flows.ending_arr + self.flows.booked_change) / 12

    def __add__(self, other: RetentionMetrics) -> RetentionMetrics:
        if not isinstance(other, RetentionMetrics):
            return NotImplemented
        return RetentionMetrics(self.flows + other.flows, self.nps + other.nps)


EMPTY = RetentionMetrics(ArrFlows())


def combine(items: Iterable[RetentionMetrics]) -> RetentionMetrics:
    out = EMPTY
    for item in items:
        out = out + item
    return out


@dataclass(frozen=True)
class MetricsBreakdown:
    """The whole book's metrics and the same by tier, by segment and by team."""

    period: Period
    overall: RetentionMetrics
    by_tier: Mapping[str, RetentionMetrics]
    by_segment: Mapping[str, RetentionMetrics]
    by_team: Mapping[str, RetentionMetrics]
    has_history: bool = True  # False: the cache holds no ARR events at all


def format_rate(value: float | None, digits: int = 1) -> str:
    """ "94.5%", or "—" when there is no denominator."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"
