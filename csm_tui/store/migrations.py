"""Schema migrations of the local cache: plain SQL steps, version in `PRAGMA user_version`.

`STEPS[n - 1]` brings a database from version n - 1 to version n. A step is frozen once
released: change the schema by appending a step (and the matching SQLModel field), never
by editing an old one. `tests/test_store_migrations.py` proves that the head schema equals
`SQLModel.metadata`, so the models and the migrations cannot drift apart.

Only `sqlite3` is imported here, so a cache can be opened without loading SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from csm_tui.domain.errors import Refusal
from csm_tui.i18n import N_, Message


class SchemaTooNewError(Refusal, RuntimeError):
    """The database was written by a newer csm-tui than this one (said in the interface
    language; `english()` for logs)."""


def _run(conn: sqlite3.Connection, statements: Sequence[str]) -> None:
    for sql in statements:
        conn.execute(sql)


# fmt: off
_V1_INITIAL = (
    """
CREATE TABLE cache_meta (
    "key" VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY ("key")
)
""",
    """
CREATE TABLE teams (
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (id)
)
""",
    """
CREATE TABLE users (
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    team_id VARCHAR,
    PRIMARY KEY (id),
    FOREIGN KEY(team_id) REFERENCES teams (id)
)
""",
    "CREATE INDEX ix_users_team_id ON users (team_id)",
    """
CREATE TABLE accounts (
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    arr FLOAT NOT NULL,
    arr_usd FLOAT NOT NULL,
    tier VARCHAR NOT NULL,
    tier_rank INTEGER NOT NULL,
    tier_override VARCHAR,
    tier_override_reason VARCHAR,
    sales_motion VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    industry VARCHAR NOT NULL,
    seats INTEGER NOT NULL,
    go_live_date DATE,
    activated_on DATE,
    renewal_date DATE,
    owner_id VARCHAR,
    health_score INTEGER,
    health_score_30d INTEGER,
    last_touch_at VARCHAR(26),
    created_at VARCHAR(26) NOT NULL,
    updated_at VARCHAR(26) NOT NULL,
    version INTEGER NOT NULL,
    deleted_at VARCHAR(26),
    PRIMARY KEY (id),
    FOREIGN KEY(owner_id) REFERENCES users (id)
)
""",
    "CREATE INDEX ix_accounts_arr ON accounts (arr_usd)",
    "CREATE INDEX ix_accounts_last_touch ON accounts (last_touch_at)",
    "CREATE INDEX ix_accounts_owner ON accounts (owner_id, tier_rank, health_score)",
    "CREATE INDEX ix_accounts_portfolio ON accounts (tier_rank, health_score, name)",
    "CREATE INDEX ix_accounts_renewal ON accounts (renewal_date)",
    """
