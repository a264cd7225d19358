"""The `renew`, `churn`, `winback` and `tier` verbs: through store.renewals, the same
writes the account screen's `R` and `T` keys make."""

from __future__ import annotations

from datetime import date

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words, money
from csm_tui.domain.language.verb_types import (
    Command,
    ReferenceCommand,
    RenewalCommand,
    TierCommand,
)
from csm_tui.domain.renewals import RenewalDraft, RenewalInvalid, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.i18n import N_, Message

_FIELD_OPTIONS = {"arr_after": "--arr", "term_end": "--term-end", "reason": "--reason",
                  "outcome": "the decision"}  # fmt: skip

DECISION_COLUMNS = (
    Column("account", N_("Account")),
    Column("outcome", N_("Outcome")),
    Column("direction", N_("Direction")),
    Column("arr_before", N_("ARR before"), right=True),
    Column("arr_after", N_("ARR after"), right=True),
    Column("currency", N_("Currency")),
    Column("term_end", N_("Term end")),
    Column("stage", N_("Stage")),
    Column("reason", N_("Reason")),
)


def _day(text: str | None, session: Session, what: str) -> date | None:
    from csm_tui.domain.dates import DueDateError, parse_due

    if text is None:
        return None
    try:
        return parse_due(text, session.today())
    except DueDateError as error:
        raise CommandFailed(
            Message.of(N_("{option}: {problem}"), option=what, problem=error.words)
        ) from error


_DIRECTION_WORDS = {"flat": N_("renewed flat"), "up": N_("renewed up"), "down": N_("renewed down")}


def _sentence(name: str, outcome: RenewalOutcome, direction: str, before: str, after: str,
              term_end: str, stage: str) -> Message:  # fmt: skip
    """`stage` is the stage's label (a msgid)."""
    values = {"name": name, "before": before, "after": after, "stage": Message.of(stage)}
    if outcome is RenewalOutcome.CHURNED:
        return Message.of(N_("{name} churned: ARR {before} → {after}, stage {stage}"), **values)
    what = Message.of(
        N_("won back") if outcome is RenewalOutcome.WIN_BACK else _DIRECTION_WORDS[direction]
    )
    return Message.of(
        N_("{name} {what}: ARR {before} → {after}, next renewal {term_end}, stage {stage}"),
        what=what,
        term_end=term_end,
        **values,
    )


def renewal_result(session: Session, command: RenewalCommand, dry: bool) -> CommandResult:
    from csm_tui.store.renewals import record_decision

    account = session.account(command.account)
    draft = RenewalDraft(
        outcome=command.outcome,
        decided_on=_day(command.on, session, "--on") or session.today(),
        arr_after=command.arr,
        term_end=_day(command.term_end, session, "--term-end"),
        reason=command.reason or "",
    )
    try:
        done = record_decision(session.conn, account.id, draft, session.rules,
                               author_id=session.me, now=session.now())  # fmt: skip
    except RenewalInvalid as error:
        items = list(error.words.items())
        template = "{name}: " + "; ".join(f"{{o{i}}}: {{p{i}}}" for i in range(len(items)))
        values: dict[str, str | Message] = {
            f"o{i}": _FIELD_OPTIONS.get(k, k) for i, (k, _v) in enumerate(items)
        }
        values.update({f"p{i}": v for i, (_k, v) in enumerate(items)})
        raise CommandFailed(Message.of(template, name=account.name, **values)) from error
    d = done.decision
    before, after = money(d.arr_before, done.currency), money(d.arr_after, done.currency)
    term = d.term_end.isoformat() if d.term_end else ""
    stage = d.stage_after.value
    return CommandResult.of(
        command,
        dry_run_words(
            _sentence(
                done.account_name,
                d.outcome,
                d.direction.value,
                before,
                after,
                term,
                d.stage_after.label,
            ),
            dry,
        ),
        columns=DECISION_COLUMNS,
        rows=(
            (
                done.account_name,
                d.outcome.value,
                d.direction.value,
                d.arr_before,
                d.arr_after,
                done.currency,
                term,
                stage,
                d.reason,
            ),
        ),
        account_id=done.account_id,
    )


TIER_COLUMNS = (
    Column("account", N_("Account")),
    Column("tier", N_("Tier")),
    Column("was", N_("Was")),
    Column("by_arr", N_("By ARR")),
    Column("because", N_("Because")),
    Column("reason", N_("Reason")),
)


def tier_result(session: Session, command: TierCommand, dry: bool) -> CommandResult:
    from csm_tui.store.renewals import TierOverrideInvalid, set_tier_override

    account = session.account(command.account)
    because = command.because
    if command.tier is not None and because is None:
        because = OverrideReason.OTHER
    if command.tier is not None and not (command.reason or "").strip():
        raise CommandFailed(
            Message.of(N_('a tier override needs a reason: --reason "why this tier"'))
        )
    try:
        done = set_tier_override(
            session.conn, account.id, command.tier, because, command.reason or "",
            session.rules, author_id=session.me, now=session.now(), today=session.today(),
        )  # fmt: skip
    except TierOverrideInvalid as error:
        raise CommandFailed(error.words) from error
    label = Message.of(Tier(done.tier).label)
    if done.cleared:
        text = Message.of(
            N_("{name}: no tier override; its ARR places it in {tier}"),
            name=done.account_name,
            tier=label,
        )
    else:
        text = Message.of(
            N_("{name} is now {tier} by override (ARR alone says {by_arr})"),
            name=done.account_name,
            tier=label,
            by_arr=Message.of(Tier(done.by_arr).label),
        )
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=TIER_COLUMNS,
        rows=(
            (
                done.account_name,
                done.tier,
                done.tier_before,
                done.by_arr,
                "" if done.cleared or because is None else because.value,
                command.reason or "",
            ),
        ),
        account_id=done.account_id,
    )


def reference_result(session: Session, command: ReferenceCommand, dry: bool) -> CommandResult:
    from csm_tui.store.renewals import set_reference

    account = session.account(command.account)
    done = set_reference(session.conn, account.id, command.is_reference, session.rules,
                         now=session.now())  # fmt: skip
    what = "a reference customer" if command.is_reference else "not a reference customer"
    text = f"{done.account_name} is {what}; tier {Tier(done.tier).label}"
    if done.tier != done.tier_before:
        text += f" (was {Tier(done.tier_before).label})"
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=(
            Column("account", N_("Account")),
            Column("reference", N_("Reference")),
            Column("tier", N_("Tier")),
            Column("was", N_("Was")),
        ),
        rows=((done.account_name, command.is_reference, done.tier, done.tier_before),),
        account_id=done.account_id,
    )


HANDLERS: dict[type[Command], Handler] = {
    RenewalCommand: renewal_result,
    TierCommand: tier_result,
    ReferenceCommand: reference_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
