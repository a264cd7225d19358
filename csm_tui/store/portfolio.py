"""The portfolio's read path: a filtered, sorted window over the accounts, in raw sqlite3.

The virtualised portfolio table asks for the size of the result and for the rows on
screen; both must answer in a few milliseconds over 100,000 accounts, so this module
avoids the ORM (importing SQLModel costs start-up time) and leans on the partial indexes
declared on `Account` in store/models.py: one per sort order, each holding the sort's
ties (name, ignoring ASCII case, then id) and tier and health; the default order's index
holds every column the filter language tests.

- The meaning of every filter term is `PortfolioFilter.matches` in the domain; the WHERE
  clause built here is its SQL twin, with bound parameters only (a property test holds
  them together).
- When the sort's index holds every column the filter tests (always for the default
  order), the first question walks that index in order and keeps up to `PROBE_ROWS` + 1
  ids: if fewer match (the usual case while typing a name) that one pass answers the
  count, every window and `index_of`; if more match, the walk stopped early and one COUNT
  follows. When another index narrows the filter by a range (renewal:, arr:, owner:),
  or the sort's index lacks a column, COUNT comes first; a small result is then fetched
  whole.
- COUNT and whole fetches may only use indexes that hold every column the filter tests,
  so whatever the planner picks (with or without ANALYZE statistics) it never reads the
  table row by row: at worst one pass over the default order's index.
- The unfiltered count is the table's size minus its tombstones: both nearly free.
- Windows beyond the cached ids walk the sort's index with LIMIT/OFFSET, the filter's
  other columns written `+a.col` so the planner keeps to that index. Deep in a result
  the sort's index does not cover, the whole ordered id list is fetched once instead.
- Rows are read by rowid, the owner's name joined from `users`.

A `PortfolioQuery` is a snapshot of one (filter, sort, today, me): make a new one when any
of them changes or after a write. It uses the connection it is given, from one thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from csm_tui.domain.clock import day_start_db
from csm_tui.domain.health_terms import Band
from csm_tui.domain.language.filters import (
    Between,
    Compare,
    Horizon,
    IsFlag,
    Op,
    OwnerWord,
    PortfolioFilter,
    PortfolioSort,
    RenewalOverdue,
    UnknownHealth,
)
from csm_tui.domain.lifecycle import LATE_ACTIVATION_DAYS, ZOMBIE_DAYS, Stage
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.store.timestamps import date_from_db, date_to_db, from_db


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """One line of the portfolio table."""

    id: str
    name: str
    tier: str
    tier_rank: int
    health_score: int | None
    health_score_30d: int | None
    arr: float
    currency: str
    arr_usd: float
    stage: str
    renewal_date: date | None
    last_touch_at: datetime | None  # UTC
    owner_name: str | None
    cadence_days: int | None  # the tier's touch cadence; None: no cadence


PROBE_ROWS = 2000
_CHUNK = 500

_ROW_COLUMNS = (
    "a.rowid, a.id, a.name, a.tier, a.tier_rank, a.health_score, a.health_score_30d, "
    "a.arr, a.currency, a.arr_usd, a.stage, a.renewal_date, a.last_touch_at, u.name"
)

# Sort key per order: (expression, descending, nullable, collate nocase), as its index
# (`_SORT_INDEX`) holds them.
_Key = tuple[str, bool, bool, bool]
# Churned accounts go last in "renewal soonest": the literal matches ix_accounts_renewal's
# first expression (store/models.py), so the index still serves the order.
_CHURNED = f"(a.stage = '{Stage.CHURNED.value}')"
_NAME_KEYS: tuple[_Key, ...] = (("a.name", False, False, True), ("a.id", False, False, False))
_SORT_KEYS: dict[PortfolioSort, tuple[_Key, ...]] = {
    PortfolioSort.TIER_HEALTH: (
        ("a.tier_rank", False, False, False),
        ("a.health_score", False, True, False),
        *_NAME_KEYS,
    ),
    PortfolioSort.RENEWAL: (
        (_CHURNED, False, False, False),
        ("(a.renewal_date IS NULL)", False, False, False),
        ("a.renewal_date", False, True, False),
        *_NAME_KEYS,
    ),
    PortfolioSort.LAST_TOUCH: (("a.last_touch_at", False, True, False), *_NAME_KEYS),
    PortfolioSort.ARR: (("a.arr_usd", True, False, False), *_NAME_KEYS),
    PortfolioSort.NAME: _NAME_KEYS,
}
# The account indexes of store/models.py: (columns usable for ranges, columns held).
# Every one is partial over live accounts and also holds `deleted_at`.
_TIER_HEALTH = frozenset({"tier_rank", "health_score"})
_ALL_FILTER_COLUMNS = frozenset(
    {
        "tier_rank",
        "health_score",
        "name",
        "id",
        "stage",
        "sales_motion",
        "owner_id",
        "renewal_date",
        "last_touch_at",
        "arr_usd",
        "go_live_date",
        "activated_on",
    }
)
_INDEXES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ix_accounts_portfolio": (_TIER_HEALTH, _ALL_FILTER_COLUMNS),
    "ix_accounts_renewal": (
        frozenset({"renewal_date"}),
        frozenset({"renewal_date", "name", "id"}) | _TIER_HEALTH,
    ),
    "ix_accounts_last_touch": (
        frozenset({"last_touch_at"}),
        frozenset({"last_touch_at", "name", "id"}) | _TIER_HEALTH,
    ),
    "ix_accounts_arr": (
        frozenset({"arr_usd"}),
        frozenset({"arr_usd", "name", "id"}) | _TIER_HEALTH,
    ),
    "ix_accounts_name": (frozenset({"name"}), frozenset({"name", "id"}) | _TIER_HEALTH),
    "ix_accounts_owner": (
        frozenset({"owner_id"}) | _TIER_HEALTH,
        frozenset({"owner_id", "name", "id"}) | _TIER_HEALTH,
    ),
}
_SORT_INDEX: dict[PortfolioSort, str] = {
    PortfolioSort.TIER_HEALTH: "ix_accounts_portfolio",
    PortfolioSort.RENEWAL: "ix_accounts_renewal",
    PortfolioSort.LAST_TOUCH: "ix_accounts_last_touch",
    PortfolioSort.ARR: "ix_accounts_arr",
    PortfolioSort.NAME: "ix_accounts_name",
}


def _covering_leads(columns: frozenset[str]) -> frozenset[str]:
    """The range columns of every index that holds all of `columns`.

    Leaving only those usable by the planner means whatever index it picks, it answers
    from that index alone, never reading the table row by row: at worst one pass over
    the default order's index, which holds every column a filter tests.
    """
    leads: set[str] = set()
    for lead, held in _INDEXES.values():
        if columns <= held:
            leads |= lead
    return frozenset(leads)


_BAND_RANGES = {Band.RED: (None, 40), Band.YELLOW: (40, 70), Band.GREEN: (70, None)}


def order_by(sort: PortfolioSort, use_index: bool = True) -> str:
    """The ORDER BY clause of a sort; its index serves it unless `use_index` is False.

    Without the index (every key written `+expr`), the planner picks the index that suits
    the WHERE clause and sorts what it finds: right when few accounts match.
    """
    plus = "" if use_index else "+"
    parts = []
    for expr, desc, _nullable, nocase in _SORT_KEYS[sort]:
        parts.append(
            plus + expr + (" COLLATE NOCASE" if nocase else "") + (" DESC" if desc else "")
        )
    return ", ".join(parts)


# ----------------------------------------------------------------------------- text


def _needs_unicode_fold(ch: str) -> bool:
    return ord(ch) > 127 and (ch.upper() != ch or ch.lower() != ch)


def like_pattern(needle: str) -> tuple[str, bool]:
    """A LIKE pattern (ESCAPE '\\') finding `needle` anywhere, and whether it is exact.

    LIKE ignores the case of ASCII letters only; a letter outside ASCII that has a case
    becomes `_` and the match must then be confirmed with `csm_contains` (casefold).
    """
    out = ["%"]
    exact = True
    for ch in needle:
        if ch in "\\%_":
            out.append("\\" + ch)
        elif _needs_unicode_fold(ch):
            out.append("_")
            exact = False
        else:
            out.append(ch)
    out.append("%")
    return "".join(out), exact


def _contains(text: str | None, needle: str | None) -> bool:
    return text is not None and needle is not None and needle in text.casefold()


def _ensure_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("csm_contains", 2, _contains, deterministic=True)


# ----------------------------------------------------------------------------- WHERE


class _Where:
    """Builds the WHERE clause of a filter; every value travels as a bound parameter."""

    def __init__(
        self,
        flt: PortfolioFilter,
        today: date,
        me: str | None,
        rules: TierRules,
        keep_index: frozenset[str] | None,
        zone: tzinfo = UTC,
    ) -> None:
        self.zone = zone
        self.sql: list[str] = ["a.deleted_at IS NULL"]
        self.params: list[object] = []
        self.needs_functions = False
        self.columns: set[str] = set()  # the account columns the clause reads
        # keep_index None: the planner may use any index; otherwise only the columns named
        # may (the others are written `+a.col`, which SQLite never looks up in an index).
        self._keep = keep_index
        self._build(flt, today, me, rules)

    def col(self, name: str) -> str:
        self.columns.add(name)
        if self._keep is None or name in self._keep:
            return f"a.{name}"
        return f"+a.{name}"

    def text(self) -> str:
        return " AND ".join(self.sql)

    def _text_match(self, column: str, needle: str) -> str:
        pattern, exact = like_pattern(needle)
        self.params.append(pattern)
        if exact:
            return f"{column} LIKE ? ESCAPE '\\'"
        self.needs_functions = True
        self.params.append(needle)
        return f"({column} LIKE ? ESCAPE '\\' AND csm_contains({column}, ?))"

    def _in(self, column: str, values: Sequence[object]) -> str:
        self.params.extend(values)
        return f"{self.col(column)} IN ({', '.join('?' * len(values))})"

    def _build(self, flt: PortfolioFilter, today: date, me: str | None, rules: TierRules) -> None:
        for word in flt.words:
            self.columns.add("name")
            self.sql.append(self._text_match("a.name", word))
        if flt.tiers:
            self.sql.append(self._in("tier_rank", sorted(t.rank for t in flt.tiers)))
        if flt.stages:
            self.sql.append(self._in("stage", sorted(s.value for s in flt.stages)))
        if flt.motions:
            self.sql.append(self._in("sales_motion", sorted(m.value for m in flt.motions)))
        if flt.owners:
            self.sql.append(self._any(self._owner(o, me) for o in _ordered(flt.owners)))
        for term in flt.health:
            self.sql.append(self._any(self._health(alt) for alt in term))
        for term in flt.arr:
            self.sql.append(self._any(self._compare("arr_usd", alt) for alt in term))
        for renewal_term in flt.renewal:
            self.sql.append(self._any(self._renewal(alt, today) for alt in renewal_term))
        for flag_term in flt.flags:
            self.sql.append(self._any(self._flag(flag, today, rules) for flag in flag_term))

    @staticmethod
    def _any(parts: Iterable[str]) -> str:
        items = list(parts)
        return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"

    def _owner(self, owner: OwnerWord | str, me: str | None) -> str:
        if owner is OwnerWord.ME:
            if me is None:
                return "0"
            self.params.append(me)
            return f"{self.col('owner_id')} = ?"
        if owner is OwnerWord.NONE:
            return f"{self.col('owner_id')} IS NULL"
        assert isinstance(owner, str)
        match = self._text_match("u.name", owner)
        return f"{self.col('owner_id')} IN (SELECT u.id FROM users u WHERE {match})"

    def _compare(self, column: str, alt: Compare | Between) -> str:
        col = self.col(column)
        if isinstance(alt, Between):
            self.params.extend((alt.low, alt.high))
            return f"{col} BETWEEN ? AND ?"
        self.params.append(alt.value)
        return f"{col} {alt.op.value} ?"

    def _health(self, alt: object) -> str:
        col = self.col("health_score")
        if isinstance(alt, UnknownHealth):
            return f"{col} IS NULL"
        if isinstance(alt, Band):
            low, high = _BAND_RANGES[alt]
            parts = []
            if low is not None:
                self.params.append(low)
                parts.append(f"{col} >= ?")
            if high is not None:
                self.params.append(high)
                parts.append(f"{col} < ?")
            return "(" + " AND ".join(parts) + ")"
        assert isinstance(alt, Compare | Between)
        return self._compare("health_score", alt)

    def _renewal(self, alt: object, today: date) -> str:
        col = self.col("renewal_date")
        if isinstance(alt, RenewalOverdue):
            self.params.extend((date_to_db(today), Stage.CHURNED.value))
            return f"({col} < ? AND {self.col('stage')} <> ?)"
        assert isinstance(alt, Horizon)
        limit = date_to_db(alt.limit(today))
        if alt.op in (Op.LT, Op.LE):
            self.params.extend((date_to_db(today), limit))
            return f"({col} >= ? AND {col} {alt.op.value} ?)"
        self.params.append(limit)
        return f"{col} {alt.op.value} ?"

    def _flag(self, flag: IsFlag, today: date, rules: TierRules) -> str:
        if flag is IsFlag.OVERDUE:
            # Past the tier's cadence: last touch on a day before today - cadence, or never.
            touch = self.col("last_touch_at")
            whens = []
            for tier in TIER_ORDER:
                cadence = rules.cadence_days(tier)
                if cadence is not None:
                    since = day_start_db(today - timedelta(cadence), self.zone)
                    self.params.extend((tier.rank, since))
                    whens.append(f"WHEN ? THEN ({touch} IS NULL OR {touch} < ?)")
            if not whens:
                return "0"
            return f"(CASE {self.col('tier_rank')} {' '.join(whens)} ELSE 0 END)"
        days = ZOMBIE_DAYS if flag is IsFlag.ZOMBIE else LATE_ACTIVATION_DAYS
        self.params.extend(
            (Stage.ONBOARDING.value, Stage.ACTIVATION.value, date_to_db(today - timedelta(days)))
        )
        go_live = self.col("go_live_date")
        return (
            f"({go_live} IS NOT NULL AND {self.col('activated_on')} IS NULL"
            f" AND {self.col('stage')} IN (?, ?) AND {go_live} <= ?)"
        )


def _ordered(owners: frozenset[OwnerWord | str]) -> list[OwnerWord | str]:
    words = [o for o in (OwnerWord.ME, OwnerWord.NONE) if o in owners]
    return [*words, *sorted(o for o in owners if isinstance(o, str))]


# ----------------------------------------------------------------------------- the query


class PortfolioQuery:
    """The accounts a filter selects, in a sort order, read a window at a time.

    `me` is the id of the user the app runs as (`owner:me`); `today` is the clock's day in
    the user's `zone` (renewal horizons, overdue touches, late activation); days since a
    touch are counted in `zone`.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        flt: PortfolioFilter,
        sort: PortfolioSort,
        today: date,
        me: str | None,
        rules: TierRules | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self.conn = conn
        self.zone = zone
        self.filter = flt
        self.sort = sort
        self.today = today
        self.me = me
        self.rules = rules or TierRules()
        self._cadence = {t.value: self.rules.cadence_days(t) for t in Tier}
        reads = _Where(flt, today, me, self.rules, keep_index=None, zone=zone)
        lead, held = _INDEXES[_SORT_INDEX[sort]]
        self._walk = _Where(flt, today, me, self.rules, keep_index=lead, zone=zone)
        columns = frozenset(reads.columns)
        self._cover = _Where(
            flt, today, me, self.rules, keep_index=_covering_leads(columns), zone=zone
        )
        self._needs_functions = reads.needs_functions
        if reads.needs_functions:
            _ensure_functions(conn)
        self._order = order_by(sort)
        # Does walking the sort's index answer the filter without reading the table?
        self._covered = columns <= held
        # Does another covering index narrow the filter by a range (renewal:, arr:, owner:)?
        # Then COUNT through it comes first; otherwise one ordered walk may answer it all.
        # (Names are searched anywhere in them, which no index narrows.)
        self._narrowed = bool((_covering_leads(columns) & columns) - lead - {"name"})
        self._count: int | None = None
        self._ids: list[int] | None = None  # ordered rowids: all, or the first ones
        self._complete = False
        self._positions: dict[int, int] | None = None

    # -- size ----------------------------------------------------------------------------

    def count(self) -> int:
        """How many accounts the filter selects."""
        if self._count is None:
            self._count = self._compute_count()
        return self._count

    def _compute_count(self) -> int:
        if self.filter.is_empty:
            total: int = self.conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
            deleted: int = self.conn.execute(
                "SELECT count(*) FROM accounts WHERE deleted_at IS NOT NULL"
            ).fetchone()[0]
            return total - deleted
        if self._covered and not self._narrowed:
            self._probe()
        elif self.filter.words:
            self._probe_unordered()
        if self._complete:
            assert self._ids is not None
            return len(self._ids)
        count: int = self.conn.execute(
            f"SELECT count(*) FROM accounts a WHERE {self._cover.text()}", self._cover.params
        ).fetchone()[0]
        if count <= PROBE_ROWS and not self._complete:
            self._fetch_all_ids()
        return count

    def _probe(self) -> None:
        """One ordered walk for up to PROBE_ROWS + 1 ids; complete when fewer match."""
        if self._ids is not None:
            return
        rows = self.conn.execute(
            f"SELECT a.rowid FROM accounts a WHERE {self._walk.text()} "
            f"ORDER BY {self._order} LIMIT ?",
            [*self._walk.params, PROBE_ROWS + 1],
        ).fetchall()
        self._complete = len(rows) <= PROBE_ROWS
        self._ids = [r[0] for r in rows[:PROBE_ROWS]]

    def _probe_unordered(self) -> None:
        """Up to PROBE_ROWS + 1 ids in order, from one pass over a covering index.

        Used when the filter has words (so few accounts are likely to match) and the
        sort's index lacks a column it tests, or another index narrows it by a range:
        one pass (over that range), then a sort of the matches.
        """
        rows = self.conn.execute(
            f"SELECT a.rowid FROM accounts a WHERE {self._cover.text()} "
            f"ORDER BY {order_by(self.sort, use_index=False)} LIMIT ?",
            [*self._cover.params, PROBE_ROWS + 1],
        ).fetchall()
        self._complete = len(rows) <= PROBE_ROWS
        self._ids = [r[0] for r in rows[:PROBE_ROWS]]

    def _fetch_all_ids(self) -> None:
        """Every matching id in order: one pass over a covering index, then a sort."""
        rows = self.conn.execute(
            f"SELECT a.rowid FROM accounts a WHERE {self._cover.text()} "
            f"ORDER BY {order_by(self.sort, use_index=False)}",
            self._cover.params,
        ).fetchall()
        self._ids = [r[0] for r in rows]
        self._complete = True

    # -- rows ----------------------------------------------------------------------------

    def window(self, offset: int, limit: int) -> list[PortfolioRow]:
        """Rows `offset` .. `offset + limit - 1` of the sorted result (fewer at the end)."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be ≥ 0")
        if limit == 0:
            return []
        if offset >= self.count():  # small results: count() fetched every id, in order
            return []
        if not self._cached(offset, limit) and not self._covered and offset > PROBE_ROWS:
            # Deep in a result the sort's index does not cover: walking it would read the
            # table row by row, so fetch the whole ordered id list once instead.
            self._fetch_all_ids()
        if self._cached(offset, limit):
            assert self._ids is not None
            rowids = self._ids[offset : offset + limit]
        else:
            rowids = [
                r[0]
                for r in self.conn.execute(
                    f"SELECT a.rowid FROM accounts a WHERE {self._walk.text()} "
                    f"ORDER BY {self._order} LIMIT ? OFFSET ?",
                    [*self._walk.params, limit, offset],
                )
            ]
        return self._rows(rowids)

    def _cached(self, offset: int, limit: int) -> bool:
        return self._ids is not None and (self._complete or offset + limit <= len(self._ids))

    def _rows(self, rowids: Sequence[int]) -> list[PortfolioRow]:
        found: dict[int, PortfolioRow] = {}
        for start in range(0, len(rowids), _CHUNK):
            chunk = rowids[start : start + _CHUNK]
            for r in self.conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM accounts a "
                "LEFT JOIN users u ON u.id = a.owner_id "
                f"WHERE a.rowid IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[r[0]] = PortfolioRow(
                    id=r[1],
                    name=r[2],
                    tier=r[3],
                    tier_rank=r[4],
                    health_score=r[5],
                    health_score_30d=r[6],
                    arr=r[7],
                    currency=r[8],
                    arr_usd=r[9],
                    stage=r[10],
                    renewal_date=date_from_db(r[11]),
                    last_touch_at=from_db(r[12]),
                    owner_name=r[13],
                    cadence_days=self._cadence.get(r[3]),
                )
        return [found[i] for i in rowids if i in found]

    # -- plans -------------------------------------------------------------------------

    def plans(self) -> dict[str, str]:
        """SQLite's plan for the ordered walk and for the COUNT (benchmarks and tests)."""

        def plan(sql: str, params: Sequence[object]) -> str:
            rows = self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            return "; ".join(r[3] for r in rows)

        return {
            "walk": plan(
                f"SELECT a.rowid FROM accounts a WHERE {self._walk.text()} "
                f"ORDER BY {self._order} LIMIT ? OFFSET ?",
                [*self._walk.params, 60, 0],
            ),
            "count": plan(
                f"SELECT count(*) FROM accounts a WHERE {self._cover.text()}", self._cover.params
            ),
        }

    def use(self, conn: sqlite3.Connection) -> None:
        """Go on reading through `conn` (what was counted and probed stays): a query
        answered in a worker thread, on a connection of its own, is then read from the
        UI thread on the app's."""
        if self._needs_functions:
            _ensure_functions(conn)
        self.conn = conn

    # -- position ------------------------------------------------------------------------

    def known_index_of(self, account_id: str) -> int | None:
        """The account's position when the ids read so far hold it (no COUNT): for a
        filter being typed, the cursor stays on an account among the first matches."""
        self.count()
        if self._ids is None:
            return None
        if self._positions is None or len(self._positions) != len(self._ids):
            self._positions = {rowid: i for i, rowid in enumerate(self._ids)}
        row = self.conn.execute("SELECT rowid FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else self._positions.get(row[0])

    def index_of(self, account_id: str) -> int | None:
        """The position of an account in the result; None when the filter leaves it out."""
        self.count()  # when few accounts match, this has fetched the whole ordered list
        if self._complete and self._ids is not None:
            if self._positions is None:
                self._positions = {rowid: i for i, rowid in enumerate(self._ids)}
            row = self.conn.execute(
                "SELECT rowid FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            return None if row is None else self._positions.get(row[0])
        keys = _SORT_KEYS[self.sort]
        target = self.conn.execute(
            f"SELECT {', '.join(expr for expr, *_ in keys)} FROM accounts a "
            f"WHERE a.id = ? AND {self._cover.text()}",
            [account_id, *self._cover.params],
        ).fetchone()
        if target is None:
            return None
        before, params = _before(keys, target)
        position: int = self.conn.execute(
            f"SELECT count(*) FROM accounts a WHERE {self._cover.text()} AND {before}",
            [*self._cover.params, *params],
        ).fetchone()[0]
        return position


def _before(keys: Sequence[_Key], values: Sequence[object]) -> tuple[str, list[object]]:
    """SQL for "sorts before the row whose key values are `values`" (NULLs sort first)."""
    disjuncts: list[str] = []
    params: list[object] = []
    equal: list[str] = []
    equal_params: list[object] = []
    for (expr, desc, nullable, nocase), value in zip(keys, values, strict=True):
        coll = " COLLATE NOCASE" if nocase else ""
        if value is None:
            # ascending: nothing sorts before NULL; descending: every non-NULL does
            if desc:
                disjuncts.append("(" + " AND ".join([*equal, f"{expr} IS NOT NULL"]) + ")")
                params.extend(equal_params)
            equal.append(f"{expr} IS NULL")
        else:
            less = f"{expr}{coll} {'>' if desc else '<'} ?"
            if nullable and not desc:
                less = f"({expr} IS NULL OR {less})"
            disjuncts.append("(" + " AND ".join([*equal, less]) + ")")
            params.extend([*equal_params, value])
            equal.append(f"{expr}{coll} = ?")
            equal_params.append(value)
    return "(" + (" OR ".join(disjuncts) or "0") + ")", params
