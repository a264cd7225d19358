"""Renewal decisions: the contract's lifecycle as recorded events (spec section 2, seed 003).

A renewal is a *decision* a CSM records — never inferred from a stage or a date:

- renewed: the account signs a new term. Its direction is derived from the ARR before and
  after (flat, up = upsell at renewal, down = downsell at renewal); the new term end
  becomes the account's renewal date, and the account starts its next term in Adoption.
- churned: the account leaves, with a reason. Its ARR goes to 0 (the ARR before is kept
  in the decision, so every historical figure still sees it); stage Churned. The account
  keeps the tier it had.
- win_back: a churned account comes back with a new ARR and term: it re-opens in Adoption.

Each decision writes one ARR event (domain.metrics): renewal (before → after), churn
(before → 0) or new (0 → after, for a win-back), effective on the day decided. The renewal
rate (metrics) counts the renewal and churn events of a period, so it counts decisions.

This module validates a decision (every error at once, keyed by field, as the activity
form does) and says what it does to the account; the store writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import CENT, MAX_AMOUNT, ArrEventKind
from csm_tui.i18n import N_, Message

MAX_REASON_CHARS = 2000


class RenewalOutcome(StrEnum):
    RENEWED = "renewed"
    CHURNED = "churned"
    WIN_BACK = "win_back"

    @classmethod
    def parse(cls, text: str) -> RenewalOutcome:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"renew": "renewed", "churn": "churned", "winback": "win_back",
                   "win_back": "win_back", "lost": "churned"}  # fmt: skip
        key = aliases.get(key, key)
        for outcome in cls:
            if outcome.value == key:
                return outcome
        raise ValueError(f"unknown outcome {text!r}; expected " + ", ".join(o.value for o in cls))


class RenewalDirection(StrEnum):
    FLAT = "flat"
    UP = "up"
    DOWN = "down"


def direction_of(arr_before: float, arr_after: float) -> RenewalDirection:
    """Flat when the ARR moved less than a cent; else up or down."""
    if abs(arr_after - arr_before) < CENT:
        return RenewalDirection.FLAT
    return RenewalDirection.UP if arr_after > arr_before else RenewalDirection.DOWN


@dataclass(frozen=True)
class RenewalDraft:
    """A decision as typed: `arr_after` None means "the same ARR" for a renewal."""

    outcome: RenewalOutcome
    decided_on: date
    arr_after: float | None = None  # in the account's currency
    term_end: date | None = None  # the new renewal date (renewed, win-back)
    reason: str = ""


@dataclass(frozen=True)
class RenewalDecision:
    """A valid decision against an account's current ARR and stage."""

    outcome: RenewalOutcome
    direction: RenewalDirection
    decided_on: date
    arr_before: float  # in the account's currency
    arr_after: float
    term_end: date | None
    reason: str

    @property
    def arr_event_kind(self) -> ArrEventKind:
        return {
            RenewalOutcome.RENEWED: ArrEventKind.RENEWAL,
            RenewalOutcome.CHURNED: ArrEventKind.CHURN,
            RenewalOutcome.WIN_BACK: ArrEventKind.NEW,
        }[self.outcome]

    @property
    def stage_after(self) -> Stage:
        return Stage.CHURNED if self.outcome is RenewalOutcome.CHURNED else Stage.ADOPTION


class RenewalInvalid(ValueError):
    """Field → message, every problem at once: `words` holds `Message`s, `errors` says them
    in the interface language."""

    def __init__(self, words: dict[str, Message]) -> None:
        super().__init__("; ".join(f"{k}: {v.english()}" for k, v in words.items()))
        self.words = words

    @property
    def errors(self) -> dict[str, str]:
        return {field: words.render() for field, words in self.words.items()}


def decide(draft: RenewalDraft, arr_before: float, stage: Stage) -> RenewalDecision:
    """Check `draft` against the account's current ARR and stage; raise `RenewalInvalid`
    with every problem, or return the decision with its derived direction."""
    errors: dict[str, Message] = {}
    outcome = draft.outcome
    reason = draft.reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        errors["reason"] = Message.of(N_("at most {most} characters"), most=MAX_REASON_CHARS)
    after = draft.arr_after
    if after is not None and (after != after or after < 0):  # NaN or negative
        errors["arr_after"] = Message.of(N_("an ARR of 0 or more"))
    elif after is not None and after > MAX_AMOUNT:  # the command line's limit too
        errors["arr_after"] = Message.of(N_("an ARR up to 1000000m"))
    if outcome is RenewalOutcome.CHURNED:
        if stage is Stage.CHURNED:
            errors["outcome"] = Message.of(
                N_("the account has already churned (win it back first)")
            )
        if not reason:
            errors["reason"] = Message.of(N_("say why the account churned"))
        if after is not None and after >= CENT:
            errors["arr_after"] = Message.of(N_("a churned account's ARR is 0"))
        after = 0.0
    else:
        if outcome is RenewalOutcome.RENEWED and stage is Stage.CHURNED:
            errors["outcome"] = Message.of(N_("a churned account is won back, not renewed"))
        if outcome is RenewalOutcome.WIN_BACK and stage is not Stage.CHURNED:
            errors["outcome"] = Message.of(N_("only a churned account can be won back"))
        if after is None:
            if outcome is RenewalOutcome.WIN_BACK:
                errors.setdefault("arr_after", Message.of(N_("the ARR it comes back with")))
                after = 0.0
            else:
                after = arr_before
        elif after < CENT and "arr_after" not in errors:
            errors["arr_after"] = Message.of(N_("an ARR above 0 (record a churn instead)"))
        if draft.term_end is None:
            errors["term_end"] = Message.of(N_("the end of the new term (the next renewal date)"))
        elif draft.term_end <= draft.decided_on:
            errors["term_end"] = Message.of(N_("a day after the decision"))
    if errors:
        raise RenewalInvalid(errors)
    assert after is not None
    return RenewalDecision(
        outcome=outcome,
        direction=direction_of(arr_before, after),
        decided_on=draft.decided_on,
        arr_before=arr_before,
        arr_after=after,
        term_end=None if outcome is RenewalOutcome.CHURNED else draft.term_end,
        reason=reason,
    )


# The words a CRM uses for an account it lost (a status or stage column).
CHURN_STATUSES = frozenset(
    {"churned", "churn", "closed lost", "closed-lost", "closed_lost", "closedlost", "lost",
     "cancelled", "canceled", "terminated", "former customer"}
)  # fmt: skip


def is_churn_status(text: str) -> bool:
    """Does a CRM's status or stage say the account is lost?"""
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split()) in {
        " ".join(s.replace("_", " ").replace("-", " ").split()) for s in CHURN_STATUSES
    }
