"""The portfolio filter language and the portfolio's sort orders (spec section 4).

The filter grammar of the command language (its quoted strings are read by
`language.lexer`, as the verb grammar's are). One grammar for the `/` filter of the
portfolio, the palette and the shell::

    tier:strategic,enterprise health:<60 stage:onboarding renewal:<90d owner:me "acme"

- Free words and "quoted phrases" match the account's name, ignoring case, anywhere in it
  (云图 works as well as acme). Every word must match.
- `key:value` terms narrow the book. Inside one term, values separated by `,` or `|` are
  alternatives: `tier:strategic,enterprise`, `health:red|unknown`.
- Repeating a key that picks from a set (tier, stage, motion, owner) widens the choice:
  `tier:strategic tier:growth` is `tier:strategic,growth`. Repeating a key that compares
  (health, arr, renewal, is) narrows: `health:>=40 health:<60` is 40 to 59.
- Everything else is AND.

Errors name the character position (0-based, where the caret goes) and what was expected:
``at 8: expected a number after "health:<"``.

`PortfolioFilter.matches` is the reference meaning of every term; the SQL read path in
`csm_tui.store.portfolio` must select exactly the same accounts, and its tests check it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum, StrEnum
from typing import Any, TypeVar

from csm_tui.domain.health_terms import Band, band_for
from csm_tui.domain.language.lexer import (
    LanguageError,
    bare_end,
    quote,
    read_quoted,
    skip_space,
)
from csm_tui.domain.lifecycle import STAGE_ORDER, ActivationRisk, Stage, activation_risk
from csm_tui.domain.metrics import MAX_AMOUNT
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.tiers import TIER_ORDER, Tier, TierRules
from csm_tui.i18n import N_, Message

# ----------------------------------------------------------------------------- errors


class QueryError(LanguageError):
    """A filter that cannot be read; says where (0-based position) and what was expected.

    `expected_words` is what was expected as a `Message`; `str(error)` says it all in the
    interface language, `error.message` / `error.english()` in English."""


def _error(position: int, expected: Message, found: str | None = None) -> QueryError:
    return QueryError(position, expected, found or None)


def _m(template: str, /, **values: Any) -> Message:
    return Message.of(template, **values)


# ----------------------------------------------------------------------------- terms


class Op(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "="

    def holds(self, left: Any, right: Any) -> bool:
        return _OPERATORS[self.value](left, right)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
}


@dataclass(frozen=True)
class Compare:
    """`<60`, `>=100k`: a comparison of the field with a number."""

    op: Op
    value: float

    def holds(self, x: float) -> bool:
        return self.op.holds(x, self.value)


@dataclass(frozen=True)
class Between:
    """`40..69`: from `low` to `high`, both included."""

    low: float
    high: float

    def holds(self, x: float) -> bool:
        return self.low <= x <= self.high


@dataclass(frozen=True)
class UnknownHealth:
    """`health:unknown`: no score yet."""


class Unit(StrEnum):
    DAYS = "d"
    WEEKS = "w"
    MONTHS = "m"
    YEARS = "y"


@dataclass(frozen=True)
class Horizon:
    """`renewal:<90d`: the renewal date against today + `amount` `unit`.

    `<` and `<=` mean "renews within": from today (included) up to the horizon, never a
    date already past; `>` and `>=` mean "renews after" the horizon.
    """

    op: Op
    amount: int
    unit: Unit

    def limit(self, today: date) -> date:
        return shift_date(today, self.amount, self.unit)

    def holds(self, renewal: date, today: date) -> bool:
        limit = self.limit(today)
        if self.op in (Op.LT, Op.LE):
            return renewal >= today and self.op.holds(renewal, limit)
        return self.op.holds(renewal, limit)


@dataclass(frozen=True)
class RenewalOverdue:
    """`renewal:overdue`: the renewal date has passed and the account has not churned."""


class IsFlag(StrEnum):
    OVERDUE = "overdue"  # last touch older than the tier's cadence, or never touched
    LATE = "late"  # not activated 30+ days after go-live (zombies included)
    ZOMBIE = "zombie"  # not activated 90+ days after go-live

    @property
    def why(self) -> str:
        return {
            IsFlag.OVERDUE: "touch overdue against the tier's cadence",
            IsFlag.LATE: "not activated 30+ days after go-live",
            IsFlag.ZOMBIE: "not activated 90+ days after go-live",
        }[self]


class OwnerWord(Enum):
    """`owner:me` and `owner:none`; any other owner value is part of a name."""

    ME = "me"
    NONE = "none"


HealthAlt = Band | Compare | Between | UnknownHealth
AmountAlt = Compare | Between
RenewalAlt = Horizon | RenewalOverdue
OwnerAlt = OwnerWord | str

# ----------------------------------------------------------------------------- dates


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    return date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def shift_date(day: date, amount: int, unit: Unit) -> date:
    try:
        if unit is Unit.DAYS:
            return day + timedelta(days=amount)
        if unit is Unit.WEEKS:
            return day + timedelta(weeks=amount)
    except OverflowError:
        return date.max if amount > 0 else date.min
    return add_months(day, amount * (12 if unit is Unit.YEARS else 1))


def fold(text: str) -> str:
    """The case-insensitive form names and owners are compared in."""
    return text.casefold()


# ----------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class AccountFacts:
    """What the filter and the sort look at for one account (the reference semantics)."""

    account_id: str
    name: str
    tier: Tier
    health: int | None = None
    arr_usd: float = 0.0
    stage: Stage = Stage.ADOPTION
    motion: SalesMotion = SalesMotion.SHORT_DIRECT
    renewal: date | None = None
    last_touch: datetime | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    go_live: date | None = None
    activated_on: date | None = None


# ----------------------------------------------------------------------------- the filter


@dataclass(frozen=True)
class PortfolioFilter:
    """A parsed filter. The empty filter matches every account.

    `words` are casefolded name fragments (all must match). Set fields (`tiers`, `stages`,
    `motions`, `owners`) are alternatives: empty means any. Compare fields (`health`, `arr`,
    `renewal`, `flags`) are tuples of terms that must all hold, each a tuple of
    alternatives of which one must hold. Owner names are casefolded fragments.
    """

    words: tuple[str, ...] = ()
    tiers: frozenset[Tier] = frozenset()
    stages: frozenset[Stage] = frozenset()
    motions: frozenset[SalesMotion] = frozenset()
    owners: frozenset[OwnerAlt] = frozenset()
    health: tuple[tuple[HealthAlt, ...], ...] = ()
    arr: tuple[tuple[AmountAlt, ...], ...] = ()
    renewal: tuple[tuple[RenewalAlt, ...], ...] = ()
    flags: tuple[tuple[IsFlag, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == PortfolioFilter()

    # -- meaning -----------------------------------------------------------------------

    def matches(
        self,
        facts: AccountFacts,
        today: date,
        me: str | None = None,
        rules: TierRules | None = None,
    ) -> bool:
        """Does this account pass the filter, on `today`, for the user whose id is `me`?"""
        rules = rules or TierRules()
        name = fold(facts.name)
        if not all(w in name for w in self.words):
            return False
        if self.tiers and facts.tier not in self.tiers:
            return False
        if self.stages and facts.stage not in self.stages:
            return False
        if self.motions and facts.motion not in self.motions:
            return False
        if self.owners and not any(_owner_holds(o, facts, me) for o in self.owners):
            return False
        if not all(any(_health_holds(a, facts.health) for a in term) for term in self.health):
            return False
        if not all(any(a.holds(facts.arr_usd) for a in term) for term in self.arr):
            return False
        if not all(any(_renewal_holds(a, facts, today) for a in term) for term in self.renewal):
            return False
        return all(any(_flag_holds(f, facts, today, rules) for f in term) for term in self.flags)

    # -- printing ----------------------------------------------------------------------

    def to_text(self) -> str:
        """The canonical spelling; `parse_filter(f.to_text()) == f`."""
        parts: list[str] = []
        if self.tiers:
            parts.append("tier:" + ",".join(t.value for t in TIER_ORDER if t in self.tiers))
        parts.extend("health:" + "|".join(_health_text(a) for a in term) for term in self.health)
        if self.stages:
            parts.append("stage:" + ",".join(s.value for s in STAGE_ORDER if s in self.stages))
        parts.extend("renewal:" + ",".join(_renewal_text(a) for a in term) for term in self.renewal)
        parts.extend("arr:" + ",".join(_amount_alt_text(a) for a in term) for term in self.arr)
        if self.owners:
            words = [o for o in (OwnerWord.ME, OwnerWord.NONE) if o in self.owners]
            names = sorted(o for o in self.owners if isinstance(o, str))
            parts.append(
                "owner:"
                + ",".join([w.value for w in words] + [_value_text(n, owner=True) for n in names])
            )
        if self.motions:
            parts.append("motion:" + ",".join(m.value for m in SalesMotion if m in self.motions))
        parts.extend("is:" + ",".join(f.value for f in term) for term in self.flags)
        parts.extend(_word_text(w) for w in self.words)
        return " ".join(parts)

    def __str__(self) -> str:
        return self.to_text()


def _owner_holds(owner: OwnerAlt, facts: AccountFacts, me: str | None) -> bool:
    if owner is OwnerWord.ME:
        return me is not None and facts.owner_id == me
    if owner is OwnerWord.NONE:
        return facts.owner_id is None
    return (
        facts.owner_id is not None
        and facts.owner_name is not None
        and owner in fold(facts.owner_name)
    )


def _health_holds(alt: HealthAlt, health: int | None) -> bool:
    if isinstance(alt, UnknownHealth):
        return health is None
    if health is None:
        return False
    if isinstance(alt, Band):
        return band_for(health) is alt
    return alt.holds(health)


def _renewal_holds(alt: RenewalAlt, facts: AccountFacts, today: date) -> bool:
    if facts.renewal is None:
        return False
    if isinstance(alt, RenewalOverdue):
        return facts.renewal < today and facts.stage is not Stage.CHURNED
    return alt.holds(facts.renewal, today)


def _flag_holds(flag: IsFlag, facts: AccountFacts, today: date, rules: TierRules) -> bool:
    if flag is IsFlag.OVERDUE:
        cadence = rules.cadence_days(facts.tier)
        if cadence is None:
            return False
        return facts.last_touch is None or (today - facts.last_touch.date()).days > cadence
    risk = activation_risk(facts.go_live, facts.activated_on, facts.stage, today)
    if flag is IsFlag.ZOMBIE:
        return risk is ActivationRisk.ZOMBIE
    return risk in (ActivationRisk.LATE, ActivationRisk.ZOMBIE)


# ----------------------------------------------------------------------------- printing

_BARE_WORD = re.compile(r'[^\s":\\]+')
_BARE_VALUE = re.compile(r'[^\s",|\\]+')


def _word_text(word: str) -> str:
    return word if _BARE_WORD.fullmatch(word) else quote(word)


def _value_text(value: str, owner: bool = False) -> str:
    if owner and value in ("me", "none"):
        return quote(value)
    return value if _BARE_VALUE.fullmatch(value) else quote(value)


def _plain_number(value: float) -> str:
    from decimal import Decimal  # only printing needs it; keep start-up light

    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_SUFFIXES = (("", 1), ("k", 1_000), ("m", 1_000_000))


def amount_text(value: float) -> str:
    """The shortest spelling of an amount that reads back exactly: 100k, 1.5m, 1234."""
    best = _plain_number(value)
    for suffix, mult in _SUFFIXES[1:]:
        text = _plain_number(value / mult) + suffix
        if float(_plain_number(value / mult)) * mult == value and len(text) < len(best):
            best = text
    return best


def _amount_alt_text(alt: AmountAlt) -> str:
    if isinstance(alt, Between):
        return f"{amount_text(alt.low)}..{amount_text(alt.high)}"
    return f"{alt.op.value}{amount_text(alt.value)}"


def _health_text(alt: HealthAlt) -> str:
    if isinstance(alt, UnknownHealth):
        return "unknown"
    if isinstance(alt, Band):
        return alt.value
    if isinstance(alt, Between):
        return f"{int(alt.low)}..{int(alt.high)}"
    return f"{alt.op.value}{int(alt.value)}"


def _renewal_text(alt: RenewalAlt) -> str:
    if isinstance(alt, RenewalOverdue):
        return "overdue"
    return f"{alt.op.value}{alt.amount}{alt.unit.value}"


# ----------------------------------------------------------------------------- parsing

KNOWN_KEYS: tuple[str, ...] = ("tier", "health", "stage", "renewal", "arr", "owner", "motion", "is")
_KEY_WITHOUT_COLON = re.compile(f"({'|'.join(KNOWN_KEYS)})([<>=].*)", re.IGNORECASE)
"""`health<60`: a key and a comparison without the ":" between them (which would search
names for the text and find nothing, silently)."""


@dataclass
class _Value:
    text: str
    position: int
    quoted: bool


@dataclass
class _Builder:
    words: list[str] = field(default_factory=list)
    tiers: set[Tier] = field(default_factory=set)
    stages: set[Stage] = field(default_factory=set)
    motions: set[SalesMotion] = field(default_factory=set)
    owners: set[OwnerAlt] = field(default_factory=set)
    health: list[tuple[HealthAlt, ...]] = field(default_factory=list)
    arr: list[tuple[AmountAlt, ...]] = field(default_factory=list)
    renewal: list[tuple[RenewalAlt, ...]] = field(default_factory=list)
    flags: list[tuple[IsFlag, ...]] = field(default_factory=list)

    def build(self) -> PortfolioFilter:
        return PortfolioFilter(
            words=tuple(self.words),
            tiers=frozenset(self.tiers),
            stages=frozenset(self.stages),
            motions=frozenset(self.motions),
            owners=frozenset(self.owners),
            health=tuple(self.health),
            arr=tuple(self.arr),
            renewal=tuple(self.renewal),
            flags=tuple(self.flags),
        )


_T = TypeVar("_T")


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def parse_filter(text: str) -> PortfolioFilter:
    """Read a filter; raise `QueryError` naming the position and what was expected."""
    builder = _Builder()
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i = skip_space(text, i)
            continue
        if text[i] == '"':
            phrase, i = read_quoted(text, i, QueryError)
            _add_word(builder, phrase)
            continue
        start = i
        i = bare_end(text, i, ":")
        if i < n and text[i] == ":":
            key = text[start:i].lower()
            if key not in KNOWN_KEYS:
                raise _error(
                    start,
                    _m(
                        N_('a key among {keys} (put text with ":" in quotes to search names)'),
                        keys=", ".join(f"{k}:" for k in KNOWN_KEYS),
                    ),
                    found=text[start : i + 1],
                )
            values, i = _read_values(text, i + 1, key)
            _add_term(builder, key, values, start)
            continue
        no_colon = _KEY_WITHOUT_COLON.fullmatch(text, start, i)
        if no_colon is not None:
            key, rest = no_colon.group(1).lower(), no_colon.group(2)
            raise _error(
                no_colon.start(2),
                _m(
                    N_('":" after "{key}" ({example}; put text in quotes to search names)'),
                    key=key,
                    example=f"{key}:{rest}",
                ),
                found=rest,
            )
        _add_word(builder, text[start:i])
    return builder.build()


def _add_word(builder: _Builder, word: str) -> None:
    folded = fold(word)
    if folded and folded not in builder.words:
        builder.words.append(folded)


def _read_values(text: str, i: int, key: str) -> tuple[list[_Value], int]:
    """Read `a,b|"c d"` after `key:`; stops at whitespace or the end."""
    values: list[_Value] = []
    n = len(text)
    while True:
        if i >= n or text[i].isspace() or text[i] in ",|":
            after = f"{key}:" if not values else text[i - 1]
            raise _error(i, _m(N_('a value after "{after}"'), after=after))
        if text[i] == '"':
            start = i
            value, i = read_quoted(text, i, QueryError)
            values.append(_Value(value, start, quoted=True))
        else:
            start = i
            i = bare_end(text, i, ',|"')
            values.append(_Value(text[start:i], start, quoted=False))
        if i >= n or text[i].isspace():
            return values, i
        if text[i] in ",|":
            i += 1
            continue
        raise _error(i, _m(N_('a "," or "|" between values, or a space')))


def _add_term(builder: _Builder, key: str, values: list[_Value], start: int) -> None:
    if key == "tier":
        builder.tiers.update(
            _parse_enum(v, Tier.parse, N_("a tier ({options})"), Tier) for v in values
        )
    elif key == "stage":
        builder.stages.update(
            _parse_enum(v, Stage.parse, N_("a stage ({options})"), Stage) for v in values
        )
    elif key == "motion":
        builder.motions.update(
            _parse_enum(v, SalesMotion.parse, N_("a sales motion ({options})"), SalesMotion)
            for v in values
        )
    elif key == "owner":
        for v in values:
            word = v.text.lower()
            if not v.quoted and word in ("me", "none"):
                builder.owners.add(OwnerWord(word))
            elif fold(v.text):
                builder.owners.add(fold(v.text))
            else:
                raise _error(v.position, _m(N_('an owner\'s name, "me" or "none" after "owner:"')))
    elif key == "health":
        builder.health.append(_unique(_parse_health(v) for v in values))
    elif key == "arr":
        builder.arr.append(_unique(_parse_amount(v) for v in values))
    elif key == "renewal":
        builder.renewal.append(_unique(_parse_renewal(v) for v in values))
    elif key == "is":
        builder.flags.append(_unique(_parse_flag(v) for v in values))


_E = TypeVar("_E", bound=Enum)


def _parse_enum(value: _Value, parse: Callable[[str], _E], what: str, kind: Iterable[_E]) -> _E:
    try:
        return parse(value.text)
    except ValueError:
        options = ", ".join(str(e.value) for e in kind)
        raise _error(value.position, _m(what, options=options), found=value.text) from None


_COMPARE = re.compile(r"(<=|>=|<|>|=)?(.*)", re.DOTALL)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)([kKmM]?)")
_RANGE = re.compile(r"(.+?)\.\.(.*)", re.DOTALL)
_HORIZON = re.compile(r"(\d+)([a-zA-Z]*)")

MAX_HORIZON = 9999


def _op_prefix(value: _Value) -> tuple[Op | None, str, int]:
    match = _COMPARE.fullmatch(value.text)
    assert match is not None
    op_text, rest = match.group(1), match.group(2)
    op = Op(op_text) if op_text else None
    return op, rest, value.position + (len(op_text) if op_text else 0)


def _parse_score(text: str, position: int, after: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise _error(position, _m(N_('a number after "{after}"'), after=after), found=text)
    if int(text) > 100:
        raise _error(
            position, _m(N_('a number from 0 to 100 after "{after}"'), after=after), found=text
        )
    return int(text)


def _parse_health(value: _Value) -> HealthAlt:
    word = value.text.lower()
    if word in ("red", "yellow", "green"):
        return Band(word)
    if word in ("unknown", "none"):
        return UnknownHealth()
    if value.quoted:
        raise _error(value.position, _m(N_('a score, a range or a band after "health:"')))
    op, rest, pos = _op_prefix(value)
    if op is None:
        if not rest or not rest[0].isdigit():
            raise _error(
                value.position,
                _m(
                    N_(
                        'a score after "health:" '
                        "(<60, >=70, =50, 40..69, red, yellow, green, unknown)"
                    )
                ),
                found=value.text,
            )
        ranged = _RANGE.fullmatch(rest)
        if ranged:
            low = _parse_score(ranged.group(1), pos, "health:")
            high = _parse_score(
                ranged.group(2), pos + len(ranged.group(1)) + 2, f"health:{ranged.group(1)}.."
            )
            if low > high:
                raise _error(
                    value.position,
                    _m(N_("a range from low to high, like {high}..{low}"), high=high, low=low),
                    found=value.text,
                )
            return Between(low, high)
        return Compare(Op.EQ, _parse_score(rest, pos, "health:"))
    return Compare(op, _parse_score(rest, pos, f"health:{op.value}"))


def _parse_money(text: str, position: int, after: str) -> float:
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise _error(
            position, _m(N_('an amount like 5000, 100k or 1.5m after "{after}"'), after=after), text
        )
    amount = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if amount > MAX_AMOUNT:
        raise _error(
            position, _m(N_('an amount up to 1000000m after "{after}"'), after=after), text
        )
    return amount


def _parse_amount(value: _Value) -> AmountAlt:
    if value.quoted:
        raise _error(value.position, _m(N_('an amount like >100k or 5k..20k after "arr:"')))
    op, rest, pos = _op_prefix(value)
    if op is None:
        ranged = _RANGE.fullmatch(rest)
        if ranged:
            low = _parse_money(ranged.group(1), pos, "arr:")
            high = _parse_money(
                ranged.group(2), pos + len(ranged.group(1)) + 2, f"arr:{ranged.group(1)}.."
            )
            if low > high:
                raise _error(value.position, _m(N_("a range from low to high")), found=value.text)
            return Between(low, high)
        if not rest or not rest[0].isdigit():
            raise _error(
                value.position,
                _m(N_('an amount after "arr:" (>100k, <5k, >=1.5m, 5k..20k)')),
                found=value.text,
            )
        return Compare(Op.EQ, _parse_money(rest, pos, "arr:"))
    return Compare(op, _parse_money(rest, pos, f"arr:{op.value}"))


def _parse_renewal(value: _Value) -> RenewalAlt:
    word = value.text.lower()
    if word in ("overdue", "past"):
        return RenewalOverdue()
    op, rest, pos = _op_prefix(value)
    if op is None or op is Op.EQ or value.quoted:
        raise _error(
            value.position,
            _m(N_('a horizon after "renewal:" (<90d, <=3m, >30d, overdue)')),
            found=value.text,
        )
    after = f"renewal:{op.value}"
    match = _HORIZON.fullmatch(rest)
    if not match:
        raise _error(
            pos,
            _m(N_('a number of days, weeks, months or years after "{after}"'), after=after),
            found=rest,
        )
    amount, unit = match.group(1), match.group(2).lower()
    if int(amount) > MAX_HORIZON:
        raise _error(
            pos,
            _m(N_('a horizon up to {most} after "{after}"'), most=MAX_HORIZON, after=after),
            found=amount,
        )
    if unit not in ("d", "w", "m", "y"):
        raise _error(
            pos + len(amount),
            _m(N_('a unit d, w, m or y after "{after}"'), after=f"{after}{amount}"),
            found=unit,
        )
    return Horizon(op, int(amount), Unit(unit))


def _parse_flag(value: _Value) -> IsFlag:
    try:
        return IsFlag(value.text.lower())
    except ValueError:
        options = ", ".join(f.value for f in IsFlag)
        raise _error(
            value.position, _m(N_('a flag after "is:" ({options})'), options=options), value.text
        ) from None


# ----------------------------------------------------------------------------- sorting


def _nocase(name: str) -> str:
    """SQLite's NOCASE: ASCII letters fold, everything else compares as is."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


