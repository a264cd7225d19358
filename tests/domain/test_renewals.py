"""A renewal decision as a CSM records it: what is refused, and what it does."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.domain.language.verb_types import RenewalCommand, TierCommand
from csm_tui.domain.language.verbs import parse_command
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import ArrEventKind
from csm_tui.domain.renewals import (
    RenewalDirection,
    RenewalDraft,
    RenewalInvalid,
    RenewalOutcome,
    decide,
    is_churn_status,
)
from csm_tui.domain.tiers import OverrideReason, Tier

DAY = date(2026, 11, 30)
TERM = date(2027, 11, 30)


@pytest.mark.parametrize(
    ("after", "direction"),
    [(None, RenewalDirection.FLAT), (50_000.004, RenewalDirection.FLAT),
     (60_000, RenewalDirection.UP), (40_000, RenewalDirection.DOWN)],
)  # fmt: skip
def test_a_renewal_takes_its_direction_from_the_new_arr(after, direction):
    d = decide(RenewalDraft(RenewalOutcome.RENEWED, DAY, after, TERM), 50_000, Stage.RENEWAL)
    assert d.direction is direction
    assert d.arr_event_kind is ArrEventKind.RENEWAL
    assert d.stage_after is Stage.ADOPTION  # the next term starts in Adoption
    assert d.term_end == TERM


def test_a_churn_goes_to_zero_with_its_reason():
    d = decide(RenewalDraft(RenewalOutcome.CHURNED, DAY, reason=" budget "), 50_000,
               Stage.ADOPTION)  # fmt: skip
    assert (d.arr_after, d.reason, d.stage_after, d.arr_event_kind) == (
        0.0, "budget", Stage.CHURNED, ArrEventKind.CHURN)  # fmt: skip


def test_every_problem_is_named_at_once():
    with pytest.raises(RenewalInvalid) as caught:
        decide(RenewalDraft(RenewalOutcome.RENEWED, DAY, 0.0, DAY), 10_000, Stage.CHURNED)
    assert set(caught.value.errors) == {"outcome", "arr_after", "term_end"}
    with pytest.raises(RenewalInvalid) as caught:
        decide(RenewalDraft(RenewalOutcome.CHURNED, DAY, 5.0), 10_000, Stage.ADOPTION)
    assert set(caught.value.errors) == {"reason", "arr_after"}
    with pytest.raises(RenewalInvalid) as caught:
        decide(RenewalDraft(RenewalOutcome.WIN_BACK, DAY, None, TERM), 0, Stage.ADOPTION)
    assert set(caught.value.errors) == {"outcome", "arr_after"}


@pytest.mark.parametrize("after", [1e20, float("inf"), float("nan"), -1.0])
def test_an_arr_the_command_line_would_refuse_is_refused_by_the_form_too(after):
    """The renewal form and sync record what `decide` accepts: an ARR typed as
    99999999999999m is refused as the command line refuses it (up to 1000000m)."""
    with pytest.raises(RenewalInvalid) as caught:
        decide(RenewalDraft(RenewalOutcome.RENEWED, DAY, after, TERM), 50_000, Stage.RENEWAL)
    assert set(caught.value.errors) == {"arr_after"}


def test_the_largest_amount_the_command_line_takes_is_a_valid_arr():
    d = decide(RenewalDraft(RenewalOutcome.RENEWED, DAY, 1e15, TERM), 50_000, Stage.RENEWAL)
    assert d.arr_after == 1e15


def test_a_win_back_reopens_in_adoption_as_new_arr():
    d = decide(RenewalDraft(RenewalOutcome.WIN_BACK, DAY, 30_000, TERM), 0, Stage.CHURNED)
    assert (d.stage_after, d.arr_event_kind, d.direction) == (
        Stage.ADOPTION, ArrEventKind.NEW, RenewalDirection.UP)  # fmt: skip


@pytest.mark.parametrize("text", ["Closed Lost", "closed-lost", "CHURNED", " lost "])
def test_crm_words_for_a_lost_account_are_churn(text):
    assert is_churn_status(text)


@pytest.mark.parametrize("text", ["Closed Won", "customer", "", "renewal"])
def test_other_statuses_are_not_churn(text):
    assert not is_churn_status(text)


@pytest.mark.parametrize(
    "text",
    ['renew "Acme Ltd" --arr 120k --term-end 2027-12-31',
     'churn "Acme Ltd" --reason "moved to a competitor" --on yesterday',
     "winback Acme --arr 1.5m --term-end 2027-12-31",
     'tier "Acme Ltd" strategic --reason "reference customer" --because flagship',
     "tier Acme auto"],
)  # fmt: skip
def test_the_verbs_read_back_from_their_own_spelling(text):
    command = parse_command(text)
    assert parse_command(command.to_text()) == command


def test_the_verbs_read_their_values():
    renew = parse_command('renew "Acme Ltd" --arr 120k --term-end 2027-12-31')
    assert isinstance(renew, RenewalCommand)
    assert (renew.outcome, renew.arr, renew.term_end) == (
        RenewalOutcome.RENEWED, 120_000.0, "2027-12-31")  # fmt: skip
    assert parse_command("winback Acme --arr 80万 --term-end 2027-12-31").arr == 800_000.0
    tier = parse_command('tier Acme ent --reason "board seat" --because influence')
    assert isinstance(tier, TierCommand)
    assert (tier.tier, tier.because) == (Tier.ENTERPRISE, OverrideReason.INDUSTRY_INFLUENCE)
    assert parse_command("tier:strategic").verb == "filter"  # a filter still reads as one
