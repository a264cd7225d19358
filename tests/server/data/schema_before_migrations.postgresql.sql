-- The central API's schema as the last release before migrations (bca6fbc) made it with
-- create_all on PostgreSQL: what deployed servers have. Baseline revision 0001.

CREATE TABLE teams (
	id VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE users (
	id VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	email VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	team_id VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(team_id) REFERENCES teams (id)
);

CREATE INDEX ix_users_team_id ON users (team_id);

CREATE TABLE accounts (
	id VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	external_id VARCHAR DEFAULT '' NOT NULL,
	currency VARCHAR NOT NULL,
	arr FLOAT NOT NULL,
	arr_usd FLOAT NOT NULL,
	tier VARCHAR NOT NULL,
	tier_rank INTEGER NOT NULL,
	tier_override VARCHAR,
	tier_override_reason VARCHAR,
	tier_override_note VARCHAR NOT NULL,
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
);

CREATE INDEX ix_accounts_deleted ON accounts (deleted_at) WHERE deleted_at IS NOT NULL;

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
);

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
);

CREATE INDEX ix_contacts_account_id ON contacts (account_id);

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
);

CREATE INDEX ix_activities_account_time ON activities (account_id, occurred_at);

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
);

CREATE INDEX ix_tasks_owner_due ON tasks (owner_id, done_at, due_on);

CREATE INDEX ix_tasks_account_id ON tasks (account_id);

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
);

CREATE INDEX ix_checklist_items_account_id ON checklist_items (account_id);

CREATE TABLE stage_changes (
	id VARCHAR NOT NULL,
	account_id VARCHAR NOT NULL,
	from_stage VARCHAR,
	to_stage VARCHAR NOT NULL,
	changed_at VARCHAR(26) NOT NULL,
	changed_by VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);

CREATE INDEX ix_stage_changes_account_id ON stage_changes (account_id);

CREATE TABLE health_snapshots (
	id VARCHAR NOT NULL,
	account_id VARCHAR NOT NULL,
	taken_on DATE NOT NULL,
	score INTEGER NOT NULL,
	components VARCHAR NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);

CREATE INDEX ix_health_account_day ON health_snapshots (account_id, taken_on);

CREATE TABLE arr_events (
	id VARCHAR NOT NULL,
	account_id VARCHAR NOT NULL,
	effective_on DATE NOT NULL,
	kind VARCHAR NOT NULL,
	arr_before_usd FLOAT NOT NULL,
	arr_after_usd FLOAT NOT NULL,
	created_at VARCHAR(26) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);

CREATE INDEX ix_arr_events_account ON arr_events (account_id, effective_on, kind, arr_before_usd, arr_after_usd, created_at);

CREATE TABLE api_tokens (
	id VARCHAR(36) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	prefix VARCHAR(8) NOT NULL,
	created_at VARCHAR(26) NOT NULL,
	revoked_at VARCHAR(26),
	PRIMARY KEY (id),
	UNIQUE (token_hash)
);

CREATE INDEX ix_api_tokens_prefix ON api_tokens (prefix);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE sync_counter (
	id INTEGER NOT NULL,
	value BIGINT NOT NULL,
	PRIMARY KEY (id)
);

CREATE TABLE record_versions (
	kind VARCHAR(32) NOT NULL,
	record_id VARCHAR(100) NOT NULL,
	version BIGINT NOT NULL,
	account_id VARCHAR(100),
	team_id VARCHAR(64),
	deleted BOOLEAN NOT NULL,
	record_json TEXT,
	PRIMARY KEY (kind, record_id),
	UNIQUE (version)
);

CREATE INDEX ix_record_versions_account_id ON record_versions (account_id);

CREATE TABLE scope_exits (
	version BIGINT NOT NULL,
	account_id VARCHAR(100) NOT NULL,
	user_id VARCHAR(64),
	team_id VARCHAR(64),
	PRIMARY KEY (version)
);

CREATE INDEX ix_scope_exits_user_id ON scope_exits (user_id);

CREATE INDEX ix_scope_exits_team_id ON scope_exits (team_id);

CREATE TABLE client_mutations (
	user_id VARCHAR(64) NOT NULL,
	client_id VARCHAR(100) NOT NULL,
	mutation_id VARCHAR(64) NOT NULL,
	request_hash VARCHAR(64) NOT NULL,
	result_json TEXT NOT NULL,
	created_at VARCHAR(26) NOT NULL,
	PRIMARY KEY (user_id, client_id, mutation_id)
);

CREATE TABLE guarded_field_changes (
	version BIGINT NOT NULL,
	account_id VARCHAR(100) NOT NULL,
	fields VARCHAR(200) NOT NULL,
	user_id VARCHAR(64) NOT NULL,
	client_id VARCHAR(100) NOT NULL,
	PRIMARY KEY (version)
);

CREATE INDEX ix_guarded_field_changes_account_id ON guarded_field_changes (account_id);

CREATE TABLE prep_note_revisions (
	id VARCHAR(100) NOT NULL,
	account_id VARCHAR(100) NOT NULL,
	body TEXT NOT NULL,
	base_revision_id VARCHAR(100),
	author_id VARCHAR(64),
	created_at VARCHAR(26) NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_prep_note_revisions_account_id ON prep_note_revisions (account_id);

INSERT INTO sync_counter (id, value) VALUES (1, 0);
