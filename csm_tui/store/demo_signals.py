"""The demo book's raw health signals and renewal history (called from store/demo.py).

For each account, relative to the app clock and from a random stream of its own (so the
rest of the book is drawn as before):

- weekly product usage (`usage_weeks`, source "mixpanel") for the last `USAGE_WEEKS_BACK`
  weeks the account was live, each feature counted apart and shaped by the account's
  sales motion (its standard's features are the ones used most) and its health story:
  a declining account's use falls week by week, a churned one's stops when it left, a
  zombie activation barely logs in, a new account ramps up;
- support tickets (`support_tickets`, "zendesk") of the last year, more and slower for
  unhealthy accounts, some still open;
- NPS answers per contact and CSAT answers after tickets (`survey_responses`,
  "delighted"), with short comments, in Chinese for accounts written in Chinese;
- invoices (`invoices`, "stripe"): monthly or quarterly over the last year, some paid
  late, and for some accounts one unpaid past its due date (late, overdue, collections);
- a renewal decision (`renewal_decisions`) for every renewal and churn the ARR history
  already holds up to today (renewed flat / up / down, churned with a reason), and a
  `tier_overrides` row for every account placed in another tier, with its reason.

The account's health is then scored from these records exactly as the recompute after an
import does (`store/health_recompute.py`): each kind's totals (`domain.signals`), then
`signals_from_totals` and `health_points`. The totals are added up here while the rows
are made, so no record is read back; a test checks the recompute changes no score.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.health import Component, HealthSignals, health_points
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.motion import ActivityStandard, Feature
from csm_tui.domain.renewals import direction_of
from csm_tui.domain.signals import (
    SUPPORT_DAYS,
    SURVEY_DAYS,
    InvoiceTotals,
    SurveyRecord,
    TicketTotals,
    UsageTotals,
    signals_from_totals,
)
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.store.timestamps import to_db

USAGE_SOURCE, TICKET_SOURCE, SURVEY_SOURCE, INVOICE_SOURCE = (
    "mixpanel",
    "zendesk",
    "delighted",
    "stripe",
)
USAGE_WEEKS_BACK = 26  # weeks of usage kept (the window, its trend a quarter back, more)
SIGNAL_DAYS = 365  # tickets, surveys and invoices of the last year
WINDOW_WEEKS = 4  # = domain.signals.USAGE_WEEKS (weeks 1..4 back)
TREND_BACK = 13  # = domain.signals.TREND_WEEKS (weeks 14..17 back)
_JUDGED = (Feature.OPPORTUNITIES, Feature.LEADS, Feature.PUBLIC_POOL, Feature.CONTACTS)
OTHER_FEATURE_USE = 0.4  # uses per active user per week of a feature the motion does not judge

TICKETS_PER_YEAR = {
    Tier.STRATEGIC: 10,
    Tier.ENTERPRISE: 7,
    Tier.GROWTH: 4,
    Tier.SCALE: 2,
    Tier.SELF_SERVE: 1,
}
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
INVOICES_PER_YEAR = {
    Tier.STRATEGIC: 4,
    Tier.ENTERPRISE: 4,
    Tier.GROWTH: 4,
    Tier.SCALE: 12,
    Tier.SELF_SERVE: 12,
}
PAYMENT_TERMS_DAYS = 30

NPS_COMMENTS_EN = {
    "promoter": ("Great tool, the team uses it daily", "Support is quick and helpful",
                 "The pipeline view saves us hours", "Would recommend to other teams"),
    "passive": ("Does the job", "Good, but reports are slow", "Fine once set up",
                "Mobile app could be better"),
    "detractor": ("Too complicated for our reps", "Support takes days to answer",
                  "We barely use it", "Too expensive for what we use"),
}  # fmt: skip
NPS_COMMENTS_CN = {
    "promoter": ("很好用，团队每天都在用", "客服响应很快", "商机管理很方便", "会推荐给同行"),
    "passive": ("还可以", "报表有点慢", "上手后还不错", "手机端需要改进"),
    "detractor": ("太复杂，销售不愿意用", "客服回复太慢", "基本没怎么用", "价格太贵"),
}
CSAT_COMMENTS_EN = ("Solved quickly", "Took a while", "Thanks!", "Still not fixed", "")
CSAT_COMMENTS_CN = ("很快解决了", "等了很久", "谢谢！", "问题还没解决", "")
RENEWED_REASONS = {
    "flat": (("Renewed on the same terms", "Renewed for another year, same seats"),
             ("按原条件续约", "续约一年，席位不变")),
    "up": (("Renewed with more seats", "Renewed with a price uplift"),
           ("续约并增加席位", "续约，价格上调")),
    "down": (("Renewed at fewer seats after a team cut", "Renewed at a discount to keep them"),
             ("减员后减少席位续约", "给予折扣后续约")),
}  # fmt: skip
CHURN_REASONS = (
    ("Budget cut", "Moved to a competitor", "Champion left the company",
     "Low adoption: the sales team never took it up",
     "Acquired; the parent company uses another CRM"),
    ("预算削减", "转用竞品", "关键联系人离职", "销售团队使用率低", "被收购，母公司使用其他CRM"),
)  # fmt: skip

INSERTS = {
    "usage_weeks": (
        "INSERT INTO usage_weeks (id, account_id, week_start, active_users, seats,"
        " opportunities, leads, public_pool, contacts, messages, sessions, session_minutes,"
        " source, version) VALUES (" + ", ".join("?" * 13) + ", 0)"
    ),
    "support_tickets": (
        "INSERT INTO support_tickets (id, account_id, opened_at, closed_at, priority,"
        " first_response_minutes, source, version) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
    ),
    "survey_responses": (
        "INSERT INTO survey_responses (id, account_id, contact_email, kind, score,"
        " responded_on, comment, source, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)"
    ),
    "invoices": (
        "INSERT INTO invoices (id, account_id, issued_on, due_on, amount, currency, paid_on,"
        " source, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)"
    ),
    "renewal_decisions": (
        "INSERT INTO renewal_decisions (id, account_id, decided_on, outcome, direction,"
        " arr_before, arr_after, currency, term_end, reason, author_id, created_at, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
    ),
    "tier_overrides": (
        "INSERT INTO tier_overrides (id, account_id, set_on, tier, reason, note, author_id,"
        " created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)"
    ),
}
# The recompute's JSON of a snapshot's points ({"usage":21,...}).
PARTS_JSON = "{" + ",".join(f"{json.dumps(c.value)}:%d" for c in Component) + "}"


@dataclass(slots=True)
class Story:
    """What the demo decided about an account that its signals must tell."""

    account_id: str
    h: float  # propensity to be healthy, 0..1
    stage: Stage
    activation: str
    drop: bool  # fell 10+ points in the last 30 days
    created: int  # day offsets from today
    live_from: int | None  # go-live (None: not yet live)
    end: int  # the last day it used the product (0: still a customer)
    seats: int
    tier: Tier
    std: ActivityStandard
    currency: str
    arr: float  # in the account's currency (what it paid when it left, if churned)
    emails: list[str]
    cn_text: bool
    last_touch_s: int | None
    pulse: int | None


class SignalMaker:
    """Writes one account's raw signals into the batch's lists and scores it."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        rules: TierRules,
        day_text: Callable[[int], str],
        ts: Callable[[int], str],
        at: Callable[[int, int], int],
        make_id: Callable[[int], str],
    ) -> None:
        self.rng = rng
        self.now = now
        self.now_s = int(now.timestamp())
        self.today = now.date()
        self.rules = rules
        self.day_text, self.ts, self.at, self.make_id = day_text, ts, at, make_id
        self.monday = -self.today.weekday()  # day offset of this week's Monday
        # k weeks back → (day offset, date text) of that week's Monday.
        self.weeks = {
            k: (self.monday - 7 * k, day_text(self.monday - 7 * k))
            for k in range(1, USAGE_WEEKS_BACK + 1)
        }
        self.since_support = to_db(now - timedelta(days=SUPPORT_DAYS))
        self.n_tickets = self.n_surveys = self.n_invoices = 0
        self.nps_on: str | None = None  # the last account's latest NPS answer (date text)

    # -- health --------------------------------------------------------------------------

    def signals(
        self, st: Story, out: dict[str, list[tuple[Any, ...]]]
    ) -> tuple[HealthSignals, int, str]:
        """The account's records into `out`; its health inputs, score and points (JSON)."""
        usage = self._usage(st, out["usage_weeks"])
        tickets, closed = self._tickets(st, out["support_tickets"])
        surveys = self._surveys(st, closed, out["survey_responses"])
        invoices = self._invoices(st, out["invoices"])
        last = None if st.last_touch_s is None else datetime.fromtimestamp(st.last_touch_s, UTC)
        touch = touch_status(st.tier, last, self.now, self.rules)
        signals = signals_from_totals(
            today=self.today,
            account_seats=st.seats,
            usage=usage,
            tickets=tickets,
            surveys=surveys,
            invoices=invoices,
            days_since_touch=touch.days_since,
            cadence_days=touch.cadence_days,
            last_touch_on=None if last is None else last.date(),
            csm_pulse=st.pulse,
        )
        score, points = health_points(signals, st.tier, st.std)
        return signals, score, PARTS_JSON % points

    def _usage(self, st: Story, rows: list[tuple[Any, ...]]) -> UsageTotals | None:
        if st.live_from is None:
            return None
        rand = self.rng.random
        std, h, seats, aid = st.std, st.h, st.seats, st.account_id
        targets = {t.feature: t.per_user_week for t in std.features}
        # Per feature: uses per active user per week at the standard's level.
        per = [targets.get(f, OTHER_FEATURE_USE) * (0.7 + 0.6 * rand()) for f in _JUDGED]
        per_msg = std.messages_per_user_week * (0.7 + 0.6 * rand())
        login, dau_mau = std.login_rate_target, std.dau_mau_target
        minutes = std.session_minutes_target * (0.3 + 0.9 * h)
        base = 0.1 + 1.05 * h
        if st.stage is Stage.ACTIVATION and st.activation == "zombie":
            base = 0.03 + 0.1 * h
        declining = st.drop or st.stage is Stage.CHURNED or (h < 0.35 and rand() < 0.5)
        growing = not declining and h > 0.6 and rand() < 0.4
        start, end = st.live_from, st.end
        p_opp, p_leads, p_pool, p_contacts = per
        weeks = self.weeks
        src = USAGE_SOURCE
        # Totals, as health_recompute's SQL adds them up.
        w_n = w_active = w_seats = w_most = w_sessions = w_msg = 0
        w_opp = w_leads = w_pool = w_contacts = 0
        w_minutes = 0.0
        latest = None
        earlier: int | None = None
        for k in range(USAGE_WEEKS_BACK, 0, -1):
            off, week = weeks[k]
            if off + 6 < start or off > end:
                continue
            ramp = 0.35 + (off - start) / 56
            if ramp > 1.0:
                ramp = 1.0
            if declining:
                left = (end - off) / 91
                shape = 1.0 if left >= 1.0 else 0.3 + 0.7 * left
            elif growing:
                shape = 0.8 + 0.2 * (USAGE_WEEKS_BACK - k) / USAGE_WEEKS_BACK
            else:
                shape = 1.0
            m = base * ramp * shape * (0.85 + 0.3 * rand())
            share = login * m
            active = int(seats * (share if share < 1.0 else 1.0) + 0.5)
            if active > seats:
                active = seats
            am = active * m
            opp = int(am * p_opp + rand())
            leads = int(am * p_leads + rand())
            pool = int(am * p_pool + rand())
            contacts = int(am * p_contacts + rand())
            msg = int(am * per_msg + rand())
            sessions = int(active * 5 * dau_mau * (m if m < 1.2 else 1.2) + rand())
            mins = float(int(sessions * minutes * (0.85 + 0.3 * rand())))  # sums exactly
            rows.append((f"{src}:{aid}:{week}", aid, week, active, seats, opp, leads, pool,
                         contacts, msg, sessions, mins, src))  # fmt: skip
            latest = off
            if k <= WINDOW_WEEKS:
                w_n += 1
                w_active += active
                w_seats += seats
                if active > w_most:
                    w_most = active
                w_opp += opp
                w_leads += leads
                w_pool += pool
                w_contacts += contacts
                w_msg += msg
                w_sessions += sessions
                w_minutes += mins
            elif TREND_BACK < k <= TREND_BACK + WINDOW_WEEKS:
                earlier = (earlier or 0) + opp + leads + pool + contacts + msg
        if latest is None:
            return None
        return UsageTotals(
            w_n, w_active, w_seats, w_most, w_opp, w_leads, w_pool, w_contacts, w_msg,
            w_sessions, w_minutes,
            self.today + timedelta(days=latest), USAGE_SOURCE, earlier,
        )  # fmt: skip

    def _tickets(
        self, st: Story, rows: list[tuple[Any, ...]]
    ) -> tuple[TicketTotals | None, list[int]]:
        rng = self.rng
        rand = rng.random
        h = st.h
        first = max(st.created, -SIGNAL_DAYS)
        last = st.end
        if last <= first:
            return None, []
        per_year = TICKETS_PER_YEAR[st.tier] * (0.4 + 1.6 * (1 - h))
        n = int(per_year * (last - first) / 365 * (0.5 + rand()) + rand())
        aid, ts, now_s = st.account_id, self.ts, self.now_s
        open_now = resp_min = responses = 0
        seen = None
        closed_days: list[int] = []
        for _ in range(n):
            day = first + int(rand() * (last - first))
            opened_s = self.at(day, 60 * (1 + int(rand() * 16)))
            response = int(10 + (1 - h) * 1800 * rand() * rand()) if rand() < 0.95 else None
            if rand() < 0.4 * (1 - h) and day > -21 and st.end == 0:
                closed_s = None
            else:
                closed_s = opened_s + int(3600 * (1 + 200 * (1 - h) * rand()))
                if closed_s > now_s:
                    closed_s = None
            opened = ts(opened_s)
            closed = None if closed_s is None else ts(closed_s)
            self.n_tickets += 1
            rows.append((f"{TICKET_SOURCE}:{self.n_tickets}", aid, opened, closed,
                         rng.choice(PRIORITIES), response, TICKET_SOURCE))  # fmt: skip
            if closed_s is None:
                open_now += 1
            else:
                closed_days.append(closed_s // 86400 - now_s // 86400)
            if response is not None and opened >= self.since_support:
                resp_min += response
                responses += 1
            latest = closed or opened
            if seen is None or latest > seen:
                seen = latest
        if seen is None:  # no tickets
            return None, []
        latest_day = date.fromisoformat(seen[:10])
        return TicketTotals(open_now, resp_min, responses, latest_day, TICKET_SOURCE), closed_days

    def _surveys(
        self, st: Story, closed_days: list[int], rows: list[tuple[Any, ...]]
    ) -> list[SurveyRecord]:
        rng = self.rng
        rand = rng.random
        h, aid = st.h, st.account_id
        self.nps_on = None
        if not st.emails:
            return []
        nps_comments = NPS_COMMENTS_CN if st.cn_text else NPS_COMMENTS_EN
        csat_comments = CSAT_COMMENTS_CN if st.cn_text else CSAT_COMMENTS_EN
        first = max(st.created + 30, -SIGNAL_DAYS)
        last = min(0, st.end)
        answer_p = 0.55 if st.tier.rank <= 2 else 0.3
        recent: list[SurveyRecord] = []
        since = -SURVEY_DAYS
        made: list[tuple[str, str, int, int, str]] = []  # (email, kind, score, day, comment)
        for survey_day in (-rng.randint(0, 179), -180 - rng.randint(0, 179)):
            if not first <= survey_day <= last:
                continue
            for email in st.emails:
                if rand() >= answer_p:
                    continue
                score = max(0, min(10, int(3.5 + 7.5 * h + 4 * (rand() - 0.5) + 0.5)))
                band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                comment = rng.choice(nps_comments[band]) if rand() < 0.6 else ""
                made.append((email, "nps", score, survey_day + int(rand() * 10), comment))
        for day in closed_days:
            if rand() < 0.3 and first <= day <= last:
                score = max(1, min(5, int(1 + 4 * h + 2 * (rand() - 0.5) + 0.5)))
                made.append((rng.choice(st.emails), "csat", score, day,
                              rng.choice(csat_comments)))  # fmt: skip
        for email, kind, score, day, comment in made:
            day = min(day, last)
            self.n_surveys += 1
            if kind == "nps" and (self.nps_on is None or self.day_text(day) > self.nps_on):
                self.nps_on = self.day_text(day)  # the latest NPS answer's day
            rows.append((f"{SURVEY_SOURCE}:{self.n_surveys}", aid, email, kind, score,
                         self.day_text(day), comment, SURVEY_SOURCE))  # fmt: skip
            if since <= day <= 0:
                on = self.today + timedelta(days=day)
                recent.append(SurveyRecord(email, kind, score, on, SURVEY_SOURCE))
        return recent

    def _invoices(self, st: Story, rows: list[tuple[Any, ...]]) -> InvoiceTotals | None:
        rng = self.rng
        rand = rng.random
        h = st.h
        per_year = INVOICES_PER_YEAR[st.tier]
        period = 365 // per_year
        first = max(st.created, -SIGNAL_DAYS)
        last = min(0, st.end)
        # How the account pays now: one invoice unpaid past due by `late` days (0: none).
        if h > 0.8:
            late = 0
        elif st.stage is Stage.CHURNED:
            late = rng.choice((0, 45, 120)) + int(rand() * 30)
        else:
            roll = rand() * (1.2 - h)
            late = (
                0 if roll < 0.55 else 1 + int(rand() * 30) if roll < 0.8 else 31 + int(rand() * 60)
            )
        # Invoices are issued every `period` days from the contract's start.
        issue = st.created + ((first - st.created) // period) * period
        if issue < first:
            issue += period
        if issue > last:
            issue = max(st.created, last)
        amount = round(st.arr / per_year, 2)
        aid, day_text = st.account_id, self.day_text
        unpaid_due = None if late == 0 else -late
        worst = 0
        latest = None
        made = 0
        while issue <= last:
            due = issue + PAYMENT_TERMS_DAYS
            if unpaid_due is not None and due <= unpaid_due < due + period:
                due = unpaid_due  # the invoice left unpaid
                paid = None
            elif due >= 0 and rand() < 0.7:
                paid = None  # not due yet
            elif rand() < 0.25 * (1 - h):
                paid = min(0, due + 1 + int(rand() * 20))  # paid late
            else:
                paid = min(0, issue + int(rand() * PAYMENT_TERMS_DAYS))
            if paid is None and due < 0:
                worst = max(worst, -due)
            self.n_invoices += 1
            rows.append((f"{INVOICE_SOURCE}:in_{self.n_invoices:07d}", aid, day_text(issue),
                         day_text(due), amount, st.currency,
                         None if paid is None else day_text(paid), INVOICE_SOURCE))  # fmt: skip
            seen = issue if paid is None else max(issue, paid)
            latest = seen if latest is None else max(latest, seen)
            made += 1
            issue += period
        if latest is None:  # no invoices made
            return None
        return InvoiceTotals(worst, self.today + timedelta(days=latest), INVOICE_SOURCE)

    # -- decisions -----------------------------------------------------------------------

    def decisions(
        self,
        st: Story,
        arr_events: list[tuple[Any, ...]],
        arr_usd: float,
        author: str | None,
        rows: list[tuple[Any, ...]],
    ) -> None:
        """A decision for each renewal or churn of the ARR history up to today."""
        rng = self.rng
        today_text = self.day_text(0)
        rate = self.rules.cny_per_usd
        cny = st.currency == "CNY"
        lang = 1 if st.cn_text else 0

        def in_currency(usd: float) -> float:
            if abs(usd - arr_usd) < 0.005:
                return st.arr
            return round(usd * rate, 2) if cny else usd

        for _id, aid, effective_on, kind, before, after, _created in arr_events:
            if kind not in ("renewal", "churn") or effective_on > today_text:
                continue
            day = (date.fromisoformat(effective_on) - self.today).days
            at_s = self.at(day, 9 * 60 + int(rng.random() * 480))
            if kind == "churn":
                outcome, term_end = "churned", None
                arr_before, arr_after = in_currency(before), 0.0
                direction = direction_of(arr_before, arr_after).value
                reason = rng.choice(CHURN_REASONS[lang])
            else:
                outcome = "renewed"
                direction = direction_of(before, after).value
                arr_before, arr_after = in_currency(before), in_currency(after)
                term_end = self.day_text(day + 365)
                reason = rng.choice(RENEWED_REASONS[direction][lang])
            rows.append((self.make_id(at_s), aid, effective_on, outcome, direction, arr_before,
                         arr_after, st.currency, term_end, reason, author,
                         self.ts(at_s)))  # fmt: skip

    def override(
        self, st: Story, reason: str, note: str, author: str | None, rows: list[tuple[Any, ...]]
    ) -> None:
        """The history row of the account's tier override, set some day after it began."""
        span = max(1, -st.created - 1)
        day = st.created + 1 + int(self.rng.random() * span)
        at_s = self.at(min(day, 0), 10 * 60 + int(self.rng.random() * 300))
        rows.append((self.make_id(at_s), st.account_id, self.day_text(min(day, 0)),
                     st.tier._value_, reason, note, author, self.ts(at_s)))  # fmt: skip
