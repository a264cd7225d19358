"""Dated exchange rates in the cache (`exchange_rates`), read as `domain.money.ExchangeRates`.

A rate is set for a day (`csm-tui rates set 2026-01-01 7.10`) or imported from a CSV of
`day,per_usd` (or `day,currency,per_usd`) rows; it is in force from that day until the
next one. The `cny_per_usd` setting is the default while none is set.

ARR history is converted at its own day's rate (`rules_on`): an ARR event of 2026-06-30
uses the rate in force that day, and setting a new rate later changes no stored event.

ARR *today* is valued at the rate in force today: `revalue_arr_today` puts each CNY
account's `arr_usd` (the USD-equivalent every total, band and per-CSM load adds up) at
that rate when it differs from the rate the cache last valued them at (kept in
`cache_meta`), so a newer rate — set now, or dated ahead and come into force since —
moves today's totals and never an event of the history.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import sqlite3
from datetime import date

from csm_tui.domain.errors import Refusal
from csm_tui.domain.money import ExchangeRates, normalise_currency
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import N_, Message
from csm_tui.store.timestamps import date_from_db, date_to_db


class RateError(Refusal, ValueError):
    """A rate or a rates file that cannot be used; the message says which line and why."""


def _words(error: ValueError) -> Message:
    """A currency or number refusal as words: the money module's, or Python's (as is)."""
    return getattr(error, "words", None) or Message.text(str(error))


def set_rate(conn: sqlite3.Connection, day: date, per_usd: float, currency: str = "CNY") -> None:
    """Set (or replace) the rate in force from `day` on."""
    code = normalise_currency(currency)
    if code == "USD":
        raise RateError(Message.of(N_("USD is the base currency: its rate is always 1")))
    if not per_usd > 0 or per_usd != per_usd:
        raise RateError(
            Message.of(N_("a rate must be a number > 0; got {value}"), value=repr(per_usd))
        )
    with conn:
        conn.execute(
            "INSERT INTO exchange_rates (day, currency, per_usd) VALUES (?, ?, ?) "
            "ON CONFLICT (day, currency) DO UPDATE SET per_usd = excluded.per_usd",
            (date_to_db(day), code, float(per_usd)),
        )


def parse_rates_csv(text: str) -> list[tuple[date, str, float]]:
    """Rows of `day,per_usd` or `day,currency,per_usd`; a header row is skipped. Every
    error names its line; nothing is returned unless every row is good."""
    rows: list[tuple[date, str, float]] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and not cells[0][:1].isdigit():
            continue  # a header
        if len(cells) == 2:
            day_text, currency, rate_text = cells[0], "CNY", cells[1]
        elif len(cells) == 3:
            day_text, currency, rate_text = cells
        else:
            raise RateError(
                Message.of(N_("line {n}: expected day,per_usd or day,currency,per_usd"), n=number)
            )
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise RateError(
                Message.of(N_("line {n}: {value} is not a day (YYYY-MM-DD)"), n=number,
                           value=repr(day_text))
            ) from None  # fmt: skip
        try:
            code = normalise_currency(currency)
        except ValueError as exc:
            raise RateError(
                Message.of(N_("line {n}: {problem}"), n=number, problem=_words(exc))
            ) from None
        try:
            rate = float(rate_text)
        except ValueError:
            raise RateError(
                Message.of(
                    N_("line {n}: {problem}"),
                    n=number,
                    problem=Message.of(N_("{raw} is not a number"), raw=repr(rate_text)),
                )
            ) from None
        if code == "USD" or not rate > 0:
            raise RateError(
                Message.of(N_("line {n}: a CNY rate > 0 is expected; got {value}"), n=number,
                           value=repr(rate_text))
            )  # fmt: skip
        rows.append((day, code, rate))
    return rows


def import_rates(conn: sqlite3.Connection, text: str) -> int:
    """Set every rate of a CSV (all or none); the number of rates set."""
    rows = parse_rates_csv(text)
    with conn:
        conn.executemany(
            "INSERT INTO exchange_rates (day, currency, per_usd) VALUES (?, ?, ?) "
            "ON CONFLICT (day, currency) DO UPDATE SET per_usd = excluded.per_usd",
            [(date_to_db(d), c, r) for d, c, r in rows],
        )
    return len(rows)


def load_rates(conn: sqlite3.Connection, default: float) -> ExchangeRates:
    """CNY per USD by day, with `default` (the `cny_per_usd` setting) while none is set."""
    rows: list[tuple[str, float]] = conn.execute(
        "SELECT day, per_usd FROM exchange_rates WHERE currency = 'CNY' ORDER BY day"
    ).fetchall()
    return ExchangeRates.of(((date_from_db(d), float(r)) for d, r in rows), default=default)


REVALUED_AT = "rates.arr_today_cny_per_usd"
"""cache_meta: the CNY rate the accounts' `arr_usd` was last valued at."""


def revalue_arr_today(conn: sqlite3.Connection, default: float, today: date) -> int:
    """Value every live CNY account's ARR today (`arr_usd`) at the rate in force `today`
    (`default`, the `cny_per_usd` setting, while no dated rate is set); the number of
    accounts whose value changed. Nothing is done while the rate is the one the cache
    last valued them at. A derived figure: no outbox entry, no version change (the
    account's own ARR, in CNY, is what syncs and does not change)."""
    from csm_tui.store.cache import get_meta, set_meta
    from csm_tui.store.transaction import write_transaction

    rate = load_rates(conn, default).cny_per_usd(today)
    if get_meta(conn, REVALUED_AT) == repr(rate):
        return 0
    with write_transaction(conn):
        changed = conn.execute(
            "UPDATE accounts SET arr_usd = round(arr / :rate, 2) WHERE currency = 'CNY' "
            "AND deleted_at IS NULL AND arr_usd != round(arr / :rate, 2)",
            {"rate": rate},
        ).rowcount
        set_meta(conn, REVALUED_AT, repr(rate))
    return changed


def rules_on(conn: sqlite3.Connection, rules: TierRules, day: date) -> TierRules:
    """`rules` converting CNY at the rate in force on `day` (the same rules when no dated
    rate is set: the `cny_per_usd` setting stays the rate)."""
    rate = load_rates(conn, rules.cny_per_usd).cny_per_usd(day)
    return rules if rate == rules.cny_per_usd else dataclasses.replace(rules, cny_per_usd=rate)
