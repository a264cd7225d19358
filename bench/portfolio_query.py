"""Portfolio read path over a synthetic book: median milliseconds per question.

    python bench/portfolio_query.py [--accounts 100000] [--runs 7] [--db PATH]

Builds a synthetic book (raw executemany, schema from store/models.py) in a temporary
directory unless --db names an existing file, then times, on a fresh `PortfolioQuery` each
run (as a filter keystroke does): `count()` + `window(0, 60)` for each filter and sort, a
window at deep offsets, and `index_of`. Budgets (issue 2, spec section 6): the unfiltered
portfolio in a few ms; a filter keystroke under 50 ms to repaint, so count + window under
~30 ms.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from csm_tui.domain.language.filters import PortfolioSort, parse_filter
from csm_tui.domain.tiers import TierRules
from csm_tui.store.portfolio import PortfolioQuery
from csm_tui.store.timestamps import to_db

TODAY = date(2026, 5, 11)
OWNERS = ["Ana Lima", "Li Wei", "王芳", "John Smith", "Zhang Min", "Sara Cole"]
EN_A = [
    "Blue",
    "North",
    "Silver",
    "Rapid",
    "Bright",
    "Prime",
    "Delta",
    "Nova",
    "Summit",
    "Harbor",
    "Pioneer",
    "Quantum",
    "Cedar",
    "Falcon",
    "Lotus",
    "Granite",
    "Maple",
]
EN_B = [
    "Systems",
    "Labs",
    "Foods",
    "Logistics",
    "Retail",
    "Energy",
    "Health",
    "Media",
    "Capital",
    "Works",
    "Dynamics",
    "Partners",
]
ZH_A = [
    "云图",
    "华信",
    "天成",
    "盛达",
    "金石",
    "东方",
    "明远",
    "博雅",
    "新华",
    "恒通",
    "中科",
    "瑞丰",
]
ZH_B = ["科技", "集团", "有限公司", "信息技术", "网络", "物流"]
STAGES = ["onboarding", "activation", "adoption", "adoption", "adoption", "renewal", "churned"]
MOTIONS = ["short-direct", "long-direct", "short-channel", "long-channel"]


def build_book(path: Path, accounts: int, seed: int = 7) -> None:
    """A synthetic book: long-tail ARR, all tiers and stages, EN and ZH names."""
    from sqlmodel import SQLModel, create_engine

    import csm_tui.store.models  # noqa: F401  (registers the tables)

    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    rnd = random.Random(seed)
    rules = TierRules()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executemany(
        "INSERT INTO users(id, name, email, role) VALUES (?, ?, '', 'csm')",
        [(f"u{i}", name) for i, name in enumerate(OWNERS)],
    )
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)
    stamp = to_db(now)
    rows = []
    for _ in range(accounts):
        r = rnd.random()
        if r < 0.55:
            name = f"{rnd.choice(EN_A)} {rnd.choice(EN_A)}{rnd.randint(1, 999)} {rnd.choice(EN_B)}"
        elif r < 0.9:
            name = f"{rnd.choice(ZH_A)}{rnd.choice(ZH_A)}{rnd.choice(ZH_B)}{rnd.randint(1, 99)}"
        else:
            name = f"{rnd.choice(EN_B)} & {rnd.choice(EN_A)} {rnd.randint(1, 9999)} Ltd"
        if rnd.random() < 0.001:
            name = "Acme " + name
        arr_usd = round(rnd.paretovariate(1.05) * 700, 2)
        tier = rules.tier_for_arr(arr_usd)
        currency = "CNY" if rnd.random() < 0.3 else "USD"
        arr = arr_usd * rules.cny_per_usd if currency == "CNY" else arr_usd
        health = None if rnd.random() < 0.03 else max(0, min(100, int(rnd.gauss(62, 20))))
        cadence = rules.cadence_days(tier) or 120
        touch = (
            None
            if rnd.random() < 0.05
            else now
            - timedelta(days=rnd.expovariate(1 / (cadence * 0.8)), seconds=rnd.randint(0, 86_400))
        )
        renewal = None if rnd.random() < 0.1 else TODAY + timedelta(rnd.randint(-60, 400))
        go_live = TODAY - timedelta(rnd.randint(0, 900))
        activated = None if rnd.random() < 0.2 else go_live + timedelta(rnd.randint(1, 40))
        rows.append(
            (
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                name,
                currency,
                arr,
                arr_usd,
                tier.value,
                tier.rank,
                rnd.choice(MOTIONS),
                rnd.choice(STAGES),
                go_live.isoformat(),
                activated and activated.isoformat(),
                renewal and renewal.isoformat(),
                None if rnd.random() < 0.02 else f"u{rnd.randrange(len(OWNERS))}",
                health,
                None if health is None else max(0, min(100, health + rnd.randint(-12, 12))),
                touch and to_db(touch),
                stamp,
                stamp,
                stamp if rnd.random() < 0.01 else None,
            )
        )
    conn.executemany(
        "INSERT INTO accounts(id, name, currency, arr, arr_usd, tier, tier_rank, sales_motion,"
        " stage, go_live_date, activated_on, renewal_date, owner_id, health_score,"
        " health_score_30d, last_touch_at, created_at, updated_at, deleted_at,"
        " tier_override_note, segment, industry, seats, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'','','',0,0)",
        rows,
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def _first_window(conn: sqlite3.Connection, text: str, sort: PortfolioSort, offset: int) -> float:
    q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
    q.count()
    start = time.perf_counter()
    q.window(offset, 60)
    return (time.perf_counter() - start) * 1000


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--db", type=Path, default=None, help="reuse this book (built there first if missing)"
    )
    parser.add_argument(
        "--cache-mb", type=int, default=0, help="PRAGMA cache_size in MB (0: SQLite's default)"
    )
    parser.add_argument("--plans", action="store_true", help="print SQLite's query plans")
    args = parser.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory(prefix="csm-bench-")
        args.db = Path(tmp.name) / "book.sqlite3"
    if not args.db.exists():
        start = time.perf_counter()
        build_book(args.db, args.accounts)
        print(f"built {args.accounts} accounts in {time.perf_counter() - start:.1f} s")
    conn = sqlite3.connect(args.db)
    if args.cache_mb:
        conn.execute(f"PRAGMA cache_size = -{args.cache_mb * 1024}")
    live = PortfolioQuery(conn, parse_filter(""), PortfolioSort.TIER_HEALTH, TODAY, "u1").count()
    print(f"{live} live accounts, SQLite {sqlite3.sqlite_version}, median of {args.runs} runs")
    print("(a fresh PortfolioQuery per run, as a filter keystroke or a re-sort makes)\n")

    def keystroke(text: str, sort: PortfolioSort) -> tuple[float, int]:
        flt = parse_filter(text)
        counts = []

        def run() -> None:
            q = PortfolioQuery(conn, flt, sort, TODAY, "u1")
            counts.append(q.count())
            q.window(0, 60)

        ms = median_ms(run, args.runs)
        if args.plans:
            plans = PortfolioQuery(conn, flt, sort, TODAY, "u1").plans()
            print(f"    walk:  {plans['walk']}\n    count: {plans['count']}")
        return ms, counts[-1]

    header = f"{'filter':<44} {'sort':<18} {'ms':>7} {'matches':>8}"
    print("count() + window(0, 60)\n" + header)
    cases = [
        "",
        "tier:strategic",
        "health:<60",
        "acme",
        "zzzzqx",
        '"blue north"',
        "云图",
        "is:overdue",
        "renewal:<90d",
        "stage:onboarding",
        "owner:me",
        "owner:li",
        "arr:>100k",
        "is:late",
        "motion:long-direct health:red",
        "tier:growth,scale health:<40 renewal:<90d",
        "acme tier:scale,self-serve",
    ]
    for text in cases:
        ms, n = keystroke(text, PortfolioSort.TIER_HEALTH)
        print(f"{text or '(no filter)':<44} {'tier, health ↑':<18} {ms:7.2f} {n:8d}")
    for sort in list(PortfolioSort)[1:]:
        for text in (
            "",
            "tier:strategic",
            "health:<60",
            "acme",
            "zzzzqx",
            "is:overdue",
            "renewal:<90d",
            "stage:onboarding",
        ):
            ms, n = keystroke(text, sort)
            print(f"{text or '(no filter)':<44} {sort.label:<18} {ms:7.2f} {n:8d}")

    print("\ntyping a name, one keystroke at a time\n" + header)
    for text in ("a", "ac", "acm", "acme", "acme ", "acme l"):
        ms, n = keystroke(text, PortfolioSort.TIER_HEALTH)
        print(f"{text!r:<44} {'tier, health ↑':<18} {ms:7.2f} {n:8d}")

    print(
        f"\nwindow(offset, 60) on a counted query\n{'filter @ offset':<44} {'sort':<18} "
        f"{'first':>7} {'next':>7}"
    )
    for text in ("", "health:<60", "stage:onboarding"):
        for sort in PortfolioSort:
            total = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").count()
            for offset in (total // 2, max(0, total - 100)):
                # first: the first deep window of a query; next: scrolling on from there
                firsts = [_first_window(conn, text, sort, offset) for _ in range(args.runs)]
                q = PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1")
                q.count()
                q.window(offset, 60)
                nxt = median_ms(lambda q=q, o=offset: q.window(o + 60, 60), args.runs)
                label = f"{text or '(no filter)'} @ {offset}"
                print(f"{label:<44} {sort.label:<18} {statistics.median(firsts):7.2f} {nxt:7.2f}")

    print(f"\nindex_of, an account mid-book (with count())\n{'filter':<44} {'sort':<18} {'ms':>7}")
    middle = PortfolioQuery(conn, parse_filter(""), PortfolioSort.NAME, TODAY, "u1")
    target = middle.window(middle.count() // 2, 1)[0].id
    for text in ("", "health:<60"):
        for sort in PortfolioSort:

            def locate(text=text, sort=sort) -> None:
                PortfolioQuery(conn, parse_filter(text), sort, TODAY, "u1").index_of(target)

            ms = median_ms(locate, args.runs)
            print(f"{text or '(no filter)':<44} {sort.label:<18} {ms:7.2f}")
    conn.close()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
