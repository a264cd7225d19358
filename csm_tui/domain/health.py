"""Health score: 0–100, weighted per tier, explainable, with a trend (seeds 000, 003).

Every component is normalised to 0..1 against a standard (the account's activity standard
for usage, the tier's cadence for engagement, ...), multiplied by the tier's weight, and the
points add up to the score. Missing data counts as neutral (0.5) and says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from csm_tui.domain.motion import ActivityStandard, Feature
from csm_tui.domain.tiers import Tier


class Component(StrEnum):
    USAGE = "usage"
    SUPPORT = "support"
    ENGAGEMENT = "engagement"
    OUTCOME = "outcome"
    COMMERCIAL = "commercial"
    SENTIMENT = "sentiment"

    @property
    def label(self) -> str:
        return {
            "usage": "Product usage",
            "support": "Support",
            "engagement": "Engagement",
            "outcome": "Business outcome",
            "commercial": "Commercial",
            "sentiment": "Sentiment",
        }[self.value]


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


def band_for(score: float) -> Band:
    if score < 40:
        return Band.RED
    if score < 70:
        return Band.YELLOW
    return Band.GREEN


class PaymentStatus(StrEnum):
    CURRENT = "current"
    LATE = "late"  # up to 30 days late
    OVERDUE = "overdue"  # more than 30 days late
    COLLECTIONS = "collections"

    @property
    def value01(self) -> float:
        return {"current": 1.0, "late": 0.6, "overdue": 0.2, "collections": 0.0}[self.value]


# Weights per tier, each row adds up to 100. High-touch tiers weigh the relationship
# (engagement, sentiment); low-touch tiers weigh what the product tells (usage).
DEFAULT_WEIGHTS: dict[Tier, dict[Component, int]] = {
    Tier.STRATEGIC: {
        Component.USAGE: 30,
        Component.SUPPORT: 10,
        Component.ENGAGEMENT: 20,
        Component.OUTCOME: 15,
        Component.COMMERCIAL: 10,
        Component.SENTIMENT: 15,
    },
    Tier.ENTERPRISE: {
        Component.USAGE: 35,
        Component.SUPPORT: 10,
        Component.ENGAGEMENT: 15,
        Component.OUTCOME: 15,
        Component.COMMERCIAL: 10,
        Component.SENTIMENT: 15,
    },
    Tier.GROWTH: {
        Component.USAGE: 40,
        Component.SUPPORT: 10,
        Component.ENGAGEMENT: 10,
        Component.OUTCOME: 15,
        Component.COMMERCIAL: 15,
        Component.SENTIMENT: 10,
    },
    Tier.SCALE: {
        Component.USAGE: 50,
        Component.SUPPORT: 10,
        Component.ENGAGEMENT: 5,
        Component.OUTCOME: 15,
        Component.COMMERCIAL: 15,
        Component.SENTIMENT: 5,
    },
    Tier.SELF_SERVE: {
        Component.USAGE: 55,
        Component.SUPPORT: 15,
        Component.ENGAGEMENT: 0,
        Component.OUTCOME: 10,
        Component.COMMERCIAL: 15,
        Component.SENTIMENT: 5,
    },
}


@dataclass(frozen=True)
class HealthSignals:
    """The raw inputs of one account's health, as of one day."""

    seats: int
    weekly_active_users: int
    key_actions_per_user_week: float
    dau_mau: float
    session_minutes: float
    messages_per_user_week: float
    open_tickets: int
    avg_response_hours: float
    days_since_touch: int | None  # None: never touched
    cadence_days: int | None  # the tier's cadence; None: no cadence
    volume_trend_pct: float  # business volume change over 90 days, in %
    payment: PaymentStatus
    nps: int | None  # account NPS, -100..100
    csm_pulse: int | None  # the CSM's gut feeling, 1..5
    # Each feature's uses per active user per week, measured separately (from weekly
    # usage records). None: the source counts only "key actions" in total
    # (`key_actions_per_user_week`), judged against the standard's features together.
    feature_use: tuple[tuple[Feature, float], ...] | None = None
    csat: float | None = None  # mean CSAT, 1..5
    missing: frozenset[Component] = frozenset()  # no data: scored neutral, and said so
    # Where each component's inputs came from and as of which day.
    provenance: tuple[tuple[Component, str, date | None], ...] = ()

    @property
    def login_rate(self) -> float:
        return 0.0 if self.seats <= 0 else min(1.0, self.weekly_active_users / self.seats)

    def use_of(self, feature: Feature) -> float:
        for f, value in self.feature_use or ():
            if f is feature:
                return value
        return 0.0

    def source_of(self, component: Component) -> tuple[str, date | None]:
        for c, source, as_of in self.provenance:
            if c is component:
                return source, as_of
        return "", None


