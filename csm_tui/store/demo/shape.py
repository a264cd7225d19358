"""The demo book's shape: its proportions, and the choices drawn from the seed.

No I/O: every function here takes the book's random stream and returns choices (tiers,
stages, ARR, sales motions, owners, an account's lifecycle dates and health story). The
order of the draws is part of the book: the same seed gives the same book only while each
function draws the same numbers in the same order.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from statistics import NormalDist
from typing import TYPE_CHECKING, TypeVar

from csm_tui.domain.health import Component, HealthSignals, PaymentStatus
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import ActivityStandard, SalesMotion
from csm_tui.domain.records import ActivityKind
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store.demo_text import CN_SEGMENTS, CN_USD_SEGMENTS, EMEA_SEGMENTS, NASTY_NAMES

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")

MAX_ACCOUNTS = 1_000_000

HISTORY_DAYS = 548  # 18 months of activities (and of recorded renewal cycles)
DAYS_BACK, DAYS_AHEAD = 6 * 366, 2 * 366  # range of dates the book can hold
SNAPSHOT_EVERY_DAYS = 30
SNAPSHOTS = 18  # today, 30, 60, ... 510 days ago

# ARR in USD: lognormal with median ~$2k and a long tail (see skeletons for the shares).
ARR_MU, ARR_SIGMA = 7.6, 1.8
ARR_MIN, ARR_MAX = 300.0, 3_000_000.0
CHINESE_SHARE = 0.25  # accounts with a Chinese company name (APAC & China team)
CNY_SHARE_OF_CHINESE = 0.6  # → ~15% of all accounts billed in CNY
UNOWNED_SELF_SERVE = 0.35  # self-serve accounts served from the digital pool, no owner
HEALTH_DROP_SHARE = 0.07  # accounts whose score fell 10+ points in 30 days

STAGE_SHARES = (
    (Stage.ONBOARDING, 0.07),
    (Stage.ACTIVATION, 0.10),
    (Stage.ADOPTION, 0.53),
    (Stage.RENEWAL, 0.18),
    (Stage.CHURNED, 0.12),
)
# Activation accounts by days since go-live: on time (< 30), late (30-89), zombie (90+).
ACTIVATION_SHARES = (("ontime", 0.45), ("late", 0.35), ("zombie", 0.20))
ACTIVATION_DAYS = {"ontime": (0, 29), "late": (30, 89), "zombie": (90, 240)}

MOTION_WEIGHTS: dict[Tier, tuple[int, int, int, int]] = {
    # short-direct, long-direct, short-channel, long-channel
    Tier.STRATEGIC: (10, 50, 5, 35),
    Tier.ENTERPRISE: (20, 40, 10, 30),
    Tier.GROWTH: (40, 20, 25, 15),
    Tier.SCALE: (45, 10, 35, 10),
    Tier.SELF_SERVE: (55, 5, 35, 5),
}
MOTIONS = tuple(SalesMotion)
MOTION_CUM = {tier: tuple(accumulate(w)) for tier, w in MOTION_WEIGHTS.items()}
SENTIMENTS = ("positive", "neutral", "negative")
KIND_TEXT = {kind: kind.value for kind in ActivityKind}
STAGE_TEXT = {stage: stage.value for stage in Stage}
TIER_RANK = {tier: tier.rank for tier in Tier}

CONTACTS_PER_TIER = {
    Tier.STRATEGIC: (6, 10),
    Tier.ENTERPRISE: (4, 6),
    Tier.GROWTH: (2, 4),
    Tier.SCALE: (1, 3),
    Tier.SELF_SERVE: (1, 2),
}
SEAT_PRICE_USD = {
    Tier.STRATEGIC: 600,
    Tier.ENTERPRISE: 480,
    Tier.GROWTH: 360,
    Tier.SCALE: 300,
    Tier.SELF_SERVE: 240,
}
# Kinds of touches per tier (weights in ActivityKind order minus NOTE).
TOUCH_KINDS = (
    ActivityKind.CALL,
    ActivityKind.MEETING,
    ActivityKind.EMAIL,
    ActivityKind.ONSITE,
    ActivityKind.QBR,
    ActivityKind.TRAINING,
    ActivityKind.ESCALATION,
)
TOUCH_WEIGHTS = {
    Tier.STRATEGIC: (22, 24, 18, 6, 12, 10, 8),
    Tier.ENTERPRISE: (28, 20, 25, 2, 7, 10, 8),
    Tier.GROWTH: (35, 10, 35, 1, 1, 10, 8),
    Tier.SCALE: (25, 0, 55, 0, 0, 8, 12),
    Tier.SELF_SERVE: (15, 0, 50, 0, 0, 0, 35),
}
TOUCH_CUM = {tier: tuple(accumulate(w)) for tier, w in TOUCH_WEIGHTS.items()}
NEVER_TOUCHED = {Tier.STRATEGIC: 0.01, Tier.ENTERPRISE: 0.01, Tier.GROWTH: 0.03}  # else 0.06
MINUTES = {
    ActivityKind.CALL: (15, 45),
    ActivityKind.MEETING: (30, 60),
    ActivityKind.EMAIL: (5, 10),
    ActivityKind.ONSITE: (120, 480),
    ActivityKind.QBR: (60, 120),
    ActivityKind.TRAINING: (45, 120),
    ActivityKind.ESCALATION: (30, 90),
    ActivityKind.NOTE: (0, 5),
}
MINUTES_SPAN = {kind: (lo, hi - lo + 1) for kind, (lo, hi) in MINUTES.items()}
TASKS_PER_TIER = {
    Tier.STRATEGIC: (3, 6),
    Tier.ENTERPRISE: (2, 4),
    Tier.GROWTH: (0, 2),
    Tier.SCALE: (0, 1),
    Tier.SELF_SERVE: (0, 0),
}
ARR_HISTORY_DAYS = 730  # renewals, expansions and contractions of the last 24 months
EXPANSION_TIER_FACTOR = {
    Tier.STRATEGIC: 1.0,
    Tier.ENTERPRISE: 1.0,
    Tier.GROWTH: 0.8,
    Tier.SCALE: 0.7,
    Tier.SELF_SERVE: 0.5,
}
PREP_NOTE_SHARE = {
    Tier.STRATEGIC: 0.6,
    Tier.ENTERPRISE: 0.25,
    Tier.GROWTH: 0.03,
    Tier.SCALE: 0.0,
    Tier.SELF_SERVE: 0.0,
}
# Accounts placed above their ARR band: (reason, from, to, (English note, Chinese note)).
OVERRIDE_PLANS = (
    (
        OverrideReason.FLAGSHIP,
        Tier.GROWTH,
        Tier.ENTERPRISE,
        ("Reference customer for the {i} vertical", "旗舰客户，{i}行业标杆案例"),
    ),
    (
        OverrideReason.INDUSTRY_INFLUENCE,
        Tier.ENTERPRISE,
        Tier.STRATEGIC,
        ("Board seat in the {i} industry association", "{i}行业协会理事单位"),
    ),
    (
        OverrideReason.SEATS,
        Tier.SCALE,
        Tier.GROWTH,
        ("Many seats on a discounted plan", "席位数多，折扣价"),
    ),
    (
        OverrideReason.FLAGSHIP,
        Tier.ENTERPRISE,
        Tier.STRATEGIC,
        ("Logo on our website; speaks at our conference", "官网案例客户"),
    ),
)


class DemoRandom(random.Random):
    """`random.Random` with lean `randint`/`choice`: the 100k book draws millions of them.

    Still one seeded stream, so the book stays a pure function of (accounts, seed, now).
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def weighted(self, seq: Sequence[T], cum_weights: Sequence[float]) -> T:
        return seq[bisect(cum_weights, self.random() * cum_weights[-1])]


