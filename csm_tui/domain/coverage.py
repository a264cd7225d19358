"""Coverage: is the team covering the book? (seed 002; seed 004 for maturity)

The store counts, per CSM and tier, what a lead needs (`TierSlice`, additive); this module
turns the counts into loads, flags, rollups and a maturity estimate.

Definitions:

- The book is every live account (not deleted, not churned). ARR is USD-equivalent.
- Load = the CSM's ARR / `arr_per_csm` (one CSM per $2M ARR by default, configurable;
  seed 002's aggressive rule is $1M and is shown beside it). Over 1.0 is overloaded.
- Dedicated CSM (seed 002: as soon as a $50k–100k account appears, hire a CSM for large
  accounts): an account of ≥ `dedicated_from_arr` is flagged when its owner's book is
  not small (more than `dedicated_book_max_accounts` accounts) or it has no owner.
- Touch capacity (seed 002, Growth tier): 3–5 proactive touches a day over ~200 working
  days = 600–1,000 touches a year. Touches needed = Σ over accounts with a cadence of
  365 / cadence days (QBRs and onsite visits are touches of the cadence, not on top of
  it); the Growth tier's share is shown apart, as the seed sizes it. The verdict
  (`CapacityVerdict`): within 3 a day (≤ 600) the cadences can be kept; up to 5 a day
  (≤ 1,000) only stretched; beyond, a cadence cannot be kept, and each touch comes
  needed / 1,000 times later than the cadence says (`CsmCoverage.kept_every_days`).
- Overdue: an account with a cadence whose last touch is on a day before today − cadence,
  or never touched (the portfolio's `is:overdue`). Late to activate: 30+ days after
  go-live and not activated (zombie: 90+), as `lifecycle.activation_risk`.
- At-risk ARR: ARR of accounts whose health is red (< 40).
- Renewals in 30/60/90 days: renewal date from today to today + N (cumulative).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import IntEnum, StrEnum

from csm_tui.domain.metrics import MetricsBreakdown, Period, format_rate
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.i18n import N_, Message


class CapacityVerdict(StrEnum):
    """Can one CSM keep their book's cadences (seed 002: 3–5 touches a day)?"""

    NONE = "none"  # no cadence to keep (the digital pool, a reactive book)
    WITHIN = "within"  # at most 3 a day
    STRETCHED = "stretched"  # 3–5 a day
    CANNOT_KEEP = "cannot_keep"  # more than 5 a day


RENEWAL_HORIZONS = (30, 60, 90)
DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class CoverageRules:
    arr_per_csm: float = 2_000_000
    aggressive_arr_per_csm: float = 1_000_000
    dedicated_from_arr: float = 50_000
    dedicated_book_max_accounts: int = 25
    touches_per_day: tuple[int, int] = (3, 5)
    working_days: int = 200

    def __post_init__(self) -> None:
        if self.arr_per_csm <= 0 or self.aggressive_arr_per_csm <= 0:
            raise ValueError("ARR per CSM must be a positive number")
        low, high = self.touches_per_day
        if not 0 < low <= high or self.working_days <= 0:
            raise ValueError("touches per day and working days must be positive")

    @property
    def capacity(self) -> tuple[int, int]:
        """Proactive touches one CSM can make in a year (low, high)."""
        low, high = self.touches_per_day
        return low * self.working_days, high * self.working_days


@dataclass(frozen=True)
class TierSlice:
    """Counts over a set of live accounts of one tier (or any mix): they add up (`+`)."""

    accounts: int = 0
    arr: float = 0.0
    cadenced: int = 0  # accounts whose tier has a cadence
    overdue: int = 0  # of those, past the cadence or never touched
    never_touched: int = 0
    late_activation: int = 0  # 30+ days after go-live, not activated (zombies included)
    zombie: int = 0  # 90+ days
    red: int = 0
    red_arr: float = 0.0
    renew_30: int = 0
    renew_30_arr: float = 0.0
    renew_60: int = 0
    renew_60_arr: float = 0.0
    renew_90: int = 0
    renew_90_arr: float = 0.0
    large: int = 0  # accounts of ≥ dedicated_from_arr
    large_arr: float = 0.0
    touches_needed: float = 0.0  # a year, by the tier's cadence

    def __add__(self, other: TierSlice) -> TierSlice:
        if not isinstance(other, TierSlice):
            return NotImplemented
        return TierSlice(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(TierSlice))
        )

    @classmethod
    def total(cls, items: Iterable[TierSlice]) -> TierSlice:
        out = cls()
        for item in items:
            out = out + item
        return out

    @property
    def within_cadence(self) -> int:
        return self.cadenced - self.overdue

    def renewals(self, days: int) -> tuple[int, float]:
        """(accounts, ARR) renewing within `days` (30, 60 or 90)."""
        if days not in RENEWAL_HORIZONS:
            raise ValueError(f"renewal horizons are {RENEWAL_HORIZONS}")
        return getattr(self, f"renew_{days}"), getattr(self, f"renew_{days}_arr")


