"""May this user reassign that account? The server's rule, checked before a change is queued.

The server (`server.access.can_hand_to`) lets an admin give any account to anyone, a lead
move an account of their team (or their own) to someone in their team, and refuses a CSM.
`reassign_refusal` says why a reassignment would be refused (None: it would not). It is the
one rule of the cache: `store.assignments.reassign_account` (the write the Coverage screen's
`r` and the shell's `assign` both make) refuses what it refuses, and the Coverage screen
offers only the people it allows (`reassign_refusal_in`, `hand_on_refusal_in`).

Two more of the server's rules hold for a cache signed in to one (a local book is its
user's to write): only an account's owner or an admin adds to it (`write_refusal_in`: the
keys, forms and command language a lead uses on a CSM's account), and a CSM's import does
not hand accounts to others (`import_owner_refusal`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from csm_tui.domain.records import Role
from csm_tui.i18n import N_, Message
from csm_tui.store.cache import signed_in

_NO_ME = N_("this cache does not know who you are: sign in first (csm-tui login)")


def reassign_refusal(
    role: Role,
    my_id: str,
    my_team: str | None,
    owner_id: str | None,
    owner_team: str | None,
    new_owner_team: str | None,
) -> Message | None:
    """Why the user may not make the change (None: they may)."""
    if role is Role.ADMIN:
        return None
    if role is not Role.LEAD:
        return Message.of(N_("only a team lead or an admin can reassign accounts"))
    if my_team is None:
        return Message.of(N_("you lead no team in this cache, so you cannot reassign accounts"))
    if owner_id != my_id and owner_team != my_team:
        return Message.of(N_("that account is not in your team's book"))
    if new_owner_team != my_team:
        return Message.of(N_("a lead can only give accounts to someone in their own team"))
    return None


def reassign_refusal_in(
    conn: sqlite3.Connection, account_id: str, new_owner_id: str, by_user_id: str
) -> Message | None:
    """`reassign_refusal` for the account, the new owner and the user as the cache has them."""
    account = conn.execute(
        "SELECT a.owner_id, u.team_id FROM accounts a LEFT JOIN users u ON u.id = a.owner_id "
        "WHERE a.id = ? AND a.deleted_at IS NULL",
        (account_id,),
    ).fetchone()
    if account is None:
        return Message.of(N_("that account is not in the cache"))
    me = conn.execute("SELECT role, team_id FROM users WHERE id = ?", (by_user_id,)).fetchone()
    if me is None:
        return Message.of(N_("no user {id} in this cache: sign in first"), id=repr(by_user_id))
    new = conn.execute("SELECT team_id FROM users WHERE id = ?", (new_owner_id,)).fetchone()
    if new is None:
        return Message.of(N_("no user {id} in this cache"), id=repr(new_owner_id))
    try:
        role = Role(me[0])
    except ValueError:
        role = Role.CSM
    return reassign_refusal(role, by_user_id, me[1], account[0], account[1], new[0])


def hand_on_refusal_in(
    conn: sqlite3.Connection, account_id: str, by_user_id: str | None
) -> Message | None:
    """Why the user may not hand the account to anyone at all (None: to someone they may):
    the rule with a new owner from the user's own team, the only one a lead may choose."""
    if by_user_id is None:
        return Message.of(_NO_ME)
    account = conn.execute(
        "SELECT a.owner_id, u.team_id FROM accounts a LEFT JOIN users u ON u.id = a.owner_id "
        "WHERE a.id = ? AND a.deleted_at IS NULL",
        (account_id,),
    ).fetchone()
    if account is None:
        return Message.of(N_("that account is not in the cache"))
    me = conn.execute("SELECT role, team_id FROM users WHERE id = ?", (by_user_id,)).fetchone()
    if me is None:
        return Message.of(N_("no user {id} in this cache: sign in first"), id=repr(by_user_id))
    try:
        role = Role(me[0])
    except ValueError:
        role = Role.CSM
    return reassign_refusal(role, by_user_id, me[1], account[0], account[1], me[1])


def write_refusal_in(conn: sqlite3.Connection, account_id: str, me: str | None) -> Message | None:
    """Why the server would refuse this user's additions to the account (a log, a note, a
    renewal, a tier), None when it would take them: `server.access.can_write` — an admin,
    or the account's owner. Only a cache signed in to a server is held to it (a local book
    is its user's to write); a lead reads their team's book and reassigns it, and what they
    typed on a CSM's account was refused at the next sync, out of sight."""
    if me is None or not signed_in(conn):
        return None
    row = conn.execute(
        "SELECT a.owner_id, o.name, (SELECT role FROM users WHERE id = ?) "
        "FROM accounts a LEFT JOIN users o ON o.id = a.owner_id WHERE a.id = ?",
        (me, account_id),
    ).fetchone()
    if row is None or row[0] == me or row[2] == Role.ADMIN.value:
        return None
    if row[0] is None:
        return Message.of(N_("an account of the digital pool: only an admin adds to it (the "
                             "server would refuse it at the next sync)"))  # fmt: skip
    return Message.of(
        N_("{owner}'s account: you may read it, but only its owner adds to it (the server "
           "would refuse it at the next sync)"),
        owner=row[1] or row[0],
    )  # fmt: skip


def import_owner_refusal(
    conn: sqlite3.Connection, me: str | None
) -> Callable[[str | None], Message | None]:
    """For a CSM signed in to a server: why an account someone else owns is not theirs to
    import (the server refuses a CSM handing an account to anyone: it stayed theirs on the
    server while the cache said otherwise); for anyone else, and a local book: never."""
    role = None if me is None else conn.execute(
        "SELECT role FROM users WHERE id = ?", (me,)).fetchone()  # fmt: skip
    if not signed_in(conn) or role is None or role[0] != Role.CSM.value:
        return lambda owner: None
    names = dict(conn.execute("SELECT id, name FROM users"))

    def refused(owner: str | None) -> Message | None:
        if owner is None or owner == me:
            return None
        return Message.of(
            N_("owned by {owner}: a CSM imports their own accounts (a team lead or an admin "
               "imports or hands over the team's)"),
            owner=names.get(owner, owner),
        )  # fmt: skip

    return refused
