"""An account's activities in the demo book: touches back from the last one, spaced around
the tier's cadence, with private notes in between (18 months at most)."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from csm_tui.domain.records import ActivityKind
from csm_tui.domain.tiers import Tier
from csm_tui.store.demo.shape import (
    KIND_TEXT,
    MINUTES_SPAN,
    SENTIMENTS,
    TOUCH_CUM,
    TOUCH_KINDS,
    DemoRandom,
)
from csm_tui.store.demo.stamps import Stamps
from csm_tui.store.demo.writer import Row


@dataclass(slots=True)
class Voice:
    """What an account's activities are written with."""

    account_id: str
    contacts: list[tuple[str, str]]  # (id, first name)
    features: Sequence[str]
    summaries: dict[ActivityKind, tuple[str, ...]]
    next_steps: tuple[str, ...]
    sentiment_cum: tuple[float, ...]
    author: str
    ids: list[str]  # of the activities written (tasks may come from one)
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class Touches:
    """When and how often an account is touched (day offsets from today)."""

    start: int  # the first day touches go back to
    end: int  # the day of the last touch before `gap`
    never: bool  # never touched
    gap: int  # days from `end` back to the last touch
    spacing: tuple[int, int]  # days between touches
    hours: tuple[int, int]  # business hours in UTC
    created: int
    tier: Tier


class ActivityWriter:
    """Writes activities of accounts (rows of `activities`) from the book's main stream."""

    def __init__(self, rng: DemoRandom, stamps: Stamps) -> None:
        self.rng = rng
        self.stamps = stamps
        self._ts, self._id = stamps.ts, stamps.id

    def touches(self, voice: Voice, plan: Touches) -> int | None:
        """Every activity of the account, newest first; the instant of its last touch."""
        rng = self.rng
        at = self.stamps.at
        last_touch_s: int | None = None
        if not plan.never:
            kinds_cum = TOUCH_CUM[plan.tier]
            lo, hi = plan.hours[0] * 60, plan.hours[1] * 60 - 1
            day = plan.end - plan.gap
            while day >= plan.start:
                kind = rng.weighted(TOUCH_KINDS, kinds_cum)
                at_s = at(day, rng.randint(lo, hi))
                if last_touch_s is None or at_s > last_touch_s:
                    last_touch_s = at_s
                self.activity(voice, kind, at_s)
                if rng.random() < 0.12:  # a private note, sometimes after the last touch
                    note_s = self.stamps.past(at_s + rng.randint(1, 6) * 86400)
                    self.activity(voice, ActivityKind.NOTE, note_s)
                day -= rng.randint(*plan.spacing)
        elif rng.random() < 0.3 and plan.created < -2:  # never touched, but a note was written
            day = rng.randint(max(plan.start, plan.created + 1), 0)
            self.activity(voice, ActivityKind.NOTE, at(day, 9 * 60))
        return last_touch_s

    def activity(self, voice: Voice, kind: ActivityKind, at_s: int) -> None:
        """One activity row: summary, next steps and sentiment in the account's voice."""
        rand = self.rng.random
        contacts = voice.contacts
        cid, first = contacts[int(rand() * len(contacts))] if contacts else ("", "")
        n = 2 + int(rand() * 39)
        f = voice.features[int(rand() * len(voice.features))]
        templates = voice.summaries[kind]
        summary = templates[int(rand() * len(templates))].format(c=first, f=f, n=n)
        if kind is ActivityKind.NOTE:
            nxt, sentiment, who = "", "neutral", "[]"
        else:
            nxt = ""
            if rand() < 0.7:
                nxt = voice.next_steps[int(rand() * len(voice.next_steps))].format(
                    c=first, f=f, n=n
                )
            if kind is ActivityKind.ESCALATION:
                sentiment = "negative" if rand() < 0.7 else "neutral"
            else:
                sentiment = SENTIMENTS[
                    bisect(voice.sentiment_cum, rand() * voice.sentiment_cum[-1])
                ]
            who = f'["{cid}"]' if cid else "[]"
        text = self._ts(at_s)
        aid = self._id(at_s)
        voice.ids.append(aid)
        lo, span = MINUTES_SPAN[kind]
        minutes = lo + int(rand() * span)
        voice.rows.append((aid, voice.account_id, KIND_TEXT[kind], text, minutes, summary, nxt,
                           sentiment, who, voice.author, text, None))  # fmt: skip