def touches_needed(tier: Tier, accounts: int, rules: TierRules) -> float:
    """Proactive touches a year `accounts` accounts of `tier` need by its cadence."""
    cadence = rules.cadence_days(tier)
    return 0.0 if cadence is None else accounts * DAYS_PER_YEAR / cadence


def _sum_tiers(tiers: Mapping[Tier, TierSlice]) -> TierSlice:
    return TierSlice.total(tiers.values())


@dataclass(frozen=True)
class CsmCoverage:
    """One owner's book. `user_id` None is the digital pool (accounts with no owner)."""

    user_id: str | None
    name: str
    team_id: str | None
    team_name: str | None
    role: str
    tiers: Mapping[Tier, TierSlice]
    rules: CoverageRules = field(default_factory=CoverageRules, repr=False)

    @property
    def total(self) -> TierSlice:
        return _sum_tiers(self.tiers)

    def tier(self, tier: Tier) -> TierSlice:
        return self.tiers.get(tier, TierSlice())

    @property
    def is_pool(self) -> bool:
        return self.user_id is None

    @property
    def load(self) -> float:
        return self.total.arr / self.rules.arr_per_csm

    @property
    def load_aggressive(self) -> float:
        return self.total.arr / self.rules.aggressive_arr_per_csm

    @property
    def overloaded(self) -> bool:
        return not self.is_pool and self.load > 1.0

    @property
    def small_book(self) -> bool:
        return not self.is_pool and self.total.accounts <= self.rules.dedicated_book_max_accounts

    @property
    def needs_dedicated(self) -> tuple[int, float]:
        """(accounts, ARR) of large accounts that a CSM with a small book should own."""
        if self.small_book:
            return 0, 0.0
        total = self.total
        return total.large, total.large_arr

    @property
    def growth_touches_needed(self) -> float:
        return self.tier(Tier.GROWTH).touches_needed

    @property
    def touch_load(self) -> tuple[float, float]:
        """Touches needed a year / capacity, at the high and the low capacity."""
        low, high = self.rules.capacity
        needed = self.total.touches_needed
        return needed / high, needed / low

    @property
    def capacity_verdict(self) -> CapacityVerdict:
        """Whether the book's cadences can be kept (see the module doc)."""
        needed = self.total.touches_needed
        low, high = self.rules.capacity
        if self.is_pool or needed <= 0:
            return CapacityVerdict.NONE
        if needed <= low:
            return CapacityVerdict.WITHIN
        if needed <= high:
            return CapacityVerdict.STRETCHED
        return CapacityVerdict.CANNOT_KEEP

    def kept_every_days(self, tier: Tier, tier_rules: TierRules) -> float | None:
        """How often a CSM at 5 touches a day can touch an account of `tier` when the
        book needs more than that (the cadence stretched evenly); the cadence itself when
        it can be kept; None for a tier with no cadence."""
        cadence = tier_rules.cadence_days(tier)
        if cadence is None:
            return None
        _low, high = self.rules.capacity
        stretch = max(1.0, self.total.touches_needed / high)
        return cadence * stretch


