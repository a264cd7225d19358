"""An account's stakeholders: read, add, edit (each write queues a "contact" upsert)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csm_tui.domain.contacts import FieldError, normalise_contact_fields, validate_contact
from csm_tui.domain.errors import Refusal
from csm_tui.domain.records import ContactRole
from csm_tui.i18n import N_, Message
from csm_tui.protocol import KIND_CONTACT, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import from_db, to_db
from csm_tui.store.transaction import write_transaction

EDITABLE = ("name", "title", "email", "phone", "role")
ROLE_ORDER = {role.value: rank for rank, role in enumerate(ContactRole)}


class ContactInvalid(Refusal, ValueError):
    """The contact was not saved; `errors` holds one message per field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(_joined([e.words for e in errors]))
        self.errors = errors


class ContactNotFound(Refusal, LookupError):
    pass


def _joined(words: list[Message]) -> Message:
    """Messages one after another, "; " between them (each in the interface language)."""
    values = {f"m{i}": w for i, w in enumerate(words)}
    return Message.of("; ".join(f"{{m{i}}}" for i in range(len(words))), **values)


@dataclass(frozen=True)
class ContactView:
    id: str
    account_id: str
    name: str
    title: str
    email: str
    phone: str
    role: ContactRole
    updated_at: datetime | None


def _view(row: sqlite3.Row | tuple[Any, ...]) -> ContactView:
    cid, account_id, name, title, email, phone, role, updated = tuple(row)
    try:
        contact_role = ContactRole(role)
    except ValueError:  # a value from a newer server: show it as a plain user
        contact_role = ContactRole.USER
    return ContactView(cid, account_id, name, title, email, phone, contact_role, from_db(updated))


_COLUMNS = "id, account_id, name, title, email, phone, role, updated_at"


def load_contacts(conn: sqlite3.Connection, account_id: str) -> list[ContactView]:
    """The account's live contacts: sponsors, champions, users, blockers; by name within."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM contacts WHERE account_id = ? AND deleted_at IS NULL",
        (account_id,),
    ).fetchall()
    contacts = [_view(row) for row in rows]
    return sorted(contacts, key=lambda c: (ROLE_ORDER[c.role.value], c.name.casefold(), c.id))


def load_contact(conn: sqlite3.Connection, contact_id: str) -> ContactView:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM contacts WHERE id = ? AND deleted_at IS NULL", (contact_id,)
    ).fetchone()
    if row is None:
        raise ContactNotFound(Message.of(N_("no contact {id} in the cache"), id=repr(contact_id)))
    return _view(row)


def add_contact(
    conn: sqlite3.Connection,
    account_id: str,
    name: str,
    title: str,
    email: str,
    phone: str,
    role: str,
    now: datetime,
) -> str:
    """Add a stakeholder; returns the new contact's id.

    Invalid input raises `ContactInvalid` (nothing written). Surrounding spaces are
    stripped and the role lower-cased; nothing else of the text is changed.
    """
    errors = validate_contact(name, title, email, phone, role)
    if errors:
        raise ContactInvalid(errors)
    fields = normalise_contact_fields(
        {"name": name, "title": title, "email": email, "phone": phone, "role": role}
    )
    contact_id = new_id()
    with write_transaction(conn):
        if (
            conn.execute(
                "SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
            ).fetchone()
            is None
        ):
            raise ContactNotFound(
                Message.of(N_("no account {id} in the cache"), id=repr(account_id))
            )
        conn.execute(
            INSERT["contacts"],
            (
                contact_id,
                account_id,
                fields["name"],
                fields["title"],
                fields["email"],
                fields["phone"],
                fields["role"],
                to_db(now),
                None,
            ),
        )
        outbox.enqueue(
            conn, KIND_CONTACT, OP_UPSERT, contact_id, {"account_id": account_id, **fields}, now=now
        )
    return contact_id


def update_contact(
    conn: sqlite3.Connection, contact_id: str, *, now: datetime, **fields: str
) -> ContactView:
    """Change some of name, title, email, phone, role; returns the contact as saved.

    The whole contact is validated as it would be after the change (`ContactInvalid`,
    nothing written). Only fields whose value changes are written and queued; no change
    at all writes nothing.
    """
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise TypeError(
            f"update_contact() cannot change {', '.join(unknown)}; editable: {', '.join(EDITABLE)}"
        )
    with write_transaction(conn):
        current = load_contact(conn, contact_id)
        merged = {name: getattr(current, name) for name in EDITABLE}
        merged["role"] = current.role.value
        merged.update(fields)
        errors = validate_contact(**merged)
        if errors:
            raise ContactInvalid(errors)
        new = normalise_contact_fields({k: v for k, v in fields.items()})
        changed = {
            k: v
            for k, v in new.items()
            if v != (current.role.value if k == "role" else getattr(current, k))
        }
        if changed:
            assignments = ", ".join(f"{k} = ?" for k in changed)
            conn.execute(
                f"UPDATE contacts SET {assignments}, updated_at = ? WHERE id = ?",
                (*changed.values(), to_db(now), contact_id),
            )
            outbox.enqueue(conn, KIND_CONTACT, OP_UPSERT, contact_id, changed, now=now)
        return load_contact(conn, contact_id)
