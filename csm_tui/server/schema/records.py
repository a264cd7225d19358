"""The record tables: one per record kind that syncs (prep notes excepted: the server keeps
revisions, see `bookkeeping.prep_note_revisions`).

The same table and column names as the client's cache, so a record reads the same on both
sides; but these are the server's own, changed only through `server/migrations`. A column's
`default` is the value a record takes when a push does not send the field (`kinds.py`).
The client's SQLite-only read-path indexes (the portfolio's) are not here.
"""

from __future__ import annotations

import sqlalchemy as sa

from csm_tui.server.schema.types import UTCDateTime

metadata = sa.MetaData()

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("email", sa.String, nullable=False, default=""),
    sa.Column("role", sa.String, nullable=False, default="csm"),
    sa.Column("team_id", sa.String, sa.ForeignKey("teams.id"), nullable=True, index=True),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("external_id", sa.String, nullable=False, default="", server_default=""),
    sa.Column("currency", sa.String, nullable=False, default="USD"),
    sa.Column("arr", sa.Float, nullable=False, default=0.0),
    sa.Column("arr_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("tier", sa.String, nullable=False, default="self-serve"),
    sa.Column("tier_rank", sa.Integer, nullable=False, default=4),
    sa.Column("tier_override", sa.String, nullable=True),
    sa.Column("tier_override_reason", sa.String, nullable=True),
    sa.Column("tier_override_note", sa.String, nullable=False, default=""),
    sa.Column("sales_motion", sa.String, nullable=False, default="short-direct"),
    sa.Column("stage", sa.String, nullable=False, default="onboarding"),
    sa.Column("segment", sa.String, nullable=False, default=""),
    sa.Column("industry", sa.String, nullable=False, default=""),
    sa.Column("seats", sa.Integer, nullable=False, default=0),
    sa.Column("is_reference", sa.Boolean, nullable=False, default=False, server_default="0"),
    sa.Column("go_live_date", sa.Date, nullable=True),
    sa.Column("activated_on", sa.Date, nullable=True),
    sa.Column("renewal_date", sa.Date, nullable=True),
    sa.Column("owner_id", sa.String, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("health_score", sa.Integer, nullable=True),
    sa.Column("health_score_30d", sa.Integer, nullable=True),
    sa.Column("last_touch_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
    sa.Index(
        "ix_accounts_deleted",
        "deleted_at",
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    ),
)

account_signals = sa.Table(
    "account_signals",
    metadata,
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("measured_on", sa.Date, nullable=False),
    sa.Column("weekly_active_users", sa.Integer, nullable=False, default=0),
    sa.Column("key_actions_per_user_week", sa.Float, nullable=False, default=0.0),
    sa.Column("dau_mau", sa.Float, nullable=False, default=0.0),
    sa.Column("session_minutes", sa.Float, nullable=False, default=0.0),
    sa.Column("messages_per_user_week", sa.Float, nullable=False, default=0.0),
    sa.Column("open_tickets", sa.Integer, nullable=False, default=0),
    sa.Column("avg_response_hours", sa.Float, nullable=False, default=0.0),
    sa.Column("volume_trend_pct", sa.Float, nullable=False, default=0.0),
    sa.Column("payment", sa.String, nullable=False, default="current"),
    sa.Column("nps", sa.Integer, nullable=True),
    sa.Column("nps_on", sa.Date, nullable=True),
    sa.Column("csm_pulse", sa.Integer, nullable=True),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("title", sa.String, nullable=False, default=""),
    sa.Column("email", sa.String, nullable=False, default=""),
    sa.Column("phone", sa.String, nullable=False, default=""),
    sa.Column("role", sa.String, nullable=False, default="user"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False, default=0),
    sa.Column("summary", sa.String, nullable=False, default=""),
    sa.Column("next_steps", sa.String, nullable=False, default=""),
    sa.Column("sentiment", sa.String, nullable=False, default="neutral"),
    sa.Column("contact_ids", sa.String, nullable=False, default="[]"),
    sa.Column("author_id", sa.String, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
    sa.Index("ix_activities_account_time", "account_id", "occurred_at"),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("snoozed_until", sa.Date, nullable=True),
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.Column("owner_id", sa.String, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("source_activity_id", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
    sa.Index("ix_tasks_owner_due", "owner_id", "done_at", "due_on"),
)

checklist_items = sa.Table(
    "checklist_items",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("stage", sa.String, nullable=False),
    sa.Column("item_key", sa.String, nullable=False),
    sa.Column("label", sa.String, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False, default=False),
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.Column("done_by", sa.String, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "stage", "item_key"),
)

stage_changes = sa.Table(
    "stage_changes",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("from_stage", sa.String, nullable=True),
    sa.Column("to_stage", sa.String, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("changed_by", sa.String, nullable=True),
)

health_snapshots = sa.Table(
    "health_snapshots",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("taken_on", sa.Date, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("components", sa.String, nullable=False, default="{}"),
    sa.Index("ix_health_account_day", "account_id", "taken_on"),
)

arr_events = sa.Table(
    "arr_events",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("arr_before_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("arr_after_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index(
        "ix_arr_events_account",
        "account_id",
        "effective_on",
        "kind",
        "arr_before_usd",
        "arr_after_usd",
        "created_at",
    ),
)

renewal_decisions = sa.Table(
    "renewal_decisions",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("direction", sa.String, nullable=False),
    sa.Column("arr_before", sa.Float, nullable=False, default=0.0),
    sa.Column("arr_after", sa.Float, nullable=False, default=0.0),
    sa.Column("currency", sa.String, nullable=False, default="USD"),
    sa.Column("term_end", sa.Date, nullable=True),
    sa.Column("reason", sa.String, nullable=False, default=""),
    sa.Column("author_id", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_renewal_decisions_account", "account_id", "decided_on"),
)

tier_overrides = sa.Table(
    "tier_overrides",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("set_on", sa.Date, nullable=False),
    sa.Column("tier", sa.String, nullable=True),
    sa.Column("reason", sa.String, nullable=False, default=""),
    sa.Column("note", sa.String, nullable=False, default=""),
    sa.Column("author_id", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_tier_overrides_account", "account_id", "set_on"),
)

usage_weeks = sa.Table(
    "usage_weeks",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("active_users", sa.Integer, nullable=False, default=0),
    sa.Column("seats", sa.Integer, nullable=False, default=0),
    sa.Column("opportunities", sa.Integer, nullable=False, default=0),
    sa.Column("leads", sa.Integer, nullable=False, default=0),
    sa.Column("public_pool", sa.Integer, nullable=False, default=0),
    sa.Column("contacts", sa.Integer, nullable=False, default=0),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sa.Column("sessions", sa.Integer, nullable=False, default=0),
    sa.Column("session_minutes", sa.Float, nullable=False, default=0.0),
    sa.Column("source", sa.String, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_usage_weeks_account_week", "account_id", "week_start"),
)

support_tickets = sa.Table(
    "support_tickets",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("priority", sa.String, nullable=False, default="normal"),
    sa.Column("first_response_minutes", sa.Integer, nullable=True),
    sa.Column("source", sa.String, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_support_tickets_account_opened", "account_id", "opened_at"),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("contact_email", sa.String, nullable=False, default=""),
    sa.Column("kind", sa.String, nullable=False, default="nps"),
    sa.Column("score", sa.Integer, nullable=False, default=0),
    sa.Column("responded_on", sa.Date, nullable=False),
    sa.Column("comment", sa.String, nullable=False, default=""),
    sa.Column("source", sa.String, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_survey_responses_account_day", "account_id", "responded_on"),
)

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("amount", sa.Float, nullable=False, default=0.0),
    sa.Column("currency", sa.String, nullable=False, default="USD"),
    sa.Column("paid_on", sa.Date, nullable=True),
    sa.Column("source", sa.String, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Index("ix_invoices_account_issued", "account_id", "issued_on"),
)