@dataclass(frozen=True)
class TeamCoverage:
    team_id: str
    name: str
    csms: tuple[CsmCoverage, ...]
    rules: CoverageRules = field(default_factory=CoverageRules, repr=False)

    @property
    def total(self) -> TierSlice:
        return TierSlice.total(c.total for c in self.csms)

    def tier(self, tier: Tier) -> TierSlice:
        return TierSlice.total(c.tier(tier) for c in self.csms)

    @property
    def csm_count(self) -> int:
        return len(self.csms)

    @property
    def csms_needed(self) -> float:
        return self.total.arr / self.rules.arr_per_csm

    @property
    def csms_needed_aggressive(self) -> float:
        return self.total.arr / self.rules.aggressive_arr_per_csm

    @property
    def load(self) -> float | None:
        """Team ARR / (CSMs × rule); None with no CSM."""
        if not self.csms:
            return None
        return self.csms_needed / self.csm_count

    @property
    def needs_dedicated(self) -> tuple[int, float]:
        counts = [c.needs_dedicated for c in self.csms]
        return sum(n for n, _ in counts), sum(a for _, a in counts)


# ---------------------------------------------------------------------------- maturity


class MaturityLevel(IntEnum):
    """Seed 004's five levels of customer-success maturity."""

    REACTIVE = 1
    PARTIALLY_PROACTIVE = 2
    FULLY_PROACTIVE = 3
    SCIENTIFICALLY_MANAGED = 4
    REFINED = 5

    @property
    def label(self) -> str:
        return {
            1: "Reactive",
            2: "Partially proactive",
            3: "Fully proactive",
            4: "Scientifically managed",
            5: "Refined",
        }[self.value]

    @property
    def label_zh(self) -> str:
        return {1: "完全被动", 2: "部分主动", 3: "全部主动", 4: "科学管理", 5: "精细化提升"}[
            self.value
        ]


# Thresholds of the evidence (shares, 0..1).
PROACTIVE_PARTIAL = 0.5
PROACTIVE_FULL = 0.8
CADENCE_FULL = 0.8
CADENCE_REFINED = 0.95
HEALTH_SCORED = 0.9
FOLLOW_UP_SCIENTIFIC = 0.7
FOLLOW_UP_REFINED = 0.9
GRR_REFINED = 0.9
ACTIVITY_DAYS = 90
FOLLOW_UP_DAYS = 30


@dataclass(frozen=True)
class MaturityInputs:
    """The evidence, counted over one team (or the whole book)."""

    proactive_touches: int = 0  # over the last ACTIVITY_DAYS days
    reactive_touches: int = 0  # escalations over the same days
    cadenced_accounts: int = 0
    within_cadence: int = 0
    live_accounts: int = 0
    health_scored: int = 0
    red_accounts: int = 0
    red_followed_up: int = 0  # a proactive touch in FOLLOW_UP_DAYS days, or an open task
    grr: float | None = None

    def __add__(self, other: MaturityInputs) -> MaturityInputs:
        if not isinstance(other, MaturityInputs):
            return NotImplemented
        values = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(MaturityInputs)
            if f.name != "grr"
        }
        return MaturityInputs(**values, grr=None)

    @property
    def touches(self) -> int:
        return self.proactive_touches + self.reactive_touches

    @property
    def proactive_share(self) -> float | None:
        return None if self.touches == 0 else self.proactive_touches / self.touches

    @property
    def cadence_kept(self) -> float | None:
        return None if self.cadenced_accounts == 0 else self.within_cadence / self.cadenced_accounts

    @property
    def scored_share(self) -> float | None:
        return None if self.live_accounts == 0 else self.health_scored / self.live_accounts

    @property
    def follow_up_share(self) -> float | None:
        """Share of red accounts acted on; None when no account is red."""
        return None if self.red_accounts == 0 else self.red_followed_up / self.red_accounts


NEEDS = N_("{fact} — needs ≥ {needs}")
"""A check's sentence: the fact, then the share the level needs."""
TO_REACH = N_("to reach {level}: {missing}")
"""The next step: the level above, then the checks it misses (joined by "; ")."""


