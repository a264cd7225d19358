"""The central API's schema: its own tables on its own `MetaData`, changed only through the
Alembic revisions in `csm_tui/server/migrations` (`csm-tui serve admin migrate`).

`records`: one table per record kind that syncs (the names the client's cache uses too);
`bookkeeping`: the server's own tables (tokens, versions, push answers, ...).
"""

from __future__ import annotations

import sqlalchemy as sa

from csm_tui.server.schema.bookkeeping import (
    client_mutations,
    guarded_field_changes,
    past_owners,
    prep_note_revisions,
    record_versions,
    scope_exits,
    sync_counter,
    tokens,
)
from csm_tui.server.schema.records import (
    account_signals,
    accounts,
    activities,
    arr_events,
    checklist_items,
    contacts,
    health_snapshots,
    invoices,
    metadata,
    renewal_decisions,
    stage_changes,
    support_tickets,
    survey_responses,
    tasks,
    teams,
    tier_overrides,
    usage_weeks,
    users,
)
from csm_tui.server.schema.types import UTCDateTime

# Record tables (prep notes excepted: the server keeps revisions).
RECORD_TABLES: tuple[sa.Table, ...] = (
    teams,
    users,
    accounts,
    account_signals,
    contacts,
    activities,
    tasks,
    checklist_items,
    stage_changes,
    health_snapshots,
    arr_events,
    renewal_decisions,
    tier_overrides,
    usage_weeks,
    support_tickets,
    survey_responses,
    invoices,
)

__all__ = [
    "RECORD_TABLES",
    "UTCDateTime",
    "account_signals",
    "accounts",
    "activities",
    "arr_events",
    "checklist_items",
    "client_mutations",
    "contacts",
    "guarded_field_changes",
    "health_snapshots",
    "invoices",
    "metadata",
    "past_owners",
    "prep_note_revisions",
    "record_versions",
    "renewal_decisions",
    "scope_exits",
    "stage_changes",
    "support_tickets",
    "survey_responses",
    "sync_counter",
    "tasks",
    "teams",
    "tier_overrides",
    "tokens",
    "usage_weeks",
    "users",
]
