"""Stakeholders: add and edit, validated, text kept as typed, each change queued to sync."""

from __future__ import annotations

import pytest

from csm_tui.domain.records import ContactRole
from csm_tui.store import outbox
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.contacts import (
    ContactInvalid,
    ContactNotFound,
    add_contact,
    load_contacts,
    update_contact,
)


@pytest.fixture
def book(demo_db):
    conn = connect(demo_db)
    me = get_meta(conn, META_ME)
    account_id = conn.execute(
        "SELECT id FROM accounts WHERE owner_id = ? AND tier = 'enterprise' ORDER BY id LIMIT 1",
        (me,),
    ).fetchone()[0]
    yield conn, account_id
    conn.close()


def test_contacts_are_listed_by_role_then_name(book):
    conn, account_id = book
    contacts = load_contacts(conn, account_id)
    stored = conn.execute(
        "SELECT count(*) FROM contacts WHERE account_id = ? AND deleted_at IS NULL", (account_id,)
    ).fetchone()[0]
    assert len(contacts) == stored > 0
    order = list(ContactRole)
    keys = [(order.index(c.role), c.name.casefold()) for c in contacts]
    assert keys == sorted(keys)


def test_add_keeps_the_text_and_queues_the_whole_contact(book, clock):
    conn, account_id = book
    contact_id = add_contact(
        conn,
        account_id,
        "  [bold]李娜[/bold]  ",
        "首席运营官",
        "li.na@例子.中国",
        "+86 138 0000 1111",
        "Champion",
        clock.now(),
    )
    added = next(c for c in load_contacts(conn, account_id) if c.id == contact_id)
    assert (added.name, added.title, added.email, added.phone, added.role) == (
        "[bold]李娜[/bold]",
        "首席运营官",
        "li.na@例子.中国",
        "+86 138 0000 1111",
        ContactRole.CHAMPION,
    )
    assert added.updated_at == clock.now()
    [entry] = outbox.entries(conn)
    assert (entry.kind, entry.op, entry.record_id) == ("contact", "upsert", contact_id)
    assert entry.fields == {
        "account_id": account_id,
        "name": "[bold]李娜[/bold]",
        "title": "首席运营官",
        "email": "li.na@例子.中国",
        "phone": "+86 138 0000 1111",
        "role": "champion",
    }


def test_an_invalid_contact_writes_nothing_and_says_why(book, clock):
    conn, account_id = book
    before = len(load_contacts(conn, account_id))
    with pytest.raises(ContactInvalid) as caught:
        add_contact(conn, account_id, " ", "", "not-an-email", "", "boss", clock.now())
    assert [e.field for e in caught.value.errors] == ["name", "email", "role"]
    assert len(load_contacts(conn, account_id)) == before
    assert outbox.entries(conn) == []
    with pytest.raises(ContactNotFound):
        add_contact(conn, "no-such-account", "Ann", "", "", "", "user", clock.now())


def test_edit_writes_and_queues_only_what_changed(book, clock):
    conn, account_id = book
    contact = load_contacts(conn, account_id)[0]
    clock.advance(minutes=3)
    saved = update_contact(
        conn, contact.id, now=clock.now(), title="VP Sales", name=contact.name, role="blocker"
    )
    assert (saved.title, saved.role, saved.name) == ("VP Sales", ContactRole.BLOCKER, contact.name)
    assert saved.updated_at == clock.now()
    [entry] = outbox.entries(conn)
    assert entry.record_id == contact.id
    assert entry.fields == {"title": "VP Sales", "role": "blocker"}

    # Nothing changed: nothing written.
    again = update_contact(conn, contact.id, now=clock.now(), title="VP Sales")
    assert again == saved and len(outbox.entries(conn)) == 1


def test_an_invalid_edit_keeps_the_old_contact(book, clock):
    conn, account_id = book
    contact = load_contacts(conn, account_id)[0]
    with pytest.raises(ContactInvalid) as caught:
        update_contact(conn, contact.id, now=clock.now(), email="nope", title="CTO")
    assert [e.field for e in caught.value.errors] == ["email"]
    assert next(c for c in load_contacts(conn, account_id) if c.id == contact.id) == contact
    assert outbox.entries(conn) == []
    with pytest.raises(TypeError, match="account_id"):
        update_contact(conn, contact.id, now=clock.now(), account_id="elsewhere")
    with pytest.raises(ContactNotFound):
        update_contact(conn, "no-such-contact", now=clock.now(), title="x")