@dataclass(frozen=True)
class Measure:
    """One sub-measure of a component: raw value against its standard."""

    name: str
    raw: str
    standard: str
    value: float  # 0..1
    judged: bool = True  # False: shown for the record, not part of the standard


@dataclass(frozen=True)
class ComponentScore:
    component: Component
    raw: str
    standard: str
    weight: int
    value: float  # 0..1
    points: int  # integer share of the score; all points add up to it
    measures: tuple[Measure, ...] = ()
    source: str = ""  # where the inputs came from ("mixpanel", "activity log")
    as_of: date | None = None  # the day of the latest input

    @property
    def exact_points(self) -> float:
        return self.weight * self.value

    @property
    def lost_points(self) -> float:
        return self.weight - self.exact_points


@dataclass(frozen=True)
class HealthScore:
    score: int
    components: tuple[ComponentScore, ...] = field(default=())

    @property
    def band(self) -> Band:
        return band_for(self.score)

    def weakest(self, n: int = 2) -> tuple[ComponentScore, ...]:
        """Up to `n` components that cost the most points, worst first (for call prep).

        A component that lost nothing is no weakness: a perfect account has none.
        """
        weighted = [c for c in self.components if c.weight > 0 and c.lost_points > 1e-9]
        return tuple(sorted(weighted, key=lambda c: (-c.lost_points, c.component.value))[:n])

    def explain(self) -> list[str]:
        return [
            f"{c.component.label}: {c.raw} vs {c.standard} → {c.points}/{c.weight}"
            for c in self.components
        ]


def _ratio(value: float, target: float) -> float:
    if target <= 0:
        return 1.0
    return _clamp(value / target)


def _clamp(value: float) -> float:
    """`value` held to 0..1; NaN (a broken signal) counts as 0, never as perfect."""
    if value != value or value <= 0.0:
        return 0.0
    return 1.0 if value >= 1.0 else value


NEUTRAL = 0.5


USAGE_WEIGHTS = (0.25, 0.30, 0.15, 0.15, 0.15)  # login, features, DAU/MAU, session, messages


def _usage_value(s: HealthSignals, std: ActivityStandard) -> float:
    """The usage component's 0..1 value: what `_usage` explains, without the words."""
    w_login, w_features, w_dau, w_session, w_messages = USAGE_WEIGHTS
    login = _ratio(s.login_rate, std.login_rate_target)
    if s.feature_use is None:
        features = _ratio(s.key_actions_per_user_week, std.key_actions_per_user_week)
    elif std.features:
        use = dict(s.feature_use)
        features = sum(_ratio(use.get(t.feature, 0.0), t.per_user_week) for t in std.features)
        features /= len(std.features)
    else:
        features = 1.0
    return (
        w_login * login
        + w_features * features
        + w_dau * _ratio(s.dau_mau, std.dau_mau_target)
        + w_session * _ratio(s.session_minutes, std.session_minutes_target)
        + w_messages * _ratio(s.messages_per_user_week, std.messages_per_user_week)
    )


def _usage(s: HealthSignals, std: ActivityStandard) -> tuple[float, str, str, tuple]:
    if s.feature_use is not None:
        return _usage_by_feature(s, std)
    features = " + ".join(std.key_features)
    measures = (
        Measure(
            "login rate",
            f"{s.login_rate:.0%}",
            f"{std.login_rate_target:.0%}",
            _ratio(s.login_rate, std.login_rate_target),
        ),
        Measure(
            f"{features} use",
            f"{s.key_actions_per_user_week:.1f}/user/wk",
            f"{std.key_actions_per_user_week:g}",
            _ratio(s.key_actions_per_user_week, std.key_actions_per_user_week),
        ),
        Measure(
            "DAU/MAU",
            f"{s.dau_mau:.0%}",
            f"{std.dau_mau_target:.0%}",
            _ratio(s.dau_mau, std.dau_mau_target),
        ),
        Measure(
            "session length",
            f"{s.session_minutes:.0f} min",
            f"{std.session_minutes_target:g} min",
            _ratio(s.session_minutes, std.session_minutes_target),
        ),
        Measure(
            "messages",
            f"{s.messages_per_user_week:.0f}/user/wk",
            f"{std.messages_per_user_week:g}",
            _ratio(s.messages_per_user_week, std.messages_per_user_week),
        ),
    )
    value = _usage_value(s, std)
    raw = f"login {s.login_rate:.0%}, {features} {s.key_actions_per_user_week:.1f}/user/wk"
    standard = (
        f"{std.motion.label} standard: login {std.login_rate_target:.0%}, "
        f"{std.key_actions_per_user_week:g}/user/wk"
    )
    return value, raw, standard, measures


