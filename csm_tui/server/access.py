"""Who may read and change what (spec section 5).

A CSM reads and writes their own book (the accounts they own and every record under them).
A lead reads the books of their team and reassigns accounts (and tasks) within the team; a
lead writes only their own book otherwise. An admin does all.

A record the caller may not read does not exist for them: 404 / "not_found", the same answer
as for an id nobody has used. A record the caller may read but not change: 403 / "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from csm_tui.domain.records import Role
from csm_tui.server import schema

accounts = schema.accounts
users = schema.users


@dataclass(frozen=True)
class Caller:
    """The user behind a bearer token."""

    user_id: str
    name: str
    role: Role
    team_id: str | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role is Role.LEAD

    @property
    def may_ingest(self) -> bool:
        """May send signals in batches (POST /signals/<kind>): a pipeline or an admin."""
        return self.role in (Role.INGEST, Role.ADMIN)


@dataclass(frozen=True)
class AccountScope:
    """Who an account belongs to, as far as access is concerned."""

    account_id: str
    owner_id: str | None
    owner_team_id: str | None
    deleted_at: datetime | None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


def load_scope(conn: sa.Connection, account_id: str, *, lock: bool = False) -> AccountScope | None:
    """Who `account_id` belongs to. `lock`: the account row stays as read until the
    transaction ends (FOR UPDATE: writes under one account take turns; a shared lock would
    deadlock two pushes that both add a record, then change the account)."""
    query = (
        sa.select(accounts.c.id, accounts.c.owner_id, accounts.c.deleted_at, users.c.team_id)
        .select_from(accounts.outerjoin(users, users.c.id == accounts.c.owner_id))
        .where(accounts.c.id == account_id)
    )
    if lock:
        query = query.with_for_update(of=accounts)
    row = conn.execute(query).first()
    if row is None:
        return None
    return AccountScope(row.id, row.owner_id, row.team_id, row.deleted_at)


def can_read(caller: Caller, scope: AccountScope) -> bool:
    if caller.is_admin or scope.owner_id == caller.user_id:
        return True
    return caller.is_lead and caller.team_id is not None and scope.owner_team_id == caller.team_id


def can_write(caller: Caller, scope: AccountScope) -> bool:
    return caller.is_admin or scope.owner_id == caller.user_id


def can_hand_to(caller: Caller, scope: AccountScope, new_owner_team_id: str | None) -> bool:
    """May the caller make someone in `new_owner_team_id` the owner (account or task)?"""
    if caller.is_admin:
        return True
    return (
        caller.is_lead
        and caller.team_id is not None
        and can_read(caller, scope)
        and new_owner_team_id == caller.team_id
    )


def still_sees(
    role: Role, user_id: str, team_id: str | None, owner_id: str | None, owner_team: str | None
) -> bool:
    """Would this user read an account owned by `owner_id` (of `owner_team`)?"""
    if role is Role.ADMIN or user_id == owner_id:
        return True
    return role is Role.LEAD and team_id is not None and team_id == owner_team


def readable_accounts(caller: Caller) -> sa.Select[str] | None:
    """The ids of the accounts the caller reads; None means every account (admin)."""
    if caller.is_admin:
        return None
    return _readable_account_ids(caller, caller.user_id, caller.team_id)


def _readable_account_ids(caller: Caller, user_id: Any, team_id: Any) -> sa.Select[str]:
    if caller.is_lead and caller.team_id is not None:
        return (
            sa.select(accounts.c.id)
            .select_from(accounts.join(users, users.c.id == accounts.c.owner_id))
            .where(sa.or_(users.c.team_id == team_id, accounts.c.owner_id == user_id))
        )
    return sa.select(accounts.c.id).where(accounts.c.owner_id == user_id)


def reach_shape(caller: Caller) -> tuple[Role, bool]:
    """What decides the form of the caller's scoped queries (`bound=True`): the role, and
    whether they belong to a team; who they are is bound at execution."""
    return caller.role, caller.team_id is not None


def reach_params(caller: Caller) -> dict[str, Any]:
    """The values of a `bound=True` query's :reach_user and :reach_team."""
    return {"reach_user": caller.user_id, "reach_team": caller.team_id}


def _who(caller: Caller, bound: bool) -> tuple[Any, Any]:
    if bound:
        return sa.bindparam("reach_user", type_=sa.String), sa.bindparam(
            "reach_team", type_=sa.String
        )
    return caller.user_id, caller.team_id


def readable_changes(caller: Caller, *, bound: bool = False) -> sa.ColumnElement[bool]:
    """The rows of `record_versions` the caller may pull. `bound`: the same for every caller
    of the same `reach_shape`, who they are bound at execution (`reach_params`)."""
    rv = schema.record_versions
    if caller.is_admin:
        return sa.true()
    user_id, team_id = _who(caller, bound)
    own_people = sa.and_(
        rv.c.account_id.is_(None),
        sa.or_(
            rv.c.team_id == team_id if caller.team_id is not None else sa.false(),
            sa.and_(rv.c.kind == "user", rv.c.record_id == user_id),
        ),
    )
    # `account_id || ''` keeps the planner off the account_id index: a page is then read in
    # version order from the cursor and stops at its limit, instead of collecting every
    # record of every readable account and sorting them (for a 550k-record book, 0.5 s per
    # page on SQLite). Same values, NULL stays NULL.
    in_reach = rv.c.account_id.concat("").in_(_readable_account_ids(caller, user_id, team_id))
    return sa.or_(in_reach, own_people)


def readable_exits(caller: Caller, *, bound: bool = False) -> sa.ColumnElement[bool]:
    """The rows of `scope_exits` addressed to the caller (`bound`: as `readable_changes`)."""
    se = schema.scope_exits
    if caller.is_admin:
        return sa.false()
    user_id, team_id = _who(caller, bound)
    mine: sa.ColumnElement[bool] = se.c.user_id == user_id
    if caller.is_lead and caller.team_id is not None:
        return sa.or_(mine, se.c.team_id == team_id)
    return mine
