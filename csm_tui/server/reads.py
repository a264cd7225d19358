"""Plain REST reads, scoped like everything else (`access`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain import validity
from csm_tui.server import access, schema
from csm_tui.server.access import Caller
from csm_tui.server.kinds import KINDS, MAX_ID, KindSpec, wire_record

accounts = schema.accounts
users = schema.users
teams = schema.teams


class NotFound(Exception):
    pass


class AccountPart(StrEnum):
    """The records under an account, as REST resources."""

    CONTACTS = "contacts"
    ACTIVITIES = "activities"
    TASKS = "tasks"
    CHECKLIST_ITEMS = "checklist-items"
    STAGE_CHANGES = "stage-changes"
    HEALTH_SNAPSHOTS = "health-snapshots"
    PREP_NOTE_REVISIONS = "prep-note-revisions"
    ARR_EVENTS = "arr-events"
    RENEWAL_DECISIONS = "renewal-decisions"
    TIER_OVERRIDES = "tier-overrides"
    USAGE_WEEKS = "usage-weeks"
    SUPPORT_TICKETS = "support-tickets"
    SURVEY_RESPONSES = "survey-responses"
    INVOICES = "invoices"


PART_KINDS: dict[AccountPart, tuple[str, str, bool]] = {
    # part: (kind, order-by column, newest first?)
    AccountPart.CONTACTS: (p.KIND_CONTACT, "name", False),
    AccountPart.ACTIVITIES: (p.KIND_ACTIVITY, "occurred_at", True),
    AccountPart.TASKS: (p.KIND_TASK, "due_on", False),
    AccountPart.CHECKLIST_ITEMS: (p.KIND_CHECKLIST_ITEM, "stage", False),
    AccountPart.STAGE_CHANGES: (p.KIND_STAGE_CHANGE, "changed_at", False),
    AccountPart.HEALTH_SNAPSHOTS: (p.KIND_HEALTH_SNAPSHOT, "taken_on", True),
    AccountPart.PREP_NOTE_REVISIONS: (p.KIND_PREP_NOTE_REVISION, "created_at", False),
    AccountPart.ARR_EVENTS: (p.KIND_ARR_EVENT, "effective_on", False),
    AccountPart.RENEWAL_DECISIONS: (p.KIND_RENEWAL_DECISION, "decided_on", False),
    AccountPart.TIER_OVERRIDES: (p.KIND_TIER_OVERRIDE, "set_on", False),
    AccountPart.USAGE_WEEKS: (p.KIND_USAGE_WEEK, "week_start", True),
    AccountPart.SUPPORT_TICKETS: (p.KIND_SUPPORT_TICKET, "opened_at", True),
    AccountPart.SURVEY_RESPONSES: (p.KIND_SURVEY_RESPONSE, "responded_on", True),
    AccountPart.INVOICES: (p.KIND_INVOICE, "issued_on", True),
}


def _readable_account(conn: sa.Connection, caller: Caller, account_id: str) -> access.AccountScope:
    if validity.text_problem(account_id, MAX_ID) is not None:  # no such id can exist
        raise NotFound(f"no account {account_id!r} in your reach")
    scope = access.load_scope(conn, account_id)
    if scope is None or scope.deleted or not access.can_read(caller, scope):
        raise NotFound(f"no account {account_id!r} in your reach")
    return scope


def list_accounts(
    conn: sa.Connection, caller: Caller, limit: int, offset: int
) -> list[dict[str, Any]]:
    spec = KINDS[p.KIND_ACCOUNT]
    query = sa.select(accounts).where(accounts.c.deleted_at.is_(None))
    readable = access.readable_accounts(caller)
    if readable is not None:
        query = query.where(accounts.c.id.in_(readable))
    rows = conn.execute(
        query.order_by(accounts.c.name, accounts.c.id).limit(limit).offset(offset)
    ).mappings()
    return [wire_record(spec, dict(row)) for row in rows]


def get_account(conn: sa.Connection, caller: Caller, account_id: str) -> dict[str, Any]:
    _readable_account(conn, caller, account_id)
    row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).mappings().one()
    return wire_record(KINDS[p.KIND_ACCOUNT], dict(row))


def get_signals(conn: sa.Connection, caller: Caller, account_id: str) -> dict[str, Any]:
    _readable_account(conn, caller, account_id)
    spec = KINDS[p.KIND_ACCOUNT_SIGNALS]
    row = (
        conn.execute(sa.select(spec.table).where(spec.table.c.account_id == account_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no signals recorded for account {account_id!r}")
    return wire_record(spec, dict(row))


def list_part(
    conn: sa.Connection, caller: Caller, account_id: str, part: AccountPart, limit: int
) -> list[dict[str, Any]]:
    _readable_account(conn, caller, account_id)
    kind, order, newest_first = PART_KINDS[part]
    spec: KindSpec = KINDS[kind]
    table = spec.table
    query = sa.select(table).where(table.c.account_id == account_id)
    if "deleted_at" in table.c:
        query = query.where(table.c.deleted_at.is_(None))
    order_column = table.c[order]
    query = query.order_by(order_column.desc() if newest_first else order_column, table.c.id)
    return [wire_record(spec, dict(row)) for row in conn.execute(query.limit(limit)).mappings()]


def list_users(conn: sa.Connection, caller: Caller) -> list[dict[str, Any]]:
    query = sa.select(users).order_by(users.c.name)
    if not caller.is_admin:
        query = query.where(
            sa.or_(users.c.id == caller.user_id, users.c.team_id == caller.team_id)
            if caller.team_id is not None
            else users.c.id == caller.user_id
        )
    return [wire_record(KINDS[p.KIND_USER], dict(row)) for row in conn.execute(query).mappings()]


def list_teams(conn: sa.Connection, caller: Caller) -> list[dict[str, Any]]:
    query = sa.select(teams).order_by(teams.c.name)
    if not caller.is_admin:
        query = query.where(teams.c.id == caller.team_id)
    return [wire_record(KINDS[p.KIND_TEAM], dict(row)) for row in conn.execute(query).mappings()]
