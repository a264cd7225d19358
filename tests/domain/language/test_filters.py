"""The portfolio filter language: what each token selects, its errors, its canonical form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.health import Band
from csm_tui.domain.language.filters import (
    KNOWN_KEYS,
    AccountFacts,
    Between,
    Compare,
    Horizon,
    IsFlag,
    Op,
    OwnerWord,
    PortfolioFilter,
    PortfolioSort,
    QueryError,
    RenewalOverdue,
    Unit,
    UnknownHealth,
    add_months,
    amount_text,
    parse_filter,
)
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.tiers import ServiceModel, Tier, TierBand, TierRules

TODAY = date(2026, 5, 11)
NOON = datetime(2026, 5, 11, 12, tzinfo=UTC)


def facts(**kw) -> AccountFacts:
    base = dict(
        account_id="a1",
        name="Acme Ltd",
        tier=Tier.GROWTH,
        health=55,
        arr_usd=10_000.0,
        stage=Stage.ADOPTION,
        motion=SalesMotion.SHORT_DIRECT,
        renewal=TODAY + timedelta(200),
        last_touch=NOON - timedelta(days=3),
        owner_id="u1",
        owner_name="Li Wei",
    )
    base.update(kw)
    return AccountFacts(**base)


def selects(text: str, me: str | None = "u1", rules: TierRules | None = None, **kw) -> bool:
    return parse_filter(text).matches(facts(**kw), TODAY, me=me, rules=rules)


# ----------------------------------------------------------------------------- parsing


def test_empty_text_is_the_match_all_filter():
    for text in ("", "   ", "\t \u3000"):
        flt = parse_filter(text)
        assert flt.is_empty
        assert flt.to_text() == ""
        assert flt.matches(facts(name="", health=None, renewal=None, owner_id=None), TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tier:strategic", PortfolioFilter(tiers=frozenset({Tier.STRATEGIC}))),
        (
            "tier:strategic,enterprise",
            PortfolioFilter(tiers=frozenset({Tier.STRATEGIC, Tier.ENTERPRISE})),
        ),
        (
            "tier:strat|ent tier:self",
            PortfolioFilter(tiers=frozenset({Tier.STRATEGIC, Tier.ENTERPRISE, Tier.SELF_SERVE})),
        ),
        ("TIER:Growth", PortfolioFilter(tiers=frozenset({Tier.GROWTH}))),
        ("health:<60", PortfolioFilter(health=((Compare(Op.LT, 60),),))),
        ("health:<=60", PortfolioFilter(health=((Compare(Op.LE, 60),),))),
        ("health:>70", PortfolioFilter(health=((Compare(Op.GT, 70),),))),
        ("health:>=70", PortfolioFilter(health=((Compare(Op.GE, 70),),))),
        ("health:=50", PortfolioFilter(health=((Compare(Op.EQ, 50),),))),
        ("health:50", PortfolioFilter(health=((Compare(Op.EQ, 50),),))),
        ("health:40..69", PortfolioFilter(health=((Between(40, 69),),))),
        ("health:red|yellow|green", PortfolioFilter(health=((Band.RED, Band.YELLOW, Band.GREEN),))),
        ("health:red,unknown", PortfolioFilter(health=((Band.RED, UnknownHealth()),))),
        (
            "health:>=40 health:<60",
            PortfolioFilter(health=((Compare(Op.GE, 40),), (Compare(Op.LT, 60),))),
        ),
        ("stage:onboarding", PortfolioFilter(stages=frozenset({Stage.ONBOARDING}))),
        (
            "stage:expansion,churn",
            PortfolioFilter(stages=frozenset({Stage.RENEWAL, Stage.CHURNED})),
        ),
        ("owner:me", PortfolioFilter(owners=frozenset({OwnerWord.ME}))),
        ("owner:none", PortfolioFilter(owners=frozenset({OwnerWord.NONE}))),
        ('owner:"Li Wei",me', PortfolioFilter(owners=frozenset({"li wei", OwnerWord.ME}))),
        ('owner:"me"', PortfolioFilter(owners=frozenset({"me"}))),
        ("renewal:<90d", PortfolioFilter(renewal=((Horizon(Op.LT, 90, Unit.DAYS),),))),
        ("renewal:<3m", PortfolioFilter(renewal=((Horizon(Op.LT, 3, Unit.MONTHS),),))),
        ("renewal:>30d", PortfolioFilter(renewal=((Horizon(Op.GT, 30, Unit.DAYS),),))),
        (
            "renewal:<=2w,overdue",
            PortfolioFilter(renewal=((Horizon(Op.LE, 2, Unit.WEEKS), RenewalOverdue()),)),
        ),
        ("renewal:past", PortfolioFilter(renewal=((RenewalOverdue(),),))),
        ("arr:>100k", PortfolioFilter(arr=((Compare(Op.GT, 100_000),),))),
        ("arr:<5k", PortfolioFilter(arr=((Compare(Op.LT, 5_000),),))),
        ("arr:>1.5m", PortfolioFilter(arr=((Compare(Op.GT, 1_500_000),),))),
        ("arr:5k..20K", PortfolioFilter(arr=((Between(5_000, 20_000),),))),
        ("is:overdue", PortfolioFilter(flags=((IsFlag.OVERDUE,),))),
        ("is:late is:zombie", PortfolioFilter(flags=((IsFlag.LATE,), (IsFlag.ZOMBIE,)))),
        ("is:late,overdue", PortfolioFilter(flags=((IsFlag.LATE, IsFlag.OVERDUE),))),
        ("motion:long-direct", PortfolioFilter(motions=frozenset({SalesMotion.LONG_DIRECT}))),
        ("Acme", PortfolioFilter(words=("acme",))),
        ('"Acme Ltd" 云图', PortfolioFilter(words=("acme ltd", "云图"))),
        ('acme ACME ""', PortfolioFilter(words=("acme",))),
        # the language's one escape rule: \" \\ \n \t \r; any other backslash is itself
        (r'"say \"hi\" C:\\temp"', PortfolioFilter(words=('say "hi" c:\\temp',))),
        (r'"C:\temp C:\data"', PortfolioFilter(words=("c:\temp c:\\data",))),
    ],
)
def test_each_token_parses_to_its_meaning(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "expected_start"),
    [
        ("health:<", 8, 'a number after "health:<"'),
        ("health:<abc", 8, 'a number after "health:<"'),
        ("tier:x health:<", 5, "a tier"),
        ("tier:strategic health:<", 23, 'a number after "health:<"'),
        ("health:<101", 8, 'a number from 0 to 100 after "health:<"'),
        ("health:70..40", 7, "a range from low to high"),
        ("health:40..x", 11, 'a number after "health:40.."'),
        ("health:lots", 7, 'a score after "health:"'),
        ("tier:", 5, 'a value after "tier:"'),
        ("tier:strategic,", 15, 'a value after ","'),
        ("tier:ultra", 5, "a tier (strategic, enterprise, growth, scale, self-serve)"),
        ("stage:done", 6, "a stage"),
        ("motion:fast", 7, "a sales motion"),
        ("is:happy", 3, 'a flag after "is:" (overdue, late, zombie)'),
        ("renewal:90d", 8, 'a horizon after "renewal:"'),
        ("renewal:<90", 11, 'a unit d, w, m or y after "renewal:<90"'),
        ("renewal:<soon", 9, 'a number of days, weeks, months or years after "renewal:<"'),
        ("arr:>lots", 5, 'an amount like 5000, 100k or 1.5m after "arr:>"'),
        ("arr:>100x", 5, 'an amount like 5000, 100k or 1.5m after "arr:>"'),
        ('acme "Ltd', 9, 'a closing " for the quote opened at column 6'),
        ('owner:"li', 9, 'a closing " for the quote opened at column 7'),
        ('owner:"li"x', 10, 'a "," or "|" between values'),
        ('owner:""', 6, "an owner's name"),
    ],
)
def test_errors_name_the_position_and_what_was_expected(text, position, expected_start):
    with pytest.raises(QueryError) as info:
        parse_filter(text)
    err = info.value
    assert err.position == position
    assert err.expected.startswith(expected_start)
    assert str(err).startswith(f"column {position + 1}: expected {expected_start}")


def test_the_brief_example_error_reads_exactly():
    with pytest.raises(QueryError) as info:
        parse_filter("health:<")
    assert str(info.value) == 'column 9: expected a number after "health:<"'


def test_unknown_key_lists_the_known_keys_and_how_to_search_a_colon():
    with pytest.raises(QueryError) as info:
        parse_filter("acme colour:blue")
    err = info.value
    assert err.position == 5
    for key in KNOWN_KEYS:
        assert f"{key}:" in str(err)
    assert 'found "colour:"' in str(err)
    assert "quotes" in str(err)
    assert parse_filter('"colour:blue"').words == ("colour:blue",)


@pytest.mark.parametrize(
    ("text", "position", "example"),
    [
        ("health<60", 6, "health:<60"),
        ("acme ARR>=100k", 8, "arr:>=100k"),
        ("renewal<90d", 7, "renewal:<90d"),
    ],
)
def test_a_key_without_its_colon_is_an_error_not_a_search_for_nothing(text, position, example):
    """`health<60` searched names for "health<60": 0 accounts, and no word why."""
    with pytest.raises(QueryError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert f"({example}; put text in quotes to search names)" in str(info.value)
    assert parse_filter(f'"{text}"').words == (text.lower(),)
    assert parse_filter("healthcare").words == ("healthcare",)  # a word, not a key


def test_query_error_is_a_value_error():
    with pytest.raises(ValueError, match="column 1"):
        parse_filter("nope:1")


# ----------------------------------------------------------------------------- meaning


def test_free_text_is_a_case_insensitive_substring_of_the_name_and_every_word_counts():
    assert selects("acme", name="ACME Holdings")
    assert selects("me hold", name="ACME Holdings")
    assert not selects("acme zeta", name="ACME Holdings")
    assert selects('"acme hold"', name="ACME Holdings")
    assert not selects('"acme  hold"', name="ACME Holdings")
    assert selects("云图", name="杭州云图科技")
    assert not selects("云图", name="杭州天成科技")
    assert selects("société", name="SOCIÉTÉ GÉNÉRALE")
    assert selects("50%", name="50% Off Ltd")
    assert not selects("50%", name="500 Ltd")


def test_tier_and_stage_and_motion_select_from_a_set():
    assert selects("tier:growth")
    assert selects("tier:strategic,growth")
    assert not selects("tier:strategic")
    assert selects("tier:strategic tier:growth")
    assert selects("stage:adopt")
    assert not selects("stage:onboarding", stage=Stage.ACTIVATION)
    assert selects("motion:long-direct", motion=SalesMotion.LONG_DIRECT)
    assert not selects("motion:long-direct")


@pytest.mark.parametrize(
    ("text", "health", "expected"),
    [
        ("health:<60", 59, True),
        ("health:<60", 60, False),
        ("health:<=60", 60, True),
        ("health:<=60", 61, False),
        ("health:>70", 70, False),
        ("health:>70", 71, True),
        ("health:>=70", 70, True),
        ("health:>=70", 69, False),
        ("health:=50", 50, True),
        ("health:=50", 51, False),
        ("health:40..69", 40, True),
        ("health:40..69", 69, True),
        ("health:40..69", 70, False),
        ("health:40..69", 39, False),
        ("health:red", 39, True),
        ("health:red", 40, False),
        ("health:yellow", 40, True),
        ("health:yellow", 69, True),
        ("health:yellow", 70, False),
        ("health:green", 70, True),
        ("health:green", 69, False),
        ("health:red|green", 80, True),
        ("health:red|green", 50, False),
        ("health:>=40 health:<60", 50, True),
        ("health:>=40 health:<60", 60, False),
        ("health:<60", None, False),
        ("health:red", None, False),
        ("health:unknown", None, True),
        ("health:unknown", 10, False),
        ("health:red|unknown", None, True),
    ],
)
def test_health_terms(text, health, expected):
    assert selects(text, health=health) is expected


@pytest.mark.parametrize(
    ("text", "days_from_today", "expected"),
    [
        ("renewal:<90d", 0, True),
        ("renewal:<90d", 89, True),
        ("renewal:<90d", 90, False),
        ("renewal:<90d", -1, False),
        ("renewal:<=90d", 90, True),
        ("renewal:<=90d", 91, False),
        ("renewal:>30d", 30, False),
        ("renewal:>30d", 31, True),
        ("renewal:>30d", -5, False),
        ("renewal:>=30d", 30, True),
        ("renewal:<2w", 13, True),
        ("renewal:<2w", 14, False),
        ("renewal:overdue", -1, True),
        ("renewal:overdue", 0, False),
        ("renewal:<30d,overdue", -10, True),
        ("renewal:<30d,overdue", 40, False),
        ("renewal:>30d renewal:<90d", 60, True),
        ("renewal:>30d renewal:<90d", 95, False),
    ],
)
def test_renewal_horizons_count_from_today(text, days_from_today, expected):
    assert selects(text, renewal=TODAY + timedelta(days_from_today)) is expected


def test_renewal_terms_need_a_renewal_date_and_overdue_ignores_churned_accounts():
    assert not selects("renewal:<90d", renewal=None)
    assert not selects("renewal:overdue", renewal=None)
    assert not selects("renewal:overdue", renewal=TODAY - timedelta(3), stage=Stage.CHURNED)


def test_renewal_months_are_calendar_months():
    # 11 May + 3 months = 11 August
    assert selects("renewal:<3m", renewal=date(2026, 8, 10))
    assert not selects("renewal:<3m", renewal=date(2026, 8, 11))
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert selects("renewal:<1y", renewal=date(2027, 5, 10))
    assert not selects("renewal:<1y", renewal=date(2027, 5, 11))


@pytest.mark.parametrize(
    ("text", "arr", "expected"),
    [
        ("arr:>100k", 100_000, False),
        ("arr:>100k", 100_000.01, True),
        ("arr:>=100k", 100_000, True),
        ("arr:<5k", 4_999, True),
        ("arr:<5k", 5_000, False),
        ("arr:>1.5m", 1_500_001, True),
        ("arr:>1.5m", 1_400_000, False),
        ("arr:5k..20k", 20_000, True),
        ("arr:5k..20k", 20_001, False),
    ],
)
def test_arr_compares_the_usd_equivalent(text, arr, expected):
    assert selects(text, arr_usd=arr) is expected


def test_owner_me_none_and_names():
    assert selects("owner:me", owner_id="u1")
    assert not selects("owner:me", owner_id="u2")
    assert not selects("owner:me", me=None, owner_id="u1")
    assert selects("owner:none", owner_id=None, owner_name=None)
    assert not selects("owner:none")
    assert selects("owner:wei")
    assert selects('owner:"LI W"')
    assert not selects("owner:zhang")
    assert selects("owner:zhang,me", owner_id="u1")
    assert selects("owner:zhang owner:wei")


@pytest.mark.parametrize(
    ("tier", "days_ago", "expected"),
    [
        (Tier.STRATEGIC, 14, False),
        (Tier.STRATEGIC, 15, True),
        (Tier.ENTERPRISE, 30, False),
        (Tier.ENTERPRISE, 31, True),
        (Tier.GROWTH, 61, True),
        (Tier.SCALE, 90, False),
        (Tier.SCALE, 91, True),
        (Tier.STRATEGIC, None, True),
        (Tier.SELF_SERVE, None, False),
        (Tier.SELF_SERVE, 900, False),
    ],
)
def test_is_overdue_against_the_tiers_cadence(tier, days_ago, expected):
    touch = None if days_ago is None else NOON - timedelta(days=days_ago, hours=11)
    assert selects("is:overdue", tier=tier, last_touch=touch) is expected


def test_is_overdue_follows_configured_rules():
    bands = tuple(
        TierBand(
            b.tier,
            b.min_arr,
            ServiceModel(7 if b.tier is Tier.GROWTH else b.service.touch_every_days, 0, 0, ""),
        )
        for b in TierRules().bands
    )
    rules = TierRules(bands=bands)
    touch = NOON - timedelta(days=8)
    assert selects("is:overdue", rules=rules, tier=Tier.GROWTH, last_touch=touch)
    assert not selects("is:overdue", tier=Tier.GROWTH, last_touch=touch)


@pytest.mark.parametrize(
    ("days", "late", "zombie"),
    [
        (29, False, False),
        (30, True, False),
        (89, True, False),
        (90, True, True),
    ],
)
def test_is_late_and_zombie_count_days_since_go_live(days, late, zombie):
    kw = dict(go_live=TODAY - timedelta(days), activated_on=None, stage=Stage.ACTIVATION)
    assert selects("is:late", **kw) is late
    assert selects("is:zombie", **kw) is zombie
    activated = dict(kw, activated_on=TODAY - timedelta(1))
    assert not selects("is:late", **activated)
    assert not selects("is:late", **dict(kw, stage=Stage.ADOPTION))


def test_terms_combine_with_and():
    assert selects("acme tier:growth health:<60 stage:adoption owner:me")
    assert not selects("acme tier:growth health:<50 stage:adoption owner:me")
    assert not selects("zeta tier:growth health:<60")


# ----------------------------------------------------------------------------- printing


def test_canonical_text_resolves_aliases_and_orders_terms():
    flt = parse_filter(
        'Acme owner:"Li Wei" is:overdue tier:ent,strat health:<60 '
        "stage:expansion renewal:<90d arr:>100000 motion:long_direct owner:me"
    )
    assert flt.to_text() == (
        "tier:strategic,enterprise health:<60 stage:renewal renewal:<90d arr:>100k "
        'owner:me,"li wei" motion:long-direct is:overdue acme'
    )
    assert str(flt) == flt.to_text()


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (100_000, "100k"),
        (1_500_000, "1.5m"),
        (5_000, "5k"),
        (1234, "1234"),
        (999.5, "999.5"),
        (0, "0"),
        (12_345_678, "12345678"),
        (2_500, "2500"),
        (25_000, "25k"),
        (250_000, "250k"),
    ],
)
def test_amounts_print_short(amount, text):
    assert amount_text(amount) == text


# ----------------------------------------------------------------------------- properties

_TEXT_CHARS = st.sampled_from(list("abcXYZ019 _%:,|\"\\'-云图éÉ\u3000\t"))
_words = st.text(_TEXT_CHARS, min_size=1, max_size=8).map(str.casefold)
_scores = st.integers(0, 100)
_amounts = st.one_of(
    st.integers(0, 10**9).map(float), st.decimals(0, 10**7, places=2, allow_nan=False).map(float)
)


def _between(values):
    return st.tuples(values, values).map(lambda p: Between(min(p), max(p)))


_health_alt = st.one_of(
    st.sampled_from(list(Band)),
    st.just(UnknownHealth()),
    st.builds(Compare, st.sampled_from(list(Op)), _scores),
    _between(_scores),
)
_amount_alt = st.one_of(st.builds(Compare, st.sampled_from(list(Op)), _amounts), _between(_amounts))
_renewal_alt = st.one_of(
    st.just(RenewalOverdue()),
    st.builds(
        Horizon,
        st.sampled_from([Op.LT, Op.LE, Op.GT, Op.GE]),
        st.integers(0, 9999),
        st.sampled_from(list(Unit)),
    ),
)


def _terms(alt):
    return st.lists(st.lists(alt, min_size=1, max_size=3, unique=True).map(tuple), max_size=2).map(
        tuple
    )


filters = st.builds(
    PortfolioFilter,
    words=st.lists(_words, max_size=3, unique=True).map(tuple),
    tiers=st.frozensets(st.sampled_from(list(Tier))),
    stages=st.frozensets(st.sampled_from(list(Stage))),
    motions=st.frozensets(st.sampled_from(list(SalesMotion))),
    owners=st.frozensets(st.one_of(st.sampled_from(list(OwnerWord)), _words), max_size=3),
    health=_terms(_health_alt),
    arr=_terms(_amount_alt),
    renewal=_terms(_renewal_alt),
    flags=_terms(st.sampled_from(list(IsFlag))),
)


@settings(max_examples=300)
@given(filters)
def test_print_then_parse_gives_back_the_same_filter(flt):
    assert parse_filter(flt.to_text()) == flt


_tokens = st.one_of(
    st.sampled_from(
        [
            "tier:strategic",
            "tier:ent,growth",
            "tier:self",
            "health:<60",
            "health:40..69",
            "health:red|unknown",
            "health:=5",
            "stage:onboarding,churn",
            "owner:me",
            'owner:"Li Wei"',
            "owner:none,zhang",
            "renewal:<90d",
            "renewal:<3m,overdue",
            "renewal:>=1y",
            "arr:>100k",
            "arr:1.5m..2m",
            "arr:<5k",
            "is:overdue",
            "is:late,zombie",
            "motion:long-direct",
            '"acme ltd"',
            "ACME",
            "云图",
            '"a\\"b"',
            "health:<",
            "tier:",
            "bogus:x",
            '"open',
            "arr:>1.234567k",
            "health:007",
        ]
    ),
    st.text(_TEXT_CHARS, max_size=6),
)


@settings(max_examples=300)
@given(st.lists(_tokens, max_size=6).map(" ".join))
def test_parse_print_parse_is_stable_for_any_text(text):
    try:
        flt = parse_filter(text)
    except QueryError as err:
        assert 0 <= err.position <= len(text)
        assert str(err).startswith(f"column {err.position + 1}: expected ")
        return
    printed = flt.to_text()
    again = parse_filter(printed)
    assert again == flt
    assert again.to_text() == printed


# ----------------------------------------------------------------------------- sorting


def test_sort_cycles_through_every_order_with_a_label():
    seen = [PortfolioSort.TIER_HEALTH]
    while (nxt := seen[-1].next) is not PortfolioSort.TIER_HEALTH:
        seen.append(nxt)
    assert seen == list(PortfolioSort)
    assert [s.label for s in seen] == [
        "tier, health ↑",
        "renewal soonest",
        "last touch oldest",
        "ARR ↓",
        "name",
    ]
    assert PortfolioSort.parse("ARR") is PortfolioSort.ARR
    with pytest.raises(ValueError, match="unknown sort"):
        PortfolioSort.parse("size")


def test_reference_sort_keys():
    rows = [
        facts(account_id="1", name="beta", tier=Tier.GROWTH, health=30),
        facts(account_id="2", name="Alpha", tier=Tier.GROWTH, health=30),
        facts(account_id="3", name="zed", tier=Tier.GROWTH, health=None),
        facts(account_id="4", name="top", tier=Tier.STRATEGIC, health=90),
    ]
    order = sorted(rows, key=PortfolioSort.TIER_HEALTH.key)
    assert [r.account_id for r in order] == ["4", "3", "2", "1"]


@given(st.dates(), st.integers(-240, 240))
def test_add_months_keeps_the_day_or_falls_back_to_the_months_last(day, months):
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        assert add_months(day, months) in (date.min, date.max)
        return
    last = calendar.monthrange(year, month + 1)[1]
    assert add_months(day, months) == date(year, month + 1, min(day.day, last))


def test_far_horizons_do_not_overflow():
    assert selects("renewal:<9999y", renewal=TODAY + timedelta(5000))
    assert not selects("renewal:>9999w", renewal=TODAY + timedelta(5000))
