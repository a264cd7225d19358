"""One account of the demo book and every row under it, in a fixed order of draws.

`AccountMaker.account` is the story of an account, step by step: who it is and when it
started (`shape`), its stakeholders (`people`), its activities (`activities`), its raw
signals and health score (`store/demo_signals.py`), its past (`history`), its tasks and
prep notes, then its own row. Each step draws from the book's streams in the same order
as before the builder was split, so a seed gives the same book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from csm_tui.domain.health import HealthSignals
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import ActivityStandard, standard_for
from csm_tui.domain.tiers import TierRules
from csm_tui.store.demo.activities import ActivityWriter, Touches, Voice
from csm_tui.store.demo.history import Health, HistoryWriter
from csm_tui.store.demo.people import Industry, People
from csm_tui.store.demo.shape import (
    HISTORY_DAYS,
    PREP_NOTE_SHARE,
    TASKS_PER_TIER,
    TIER_RANK,
    DemoRandom,
    Lifecycle,
    Skeleton,
    aggregated_signals,
    health_story,
    lifecycle,
    never_touched_and_gap,
    seats,
    segment,
    skeletons,
)
from csm_tui.store.demo.stamps import Stamps, uuid7
from csm_tui.store.demo.writer import Batch, Row
from csm_tui.store.demo_signals import SignalMaker, Story
from csm_tui.store.demo_text import (
    FEATURE_CN,
    INDUSTRIES,
    ME,
    NASTY_NAMES,
    NEXT_STEPS_CN,
    NEXT_STEPS_EN,
    SUMMARIES_CN,
    SUMMARIES_EN,
)


@dataclass(slots=True)
class _Account:
    """What the steps of one account share."""

    s: Skeleton
    id: str
    name: str
    domain: str
    industry: Industry
    segment: str
    life: Lifecycle
    created_s: int
    cn_text: bool
    hours: tuple[int, int]  # business hours in UTC
    std: ActivityStandard
    cadence: int | None
    author: str  # the owner, else the team's lead
    arr_usd: float
    seats: int
    drop: bool
    h: float
    contacts: list[tuple[str, str]]
    features: tuple[str, ...]
    next_steps: tuple[str, ...]
    activity_ids: list[str]
    score: int = 0  # today's health score
    score_30d: int | None = None  # 30 days ago (None: the account is younger)


class AccountMaker:
    """Makes the book's people, then its accounts one by one (rows into batches)."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = DemoRandom(seed)
        self.rules = TierRules()
        self.stamps = Stamps(now, self.rng.getrandbits)
        self.people = People(self.rng, self.stamps)
        self.activities = ActivityWriter(self.rng, self.stamps)
        # ARR history and the raw signals draw from streams of their own (see history.py
        # and store/demo_signals.py), so adding them left every other row as it was.
        self.history = HistoryWriter(self.rng, DemoRandom(f"arr-events:{seed}"), self.stamps)
        sig_rng = DemoRandom(f"demo-signals:{seed}")
        sig_bits = sig_rng.getrandbits
        stamps = self.stamps
        self.sig = SignalMaker(sig_rng, now, self.rules, stamps.day_text, stamps.ts, stamps.at,
                               lambda at_s: uuid7(at_s, sig_bits(84)))  # fmt: skip

    def users(self) -> tuple[list[Row], list[Row]]:
        return self.people.users()

    def skeletons(self, n: int) -> list[Skeleton]:
        return skeletons(self.rng, n, self.rules, self.people.csms, self.people.ids[ME])

    def account(self, s: Skeleton, out: Batch) -> None:
        """One account and everything under it, into the batch's lists."""
        a = self._open(s)
        a.contacts = self.people.contacts(s, a.id, a.domain, a.life.created, a.created_s,
                                          a.cn_text, out["contacts"])  # fmt: skip
        last_touch_s = self._activities(a, out["activities"])
        story = self._health(a, last_touch_s, out)
        moves = self.history.moves(s.stage, a.life)
        entered_s = self.history.stage_changes(a.id, moves, a.created_s, a.author,
                                               out["stage_changes"])  # fmt: skip
        self.history.checklist(a.id, s.stage, s.tier, s.activation, entered_s, a.author,
                               out["checklist_items"])  # fmt: skip
        self._tasks(a, out["tasks"])
        # ARR history, and a renewal decision for each past renewal and churn in it.
        first_event = len(out["arr_events"])
        self.history.arr_events(a.id, a.arr_usd, s.stage, s.tier, a.life, a.h,
                                out["arr_events"])  # fmt: skip
        self.sig.decisions(story, out["arr_events"][first_event:], a.arr_usd, a.author,
                           out["renewal_decisions"])  # fmt: skip
        nasty = s.name is not None and s.name in NASTY_NAMES
        if self.rng.random() < PREP_NOTE_SHARE[s.tier] or nasty:
            self._prep_note(a, out["prep_notes"])
        note = ""
        if s.override:
            note = s.override[1].format(i=a.industry[2] if a.cn_text else a.industry[0])
            self.sig.override(story, s.override[0]._value_, note, self.people.leads[s.team],
                              out["tier_overrides"])  # fmt: skip
        out["accounts"].append(self._account_row(a, story, note, last_touch_s))

    # -- the steps -------------------------------------------------------------------------

    def _open(self, s: Skeleton) -> _Account:
        """Who the account is, when it started, how healthy it tends to be, its seats."""
        rng = self.rng
        industry: Industry = rng.choice(INDUSTRIES)
        name, domain = self.people.company(s, industry)
        std = standard_for(s.motion)
        cadence = self.rules.cadence_days(s.tier)
        author = s.owner or self.people.leads[s.team]
        cn_text = s.chinese and rng.random() < 0.85
        hours = (1, 10) if s.team == "apac" else (7, 17)  # business hours in UTC
        life = lifecycle(rng, s)
        seg = segment(rng, s)
        created_s = self.stamps.at(life.created, rng.randint(hours[0] * 60, hours[1] * 60))
        account_id = self.stamps.id(created_s)
        drop, h = health_story(rng, s, life.created)
        arr_usd = round(s.arr / self.rules.cny_per_usd, 2) if s.cny else s.arr
        n_seats = seats(rng, s, arr_usd)
        features = tuple(FEATURE_CN[f] for f in std.key_features) if cn_text else std.key_features
        return _Account(s, account_id, name, domain, industry, seg, life, created_s, cn_text,
                        hours, std, cadence, author, arr_usd, n_seats, drop, h, [],
                        tuple(features), NEXT_STEPS_CN if cn_text else NEXT_STEPS_EN,
                        [])  # fmt: skip

    def _activities(self, a: _Account, rows: list[Row]) -> int | None:
        """The account's activities; the instant of its last touch (None: never touched)."""
        s = a.s
        start = max(a.life.created, -HISTORY_DAYS)
        end = 0
        if s.stage is Stage.CHURNED:
            end = min(0, a.life.renewal + self.rng.randint(0, 30))
        never, gap, spacing = never_touched_and_gap(self.rng, s.tier, s.stage, a.cadence)
        voice = Voice(
            account_id=a.id,
            contacts=a.contacts,
            features=a.features,
            summaries=SUMMARIES_CN if a.cn_text else SUMMARIES_EN,
            next_steps=a.next_steps,
            sentiment_cum=tuple(accumulate((0.15 + 0.6 * a.h, 0.55, 0.35 * (1 - a.h) + 0.03))),
            author=a.author,
            ids=a.activity_ids,
            rows=rows,
        )
        plan = Touches(start, end, never, gap, spacing, a.hours, a.life.created, s.tier)
        return self.activities.touches(voice, plan)

    def _health(self, a: _Account, last_touch_s: int | None, out: Batch) -> Story:
        """Raw signals, today's signals row and score, and the health snapshots."""
        s, life = a.s, a.life
        days_since = None if last_touch_s is None else self.stamps.today_day - last_touch_s // 86400
        pulse = aggregated_signals(self.rng, a.h, a.seats, a.std, s.stage, s.tier, days_since,
                                   a.cadence).csm_pulse  # fmt: skip
        story = Story(
            account_id=a.id,
            h=a.h,
            stage=s.stage,
            activation=s.activation,
            drop=a.drop,
            created=life.created,
            live_from=life.go_live if life.go_live is not None and life.go_live <= 0 else None,
            end=min(0, life.renewal) if s.stage is Stage.CHURNED else 0,
            seats=a.seats,
            tier=s.tier,
            std=a.std,
            currency="CNY" if s.cny else "USD",
            arr=s.arr,
            emails=[c[4] for c in out["contacts"][-len(a.contacts) :]] if a.contacts else [],
            cn_text=a.cn_text,
            last_touch_s=last_touch_s,
            pulse=pulse,
        )
        signals, current, points = self.sig.signals(story, out)
        out["account_signals"].append(self._signals_row(a.id, signals))
        health = Health(a.h, a.drop, current, points)
        a.score = current
        a.score_30d = self.history.snapshots(a.id, s.tier, health, life.created,
                                                 out["health_snapshots"])  # fmt: skip
        return story

    def _signals_row(self, account_id: str, signals: HealthSignals) -> Row:
        return (
            account_id,
            self.stamps.day_text(0),
            signals.weekly_active_users,
            round(signals.key_actions_per_user_week, 1),
            round(signals.dau_mau, 2),
            round(signals.session_minutes, 1),
            round(signals.messages_per_user_week, 1),
            signals.open_tickets,
            round(signals.avg_response_hours, 1),
            round(signals.volume_trend_pct, 1),
            signals.payment._value_,
            signals.nps,
            None if signals.nps is None else self.sig.nps_on,
            signals.csm_pulse,
        )

    def _tasks(self, a: _Account, rows: list[Row]) -> None:
        """Tasks: done, due, late and snoozed (none for a churned account)."""
        rng, stamps = self.rng, self.stamps
        lo, hi = TASKS_PER_TIER[a.s.tier]
        n_tasks = rng.randint(lo, hi) if a.s.stage is not Stage.CHURNED else 0
        for _ in range(n_tasks):
            roll = rng.random()
            snoozed = done_s = None
            if roll < 0.45:
                due = -rng.randint(1, 120)
                done_s = stamps.at(due + rng.randint(-3, 5), rng.randint(9 * 60, 17 * 60))
            elif roll < 0.75:
                due = rng.randint(0, 30)
            elif roll < 0.95:
                due = -rng.randint(1, 45)
            else:
                due = -rng.randint(1, 20)
                snoozed = stamps.day_text(rng.randint(1, 14))
            made_s = max(a.created_s, stamps.at(min(due, 0) - rng.randint(3, 30), 9 * 60))
            done_text = None if done_s is None else stamps.ts(max(done_s, made_s))
            ids = a.activity_ids
            source = rng.choice(ids) if ids and rng.random() < 0.5 else None
            title = rng.choice(a.next_steps).format(
                c=a.contacts[0][1], f=a.features[0], n=rng.randint(2, 40)
            )
            made = stamps.ts(made_s)
            rows.append((stamps.id(made_s), a.id, title, stamps.day_text(due), snoozed,
                         done_text, a.author, source, made, done_text or made,
                         None))  # fmt: skip

    def _prep_note(self, a: _Account, rows: list[Row]) -> None:
        rng = self.rng
        names = [c[1] for c in a.contacts] or ["—"]
        when = self.stamps.day_text(a.life.renewal)
        feature = a.features[0]
        if a.cn_text:
            body = (
                f"## 目标\n- {feature}使用率在续约（{when}）前达标\n\n"
                f"## 关键人\n- {names[0]}\n- {names[-1]}\n\n"
                f"## 注意\n- 询问扩容计划，约{rng.randint(5, 80)}个席位\n"
            )
        else:
            body = (
                f"## Goals\n- Get {feature} adoption to standard before renewal ({when})\n\n"
                f"## Stakeholders\n- {names[0]}\n- {names[-1]}\n\n"
                f"## Watch\n- Ask about expansion: about {rng.randint(5, 80)} seats\n"
            )
        if a.s.name is not None and a.s.name in NASTY_NAMES:
            body += "- [red]Don't[/] mention the outage \x1b[31m(still sore)\x1b[0m\n"
        at = self.stamps.now_s - rng.randint(1, 30) * 86400
        rows.append((self.stamps.id(at), a.id, body, self.stamps.ts(at)))

    def _account_row(self, a: _Account, story: Story, note: str, last_touch_s: int | None) -> Row:
        s, life, stamps = a.s, a.life, self.stamps
        tier, override = s.tier, s.override
        day_text = stamps.day_text
        return (
            a.id,
            a.name,
            story.currency,
            0.0 if s.stage is Stage.CHURNED else s.arr,  # churn sets ARR to 0 (its events
            0.0 if s.stage is Stage.CHURNED else a.arr_usd,  # keep what was paid)
            tier._value_,
            TIER_RANK[tier],
            tier._value_ if override else None,
            override[0]._value_ if override else None,
            note,
            s.motion._value_,
            s.stage._value_,
            a.segment,
            a.industry[0],
            a.seats,
            None if life.go_live is None else day_text(life.go_live),
            None if life.activated is None else day_text(life.activated),
            day_text(life.renewal),
            s.owner,
            a.score,
            a.score_30d,
            None if last_touch_s is None else stamps.ts(last_touch_s),
            stamps.ts(a.created_s),
            stamps.ts(max(a.created_s, last_touch_s or a.created_s)),
            0,
            None,
        )