def _usage_by_feature(s: HealthSignals, std: ActivityStandard) -> tuple[float, str, str, tuple]:
    """Each judged feature against its own target; they share the features' weight."""
    login = Measure(
        "login rate",
        f"{s.login_rate:.0%}",
        f"{std.login_rate_target:.0%}",
        _ratio(s.login_rate, std.login_rate_target),
    )
    judged = tuple(
        Measure(
            t.feature.label,
            f"{s.use_of(t.feature):.1f}/user/wk",
            f"{t.per_user_week:g}",
            _ratio(s.use_of(t.feature), t.per_user_week),
        )
        for t in std.features
    )
    others = (
        Measure(
            "DAU/MAU", f"{s.dau_mau:.0%}", f"{std.dau_mau_target:.0%}",
            _ratio(s.dau_mau, std.dau_mau_target),
        ),
        Measure(
            "session length", f"{s.session_minutes:.0f} min",
            f"{std.session_minutes_target:g} min",
            _ratio(s.session_minutes, std.session_minutes_target),
        ),
        Measure(
            "messages", f"{s.messages_per_user_week:.0f}/user/wk",
            f"{std.messages_per_user_week:g}",
            _ratio(s.messages_per_user_week, std.messages_per_user_week),
        ),
    )  # fmt: skip
    judged_features = {t.feature for t in std.features}
    unjudged = tuple(
        Measure(f.label, f"{s.use_of(f):.1f}/user/wk", "not in this standard", 0.0, judged=False)
        for f in (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)
        if f not in judged_features
    )
    value = _usage_value(s, std)
    raw = ", ".join([f"login {s.login_rate:.0%}", *(f"{m.name} {m.raw}" for m in judged)])
    standard = f"{std.motion.label} standard: " + ", ".join(
        [f"login {std.login_rate_target:.0%}", *(f"{m.name} {m.standard}" for m in judged)]
    )
    return value, raw, standard, (login, *judged, *others, *unjudged)


def _support_parts(s: HealthSignals) -> tuple[float, float]:
    tickets = 1.0 / (1.0 + max(0, s.open_tickets) / 2.0)
    response = _clamp(1.0 - (s.avg_response_hours - 4.0) / 44.0)  # NaN: 0, not perfect
    return tickets, response


def _support(s: HealthSignals) -> tuple[float, str, str, tuple]:
    tickets, response = _support_parts(s)
    measures = (
        Measure("open tickets", str(s.open_tickets), "0", tickets),
        Measure("response time", f"{s.avg_response_hours:.0f} h", "≤ 4 h", response),
    )
    return (
        (tickets + response) / 2,
        f"{s.open_tickets} open tickets, {s.avg_response_hours:.0f} h response",
        "0 tickets, ≤ 4 h",
        measures,
    )


def _engagement_value(s: HealthSignals) -> float:
    if s.cadence_days is None or s.cadence_days <= 0:
        return 1.0
    if s.days_since_touch is None:
        return 0.0
    over = s.days_since_touch - s.cadence_days
    return 1.0 if over <= 0 else _clamp(1.0 - over / s.cadence_days)


def _engagement(s: HealthSignals) -> tuple[float, str, str, tuple]:
    if s.cadence_days is None or s.cadence_days <= 0:
        raw = "no cadence" if s.days_since_touch is None else f"{s.days_since_touch} days ago"
        return 1.0, raw, "no cadence (reactive tier)", ()
    if s.days_since_touch is None:
        return 0.0, "never touched", f"every {s.cadence_days} days", ()
    value = _engagement_value(s)
    return value, f"last touch {s.days_since_touch} days ago", f"every {s.cadence_days} days", ()


def _outcome_value(s: HealthSignals) -> float:
    return _clamp((s.volume_trend_pct + 30.0) / 50.0)


def _outcome(s: HealthSignals) -> tuple[float, str, str, tuple]:
    value = _outcome_value(s)
    return value, f"volume {s.volume_trend_pct:+.0f}% over 90 days", "+20% or better", ()


def _commercial(s: HealthSignals) -> tuple[float, str, str, tuple]:
    return s.payment.value01, f"payment {s.payment.value}", "current", ()


def _sentiment_value(s: HealthSignals) -> float:
    parts = [
        v
        for v in (
            None if s.csat is None else _clamp((s.csat - 1) / 4),
            None if s.nps is None else _clamp((s.nps + 100) / 200),
            None if s.csm_pulse is None else _clamp((s.csm_pulse - 1) / 4),
        )
        if v is not None
    ]
    return sum(parts) / len(parts) if parts else NEUTRAL