@dataclass(frozen=True)
class MaturityCheck:
    """One piece of evidence for one level: met or not, the fact (words the edge renders in
    the interface language) and the share the level needs (None: nothing to reach)."""

    level: MaturityLevel
    met: bool
    fact: Message
    needs: float | None = None

    @property
    def words(self) -> Message:
        """The sentence as a `Message`: the fact, then the share the level needs."""
        if self.needs is None:
            return self.fact
        return Message.of(NEEDS, fact=self.fact, needs=f"{self.needs:.0%}")

    def shown(self) -> str:
        """The sentence in the interface language."""
        return self.words.render()

    @property
    def sentence(self) -> str:
        """The sentence in English (exports, scripts)."""
        if self.needs is None:
            return self.fact.english()
        return NEEDS.format(fact=self.fact.english(), needs=f"{self.needs:.0%}")


@dataclass(frozen=True)
class MaturityEstimate:
    level: MaturityLevel
    checks: tuple[MaturityCheck, ...]
    inputs: MaturityInputs

    def checks_for(self, level: MaturityLevel) -> tuple[MaturityCheck, ...]:
        return tuple(c for c in self.checks if c.level is level)

    @property
    def evidence(self) -> tuple[str, ...]:
        """One line per check: ✓/✗, the level it serves, and the evidence."""
        return tuple(f"{'✓' if c.met else '✗'} {c.level.label}: {c.sentence}" for c in self.checks)

    @property
    def evidence_words(self) -> tuple[Message, ...]:
        """`evidence` as `Message`s (the edge renders them in the interface language)."""
        return tuple(
            Message.of(
                N_("{mark} {level}: {sentence}"),
                mark="✓" if c.met else "✗",
                level=Message.of(c.level.label),
                sentence=c.words,
            )
            for c in self.checks
        )

    @property
    def next_checks(self) -> tuple[MaturityLevel, tuple[MaturityCheck, ...]] | None:
        """The level above and the checks it misses; None at the top."""
        if self.level is MaturityLevel.REFINED:
            return None
        target = MaturityLevel(self.level + 1)
        return target, tuple(c for c in self.checks_for(target) if not c.met)

    @property
    def next_step(self) -> str:
        """What would lift the estimate one level, or '' at the top (in English)."""
        step = self.next_checks
        if step is None:
            return ""
        target, missing = step
        return TO_REACH.format(level=target.label, missing="; ".join(c.sentence for c in missing))


def _pct(value: float | None) -> str:
    return format_rate(value, 0)


def _meets(value: float | None, threshold: float, none_means: bool = False) -> bool:
    return none_means if value is None else value >= threshold


