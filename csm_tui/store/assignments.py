"""Reassigning accounts between CSMs: a local write, queued for sync in the same transaction.

A lead reassigns within a team (spec section 5: "a lead reads and reassigns within their
team"): the new owner must be in the team of the account's current owner. Accounts in
the digital pool (no owner) may go to any CSM. Who may make the move at all is
`store.ownership`'s rule (the server's), checked here for every caller: the Coverage
screen and the shell's `assign` alike.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from csm_tui.domain.errors import Refusal
from csm_tui.domain.records import Role
from csm_tui.i18n import N_, Message
from csm_tui.protocol import KIND_ACCOUNT, OP_UPSERT
from csm_tui.store.outbox import enqueue
from csm_tui.store.timestamps import to_db
from csm_tui.store.transaction import in_batch, write_transaction


class ReassignError(Refusal, ValueError):
    """The reassignment is not allowed; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """Someone an account can be handed to."""

    user_id: str
    name: str
    team_id: str | None
    accounts: int  # live accounts they own now
    arr: float


def candidates(
    conn: sqlite3.Connection, account_id: str, by_user_id: str | None = None
) -> list[Candidate]:
    """The CSMs `account_id` may go to: its owner's team, the owner excluded (any CSM when
    it has no owner), with the size of their book, lightest first. With `by_user_id`, only
    those that user may give it to (`store.ownership`'s rule)."""
    row = conn.execute(
        "SELECT a.owner_id, u.team_id FROM accounts a LEFT JOIN users u ON u.id = a.owner_id "
        "WHERE a.id = ? AND a.deleted_at IS NULL",
        (account_id,),
    ).fetchone()
    if row is None:
        raise ReassignError(Message.of(N_("that account is no longer in the cache")))
    owner, team = row[0], row[1]
    sql = (
        "SELECT u.id, u.name, u.team_id, count(a.id), total(a.arr_usd) FROM users u "
        "LEFT JOIN accounts a ON a.owner_id = u.id AND a.deleted_at IS NULL "
        "AND a.stage != 'churned' WHERE u.role = ? AND u.id IS NOT ?"
    )
    params: list[object] = [Role.CSM.value, owner]
    if owner is not None:
        sql += " AND u.team_id IS ?"
        params.append(team)
    sql += " GROUP BY u.id ORDER BY total(a.arr_usd), u.name"
    found = [Candidate(*r) for r in conn.execute(sql, params).fetchall()]
    if by_user_id is None:
        return found
    from csm_tui.store.ownership import reassign_refusal_in

    return [
        c for c in found if reassign_refusal_in(conn, account_id, c.user_id, by_user_id) is None
    ]


def reassign_account(conn: sqlite3.Connection, account_id: str, new_owner_id: str, *,
                     by_user_id: str | None, now: datetime) -> str:  # fmt: skip
    """`by_user_id` gives `account_id` to `new_owner_id` and queues the change; returns the
    outbox mutation id. Refused (`ReassignError`) when `store.ownership`'s rule refuses that
    user the move. One transaction: the owner changes and the outbox entry exists together
    or not at all. The entry carries the account's last known server version."""
    from csm_tui.store.ownership import _NO_ME, reassign_refusal_in

    if conn.in_transaction and not in_batch(conn):
        raise RuntimeError("reassign_account needs a connection with no open transaction")
    if by_user_id is None:
        raise ReassignError(Message.of(_NO_ME))
    why = reassign_refusal_in(conn, account_id, new_owner_id, by_user_id)
    if why is not None:
        raise ReassignError(why)
    allowed = {c.user_id for c in candidates(conn, account_id)}
    if new_owner_id not in allowed:
        name = conn.execute("SELECT name FROM users WHERE id = ?", (new_owner_id,)).fetchone()
        if name is None:
            raise ReassignError(Message.of(N_("no user {id} in the cache"), id=repr(new_owner_id)))
        raise ReassignError(
            Message.of(
                N_("{name} cannot take this account: it goes to another CSM of its owner's team"),
                name=name[0],
            )
        )
    with write_transaction(conn):  # commits (a savepoint in a script), or rolls back
        version = conn.execute(
            "SELECT version FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
        ).fetchone()
        if version is None:
            raise ReassignError(Message.of(N_("that account is no longer in the cache")))
        old_owner = conn.execute(
            "SELECT owner_id FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        conn.execute(
            "UPDATE accounts SET owner_id = ?, updated_at = ? WHERE id = ?",
            (new_owner_id, to_db(now), account_id),
        )
        # Its open tasks go along, as the server moves them when the change arrives.
        conn.execute(
            "UPDATE tasks SET owner_id = ? WHERE account_id = ? AND owner_id = ? "
            "AND done_at IS NULL AND deleted_at IS NULL",
            (new_owner_id, account_id, old_owner),
        )
        return enqueue(conn, KIND_ACCOUNT, OP_UPSERT, account_id, {"owner_id": new_owner_id},
                       now=now, base_version=version[0])  # fmt: skip
