"""Tiers: customer grading by ARR, from TOML, with per-account overrides."""

from __future__ import annotations

import pytest

from csm_tui.domain.tiers import (
    OverrideReason,
    Tier,
    TierOverride,
    TierRules,
)

RULES = TierRules()


@pytest.mark.parametrize(
    ("arr", "tier"),
    [
        (1_000_000, Tier.STRATEGIC),
        (100_000, Tier.STRATEGIC),
        (99_999.99, Tier.ENTERPRISE),
        (20_000, Tier.ENTERPRISE),
        (19_999.99, Tier.GROWTH),
        (5_000, Tier.GROWTH),
        (4_999.99, Tier.SCALE),
        (1_000, Tier.SCALE),
        (999.99, Tier.SELF_SERVE),
        (0, Tier.SELF_SERVE),
    ],
)
def test_arr_band_edges(arr: float, tier: Tier) -> None:
    assert RULES.tier_for_arr(arr) is tier


def test_negative_arr_is_self_serve() -> None:
    assert RULES.tier_for_arr(-500) is Tier.SELF_SERVE


def test_cny_is_converted_at_the_rules_rate() -> None:
    assert RULES.to_usd(720_000, "CNY") == pytest.approx(100_000)
    assert RULES.tier_for_arr(RULES.to_usd(720_000, "cny")) is Tier.STRATEGIC
    assert RULES.tier_for_arr(RULES.to_usd(719_999, "CNY")) is Tier.ENTERPRISE
    assert RULES.to_usd(50_000, "USD") == 50_000


@pytest.mark.parametrize("rate", [6.15, 6.19, 6.44, 7.1, 7.2, 7.33])
@pytest.mark.parametrize("band", [100_000, 20_000, 5_000, 1_000])
def test_cny_exactly_at_a_band_edge_stays_in_the_band(rate: float, band: int) -> None:
    rules = TierRules(cny_per_usd=rate)
    cny = round(band * rate, 2)
    assert rules.min_arr(rules.tier_for_arr(rules.to_usd(cny, "CNY"))) == band


def test_unknown_currency_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'EUR'"):
        RULES.to_usd(10, "EUR")


def test_default_cadences_follow_the_spec() -> None:
    assert [RULES.cadence_days(t) for t in Tier] == [14, 30, 60, 90, None]
    assert RULES.service(Tier.STRATEGIC).onsite_per_year >= 2


def test_tier_parse_accepts_labels_and_short_forms() -> None:
    assert Tier.parse("Self-Serve") is Tier.SELF_SERVE
    assert Tier.parse("self serve") is Tier.SELF_SERVE
    assert Tier.parse("ent") is Tier.ENTERPRISE
    assert Tier.parse("GROWTH") is Tier.GROWTH
    for tier in Tier:
        assert Tier.parse(tier.label) is tier
    with pytest.raises(ValueError, match="unknown tier 'gold'"):
        Tier.parse("gold")


def test_tiers_sort_most_valuable_first() -> None:
    assert sorted(Tier, key=lambda t: t.rank)[0] is Tier.STRATEGIC
    assert sorted(Tier, key=lambda t: t.rank)[-1] is Tier.SELF_SERVE


# --- TOML ------------------------------------------------------------------------------

VALID_TOML = """
cny_per_usd = 7.0

[tiers.strategic]
min_arr = 150000
touch_every_days = 7
qbr_per_year = 4
onsite_per_year = 3

[tiers.enterprise]
min_arr = 30000

[tiers.scale]
touch_every_days = 0
"""