@dataclass
class Skeleton:
    """The first pass over an account: the choices that other accounts' choices depend on."""

    arr: float  # in the account's currency (USD until round_arr converts CNY ones)
    chinese: bool
    cny: bool
    stage: Stage
    activation: str  # ontime | late | zombie (activation stage only)
    by_arr: Tier
    tier: Tier
    override: tuple[OverrideReason, str] | None = None
    motion: SalesMotion = SalesMotion.SHORT_DIRECT
    owner: str | None = None  # user id
    team: str = "emea"
    name: str | None = None  # forced (nasty) name


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """An account's lifecycle dates, as day offsets from today (negative: past)."""

    created: int
    go_live: int | None
    activated: int | None
    renewal: int


def deck(rng: random.Random, n: int, shares: Sequence[tuple[T, float]]) -> list[T]:
    """n items with exact shares (largest remainder), shuffled."""
    exact = [n * share for _, share in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    items = [item for (item, _), c in zip(shares, counts, strict=True) for _ in range(c)]
    rng.shuffle(items)
    return items


def split_points(score: int, weights: dict[Component, int]) -> str:
    """A score split over the components in proportion to the tier's weights (JSON)."""
    exact = [score * weights[c] / 100 for c in Component]
    floors = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: score - sum(floors)]:
        floors[i] += 1
    return "{" + ",".join(f'"{c.value}":{p}' for c, p in zip(Component, floors, strict=True)) + "}"


# -- pass 1: every account's skeleton ----------------------------------------------------------