CREATE TABLE account_signals (
    account_id VARCHAR NOT NULL,
    measured_on DATE NOT NULL,
    weekly_active_users INTEGER NOT NULL,
    key_actions_per_user_week FLOAT NOT NULL,
    dau_mau FLOAT NOT NULL,
    session_minutes FLOAT NOT NULL,
    messages_per_user_week FLOAT NOT NULL,
    open_tickets INTEGER NOT NULL,
    avg_response_hours FLOAT NOT NULL,
    volume_trend_pct FLOAT NOT NULL,
    payment VARCHAR NOT NULL,
    nps INTEGER,
    csm_pulse INTEGER,
    PRIMARY KEY (account_id),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    """
CREATE TABLE activities (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    occurred_at VARCHAR(26) NOT NULL,
    minutes INTEGER NOT NULL,
    summary VARCHAR NOT NULL,
    next_steps VARCHAR NOT NULL,
    sentiment VARCHAR NOT NULL,
    contact_ids VARCHAR NOT NULL,
    author_id VARCHAR,
    created_at VARCHAR(26) NOT NULL,
    deleted_at VARCHAR(26),
    PRIMARY KEY (id),
    FOREIGN KEY(account_id) REFERENCES accounts (id),
    FOREIGN KEY(author_id) REFERENCES users (id)
)
""",
    "CREATE INDEX ix_activities_account_time ON activities (account_id, occurred_at)",
    """
CREATE TABLE checklist_items (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    item_key VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    required BOOLEAN NOT NULL,
    done_at VARCHAR(26),
    done_by VARCHAR,
    updated_at VARCHAR(26) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (account_id, stage, item_key),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    "CREATE INDEX ix_checklist_items_account_id ON checklist_items (account_id)",
    """
CREATE TABLE contacts (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    phone VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    updated_at VARCHAR(26) NOT NULL,
    deleted_at VARCHAR(26),
    PRIMARY KEY (id),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    "CREATE INDEX ix_contacts_account_id ON contacts (account_id)",
    """
CREATE TABLE health_snapshots (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    taken_on DATE NOT NULL,
    score INTEGER NOT NULL,
    components VARCHAR NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    "CREATE INDEX ix_health_account_day ON health_snapshots (account_id, taken_on)",
    """
CREATE TABLE prep_notes (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    updated_at VARCHAR(26) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (account_id),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    """
CREATE TABLE tasks (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    due_on DATE,
    snoozed_until DATE,
    done_at VARCHAR(26),
    owner_id VARCHAR,
    source_activity_id VARCHAR,
    created_at VARCHAR(26) NOT NULL,
    updated_at VARCHAR(26) NOT NULL,
    deleted_at VARCHAR(26),
    PRIMARY KEY (id),
    FOREIGN KEY(account_id) REFERENCES accounts (id),
    FOREIGN KEY(owner_id) REFERENCES users (id)
)
""",
    "CREATE INDEX ix_tasks_account_id ON tasks (account_id)",
    "CREATE INDEX ix_tasks_owner_due ON tasks (owner_id, done_at, due_on)",
)

_V2_STAGE_HISTORY = (
    "ALTER TABLE accounts ADD COLUMN tier_override_note VARCHAR NOT NULL DEFAULT ''",
    """
CREATE TABLE stage_changes (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    from_stage VARCHAR,
    to_stage VARCHAR NOT NULL,
    changed_at VARCHAR(26) NOT NULL,
    changed_by VARCHAR,
    PRIMARY KEY (id),
    FOREIGN KEY(account_id) REFERENCES accounts (id)
)
""",
    "CREATE INDEX ix_stage_changes_account_id ON stage_changes (account_id)",
)
# fmt: on


def _v1_initial(conn: sqlite3.Connection) -> None:
    """The first released schema: everything but stage history and override notes."""
    _run(conn, _V1_INITIAL)


def _v2_stage_history(conn: sqlite3.Connection) -> None:
    """Stage history (every move between lifecycle stages) and a note on tier overrides.

    Existing accounts get an empty override note; their history starts empty, since the
    moment they entered their current stage was never recorded.
    """
    _run(conn, _V2_STAGE_HISTORY)


_V3_PORTFOLIO_INDEXES = (
    "DROP INDEX IF EXISTS ix_accounts_arr",
    "DROP INDEX IF EXISTS ix_accounts_last_touch",
    "DROP INDEX IF EXISTS ix_accounts_owner",
    "DROP INDEX IF EXISTS ix_accounts_portfolio",
    "DROP INDEX IF EXISTS ix_accounts_renewal",
    "CREATE INDEX ix_accounts_arr ON accounts (arr_usd DESC, name COLLATE NOCASE, id, "
    "tier_rank, health_score, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_accounts_deleted ON accounts (deleted_at) WHERE deleted_at IS NOT NULL",
    "CREATE INDEX ix_accounts_last_touch ON accounts (last_touch_at, name COLLATE NOCASE, id, "
    "tier_rank, health_score, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_accounts_name ON accounts (name COLLATE NOCASE, id, tier_rank, "
    "health_score, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_accounts_owner ON accounts (owner_id, tier_rank, health_score, "
    "name COLLATE NOCASE, id, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_accounts_portfolio ON accounts (tier_rank, health_score, "
    "name COLLATE NOCASE, id, stage, sales_motion, owner_id, renewal_date, last_touch_at, "
    "arr_usd, go_live_date, activated_on, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_accounts_renewal ON accounts (renewal_date IS NULL, renewal_date, "
    "name COLLATE NOCASE, id, tier_rank, health_score, deleted_at) WHERE deleted_at IS NULL",
)


def _v3_portfolio_indexes(conn: sqlite3.Connection) -> None:
    """Covering, partial (live accounts only) indexes, one per portfolio sort order.

    With them a filter keystroke over 100k accounts is answered from an index alone
    (see store/portfolio.py). No rows change.
    """
    _run(conn, _V3_PORTFOLIO_INDEXES)


_V4_OUTBOX = (
    """CREATE TABLE outbox (
        seq INTEGER NOT NULL,
        mutation_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        op VARCHAR NOT NULL,
        record_id VARCHAR NOT NULL,
        base_version INTEGER,
        fields VARCHAR NOT NULL,
        created_at VARCHAR(26) NOT NULL,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        state VARCHAR NOT NULL,
        PRIMARY KEY (seq),
        UNIQUE (mutation_id)
    )""",
    "CREATE INDEX ix_outbox_state_seq ON outbox (state, seq)",
)


def _v4_outbox(conn: sqlite3.Connection) -> None:
    """The outbox of local changes waiting to be pushed to the central API."""
    _run(conn, _V4_OUTBOX)


_V5_SYNC_CONFLICTS = (
    """CREATE TABLE sync_conflicts (
        id INTEGER NOT NULL,
        mutation_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        record_id VARCHAR NOT NULL,
        mutation VARCHAR NOT NULL,
        local_fields VARCHAR NOT NULL,
        server_record VARCHAR,
        server_version INTEGER,
        fields VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        created_at VARCHAR(26) NOT NULL,
        resolved_at VARCHAR(26),
        resolution VARCHAR,
        PRIMARY KEY (id),
        UNIQUE (mutation_id)
    )""",
    "CREATE INDEX ix_sync_conflicts_record ON sync_conflicts (kind, record_id)",
)


def _v5_sync_conflicts(conn: sqlite3.Connection) -> None:
    """Conflicts the server answered to a push, kept until the user resolves them."""
    _run(conn, _V5_SYNC_CONFLICTS)


def _v6_account_external_id(conn: sqlite3.Connection) -> None:
    """The CRM id an account was imported from, so a re-import updates it instead of adding
    a twin (store/importer.py). Existing accounts get "" (none)."""
    conn.execute("ALTER TABLE accounts ADD COLUMN external_id VARCHAR NOT NULL DEFAULT ''")


_V7_ARR_EVENTS = (
    """CREATE TABLE arr_events (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        effective_on DATE NOT NULL,
        kind VARCHAR NOT NULL,
        arr_before_usd FLOAT NOT NULL,
        arr_after_usd FLOAT NOT NULL,
        created_at VARCHAR(26) NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_arr_events_account ON arr_events (account_id, effective_on, kind, "
    "arr_before_usd, arr_after_usd, created_at)",
    "CREATE INDEX ix_activities_recent ON activities (occurred_at, kind, author_id) "
    "WHERE deleted_at IS NULL",
)


def _v7_arr_events(conn: sqlite3.Connection) -> None:
    """ARR history (new, renewal, expansion, contraction, churn) for GRR/NRR and CMRR, and
    an index of recent activities by kind and author (the coverage view's maturity).

    Existing accounts start with no history: their metrics say "no ARR history" until
    events arrive.
    """
    _run(conn, _V7_ARR_EVENTS)


_V8_RENEWAL_ORDER = (
    "DROP INDEX ix_accounts_renewal",
    "CREATE INDEX ix_accounts_renewal ON accounts (stage = 'churned', renewal_date IS NULL, "
    "renewal_date, name COLLATE NOCASE, id, tier_rank, health_score, deleted_at) "
    "WHERE deleted_at IS NULL",
)


def _v8_renewal_order(conn: sqlite3.Connection) -> None:
    """The "renewal soonest" index puts churned accounts last (their renewal date is the
    one they lost). No rows change.
    """
    _run(conn, _V8_RENEWAL_ORDER)


_V9_RENEWALS = (
    """CREATE TABLE renewal_decisions (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        decided_on DATE NOT NULL,
        outcome VARCHAR NOT NULL,
        direction VARCHAR NOT NULL,
        arr_before FLOAT NOT NULL,
        arr_after FLOAT NOT NULL,
        currency VARCHAR NOT NULL,
        term_end DATE,
        reason VARCHAR NOT NULL,
        author_id VARCHAR,
        created_at VARCHAR(26) NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_renewal_decisions_account ON renewal_decisions (account_id, decided_on)",
    """CREATE TABLE tier_overrides (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        set_on DATE NOT NULL,
        tier VARCHAR,
        reason VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        author_id VARCHAR,
        created_at VARCHAR(26) NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_tier_overrides_account ON tier_overrides (account_id, set_on)",
    "ALTER TABLE accounts ADD COLUMN is_reference BOOLEAN NOT NULL DEFAULT 0",
)


def _v9_renewals(conn: sqlite3.Connection) -> None:
    """Renewal decisions (renewed / churned / win-back, domain.renewals), the history of
    tier overrides (tier_overrides), so metrics group accounts by the tier they had, and
    whether an account is a reference / flagship customer (a tier criterion).
    """
    _run(conn, _V9_RENEWALS)


_V10_SIGNAL_TABLES = (
    """CREATE TABLE usage_weeks (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        week_start DATE NOT NULL,
        active_users INTEGER NOT NULL,
        seats INTEGER NOT NULL,
        opportunities INTEGER NOT NULL,
        leads INTEGER NOT NULL,
        public_pool INTEGER NOT NULL,
        contacts INTEGER NOT NULL,
        messages INTEGER NOT NULL,
        sessions INTEGER NOT NULL,
        session_minutes FLOAT NOT NULL,
        source VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_usage_weeks_account_week ON usage_weeks (account_id, week_start)",
    """CREATE TABLE support_tickets (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        opened_at VARCHAR(26) NOT NULL,
        closed_at VARCHAR(26),
        priority VARCHAR NOT NULL,
        first_response_minutes INTEGER,
        source VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_support_tickets_account_opened ON support_tickets (account_id, opened_at)",
    """CREATE TABLE survey_responses (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        contact_email VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        score INTEGER NOT NULL,
        responded_on DATE NOT NULL,
        comment VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_survey_responses_account_day ON survey_responses (account_id, responded_on)",
    """CREATE TABLE invoices (
        id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        issued_on DATE NOT NULL,
        due_on DATE NOT NULL,
        amount FLOAT NOT NULL,
        currency VARCHAR NOT NULL,
        paid_on DATE,
        source VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(account_id) REFERENCES accounts (id)
    )""",
    "CREATE INDEX ix_invoices_account_issued ON invoices (account_id, issued_on)",
)


def _v10_signal_tables(conn: sqlite3.Connection) -> None:
    """Health's raw signals, one row per source record: product usage per account per week
    (each feature counted separately), support tickets, NPS/CSAT responses and invoices.
    They arrive by CSV import (store/signal_import.py) or from the central API; the old
    one-row-per-account `account_signals` stays for books that have nothing else.

    Existing caches start with empty tables.
    """
    _run(conn, _V10_SIGNAL_TABLES)


def _v11_nps_on(conn: sqlite3.Connection) -> None:
    """The day the last NPS response was given: the prep sheet dates the NPS with it, not
    with the day the signals were last measured. Existing rows: not known (NULL)."""
    conn.execute("ALTER TABLE account_signals ADD COLUMN nps_on DATE")


def _v12_exchange_rates(conn: sqlite3.Connection) -> None:
    """Dated exchange rates: units of `currency` per US dollar from `day` on (the rate in
    force on a day is the latest set on or before it: domain.money.ExchangeRates). ARR
    history is converted at its own day's rate. Existing caches start with none (the
    `cny_per_usd` setting is the default until a rate is set)."""
    conn.execute(
        """CREATE TABLE exchange_rates (
        day DATE NOT NULL,
        currency VARCHAR NOT NULL,
        per_usd FLOAT NOT NULL,
        PRIMARY KEY (day, currency)
    )"""
    )


# What the report cache (store/report_cache.py) keys its results by: one version per
# scope, bumped by a trigger on every row written. `accounts_grouping` moves only when an
# account is added or removed or changes a column reports group by (tier, segment, owner,
# stage, deletion), so logging an activity (last touch, health) leaves it alone.
_VERSIONED_TABLES = (
    "accounts",
    "activities",
    "tasks",
    "arr_events",
    "tier_overrides",
    "account_signals",
    "users",
)
_GROUPING_COLUMNS = "id, tier, tier_override, segment, owner_id, stage, deleted_at"


def _bump(scope: str) -> str:
    return f"UPDATE data_versions SET version = version + 1 WHERE name = '{scope}';"


def _v13_report_cache(conn: sqlite3.Connection) -> None:
    """Data versions (bumped by triggers on every write) and a cache of report query
    results keyed by them: a report re-runs only the queries whose tables changed."""
    conn.execute(
        """CREATE TABLE data_versions (
        name VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (name)
    )"""
    )
    conn.execute(
        """CREATE TABLE report_cache (
        name VARCHAR NOT NULL,
        "key" VARCHAR NOT NULL,
        "rows" VARCHAR NOT NULL,
        PRIMARY KEY (name)
    )"""
    )
    scopes = (*_VERSIONED_TABLES, "accounts_grouping")
    conn.executemany("INSERT INTO data_versions (name, version) VALUES (?, 0)",
                     [(s,) for s in scopes])  # fmt: skip
    for table in _VERSIONED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            extra = ""
            if table == "accounts" and event != "UPDATE":
                extra = _bump("accounts_grouping")
            conn.execute(
                f"CREATE TRIGGER dv_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {_bump(table)} {extra} END"
            )
    conn.execute(
        f"CREATE TRIGGER dv_accounts_grouping AFTER UPDATE OF {_GROUPING_COLUMNS} ON accounts "
        f"BEGIN {_bump('accounts_grouping')} END"
    )


_ACTIVITY_DAY_KEY = "coalesce({r}.author_id, ''), substr({r}.occurred_at, 1, 10), {r}.kind"
_ACTIVITY_DAY_ADD = (
    "INSERT INTO activity_days (author_id, day, kind, n) SELECT {key}, 1 WHERE {when} "
    "ON CONFLICT (author_id, day, kind) DO UPDATE SET n = n + 1;"
)
_ACTIVITY_DAY_SUB = (
    "UPDATE activity_days SET n = n - 1 WHERE {when} AND (author_id, day, kind) = ({key});"
)


def _v14_activity_days(conn: sqlite3.Connection) -> None:
    """Live activities counted per author, day (UTC, of `occurred_at`) and kind, kept
    current by triggers whoever writes (logging, sync, import, the demo builder): the
    team's recent touches (coverage's maturity evidence) are read from a few thousand
    counts instead of a range scan of the activities, and the index that scan needed
    (`ix_activities_recent`) goes. A row a pull replaces (INSERT OR REPLACE, which fires
    no delete trigger) is taken out by the BEFORE INSERT trigger — so write activities
    with INSERT, INSERT OR REPLACE or UPDATE, never an upsert (ON CONFLICT DO UPDATE
    would take the old row out twice)."""
    conn.execute(
        """CREATE TABLE activity_days (
        author_id VARCHAR NOT NULL,
        day VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (author_id, day, kind)
    )"""
    )
    conn.execute(
        "INSERT INTO activity_days (author_id, day, kind, n) "
        f"SELECT {_ACTIVITY_DAY_KEY.format(r='a')}, count(*) FROM activities a "
        "WHERE a.deleted_at IS NULL GROUP BY 1, 2, 3"
    )
    new_key, old_key = _ACTIVITY_DAY_KEY.format(r="NEW"), _ACTIVITY_DAY_KEY.format(r="OLD")
    add_new = _ACTIVITY_DAY_ADD.format(key=new_key, when="NEW.deleted_at IS NULL")
    sub_old = _ACTIVITY_DAY_SUB.format(key=old_key, when="OLD.deleted_at IS NULL")
    replaced = _ACTIVITY_DAY_SUB.format(
        when="1",
        key=f"SELECT {_ACTIVITY_DAY_KEY.format(r='x')} FROM activities x "
        "WHERE x.id = NEW.id AND x.deleted_at IS NULL",
    )
    conn.execute(f"CREATE TRIGGER ad_activities_replace BEFORE INSERT ON activities "
                 f"BEGIN {replaced} END")  # fmt: skip
    conn.execute(f"CREATE TRIGGER ad_activities_insert AFTER INSERT ON activities "
                 f"BEGIN {add_new} END")  # fmt: skip
    conn.execute(f"CREATE TRIGGER ad_activities_delete AFTER DELETE ON activities "
                 f"BEGIN {sub_old} END")  # fmt: skip
    conn.execute(
        "CREATE TRIGGER ad_activities_update AFTER UPDATE OF author_id, occurred_at, kind, "
        f"deleted_at ON activities BEGIN {sub_old} {add_new} END"
    )
    conn.execute("DROP INDEX ix_activities_recent")


def _v15_no_redundant_index(conn: sqlite3.Connection) -> None:
    """`ix_checklist_items_account_id` repeats the first column of the unique (account_id,
    stage, item_key) index, which answers the same lookups (issue 12: cache size)."""
    conn.execute("DROP INDEX ix_checklist_items_account_id")


_V16_AGENDA_INDEXES = (
    "CREATE INDEX ix_accounts_agenda ON accounts (owner_id, tier, stage, last_touch_at, "
    "renewal_date, go_live_date, activated_on, health_score, health_score_30d, arr, currency, "
    "name, id, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_activities_service ON activities (account_id, kind, occurred_at) "
    "WHERE deleted_at IS NULL AND kind IN ('qbr', 'onsite')",
    "CREATE INDEX ix_accounts_id_name ON accounts (id, name, tier, deleted_at) "
    "WHERE deleted_at IS NULL",
    "CREATE INDEX ix_tasks_agenda ON tasks (owner_id, due_on, account_id, snoozed_until, "
    "title, id, done_at, deleted_at) WHERE done_at IS NULL AND deleted_at IS NULL",
)


def _v16_agenda_indexes(conn: sqlite3.Connection) -> None:
    """The Today agenda read from indexes alone (store/agenda.py): a CSM's live accounts
    with every column the agenda judges (covering, partial); the day of each account's
    last QBR and onsite visit (partial: those two kinds only, a few percent of the
    activities); a CSM's open tasks, and the name and tier of a task's account. On a
    100k-account book whose pages are not yet in memory the agenda's reads went from
    scattered rows of a 2 GB file to a few MB of index pages. No rows change."""
    _run(conn, _V16_AGENDA_INDEXES)


_V17_GROUPING_INDEX = (
    "CREATE INDEX ix_accounts_grouping ON accounts (id, tier, tier_override, segment, owner_id, "
    "stage, deleted_at) WHERE deleted_at IS NULL",
)


def _v17_grouping_index(conn: sqlite3.Connection) -> None:
    """Coverage's ARR movements look up each live account's tier, override, segment and
    owner by id, 100k times on a 100k book (store/coverage.py): one covering, partial index
    instead of the primary key's index and then the row (issue 12: the cold report; about
    a sixth of the movements query's CPU). No rows change."""
    _run(conn, _V17_GROUPING_INDEX)


_V18_ACCOUNT_MOVEMENTS = (
    """CREATE TABLE account_movements (
        group_key VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        owner_id VARCHAR,
        start_arr FLOAT NOT NULL,
        end_arr FLOAT NOT NULL,
        renewals INTEGER NOT NULL,
        churns INTEGER NOT NULL,
        arr_up FLOAT NOT NULL,
        arr_renewed FLOAT NOT NULL,
        booked_change FLOAT NOT NULL,
        PRIMARY KEY (group_key, account_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX ix_account_movements_account ON account_movements (account_id)",
    """CREATE TABLE account_movements_stale (
        account_id VARCHAR NOT NULL,
        PRIMARY KEY (account_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE account_movements_basis (
        id INTEGER NOT NULL,
        start_on VARCHAR NOT NULL,
        end_on VARCHAR NOT NULL,
        signed_before VARCHAR NOT NULL,
        bands VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
)
_STALE = "INSERT OR IGNORE INTO account_movements_stale (account_id) VALUES ({r}.{col});"
_ON_RECORD = "WHEN EXISTS (SELECT 1 FROM account_movements_basis)"
_MOVEMENT_COLUMNS = ("tier", "tier_override", "segment", "owner_id", "deleted_at")


def _v18_account_movements(conn: sqlite3.Connection) -> None:
    """Each account's ARR movement over a period kept on record (store/arr_movements.py):
    the figures, the period they are for, and the accounts to work out again. Triggers
    mark an account stale when its ARR events, its tier-override history, or its tier,
    override, segment, owner or deletion change, whoever writes — only once the figures
    exist (no cost on a book that never showed Coverage). A row an INSERT OR REPLACE
    replaces (no delete trigger fires) is caught by the BEFORE INSERT trigger. Empty until
    the first report fills it."""
    _run(conn, _V18_ACCOUNT_MOVEMENTS)
    for table in ("arr_events", "tier_overrides"):
        old = _STALE.format(r="OLD", col="account_id")
        new = _STALE.format(r="NEW", col="account_id")
        replaced = (
            "INSERT OR IGNORE INTO account_movements_stale (account_id) "
            f"SELECT account_id FROM {table} WHERE id = NEW.id;"
        )
        for name, when, body in (
            ("replace", "BEFORE INSERT", replaced),
            ("insert", "AFTER INSERT", new),
            ("update", "AFTER UPDATE", old + " " + new),
            ("delete", "AFTER DELETE", old),
        ):
            conn.execute(f"CREATE TRIGGER am_{table}_{name} {when} ON {table} {_ON_RECORD} "
                         f"BEGIN {body} END")  # fmt: skip
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _MOVEMENT_COLUMNS)
    for name, when, body in (
        ("insert", "AFTER INSERT", _STALE.format(r="NEW", col="id")),
        ("delete", "AFTER DELETE", _STALE.format(r="OLD", col="id")),
    ):
        conn.execute(f"CREATE TRIGGER am_accounts_{name} {when} ON accounts {_ON_RECORD} "
                     f"BEGIN {body} END")  # fmt: skip
    conn.execute(
        f"CREATE TRIGGER am_accounts_update AFTER UPDATE OF {', '.join(_MOVEMENT_COLUMNS)} "
        f"ON accounts {_ON_RECORD} AND ({changed}) "
        f"BEGIN {_STALE.format(r='OLD', col='id')} {_STALE.format(r='NEW', col='id')} END"
    )


# Append only. Index i holds the step to version i + 1.
STEPS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_initial,
    _v2_stage_history,
    _v3_portfolio_indexes,
    _v4_outbox,
    _v5_sync_conflicts,
    _v6_account_external_id,
    _v7_arr_events,
    _v8_renewal_order,
    _v9_renewals,
    _v10_signal_tables,
    _v11_nps_on,
    _v12_exchange_rates,
    _v13_report_cache,
    _v14_activity_days,
    _v15_no_redundant_index,
    _v16_agenda_indexes,
    _v17_grouping_index,
    _v18_account_movements,
)

HEAD: int = len(STEPS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of the open database (0: empty, never migrated)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(version: int, where: str | None = None) -> None:
    if version > HEAD:
        raise SchemaTooNewError(
            Message.of(
                N_(
                    "{where} has schema version {version}, but this csm-tui knows only up to "
                    "version {head}; upgrade csm-tui to open it"
                ),
                where=Message.of(N_("the cache")) if where is None else where,
                version=version,
                head=HEAD,
            )
        )


def migrate(conn: sqlite3.Connection, target: int = HEAD) -> int:
    """Bring the database to `target` (default: head), one transaction per step.

    Returns the version reached. A database newer than this code is refused with
    `SchemaTooNewError` and left untouched. Safe when two processes migrate at once: each
    step takes the write lock (BEGIN IMMEDIATE) and re-reads the version under it.
    """
    if not 0 <= target <= HEAD:
        raise ValueError(f"target version {target} is outside 0..{HEAD}")
    if conn.in_transaction:
        raise RuntimeError("migrate() needs a connection with no open transaction")
    check_not_newer(schema_version(conn))
    saved = conn.isolation_level
    conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
    try:
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = schema_version(conn)
                check_not_newer(version)
                if version >= target:
                    conn.execute("ROLLBACK")
                    return version
                STEPS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        conn.isolation_level = saved
