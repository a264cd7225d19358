"""Customer tiers: customer grading drives service grading (seeds 000, 002, 003).

Default bands by ARR (USD or CNY-equivalent), configurable from TOML, overridable per
account with a recorded reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Tier(StrEnum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    GROWTH = "growth"
    SCALE = "scale"
    SELF_SERVE = "self-serve"

    @property
    def rank(self) -> int:
        """0 for the most valuable tier; the portfolio sorts by it."""
        return TIER_ORDER.index(self)

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").title().replace(" ", "-")

    @classmethod
    def parse(cls, text: str) -> Tier:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {"selfserve": "self-serve", "self": "self-serve", "strat": "strategic",
                   "ent": "enterprise"}
        key = aliases.get(key, key)
        for tier in cls:
            if tier.value == key or tier.value.startswith(key) and len(key) >= 3:
                return tier
        raise ValueError(f"unknown tier {text!r}; expected one of "
                         + ", ".join(t.value for t in cls))


TIER_ORDER: tuple[Tier, ...] = (
    Tier.STRATEGIC, Tier.ENTERPRISE, Tier.GROWTH, Tier.SCALE, Tier.SELF_SERVE,
)


class OverrideReason(StrEnum):
    """Why a CSM placed an account in another tier than its ARR says."""

    FLAGSHIP = "flagship"          # reference / flagship customer
    INDUSTRY_INFLUENCE = "influence"
    SEATS = "seats"
    EXPANSION_POTENTIAL = "potential"
    OTHER = "other"


@dataclass(frozen=True)
class ServiceModel:
    """What a tier gets: cadence of proactive touches and QBRs, and how it is served."""

    touch_every_days: int | None   # None: no proactive cadence (self-serve)
    qbr_per_year: int
    onsite_per_year: int
    description: str


@dataclass(frozen=True)
class TierBand:
    tier: Tier
    min_arr: float                 # inclusive lower bound, USD-equivalent
    service: ServiceModel


DEFAULT_BANDS: tuple[TierBand, ...] = (
    TierBand(Tier.STRATEGIC, 100_000, ServiceModel(
        14, 4, 2, "dedicated CSM, knows everything, onsite at least twice a year")),
    TierBand(Tier.ENTERPRISE, 20_000, ServiceModel(
        30, 2, 0, "stakeholder map and org chart, visit when local")),
    TierBand(Tier.GROWTH, 5_000, ServiceModel(
        60, 0, 0, "close during onboarding, then automated but flexible")),
    TierBand(Tier.SCALE, 1_000, ServiceModel(
        90, 0, 0, "systems and automation, proactive on signals (digital)")),
    TierBand(Tier.SELF_SERVE, 0, ServiceModel(
        None, 0, 0, "reactive, ticket-driven")),
)


@dataclass(frozen=True)
class TierOverride:
    tier: Tier
    reason: OverrideReason
    note: str = ""


@dataclass(frozen=True)
class TierAssignment:
    """The tier an account is in, and why — shown on the account's overview."""

    tier: Tier
    by_arr: Tier
    override: TierOverride | None

    @property
    def why(self) -> str:
        if self.override is None or self.override.tier == self.by_arr:
            return f"ARR band → {self.by_arr.label}"
        note = f": {self.override.note}" if self.override.note else ""
        return (f"{self.tier.label} by override ({self.override.reason.value}{note}); "
                f"ARR alone says {self.by_arr.label}")


@dataclass(frozen=True)
class TierRules:
    """ARR bands and service models; defaults from spec section 2, overridable in TOML."""

    bands: tuple[TierBand, ...] = DEFAULT_BANDS
    cny_per_usd: float = 7.2
    _by_tier: dict[Tier, TierBand] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.bands, key=lambda b: -b.min_arr))
        object.__setattr__(self, "bands", ordered)
        object.__setattr__(self, "_by_tier", {b.tier: b for b in ordered})
        if set(self._by_tier) != set(Tier):
            missing = ", ".join(t.value for t in Tier if t not in self._by_tier)
            raise ValueError(f"tier rules must define every tier; missing: {missing}")

    def to_usd(self, amount: float, currency: str = "USD") -> float:
        if currency.upper() == "CNY":
            return amount / self.cny_per_usd
        if currency.upper() != "USD":
            raise ValueError(f"unsupported currency {currency!r}; use USD or CNY")
        return amount

    def tier_for_arr(self, arr_usd: float) -> Tier:
        for band in self.bands:
            if arr_usd >= band.min_arr:
                return band.tier
        return self.bands[-1].tier

    def assign(self, arr_usd: float, override: TierOverride | None = None) -> TierAssignment:
        by_arr = self.tier_for_arr(arr_usd)
        tier = override.tier if override is not None else by_arr
        return TierAssignment(tier=tier, by_arr=by_arr, override=override)

    def service(self, tier: Tier) -> ServiceModel:
        return self._by_tier[tier].service

    def cadence_days(self, tier: Tier) -> int | None:
        return self._by_tier[tier].service.touch_every_days

    def min_arr(self, tier: Tier) -> float:
        return self._by_tier[tier].min_arr

    @classmethod
    def from_toml(cls, text: str) -> TierRules:
        """Read rules like::

            cny_per_usd = 7.1
            [tiers.strategic]
            min_arr = 150000
            touch_every_days = 14
        """
        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> TierRules:
        return cls.from_toml(path.read_text(encoding="utf-8"))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> TierRules:
        defaults = {b.tier: b for b in DEFAULT_BANDS}
        bands: list[TierBand] = []
        tiers_data = data.get("tiers", {})
        unknown = set(tiers_data) - {t.value for t in Tier}
        if unknown:
            raise ValueError(f"unknown tier(s) in rules: {', '.join(sorted(unknown))}")
        for tier in Tier:
            base = defaults[tier]
            spec = tiers_data.get(tier.value, {})
            service = base.service
            touch = spec.get("touch_every_days", service.touch_every_days)
            if touch is not None and (not isinstance(touch, int) or touch <= 0):
                raise ValueError(f"{tier.value}.touch_every_days must be a positive integer")
            if touch == 0:
                touch = None
            service = ServiceModel(
                touch_every_days=touch,
                qbr_per_year=int(spec.get("qbr_per_year", service.qbr_per_year)),
                onsite_per_year=int(spec.get("onsite_per_year", service.onsite_per_year)),
                description=str(spec.get("description", service.description)),
            )
            min_arr = spec.get("min_arr", base.min_arr)
            if not isinstance(min_arr, int | float) or min_arr < 0:
                raise ValueError(f"{tier.value}.min_arr must be a number ≥ 0")
            bands.append(TierBand(tier, float(min_arr), service))
        ordered = sorted(bands, key=lambda b: b.tier.rank)
        for higher, lower in zip(ordered, ordered[1:], strict=False):
            if higher.min_arr <= lower.min_arr:
                raise ValueError(
                    f"tier bands must fall with the tier: {higher.tier.value} min_arr "
                    f"{higher.min_arr:g} is not above {lower.tier.value} {lower.min_arr:g}")
        return cls(bands=tuple(bands), cny_per_usd=float(data.get("cny_per_usd", 7.2)))
