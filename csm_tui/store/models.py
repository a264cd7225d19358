"""SQLModel tables of the local cache (the central API has its own: csm_tui/server/schema).

Every record kind that syncs has a client-made string id (UUIDv7), `updated_at` and a
`deleted_at` tombstone. Instants are stored in UTC through `UTCDateTime`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from csm_tui.protocol import OP_UPSERT
from csm_tui.store.timestamps import from_db, to_db


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as sortable UTC text."""

    impl = sa.String(26)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else to_db(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> datetime | None:
        return from_db(value)


def _ts(**kw: Any) -> Any:  # sqlmodel's Field() is typed as returning Any
    return Field(sa_type=UTCDateTime, **kw)


_NAME_NOCASE = sa.text("name COLLATE NOCASE")


def _live_index(name: str, *columns: str | sa.TextClause | sa.ColumnElement[Any]) -> sa.Index:
    """A SQLite partial index over live (not deleted) accounts, covering `deleted_at`."""
    return sa.Index(
        name, *columns, "deleted_at", sqlite_where=sa.text("deleted_at IS NULL")
    ).ddl_if(dialect="sqlite")


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    id: str = Field(primary_key=True)
    name: str


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: str = Field(primary_key=True)
    name: str
    email: str = ""
    role: str = "csm"  # csm | lead | admin (domain.records.Role)
    team_id: str | None = Field(default=None, foreign_key="teams.id", index=True)


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    # The portfolio's read path (store/portfolio.py) walks one index per sort order; each
    # is partial (live accounts only), ends with the sort's ties (name as NOCASE, then id),
    # carries tier and health (the commonest filters) and `deleted_at` so the planner sees
    # it as covering. The default order's index carries every column the filter language
    # tests, so any filter over it is answered without reading the table. SQLite only:
    # the server does not need them.
    __table_args__ = (
        _live_index(
            "ix_accounts_portfolio",
            "tier_rank",
            "health_score",
            _NAME_NOCASE,
            "id",
            "stage",
            "sales_motion",
            "owner_id",
            "renewal_date",
            "last_touch_at",
            "arr_usd",
            "go_live_date",
            "activated_on",
        ),
        _live_index(
            "ix_accounts_owner", "owner_id", "tier_rank", "health_score", _NAME_NOCASE, "id"
        ),
        _live_index(
            "ix_accounts_renewal",
            sa.text("stage = 'churned'"),
            sa.text("renewal_date IS NULL"),
            "renewal_date",
            _NAME_NOCASE,
            "id",
            "tier_rank",
            "health_score",
        ),
        _live_index(
            "ix_accounts_last_touch",
            "last_touch_at",
            _NAME_NOCASE,
            "id",
            "tier_rank",
            "health_score",
        ),
        _live_index(
            "ix_accounts_arr", sa.desc("arr_usd"), _NAME_NOCASE, "id", "tier_rank", "health_score"
        ),
        _live_index("ix_accounts_name", _NAME_NOCASE, "id", "tier_rank", "health_score"),
        # The Today agenda (store/agenda.py): a CSM's accounts with every column it judges.
        _live_index(
            "ix_accounts_agenda",
            "owner_id",
            "tier",
            "stage",
            "last_touch_at",
            "renewal_date",
            "go_live_date",
            "activated_on",
            "health_score",
            "health_score_30d",
            "arr",
            "currency",
            "name",
            "id",
        ),
        # A task's account on the agenda: its name and tier, without reading its row.
        _live_index("ix_accounts_id_name", "id", "name", "tier"),
        # Coverage (store/coverage.py): the columns reports group an account by, by its id.
        _live_index(
            "ix_accounts_grouping", "id", "tier", "tier_override", "segment", "owner_id", "stage"
        ),
        sa.Index(
            "ix_accounts_deleted",
            "deleted_at",
            sqlite_where=sa.text("deleted_at IS NOT NULL"),
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
        ),
    )
    id: str = Field(primary_key=True)
    name: str
    # The id in the CRM it was imported from ("": none); DEFAULT '' as migration v6 adds it.
    external_id: str = Field(default="", sa_column_kwargs={"server_default": ""})
    currency: str = "USD"  # USD | CNY
    arr: float = 0.0  # in `currency`
    arr_usd: float = 0.0  # USD-equivalent; tiers use it
    tier: str = "self-serve"  # effective tier (domain.tiers.Tier)
    tier_rank: int = 4  # Tier.rank, for the portfolio's index
    tier_override: str | None = None
    tier_override_reason: str | None = None
    tier_override_note: str = ""
    sales_motion: str = "short-direct"  # domain.motion.SalesMotion
    stage: str = "onboarding"  # domain.lifecycle.Stage
    segment: str = ""  # region / segment for metrics
    industry: str = ""
    seats: int = 0
    # A reference / flagship customer (a tier criterion in the TOML rules); migration v8.
    is_reference: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    go_live_date: date | None = None
    activated_on: date | None = None
    renewal_date: date | None = None
    owner_id: str | None = Field(default=None, foreign_key="users.id")
    health_score: int | None = None
    health_score_30d: int | None = None  # score 30 days ago, for the trend arrow
    last_touch_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = 0  # server version last seen (sync)
    deleted_at: datetime | None = _ts(default=None)


class AccountSignals(SQLModel, table=True):
    """The raw inputs of health, as of `measured_on` (domain.health.HealthSignals)."""

    __tablename__ = "account_signals"
    account_id: str = Field(primary_key=True, foreign_key="accounts.id")
    measured_on: date
    weekly_active_users: int = 0
    key_actions_per_user_week: float = 0.0
    dau_mau: float = 0.0
    session_minutes: float = 0.0
    messages_per_user_week: float = 0.0
    open_tickets: int = 0
    avg_response_hours: float = 0.0
    volume_trend_pct: float = 0.0
    payment: str = "current"  # domain.health.PaymentStatus
    nps: int | None = None
    nps_on: date | None = None  # the day the last NPS response was given (not measured_on)
    csm_pulse: int | None = None


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    role: str = "user"  # sponsor | champion | user | blocker
    updated_at: datetime = _ts()
    deleted_at: datetime | None = _ts(default=None)


class Activity(SQLModel, table=True):
    """Append-only: an activity is never merged away (spec section 5)."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.Index("ix_activities_account_time", "account_id", "occurred_at"),
        # The day of an account's last QBR / onsite visit (the Today agenda), from a small
        # index: those two kinds only. SQLite only.
        sa.Index(
            "ix_activities_service",
            "account_id",
            "kind",
            "occurred_at",
            sqlite_where=sa.text("deleted_at IS NULL AND kind IN ('qbr', 'onsite')"),
        ).ddl_if(dialect="sqlite"),
    )
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    kind: str  # domain.records.ActivityKind
    occurred_at: datetime = _ts()
    minutes: int = 0
    summary: str = ""
    next_steps: str = ""
    sentiment: str = "neutral"  # domain.records.Sentiment
    contact_ids: str = "[]"  # JSON list of contact ids
    author_id: str | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _ts()
    deleted_at: datetime | None = _ts(default=None)


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("ix_tasks_owner_due", "owner_id", "done_at", "due_on"),
        # A CSM's open tasks as the Today agenda reads them, from the index alone. SQLite only.
        sa.Index(
            "ix_tasks_agenda",
            "owner_id",
            "due_on",
            "account_id",
            "snoozed_until",
            "title",
            "id",
            "done_at",
            "deleted_at",
            sqlite_where=sa.text("done_at IS NULL AND deleted_at IS NULL"),
        ).ddl_if(dialect="sqlite"),
    )
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    title: str
    due_on: date | None = None
    snoozed_until: date | None = None
    done_at: datetime | None = _ts(default=None)
    owner_id: str | None = Field(default=None, foreign_key="users.id")
    source_activity_id: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    deleted_at: datetime | None = _ts(default=None)


class ChecklistItem(SQLModel, table=True):
    __tablename__ = "checklist_items"
    # The unique index answers lookups by account too (its first column).
    __table_args__ = (sa.UniqueConstraint("account_id", "stage", "item_key"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    stage: str
    item_key: str
    label: str
    required: bool = False
    done_at: datetime | None = _ts(default=None)
    done_by: str | None = None
    updated_at: datetime = _ts()


class StageChange(SQLModel, table=True):
    """Stage history: every move of an account between lifecycle stages."""

    __tablename__ = "stage_changes"
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    from_stage: str | None = None
    to_stage: str
    changed_at: datetime = _ts()
    changed_by: str | None = None


class ArrEvent(SQLModel, table=True):
    """ARR history: every change of an account's ARR (USD-equivalent), for the metrics
    (domain.metrics). ARR at a day is the sum of (after − before) of the events up to it,
    so `arr_before_usd` must be the ARR the event found (the previous `arr_after_usd`, 0
    before the first). `effective_on` may lie ahead of today: a change already signed (a
    notice of non-renewal, a booked expansion) that counts in CMRR only."""

    __tablename__ = "arr_events"
    # Covering: the metrics read every event once, grouped by account, from this index
    # alone (store/coverage.py).
    __table_args__ = (
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
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    effective_on: date
    kind: str  # new | renewal | expansion | contraction | churn
    arr_before_usd: float = 0.0
    arr_after_usd: float = 0.0
    created_at: datetime = _ts()


class RenewalDecision(SQLModel, table=True):
    """A recorded renewal decision (domain.renewals): renewed flat/up/down with the new
    term end, churned with a reason, or a win-back. Append-only; ARR in the account's
    currency at the time (`currency`). Each one wrote an ARR event of the same day."""

    __tablename__ = "renewal_decisions"
    __table_args__ = (sa.Index("ix_renewal_decisions_account", "account_id", "decided_on"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    decided_on: date
    outcome: str  # renewed | churned | win_back
    direction: str  # flat | up | down (derived from the ARR before and after)
    arr_before: float = 0.0
    arr_after: float = 0.0
    currency: str = "USD"
    term_end: date | None = None  # the new renewal date (renewed, win-back)
    reason: str = ""
    author_id: str | None = None
    created_at: datetime = _ts()
    version: int = 0  # server version last seen (sync)


class TierOverrideChange(SQLModel, table=True):
    """Tier history of overrides: from `set_on`, the account is in `tier` whatever its ARR
    says (None: the override was cleared, the ARR band rules again). Append-only, so the
    metrics can group accounts by the tier they had on a past day."""

    __tablename__ = "tier_overrides"
    __table_args__ = (sa.Index("ix_tier_overrides_account", "account_id", "set_on"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    set_on: date
    tier: str | None = None  # domain.tiers.Tier; None: cleared
    reason: str = ""  # domain.tiers.OverrideReason
    note: str = ""
    author_id: str | None = None
    created_at: datetime = _ts()
    version: int = 0  # server version last seen (sync)


class UsageWeek(SQLModel, table=True):
    """A week of product use of one account, from a product-analytics export or the central
    API (wire kind `usage_week`). `id` is the source's id, prefixed by the source name
    (``mixpanel:acme-2026-W14``); a row with the same id replaces the old one. Each
    feature's use is counted separately (domain.motion.Feature)."""

    __tablename__ = "usage_weeks"
    __table_args__ = (sa.Index("ix_usage_weeks_account_week", "account_id", "week_start"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    week_start: date  # a Monday
    active_users: int = 0
    seats: int = 0
    opportunities: int = 0
    leads: int = 0
    public_pool: int = 0
    contacts: int = 0
    messages: int = 0
    sessions: int = 0
    session_minutes: float = 0.0  # total over the week's sessions
    source: str = ""
    version: int = 0  # server version last seen (sync)


class SupportTicket(SQLModel, table=True):
    """A support ticket, from a helpdesk export or the central API (kind `support_ticket`)."""

    __tablename__ = "support_tickets"
    __table_args__ = (sa.Index("ix_support_tickets_account_opened", "account_id", "opened_at"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    opened_at: datetime = _ts()
    closed_at: datetime | None = _ts(default=None)
    priority: str = "normal"  # low | normal | high | urgent
    first_response_minutes: int | None = None
    source: str = ""
    version: int = 0


class SurveyResponse(SQLModel, table=True):
    """One contact's NPS or CSAT answer (kind `survey_response`)."""

    __tablename__ = "survey_responses"
    __table_args__ = (sa.Index("ix_survey_responses_account_day", "account_id", "responded_on"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    contact_email: str = ""
    kind: str = "nps"  # nps (0–10) | csat (1–5)
    score: int = 0
    responded_on: date
    comment: str = ""
    source: str = ""
    version: int = 0


class Invoice(SQLModel, table=True):
    """An invoice and whether it was paid (kind `invoice`)."""

    __tablename__ = "invoices"
    __table_args__ = (sa.Index("ix_invoices_account_issued", "account_id", "issued_on"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    issued_on: date
    due_on: date
    amount: float = 0.0
    currency: str = "USD"  # USD | CNY
    paid_on: date | None = None
    source: str = ""
    version: int = 0


class HealthSnapshot(SQLModel, table=True):
    __tablename__ = "health_snapshots"
    __table_args__ = (sa.Index("ix_health_account_day", "account_id", "taken_on"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id")
    taken_on: date
    score: int
    components: str = "{}"  # JSON {component: points}


class PrepNote(SQLModel, table=True):
    __tablename__ = "prep_notes"
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", unique=True)
    body: str = ""
    updated_at: datetime = _ts()


class CacheMeta(SQLModel, table=True):
    """Key/value facts about the cache: who I am, when the data was built or synced."""

    __tablename__ = "cache_meta"
    key: str = Field(primary_key=True)
    value: str


class OutboxEntry(SQLModel, table=True):
    """A local change waiting to be pushed (spec section 5).

    Written in the same transaction as the change itself, so a change and its outbox entry
    exist together or not at all. `mutation_id` is the client-made UUIDv7 the server uses
    to apply a retried push once.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_state_seq", "state", "seq"),)
    seq: int | None = Field(default=None, primary_key=True)  # push order
    mutation_id: str = Field(unique=True)
    kind: str  # protocol KIND_*
    op: str = OP_UPSERT  # OP_UPSERT | OP_DELETE
    record_id: str
    base_version: int | None = None
    fields: str = "{}"  # JSON: the changed fields
    created_at: datetime = _ts()
    attempts: int = 0
    last_error: str | None = None
    state: str = "pending"  # pending | sent | conflict | rejected


class SyncConflict(SQLModel, table=True):
    """A pushed change the server answered with a conflict (spec section 5).

    Kept until the user resolves it (keep mine / take theirs / edit); never overwritten
    silently. JSON columns hold the mutation as pushed, the local field values, the server's
    record (kept current by later pulls) and the names of the fields in conflict.
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (sa.Index("ix_sync_conflicts_record", "kind", "record_id"),)
    id: int | None = Field(default=None, primary_key=True)
    mutation_id: str = Field(unique=True)
    kind: str  # protocol KIND_*
    record_id: str
    mutation: str  # JSON: the pushed mutation
    local_fields: str  # JSON: my values
    server_record: str | None = None  # JSON: the server's record
    server_version: int | None = None
    fields: str = "[]"  # JSON: fields in conflict
    message: str = ""
    created_at: datetime = _ts()
    resolved_at: datetime | None = _ts(default=None)
    resolution: str | None = None  # mine | theirs | edit


class ExchangeRate(SQLModel, table=True):
    """Units of `currency` (CNY) per US dollar, in force from `day` until the next rate
    (domain.money.ExchangeRates). Local to this cache: set with `csm-tui rates`."""

    __tablename__ = "exchange_rates"
    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True)  # CNY
    per_usd: float


class DataVersion(SQLModel, table=True):
    """A version per scope (a table, or `accounts_grouping`), bumped by SQLite triggers on
    every write (migration v13): what `store.report_cache` keys its results by."""

    __tablename__ = "data_versions"
    name: str = Field(primary_key=True)
    version: int


class ReportCache(SQLModel, table=True):
    """A report query's rows (JSON) under the key they were computed for (the query, its
    parameters and the data versions of the tables it reads)."""

    __tablename__ = "report_cache"
    name: str = Field(primary_key=True)
    key: str
    rows: str


class ActivityDay(SQLModel, table=True):
    """Live activities per author ('' for none), UTC day of `occurred_at` and kind, kept
    current by SQLite triggers (migration v14): coverage's recent touches read these."""

    __tablename__ = "activity_days"
    author_id: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    n: int


class AccountMovement(SQLModel, table=True):
    """An account's ARR movement over the period in `account_movements_basis`: its group
    (tier at the start, segment, owner, movement joined by store.arr_movements.KEY_SEP),
    ARR at the start and the end, renewals, churns, ARR up for renewal and renewed, and
    changes signed for after the end. Kept current by store.arr_movements (migration v18)."""

    __tablename__ = "account_movements"
    __table_args__ = (
        sa.Index("ix_account_movements_account", "account_id"),
        {"sqlite_with_rowid": False},
    )
    group_key: str = Field(primary_key=True)
    account_id: str = Field(primary_key=True)
    owner_id: str | None = None
    start_arr: float
    end_arr: float
    renewals: int
    churns: int
    arr_up: float
    arr_renewed: float
    booked_change: float


class AccountMovementStale(SQLModel, table=True):
    """An account whose `account_movements` row must be worked out again (triggers)."""

    __tablename__ = "account_movements_stale"
    __table_args__ = {"sqlite_with_rowid": False}
    account_id: str = Field(primary_key=True)


class AccountMovementBasis(SQLModel, table=True):
    """The one period (and ARR bands, JSON) `account_movements` is worked out for."""

    __tablename__ = "account_movements_basis"
    id: int = Field(primary_key=True)
    start_on: str
    end_on: str
    signed_before: str
    bands: str
