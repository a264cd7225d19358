"""An account's past in the demo book: health snapshots, stage history with the current
stage's checklist, and ARR history (from a random stream of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from csm_tui.domain.lifecycle import ChecklistTemplateItem, Stage, checklist_template
from csm_tui.domain.tiers import Tier
from csm_tui.store.demo.shape import (
    ARR_HISTORY_DAYS,
    EXPANSION_TIER_FACTOR,
    HISTORY_DAYS,
    SNAPSHOT_EVERY_DAYS,
    SNAPSHOTS,
    STAGE_TEXT,
    DemoRandom,
    Lifecycle,
)
from csm_tui.store.demo.stamps import Stamps, uuid7
from csm_tui.store.demo.writer import Row

Move = tuple[int, Stage | None, Stage]  # (day offset, from, to)


@cache
def _checklist(stage: Stage, tier: Tier) -> tuple[ChecklistTemplateItem, ...]:
    return checklist_template(stage, tier)


@dataclass(frozen=True, slots=True)
class Health:
    """An account's health story and today's score."""

    h: float  # propensity to be healthy, 0..1
    drop: bool  # fell 10+ points in the last 30 days
    current: int  # today's score
    points: str  # today's points by component (JSON)


class HistoryWriter:
    """Rows of `health_snapshots`, `stage_changes`, `checklist_items` and `arr_events`."""

    def __init__(self, rng: DemoRandom, arr_rng: DemoRandom, stamps: Stamps) -> None:
        self.rng = rng
        self.stamps = stamps
        # ARR history draws from its own stream, so adding it left every other row of
        # the book as it was.
        self.arr_rng = arr_rng
        self._arr_bits = arr_rng.getrandbits

    # -- health snapshots ------------------------------------------------------------------

    def snapshots(
        self, account_id: str, tier: Tier, health: Health, created: int, rows: list[Row]
    ) -> int | None:
        """A snapshot every 30 days back to 18 months, while the account existed; the score
        30 days ago (None if the account is younger)."""
        stamps = self.stamps
        mean = 35 + 45 * health.h
        prev = health.current
        score_30d = None
        split = stamps.split_cache[tier]
        rand = self.rng.random
        tail = stamps.snap_tail()
        prefix = stamps.snap_prefix
        day_text = stamps.day_text
        rows.append((prefix[0] + tail, account_id, day_text(0), health.current, health.points))
        for k in range(1, min(SNAPSHOTS, 1 + (-created) // SNAPSHOT_EVERY_DAYS)):
            off = -k * SNAPSHOT_EVERY_DAYS
            if k == 1:
                step = 10 + int(rand() * 15) if health.drop else int(rand() * 13) - 6
            else:
                step = round((mean - prev) * 0.25) + int(rand() * 13) - 6
            prev = value = 0 if prev + step < 0 else 100 if prev + step > 100 else prev + step
            if k == 1:
                score_30d = value
            rows.append((prefix[k] + tail, account_id, day_text(off), value, split[value]))
        return score_30d

    # -- stages ----------------------------------------------------------------------------

    def moves(self, stage: Stage, life: Lifecycle) -> list[Move]:
        """The account's stage changes: go-live, activation, past renewal cycles, churn."""
        rng = self.rng
        created, go_live, activated, renewal = (
            life.created, life.go_live, life.activated, life.renewal
        )  # fmt: skip
        moves: list[Move] = [(created, None, Stage.ONBOARDING)]
        if stage is not Stage.ONBOARDING and go_live is not None and go_live <= 0:
            moves.append((go_live, Stage.ONBOARDING, Stage.ACTIVATION))
        if activated is not None:
            moves.append((activated, Stage.ACTIVATION, Stage.ADOPTION))
            r = created + 365
            while r < renewal and r - 90 <= 0:  # past renewals: renewal window, signed
                if r - 90 < -HISTORY_DAYS:  # older cycles are not kept
                    r += 365
                    continue
                moves.append((r - 90, Stage.ADOPTION, Stage.RENEWAL))
                moves.append((min(0, r + rng.randint(-10, 10)), Stage.RENEWAL, Stage.ADOPTION))
                r += 365
            if stage is Stage.RENEWAL or (stage is Stage.CHURNED and renewal - 90 > activated):
                moves.append((min(0, renewal - 90), Stage.ADOPTION, Stage.RENEWAL))
        if stage is Stage.CHURNED:
            last_stage = moves[-1][2]
            moves.append((min(0, renewal + rng.randint(0, 20)), last_stage, Stage.CHURNED))
        return moves

    def stage_changes(
        self,
        account_id: str,
        moves: list[Move],
        created_s: int,
        changed_by: str,
        rows: list[Row],
    ) -> int:
        """The moves as rows; the instant the account entered its current stage."""
        rng, stamps = self.rng, self.stamps
        entered_s = created_s
        for day_off, frm, to in moves:
            entered_s = max(entered_s, stamps.at(day_off, rng.randint(8 * 60, 10 * 60)))
            rows.append((stamps.id(entered_s), account_id, STAGE_TEXT[frm] if frm else None,
                         STAGE_TEXT[to], stamps.ts(entered_s), changed_by))  # fmt: skip
        return entered_s

    def checklist(
        self,
        account_id: str,
        stage: Stage,
        tier: Tier,
        activation: str,
        entered_s: int,
        changed_by: str,
        rows: list[Row],
    ) -> None:
        """The current stage's checklist, partly ticked (none for a churned account)."""
        if stage is Stage.CHURNED:
            return
        rng, stamps = self.rng, self.stamps
        tick_p = {"late": 0.35, "zombie": 0.2}.get(activation, 0.55)
        span = max(1, (stamps.now_s - entered_s) // 86400)
        stage_text = STAGE_TEXT[stage]
        for item in _checklist(stage, tier):
            done_s = None
            if item.key != "renewal_signed" and rng.random() < tick_p:
                done_s = stamps.past(
                    entered_s + rng.randint(0, span) * 86400 + rng.randint(0, 3600)
                )
            done = None if done_s is None else stamps.ts(done_s)
            rows.append((stamps.id(entered_s), account_id, stage_text, item.key, item.label,
                         int(item.required), done, changed_by if done else None,
                         done or stamps.ts(entered_s)))  # fmt: skip

    # -- ARR -------------------------------------------------------------------------------

    def arr_id(self, at_s: int) -> str:
        """An id with bits from the ARR history's own stream."""
        return uuid7(at_s, self._arr_bits(84))

    def arr_events(
        self, account_id: str, arr_usd: float, stage: Stage, tier: Tier, life: Lifecycle,
        h: float, rows: list[Row],
    ) -> None:  # fmt: skip
        """ARR history consistent with today's ARR and stage (day offsets from today).

        A `new` event when the contract was signed; at each past anniversary in the last
        24 months a renewal (flat, with an uplift, or at a lower price); mid-term
        expansions (likelier for healthy, high-tier accounts) and a few contractions;
        churned accounts end with a `churn` at their renewal date. Values are drawn
        backwards from today's ARR, so the last event's `arr_after_usd` is exactly
        `accounts.arr_usd` (for a churned account 0, as a churn sets it; `arr_usd` here
        is then what it paid when it left, its churn's `arr_before_usd`). A few changes
        are already signed but take effect later: notices of non-renewal for red accounts
        renewing within 90 days, booked expansions.
        """
        churned = stage is Stage.CHURNED
        plan = self._arr_plan(tier, life, h, end=life.renewal if churned else 0)
        rand = self.arr_rng.random
        at, ts, day_text = self.stamps.at, self.stamps.ts, self.stamps.day_text
        cur = arr_usd
        out: list[Row] = []
        if churned:
            at_s = at(life.renewal, 9 * 60 + int(rand() * 480))
            out.append((self.arr_id(at_s), account_id, day_text(life.renewal), "churn", cur,
                        0.0, ts(at_s)))  # fmt: skip
        for day, kind, factor in reversed(plan):
            before = max(1.0, float(round(cur / factor)))
            if factor == 1.0:
                before = cur
            at_s = at(day, 9 * 60 + int(rand() * 480))
            out.append((self.arr_id(at_s), account_id, day_text(day), kind, before, cur,
                        ts(at_s)))  # fmt: skip
            cur = before
        at_s = at(life.created, 9 * 60 + int(rand() * 480))
        out.append((self.arr_id(at_s), account_id, day_text(life.created), "new", 0.0, cur,
                    ts(at_s)))  # fmt: skip
        out.extend(self._signed_ahead(account_id, arr_usd, stage, life.renewal, h))
        rows.extend(out)

    def _arr_plan(
        self, tier: Tier, life: Lifecycle, h: float, end: int
    ) -> list[tuple[int, str, float]]:
        """(day, kind, after/before factor) of the past ARR changes, oldest first; `end`:
        past events happen before this day."""
        rand = self.arr_rng.random
        created = life.created
        plan: list[tuple[int, str, float]] = []
        used: set[int] = set()  # one event a day, so the order of a day is never in doubt
        expand_p = (0.15 + 0.5 * h) * EXPANSION_TIER_FACTOR[tier]
        contract_p = 0.12 * (1 - h)
        year_start = created
        while year_start < end:
            nxt = year_start + 365
            if year_start > created and year_start >= -ARR_HISTORY_DAYS:
                roll = rand()
                if roll < 0.15 * (1 - h):
                    plan.append((year_start, "renewal", 0.6 + 0.3 * rand()))
                elif roll < 0.15 * (1 - h) + 0.3 + 0.2 * h:
                    plan.append((year_start, "renewal", 1.03 + 0.04 * rand()))
                else:
                    plan.append((year_start, "renewal", 1.0))
            for kind, p, lo, span in (("expansion", expand_p, 1.1, 0.5),
                                      ("contraction", contract_p, 0.6, 0.3)):  # fmt: skip
                if rand() < p:
                    day = year_start + 30 + int(rand() * 300)
                    if -ARR_HISTORY_DAYS <= day < min(end, nxt) and day <= -1 and day not in used:
                        used.add(day)
                        plan.append((day, kind, lo + span * rand()))
            year_start = nxt
        plan.sort()
        return plan

    def _signed_ahead(
        self, account_id: str, arr_usd: float, stage: Stage, renewal: int, h: float
    ) -> list[Row]:
        """A change signed but not yet effective: a notice of non-renewal or an expansion."""
        rand = self.arr_rng.random
        ts, day_text = self.stamps.ts, self.stamps.day_text
        signed_s = self.stamps.now_s - (1 + int(rand() * 20)) * 86400
        if stage is Stage.RENEWAL and 0 < renewal <= 90 and h < 0.3 and rand() < 0.5:
            return [(self.arr_id(signed_s), account_id, day_text(renewal), "churn", arr_usd,
                     0.0, ts(signed_s))]  # fmt: skip
        if stage is Stage.ADOPTION and h > 0.7 and rand() < 0.04:
            day = 1 + int(rand() * 60)
            after = float(round(arr_usd * (1.1 + 0.3 * rand())))
            return [(self.arr_id(signed_s), account_id, day_text(day), "expansion", arr_usd,
                     after, ts(signed_s))]  # fmt: skip
        return []
