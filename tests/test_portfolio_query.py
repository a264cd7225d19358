"""The portfolio's SQL read path: the accounts each filter selects, in the order of each sort.

Every test runs twice: with the real probe size (small results are fetched whole) and with
a probe of 2 rows, so the paths a 100k-account book takes (COUNT, LIMIT/OFFSET walks,
the position query of `index_of`) run on the same small book.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csm_tui.store.portfolio as portfolio
from csm_tui.domain.language.filters import AccountFacts, PortfolioSort, parse_filter
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.tiers import ServiceModel, Tier, TierBand, TierRules
from csm_tui.store.portfolio import PortfolioQuery, PortfolioRow, like_pattern
from csm_tui.store.timestamps import to_db

TODAY = date(2026, 5, 11)
NOON = datetime(2026, 5, 11, 12, tzinfo=UTC)
USERS = {"u1": "Li Wei", "u2": "Zhang Min", "u3": "Ana LIMA"}


def create_schema(path: Path) -> None:
    from sqlmodel import SQLModel, create_engine

    import csm_tui.store.models  # noqa: F401

    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()


def insert_users(conn: sqlite3.Connection, users: dict[str, str]) -> None:
    conn.executemany(
        "INSERT INTO users(id, name, email, role) VALUES (?, ?, '', 'csm')", list(users.items())
    )


def insert_account(conn: sqlite3.Connection, f: AccountFacts, deleted: bool = False) -> None:
    stamp = to_db(NOON)
    conn.execute(
        "INSERT INTO accounts(id, name, currency, arr, arr_usd, tier, tier_rank, sales_motion,"
        " stage, go_live_date, activated_on, renewal_date, owner_id, health_score,"
        " health_score_30d, last_touch_at, created_at, updated_at, deleted_at,"
        " tier_override_note, segment, industry, seats, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'','','',0,0)",
        (
            f.account_id,
            f.name,
            "CNY",
            f.arr_usd * 7.2,
            f.arr_usd,
            f.tier.value,
            f.tier.rank,
            f.motion.value,
            f.stage.value,
            f.go_live and f.go_live.isoformat(),
            f.activated_on and f.activated_on.isoformat(),
            f.renewal and f.renewal.isoformat(),
            f.owner_id,
            f.health,
            None if f.health is None else f.health + 5,
            f.last_touch and to_db(f.last_touch),
            stamp,
            stamp,
            stamp if deleted else None,
        ),
    )


def account(
    account_id,
    name,
    tier,
    health,
    arr,
    *,
    stage=Stage.ADOPTION,
    motion=SalesMotion.SHORT_DIRECT,
    renewal=None,
    touched=None,
    owner=None,
    go_live=None,
    activated=None,
) -> AccountFacts:
    return AccountFacts(
        account_id=account_id,
        name=name,
        tier=tier,
        health=health,
        arr_usd=arr,
        stage=stage,
        motion=motion,
        renewal=None if renewal is None else TODAY + timedelta(renewal),
        last_touch=None if touched is None else NOON - timedelta(days=touched, hours=3),
        owner_id=owner,
        owner_name=USERS.get(owner) if owner else None,
        go_live=None if go_live is None else TODAY - timedelta(go_live),
        activated_on=activated,
    )


S, E, G, SC, SS = Tier.STRATEGIC, Tier.ENTERPRISE, Tier.GROWTH, Tier.SCALE, Tier.SELF_SERVE
BOOK = [
    account(
        "a01",
        "Acme Ltd",
        S,
        45,
        150_000,
        motion=SalesMotion.LONG_DIRECT,
        renewal=30,
        touched=10,
        owner="u1",
    ),
    account("a02", "acme labs", S, None, 120_000, stage=Stage.ONBOARDING, owner="u2", go_live=40),
    account(
        "a03",
        "Zeta Corp",
        S,
        80,
        300_000,
        stage=Stage.RENEWAL,
        renewal=-5,
        touched=20,
        owner="u1",
        motion=SalesMotion.LONG_CHANNEL,
    ),
    account(
        "a04",
        "Beta GmbH",
        E,
        45,
        50_000,
        motion=SalesMotion.LONG_DIRECT,
        renewal=100,
        touched=31,
        owner="u3",
    ),
    account("a05", "beta AG", E, 45, 40_000, renewal=200, touched=5, owner="u2"),
    account(
        "a06",
        "杭州云图科技",
        G,
        65,
        8_000,
        stage=Stage.ACTIVATION,
        renewal=60,
        touched=2,
        owner="u2",
        go_live=100,
    ),
    account("a07", "50% Off Ltd", G, 30, 6_000, renewal=89, touched=61, owner="u3"),
    account("a08", "500 Ltd", SC, 72, 2_000, stage=Stage.CHURNED, renewal=-10, owner="u2"),
    account("a09", "a_b Systems", SC, 10, 1_500, renewal=91, touched=90, owner="u3"),
    account("a10", "ab Systems", SS, None, 500),
    account(
        "a11",
        "'; DROP TABLE accounts; --",
        SS,
        50,
        100,
        stage=Stage.ONBOARDING,
        renewal=365,
        touched=1,
        owner="u1",
    ),
    account(
        "a13",
        "SOCIÉTÉ Générale",
        E,
        69,
        25_000,
        motion=SalesMotion.SHORT_CHANNEL,
        renewal=0,
        touched=15,
        owner="u3",
    ),
]
DELETED = account("a12", "Deleted Acme", S, 10, 500_000, owner="u1")


@pytest.fixture(params=[portfolio.PROBE_ROWS, 2], ids=["probe-real", "probe-2"])
def probe(request, monkeypatch):
    monkeypatch.setattr(portfolio, "PROBE_ROWS", request.param)
    return request.param


@pytest.fixture
def conn(tmp_path, probe):
    path = tmp_path / "cache.sqlite3"
    create_schema(path)
    connection = sqlite3.connect(path)
    insert_users(connection, USERS)
    for f in BOOK:
        insert_account(connection, f)
    insert_account(connection, DELETED, deleted=True)
    connection.commit()
    yield connection
    connection.close()


def ids(conn, text="", sort=PortfolioSort.TIER_HEALTH, me="u1", rules=None) -> list[str]:
    q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, me, rules)
    rows = q.window(0, 1000)
    assert q.count() == len(rows)
    return [r.id for r in rows]


# ----------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {f.account_id for f in BOOK}),
        ("tier:strategic", {"a01", "a02", "a03"}),
        ("tier:strat,ent", {"a01", "a02", "a03", "a04", "a05", "a13"}),
        ("health:<60", {"a01", "a04", "a05", "a07", "a09", "a11"}),
        ("health:<=45", {"a01", "a04", "a05", "a07", "a09"}),
        ("health:>70", {"a03", "a08"}),
        ("health:>=72", {"a03", "a08"}),
        ("health:=45", {"a01", "a04", "a05"}),
        ("health:40..69", {"a01", "a04", "a05", "a06", "a11", "a13"}),
        ("health:red|unknown", {"a02", "a07", "a09", "a10"}),
        ("health:green", {"a03", "a08"}),
        ("stage:onboarding", {"a02", "a11"}),
        ("stage:renewal,churned", {"a03", "a08"}),
        ("owner:me", {"a01", "a03", "a11"}),
        ("owner:none", {"a10"}),
        ("owner:lima", {"a04", "a07", "a09", "a13"}),
        ('owner:"Zhang M",me', {"a01", "a02", "a03", "a05", "a06", "a08", "a11"}),
        ("renewal:<90d", {"a01", "a06", "a07", "a13"}),
        ("renewal:<3m", {"a01", "a06", "a07", "a09", "a13"}),
        ("renewal:>90d", {"a04", "a05", "a09", "a11"}),
        ("renewal:overdue", {"a03"}),
        ("arr:>100k", {"a01", "a02", "a03"}),
        ("arr:<5k", {"a08", "a09", "a10", "a11"}),
        ("arr:>=1.5k arr:<=8k", {"a06", "a07", "a08", "a09"}),
        ("is:overdue", {"a02", "a03", "a04", "a07", "a08"}),
        ("is:late", {"a02", "a06"}),
        ("is:zombie", {"a06"}),
        ("motion:long-direct", {"a01", "a04"}),
        ("acme", {"a01", "a02"}),
        ("ACME LTD", {"a01"}),
        ('"acme l"', {"a01", "a02"}),
        ("云图", {"a06"}),
        ("50%", {"a07"}),
        ("a_b", {"a09"}),
        ("société", {"a13"}),
        ("générale", {"a13"}),
        ("'; drop", {"a11"}),
        ("zzz", set()),
        ("acme tier:strategic health:<60", {"a01"}),
        ("tier:growth,scale is:overdue", {"a07", "a08"}),
        ("owner:me renewal:<90d", {"a01"}),
        ("ltd owner:lima,zhang", {"a07", "a08"}),
    ],
)
def test_each_filter_selects_exactly_the_expected_accounts(conn, text, expected):
    for sort in PortfolioSort:
        assert set(ids(conn, text, sort)) == expected, sort


def test_owner_me_without_a_user_selects_nothing(conn):
    assert ids(conn, "owner:me", me=None) == []


def test_is_overdue_uses_the_given_tier_rules(conn):
    bands = tuple(
        TierBand(
            b.tier,
            b.min_arr,
            ServiceModel(1 if b.tier is Tier.GROWTH else b.service.touch_every_days, 0, 0, ""),
        )
        for b in TierRules().bands
    )
    rules = TierRules(bands=bands)
    assert set(ids(conn, "tier:growth is:overdue", rules=rules)) == {"a06", "a07"}
    q = PortfolioQuery(conn, parse_filter("tier:growth"), PortfolioSort.NAME, TODAY, None, rules)
    assert {r.cadence_days for r in q.window(0, 10)} == {1}


def test_text_is_bound_never_pasted_into_sql(conn):
    evil = '"\'; DROP TABLE accounts; --"'
    assert ids(conn, evil) == ["a11"]
    assert ids(conn, 'owner:"\'; DROP TABLE users; --"') == []
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == len(BOOK) + 1
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == len(USERS)


def test_like_wildcards_in_the_text_are_literal():
    assert like_pattern("50%") == ("%50\\%%", True)
    assert like_pattern("a_b\\") == ("%a\\_b\\\\%", True)
    assert like_pattern("云图") == ("%云图%", True)
    assert like_pattern("société") == ("%soci_t_%", False)


def test_deleted_accounts_never_show(conn):
    for sort in PortfolioSort:
        q = PortfolioQuery(conn, parse_filter(""), sort, TODAY, "u1")
        assert q.count() == len(BOOK)
        assert "a12" not in [r.id for r in q.window(0, 100)]
        assert q.index_of("a12") is None
    assert "a12" not in ids(conn, "acme")


def test_a_row_carries_what_the_table_shows(conn):
    q = PortfolioQuery(conn, parse_filter("zeta"), PortfolioSort.TIER_HEALTH, TODAY, "u1")
    (row,) = q.window(0, 10)
    assert row == PortfolioRow(
        id="a03",
        name="Zeta Corp",
        tier="strategic",
        tier_rank=0,
        health_score=80,
        health_score_30d=85,
        arr=300_000 * 7.2,
        currency="CNY",
        arr_usd=300_000.0,
        stage="renewal",
        renewal_date=date(2026, 5, 6),
        last_touch_at=NOON - timedelta(days=20, hours=3),
        owner_name="Li Wei",
        cadence_days=14,
    )
    assert row.last_touch_at.tzinfo is UTC
    (unowned,) = PortfolioQuery(
        conn, parse_filter("owner:none"), PortfolioSort.NAME, TODAY, "u1"
    ).window(0, 10)
    assert (unowned.owner_name, unowned.cadence_days, unowned.health_score) == (None, None, None)
    with pytest.raises(AttributeError):
        row.name = "x"  # frozen
    assert not hasattr(row, "__dict__")  # slots


# ----------------------------------------------------------------------------- sorts

ORDERS = {
    # tier, then health ascending with unknown health first in its tier, then name, then id
    PortfolioSort.TIER_HEALTH: [
        "a02",
        "a01",
        "a03",
        "a05",
        "a04",
        "a13",
        "a07",
        "a06",
        "a09",
        "a08",
        "a10",
        "a11",
    ],
    # soonest renewal first (overdue renewals on top), then no renewal date, churned last
    PortfolioSort.RENEWAL: [
        "a03",
        "a13",
        "a01",
        "a06",
        "a07",
        "a09",
        "a04",
        "a05",
        "a11",
        "a10",
        "a02",
        "a08",
    ],
    # never touched first, then the oldest touch
    PortfolioSort.LAST_TOUCH: [
        "a08",
        "a10",
        "a02",
        "a09",
        "a07",
        "a04",
        "a03",
        "a13",
        "a01",
        "a05",
        "a06",
        "a11",
    ],
    PortfolioSort.ARR: [
        "a03",
        "a01",
        "a02",
        "a04",
        "a05",
        "a13",
        "a06",
        "a07",
        "a08",
        "a09",
        "a10",
        "a11",
    ],
    # ASCII case ignored
    PortfolioSort.NAME: [
        "a11",
        "a07",
        "a08",
        "a09",
        "a10",
        "a02",
        "a01",
        "a05",
        "a04",
        "a13",
        "a03",
        "a06",
    ],
}


@pytest.mark.parametrize("sort", list(PortfolioSort))
def test_sort_orders_exactly_as_specified(conn, sort):
    assert ids(conn, "", sort) == ORDERS[sort]
    assert ORDERS[sort] == [f.account_id for f in sorted(BOOK, key=sort.key)]


def test_renewal_soonest_puts_churned_accounts_last_not_first(conn):
    # Issue 8: a churned account's renewal date is in the past (the renewal it lost), so
    # "renewal soonest" showed it on top; the overdue live renewal is what needs the CSM.
    order = ids(conn, "", PortfolioSort.RENEWAL)
    assert order[0] == "a03"  # stage renewal, renewal date 5 days ago: overdue
    assert order[-1] == "a08"  # churned 10 days ago
    q = PortfolioQuery(conn, parse_filter(""), PortfolioSort.RENEWAL, TODAY, "u1")
    assert q.index_of("a08") == len(order) - 1


@pytest.mark.parametrize("sort", list(PortfolioSort))
@pytest.mark.parametrize("text", ["", "health:<60", "tier:strat,ent,growth", "l", "stage:adoption"])
def test_windows_page_through_the_full_sort(conn, sort, text):
    q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
    whole = [r.id for r in q.window(0, q.count())]
    for size in (1, 2, 5):
        fresh = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
        backwards: list[str] = []  # scrolling up from the bottom
        for offset in reversed(range(0, fresh.count(), size)):
            backwards = [r.id for r in fresh.window(offset, size)] + backwards
        assert backwards == whole
        paged = [
            r.id
            for offset in range(0, q.count() + size, size)
            for r in PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").window(
                offset, size
            )
        ]
        assert paged == whole
    assert q.window(q.count(), 10) == []
    assert q.window(0, 0) == []
    with pytest.raises(ValueError):
        q.window(-1, 5)


@pytest.mark.parametrize("sort", list(PortfolioSort))
@pytest.mark.parametrize("text", ["", "health:<60", "acme", "stage:adoption", "is:overdue"])
def test_index_of_finds_each_account_where_the_window_shows_it(conn, sort, text):
    whole = [
        r.id for r in PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").window(0, 100)
    ]
    for position, account_id in enumerate(whole):
        q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
        assert q.index_of(account_id) == position
    for f in BOOK:
        if f.account_id not in whole:
            q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
            assert q.index_of(f.account_id) is None
    assert PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").index_of("nope") is None


def test_the_cursor_can_follow_an_account_across_a_resort(conn):
    before = PortfolioQuery(conn, parse_filter(""), PortfolioSort.TIER_HEALTH, TODAY, "u1")
    assert before.window(4, 1)[0].id == "a04"
    after = PortfolioQuery(conn, parse_filter(""), PortfolioSort.NAME, TODAY, "u1")
    position = after.index_of("a04")
    assert after.window(position, 1)[0].id == "a04"


# ----------------------------------------------------------------------------- plans

INDEX_OF_SORT = {
    PortfolioSort.TIER_HEALTH: "ix_accounts_portfolio",
    PortfolioSort.RENEWAL: "ix_accounts_renewal",
    PortfolioSort.LAST_TOUCH: "ix_accounts_last_touch",
    PortfolioSort.ARR: "ix_accounts_arr",
    PortfolioSort.NAME: "ix_accounts_name",
}


@pytest.mark.parametrize("sort", list(PortfolioSort))
@pytest.mark.parametrize("text", ["", "acme", "tier:growth health:<60"])
def test_each_sort_walks_its_own_index_without_sorting(conn, sort, text):
    # What keeps scrolling fast on a big book: the window is read off an index, in order.
    walk = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").plans()["walk"]
    assert INDEX_OF_SORT[sort] in walk
    assert "TEMP B-TREE" not in walk


@pytest.mark.parametrize(
    "text",
    [
        "stage:onboarding",
        "owner:me",
        "renewal:<90d",
        "arr:>100k",
        "is:overdue",
        "is:late",
        "motion:long-direct",
        "owner:lima",
        "health:red|unknown",
    ],
)
def test_any_filter_is_counted_without_reading_the_table(conn, text):
    # One pass over an index at worst: the table itself is never read row by row.
    for sort in PortfolioSort:
        count_plan = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").plans()["count"]
        account_steps = [step for step in count_plan.split("; ") if " a " in f"{step} "]
        assert account_steps
        assert all("COVERING INDEX" in step for step in account_steps), count_plan


def test_the_read_path_knows_the_account_indexes_models_declares(conn):
    # portfolio.py plans around what each index holds; a change in models.py must follow.
    for name, (_lead, held) in portfolio._INDEXES.items():
        info = conn.execute(f"PRAGMA index_info({name})").fetchall()
        assert info, f"{name} is missing"
        columns = {row[2] for row in info if row[2] is not None} - {"deleted_at"}
        assert columns == set(held), name
        partial = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()[0]
        assert partial.endswith("WHERE deleted_at IS NULL"), name


# ----------------------------------------------------------------------------- property

_NAME_CHARS = list("abAB z%_'\"云图éÉüÜ-1")
_facts = st.builds(
    AccountFacts,
    account_id=st.just(""),
    name=st.text(st.sampled_from(_NAME_CHARS), min_size=1, max_size=7),
    tier=st.sampled_from(list(Tier)),
    health=st.one_of(st.none(), st.integers(0, 100)),
    arr_usd=st.sampled_from([0.0, 500.0, 5_000.0, 20_000.0, 99_999.5, 100_000.0, 2e6]),
    stage=st.sampled_from(list(Stage)),
    motion=st.sampled_from(list(SalesMotion)),
    renewal=st.one_of(st.none(), st.integers(-100, 500).map(lambda d: TODAY + timedelta(d))),
    last_touch=st.one_of(
        st.none(), st.integers(0, 200 * 24).map(lambda h: NOON - timedelta(hours=h))
    ),
    owner_id=st.sampled_from([None, "u1", "u2", "u3"]),
    go_live=st.one_of(st.none(), st.integers(-10, 200).map(lambda d: TODAY - timedelta(d))),
    activated_on=st.one_of(st.none(), st.just(TODAY - timedelta(5))),
)
_filter_texts = st.lists(
    st.sampled_from(
        [
            "tier:strategic,growth",
            "tier:self-serve",
            "health:<60",
            "health:40..69",
            "health:red|unknown",
            "health:>=70",
            "stage:onboarding,activation",
            "stage:churned",
            "owner:me",
            "owner:none",
            "owner:zhang,lima",
            "renewal:<90d",
            "renewal:>30d",
            "renewal:overdue",
            "renewal:<=3m",
            "arr:>=20k",
            "arr:<5k",
            "arr:500..20k",
            "is:overdue",
            "is:late",
            "is:zombie",
            "motion:long-direct,short-channel",
            "a",
            "b",
            "云",
            "%",
            "_",
            "é",
            "ü",
            '"a b"',
            "'",
            "z",
            "1",
        ]
    ),
    max_size=3,
).map(" ".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "cache.sqlite3"
    create_schema(path)
    connection = sqlite3.connect(path)
    insert_users(connection, USERS)
    yield connection
    connection.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    book=st.lists(_facts, max_size=14),
    text=_filter_texts,
    sort=st.sampled_from(list(PortfolioSort)),
    probe_rows=st.sampled_from([2000, 1, 3]),
    me=st.sampled_from(["u1", None]),
)
def test_sql_selects_and_orders_exactly_like_the_domain(
    scratch, monkeypatch, book, text, sort, probe_rows, me
):
    monkeypatch.setattr(portfolio, "PROBE_ROWS", probe_rows)
    scratch.execute("DELETE FROM accounts")
    book = [
        AccountFacts(
            **{**f.__dict__, "account_id": f"id{i:02d}", "owner_name": USERS.get(f.owner_id or "")}
        )
        for i, f in enumerate(book)
    ]
    for f in book:
        insert_account(scratch, f)
    flt = parse_filter(text)
    expected = [
        f.account_id for f in sorted((f for f in book if flt.matches(f, TODAY, me)), key=sort.key)
    ]
    q = PortfolioQuery(scratch, flt, sort, TODAY, me)
    assert q.count() == len(expected)
    assert [r.id for r in q.window(0, 100)] == expected
    if expected:
        middle = len(expected) // 2
        fresh = PortfolioQuery(scratch, flt, sort, TODAY, me)
        assert fresh.index_of(expected[middle]) == middle
        assert [r.id for r in fresh.window(middle, 2)] == expected[middle : middle + 2]


def test_known_index_of_finds_the_first_matches_without_a_count(conn, probe):
    """While a filter is typed the cursor stays on an account among the ids the first
    question read; beyond them it is not looked for (that would take a COUNT)."""
    q = PortfolioQuery(conn, parse_filter(""), PortfolioSort.TIER_HEALTH, TODAY, "u1")
    order = [r.id for r in q.window(0, 1000)]
    fresh = PortfolioQuery(conn, parse_filter("health:<100"), PortfolioSort.NAME, TODAY, "u1")
    fresh.count()
    asked: list[str] = []
    conn.set_trace_callback(asked.append)
    try:
        positions = {a: fresh.known_index_of(a) for a in order}
    finally:
        conn.set_trace_callback(None)
    assert not any("count(" in sql.lower() for sql in asked)
    names = [r.id for r in fresh.window(0, 1000)]
    for account_id, position in positions.items():
        assert position is None or names[position] == account_id
    if probe >= len(names):  # every match read at once: each one is found
        assert all(positions[a] == names.index(a) for a in names)


def test_a_query_read_on_one_connection_reads_on_through_another(conn, tmp_path):
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    q = PortfolioQuery(reader, parse_filter("é"), PortfolioSort.TIER_HEALTH, TODAY, "u1")
    expected = PortfolioQuery(conn, parse_filter("é"), PortfolioSort.TIER_HEALTH, TODAY, "u1")
    count = q.count()
    reader.close()
    q.use(conn)  # the worker's connection is closed: the UI thread's reads on
    assert count == expected.count()
    assert [r.id for r in q.window(0, 100)] == [r.id for r in expected.window(0, 100)]