class PortfolioSort(StrEnum):
    """The portfolio's orders; `s` cycles through them in this order."""

    TIER_HEALTH = "tier"
    RENEWAL = "renewal"
    LAST_TOUCH = "touch"
    ARR = "arr"
    NAME = "name"

    @property
    def label(self) -> str:
        return {
            "tier": "tier, health ↑",
            "renewal": "renewal soonest",
            "touch": "last touch oldest",
            "arr": "ARR ↓",
            "name": "name",
        }[self.value]

    @property
    def next(self) -> PortfolioSort:
        members = list(PortfolioSort)
        return members[(members.index(self) + 1) % len(members)]

    @classmethod
    def parse(cls, text: str) -> PortfolioSort:
        key = text.strip().lower()
        aliases = {
            "health": "tier",
            "default": "tier",
            "last-touch": "touch",
            "neglected": "touch",
            "revenue": "arr",
        }
        key = aliases.get(key, key)
        for sort in cls:
            if sort.value == key:
                return sort
        raise ValueError(
            f"unknown sort {text!r}; expected one of " + ", ".join(s.value for s in cls)
        )

    def key(self, facts: AccountFacts) -> tuple[Any, ...]:
        """The reference order, for sorting in memory; the SQL read path agrees with it.

        Ties always fall back to the name (ASCII case ignored), then the account id.
        - tier, health ↑: tier rank, then health ascending with unknown health first in
          its tier (an account without a score needs a look), then name.
        - renewal soonest: earliest renewal date first (past dates of live accounts, i.e.
          overdue renewals, on top); then accounts without a renewal date; churned
          accounts last (their date is the renewal they lost, not one to come).
        - last touch oldest: never touched first, then the oldest touch.
        - ARR ↓: highest USD-equivalent ARR first.
        """
        tail = (_nocase(facts.name), facts.account_id)
        if self is PortfolioSort.TIER_HEALTH:
            h = facts.health
            return (facts.tier.rank, h is not None, h if h is not None else 0, *tail)
        if self is PortfolioSort.RENEWAL:
            r = facts.renewal
            return (facts.stage is Stage.CHURNED, r is None, r or date.min, *tail)
        if self is PortfolioSort.LAST_TOUCH:
            t = facts.last_touch
            return (t is not None, t.astimezone(UTC) if t else _EPOCH, *tail)
        if self is PortfolioSort.ARR:
            return (-facts.arr_usd, *tail)
        return tail
