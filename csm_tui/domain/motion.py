"""Sales motion and the activity standard health is judged against (seed 000).

One activity standard for every account is the mistake the seed warns about: long-cycle
accounts are judged on their use of opportunities (商机, worked jointly on contacts:
联合跟进), short-cycle ones on leads and the public pool (线索/公海). Each feature a
standard names is measured on its own, against its own target: never one number under
several labels.

The defaults below are this module's reading of seed 000 (targets are uses per weekly
active user per week). A team changes them in the settings TOML::

    [standards.short-direct]
    login_rate = 0.8              # share of seats active in a week
    dau_mau = 0.5
    session_minutes = 25
    messages = 30                 # messages per active user per week (訊息总量)
    [standards.short-direct.features]
    leads = 15
    public_pool = 10
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from csm_tui.domain.errors import MessageError, said_of, table_expected
from csm_tui.i18n import N_, Message, shown_as


class SalesMotion(StrEnum):
    SHORT_DIRECT = "short-direct"
    LONG_DIRECT = "long-direct"
    SHORT_CHANNEL = "short-channel"
    LONG_CHANNEL = "long-channel"

    @property
    def label(self) -> str:
        """The motion in English words (a msgid: the edge shows `_(motion.label)`)."""
        return {
            "short-direct": N_("short-cycle direct"),
            "long-direct": N_("long-cycle direct"),
            "short-channel": N_("short-cycle channel"),
            "long-channel": N_("long-cycle channel"),
        }[self.value]

    @classmethod
    def parse(cls, text: str) -> SalesMotion:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        key = key.replace("-cycle", "")
        for motion in cls:
            if motion.value == key:
                return motion
        shown = shown_as(cls, text)  # as the app shows it, in either language
        if shown is not None:
            return shown
        raise MessageError(
            Message.of(
                N_("unknown sales motion {text}; expected one of {choices}"),
                text=repr(text),
                choices=", ".join(m.value for m in cls),
            )
        )


class Feature(StrEnum):
    """A CRM feature whose use is counted per week (the columns of `usage_weeks`)."""

    OPPORTUNITIES = "opportunities"  # 商机
    LEADS = "leads"  # 线索
    PUBLIC_POOL = "public_pool"  # 公海
    CONTACTS = "contacts"  # 联系人 / 联合跟进
    MESSAGES = "messages"  # 訊息
    SESSIONS = "sessions"

    @property
    def label(self) -> str:
        """The feature in English words (a msgid: the edge shows `_(feature.label)`)."""
        return {
            "opportunities": N_("opportunities"),
            "leads": N_("leads"),
            "public_pool": N_("public pool"),
            "contacts": N_("contacts"),
            "messages": N_("messages"),
            "sessions": N_("sessions"),
        }[self.value]

    @classmethod
    def parse(cls, text: str) -> Feature:
        key = text.strip().lower().replace(" ", "_").replace("-", "_")
        for feature in cls:
            if feature.value == key:
                return feature
        raise MessageError(
            Message.of(
                N_("unknown feature {text}; expected one of {choices}"),
                text=repr(text),
                choices=", ".join(f.value for f in cls),
            )
        )


@dataclass(frozen=True)
class FeatureTarget:
    """One feature a standard judges: uses per weekly active user per week."""

    feature: Feature
    per_user_week: float


@dataclass(frozen=True)
class ActivityStandard:
    """What "active" means for an account of this motion.

    `features` are the feature items whose use counts, each with its own target per
    active user per week; the other targets are the seed's other activity measures
    (login rate, DAU/MAU, session length, message volume).
    """

    motion: SalesMotion
    features: tuple[FeatureTarget, ...]
    login_rate_target: float  # share of seats logging in weekly
    dau_mau_target: float
    session_minutes_target: float
    messages_per_user_week: float

    @property
    def key_features(self) -> tuple[str, ...]:
        """The judged features' labels ("leads", "public pool")."""
        return tuple(t.feature.label for t in self.features)

    @property
    def key_actions_per_user_week(self) -> float:
        """The features' targets added up: the standard for a source that counts only
        "key actions" in total (the aggregated `account_signals` row)."""
        return sum(t.per_user_week for t in self.features)

    def target(self, feature: Feature) -> float | None:
        for t in self.features:
            if t.feature is feature:
                return t.per_user_week
        return None


