"""The account verbs: `open` (its facts), `prep` (the call-prep sheet), `assign` (a lead's
move), `contacts` / `contact` (its stakeholders) and `notes` (your prep notes).

Each calls the store function its key calls, so what a key and a command change, and queue
for sync, is the same."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult
from csm_tui.commands.session import Handler, Session, dry_run_words, file_target, money
from csm_tui.domain.language.verb_types import (
    AssignCommand,
    Command,
    ContactCommand,
    ContactsCommand,
    NotesCommand,
    OpenCommand,
    PrepCommand,
)
from csm_tui.i18n import N_, NC_, Message, Nn_

if TYPE_CHECKING:
    from csm_tui.store.contacts import ContactView


def open_result(session: Session, command: OpenCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.cadence import touch_status
    from csm_tui.domain.humanize import relative_day
    from csm_tui.store.accounts import AccountNotFound, load_account_facts

    found = session.account(command.account)
    try:
        facts = load_account_facts(session.conn, found.id, session.now(), session.rules)
    except AccountNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(Message.of(N_("that account is no longer in the cache"))) from error
    today = session.today()
    touch = touch_status(
        facts.tier, facts.last_touch_at, session.now(), session.rules, zone=session.ws.zone
    )
    renewal = facts.renewal_date
    pairs: list[tuple[str, Any, str | Message | None]] = [  # a Message note: said in the
        ("name", facts.name, None),  # interface language, kept in English for JSON and CSV
        ("id", facts.id, None),
        ("tier", facts.tier.value, facts.tier_assignment.words),
        ("stage", facts.stage, None),
        ("health", facts.health_score, None),
        ("health_30d_ago", facts.health_score_30d, None),
        ("arr", facts.arr, money(facts.arr, facts.currency)),
        ("currency", facts.currency, None),
        ("arr_usd", facts.arr_usd, money(facts.arr_usd)),
        ("renewal", renewal, None if renewal is None else relative_day(renewal, today)),
        ("last_touch", facts.last_touch_at, touch.words),
        ("owner", facts.owner_name, None),
        ("segment", facts.segment, None),
        ("industry", facts.industry, None),
        ("seats", facts.seats, None),
        ("motion", facts.sales_motion.value, Message.of(facts.sales_motion.label)),
        ("go_live", facts.go_live_date, None),
        ("activated_on", facts.activated_on, None),
    ]
    return CommandResult.of(
        command,
        Message.of(
            N_("{name} · {tier} · {stage}"),
            name=facts.name,
            tier=Message.of(facts.tier.label),
            stage=_stage_words(facts.stage),
        ),
        columns=(
            Column("field", N_("Field")),
            Column("value", N_("Value")),
            Column("note", NC_("remark", "Note")),
        ),
        rows=tuple(pairs),
        account_id=facts.id,
        screen="account",
    )


def _stage_words(stage: str) -> Message:
    """A lifecycle stage in words (an unknown one as it is stored)."""
    from csm_tui.domain.lifecycle import Stage

    try:
        return Message.of(Stage(stage).label)
    except ValueError:
        return Message.text(stage)


def prep_result(session: Session, command: PrepCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.prep import render_prep_markdown
    from csm_tui.store.prep import build_prep_brief, export_prep, load_prep_note

    account = session.account(command.account)
    brief = build_prep_brief(
        session.conn, account.id, session.now(), session.rules, zone=session.ws.zone
    )
    markdown = render_prep_markdown(
        brief, load_prep_note(session.conn, account.id), session.today()
    )
    files: tuple[str, ...] = ()
    message: str | Message = Message.of(N_("Call prep for {name}"), name=account.name)
    if command.export is not None:
        target = file_target(command.export)
        session.defer_file(target, lambda: export_prep(target, markdown), dry)
        files = (str(target),)
        message = dry_run_words(
            Message.of(N_("Call prep for {name} → {file}"), name=account.name, file=str(target)),
            dry,
        )
    return CommandResult.of(
        command, message, text=markdown, files=files, account_id=account.id, screen="prep"
    )


def assign_result(session: Session, command: AssignCommand, dry: bool) -> CommandResult:
    """Through the Coverage screen's `reassign_account`, which applies the server's rule."""
    from csm_tui.store.assignments import ReassignError, reassign_account
    from csm_tui.store.lookup import LookupFailed, find_user

    conn = session.conn
    account = session.account(command.account)
    me = session.need_me()
    if command.owner.strip().casefold() == "me":
        owner_id, owner_name = me, _user_name(conn, me)
    else:
        try:
            user = find_user(conn, command.owner)
        except LookupFailed as error:
            raise CommandFailed(error.words) from error
        owner_id, owner_name = user.id, user.name
    old = conn.execute("SELECT owner_id FROM accounts WHERE id = ?", (account.id,)).fetchone()[0]
    was = _user_name(conn, old)
    if old == owner_id:
        return CommandResult.of(
            command,
            Message.of(
                N_("{name} already belongs to {owner}"), name=account.name, owner=owner_name
            ),
            columns=_ASSIGN_COLUMNS,
            rows=((account.name, owner_name, was),),
            account_id=account.id,
        )
    try:
        reassign_account(conn, account.id, owner_id, by_user_id=me, now=session.now())
    except ReassignError as error:
        raise CommandFailed(error.words) from error
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(
                N_("{name} now belongs to {owner} (was {was})"),
                name=account.name,
                owner=owner_name,
                was=was,
            ),
            dry,
        ),
        columns=_ASSIGN_COLUMNS,
        rows=((account.name, owner_name, was),),
        account_id=account.id,
    )


_ASSIGN_COLUMNS = (
    Column("account", N_("Account")),
    Column("owner", N_("Owner")),
    Column("was", N_("Was")),
)


def _user_name(conn: sqlite3.Connection, user_id: str | None) -> str:
    if user_id is None:
        return "no one"
    row = conn.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else user_id


_CONTACT_COLUMNS = (
    Column("name", N_("Name")),
    Column("role", N_("Role")),
    Column("title", NC_("contact field", "Title")),
    Column("email", NC_("contact field", "Email")),
    Column("phone", N_("Phone")),
    Column("contact_id", N_("Contact")),
)


def contacts_result(session: Session, command: ContactsCommand, dry: bool) -> CommandResult:
    from csm_tui.store.contacts import load_contacts

    account = session.account(command.account)
    people = load_contacts(session.conn, account.id)
    return CommandResult.of(
        command,
        Message.of(
            *Nn_("{name}: {n} contact", "{name}: {n} contacts"), name=account.name, n=len(people)
        ),
        columns=_CONTACT_COLUMNS,
        rows=tuple((c.name, c.role, c.title, c.email, c.phone, c.id) for c in people),
        account_id=account.id,
        screen="account",
    )


def contact_result(session: Session, command: ContactCommand, dry: bool) -> CommandResult:
    """The Account screen's contact form: `add_contact`, or `update_contact` of the fields
    given."""
    from csm_tui.store.contacts import ContactInvalid, ContactNotFound

    account = session.account(command.account)
    try:
        if command.edit:
            contact = _edit_contact(session, account.id, command)
            text = Message.of(
                N_("Changed {contact} ({name})"), contact=contact.name, name=account.name
            )
        else:
            contact = _add_contact(session, account.id, command)
            text = Message.of(
                N_("Added {contact} ({role}) to {name}"),
                contact=contact.name,
                role=contact.role.value,
                name=account.name,
            )
    except ContactInvalid as error:
        raise CommandFailed(error.words) from error
    except ContactNotFound as error:  # pragma: no cover - found a moment ago
        raise CommandFailed(error.words) from error
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=_CONTACT_COLUMNS,
        rows=(
            (contact.name, contact.role, contact.title, contact.email, contact.phone, contact.id),
        ),
        account_id=account.id,
    )


def _given(command: ContactCommand) -> dict[str, str | None]:
    return {
        "title": command.title,
        "email": command.email,
        "phone": command.phone,
        "role": None if command.role is None else command.role.value,
    }


def _edit_contact(session: Session, account_id: str, command: ContactCommand) -> ContactView:
    from csm_tui.store.contacts import update_contact
    from csm_tui.store.lookup import LookupFailed, find_contact

    try:
        found = find_contact(session.conn, account_id, command.name)
    except LookupFailed as error:
        raise CommandFailed(error.words) from error
    fields = {k: v for k, v in _given(command).items() if v is not None}
    if command.new_name is not None:
        fields["name"] = command.new_name
    if not fields:
        raise CommandFailed(
            Message.of(N_("say what changes: --name, --title, --email, --phone or --role"))
        )
    return update_contact(session.conn, found.id, now=session.now(), **fields)


def _add_contact(session: Session, account_id: str, command: ContactCommand) -> ContactView:
    from csm_tui.store.contacts import add_contact, load_contact

    given = _given(command)
    contact_id = add_contact(
        session.conn,
        account_id,
        command.name,
        given["title"] or "",
        given["email"] or "",
        given["phone"] or "",
        given["role"] or "user",
        session.now(),
    )
    return load_contact(session.conn, contact_id)


def notes_result(session: Session, command: NotesCommand, dry: bool) -> CommandResult:
    from csm_tui.domain.prep import PrepNoteTooLong
    from csm_tui.store.prep import load_prep_note, save_prep_note

    account = session.account(command.account)
    conn = session.conn
    before = load_prep_note(conn, account.id)
    if command.set is None and command.append is None:
        return CommandResult.of(
            command,
            Message.of(N_("Prep notes on {name}"), name=account.name)
            if before
            else Message.of(N_("Prep notes on {name}: none yet"), name=account.name),
            columns=(Column("account", N_("Account")), Column("notes", N_("Notes"))),
            rows=((account.name, before),),
            text=before,
            account_id=account.id,
            show_table=False,
        )
    if command.set is not None:
        body = command.set
    else:
        added = command.append or ""
        body = before + ("" if not before or before.endswith("\n") else "\n") + added
    try:
        saved = save_prep_note(conn, account.id, body, session.now())
    except PrepNoteTooLong as error:
        raise CommandFailed(error.words) from error
    text = Message.of(
        N_("Prep notes on {name} saved") if saved else N_("Prep notes on {name} unchanged"),
        name=account.name,
    )
    return CommandResult.of(
        command,
        dry_run_words(text, dry),
        columns=(Column("account", N_("Account")), Column("notes", N_("Notes"))),
        rows=((account.name, body),),
        text=body,
        account_id=account.id,
        show_table=False,
    )


HANDLERS: dict[type[Command], Handler] = {
    OpenCommand: open_result,
    PrepCommand: prep_result,
    AssignCommand: assign_result,
    ContactsCommand: contacts_result,
    ContactCommand: contact_result,
    NotesCommand: notes_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
