"""Health over time: the 90-day trend and what changed against ~30 days ago.

`health_snapshots` hold one score per account per snapshot day and its points per
component as JSON (``{"usage":21,"support":6,...}``, component values of
`domain.health.Component`). History is sparse (store/health_recompute.py): a day has a
snapshot when the score or its points changed, or a week after the last one. Today's
point of a trend is the account's stored score, which logging an activity keeps current;
"now" in `what_changed` is the live score from the account's signals
(`store.accounts.health_of`), the one the Health tab explains.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from csm_tui.domain.health import Component
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import Message
from csm_tui.store.accounts import health_of, load_account_facts
from csm_tui.store.timestamps import date_to_db

COMPARE_DAYS = 30  # "what changed" compares against the snapshot nearest this many days ago
COMPARE_SLACK_DAYS = 15  # ... taken at most this many days either side of it


@dataclass(frozen=True)
class ComponentChange:
    component: Component
    points_then: int | None  # None: the old snapshot did not record this component
    points_now: int
    weight: int  # the component's weight today
    raw_now: str  # today's value in words ("login 62%, leads 18.0/user/wk"), English
    since: date  # the snapshot day compared against
    raw_words: Message | None = field(default=None, compare=False)  # the same, a Message

    def raw_shown(self) -> str:
        """Today's value in the interface language."""
        return self.raw_now if self.raw_words is None else self.raw_words.render()

    @property
    def label(self) -> str:
        return self.component.label

    @property
    def delta(self) -> int | None:
        return None if self.points_then is None else self.points_now - self.points_then


def health_trend(
    conn: sqlite3.Connection, account_id: str, today: date, days: int = 90
) -> list[tuple[date, int]]:
    """(day, score) from `days` days before `today` up to today, oldest first.

    Snapshots before today, then today's stored score (or today's snapshot when the
    account has no stored score). Empty when nothing is known.
    """
    start = today - timedelta(days=days)
    points = [
        (date.fromisoformat(day), score)
        for day, score in conn.execute(
            "SELECT taken_on, score FROM health_snapshots "
            "WHERE account_id = ? AND taken_on >= ? AND taken_on <= ? ORDER BY taken_on",
            (account_id, date_to_db(start), date_to_db(today)),
        )
    ]
    row = conn.execute("SELECT health_score FROM accounts WHERE id = ?", (account_id,)).fetchone()
    current = None if row is None else row[0]
    past = [(day, score) for day, score in points if day < today]
    if current is not None:
        return [*past, (today, current)]
    today_snap = [(day, score) for day, score in points if day == today]
    return past + today_snap[-1:]


def _snapshot_near(
    conn: sqlite3.Connection, account_id: str, target: date
) -> tuple[date, dict[str, int]] | None:
    row = conn.execute(
        "SELECT taken_on, components FROM health_snapshots "
        "WHERE account_id = ? AND taken_on BETWEEN ? AND ? "
        "ORDER BY abs(julianday(taken_on) - julianday(?)), taken_on LIMIT 1",
        (
            account_id,
            date_to_db(target - timedelta(days=COMPARE_SLACK_DAYS)),
            date_to_db(target + timedelta(days=COMPARE_SLACK_DAYS)),
            date_to_db(target),
        ),
    ).fetchone()
    if row is None:
        return None
    try:
        parts = json.loads(row[1])
    except ValueError:
        parts = {}
    if not isinstance(parts, dict):
        parts = {}
    return date.fromisoformat(row[0]), {
        k: v for k, v in parts.items() if isinstance(v, int) and not isinstance(v, bool)
    }


def what_changed(
    conn: sqlite3.Connection,
    account_id: str,
    today: date,
    *,
    now: datetime | None = None,
    rules: TierRules | None = None,
) -> list[ComponentChange]:
    """Each component's points now against the snapshot nearest 30 days ago.

    Biggest loss first, then the components' usual order. Empty when there is nothing to
    compare: no snapshot 15–45 days old, or no signals to score the account today.
    `now` (default: noon UTC of `today`) dates the last touch for the engagement part.
    """
    now = now or datetime.combine(today, time(12), UTC)
    facts = load_account_facts(conn, account_id, now, rules or TierRules())
    health = health_of(facts)
    then = _snapshot_near(conn, account_id, today - timedelta(days=COMPARE_DAYS))
    if health is None or then is None:
        return []
    since, parts = then
    changes = [
        ComponentChange(
            c.component,
            parts.get(c.component.value),
            c.points,
            c.weight,
            c.raw,
            since,
            raw_words=c.words[0] if c.words else None,
        )
        for c in health.components
    ]
    order = {c: i for i, c in enumerate(Component)}
    return sorted(
        changes, key=lambda ch: (ch.delta if ch.delta is not None else 0, order[ch.component])
    )