def _std(
    motion: SalesMotion,
    features: Iterable[tuple[str, float]],
    login: float,
    dau_mau: float,
    minutes: float,
    messages: float,
) -> ActivityStandard:
    return ActivityStandard(
        motion,
        tuple(FeatureTarget(Feature(f), float(v)) for f, v in features),
        login,
        dau_mau,
        minutes,
        messages,
    )


# Seed 000, quadrant 1 (short cycle, direct: many small customers, online leads): leads and
# the public pool, with a high message volume. Quadrant 2 (long cycle, direct: project
# sales): opportunities, worked jointly through contacts. The seed leaves channel sales
# out; here they keep their cycle's features at lower targets (partners do part of the
# work outside the CRM).
STANDARDS: dict[SalesMotion, ActivityStandard] = {
    SalesMotion.SHORT_DIRECT: _std(
        SalesMotion.SHORT_DIRECT, (("leads", 15), ("public_pool", 10)), 0.80, 0.50, 25.0, 30.0
    ),
    SalesMotion.LONG_DIRECT: _std(
        SalesMotion.LONG_DIRECT, (("opportunities", 4), ("contacts", 2)), 0.60, 0.35, 20.0, 12.0
    ),
    SalesMotion.SHORT_CHANNEL: _std(
        SalesMotion.SHORT_CHANNEL, (("leads", 10), ("public_pool", 5)), 0.70, 0.40, 18.0, 20.0
    ),
    SalesMotion.LONG_CHANNEL: _std(
        SalesMotion.LONG_CHANNEL, (("opportunities", 3),), 0.50, 0.30, 15.0, 8.0
    ),
}


def standard_for(
    motion: SalesMotion, standards: Mapping[SalesMotion, ActivityStandard] | None = None
) -> ActivityStandard:
    return (standards or STANDARDS)[motion]


_STANDARD_KEYS = {
    "login_rate": "login_rate_target",
    "dau_mau": "dau_mau_target",
    "session_minutes": "session_minutes_target",
    "messages": "messages_per_user_week",
}


def standards_from_mapping(
    data: Mapping[str, Any], base: Mapping[SalesMotion, ActivityStandard] | None = None
) -> dict[SalesMotion, ActivityStandard]:
    """The standards of a settings file's ``[standards.<motion>]`` tables (module doc),
    each starting from the default; raises `MessageError` (a `ValueError`) naming the key."""
    out = dict(base or STANDARDS)
    if not isinstance(data, Mapping):
        raise MessageError(Message.of(N_("[standards] must hold one table per sales motion")))
    for name, table in data.items():
        where = f"standards.{name}"
        try:
            motion = SalesMotion.parse(str(name))
        except MessageError as exc:
            raise MessageError(said_of(where, exc.words)) from None
        if not isinstance(table, Mapping):
            raise MessageError(table_expected(where))
        std = out[motion]
        changes: dict[str, Any] = {}
        for key, value in table.items():
            if key == "features":
                changes["features"] = _features_from(value, f"{where}.features")
                continue
            if key not in _STANDARD_KEYS:
                known = ", ".join(["features", *_STANDARD_KEYS])
                raise MessageError(
                    Message.of(
                        N_("{key} is not a setting of a standard; known: {choices}"),
                        key=f"{where}.{key}",
                        choices=known,
                    )
                )
            number = _positive(value, f"{where}.{key}")
            if key in ("login_rate", "dau_mau") and number > 1:
                raise MessageError(
                    Message.of(N_("{key} is a share: between 0 and 1"), key=f"{where}.{key}")
                )
            changes[_STANDARD_KEYS[key]] = number
        out[motion] = replace(std, **changes)
    return out


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise MessageError(Message.of(N_("{key} must be a number above 0"), key=where))
    return float(value)


def _features_from(value: Any, where: str) -> tuple[FeatureTarget, ...]:
    if not isinstance(value, Mapping) or not value:
        raise MessageError(
            Message.of(N_("{key} must name at least one feature: leads = 15"), key=where)
        )
    targets = []
    for name, target in value.items():
        try:
            feature = Feature.parse(str(name))
        except MessageError as exc:
            raise MessageError(said_of(where, exc.words)) from None
        if feature in (Feature.MESSAGES, Feature.SESSIONS):
            raise MessageError(
                Message.of(
                    N_(
                        "{key}: messages and sessions are measured for every motion; "
                        "set their targets with messages = and session_minutes ="
                    ),
                    key=f"{where}.{name}",
                )
            )
        targets.append(FeatureTarget(feature, _positive(target, f"{where}.{name}")))
    return tuple(targets)