def skeletons(
    rng: DemoRandom, n: int, rules: TierRules, csms: dict[str, list[str]], me: str
) -> list[Skeleton]:
    """The book's accounts before any is written: ARR, tier, stage, motion, owner."""
    normal = NormalDist()
    quantiles = [(i + rng.random()) / n for i in range(n)]
    rng.shuffle(quantiles)
    stages = deck(rng, n, STAGE_SHARES)
    n_act = sum(1 for s in stages if s is Stage.ACTIVATION)
    activation = iter(deck(rng, n_act, ACTIVATION_SHARES))
    chinese = deck(rng, n, ((True, CHINESE_SHARE), (False, 1 - CHINESE_SHARE)))
    out: list[Skeleton] = []
    for i in range(n):
        q = min(max(quantiles[i], 1e-12), 1 - 1e-12)
        arr = math.exp(ARR_MU + ARR_SIGMA * normal.inv_cdf(q))
        arr = min(max(arr, ARR_MIN), ARR_MAX)
        is_cn = chinese[i]
        cny = is_cn and rng.random() < CNY_SHARE_OF_CHINESE
        stage = stages[i]
        act = next(activation) if stage is Stage.ACTIVATION else ""
        tier = rules.tier_for_arr(arr)  # refined once ARR is rounded
        out.append(Skeleton(arr, is_cn, cny, stage, act, tier, tier))
    round_arr(out, rules)
    place_overrides(rng, out)
    motions_and_owners(rng, out, csms, me)
    return out


def round_arr(skels: list[Skeleton], rules: TierRules) -> None:
    """ARR rounded as a contract would be (CNY ones converted), and the tier it gives."""
    rate = rules.cny_per_usd
    for s in skels:
        if s.cny:
            s.arr = round(s.arr * rate, -2)  # CNY, to 100
            usd = round(s.arr / rate, 2)
        else:
            step = 10 if s.arr < 10_000 else 100
            s.arr = usd = float(round(s.arr / step) * step)
        s.by_arr = s.tier = rules.tier_for_arr(usd)


def place_overrides(rng: DemoRandom, skels: list[Skeleton]) -> None:
    """A few accounts placed above their ARR band, with the reason and a note."""
    for reason, from_tier, to_tier, notes in OVERRIDE_PLANS:
        candidates = [s for s in skels if s.by_arr is from_tier and s.override is None]
        if not candidates:
            continue
        # At least one per plan; about 3% of eligible accounts in a large book.
        picks = max(1, round(len(candidates) * 0.03))
        for s in rng.sample(candidates, min(picks, len(candidates))):
            s.tier = to_tier
            s.override = (reason, notes[1] if s.chinese else notes[0])


def motions_and_owners(
    rng: DemoRandom, skels: list[Skeleton], csms: dict[str, list[str]], me: str
) -> None:
    """Each account's sales motion, team and owner (round robin over the team's CSMs)."""
    rr: dict[tuple[str, Tier], int] = {}
    for s in skels:
        s.motion = rng.weighted(MOTIONS, MOTION_CUM[s.tier])
        s.team = "apac" if s.chinese else "emea"
        if s.tier is Tier.SELF_SERVE and rng.random() < UNOWNED_SELF_SERVE:
            s.owner = None
            continue
        k = rr.get((s.team, s.tier), 0)
        rr[(s.team, s.tier)] = k + 1
        s.owner = csms[s.team][k % 3]
    # The demo user's book shows the safe-display cases.
    mine = [s for s in skels if s.owner == me and s.override is None]
    others = [s for s in skels if s.owner != me and s.override is None]
    for name, s in zip(NASTY_NAMES, mine + others, strict=False):
        s.name = name


# -- pass 2: one account's own choices ----------------------------------------------------


def lifecycle(rng: DemoRandom, s: Skeleton) -> Lifecycle:
    """When the account was created, went live, activated and renews, for its stage."""
    stage = s.stage
    go_live = activated = None
    years = rng.weighted((1, 2, 3, 4), (20, 45, 75, 100))
    if stage is Stage.ONBOARDING:
        created = -rng.randint(3, 75)
        go_live = max(created + 14, rng.randint(-20, 60))
        renewal = created + 365
    elif stage is Stage.ACTIVATION:
        go_live = -rng.randint(*ACTIVATION_DAYS[s.activation])
        created = go_live - rng.randint(21, 75)
        renewal = created + 365
        while renewal <= 0:
            renewal += 365
    else:
        if stage is Stage.ADOPTION:
            renewal = rng.randint(91, 365)
        elif stage is Stage.RENEWAL:
            renewal = rng.randint(-14, 90) if rng.random() < 0.12 else rng.randint(1, 90)
        else:  # churned: renewal date passed, not renewed
            renewal = -rng.randint(1, 420)
        created = renewal - 365 * years
        while created > -150:
            created -= 365
        go_live = created + rng.randint(14, 60)
        if stage is not Stage.CHURNED or rng.random() < 0.7:
            activated = go_live + rng.randint(7, 45)
    return Lifecycle(created, go_live, activated, renewal)


