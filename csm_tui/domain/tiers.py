"""Customer tiers: customer grading drives service grading (seeds 000, 002, 003).

Default bands by ARR (USD or CNY-equivalent), configurable from TOML, overridable per
account with a recorded reason. A tier may also name criteria besides ARR (spec section 2:
seat count, industry influence, reference/flagship customers): an account that meets a
tier's criteria is placed at least in that tier, whatever its ARR says::

    [tiers.strategic]
    min_seats = 1000                      # 1,000 seats or more: at least Strategic
    industries = ["banking", "government"] # influential industries: at least Strategic
    reference = true                      # reference / flagship customers: at least Strategic

An override (with its reason) still decides over both.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeGuard

from csm_tui.domain.errors import MessageError, table_expected, whole_number_expected, words_of
from csm_tui.i18n import N_, Message, shown_as


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
        """The tier in English words (a msgid: the edge shows `_(tier.label)`)."""
        return _TIER_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Tier:
        key = text.strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {
            "selfserve": "self-serve",
            "self": "self-serve",
            "strat": "strategic",
            "ent": "enterprise",
        }
        key = aliases.get(key, key)
        for tier in cls:
            if tier.value == key or (tier.value.startswith(key) and len(key) >= 3):
                return tier
        shown = shown_as(cls, text)  # as the app shows it, in either language: "Self-Serve", "战略"
        if shown is not None:
            return shown
        raise MessageError(
            Message.of(
                N_("unknown tier {text}; expected one of {choices}"),
                text=repr(text),
                choices=", ".join(t.value for t in cls),
            )
        )


TIER_ORDER: tuple[Tier, ...] = (
    Tier.STRATEGIC,
    Tier.ENTERPRISE,
    Tier.GROWTH,
    Tier.SCALE,
    Tier.SELF_SERVE,
)

_TIER_LABELS: dict[Tier, str] = {
    Tier.STRATEGIC: N_("Strategic"),
    Tier.ENTERPRISE: N_("Enterprise"),
    Tier.GROWTH: N_("Growth"),
    Tier.SCALE: N_("Scale"),
    Tier.SELF_SERVE: N_("Self-Serve"),
}


class OverrideReason(StrEnum):
    """Why a CSM placed an account in another tier than its ARR says."""

    FLAGSHIP = "flagship"  # reference / flagship customer
    INDUSTRY_INFLUENCE = "influence"
    SEATS = "seats"
    EXPANSION_POTENTIAL = "potential"
    OTHER = "other"


@dataclass(frozen=True)
class ServiceModel:
    """What a tier gets: cadence of proactive touches and QBRs, and how it is served."""

    touch_every_days: int | None  # None: no proactive cadence (self-serve)
    qbr_per_year: int
    onsite_per_year: int
    description: str  # a msgid for the defaults (the edge shows `_(description)`); a
    # description from the rules file is shown as written


@dataclass(frozen=True)
class TierCriteria:
    """Besides ARR, what places an account at least in a tier (none by default)."""

    min_seats: int | None = None  # at least this many seats
    industries: frozenset[str] = frozenset()  # casefolded industry names of influence
    reference: bool = False  # reference / flagship customers

    def met_by(self, traits: AccountTraits) -> str | None:
        """Which criterion `traits` meets ("seats", "influence", "flagship"), or None."""
        if self.reference and traits.reference:
            return "flagship"
        if traits.industry and traits.industry.strip().casefold() in self.industries:
            return "influence"
        if self.min_seats is not None and traits.seats >= self.min_seats:
            return "seats"
        return None


@dataclass(frozen=True)
class AccountTraits:
    """What an account is besides its ARR, for the tier criteria."""

    seats: int = 0
    industry: str = ""
    reference: bool = False  # a reference / flagship customer


NO_CRITERIA = TierCriteria()


@dataclass(frozen=True)
class TierBand:
    tier: Tier
    min_arr: float  # inclusive lower bound, USD-equivalent
    service: ServiceModel
    criteria: TierCriteria = NO_CRITERIA


DEFAULT_BANDS: tuple[TierBand, ...] = (
    TierBand(
        Tier.STRATEGIC,
        100_000,
        ServiceModel(14, 4, 2, N_("dedicated CSM, knows everything, onsite at least twice a year")),
    ),
    TierBand(
        Tier.ENTERPRISE,
        20_000,
        ServiceModel(30, 2, 0, N_("stakeholder map and org chart, visit when local")),
    ),
    TierBand(
        Tier.GROWTH,
        5_000,
        ServiceModel(60, 0, 0, N_("close during onboarding, then automated but flexible")),
    ),
    TierBand(
        Tier.SCALE,
        1_000,
        ServiceModel(90, 0, 0, N_("systems and automation, proactive on signals (digital)")),
    ),
    TierBand(Tier.SELF_SERVE, 0, ServiceModel(None, 0, 0, N_("reactive, ticket-driven"))),
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
    by_criterion: tuple[Tier, str] | None = None  # a tier above its ARR band's, and why

    @property
    def why(self) -> str:
        """In English: "ARR band → Strategic", or the criterion or override and its reason."""
        return self.words.english()

    @property
    def words(self) -> Message:
        """`why` as a `Message` (the edge renders it in the interface language)."""
        by_arr = Message.of(self.by_arr.label)
        if self.override is None and self.by_criterion is not None:
            tier, criterion = self.by_criterion
            return Message.of(
                N_("{tier} by the rules' {criterion} criterion; ARR alone says {by_arr}"),
                tier=Message.of(tier.label),
                criterion=criterion,
                by_arr=by_arr,
            )
        if self.override is None or self.override.tier == self.by_arr:
            return Message.of(N_("ARR band → {tier}"), tier=by_arr)
        note = f": {self.override.note}" if self.override.note else ""
        return Message.of(
            N_("{tier} by override ({reason}{note}); ARR alone says {by_arr}"),
            tier=Message.of(self.tier.label),
            reason=self.override.reason.value,
            note=note,
            by_arr=by_arr,
        )


@dataclass(frozen=True)
class TierRules:
    """ARR bands and service models; defaults from spec section 2, overridable in TOML."""

    bands: tuple[TierBand, ...] = DEFAULT_BANDS
    cny_per_usd: float = 7.2  # DEFAULT_CNY_PER_USD
    _by_tier: dict[Tier, TierBand] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.bands, key=lambda b: -b.min_arr))
        object.__setattr__(self, "bands", ordered)
        object.__setattr__(self, "_by_tier", {b.tier: b for b in ordered})
        if set(self._by_tier) != set(Tier):
            missing = ", ".join(t.value for t in Tier if t not in self._by_tier)
            raise MessageError(
                Message.of(
                    N_("tier rules must define every tier; missing: {missing}"), missing=missing
                )
            )

    def to_usd(self, amount: float, currency: str = "USD") -> float:
        """`amount` in USD; CNY is converted at `cny_per_usd` and rounded to the cent.

        Rounding to the cent keeps band edges exact: ¥6,150 at 6.15 CNY/USD is $1,000.00,
        not $999.9999999999999 (which would drop the account a tier).
        """
        code = currency.strip().upper()
        if code in ("CNY", "RMB"):
            return round(amount / self.cny_per_usd, 2)
        if code != "USD":
            raise MessageError(
                Message.of(
                    N_("unsupported currency {currency}; use USD or CNY"), currency=repr(currency)
                )
            )
        return amount

    def tier_for_arr(self, arr_usd: float) -> Tier:
        for band in self.bands:
            if arr_usd >= band.min_arr:
                return band.tier
        return self.bands[-1].tier

    def by_criteria(self, traits: AccountTraits) -> tuple[Tier, str] | None:
        """The highest tier whose criteria `traits` meet, and which criterion."""
        for band in sorted(self.bands, key=lambda b: b.tier.rank):
            met = band.criteria.met_by(traits)
            if met is not None:
                return band.tier, met
        return None

    def assign(
        self,
        arr_usd: float,
        override: TierOverride | None = None,
        traits: AccountTraits | None = None,
    ) -> TierAssignment:
        """The account's tier: its override, else the higher of its ARR band and the
        tiers whose criteria it meets."""
        by_arr = self.tier_for_arr(arr_usd)
        criterion = self.by_criteria(traits) if traits is not None else None
        if criterion is not None and criterion[0].rank >= by_arr.rank:
            criterion = None  # the ARR band already places it as high
        if override is not None:
            tier = override.tier
        else:
            tier = criterion[0] if criterion is not None else by_arr
        return TierAssignment(tier=tier, by_arr=by_arr, override=override,
                              by_criterion=criterion)  # fmt: skip

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
        import tomllib  # only for a TOML text: start-up without a settings file skips it

        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> TierRules:
        """Rules from a TOML file; a mistake raises `MessageError` naming the file."""
        text = path.read_text(encoding="utf-8")
        try:
            return cls.from_toml(text)
        except ValueError as exc:
            raise MessageError(
                Message.of(N_("{file}: {problem}"), file=str(path), problem=words_of(exc))
            ) from exc

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TierRules:
        """Rules from parsed TOML: defaults for everything the mapping leaves out.

        Every mistake raises `MessageError` (a `ValueError`) whose words name the tier and
        the key.
        `touch_every_days = 0` means "no proactive cadence" (TOML has no null).
        """
        defaults = {b.tier: b for b in DEFAULT_BANDS}
        tiers_data = data.get("tiers", {})
        if not isinstance(tiers_data, Mapping):
            raise MessageError(
                Message.of(N_("[tiers] must be a table of tiers, e.g. [tiers.strategic]"))
            )
        unknown = set(tiers_data) - {t.value for t in Tier}
        if unknown:
            raise MessageError(
                Message.of(
                    N_("unknown tier(s) in rules: {names}; expected {choices}"),
                    names=", ".join(sorted(unknown)),
                    choices=", ".join(t.value for t in Tier),
                )
            )
        bands: list[TierBand] = []
        for tier in Tier:
            base = defaults[tier]
            spec = tiers_data.get(tier.value, {})
            if not isinstance(spec, Mapping):
                raise MessageError(table_expected(f"tiers.{tier.value}"))
            bad_keys = set(spec) - _TIER_KEYS
            if bad_keys:
                raise MessageError(
                    Message.of(
                        N_("unknown key(s) in {table}: {names}; expected {choices}"),
                        table=f"tiers.{tier.value}",
                        names=", ".join(sorted(bad_keys)),
                        choices=", ".join(sorted(_TIER_KEYS)),
                    )
                )
            service = base.service
            touch = spec.get("touch_every_days", service.touch_every_days)
            if touch is not None and (not _is_int(touch) or touch < 0):
                raise MessageError(
                    Message.of(
                        N_(
                            "{key} must be a whole number of days > 0, or 0 for no cadence; "
                            "got {value}"
                        ),
                        key=f"tiers.{tier.value}.touch_every_days",
                        value=repr(touch),
                    )
                )
            if touch == 0:
                touch = None
            description = spec.get("description", service.description)
            if not isinstance(description, str):
                raise MessageError(
                    Message.of(N_("{key} must be text"), key=f"tiers.{tier.value}.description")
                )
            service = ServiceModel(
                touch_every_days=touch,
                qbr_per_year=_count(spec, "qbr_per_year", service.qbr_per_year, tier),
                onsite_per_year=_count(spec, "onsite_per_year", service.onsite_per_year, tier),
                description=description,
            )
            min_arr = spec.get("min_arr", base.min_arr)
            if not _is_number(min_arr) or min_arr < 0:
                raise MessageError(
                    Message.of(
                        N_("{key} must be a number ≥ 0 (USD per year); got {value}"),
                        key=f"tiers.{tier.value}.min_arr",
                        value=repr(min_arr),
                    )
                )
            bands.append(TierBand(tier, float(min_arr), service, _criteria(spec, tier)))
        ordered = sorted(bands, key=lambda b: b.tier.rank)
        for higher, lower in itertools.pairwise(ordered):
            if higher.min_arr <= lower.min_arr:
                raise MessageError(
                    Message.of(
                        N_(
                            "tier bands must fall with the tier: {higher} min_arr {high} "
                            "is not above {lower} {low}"
                        ),
                        higher=higher.tier.value,
                        high=f"{higher.min_arr:g}",
                        lower=lower.tier.value,
                        low=f"{lower.min_arr:g}",
                    )
                )
        rate = data.get("cny_per_usd", DEFAULT_CNY_PER_USD)
        if not _is_number(rate) or rate <= 0:
            raise MessageError(
                Message.of(N_("cny_per_usd must be a number > 0; got {value}"), value=repr(rate))
            )
        return cls(bands=tuple(bands), cny_per_usd=float(rate))


DEFAULT_CNY_PER_USD = 7.2
_TIER_KEYS = frozenset(
    {"min_arr", "touch_every_days", "qbr_per_year", "onsite_per_year", "description",
     "min_seats", "industries", "reference"}
)  # fmt: skip


def _criteria(spec: Mapping[str, Any], tier: Tier) -> TierCriteria:
    """`min_seats`, `industries` and `reference` of a tier's table."""
    seats = spec.get("min_seats")
    if seats is not None and (not _is_int(seats) or seats < 1):
        raise MessageError(
            Message.of(
                N_("{key} must be a whole number ≥ 1; got {value}"),
                key=f"tiers.{tier.value}.min_seats",
                value=repr(seats),
            )
        )
    industries = spec.get("industries", [])
    if not isinstance(industries, list) or not all(
        isinstance(i, str) and i.strip() for i in industries
    ):
        raise MessageError(
            Message.of(
                N_('{key} must be a list of names, e.g. ["banking"]; got {value}'),
                key=f"tiers.{tier.value}.industries",
                value=repr(industries),
            )
        )
    reference = spec.get("reference", False)
    if not isinstance(reference, bool):
        raise MessageError(
            Message.of(
                N_("{key} must be true or false; got {value}"),
                key=f"tiers.{tier.value}.reference",
                value=repr(reference),
            )
        )
    return TierCriteria(seats, frozenset(i.strip().casefold() for i in industries), reference)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(spec: Mapping[str, Any], key: str, default: int, tier: Tier) -> int:
    value = spec.get(key, default)
    if not _is_int(value) or value < 0:
        raise MessageError(whole_number_expected(f"tiers.{tier.value}.{key}", value))
    return value
