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

from csm_tui.domain.health_terms import Band as Band  # health's terms, told here too
from csm_tui.domain.health_terms import Component as Component
from csm_tui.domain.health_terms import arrow_for as arrow_for
from csm_tui.domain.health_terms import band_for as band_for
from csm_tui.domain.motion import ActivityStandard, Feature
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, Message, Nn_

_COMPONENTS = tuple(Component)  # in order (iterating the enum class itself is slower)


class PaymentStatus(StrEnum):
    CURRENT = "current"
    LATE = "late"  # up to 30 days late
    OVERDUE = "overdue"  # more than 30 days late
    COLLECTIONS = "collections"

    @property
    def value01(self) -> float:
        return _PAYMENT_VALUE[self.value]


_PAYMENT_VALUE = {"current": 1.0, "late": 0.6, "overdue": 0.2, "collections": 0.0}


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
    # name, raw and standard as `Message`s (None: the English above is all there is)
    words: tuple[Message, Message, Message] | None = field(default=None, compare=False)

    def shown(self) -> tuple[str, str, str]:
        """(name, raw, standard) in the interface language."""
        if self.words is None:
            return self.name, self.raw, self.standard
        name, raw, standard = self.words
        return name.render(), raw.render(), standard.render()


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
    # raw and standard as `Message`s (None: the English above is all there is)
    words: tuple[Message, Message] | None = field(default=None, compare=False)

    def shown(self) -> tuple[str, str, str]:
        """(label, raw, standard) in the interface language: the Health tab's "why"."""
        if self.words is None:
            return Message.of(self.component.label).render(), self.raw, self.standard
        raw, standard = self.words
        return Message.of(self.component.label).render(), raw.render(), standard.render()

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

    def explain_words(self) -> list[Message]:
        """`explain` as `Message`s: "Product usage: login 40% … vs … → 12/30"."""
        return [
            Message.of(
                N_("{component}: {raw} vs {standard} → {points}/{weight}"),
                component=Message.of(c.component.label),
                raw=c.words[0] if c.words else Message.text(c.raw),
                standard=c.words[1] if c.words else Message.text(c.standard),
                points=c.points,
                weight=c.weight,
            )
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


def _m(template: str, /, **values: object) -> Message:
    return Message.of(template, **values)


def _t(text: str) -> Message:
    """Words that are no words: "40%", "+100", "5/5"."""
    return Message.text(text)


def _join(parts: list[Message], separator: str = ", ") -> Message:
    """The parts one after another, each rendered in its own words."""
    template = separator.join(f"{{p{i}}}" for i in range(len(parts)))
    return Message.of(template, **{f"p{i}": part for i, part in enumerate(parts)})


def _measure(
    name: Message, raw: Message, standard: Message, value: float, judged: bool = True
) -> Measure:
    return Measure(
        name.english(), raw.english(), standard.english(), value, judged, (name, raw, standard)
    )


def _per_user_week(value: float, digits: int = 1) -> Message:
    return _m(N_("{n}/user/wk"), n=f"{value:.{digits}f}")


def _minutes(value: float, spec: str) -> Message:
    return _m(N_("{n} min"), n=format(value, spec))


_Parts = tuple[float, Message, Message, tuple[Measure, ...]]


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


def _usage(s: HealthSignals, std: ActivityStandard) -> _Parts:
    if s.feature_use is not None:
        return _usage_by_feature(s, std)
    features = _join([_m(f) for f in std.key_features], " + ")  # each a msgid
    login = _t(f"{s.login_rate:.0%}")
    measures = (
        _measure(
            _m(N_("login rate")),
            login,
            _t(f"{std.login_rate_target:.0%}"),
            _ratio(s.login_rate, std.login_rate_target),
        ),
        _measure(
            _m(N_("{features} use"), features=features),
            _per_user_week(s.key_actions_per_user_week),
            _t(f"{std.key_actions_per_user_week:g}"),
            _ratio(s.key_actions_per_user_week, std.key_actions_per_user_week),
        ),
        _measure(
            _t("DAU/MAU"),
            _t(f"{s.dau_mau:.0%}"),
            _t(f"{std.dau_mau_target:.0%}"),
            _ratio(s.dau_mau, std.dau_mau_target),
        ),
        _measure(
            _m(N_("session length")),
            _minutes(s.session_minutes, ".0f"),
            _minutes(std.session_minutes_target, "g"),
            _ratio(s.session_minutes, std.session_minutes_target),
        ),
        _measure(
            _m(N_("messages")),
            _per_user_week(s.messages_per_user_week, 0),
            _t(f"{std.messages_per_user_week:g}"),
            _ratio(s.messages_per_user_week, std.messages_per_user_week),
        ),
    )
    value = _usage_value(s, std)
    raw = _m(
        N_("login {login}, {features} {actions}/user/wk"),
        login=f"{s.login_rate:.0%}",
        features=features,
        actions=f"{s.key_actions_per_user_week:.1f}",
    )
    standard = _m(
        N_("{motion} standard: login {login}, {actions}/user/wk"),
        motion=_m(std.motion.label),
        login=f"{std.login_rate_target:.0%}",
        actions=f"{std.key_actions_per_user_week:g}",
    )
    return value, raw, standard, measures


def _usage_by_feature(s: HealthSignals, std: ActivityStandard) -> _Parts:
    """Each judged feature against its own target; they share the features' weight."""
    login = _measure(
        _m(N_("login rate")),
        _t(f"{s.login_rate:.0%}"),
        _t(f"{std.login_rate_target:.0%}"),
        _ratio(s.login_rate, std.login_rate_target),
    )
    judged = tuple(
        _measure(
            _m(t.feature.label),
            _per_user_week(s.use_of(t.feature)),
            _t(f"{t.per_user_week:g}"),
            _ratio(s.use_of(t.feature), t.per_user_week),
        )
        for t in std.features
    )
    others = (
        _measure(
            _t("DAU/MAU"), _t(f"{s.dau_mau:.0%}"), _t(f"{std.dau_mau_target:.0%}"),
            _ratio(s.dau_mau, std.dau_mau_target),
        ),
        _measure(
            _m(N_("session length")), _minutes(s.session_minutes, ".0f"),
            _minutes(std.session_minutes_target, "g"),
            _ratio(s.session_minutes, std.session_minutes_target),
        ),
        _measure(
            _m(N_("messages")), _per_user_week(s.messages_per_user_week, 0),
            _t(f"{std.messages_per_user_week:g}"),
            _ratio(s.messages_per_user_week, std.messages_per_user_week),
        ),
    )  # fmt: skip
    judged_features = {t.feature for t in std.features}
    unjudged = tuple(
        _measure(
            _m(f.label),
            _per_user_week(s.use_of(f)),
            _m(N_("not in this standard")),
            0.0,
            judged=False,
        )
        for f in (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)
        if f not in judged_features
    )
    value = _usage_value(s, std)

    def named(m: Measure, which: int) -> Message:
        assert m.words is not None
        return _m(N_("{name} {value}"), name=m.words[0], value=m.words[which])

    raw = _join(
        [_m(N_("login {login}"), login=f"{s.login_rate:.0%}"), *(named(m, 1) for m in judged)]
    )
    standard = _m(
        N_("{motion} standard: {measures}"),
        motion=_m(std.motion.label),
        measures=_join(
            [
                _m(N_("login {login}"), login=f"{std.login_rate_target:.0%}"),
                *(named(m, 2) for m in judged),
            ]
        ),
    )
    return value, raw, standard, (login, *judged, *others, *unjudged)


def _support_parts(s: HealthSignals) -> tuple[float, float]:
    tickets = 1.0 / (1.0 + max(0, s.open_tickets) / 2.0)
    response = _clamp(1.0 - (s.avg_response_hours - 4.0) / 44.0)  # NaN: 0, not perfect
    return tickets, response


def _support(s: HealthSignals) -> _Parts:
    tickets, response = _support_parts(s)
    hours = f"{s.avg_response_hours:.0f}"
    measures = (
        _measure(_m(N_("open tickets")), _t(str(s.open_tickets)), _t("0"), tickets),
        _measure(
            _m(N_("response time")), _m(N_("{n} h"), n=hours), _m(N_("≤ {n} h"), n=4), response
        ),
    )
    return (
        (tickets + response) / 2,
        Message.of(
            *Nn_("{n} open ticket, {hours} h response", "{n} open tickets, {hours} h response"),
            n=s.open_tickets,
            hours=hours,
        ),
        _m(N_("0 tickets, ≤ 4 h")),
        measures,
    )


def _engagement_value(s: HealthSignals) -> float:
    if s.cadence_days is None or s.cadence_days <= 0:
        return 1.0
    if s.days_since_touch is None:
        return 0.0
    over = s.days_since_touch - s.cadence_days
    return 1.0 if over <= 0 else _clamp(1.0 - over / s.cadence_days)


def _engagement(s: HealthSignals) -> _Parts:
    if s.cadence_days is None or s.cadence_days <= 0:
        raw = (
            _m(N_("no cadence"))
            if s.days_since_touch is None
            else _m(N_("{n} days ago"), n=s.days_since_touch)
        )
        return 1.0, raw, _m(N_("no cadence (reactive tier)")), ()
    every = _m(N_("every {n} days"), n=s.cadence_days)
    if s.days_since_touch is None:
        return 0.0, _m(N_("never touched")), every, ()
    value = _engagement_value(s)
    return value, _m(N_("last touch {n} days ago"), n=s.days_since_touch), every, ()


def _outcome_value(s: HealthSignals) -> float:
    return _clamp((s.volume_trend_pct + 30.0) / 50.0)


def _outcome(s: HealthSignals) -> _Parts:
    value = _outcome_value(s)
    volume = _m(N_("volume {pct}% over 90 days"), pct=f"{s.volume_trend_pct:+.0f}")
    return value, volume, _m(N_("+20% or better")), ()


_PAYMENT_WORDS = {
    "current": N_("current"),
    "late": N_("late"),
    "overdue": N_("overdue"),
    "collections": N_("collections"),
}


def _commercial(s: HealthSignals) -> _Parts:
    payment = _m(N_("payment {status}"), status=_m(_PAYMENT_WORDS[s.payment.value]))
    return s.payment.value01, payment, _m(_PAYMENT_WORDS["current"]), ()


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


def _sentiment(s: HealthSignals) -> _Parts:
    parts: list[float] = []
    measures: list[Measure] = []
    if s.csat is not None:
        v = _clamp((s.csat - 1) / 4)
        parts.append(v)
        measures.append(_measure(_t("CSAT"), _t(f"{s.csat:.1f}/5"), _t("5/5"), v))
    if s.nps is not None:
        v = _clamp((s.nps + 100) / 200)
        parts.append(v)
        measures.append(_measure(_t("NPS"), _t(f"{s.nps:+d}"), _t("+100"), v))
    if s.csm_pulse is not None:
        v = _clamp((s.csm_pulse - 1) / 4)
        parts.append(v)
        measures.append(_measure(_m(N_("CSM pulse")), _t(f"{s.csm_pulse}/5"), _t("5/5"), v))
    if not parts:
        return (
            NEUTRAL,
            _m(N_("no NPS or pulse (counted neutral)")),
            _m(N_("NPS +100, pulse 5/5")),
            (),
        )
    raw = _join([_m(N_("{name} {value}"), name=m.words[0], value=m.words[1])
                 for m in measures if m.words])  # fmt: skip
    if s.csat is not None:
        return (
            sum(parts) / len(parts),
            raw,
            _m(N_("NPS +100, CSAT 5/5, pulse 5/5")),
            tuple(measures),
        )
    return sum(parts) / len(parts), raw, _m(N_("NPS +100, pulse 5/5")), tuple(measures)


def _largest_remainder(exact: list[float], total: int) -> list[int]:
    floors = [math.floor(x) for x in exact]
    extra = total - sum(floors)
    if extra <= 0:
        return floors
    # The largest remainders first, ties by position (the sort is stable).
    behind = [f - x for f, x in zip(floors, exact, strict=True)]
    for i in sorted(range(len(exact)), key=behind.__getitem__)[:extra]:
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
        parts[c] = (NEUTRAL, _m(N_("no data yet (counted neutral)")), parts[c][2], ())
    sources = {c: (source, as_of) for c, source, as_of in signals.provenance}
    exact = [w[c] * parts[c][0] for c in Component]
    score = math.floor(sum(exact) + 0.5 + 1e-9)
    points = _largest_remainder(exact, score)
    components = tuple(
        ComponentScore(
            component=c,
            raw=parts[c][1].english(),
            standard=parts[c][2].english(),
            weight=w[c],
            value=parts[c][0],
            points=p,
            measures=parts[c][3],
            source=sources.get(c, ("", None))[0],
            as_of=sources.get(c, ("", None))[1],
            words=(parts[c][1], parts[c][2]),
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
        w[c] * (NEUTRAL if c in missing else v) for c, v in zip(_COMPONENTS, values, strict=True)
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
        return arrow_for(self.delta)


def validate_weights(weights: Mapping[Tier, Mapping[Component, int]]) -> None:
    for tier in Tier:
        row = weights.get(tier)
        if row is None:
            raise ValueError(f"health weights missing tier {tier.value}")
        if set(row) != set(Component):
            raise ValueError(f"health weights for {tier.value} must name every component")
        if any(v < 0 for v in row.values()) or sum(row.values()) != 100:
            raise ValueError(f"health weights for {tier.value} must be ≥ 0 and add up to 100")