def estimate_maturity(inputs: MaturityInputs) -> MaturityEstimate:
    """The highest level whose evidence, and every lower level's, is met.

    1 Reactive — the floor. 2 Partially proactive — ≥ 50% of touches in 90 days were
    proactive (not escalations). 3 Fully proactive — ≥ 80% proactive and ≥ 80% of the
    accounts with a cadence within it. 4 Scientifically managed — ≥ 90% of accounts carry a
    health score and ≥ 70% of red accounts were acted on (a proactive touch in 30 days or
    an open task): work is driven by health. 5 Refined — ≥ 95% within cadence, ≥ 90% of
    red accounts acted on, and GRR over 12 months ≥ 90%.
    """
    i = inputs
    share = i.proactive_share
    touches = (
        Message.of(
            N_(
                "{share} of touches in the last {days} days were proactive "
                "({proactive} of {touches}; the rest escalations)"
            ),
            share=_pct(share),
            days=ACTIVITY_DAYS,
            proactive=f"{i.proactive_touches:,}",
            touches=f"{i.touches:,}",
        )
        if share is not None
        else Message.of(N_("no touches logged in the last {days} days"), days=ACTIVITY_DAYS)
    )
    kept = i.cadence_kept
    cadence = (
        Message.of(
            N_("{share} of accounts with a cadence are within it ({within} of {cadenced})"),
            share=_pct(kept),
            within=f"{i.within_cadence:,}",
            cadenced=f"{i.cadenced_accounts:,}",
        )
        if kept is not None
        else Message.of(N_("no account has a touch cadence"))
    )
    scored = i.scored_share
    scored_text = (
        Message.of(
            N_("{share} of accounts carry a health score ({scored} of {live})"),
            share=_pct(scored),
            scored=f"{i.health_scored:,}",
            live=f"{i.live_accounts:,}",
        )
        if scored is not None
        else Message.of(N_("no live accounts"))
    )
    follow = i.follow_up_share
    follow_text = (
        Message.of(
            N_(
                "{share} of red-health accounts got a proactive touch in {days} days or have "
                "an open task ({followed} of {red})"
            ),
            share=_pct(follow),
            days=FOLLOW_UP_DAYS,
            followed=f"{i.red_followed_up:,}",
            red=f"{i.red_accounts:,}",
        )
        if follow is not None
        else Message.of(N_("no account is red: nothing to follow up"))
        if i.health_scored
        # no health score anywhere (a book imported without signals): red is unknown
        else Message.of(N_("no account carries a health score: which are red is unknown"))
    )
    none_red = i.health_scored > 0  # "no account is red" counts only where health is known
    grr_text = (
        Message.of(N_("GRR over 12 months is {grr}"), grr=_pct(i.grr))
        if i.grr is not None
        else Message.of(N_("GRR is unknown (no ARR history)"))
    )
    L = MaturityLevel
    checks = (
        MaturityCheck(L.REACTIVE, True, Message.of(N_("every team starts here"))),
        MaturityCheck(L.PARTIALLY_PROACTIVE, _meets(share, PROACTIVE_PARTIAL), touches,
                      PROACTIVE_PARTIAL),
        MaturityCheck(L.FULLY_PROACTIVE, _meets(share, PROACTIVE_FULL), touches, PROACTIVE_FULL),
        MaturityCheck(L.FULLY_PROACTIVE, _meets(kept, CADENCE_FULL), cadence, CADENCE_FULL),
        MaturityCheck(L.SCIENTIFICALLY_MANAGED, _meets(scored, HEALTH_SCORED), scored_text,
                      HEALTH_SCORED),
        MaturityCheck(L.SCIENTIFICALLY_MANAGED,
                      _meets(follow, FOLLOW_UP_SCIENTIFIC, none_means=none_red), follow_text,
                      FOLLOW_UP_SCIENTIFIC),
        MaturityCheck(L.REFINED, _meets(kept, CADENCE_REFINED), cadence, CADENCE_REFINED),
        MaturityCheck(L.REFINED, _meets(follow, FOLLOW_UP_REFINED, none_means=none_red),
                      follow_text, FOLLOW_UP_REFINED),
        MaturityCheck(L.REFINED, _meets(i.grr, GRR_REFINED), grr_text, GRR_REFINED),
    )  # fmt: skip
    level = L.REACTIVE
    for candidate in (L.PARTIALLY_PROACTIVE, L.FULLY_PROACTIVE, L.SCIENTIFICALLY_MANAGED,
                      L.REFINED):  # fmt: skip
        if all(c.met for c in checks if c.level is candidate):
            level = candidate
        else:
            break
    return MaturityEstimate(level, checks, inputs)


# ------------------------------------------------------------------------------ report


@dataclass(frozen=True)
class CoverageReport:
    """Everything the Coverage screen shows, computed from the cache at one moment."""

    today: date
    data_as_of: datetime | None
    rules: CoverageRules
    team_filter: str | None  # the team id the report is limited to, or None: every team
    csms: tuple[CsmCoverage, ...]  # every CSM (and lead/admin who owns accounts) in scope
    pool: CsmCoverage | None  # accounts with no owner (none when limited to a team)
    teams: tuple[TeamCoverage, ...]
    metrics: MetricsBreakdown
    maturity: MaturityEstimate
    maturity_by_team: Mapping[str, MaturityEstimate]

    @property
    def period(self) -> Period:
        return self.metrics.period

    @property
    def owners(self) -> tuple[CsmCoverage, ...]:
        """Every row of the per-CSM table: CSMs, then the pool when there is one."""
        return self.csms + ((self.pool,) if self.pool is not None else ())

    @property
    def by_tier(self) -> dict[Tier, TierSlice]:
        return {t: TierSlice.total(c.tier(t) for c in self.owners) for t in TIER_ORDER}

    @property
    def total(self) -> TierSlice:
        return TierSlice.total(c.total for c in self.owners)

    def csm(self, user_id: str) -> CsmCoverage:
        for c in self.csms:
            if c.user_id == user_id:
                return c
        raise KeyError(user_id)
