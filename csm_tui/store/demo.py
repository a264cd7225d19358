"""A deterministic, realistic demo book: `build_demo_book(path, accounts, seed, now=...)`.

Same (accounts, seed, now) → byte-identical rows: every choice comes from one
`random.Random(seed)` in a fixed order, ids are UUIDv7-shaped from the record's creation
instant and the generator's bits (never `new_id()`), and every date is relative to `now`.

What the book holds (spec section 2; issue 2, item 4):

- ARR with a long tail (lognormal, stratified so every book has all five tiers in sensible
  proportions), about 15% of accounts billed in CNY, a few tier overrides with reasons;
- four sales motions (long cycles more common in high tiers); every lifecycle stage, with
  accounts 30+ and 90+ days past go-live and not activated, renewals spread over the next
  12 months and churned accounts past their renewal date;
- 6 CSMs in 2 teams, a lead per team and an admin; English and Chinese names; a few
  account names with Rich markup and terminal escapes so the app's safe display is used;
- stakeholders with roles; 18 months of activities (more for higher tiers), some accounts
  overdue against cadence and some never touched; current `AccountSignals` whose
  `score_health` is the account's `health_score`; a health snapshot every 30 days for 18
  months (`health_score_30d` is the one 30 days ago, some accounts dropped 10+ points);
  tasks (done, due, late, snoozed); the current stage's checklist, partly ticked, with the
  stage history; prep notes;
- ARR history (`arr_events`): the contract's start, renewals of the last 24 months (flat,
  uplifted or at a lower price), mid-term expansions and contractions, a churn for every
  churned account, and a few changes signed but not yet effective; the last event of a
  live account is its ARR today (drawn from a stream of its own: see `_arr_events`).

The book is built in a side file with raw `sqlite3` (one transaction, `executemany`,
storage formats of `store.timestamps`) and moved into place when complete, in WAL mode.
Books of 5,000+ accounts are written by a helper process (`python -c ...`, fed pickled
batches on stdin) while this process generates the next batch: 100k accounts build in
about 35 s on two cores.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import pickle
import random
import sqlite3
import subprocess
import sys
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from csm_tui.domain.health import DEFAULT_WEIGHTS, Component, HealthSignals, PaymentStatus
from csm_tui.domain.lifecycle import ChecklistTemplateItem, Stage, checklist_template
from csm_tui.domain.motion import ActivityStandard, SalesMotion, standard_for
from csm_tui.domain.records import ActivityKind, ContactRole, Role
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store.cache import META_BOOK_NAME, META_DATA_AS_OF, META_ME, make_private
from csm_tui.store.demo_signals import INSERTS as SIGNAL_INSERTS
from csm_tui.store.demo_signals import SignalMaker, Story
from csm_tui.store.demo_text import (
    CN_CITIES,
    CN_GIVEN,
    CN_LEGAL,
    CN_SEGMENTS,
    CN_SURNAMES,
    CN_SYLLABLES,
    CN_USD_SEGMENTS,
    EMEA_SEGMENTS,
    EN_CITIES,
    EN_FIRST,
    EN_LAST,
    EN_LEGAL,
    EN_PREFIX,
    EN_SUFFIX,
    FEATURE_CN,
    INDUSTRIES,
    ME,
    NASTY_NAMES,
    NEXT_STEPS_CN,
    NEXT_STEPS_EN,
    PEOPLE,
    SUMMARIES_CN,
    SUMMARIES_EN,
    TEAMS,
    TITLES_CN,
    TITLES_EN,
)
from csm_tui.store.migrations import migrate
from csm_tui.store.timestamps import to_db

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

_T = TypeVar("_T")

MAX_ACCOUNTS = 1_000_000


HISTORY_DAYS = 548  # 18 months of activities (and of recorded renewal cycles)
DAYS_BACK, DAYS_AHEAD = 6 * 366, 2 * 366  # range of dates the book can hold
SNAPSHOT_EVERY_DAYS = 30
SNAPSHOTS = 18  # today, 30, 60, ... 510 days ago
BATCH_ACCOUNTS = 4_000  # rows are flushed to SQLite every this many accounts
PROCESS_WRITER_FROM = 5_000  # books this big are written by a helper process

# ARR in USD: lognormal with median ~$2k and a long tail (see _skeletons for the shares).
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


class _Random(random.Random):
    """`random.Random` with lean `randint`/`choice`: the 100k book draws millions of them.

    Still one seeded stream, so the book stays a pure function of (accounts, seed, now).
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        return seq[int(self.random() * len(seq))]

    def weighted(self, seq: Sequence[_T], cum_weights: Sequence[float]) -> _T:
        return seq[bisect(cum_weights, self.random() * cum_weights[-1])]


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo_book` made."""

    path: Path
    accounts: int
    seed: int
    data_as_of: datetime
    me_id: str
    me_name: str
    book_name: str
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written


@dataclass(slots=True)
class _Voice:
    """What an account's activities are written with."""

    account_id: str
    contacts: list[tuple[str, str]]  # (id, first name)
    features: tuple[str, ...] | list[str]
    summaries: dict[ActivityKind, tuple[str, ...]]
    next_steps: tuple[str, ...]
    sentiment_cum: tuple[float, ...]
    author: str
    ids: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class _Skeleton:
    """The first pass over an account: the choices that other accounts' choices depend on."""

    arr: float  # in the account's currency (USD until _round_arr converts CNY ones)
    chinese: bool
    cny: bool
    stage: Stage
    activation: str  # ontime | late | zombie (activation stage only)
    by_arr: Tier
    tier: Tier
    override: tuple[OverrideReason, str] | None = None
    motion: SalesMotion = SalesMotion.SHORT_DIRECT
    owner: str | None = None  # person key
    team: str = "emea"
    name: str | None = None  # forced (nasty) name


def _deck(rng: random.Random, n: int, shares: Sequence[tuple[_T, float]]) -> list[_T]:
    """n items with exact shares (largest remainder), shuffled."""
    exact = [n * share for _, share in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    deck = [item for (item, _), c in zip(shares, counts, strict=True) for _ in range(c)]
    rng.shuffle(deck)
    return deck


def _split_points(score: int, weights: dict[Component, int]) -> str:
    """A score split over the components in proportion to the tier's weights (JSON)."""
    exact = [score * weights[c] / 100 for c in Component]
    floors = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: score - sum(floors)]:
        floors[i] += 1
    return (
        "{" + ", ".join(f'"{c.value}": {p}' for c, p in zip(Component, floors, strict=True)) + "}"
    )


class _Builder:
    def __init__(self, accounts: int, seed: int, now: datetime) -> None:
        self.n = accounts
        self.rng = _Random(seed)
        # ARR history draws from its own stream, so adding it left every other row of
        # the book as it was.
        self.arr_rng = _Random(f"arr-events:{seed}")
        self._arr_bits = self.arr_rng.getrandbits
        # So do the raw health signals and the renewal decisions (store/demo_signals.py).
        self.sig_rng = _Random(f"demo-signals:{seed}")
        self._sig_bits = self.sig_rng.getrandbits
        self._bits = self.rng.getrandbits
        self.rules = TierRules()
        self.now_s = math.floor(now.timestamp())
        self.today = _utc_date(self.now_s)
        self.today_ord = self.today.toordinal()
        self.today_day = self.now_s // 86400  # days since 1970-01-01 (UTC)
        # Date texts from 6 years before today to 2 years after, by day offset.
        first = self.today_day - DAYS_BACK
        self._days = [
            (date(1970, 1, 1) + timedelta(days=first + i)).isoformat()
            for i in range(DAYS_BACK + DAYS_AHEAD + 1)
        ]
        self._first_day = first
        # Snapshot ids: the UUIDv7 time prefix of each snapshot day (midnight UTC).
        self._snap_prefix = [
            "%08x-%04x-7" % (ms >> 16, ms & 0xFFFF)  # noqa: UP031
            for ms in (
                (self.today_day - k * SNAPSHOT_EVERY_DAYS) * 86_400_000 for k in range(SNAPSHOTS)
            )
        ]
        self._hm = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
        # Past snapshots: the score split over components by the tier's weights (JSON).
        self._split_cache = {
            tier: [_split_points(v, DEFAULT_WEIGHTS[tier]) for v in range(101)] for tier in Tier
        }
        self._used_names: set[str] = set()
        self.people: dict[str, str] = {}  # key → user id
        self.team_ids: dict[str, str] = {}
        self.leads: dict[str, str] = {}  # team key → lead user id
        self.csms: dict[str, list[str]] = {"emea": [], "apac": []}
        self.sig = SignalMaker(self.sig_rng, now, self.rules, self.day_text, self.ts, self.at,
                               self._sig_id)  # fmt: skip

    # -- primitives ------------------------------------------------------------------------

    def _id(self, at_s: int) -> str:
        """A UUIDv7 (layout of `store.ids`) for an instant, its other bits from the seed."""
        bits = self._bits(84)  # 10 bits of sub-second time, 74 random bits
        ms = at_s * 1000 + (bits >> 74) % 1000
        return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031 - the fastest form here
            ms >> 16,
            ms & 0xFFFF,
            0x7000 | ((bits >> 62) & 0xFFF),
            0x8000 | ((bits >> 48) & 0x3FFF),
            bits & 0xFFFFFFFFFFFF,
        )

    def _snap_tail(self) -> str:
        """The random part of an account's snapshot ids. Each snapshot id is the UUIDv7
        prefix of its day + this tail: unique, as no account has two snapshots a day."""
        bits = self._bits(74)
        return "%03x-%04x-%012x" % (  # noqa: UP031
            bits >> 62,
            0x8000 | ((bits >> 48) & 0x3FFF),
            bits & 0xFFFFFFFFFFFF,
        )

    def past(self, sec: int) -> int:
        """`sec` if it is not after now, else a moment in the hour before now."""
        if sec > self.now_s:
            sec = self.now_s - 60 - (sec - self.now_s) % 3600
        return sec

    def ts(self, sec: int) -> str:
        """Storage text of an instant given in Unix seconds (UTC), never after now."""
        if sec > self.now_s:
            sec = self.past(sec)
        day, sod = divmod(sec, 86400)
        return f"{self._days[day - self._first_day]} {self._hm[sod // 60]}{sod % 60:02d}.000000"

    def day_text(self, day_offset: int) -> str:
        return self._days[DAYS_BACK + day_offset]

    def at(self, day_offset: int, minute_of_day: int) -> int:
        """Unix seconds of a business-day instant `day_offset` days from today."""
        weekday = (self.today_ord + day_offset) % 7  # 6: Saturday, 0: Sunday
        if weekday == 6:
            day_offset -= 1
        elif weekday == 0:
            day_offset -= 2
        return self.past((self.today_day + day_offset) * 86400 + minute_of_day * 60)

    # -- pass 1: skeletons -----------------------------------------------------------------

    def skeletons(self) -> list[_Skeleton]:
        rng, n = self.rng, self.n
        normal = NormalDist()
        quantiles = [(i + rng.random()) / n for i in range(n)]
        rng.shuffle(quantiles)
        stages = _deck(rng, n, STAGE_SHARES)
        n_act = sum(1 for s in stages if s is Stage.ACTIVATION)
        activation = iter(_deck(rng, n_act, ACTIVATION_SHARES))
        chinese = _deck(rng, n, ((True, CHINESE_SHARE), (False, 1 - CHINESE_SHARE)))
        out: list[_Skeleton] = []
        for i in range(n):
            q = min(max(quantiles[i], 1e-12), 1 - 1e-12)
            arr = math.exp(ARR_MU + ARR_SIGMA * normal.inv_cdf(q))
            arr = min(max(arr, ARR_MIN), ARR_MAX)
            is_cn = chinese[i]
            cny = is_cn and rng.random() < CNY_SHARE_OF_CHINESE
            stage = stages[i]
            act = next(activation) if stage is Stage.ACTIVATION else ""
            tier = self.rules.tier_for_arr(arr)  # refined once ARR is rounded
            out.append(_Skeleton(arr, is_cn, cny, stage, act, tier, tier))
        self._round_arr(out)
        self._overrides(out)
        self._motions_and_owners(out)
        return out

    def _round_arr(self, skels: list[_Skeleton]) -> None:
        rate = self.rules.cny_per_usd
        for s in skels:
            if s.cny:
                s.arr = round(s.arr * rate, -2)  # CNY, to 100
                usd = round(s.arr / rate, 2)
            else:
                step = 10 if s.arr < 10_000 else 100
                s.arr = usd = float(round(s.arr / step) * step)
            s.by_arr = s.tier = self.rules.tier_for_arr(usd)

    def _overrides(self, skels: list[_Skeleton]) -> None:
        """A few accounts placed above their ARR band, with the reason and a note."""
        plans = (
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
        rng = self.rng
        for reason, from_tier, to_tier, notes in plans:
            candidates = [s for s in skels if s.by_arr is from_tier and s.override is None]
            if not candidates:
                continue
            # At least one per plan; about 3% of eligible accounts in a large book.
            picks = max(1, round(len(candidates) * 0.03))
            for s in rng.sample(candidates, min(picks, len(candidates))):
                s.tier = to_tier
                s.override = (reason, notes[1] if s.chinese else notes[0])

    def _motions_and_owners(self, skels: list[_Skeleton]) -> None:
        rng = self.rng
        rr: dict[tuple[str, Tier], int] = {}
        for s in skels:
            s.motion = rng.weighted(MOTIONS, MOTION_CUM[s.tier])
            s.team = "apac" if s.chinese else "emea"
            if s.tier is Tier.SELF_SERVE and rng.random() < UNOWNED_SELF_SERVE:
                s.owner = None
                continue
            k = rr.get((s.team, s.tier), 0)
            rr[(s.team, s.tier)] = k + 1
            s.owner = self.csms[s.team][k % 3]
        # The demo user's book shows the safe-display cases.
        me = self.people[ME]
        mine = [s for s in skels if s.owner == me and s.override is None]
        others = [s for s in skels if s.owner != me and s.override is None]
        for name, s in zip(NASTY_NAMES, mine + others, strict=False):
            s.name = name

    # -- users ------------------------------------------------------------------------------

    def users(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        base = self.now_s - 3 * 365 * 86400
        teams = []
        for key, name in TEAMS:
            self.team_ids[key] = self._id(base)
            teams.append((self.team_ids[key], name))
        users = []
        for key, name, mail, role, team in PEOPLE:
            uid = self.people[key] = self._id(base)
            team_id = self.team_ids[team] if team else None
            users.append((uid, name, f"{mail}@demo.csm-tui.example", role.value, team_id))
            if role is Role.CSM and team:
                self.csms[team].append(uid)
            elif role is Role.LEAD and team:
                self.leads[team] = uid
        return teams, users

    # -- names -------------------------------------------------------------------------------

    def company(self, s: _Skeleton, industry: tuple[Any, ...]) -> tuple[str, str]:
        """(name, email domain)."""
        rng = self.rng
        if s.name is not None:
            return s.name, "example.com"
        for attempt in range(6):
            if s.chinese:
                (c1, p1), (c2, p2) = rng.choice(CN_SYLLABLES), rng.choice(CN_SYLLABLES)
                city = rng.choice(CN_CITIES)
                name = f"{city}{c1}{c2}{industry[2]}{rng.choice(CN_LEGAL)}"
                domain = f"{p1}{p2}{industry[3]}.com.cn"
            else:
                brand = rng.choice(EN_PREFIX) + rng.choice(EN_SUFFIX)
                name = f"{brand} {rng.choice(industry[1])} {rng.choice(EN_LEGAL)}"
                domain = f"{brand.lower()}.example.com"
            if attempt >= 3:
                name += f" ({rng.choice(CN_CITIES if s.chinese else EN_CITIES)})"
            if attempt == 5:
                name += f" {len(self._used_names)}"
            if name not in self._used_names:
                self._used_names.add(name)
                return name, domain
        raise AssertionError("unreachable")  # attempt 5 is always unique

    def person(self, chinese: bool, domain: str) -> tuple[str, str]:
        rng = self.rng
        if chinese and rng.random() < 0.9:
            (sn, sp), (gn, gp) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
            return f"{sn}{gn}", f"{gp}.{sp}@{domain}"
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        mail = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        return f"{first} {last}", f"{mail}@{domain}"

    # -- pass 2: one account and everything under it ---------------------------------------------

    def account(self, s: _Skeleton, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        tier, stage = s.tier, s.stage
        industry = rng.choice(INDUSTRIES)
        name, domain = self.company(s, industry)
        std = standard_for(s.motion)
        cadence = self.rules.cadence_days(tier)
        owner = s.owner
        author = owner or self.leads[s.team]
        cn_text = s.chinese and rng.random() < 0.85
        hours = (1, 10) if s.team == "apac" else (7, 17)  # business hours in UTC

        # Lifecycle dates (day offsets from today; negative = past).
        go_live = activated = None
        years = rng.weighted((1, 2, 3, 4), (20, 45, 75, 100))
        if stage is Stage.ONBOARDING:
            created = -rng.randint(3, 75)
            go_live = max(created + 14, rng.randint(-20, 60))
            renewal = created + 365
        elif stage is Stage.ACTIVATION:
            since = {"ontime": (0, 29), "late": (30, 89), "zombie": (90, 240)}[s.activation]
            go_live = -rng.randint(*since)
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
        if s.chinese and s.cny:
            segment = rng.choice(CN_SEGMENTS)
        elif s.chinese:
            segment = rng.choice(CN_USD_SEGMENTS)
        else:
            segment = rng.choice(EMEA_SEGMENTS)
        created_s = self.at(created, rng.randint(hours[0] * 60, hours[1] * 60))
        account_id = self._id(created_s)

        # Propensity to be healthy, 0..1, from the stage's story.
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

        # Seats and ARR.
        arr_usd = round(s.arr / self.rules.cny_per_usd, 2) if s.cny else s.arr
        seats = max(1, round(arr_usd / SEAT_PRICE_USD[s.by_arr] * rng.uniform(0.7, 1.3)))
        if s.override and s.override[0] is OverrideReason.SEATS:
            seats *= 5

        # Contacts.
        lo, hi = CONTACTS_PER_TIER[tier]
        n_contacts = rng.randint(lo, hi)
        titles = TITLES_CN if cn_text else TITLES_EN
        contacts: list[tuple[str, str]] = []  # (id, first name)
        first_contact = len(out["contacts"])
        for k in range(n_contacts):
            if k == 0:
                role = ContactRole.CHAMPION if n_contacts < 3 else ContactRole.SPONSOR
            elif k == 1:
                role = ContactRole.CHAMPION if n_contacts >= 3 else ContactRole.USER
            elif k == n_contacts - 1 and rng.random() < 0.3:
                role = ContactRole.BLOCKER
            else:
                role = ContactRole.USER
            cname, email = self.person(s.chinese, domain)
            if k == 0 and s.name is not None:
                cname = "[i]Ivy[/i] Chen"  # markup in a stakeholder's name
            cid = self._id(created_s + k * 60)
            phone = (
                f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
                if s.chinese
                else f"+44 20 7946 {rng.randint(0, 9999):04d}"
            )
            touched = self.ts(created_s + rng.randint(0, max(1, -created)) * 86400)
            out["contacts"].append(
                (
                    cid,
                    account_id,
                    cname,
                    rng.choice(titles[role]),
                    email,
                    phone,
                    role._value_,
                    touched,
                    None,
                )
            )
            contacts.append((cid, cname.split()[0] if " " in cname else cname))

        # Activities: touches back from the last one, spaced around the cadence.
        summaries = SUMMARIES_CN if cn_text else SUMMARIES_EN
        next_steps = NEXT_STEPS_CN if cn_text else NEXT_STEPS_EN
        features = [FEATURE_CN[f] for f in std.key_features] if cn_text else std.key_features
        start = max(created, -HISTORY_DAYS)
        end = 0
        if stage is Stage.CHURNED:
            end = min(0, renewal + rng.randint(0, 30))
        if cadence is None:
            never = rng.random() < 0.55
            gap = rng.randint(3, 400)
            spacing = (60, 200)
        else:
            never_p = {Tier.STRATEGIC: 0.01, Tier.ENTERPRISE: 0.01, Tier.GROWTH: 0.03}.get(
                tier, 0.06
            )
            if stage is Stage.ONBOARDING:
                never_p = 0.15
            never = rng.random() < never_p
            overdue = rng.random() < 0.22
            gap = cadence + rng.randint(1, cadence) if overdue else rng.randint(0, cadence - 1)
            spacing = (max(3, cadence // 2), cadence + cadence // 4)
        kinds_cum = TOUCH_CUM[tier]
        activity_ids: list[str] = []
        day = end - gap
        last_touch_s: int | None = None
        voice = _Voice(
            account_id=account_id,
            contacts=contacts,
            features=features,
            summaries=summaries,
            next_steps=next_steps,
            sentiment_cum=tuple(accumulate((0.15 + 0.6 * h, 0.55, 0.35 * (1 - h) + 0.03))),
            author=author,
            ids=activity_ids,
            rows=out["activities"],
        )
        if not never:
            while day >= start:
                kind = rng.weighted(TOUCH_KINDS, kinds_cum)
                at_s = self.at(day, rng.randint(hours[0] * 60, hours[1] * 60 - 1))
                if last_touch_s is None or at_s > last_touch_s:
                    last_touch_s = at_s
                self._activity(voice, kind, at_s)
                if rng.random() < 0.12:  # a private note, sometimes after the last touch
                    note_s = self.past(at_s + rng.randint(1, 6) * 86400)
                    self._activity(voice, ActivityKind.NOTE, note_s)
                day -= rng.randint(*spacing)
        elif rng.random() < 0.3 and created < -2:  # never touched, but a note was written
            self._activity(
                voice, ActivityKind.NOTE, self.at(rng.randint(max(start, created + 1), 0), 9 * 60)
            )

        # Current health signals and score.
        days_since = None if last_touch_s is None else self.today_day - last_touch_s // 86400
        # (The aggregated signals drawn here only lend the CSM pulse: health is scored
        # from the raw records of store/demo_signals.py, as after an import.)
        pulse = self._signals(h, seats, std, stage, tier, days_since, cadence).csm_pulse
        story = Story(
            account_id=account_id,
            h=h,
            stage=stage,
            activation=s.activation,
            drop=drop,
            created=created,
            live_from=go_live if go_live is not None and go_live <= 0 else None,
            end=min(0, renewal) if stage is Stage.CHURNED else 0,
            seats=seats,
            tier=tier,
            std=std,
            currency="CNY" if s.cny else "USD",
            arr=s.arr,
            emails=[row[4] for row in out["contacts"][first_contact:]],
            cn_text=cn_text,
            last_touch_s=last_touch_s,
            pulse=pulse,
        )
        signals, current, points = self.sig.signals(story, out)
        out["account_signals"].append(
            (
                account_id,
                self.day_text(0),
                signals.weekly_active_users,
                round(signals.key_actions_per_user_week, 1),
                round(signals.dau_mau, 2),
                round(signals.session_minutes, 1),
                round(signals.messages_per_user_week, 1),
                signals.open_tickets,
                round(signals.avg_response_hours, 1),
                round(signals.volume_trend_pct, 1),
                signals.payment._value_,
                signals.nps,
                None if signals.nps is None else self.sig.nps_on,
                signals.csm_pulse,
            )
        )

        # Snapshots every 30 days back to 18 months, while the account existed.
        mean = 35 + 45 * h
        prev = current
        score_30d = None
        snaps = out["health_snapshots"]
        split = self._split_cache[tier]
        rand = rng.random
        tail = self._snap_tail()
        prefix = self._snap_prefix
        snaps.append((prefix[0] + tail, account_id, self.day_text(0), current, points))
        for k in range(1, min(SNAPSHOTS, 1 + (-created) // SNAPSHOT_EVERY_DAYS)):
            off = -k * SNAPSHOT_EVERY_DAYS
            if k == 1:
                step = 10 + int(rand() * 15) if drop else int(rand() * 13) - 6
            else:
                step = round((mean - prev) * 0.25) + int(rand() * 13) - 6
            prev = value = 0 if prev + step < 0 else 100 if prev + step > 100 else prev + step
            if k == 1:
                score_30d = value
            snaps.append((prefix[k] + tail, account_id, self.day_text(off), value, split[value]))

        # Stage history.
        changed_by = owner or self.leads[s.team]
        moves: list[tuple[int, Stage | None, Stage]] = [(created, None, Stage.ONBOARDING)]
        if stage is not Stage.ONBOARDING and go_live <= 0:
            moves.append((go_live, Stage.ONBOARDING, Stage.ACTIVATION))
        if activated is not None:
            moves.append((activated, Stage.ACTIVATION, Stage.ADOPTION))
            r = created + 365
            while r < renewal and r - 90 <= 0:  # past renewals: renewal window, signed
                if r - 90 < -HISTORY_DAYS:  # older cycles are not kept
                    r += 365
                    continue
                moves.append((r - 90, Stage.ADOPTION, Stage.RENEWAL))
                moves.append((min(0, r + rng.randint(-10, 10)), Stage.RENEWAL, Stage.ADOPTION))
                r += 365
            if stage is Stage.RENEWAL or (stage is Stage.CHURNED and renewal - 90 > activated):
                moves.append((min(0, renewal - 90), Stage.ADOPTION, Stage.RENEWAL))
        if stage is Stage.CHURNED:
            last_stage = moves[-1][2]
            moves.append((min(0, renewal + rng.randint(0, 20)), last_stage, Stage.CHURNED))
        entered_s = created_s
        for day_off, frm, to in moves:
            entered_s = max(entered_s, self.at(day_off, rng.randint(8 * 60, 10 * 60)))
            out["stage_changes"].append(
                (
                    self._id(entered_s),
                    account_id,
                    STAGE_TEXT[frm] if frm else None,
                    STAGE_TEXT[to],
                    self.ts(entered_s),
                    changed_by,
                )
            )

        # Checklist of the current stage, partly ticked.
        if stage is not Stage.CHURNED:
            tick_p = {"late": 0.35, "zombie": 0.2}.get(s.activation, 0.55)
            span = max(1, (self.now_s - entered_s) // 86400)
            stage_text = STAGE_TEXT[stage]
            for item in _checklist(stage, tier):
                done_s = None
                if item.key != "renewal_signed" and rng.random() < tick_p:
                    done_s = self.past(
                        entered_s + rng.randint(0, span) * 86400 + rng.randint(0, 3600)
                    )
                done = None if done_s is None else self.ts(done_s)
                out["checklist_items"].append(
                    (
                        self._id(entered_s),
                        account_id,
                        stage_text,
                        item.key,
                        item.label,
                        int(item.required),
                        done,
                        changed_by if done else None,
                        done or self.ts(entered_s),
                    )
                )

        # Tasks.
        lo, hi = TASKS_PER_TIER[tier]
        n_tasks = rng.randint(lo, hi) if stage is not Stage.CHURNED else 0
        task_owner = owner or self.leads[s.team]
        for _ in range(n_tasks):
            roll = rng.random()
            snoozed = done_s = None
            if roll < 0.45:
                due = -rng.randint(1, 120)
                done_s = self.at(due + rng.randint(-3, 5), rng.randint(9 * 60, 17 * 60))
            elif roll < 0.75:
                due = rng.randint(0, 30)
            elif roll < 0.95:
                due = -rng.randint(1, 45)
            else:
                due = -rng.randint(1, 20)
                snoozed = self.day_text(rng.randint(1, 14))
            made_s = max(created_s, self.at(min(due, 0) - rng.randint(3, 30), 9 * 60))
            done_text = None if done_s is None else self.ts(max(done_s, made_s))
            source = rng.choice(activity_ids) if activity_ids and rng.random() < 0.5 else None
            title = rng.choice(next_steps).format(
                c=contacts[0][1], f=features[0], n=rng.randint(2, 40)
            )
            out["tasks"].append(
                (
                    self._id(made_s),
                    account_id,
                    title,
                    self.day_text(due),
                    snoozed,
                    done_text,
                    task_owner,
                    source,
                    self.ts(made_s),
                    done_text or self.ts(made_s),
                    None,
                )
            )

        # ARR history, and a renewal decision for each past renewal and churn in it.
        first_event = len(out["arr_events"])
        self._arr_events(out["arr_events"], account_id, arr_usd, stage, tier, created,
                         renewal, h)  # fmt: skip
        self.sig.decisions(story, out["arr_events"][first_event:], arr_usd, author,
                           out["renewal_decisions"])  # fmt: skip

        # Prep notes.
        if rng.random() < PREP_NOTE_SHARE[tier] or (s.name is not None and s.name in NASTY_NAMES):
            self._prep_note(out, account_id, s, contacts, features, renewal, cn_text)

        note = s.override[1].format(i=industry[2] if cn_text else industry[0]) if s.override else ""
        if s.override:
            self.sig.override(story, s.override[0]._value_, note, self.leads[s.team],
                              out["tier_overrides"])  # fmt: skip
        out["accounts"].append(
            (
                account_id,
                name,
                "CNY" if s.cny else "USD",
                s.arr,
                arr_usd,
                tier._value_,
                TIER_RANK[tier],
                tier._value_ if s.override else None,
                s.override[0]._value_ if s.override else None,
                note,
                s.motion._value_,
                stage._value_,
                segment,
                industry[0],
                seats,
                None if go_live is None else self.day_text(go_live),
                None if activated is None else self.day_text(activated),
                self.day_text(renewal),
                owner,
                current,
                score_30d,
                None if last_touch_s is None else self.ts(last_touch_s),
                self.ts(created_s),
                self.ts(max(created_s, last_touch_s or created_s)),
                0,
                None,
            )
        )

    def _activity(self, voice: _Voice, kind: ActivityKind, at_s: int) -> None:
        rand = self.rng.random
        contacts = voice.contacts
        cid, first = contacts[int(rand() * len(contacts))] if contacts else ("", "")
        n = 2 + int(rand() * 39)
        f = voice.features[int(rand() * len(voice.features))]
        templates = voice.summaries[kind]
        summary = templates[int(rand() * len(templates))].format(c=first, f=f, n=n)
        if kind is ActivityKind.NOTE:
            nxt, sentiment, who = "", "neutral", "[]"
        else:
            nxt = ""
            if rand() < 0.7:
                nxt = voice.next_steps[int(rand() * len(voice.next_steps))].format(
                    c=first, f=f, n=n
                )
            if kind is ActivityKind.ESCALATION:
                sentiment = "negative" if rand() < 0.7 else "neutral"
            else:
                sentiment = SENTIMENTS[
                    bisect(voice.sentiment_cum, rand() * voice.sentiment_cum[-1])
                ]
            who = f'["{cid}"]' if cid else "[]"
        text = self.ts(at_s)
        aid = self._id(at_s)
        voice.ids.append(aid)
        lo, span = MINUTES_SPAN[kind]
        minutes = lo + int(rand() * span)
        voice.rows.append(
            (
                aid,
                voice.account_id,
                KIND_TEXT[kind],
                text,
                minutes,
                summary,
                nxt,
                sentiment,
                who,
                voice.author,
                text,
                None,
            )
        )

    def _sig_id(self, at_s: int) -> str:
        """`_id` with bits from the signals' own stream."""
        return self._arr_id(at_s, self._sig_bits)

    def _arr_id(self, at_s: int, getbits: Callable[[int], int] | None = None) -> str:
        """`_id` with bits from the ARR history's own stream."""
        bits = (getbits or self._arr_bits)(84)
        ms = at_s * 1000 + (bits >> 74) % 1000
        return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031
            ms >> 16,
            ms & 0xFFFF,
            0x7000 | ((bits >> 62) & 0xFFF),
            0x8000 | ((bits >> 48) & 0x3FFF),
            bits & 0xFFFFFFFFFFFF,
        )

    def _arr_events(
        self,
        rows: list[tuple[Any, ...]],
        account_id: str,
        arr_usd: float,
        stage: Stage,
        tier: Tier,
        created: int,
        renewal: int,
        h: float,
    ) -> None:
        """ARR history consistent with today's ARR and stage (day offsets from today).

        A `new` event when the contract was signed; at each past anniversary in the last
        24 months a renewal (flat, with an uplift, or at a lower price); mid-term
        expansions (likelier for healthy, high-tier accounts) and a few contractions;
        churned accounts end with a `churn` at their renewal date. Values are drawn
        backwards from today's ARR, so the last event's `arr_after_usd` is exactly
        `accounts.arr_usd` (0 for churned accounts, whose `arr_usd` is what they paid
        when they left). A few changes are already signed but take effect later: notices
        of non-renewal for red accounts renewing within 90 days, booked expansions.
        """
        rng = self.arr_rng
        rand = rng.random
        churned = stage is Stage.CHURNED
        end = renewal if churned else 0  # past events happen before this day
        # (day, kind, after/before factor); values are filled in backwards.
        plan: list[tuple[int, str, float]] = []
        used: set[int] = set()  # one event a day, so the order of a day is never in doubt
        expand_p = (0.15 + 0.5 * h) * EXPANSION_TIER_FACTOR[tier]
        contract_p = 0.12 * (1 - h)
        year_start = created
        while year_start < end:
            nxt = year_start + 365
            if year_start > created and year_start >= -ARR_HISTORY_DAYS:
                roll = rand()
                if roll < 0.15 * (1 - h):
                    plan.append((year_start, "renewal", 0.6 + 0.3 * rand()))
                elif roll < 0.15 * (1 - h) + 0.3 + 0.2 * h:
                    plan.append((year_start, "renewal", 1.03 + 0.04 * rand()))
                else:
                    plan.append((year_start, "renewal", 1.0))
            for kind, p, lo, span in (("expansion", expand_p, 1.1, 0.5),
                                      ("contraction", contract_p, 0.6, 0.3)):  # fmt: skip
                if rand() < p:
                    day = year_start + 30 + int(rand() * 300)
                    if -ARR_HISTORY_DAYS <= day < min(end, nxt) and day <= -1 and day not in used:
                        used.add(day)
                        plan.append((day, kind, lo + span * rand()))
            year_start = nxt
        plan.sort()
        at = self.at
        ts = self.ts
        day_text = self.day_text
        cur = arr_usd
        out: list[tuple[Any, ...]] = []
        if churned:
            at_s = at(renewal, 9 * 60 + int(rand() * 480))
            out.append((self._arr_id(at_s), account_id, day_text(renewal), "churn", cur, 0.0,
                        ts(at_s)))  # fmt: skip
        for day, kind, factor in reversed(plan):
            before = max(1.0, float(round(cur / factor)))
            if factor == 1.0:
                before = cur
            at_s = at(day, 9 * 60 + int(rand() * 480))
            out.append((self._arr_id(at_s), account_id, day_text(day), kind, before, cur,
                        ts(at_s)))  # fmt: skip
            cur = before
        at_s = at(created, 9 * 60 + int(rand() * 480))
        out.append((self._arr_id(at_s), account_id, day_text(created), "new", 0.0, cur,
                    ts(at_s)))  # fmt: skip
        # Signed, not yet effective.
        signed_s = self.now_s - (1 + int(rand() * 20)) * 86400
        if stage is Stage.RENEWAL and 0 < renewal <= 90 and h < 0.3 and rand() < 0.5:
            out.append((self._arr_id(signed_s), account_id, day_text(renewal), "churn",
                        arr_usd, 0.0, ts(signed_s)))  # fmt: skip
        elif stage is Stage.ADOPTION and h > 0.7 and rand() < 0.04:
            day = 1 + int(rand() * 60)
            after = float(round(arr_usd * (1.1 + 0.3 * rand())))
            out.append((self._arr_id(signed_s), account_id, day_text(day), "expansion",
                        arr_usd, after, ts(signed_s)))  # fmt: skip
        rows.extend(out)

    def _signals(
        self,
        h: float,
        seats: int,
        std: ActivityStandard,
        stage: Stage,
        tier: Tier,
        days_since: int | None,
        cadence: int | None,
    ) -> HealthSignals:
        rng = self.rng

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

    def _prep_note(
        self,
        out: dict[str, list[tuple[Any, ...]]],
        account_id: str,
        s: _Skeleton,
        contacts: list[tuple[str, str]],
        features: Sequence[str],
        renewal: int,
        cn_text: bool,
    ) -> None:
        rng = self.rng
        names = [c[1] for c in contacts] or ["—"]
        when = self.day_text(renewal)
        if cn_text:
            body = (
                f"## 目标\n- {features[0]}使用率在续约（{when}）前达标\n\n"
                f"## 关键人\n- {names[0]}\n- {names[-1]}\n\n"
                f"## 注意\n- 询问扩容计划，约{rng.randint(5, 80)}个席位\n"
            )
        else:
            body = (
                f"## Goals\n- Get {features[0]} adoption to standard before renewal ({when})\n\n"
                f"## Stakeholders\n- {names[0]}\n- {names[-1]}\n\n"
                f"## Watch\n- Ask about expansion: about {rng.randint(5, 80)} seats\n"
            )
        if s.name is not None and s.name in NASTY_NAMES:
            body += "- [red]Don't[/] mention the outage \x1b[31m(still sore)\x1b[0m\n"
        at = self.now_s - rng.randint(1, 30) * 86400
        out["prep_notes"].append((self._id(at), account_id, body, self.ts(at)))


@functools.cache
def _checklist(stage: Stage, tier: Tier) -> tuple[ChecklistTemplateItem, ...]:
    return checklist_template(stage, tier)


def _utc_date(unix_s: int) -> date:
    return date(1970, 1, 1) + timedelta(days=unix_s // 86400)


INSERTS = {
    "teams": "INSERT INTO teams (id, name) VALUES (?, ?)",
    "users": "INSERT INTO users (id, name, email, role, team_id) VALUES (?, ?, ?, ?, ?)",
    "accounts": (
        "INSERT INTO accounts (id, name, currency, arr, arr_usd, tier, tier_rank, tier_override,"
        " tier_override_reason, tier_override_note, sales_motion, stage, segment, industry,"
        " seats, go_live_date, activated_on, renewal_date, owner_id, health_score,"
        " health_score_30d, last_touch_at, created_at, updated_at, version, deleted_at)"
        " VALUES (" + ", ".join("?" * 26) + ")"
    ),
    "account_signals": (
        "INSERT INTO account_signals (account_id, measured_on, weekly_active_users,"
        " key_actions_per_user_week, dau_mau, session_minutes, messages_per_user_week,"
        " open_tickets, avg_response_hours, volume_trend_pct, payment, nps, nps_on, csm_pulse)"
        " VALUES (" + ", ".join("?" * 14) + ")"
    ),
    "contacts": (
        "INSERT INTO contacts (id, account_id, name, title, email, phone, role, updated_at,"
        " deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "activities": (
        "INSERT INTO activities (id, account_id, kind, occurred_at, minutes, summary,"
        " next_steps, sentiment, contact_ids, author_id, created_at, deleted_at)"
        " VALUES (" + ", ".join("?" * 12) + ")"
    ),
    "health_snapshots": (
        "INSERT INTO health_snapshots (id, account_id, taken_on, score, components)"
        " VALUES (?, ?, ?, ?, ?)"
    ),
    "stage_changes": (
        "INSERT INTO stage_changes (id, account_id, from_stage, to_stage, changed_at,"
        " changed_by) VALUES (?, ?, ?, ?, ?, ?)"
    ),
    "checklist_items": (
        "INSERT INTO checklist_items (id, account_id, stage, item_key, label, required,"
        " done_at, done_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "tasks": (
        "INSERT INTO tasks (id, account_id, title, due_on, snoozed_until, done_at, owner_id,"
        " source_activity_id, created_at, updated_at, deleted_at)"
        " VALUES (" + ", ".join("?" * 11) + ")"
    ),
    "prep_notes": "INSERT INTO prep_notes (id, account_id, body, updated_at) VALUES (?, ?, ?, ?)",
    "arr_events": (
        "INSERT INTO arr_events (id, account_id, effective_on, kind, arr_before_usd,"
        " arr_after_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    **SIGNAL_INSERTS,
}
# Parents before children (foreign keys). People and teams are written once, first.
TABLE_ORDER = tuple(t for t in INSERTS if t not in ("teams", "users"))
WRITE_ORDER = tuple(INSERTS)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class _BookFile:
    """The side file a book is written to: one transaction, bulk inserts, indexes last."""

    def __init__(self, side: Path) -> None:
        self.conn = sqlite3.connect(side, isolation_level=None)
        try:
            conn = self.conn
            conn.execute("PRAGMA journal_mode = OFF")  # a side file: all or nothing anyway
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -262144")  # 256 MiB, released on close
            conn.execute("PRAGMA temp_store = MEMORY")
            migrate(conn)
            # Bulk load without secondary indexes, then build each once.
            self.indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "ORDER BY name"
            ).fetchall()
            conn.execute("BEGIN")
            for name, _sql in self.indexes:
                conn.execute(f"DROP INDEX {name}")
        except BaseException:
            self.conn.close()
            raise

    def write(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        for table in WRITE_ORDER:
            rows = batch.get(table)
            if rows:
                rows.sort()  # by id: the primary-key index fills with far fewer page hops
                self.conn.executemany(INSERTS[table], rows)

    def finish(self, meta: list[tuple[str, str]]) -> None:
        conn = self.conn
        for _name, sql in self.indexes:
            conn.execute(sql)
        conn.executemany('INSERT INTO cache_meta ("key", value) VALUES (?, ?)', meta)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA optimize")
        conn.close()

    def close(self) -> None:
        self.conn.close()


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("the demo book builder went away")
    return data


def _write_from_stdin(side: str) -> None:
    """The writer process: length-prefixed pickled batches on stdin, written in order."""
    gc.disable()
    stdin = sys.stdin.buffer
    book = _BookFile(Path(side))
    try:
        while True:
            size = int.from_bytes(_read_exactly(stdin, 8), "big")
            kind, payload = pickle.loads(_read_exactly(stdin, size))
            if kind == "rows":
                book.write(payload)
            else:
                book.finish(payload)
                return
    except BaseException:
        book.close()
        raise


class _InlineWriter:
    """Writes in this process (small books: no process start-up to pay for)."""

    def __init__(self, side: Path) -> None:
        self.book = _BookFile(side)

    def put(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        self.book.write(batch)

    def finish(self, meta: list[tuple[str, str]]) -> None:
        self.book.finish(meta)

    def abort(self) -> None:
        self.book.close()


class _ProcessWriter:
    """Writes in a child process, so SQLite works on one core while the next batch is
    generated on the other. Batches travel pickled, in order: the file is the same."""

    def __init__(self, side: Path) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(side)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        stdin, stderr = self.process.stdin, self.process.stderr
        assert stdin is not None and stderr is not None  # (both PIPEs)
        self.stdin, self.stderr = stdin, stderr

    def _send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.stdin.write(len(data).to_bytes(8, "big"))
            self.stdin.write(data)
        except (BrokenPipeError, OSError):
            self._raise_child_error()

    def _raise_child_error(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        _out, err = self.process.communicate(timeout=60)
        detail = err.decode("utf-8", "replace").strip()
        raise RuntimeError(f"the demo book writer failed (exit {self.process.returncode}):\n"
                           f"{detail}")  # fmt: skip

    def put(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        self._send(("rows", batch))

    def finish(self, meta: list[tuple[str, str]]) -> None:
        self._send(("done", meta))
        try:
            self.stdin.close()
        except OSError:
            self._raise_child_error()
        err = self.stderr.read()
        if self.process.wait() != 0:
            detail = err.decode("utf-8", "replace").strip()
            raise RuntimeError(
                f"the demo book writer failed (exit {self.process.returncode}):\n{detail}"
            )
        self.stderr.close()

    def abort(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


_CHILD_CODE = (
    "import sys\nfrom csm_tui.store.demo import _write_from_stdin\n_write_from_stdin(sys.argv[1])\n"
)


def build_demo_book(
    path: Path,
    accounts: int = 300,
    seed: int = 7,
    *,
    now: datetime,
    progress: Callable[[str], None] | None = None,
    replace: bool = False,
) -> DemoSummary:
    """Build a demo book of `accounts` accounts at `path`, as of `now` (timezone-aware).

    Refuses to overwrite an existing file unless `replace=True`. The book is written to
    `<path>.building` and moved into place only when complete, so a crash never leaves a
    half-built cache at `path`. `progress`, if given, receives short phase messages.
    Books of `PROCESS_WRITER_FROM` accounts or more are written by a helper process.
    """
    return _build(path, accounts, seed, now=now, progress=progress, replace=replace,
                  in_process=accounts < PROCESS_WRITER_FROM or not sys.executable)  # fmt: skip


def _build(
    path: Path,
    accounts: int,
    seed: int,
    *,
    now: datetime,
    progress: Callable[[str], None] | None,
    replace: bool,
    in_process: bool,
) -> DemoSummary:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise ValueError(f"accounts must be between 1 and {MAX_ACCOUNTS:,}")
    path = Path(path)
    if path.exists() and not replace:
        raise FileExistsError(f"{path} exists; pass replace=True to overwrite it")
    say = progress or (lambda _msg: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    side = path.with_name(path.name + ".building")
    _remove_db(side)
    make_private(side)  # an empty file, 0600: SQLite keeps its mode (and its WAL's)

    builder = _Builder(accounts, seed, now)
    say("people and teams")
    teams, users = builder.users()
    say("planning accounts")
    skeletons = builder.skeletons()
    me_id = builder.people[ME]
    book_name = f"Demo book ({accounts:,} accounts, seed {seed})"
    meta = [
        (META_DATA_AS_OF, to_db(now)),
        (META_ME, me_id),
        (META_BOOK_NAME, book_name),
        ("demo_seed", str(seed)),
    ]
    counts = dict.fromkeys(TABLE_ORDER, 0)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples; the collector only slows the build
    writer: _InlineWriter | _ProcessWriter | None = None
    try:
        writer = _InlineWriter(side) if in_process else _ProcessWriter(side)
        writer.put({"teams": teams, "users": users})
        batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLE_ORDER}
        for i, skel in enumerate(skeletons, 1):
            builder.account(skel, batch)
            if i % BATCH_ACCOUNTS == 0 or i == accounts:
                for table in TABLE_ORDER:
                    counts[table] += len(batch[table])
                writer.put(batch)
                batch = {t: [] for t in TABLE_ORDER}
                say(f"accounts {i:,}/{accounts:,}")
        say("indexing")
        writer.finish(meta)
    except BaseException:
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.abort()
        _remove_db(side)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
    if replace:
        _remove_db(path)
    os.replace(side, path)
    counts["teams"], counts["users"] = len(teams), len(users)
    say("done")
    return DemoSummary(
        path=path,
        accounts=accounts,
        seed=seed,
        data_as_of=now,
        me_id=me_id,
        me_name=next(p[1] for p in PEOPLE if p[0] == ME),
        book_name=book_name,
        rows=counts,
    )