def test_valid_toml_file_is_loaded(tmp_path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text(VALID_TOML, encoding="utf-8")
    rules = TierRules.from_file(path)
    assert rules.cny_per_usd == 7.0
    assert rules.tier_for_arr(149_999) is Tier.ENTERPRISE
    assert rules.tier_for_arr(150_000) is Tier.STRATEGIC
    assert rules.tier_for_arr(29_999) is Tier.GROWTH
    assert rules.cadence_days(Tier.STRATEGIC) == 7
    assert rules.service(Tier.STRATEGIC).onsite_per_year == 3
    # 0 means "no proactive cadence"
    assert rules.cadence_days(Tier.SCALE) is None


def test_partial_override_of_one_tier_keeps_the_other_defaults() -> None:
    rules = TierRules.from_toml("[tiers.growth]\ntouch_every_days = 45\n")
    assert rules.cadence_days(Tier.GROWTH) == 45
    assert rules.min_arr(Tier.GROWTH) == 5_000
    defaults = TierRules()
    for tier in Tier:
        if tier is not Tier.GROWTH:
            assert rules.service(tier) == defaults.service(tier)
            assert rules.min_arr(tier) == defaults.min_arr(tier)
    assert rules.cny_per_usd == defaults.cny_per_usd


def test_empty_toml_gives_the_defaults() -> None:
    rules = TierRules.from_toml("")
    assert [rules.min_arr(t) for t in Tier] == [TierRules().min_arr(t) for t in Tier]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tiers.gold]\nmin_arr = 1\n", r"unknown tier\(s\) in rules: gold"),
        (
            "[tiers.enterprise]\nmin_arr = 200000\n",
            "tier bands must fall with the tier: strategic min_arr 100000 is not above "
            "enterprise 200000",
        ),
        ("[tiers.growth]\nmin_arr = 20000\n", "must fall with the tier: enterprise"),
        ("[tiers.scale]\nmin_arr = -5\n", r"tiers\.scale\.min_arr must be a number ≥ 0"),
        ("[tiers.scale]\nmin_arr = 'lots'\n", r"tiers\.scale\.min_arr must be a number"),
        (
            "[tiers.strategic]\ntouch_every_days = -3\n",
            r"tiers\.strategic\.touch_every_days must be a whole number",
        ),
        (
            "[tiers.strategic]\ntouch_every_days = 7.5\n",
            r"tiers\.strategic\.touch_every_days .* got 7\.5",
        ),
        (
            "[tiers.strategic]\ntouch_every_days = 'biweekly'\n",
            r"touch_every_days .* got 'biweekly'",
        ),
        ("[tiers.strategic]\ntouch_every_days = true\n", r"touch_every_days .* got True"),
        ("[tiers.strategic]\nqbr_per_year = 'four'\n", r"tiers\.strategic\.qbr_per_year"),
        ("[tiers.strategic]\nmin_ar = 1\n", r"unknown key\(s\) in tiers\.strategic: min_ar"),
        ("tiers = 3\n", r"\[tiers\] must be a table"),
        ("cny_per_usd = 0\n", "cny_per_usd must be a number > 0"),
    ],
)
def test_bad_rules_give_clear_messages(toml: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TierRules.from_toml(toml)


def test_a_bad_file_is_named_in_the_message(tmp_path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text("[tiers.gold]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tiers\.toml: unknown tier"):
        TierRules.from_file(path)


def test_toml_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        TierRules.from_toml("[tiers.strategic\nmin_arr = 1")


def test_rules_missing_a_tier_are_refused() -> None:
    with pytest.raises(ValueError, match="missing: self-serve"):
        TierRules(bands=TierRules().bands[:-1])


# --- per-account override --------------------------------------------------------------


def test_override_records_its_reason_and_explains_itself() -> None:
    override = TierOverride(Tier.STRATEGIC, OverrideReason.FLAGSHIP, "reference logo")
    assignment = RULES.assign(40_000, override)
    assert assignment.tier is Tier.STRATEGIC
    assert assignment.by_arr is Tier.ENTERPRISE
    assert assignment.override is not None
    assert assignment.override.reason is OverrideReason.FLAGSHIP
    assert assignment.why == (
        "Strategic by override (flagship: reference logo); ARR alone says Enterprise"
    )


def test_override_without_note_still_names_the_reason() -> None:
    assignment = RULES.assign(2_000, TierOverride(Tier.GROWTH, OverrideReason.SEATS))
    assert assignment.tier is Tier.GROWTH
    assert assignment.why == "Growth by override (seats); ARR alone says Scale"


def test_override_can_lower_a_tier() -> None:
    override = TierOverride(Tier.ENTERPRISE, OverrideReason.OTHER, "parent company served")
    assignment = RULES.assign(500_000, override)
    assert assignment.tier is Tier.ENTERPRISE
    assert "ARR alone says Strategic" in assignment.why


def test_no_override_is_explained_by_the_arr_band() -> None:
    assignment = RULES.assign(25_000)
    assert assignment.tier is Tier.ENTERPRISE
    assert assignment.override is None
    assert assignment.why == "ARR band → Enterprise"


def test_override_to_the_same_tier_is_explained_by_arr() -> None:
    assignment = RULES.assign(25_000, TierOverride(Tier.ENTERPRISE, OverrideReason.FLAGSHIP))
    assert assignment.why == "ARR band → Enterprise"


# -- criteria besides ARR (seats, industry influence, reference / flagship) -----------------

CRITERIA_TOML = """
[tiers.strategic]
reference = true
industries = ["Banking", "government"]

[tiers.enterprise]
min_seats = 500
"""


def test_criteria_in_the_rules_lift_an_account_above_its_arr_band():
    from csm_tui.domain.tiers import AccountTraits

    rules = TierRules.from_toml(CRITERIA_TOML)
    small = 3_000.0  # Scale by ARR
    assert rules.assign(small, traits=AccountTraits()).tier is Tier.SCALE
    seats = rules.assign(small, traits=AccountTraits(seats=500))
    assert seats.tier is Tier.ENTERPRISE and "seats criterion" in seats.why
    assert rules.assign(small, traits=AccountTraits(industry=" banking ")).tier is Tier.STRATEGIC
    flagship = rules.assign(small, traits=AccountTraits(reference=True))
    assert flagship.tier is Tier.STRATEGIC and "flagship" in flagship.why
    # A criterion never lowers a tier; an override still decides.
    assert rules.assign(150_000.0, traits=AccountTraits(seats=600)).tier is Tier.STRATEGIC
    override = TierOverride(Tier.GROWTH, OverrideReason.OTHER, "pilot only")
    assert rules.assign(small, override, AccountTraits(reference=True)).tier is Tier.GROWTH


@pytest.mark.parametrize(
    ("toml", "words"),
    [('[tiers.growth]\nmin_seats = 0', "min_seats"),
     ('[tiers.growth]\nindustries = "banking"', "industries"),
     ('[tiers.growth]\nreference = "yes"', "reference")],
)  # fmt: skip
def test_bad_criteria_are_named(toml, words):
    with pytest.raises(ValueError, match=words):
        TierRules.from_toml(toml)
