"""A deterministic, realistic demo book: `build_demo_book(path, accounts, seed, now=...)`.

Same (accounts, seed, now) → byte-identical rows: every choice comes from one
`random.Random(seed)` in a fixed order, ids are UUIDv7-shaped from the record's creation
instant and the generator's bits (never `new_id()`), and every date is relative to `now`.

What the book holds (spec section 2; issue 2, item 4):

- ARR with a long tail (lognormal, stratified so every book has all five tiers in sensible
  proportions), about 15% of accounts billed in CNY, a few tier overrides with reasons;
- four sales motions (long cycles more common in high tiers); every lifecycle stage, with
  accounts 30+ and 90+ days past go-live and not activated, renewals spread over the next
  12 months and churned accounts past their renewal date;
- 6 CSMs in 2 teams, a lead per team and an admin; English and Chinese names; a few
  account names with Rich markup and terminal escapes so the app's safe display is used;
- stakeholders with roles; 18 months of activities (more for higher tiers), some accounts
  overdue against cadence and some never touched; current `AccountSignals` whose
  `score_health` is the account's `health_score`; a health snapshot every 30 days for 18
  months (`health_score_30d` is the one 30 days ago, some accounts dropped 10+ points);
  tasks (done, due, late, snoozed); the current stage's checklist, partly ticked, with the
  stage history; prep notes;
- ARR history (`arr_events`): the contract's start, renewals of the last 24 months (flat,
  uplifted or at a lower price), mid-term expansions and contractions, a churn for every
  churned account, and a few changes signed but not yet effective; the last event of a
  live account is its ARR today (drawn from a stream of its own: see `_arr_events`).

The book is built in a side file with raw `sqlite3` (one transaction, `executemany`,
the store's INSERT statements of `store.inserts`, storage formats of `store.timestamps`)
and moved into place when complete, in WAL mode. Books of 5,000+ accounts are written by
a helper process while this process generates the next batch: 100k accounts build in
about 35 s on two cores.

The package, one job a module:

- `shape`: the book's proportions and the pure choices drawn from the seed (ARR, tiers,
  stages, motions, owners; an account's lifecycle dates and health story);
- `stamps`: instants, date texts and seeded UUIDv7 ids relative to `now`;
- `people`: the team, company names and stakeholders;
- `activities`: an account's touches and notes;
- `history`: health snapshots, stage history and checklist, ARR history;
- `accounts`: one account's story, step by step, and its own row;
- `writer`: the side file and the helper process that writes the batches;
- the raw health signals and renewal decisions are `store/demo_signals.py`, the words
  `store/demo_text.py`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from csm_tui.store.cache import META_BOOK_NAME, META_DATA_AS_OF, META_ME, make_private
from csm_tui.store.demo.accounts import AccountMaker
from csm_tui.store.demo.shape import MAX_ACCOUNTS, Skeleton
from csm_tui.store.demo.writer import (
    PROCESS_WRITER_FROM,
    TABLE_ORDER,
    Batch,
    InlineWriter,
    Meta,
    ProcessWriter,
    Row,
    Writer,
    remove_db,
)
from csm_tui.store.demo_text import ME, PEOPLE
from csm_tui.store.rates import REVALUED_AT
from csm_tui.store.timestamps import to_db

__all__ = ["MAX_ACCOUNTS", "PROCESS_WRITER_FROM", "DemoSummary", "build_demo_book"]

BATCH_ACCOUNTS = 4_000  # rows are flushed to SQLite every this many accounts


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo_book` made."""

    path: Path
    accounts: int
    seed: int
    data_as_of: datetime
    me_id: str
    me_name: str
    book_name: str
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written


def build_demo_book(
    path: Path,
    accounts: int = 300,
    seed: int = 7,
    *,
    now: datetime,
    progress: Callable[[str], None] | None = None,
    replace: bool = False,
) -> DemoSummary:
    """Build a demo book of `accounts` accounts at `path`, as of `now` (timezone-aware).

    Refuses to overwrite an existing file unless `replace=True`. The book is written to
    `<path>.building` and moved into place only when complete, so a crash never leaves a
    half-built cache at `path`. `progress`, if given, receives short phase messages.
    Books of `PROCESS_WRITER_FROM` accounts or more are written by a helper process.
    """
    return _build(path, accounts, seed, now=now, progress=progress, replace=replace,
                  in_process=accounts < PROCESS_WRITER_FROM or not sys.executable)  # fmt: skip


def _check(path: Path, accounts: int, now: datetime, replace: bool) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise ValueError(f"accounts must be between 1 and {MAX_ACCOUNTS:,}")
    if path.exists() and not replace:
        raise FileExistsError(f"{path} exists; pass replace=True to overwrite it")


def _build(
    path: Path,
    accounts: int,
    seed: int,
    *,
    now: datetime,
    progress: Callable[[str], None] | None,
    replace: bool,
    in_process: bool,
) -> DemoSummary:
    path = Path(path)
    _check(path, accounts, now, replace)
    say = progress or (lambda _msg: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    side = path.with_name(path.name + ".building")
    remove_db(side)
    make_private(side)  # an empty file, 0600: SQLite keeps its mode (and its WAL's)

    maker = AccountMaker(seed, now)
    say("people and teams")
    teams, users = maker.users()
    say("planning accounts")
    skeletons = maker.skeletons(accounts)
    me_id = maker.people.ids[ME]
    book_name = f"Demo book ({accounts:,} accounts, seed {seed})"
    meta = [
        (META_DATA_AS_OF, to_db(now)),
        (META_ME, me_id),
        (META_BOOK_NAME, book_name),
        ("demo_seed", str(seed)),
        (REVALUED_AT, repr(maker.rules.cny_per_usd)),  # ARR today is valued at this rate
    ]
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived tuples; the collector only slows the build
    try:
        counts = _write(side, in_process, maker, teams, users, skeletons, meta, say)
    except BaseException:
        remove_db(side)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
    if replace:
        remove_db(path)
    os.replace(side, path)
    say("done")
    return DemoSummary(
        path=path,
        accounts=accounts,
        seed=seed,
        data_as_of=now,
        me_id=me_id,
        me_name=next(p[1] for p in PEOPLE if p[0] == ME),
        book_name=book_name,
        rows=counts,
    )


def _write(
    side: Path,
    in_process: bool,
    maker: AccountMaker,
    teams: list[Row],
    users: list[Row],
    skeletons: list[Skeleton],
    meta: Meta,
    say: Callable[[str], None],
) -> dict[str, int]:
    """Every account into the side file, a batch at a time; the rows written per table."""
    accounts = len(skeletons)
    counts = dict.fromkeys(TABLE_ORDER, 0)
    writer: Writer | None = None
    try:
        writer = InlineWriter(side) if in_process else ProcessWriter(side)
        writer.put({"teams": teams, "users": users})
        batch: Batch = {t: [] for t in TABLE_ORDER}
        for i, skel in enumerate(skeletons, 1):
            maker.account(skel, batch)
            if i % BATCH_ACCOUNTS == 0 or i == accounts:
                for table in TABLE_ORDER:
                    counts[table] += len(batch[table])
                writer.put(batch)
                batch = {t: [] for t in TABLE_ORDER}
                say(f"accounts {i:,}/{accounts:,}")
        say("indexing")
        writer.finish(meta)
    except BaseException:
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.abort()
        raise
    counts["teams"], counts["users"] = len(teams), len(users)
    return counts
