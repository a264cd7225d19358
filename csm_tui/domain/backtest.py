"""Health that proves itself: the score back-tested against renewal outcomes (spec 2).

For every renewal decision in a period, the account's health band N days before the
decision is set against what happened: renewed (flat or up), downsell (renewed down) or
churned. A win-back is not a renewal of a live account and is left out. Per band: how many
decisions, how many churned (churn rate) and their ARR; over all: the share of churned ARR
that was red or yellow N days before, and a rank measure — the AUC.

AUC (Mann–Whitney): the chance that an account that renewed (downsell included) had a
higher score than one that churned, ties counting half. 1.0: the score ranks every renewal
above every churn; 0.5: no better than a coin; below 0.5: backwards. With ranks r_i of
all scored decisions (ties get their average rank) and n_k kept, n_c churned::

    U   = Σ r_i over kept decisions − n_k (n_k + 1) / 2
    AUC = U / (n_k · n_c)

A decision whose account had no score N days before ("no score then") is counted apart
and left out of the bands and the AUC. Each result is given over all decisions, per tier
(the account's tier on the decision's day) and per sales motion.

Weights: a snapshot keeps each component's points under the weights it was scored with.
`rescore` turns points back into each component's value (points / weight, 0..1) and
weighs them again with other weights, so changing weights in the settings and re-running
says whether the score would have predicted better. Points are whole numbers, so a
re-weighted score can differ from an exact re-scoring by up to half a point per component;
a component scored with weight 0 has no recorded value and counts neutral (0.5).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from csm_tui.domain.errors import MessageError, said_of, table_expected, whole_number_expected
from csm_tui.domain.health import (
    DEFAULT_WEIGHTS,
    NEUTRAL,
    Band,
    Component,
    band_for,
    validate_weights,
)
from csm_tui.domain.tiers import TIER_ORDER, Tier
from csm_tui.i18n import N_, Message

DEFAULT_DAYS_BEFORE = 90
SNAPSHOT_MAX_AGE_DAYS = 45  # the score "N days before" is the latest snapshot this fresh
BANDS: tuple[Band, ...] = (Band.RED, Band.YELLOW, Band.GREEN)


class Outcome(StrEnum):
    RENEWED = "renewed"  # flat or up
    DOWNSELL = "downsell"  # renewed for less
    CHURNED = "churned"

    @classmethod
    def of(cls, outcome: str, direction: str) -> Outcome | None:
        """The back-test outcome of a recorded decision (domain.renewals values); None
        for a win-back."""
        if outcome == "churned":
            return cls.CHURNED
        if outcome == "renewed":
            return cls.DOWNSELL if direction == "down" else cls.RENEWED
        return None


@dataclass(frozen=True)
class BacktestCase:
    """One renewal decision with the account's health N days before it — or `count` alike
    ones (same tier, motion, outcome and score; `arr_before` and `arr_after` their sums),
    as the store hands them over from SQL."""

    account_id: str
    decided_on: date
    outcome: Outcome
    arr_before: float  # USD-equivalent, the ARR up for renewal
    arr_after: float
    tier: Tier  # on the decision's day
    motion: str  # domain.motion.SalesMotion value, "" when unknown
    score: int | None  # None: no score N days before
    components: Mapping[str, int] = field(default_factory=dict)  # points per component
    count: int = 1
    rescored: int | None = None  # the score under other weights, when the store worked it out

    @property
    def band(self) -> Band | None:
        return None if self.score is None else band_for(self.score)


@dataclass(frozen=True)
class BandResult:
    band: Band
    decisions: int = 0
    renewed: int = 0
    downsell: int = 0
    churned: int = 0
    arr: float = 0.0  # ARR up for renewal
    churned_arr: float = 0.0

    @property
    def churn_rate(self) -> float | None:
        return None if not self.decisions else self.churned / self.decisions


@dataclass(frozen=True)
class BacktestGroup:
    """The back-test of one group of decisions (all, a tier or a sales motion)."""

    key: str  # "all", a Tier value or a SalesMotion value
    bands: tuple[BandResult, ...]
    unscored: int = 0  # decisions with no score N days before
    unscored_churned: int = 0
    auc: float | None = None  # None: no churned or no kept decision scored

    @property
    def decisions(self) -> int:
        return sum(b.decisions for b in self.bands) + self.unscored

    @property
    def scored(self) -> int:
        return sum(b.decisions for b in self.bands)

    @property
    def churned(self) -> int:
        return sum(b.churned for b in self.bands)

    @property
    def churned_arr(self) -> float:
        return sum(b.churned_arr for b in self.bands)

    def band(self, band: Band) -> BandResult:
        return next(b for b in self.bands if b.band is band)

    @property
    def churn_rate(self) -> float | None:
        return None if not self.scored else self.churned / self.scored

    @property
    def churned_arr_warned(self) -> float | None:
        """Share of the churned ARR (scored decisions) that was red or yellow N days
        before; None when nothing scored churned."""
        total = self.churned_arr
        if total <= 0:
            return None
        warned = self.band(Band.RED).churned_arr + self.band(Band.YELLOW).churned_arr
        return warned / total


@dataclass(frozen=True)
class BacktestReport:
    days_before: int
    start: date  # decisions after `start` ...
    end: date  # ... up to and including `end`
    overall: BacktestGroup
    by_tier: tuple[BacktestGroup, ...]  # tiers that had decisions, in tier order
    by_motion: tuple[BacktestGroup, ...]  # motions that had decisions, by value
    weights: str = "recorded"  # "recorded": scores as taken; "settings": re-weighted
    recorded_auc: float | None = None  # the AUC of the scores as taken (weights "settings")


def auc(scores_kept: Iterable[float], scores_churned: Iterable[float]) -> float | None:
    """Mann–Whitney AUC: P(kept score > churned score), ties half (see the module doc)."""
    return auc_of_counts(Counter(scores_kept), Counter(scores_churned))


def auc_of_counts(kept: Mapping[float, int], churned: Mapping[float, int]) -> float | None:
    """`auc` from how many kept and churned decisions had each score.

    The rank sum walked score by score, lowest first: a kept decision at score s outranks
    every churned one below s and half of those at s, so U = Σ_s kept(s) × (churned below
    s + churned(s) / 2) — the same U as Σ ranks − n_k (n_k + 1) / 2 with average ranks."""
    n_k, n_c = sum(kept.values()), sum(churned.values())
    if not n_k or not n_c:
        return None
    u = 0.0
    below = 0
    for score in sorted(set(kept) | set(churned)):
        lost_here = churned.get(score, 0)
        u += kept.get(score, 0) * (below + lost_here / 2)
        below += lost_here
    return u / (n_k * n_c)


def rescore(
    components: Mapping[str, int],
    tier: Tier,
    weights: Mapping[Tier, Mapping[Component, int]],
    recorded_with: Mapping[Tier, Mapping[Component, int]] = DEFAULT_WEIGHTS,
) -> int | None:
    """The score of a snapshot's `components` (points per component) under `weights`.

    Each component's value is its points over the weight it was scored with
    (`recorded_with`), held to 0..1; one scored with weight 0 counts neutral. None when
    the snapshot kept no components.
    """
    if not components:
        return None
    old, new = recorded_with[tier], weights[tier]
    total = 0.0
    for component in Component:
        before = old[component]
        points = components.get(component.value)
        value = NEUTRAL
        if before > 0 and points is not None:
            value = max(0.0, min(1.0, points / before))
        total += new[component] * value
    return math.floor(total + 0.5 + 1e-9)


def _group(key: str, cases: list[BacktestCase]) -> BacktestGroup:
    counts = {band: [0, 0, 0, 0] for band in BANDS}  # decisions, renewed, down, churned
    arrs = {band: [0.0, 0.0] for band in BANDS}  # up for renewal, churned
    unscored = unscored_churned = 0
    kept: Counter[float] = Counter()
    lost: Counter[float] = Counter()
    for case in cases:
        n = case.count
        if case.score is None:
            unscored += n
            unscored_churned += n if case.outcome is Outcome.CHURNED else 0
            continue
        row, arr = counts[band_for(case.score)], arrs[band_for(case.score)]
        row[0] += n
        arr[0] += case.arr_before
        if case.outcome is Outcome.CHURNED:
            row[3] += n
            arr[1] += case.arr_before
            lost[case.score] += n
        else:
            row[1 if case.outcome is Outcome.RENEWED else 2] += n
            kept[case.score] += n
    bands = tuple(
        BandResult(band, n, renewed, down, churned, *arrs[band])
        for band, (n, renewed, down, churned) in counts.items()
    )
    return BacktestGroup(key, bands, unscored, unscored_churned, auc_of_counts(kept, lost))


def backtest(
    cases: Iterable[BacktestCase],
    days_before: int,
    start: date,
    end: date,
    weights: Mapping[Tier, Mapping[Component, int]] | None = None,
) -> BacktestReport:
    """The back-test of `cases` (see the module doc). With `weights`, each case's score is
    its snapshot re-weighted (`rescore`; a snapshot without components keeps its score)
    and the report also gives the AUC of the scores as taken."""
    cases = list(cases)
    recorded_auc = None
    if weights is not None:
        validate_weights(weights)
        recorded_auc = _group("all", cases).auc
        cases = [_reweighed(case, weights) for case in cases]
    by_tier: dict[Tier, list[BacktestCase]] = {}
    by_motion: dict[str, list[BacktestCase]] = {}
    for case in cases:
        by_tier.setdefault(case.tier, []).append(case)
        by_motion.setdefault(case.motion, []).append(case)
    return BacktestReport(
        days_before=days_before,
        start=start,
        end=end,
        overall=_group("all", cases),
        by_tier=tuple(_group(t.value, by_tier[t]) for t in TIER_ORDER if t in by_tier),
        by_motion=tuple(_group(m, by_motion[m]) for m in sorted(by_motion)),
        weights="recorded" if weights is None else "settings",
        recorded_auc=recorded_auc,
    )


def _reweighed(case: BacktestCase, weights: Mapping[Tier, Mapping[Component, int]]) -> BacktestCase:
    if case.score is None:
        return case
    score = case.rescored
    if score is None:
        score = rescore(case.components, case.tier, weights)
    return case if score is None else replace(case, score=score, rescored=score)


def weights_from_mapping(data: Mapping[str, object]) -> dict[Tier, dict[Component, int]] | None:
    """Health weights from the settings' ``[health.weights.<tier>]`` tables, e.g.::

        [health.weights.strategic]
        usage = 40
        engagement = 10

    A tier left out keeps its default row; a row names any components, the others keep
    their defaults, and each row must add up to 100. None when no weights are given.
    Mistakes raise `MessageError` (a `ValueError`) whose words name the tier and the key.
    """
    if not data:
        return None
    out: dict[Tier, dict[Component, int]] = {t: dict(DEFAULT_WEIGHTS[t]) for t in Tier}
    tiers = {t.value: t for t in Tier}
    names = {c.value: c for c in Component}
    for tier_key, row in data.items():
        tier = tiers.get(tier_key)
        if tier is None:
            raise MessageError(
                said_of(
                    "health.weights",
                    Message.of(
                        N_("unknown tier {text}; expected one of {choices}"),
                        text=repr(tier_key),
                        choices=", ".join(t.value for t in Tier),
                    ),
                )
            )
        if not isinstance(row, Mapping):
            raise MessageError(table_expected(f"health.weights.{tier_key}"))
        for key, value in row.items():
            component = names.get(key)
            if component is None:
                raise MessageError(
                    said_of(
                        f"health.weights.{tier_key}",
                        Message.of(
                            N_("unknown component {text}; expected one of {choices}"),
                            text=repr(key),
                            choices=", ".join(c.value for c in Component),
                        ),
                    )
                )
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise MessageError(whole_number_expected(f"health.weights.{tier_key}.{key}", value))
            out[tier][component] = value
        total = sum(out[tier].values())
        if total != 100:
            raise MessageError(
                Message.of(
                    N_("{key} must add up to 100; they add up to {total}"),
                    key=f"health.weights.{tier_key}",
                    total=total,
                )
            )
    return out
