"""Who owns an account: reassigning it to another CSM (or to the digital pool), queued for sync.

The rule is the server's (`server.access.can_hand_to`), checked here first so a change the
server would refuse is never queued: an admin may give any account to anyone (or to no
one); a lead may move an account of their team (or their own) to someone in their team; a
CSM may not reassign. The change is one transaction: the account's `owner_id` and an
"account" outbox upsert of `owner_id` with the account's `version` as base (owner is a
guarded field: a concurrent reassignment on the server becomes a visible conflict).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from csm_tui.domain.records import Role
from csm_tui.store import outbox
from csm_tui.store.timestamps import to_db
from csm_tui.store.transaction import write_transaction
from csm_tui.sync.protocol import KIND_ACCOUNT, OP_UPSERT


class ReassignRefused(ValueError):
    """The reassignment is not allowed or makes no sense; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Reassignment:
    account_id: str
    old_owner_id: str | None
    new_owner_id: str | None
    changed: bool  # False: it already had that owner (nothing written)


def reassign_refusal(
    role: Role,
    my_id: str,
    my_team: str | None,
    owner_id: str | None,
    owner_team: str | None,
    new_owner_team: str | None,
    new_owner_id: str | None,
) -> str | None:
    """Why the user may not make the change (None: they may)."""
    if role is Role.ADMIN:
        return None
    if role is not Role.LEAD:
        return "only a team lead or an admin can reassign accounts"
    if my_team is None:
        return "you lead no team in this cache, so you cannot reassign accounts"
    if owner_id != my_id and owner_team != my_team:
        return "that account is not in your team's book"
    if new_owner_id is None:
        return "only an admin can move an account to the digital pool (no owner)"
    if new_owner_team != my_team:
        return "a lead can only give accounts to someone in their own team"
    return None


def reassign_account(
    conn: sqlite3.Connection,
    account_id: str,
    new_owner_id: str | None,
    by_user_id: str,
    now: datetime,
) -> Reassignment:
    """Give the account to `new_owner_id` (None: no owner), as `by_user_id` (see the module).

    Raises `ReassignRefused` (nothing written) when the account or a user is not in the
    cache or the rule refuses it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with write_transaction(conn):
        account = conn.execute(
            "SELECT a.id, a.owner_id, a.version, u.team_id FROM accounts a "
            "LEFT JOIN users u ON u.id = a.owner_id WHERE a.id = ? AND a.deleted_at IS NULL",
            (account_id,),
        ).fetchone()
        if account is None:
            raise ReassignRefused("that account is not in the cache")
        me = conn.execute("SELECT role, team_id FROM users WHERE id = ?", (by_user_id,)).fetchone()
        if me is None:
            raise ReassignRefused(f"no user {by_user_id!r} in this cache: set who you are first")
        new_team = None
        if new_owner_id is not None:
            new_owner = conn.execute(
                "SELECT team_id FROM users WHERE id = ?", (new_owner_id,)
            ).fetchone()
            if new_owner is None:
                raise ReassignRefused(f"no user {new_owner_id!r} in this cache")
            new_team = new_owner[0]
        try:
            role = Role(me["role"])
        except ValueError:
            role = Role.CSM
        why = reassign_refusal(
            role,
            by_user_id,
            me["team_id"],
            account["owner_id"],
            account["team_id"],
            new_team,
            new_owner_id,
        )
        if why is not None:
            raise ReassignRefused(why)
        old = account["owner_id"]
        if old == new_owner_id:
            return Reassignment(account_id, old, new_owner_id, changed=False)
        conn.execute(
            "UPDATE accounts SET owner_id = ?, updated_at = ? WHERE id = ?",
            (new_owner_id, to_db(now), account_id),
        )
        outbox.enqueue(
            conn,
            KIND_ACCOUNT,
            OP_UPSERT,
            account_id,
            {"owner_id": new_owner_id},
            now=now,
            base_version=account["version"],
        )
    return Reassignment(account_id, old, new_owner_id, changed=True)