def _sentiment(s: HealthSignals) -> tuple[float, str, str, tuple]:
    parts: list[float] = []
    measures: list[Measure] = []
    if s.csat is not None:
        v = _clamp((s.csat - 1) / 4)
        parts.append(v)
        measures.append(Measure("CSAT", f"{s.csat:.1f}/5", "5/5", v))
    if s.nps is not None:
        v = _clamp((s.nps + 100) / 200)
        parts.append(v)
        measures.append(Measure("NPS", f"{s.nps:+d}", "+100", v))
    if s.csm_pulse is not None:
        v = _clamp((s.csm_pulse - 1) / 4)
        parts.append(v)
        measures.append(Measure("CSM pulse", f"{s.csm_pulse}/5", "5/5", v))
    if not parts:
        return NEUTRAL, "no NPS or pulse (counted neutral)", "NPS +100, pulse 5/5", ()
    if s.csat is not None:
        raw = ", ".join(f"{m.name} {m.raw}" for m in measures)
        return sum(parts) / len(parts), raw, "NPS +100, CSAT 5/5, pulse 5/5", tuple(measures)
    raw = ", ".join(f"{m.name} {m.raw}" for m in measures)
    return sum(parts) / len(parts), raw, "NPS +100, pulse 5/5", tuple(measures)


def _largest_remainder(exact: list[float], total: int) -> list[int]:
    floors = [math.floor(x) for x in exact]
    extra = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(0, extra)]:
        floors[i] += 1
    return floors


def score_health(
    signals: HealthSignals,
    tier: Tier,
    standard: ActivityStandard,
    weights: Mapping[Tier, Mapping[Component, int]] | None = None,
) -> HealthScore:
    """Score one account's health; the result explains every point."""
    w = (weights or DEFAULT_WEIGHTS)[tier]
    parts = {
        Component.USAGE: _usage(signals, standard),
        Component.SUPPORT: _support(signals),
        Component.ENGAGEMENT: _engagement(signals),
        Component.OUTCOME: _outcome(signals),
        Component.COMMERCIAL: _commercial(signals),
        Component.SENTIMENT: _sentiment(signals),
    }
    for c in signals.missing:
        parts[c] = (NEUTRAL, "no data yet (counted neutral)", parts[c][2], ())
    sources = {c: (source, as_of) for c, source, as_of in signals.provenance}
    exact = [w[c] * parts[c][0] for c in Component]
    score = math.floor(sum(exact) + 0.5 + 1e-9)
    points = _largest_remainder(exact, score)
    components = tuple(
        ComponentScore(
            component=c,
            raw=parts[c][1],
            standard=parts[c][2],
            weight=w[c],
            value=parts[c][0],
            points=p,
            measures=parts[c][3],
            source=sources.get(c, ("", None))[0],
            as_of=sources.get(c, ("", None))[1],
        )
        for c, p in zip(Component, points, strict=True)
    )
    return HealthScore(score=score, components=components)


def health_points(
    signals: HealthSignals,
    tier: Tier,
    standard: ActivityStandard,
    weights: Mapping[Tier, Mapping[Component, int]] | None = None,
) -> tuple[int, tuple[int, ...]]:
    """(score, points per component in `Component` order): what `score_health` gives,
    without the words (for recomputing a whole book)."""
    w = (weights or DEFAULT_WEIGHTS)[tier]
    missing = signals.missing
    values = (
        _usage_value(signals, standard),
        sum(_support_parts(signals)) / 2,
        _engagement_value(signals),
        _outcome_value(signals),
        signals.payment.value01,
        _sentiment_value(signals),
    )
    exact = [
        w[c] * (NEUTRAL if c in missing else v) for c, v in zip(Component, values, strict=True)
    ]
    score = math.floor(sum(exact) + 0.5 + 1e-9)
    return score, tuple(_largest_remainder(exact, score))


@dataclass(frozen=True)
class HealthTrend:
    current: int
    previous: int | None

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def arrow(self) -> str:
        d = self.delta
        if d is None:
            return " "
        if d >= 3:
            return "↑"
        if d <= -3:
            return "↓"
        return "→"


def arrow_for(delta: int | None) -> str:
    """The trend arrow for a change of `delta` points (None: no history)."""
    return HealthTrend(current=delta or 0, previous=None if delta is None else 0).arrow


def validate_weights(weights: Mapping[Tier, Mapping[Component, int]]) -> None:
    for tier in Tier:
        row = weights.get(tier)
        if row is None:
            raise ValueError(f"health weights missing tier {tier.value}")
        if set(row) != set(Component):
            raise ValueError(f"health weights for {tier.value} must name every component")
        if any(v < 0 for v in row.values()) or sum(row.values()) != 100:
            raise ValueError(f"health weights for {tier.value} must be ≥ 0 and add up to 100")
