"""The lifecycle verbs: `check` / `uncheck` a checklist item, and `stage` (advance the
account one stage when its required items are done)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words
from csm_tui.domain.language.verb_types import (
    CheckCommand,
    Command,
    StageCommand,
)
from csm_tui.i18n import N_, Message

if TYPE_CHECKING:
    from csm_tui.domain.lifecycle import Stage, StageGate


def check_result(session: Session, command: CheckCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.lifecycle import ChecklistTemplateItem, Stage, checklist_template
    from csm_tui.domain.tiers import Tier
    from csm_tui.store.checklist import ChecklistError, load_checklist, set_item_done
    from csm_tui.store.lookup import LookupFailed, find_checklist_item

    conn = session.conn
    account = session.account(command.account)
    row = conn.execute("SELECT tier, stage FROM accounts WHERE id = ?", (account.id,)).fetchone()
    tier, current = Tier(row[0]), Stage(row[1])
    stage = command.stage or current
    entries = load_checklist(conn, account.id, tier, stage)
    items = [ChecklistTemplateItem(e.key, e.label, e.required) for e in entries] or list(
        checklist_template(stage, tier)
    )
    where = Message.of(
        N_("in {stage} for {tier} accounts"),
        stage=Message.of(stage.label),
        tier=Message.of(tier.label),
    )
    try:
        key = find_checklist_item(items, command.item, where)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    before = next((e for e in entries if e.key == key), None)
    try:
        entry = set_item_done(conn, account.id, stage, key, command.done, session.me, session.now())
    except ChecklistError as error:
        raise CommandFailed(error.words) from error
    values = {"item": entry.label, "stage": Message.of(stage.label), "name": account.name}
    if before is not None and before.done == command.done:
        text = Message.of(
            N_("“{item}” ({stage}) on {name} was already ticked")
            if command.done
            else N_("“{item}” ({stage}) on {name} was already open"),
            **values,
        )
    else:
        text = Message.of(
            N_("Ticked “{item}” ({stage}) on {name}")
            if command.done
            else N_("Unticked “{item}” ({stage}) on {name}"),
            **values,
        )
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=(
            Column("account", N_("Account")),
            Column("stage", N_("Stage")),
            Column("item", N_("Item")),
            Column("label", N_("Label")),
            Column("done", N_("Done")),
            Column("required", N_("Required")),
        ),
        rows=((account.name, stage.value, entry.key, entry.label, entry.done, entry.required),),
        account_id=account.id,
    )


def stage_result(session: Session, command: StageCommand, dry: bool) -> CommandResult:
    from csm_tui.store.checklist import advance_stage, stage_gate_of

    conn = session.conn
    account = session.account(command.account)
    gate = stage_gate_of(conn, account.id)
    target = _next_stage(gate, command.target, account.name)
    moved = advance_stage(conn, account.id, session.me, session.now())
    if not moved.can_advance:  # pragma: no cover - checked under the same lock above
        raise CommandFailed(
            Message.of(
                N_("{name} cannot leave {stage} yet"),
                name=account.name,
                stage=Message.of(gate.stage.label),
            )
        )
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("{name} moved from {stage} to {next}"),
                name=account.name,
                stage=Message.of(gate.stage.label),
                next=Message.of(target.label),
            ),
            dry,
        ),
        columns=(
            Column("account", N_("Account")),
            Column("from", N_("From")),
            Column("to", N_("To")),
        ),
        rows=((account.name, gate.stage.value, target.value),),
        account_id=account.id,
    )


def _next_stage(gate: StageGate, asked: Stage | None, name: str) -> Stage:
    """The stage the account moves to; `CommandFailed` saying why when it cannot move (the
    last stage, another stage asked for, required items not done)."""
    if gate.target is None:
        raise CommandFailed(
            Message.of(
                N_("{name} is in {stage}: there is no stage after it"),
                name=name,
                stage=Message.of(gate.stage.label),
            )
        )
    if asked is not None and asked is not gate.target:
        raise CommandFailed(
            Message.of(
                N_(
                    "{name} is in {stage}; it can only move to the next stage, {next} (not {asked})"
                ),
                name=name,
                stage=Message.of(gate.stage.label),
                next=Message.of(gate.target.label),
                asked=Message.of(asked.label),
            )
        )
    if not gate.can_advance:
        # each item's key and its label in words, one after another: templates with no words
        items = {
            f"p{n}": Message.of("{key} ({label})", key=i.key, label=Message.of(i.label))
            for n, i in enumerate(gate.missing_required)
        }
        missing = Message.of(", ".join(f"{{{p}}}" for p in items), **items)
        raise CommandFailed(
            Message.of(
                N_("{name} cannot leave {stage} yet; required items not done: {missing}"),
                name=name,
                stage=Message.of(gate.stage.label),
                missing=missing,
            )
        )
    return gate.target


HANDLERS: dict[type[Command], Handler] = {
    CheckCommand: check_result,
    StageCommand: stage_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
