"""The one INSERT statement of each local table's full row, for every write path to use.

The store's write paths (logging an activity, adding a contact or a task, moving a stage,
ticking a checklist, recording ARR, saving prep notes), the importer and the demo book's
writer all insert rows of these shapes; each statement is written here once, its columns
named (tables in store/migrations.py), one `?` a column: a row gives every value, None for
NULL.
"""

from __future__ import annotations

COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": ("id", "name"),
    "users": ("id", "name", "email", "role", "team_id"),
    "accounts": (
        "id", "name", "currency", "arr", "arr_usd", "tier", "tier_rank", "tier_override",
        "tier_override_reason", "tier_override_note", "sales_motion", "stage", "segment",
        "industry", "seats", "go_live_date", "activated_on", "renewal_date", "owner_id",
        "health_score", "health_score_30d", "last_touch_at", "created_at", "updated_at",
        "version", "deleted_at",
    ),
    "account_signals": (
        "account_id", "measured_on", "weekly_active_users", "key_actions_per_user_week",
        "dau_mau", "session_minutes", "messages_per_user_week", "open_tickets",
        "avg_response_hours", "volume_trend_pct", "payment", "nps", "nps_on", "csm_pulse",
    ),
    "contacts": (
        "id", "account_id", "name", "title", "email", "phone", "role", "updated_at",
        "deleted_at",
    ),
    "activities": (
        "id", "account_id", "kind", "occurred_at", "minutes", "summary", "next_steps",
        "sentiment", "contact_ids", "author_id", "created_at", "deleted_at",
    ),
    "health_snapshots": ("id", "account_id", "taken_on", "score", "components"),
    "stage_changes": ("id", "account_id", "from_stage", "to_stage", "changed_at", "changed_by"),
    "checklist_items": (
        "id", "account_id", "stage", "item_key", "label", "required", "done_at", "done_by",
        "updated_at",
    ),
    "tasks": (
        "id", "account_id", "title", "due_on", "snoozed_until", "done_at", "owner_id",
        "source_activity_id", "created_at", "updated_at", "deleted_at",
    ),
    "prep_notes": ("id", "account_id", "body", "updated_at"),
    "arr_events": (
        "id", "account_id", "effective_on", "kind", "arr_before_usd", "arr_after_usd",
        "created_at",
    ),
}  # fmt: skip


def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


INSERT: dict[str, str] = {table: _insert(table, cols) for table, cols in COLUMNS.items()}