def segment(rng: DemoRandom, s: Skeleton) -> str:
    if s.chinese and s.cny:
        return rng.choice(CN_SEGMENTS)
    if s.chinese:
        return rng.choice(CN_USD_SEGMENTS)
    return rng.choice(EMEA_SEGMENTS)


def health_story(rng: DemoRandom, s: Skeleton, created: int) -> tuple[bool, float]:
    """(dropped 10+ points in 30 days, propensity to be healthy 0..1) from the stage."""
    stage = s.stage
    drop = created < -SNAPSHOT_EVERY_DAYS and rng.random() < HEALTH_DROP_SHARE
    if stage is Stage.CHURNED:
        h = rng.uniform(0.02, 0.3)
    elif stage is Stage.ACTIVATION and s.activation == "zombie":
        h = rng.uniform(0.03, 0.25)
    elif stage is Stage.ACTIVATION and s.activation == "late":
        h = rng.uniform(0.15, 0.5)
    elif stage in (Stage.ONBOARDING, Stage.ACTIVATION):
        h = rng.uniform(0.35, 0.75)
    else:
        h = rng.betavariate(2.6, 1.7)
    if drop:
        h *= 0.7
    return drop, h


def seats(rng: DemoRandom, s: Skeleton, arr_usd: float) -> int:
    """Seats the ARR pays for at the ARR band's price (5× for a seats override)."""
    n = max(1, round(arr_usd / SEAT_PRICE_USD[s.by_arr] * rng.uniform(0.7, 1.3)))
    if s.override and s.override[0] is OverrideReason.SEATS:
        n *= 5
    return n


def never_touched_and_gap(
    rng: DemoRandom, tier: Tier, stage: Stage, cadence: int | None
) -> tuple[bool, int, tuple[int, int]]:
    """(never touched, days since the last touch, spacing of touches) for the cadence."""
    if cadence is None:
        never = rng.random() < 0.55
        gap = rng.randint(3, 400)
        return never, gap, (60, 200)
    never_p = NEVER_TOUCHED.get(tier, 0.06)
    if stage is Stage.ONBOARDING:
        never_p = 0.15
    never = rng.random() < never_p
    overdue = rng.random() < 0.22
    gap = cadence + rng.randint(1, cadence) if overdue else rng.randint(0, cadence - 1)
    return never, gap, (max(3, cadence // 2), cadence + cadence // 4)


def aggregated_signals(
    rng: DemoRandom,
    h: float,
    seats: int,
    std: ActivityStandard,
    stage: Stage,
    tier: Tier,
    days_since: int | None,
    cadence: int | None,
) -> HealthSignals:
    """Signals of the account as one summary, drawn around its sales motion's standard.

    (Only their CSM pulse is kept: health is scored from the raw records of
    store/demo_signals.py, as after an import; the other draws keep the book's stream.)
    """

    def around(target: float, lo: float, span: float) -> float:
        return max(0.0, target * (lo + span * h) * rng.uniform(0.85, 1.15))

    login = min(1.0, around(std.login_rate_target, 0.1, 1.05))
    if h > 0.8:
        payment = PaymentStatus.CURRENT
    elif stage is Stage.CHURNED:
        payment = rng.choice(
            (PaymentStatus.OVERDUE, PaymentStatus.COLLECTIONS, PaymentStatus.CURRENT)
        )
    else:
        roll = rng.random() * (1.2 - h)
        payment = (
            PaymentStatus.CURRENT
            if roll < 0.55
            else PaymentStatus.LATE
            if roll < 0.8
            else PaymentStatus.OVERDUE
        )
    nps = None
    if TIER_RANK[tier] <= 2 or rng.random() < 0.3:
        nps = max(-100, min(100, round(-60 + 150 * h + rng.uniform(-20, 20))))
    pulse = None
    if TIER_RANK[tier] <= 2 and days_since is not None:
        pulse = max(1, min(5, round(1 + 4 * h + rng.uniform(-0.7, 0.7))))
    return HealthSignals(
        seats=seats,
        weekly_active_users=min(seats, round(seats * login)),
        key_actions_per_user_week=round(around(std.key_actions_per_user_week, 0.05, 1.1), 1),
        dau_mau=round(min(1.0, around(std.dau_mau_target, 0.15, 1.0)), 2),
        session_minutes=round(around(std.session_minutes_target, 0.3, 0.9), 1),
        messages_per_user_week=round(around(std.messages_per_user_week, 0.05, 1.1), 1),
        open_tickets=int(rng.random() * (1 - h) * 7),
        avg_response_hours=round(2 + (1 - h) * 30 * rng.random(), 1),
        days_since_touch=days_since,
        cadence_days=cadence,
        volume_trend_pct=round(-30 + 60 * h + rng.uniform(-10, 10), 1),
        payment=payment,
        nps=nps,
        csm_pulse=pulse,
    )
