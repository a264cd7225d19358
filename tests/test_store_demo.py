"""The demo book: deterministic, realistic, and consistent with the domain's rules."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from csm_tui.domain.health import Component
from csm_tui.domain.lifecycle import ActivationRisk, Stage, activation_risk, checklist_template
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.records import ActivityKind, ContactRole, Role
from csm_tui.domain.tiers import OverrideReason, Tier, TierRules
from csm_tui.store.cache import (
    META_BOOK_NAME,
    META_ME,
    connect,
    get_data_as_of,
    get_meta,
    open_engine,
)
from csm_tui.store.demo import build_demo_book
from csm_tui.store.health_recompute import explained_health, raw_health_signals, recompute_accounts
from csm_tui.store.migrations import HEAD
from csm_tui.store.models import Account
from csm_tui.store.timestamps import from_db

NOW = datetime(2026, 11, 22, 9, 30, 15, 250000, tzinfo=UTC)
TODAY = NOW.date()
RULES = TierRules()
CJK = re.compile(r"[\u4e00-\u9fff]")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")
UUID7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Every column that holds an instant or a date, per table.
INSTANTS = {
    "accounts": ("last_touch_at", "created_at", "updated_at", "deleted_at"),
    "contacts": ("updated_at", "deleted_at"),
    "activities": ("occurred_at", "created_at", "deleted_at"),
    "tasks": ("done_at", "created_at", "updated_at", "deleted_at"),
    "checklist_items": ("done_at", "updated_at"),
    "stage_changes": ("changed_at",),
    "prep_notes": ("updated_at",),
    "support_tickets": ("opened_at", "closed_at"),
    "renewal_decisions": ("created_at",),
    "tier_overrides": ("created_at",),
}
DATES = {
    "accounts": ("go_live_date", "activated_on", "renewal_date"),
    "account_signals": ("measured_on",),
    "tasks": ("due_on", "snoozed_until"),
    "health_snapshots": ("taken_on",),
    "usage_weeks": ("week_start",),
    "survey_responses": ("responded_on",),
    "invoices": ("issued_on", "due_on", "paid_on"),
    "renewal_decisions": ("decided_on", "term_end"),
    "tier_overrides": ("set_on",),
}
TABLES = (
    "teams",
    "users",
    "accounts",
    "account_signals",
    "contacts",
    "activities",
    "tasks",
    "checklist_items",
    "stage_changes",
    "health_snapshots",
    "prep_notes",
    "usage_weeks",
    "support_tickets",
    "survey_responses",
    "invoices",
    "renewal_decisions",
    "tier_overrides",
    "cache_meta",
)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "book.db"
    messages: list[str] = []
    summary = build_demo_book(path, 300, 7, now=NOW, progress=messages.append)
    conn = connect(path)
    yield summary, conn, messages
    conn.close()


@pytest.fixture(scope="module")
def db(book) -> sqlite3.Connection:
    return book[1]


def _dump(path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
    conn.close()
    return out


def _days_ago(text: str | None) -> int | None:
    return None if text is None else (TODAY - from_db(text).date()).days


# ---- determinism ------------------------------------------------------------------------


def test_same_inputs_give_identical_rows_and_another_seed_differs(tmp_path):
    a = build_demo_book(tmp_path / "a.db", 120, 11, now=NOW)
    b = build_demo_book(tmp_path / "b.db", 120, 11, now=NOW)
    c = build_demo_book(tmp_path / "c.db", 120, 12, now=NOW)
    dump_a, dump_b, dump_c = _dump(a.path), _dump(b.path), _dump(c.path)
    assert dump_a == dump_b
    assert a.rows == b.rows
    assert dump_a["accounts"] != dump_c["accounts"]
    names_a = {r[1] for r in dump_a["accounts"]}
    names_c = {r[1] for r in dump_c["accounts"]}
    assert len(names_a & names_c) < 60


def test_the_book_moves_with_now(tmp_path):
    later = NOW + timedelta(days=100)
    a = build_demo_book(tmp_path / "a.db", 40, 3, now=NOW)
    b = build_demo_book(tmp_path / "b.db", 40, 3, now=later)

    def renewals(path) -> dict[str, date]:
        conn = sqlite3.connect(path)
        rows = conn.execute("SELECT name, renewal_date FROM accounts").fetchall()
        conn.close()
        return {name: date.fromisoformat(day) for name, day in rows}

    # Same book, shifted: the same accounts, every renewal 100 days later.
    ra, rb = renewals(a.path), renewals(b.path)
    assert ra.keys() == rb.keys()
    assert {(rb[name] - ra[name]).days for name in ra} == {100}


# ---- the file ---------------------------------------------------------------------------


def test_book_is_a_migrated_wal_cache_with_its_meta(book, db):
    summary, _, messages = book
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == HEAD
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert get_data_as_of(db) == NOW
    me = get_meta(db, META_ME)
    assert me == summary.me_id
    assert db.execute("SELECT role FROM users WHERE id = ?", (me,)).fetchone()[0] == "csm"
    assert get_meta(db, META_BOOK_NAME) == summary.book_name and "300" in summary.book_name
    assert summary.rows["accounts"] == 300
    for table, count in summary.rows.items():
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
    assert messages[-1] == "done" and any("300/300" in m for m in messages)
    assert not summary.path.with_name(summary.path.name + ".building").exists()


def test_existing_file_is_kept_unless_replace(tmp_path):
    path = tmp_path / "book.db"
    path.write_text("precious")
    with pytest.raises(FileExistsError):
        build_demo_book(path, 5, now=NOW)
    assert path.read_text() == "precious"
    summary = build_demo_book(path, 5, now=NOW, replace=True)
    assert summary.rows["accounts"] == 5
    with pytest.raises(ValueError, match="aware"):
        build_demo_book(tmp_path / "x.db", 5, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="between"):
        build_demo_book(tmp_path / "x.db", 0, now=NOW)
    assert not (tmp_path / "x.db").exists()


def test_models_read_the_book(book):
    engine = open_engine(book[0].path)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Account)).one() == 300
        worst = session.exec(select(Account).order_by(Account.health_score)).first()
    assert worst.created_at.tzinfo is not None
    engine.dispose()


def test_every_timestamp_is_utc_text_not_after_now_and_every_id_a_uuid7(db):
    now_text = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    for table, cols in INSTANTS.items():
        for col in cols:
            for (value,) in db.execute(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL"):
                assert TS_RE.match(value), (table, col, value)
                assert from_db(value).tzinfo is UTC
                assert value <= now_text, (table, col, value)
    for table, cols in DATES.items():
        for col in cols:
            for (value,) in db.execute(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL"):
                assert date.fromisoformat(value).isoformat() == value
    for table in (
        "teams",
        "users",
        "accounts",
        "contacts",
        "activities",
        "tasks",
        "checklist_items",
        "stage_changes",
        "health_snapshots",
        "prep_notes",
        "renewal_decisions",
        "tier_overrides",
    ):
        ids = [r[0] for r in db.execute(f"SELECT id FROM {table}")]
        assert all(UUID7_RE.match(i) and uuid.UUID(i).version == 7 for i in ids), table


# ---- people and accounts ----------------------------------------------------------------


def test_six_csms_in_two_teams_with_a_lead_each_and_an_admin(db):
    rows = db.execute(
        "SELECT u.name, u.role, t.name AS team FROM users u LEFT JOIN teams t ON t.id = u.team_id"
    ).fetchall()
    roles = Counter((r["team"], r["role"]) for r in rows)
    teams = {r["team"] for r in rows if r["team"]}
    assert len(teams) == 2
    for team in teams:
        assert roles[(team, Role.CSM.value)] == 3
        assert roles[(team, Role.LEAD.value)] == 1
    assert sum(1 for r in rows if r["role"] == Role.ADMIN.value) == 1
    names = [r["name"] for r in rows]
    assert any(CJK.search(n) for n in names) and any(n.isascii() for n in names)


def test_tiers_follow_a_long_tail_and_match_arr_or_an_override(db):
    rows = db.execute("SELECT * FROM accounts").fetchall()
    tiers = Counter(r["tier"] for r in rows)
    assert set(tiers) == {t.value for t in Tier}
    assert tiers["strategic"] < tiers["enterprise"] < tiers["growth"] < tiers["scale"]
    assert tiers["scale"] + tiers["self-serve"] > len(rows) / 2
    for r in rows:
        assert r["tier_rank"] == Tier(r["tier"]).rank
        if r["stage"] == "churned":  # churn sets ARR to 0 and keeps the tier it had
            assert r["arr"] == r["arr_usd"] == 0
            continue
        by_arr = RULES.tier_for_arr(r["arr_usd"])
        if r["tier_override"] is None:
            assert r["tier"] == by_arr.value, r["name"]
            assert r["tier_override_reason"] is None
        else:
            assert r["tier"] == r["tier_override"] != by_arr.value
            assert r["tier_override_note"]
        if r["currency"] == "CNY":
            assert r["arr_usd"] == pytest.approx(RULES.to_usd(r["arr"], "CNY"), abs=0.01)
        else:
            assert r["currency"] == "USD" and r["arr_usd"] == r["arr"]
    reasons = {r["tier_override_reason"] for r in rows} - {None}
    assert {
        OverrideReason.FLAGSHIP.value,
        OverrideReason.INDUSTRY_INFLUENCE.value,
        OverrideReason.SEATS.value,
    } <= reasons
    cny = sum(r["currency"] == "CNY" for r in rows) / len(rows)
    assert 0.10 <= cny <= 0.20
    arr = sorted(r["arr_usd"] for r in rows)
    assert arr[-1] > 20 * arr[len(arr) // 2], "a long tail: the biggest dwarfs the median"


def test_every_motion_and_stage_is_present(db):
    motions = {r[0] for r in db.execute("SELECT sales_motion FROM accounts")}
    stages = {r[0] for r in db.execute("SELECT stage FROM accounts")}
    assert motions == {m.value for m in SalesMotion}
    assert stages == {s.value for s in Stage}


def test_late_and_zombie_activations_are_present(db):
    risks = Counter()
    for r in db.execute("SELECT go_live_date, activated_on, stage FROM accounts"):
        go_live = r[0] and date.fromisoformat(r[0])
        activated = r[1] and date.fromisoformat(r[1])
        risks[activation_risk(go_live, activated, Stage(r[2]), TODAY)] += 1
    assert risks[ActivationRisk.LATE] >= 3
    assert risks[ActivationRisk.ZOMBIE] >= 3


def test_renewals_spread_over_the_year_and_churned_are_past_due(db):
    soon, months = 0, set()
    for r in db.execute("SELECT stage, renewal_date FROM accounts"):
        days = (date.fromisoformat(r["renewal_date"]) - TODAY).days
        if r["stage"] == "churned":
            assert days < 0
            continue
        assert -15 <= days <= 366
        soon += 0 <= days < 30
        if days >= 0:
            months.add(days // 30)
    assert soon >= 5
    assert months >= set(range(12))


def test_names_are_english_chinese_unique_and_some_are_hostile(db):
    names = [r[0] for r in db.execute("SELECT name FROM accounts")]
    assert len(set(names)) == len(names)
    chinese = [n for n in names if CJK.search(n)]
    assert len(chinese) >= 30 and any(n.endswith("有限公司") for n in chinese)
    assert sum(n.isascii() for n in names) >= 150
    assert any("[bold red]" in n for n in names)
    assert any("\x1b[2J" in n for n in names)
    contacts = [r[0] for r in db.execute("SELECT name FROM contacts")]
    assert any("[i]" in n for n in contacts) and any(CJK.search(n) for n in contacts)


def test_every_account_has_stakeholders_with_all_roles_present(db):
    roles = {r[0] for r in db.execute("SELECT role FROM contacts")}
    assert roles == {r.value for r in ContactRole}
    without = db.execute(
        "SELECT count(*) FROM accounts a WHERE NOT EXISTS "
        "(SELECT 1 FROM contacts c WHERE c.account_id = a.id)"
    ).fetchone()[0]
    assert without == 0
    per_tier = dict(
        db.execute(
            "SELECT a.tier, avg(n) FROM accounts a JOIN (SELECT account_id, count(*) AS n "
            "FROM contacts GROUP BY account_id) c ON c.account_id = a.id GROUP BY a.tier"
        ).fetchall()
    )
    assert per_tier["strategic"] > per_tier["growth"] > per_tier["self-serve"]


# ---- activities and touches ------------------------------------------------------------


def test_activities_cover_18_months_every_kind_and_more_for_higher_tiers(db):
    kinds = {r[0] for r in db.execute("SELECT kind FROM activities")}
    assert kinds == {k.value for k in ActivityKind}
    oldest = db.execute("SELECT min(occurred_at) FROM activities").fetchone()[0]
    assert 480 <= _days_ago(oldest) <= 560
    per_tier = dict(
        db.execute(
            "SELECT a.tier, count(x.id) * 1.0 / count(DISTINCT a.id) FROM accounts a "
            "LEFT JOIN activities x ON x.account_id = a.id GROUP BY a.tier"
        ).fetchall()
    )
    order = [per_tier[t.value] for t in Tier]
    assert order == sorted(order, reverse=True)
    assert per_tier["strategic"] >= 20
    bad = db.execute(
        "SELECT count(*) FROM activities WHERE summary = '' OR sentiment NOT IN "
        "('positive', 'neutral', 'negative') OR (kind != 'note' AND minutes <= 0)"
    ).fetchone()[0]
    assert bad == 0
    for (ids,) in db.execute("SELECT contact_ids FROM activities LIMIT 200"):
        assert isinstance(json.loads(ids), list)


def test_last_touch_is_the_latest_activity_that_is_not_a_note(db):
    mismatches = db.execute(
        "SELECT a.name, a.last_touch_at, (SELECT max(occurred_at) FROM activities x "
        " WHERE x.account_id = a.id AND x.kind != 'note' AND x.deleted_at IS NULL) AS latest "
        "FROM accounts a WHERE a.last_touch_at IS NOT latest"
    ).fetchall()
    assert mismatches == []
    # The rule matters in the book: some accounts have a note after their last touch.
    after = db.execute(
        "SELECT count(*) FROM accounts a WHERE EXISTS (SELECT 1 FROM activities x WHERE "
        "x.account_id = a.id AND x.kind = 'note' AND x.occurred_at > a.last_touch_at)"
    ).fetchone()[0]
    assert after >= 3


def test_some_accounts_are_overdue_and_some_never_touched(db):
    from csm_tui.domain.cadence import touch_status

    overdue = never = ok = 0
    for r in db.execute("SELECT tier, last_touch_at FROM accounts WHERE stage != 'churned'"):
        tier = Tier(r["tier"])
        if RULES.cadence_days(tier) is None:
            continue
        status = touch_status(tier, from_db(r["last_touch_at"]), NOW, RULES)
        never += status.days_since is None
        overdue += status.overdue and status.days_since is not None
        ok += not status.overdue
    assert overdue >= 10 and never >= 3
    assert ok > overdue, "most of the book is on cadence"


# ---- health -----------------------------------------------------------------------------


def test_health_is_scored_from_the_raw_signals_with_their_source_and_date(db):
    """What the Health tab explains (the raw records) is the stored score and today's
    snapshot, for every account; each live account's usage says where it came from."""
    rows = db.execute("SELECT id, health_score, stage FROM accounts").fetchall()
    assert len(rows) == 300
    for r in rows:
        explained = explained_health(db, r["id"], NOW, RULES)
        assert explained is not None
        assert r["health_score"] == explained.score, r["id"]
        snap = db.execute(
            "SELECT score, components FROM health_snapshots WHERE account_id = ? AND taken_on = ?",
            (r["id"], TODAY.isoformat()),
        ).fetchone()
        assert snap["score"] == explained.score
        assert json.loads(snap["components"]) == {
            c.component.value: c.points for c in explained.components
        }
        parts = {c.component: c for c in explained.components}
        assert parts[Component.COMMERCIAL].source == "stripe"
        if r["stage"] in ("adoption", "renewal"):
            assert parts[Component.USAGE].source == "mixpanel"
            assert (TODAY - parts[Component.USAGE].as_of).days <= 14
    bands = Counter(score_band(r["health_score"]) for r in rows)
    assert bands["red"] >= 15 and bands["yellow"] >= 40 and bands["green"] >= 60


def test_recomputing_health_after_the_build_changes_no_score(tmp_path):
    """The demo scores as the recompute after an import does: running it changes nothing."""
    summary = build_demo_book(tmp_path / "book.db", 120, 5, now=NOW)
    conn = connect(summary.path)
    before = dict(conn.execute("SELECT id, health_score FROM accounts").fetchall())
    parts = dict(
        conn.execute(
            "SELECT account_id, components FROM health_snapshots WHERE taken_on = ?",
            (TODAY.isoformat(),),
        ).fetchall()
    )
    assert recompute_accounts(conn, NOW) == 120
    assert dict(conn.execute("SELECT id, health_score FROM accounts").fetchall()) == before
    after = conn.execute(
        "SELECT account_id, components FROM health_snapshots WHERE taken_on = ?",
        (TODAY.isoformat(),),
    ).fetchall()
    assert dict(after) == parts
    conn.close()


def score_band(score: int) -> str:
    return "red" if score < 40 else "yellow" if score < 70 else "green"


def test_snapshots_every_30_days_for_18_months_and_the_30_day_trend(db):
    accounts = {r["id"]: r for r in db.execute("SELECT * FROM accounts")}
    snaps: dict[str, list] = {}
    for s in db.execute("SELECT account_id, taken_on, score, components FROM health_snapshots"):
        snaps.setdefault(s["account_id"], []).append(s)
        points = json.loads(s["components"])
        assert sum(points.values()) == s["score"] and 0 <= s["score"] <= 100
    assert set(snaps) == set(accounts)
    drops = 0
    for account_id, rows in snaps.items():
        a = accounts[account_id]
        ages = sorted((TODAY - date.fromisoformat(s["taken_on"])).days for s in rows)
        assert ages == list(range(0, 30 * len(ages), 30)) and len(ages) <= 18
        assert ages[-1] <= (TODAY - from_db(a["created_at"]).date()).days
        by_age = {(TODAY - date.fromisoformat(s["taken_on"])).days: s["score"] for s in rows}
        assert a["health_score_30d"] == by_age.get(30)
        if a["health_score_30d"] is not None:
            drops += a["health_score_30d"] - a["health_score"] >= 10
    assert drops >= 5
    full = sum(len(rows) == 18 for rows in snaps.values())
    assert full > len(snaps) / 2, "most accounts have 18 months of history"


# ---- lifecycle, tasks, notes ------------------------------------------------------------


def test_checklists_follow_the_template_of_the_current_stage(db):
    ticked = open_ = 0
    for a in db.execute("SELECT id, tier, stage FROM accounts"):
        items = db.execute(
            "SELECT item_key, required, done_at, done_by, stage FROM checklist_items "
            "WHERE account_id = ?",
            (a["id"],),
        ).fetchall()
        if a["stage"] == "churned":
            assert items == []
            continue
        template = checklist_template(Stage(a["stage"]), Tier(a["tier"]))
        assert sorted(i["item_key"] for i in items) == sorted(t.key for t in template)
        required = {t.key: t.required for t in template}
        for i in items:
            assert i["stage"] == a["stage"] and bool(i["required"]) == required[i["item_key"]]
            assert (i["done_at"] is None) == (i["done_by"] is None)
            ticked += i["done_at"] is not None
            open_ += i["done_at"] is None
    assert ticked >= 100 and open_ >= 100


def test_stage_history_ends_in_the_current_stage(db):
    for a in db.execute("SELECT id, stage, created_at FROM accounts"):
        moves = db.execute(
            "SELECT from_stage, to_stage, changed_at FROM stage_changes WHERE account_id = ? "
            "ORDER BY changed_at, rowid",
            (a["id"],),
        ).fetchall()
        assert moves[0]["from_stage"] is None and moves[0]["to_stage"] == "onboarding"
        assert moves[0]["changed_at"] >= a["created_at"]
        assert moves[-1]["to_stage"] == a["stage"]
        for before, after in itertools.pairwise(moves):
            assert after["from_stage"] == before["to_stage"]


def test_tasks_are_done_due_late_and_snoozed(db):
    today = TODAY.isoformat()
    kinds = Counter()
    for t in db.execute("SELECT * FROM tasks"):
        assert t["title"]
        if t["done_at"] is not None:
            kinds["done"] += 1
            assert t["done_at"] >= t["created_at"]
        elif t["snoozed_until"] is not None:
            kinds["snoozed"] += 1
        elif t["due_on"] < today:
            kinds["late"] += 1
        else:
            kinds["due"] += 1
    assert kinds["done"] >= 10 and kinds["late"] >= 5 and kinds["due"] >= 5
    assert kinds["snoozed"] >= 1
    me = get_meta(db, META_ME)
    mine = db.execute(
        "SELECT count(*) FROM tasks WHERE owner_id = ? AND done_at IS NULL", (me,)
    ).fetchone()[0]
    assert mine >= 3, "the demo user has open tasks"


def test_prep_notes_for_a_few_accounts(db):
    notes = db.execute(
        "SELECT a.tier, p.body FROM prep_notes p JOIN accounts a ON a.id = p.account_id"
    ).fetchall()
    assert 3 <= len(notes) <= 60
    assert all(n["body"].strip() for n in notes)
    assert any(n["tier"] == "strategic" for n in notes)
    assert any("[red]" in n["body"] for n in notes)


def test_book_does_not_depend_on_string_hashing(tmp_path):
    """Set or dict order of strings varies between processes; the book must not."""
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import sys, pathlib\n"
        "from datetime import datetime, UTC\n"
        "from csm_tui.store.demo import build_demo_book\n"
        "build_demo_book(pathlib.Path(sys.argv[1]), 80, 5,"
        " now=datetime(2026, 11, 22, 9, 30, tzinfo=UTC))\n"
    )
    digests = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"h{hash_seed}.db"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env)
        digests.append(hashlib.sha256(repr(_dump(path)).encode()).hexdigest())
    assert digests[0] == digests[1]


def test_the_writer_process_writes_the_same_book(tmp_path):
    from csm_tui.store.demo import _build

    inline = _build(tmp_path / "i.db", 150, 9, now=NOW, progress=None, replace=False,
                    in_process=True)  # fmt: skip
    child = _build(tmp_path / "p.db", 150, 9, now=NOW, progress=None, replace=False,
                   in_process=False)  # fmt: skip
    assert _dump(inline.path) == _dump(child.path)
    assert inline.rows == child.rows


def test_a_failing_writer_process_is_reported(tmp_path):
    from csm_tui.store.demo.writer import ProcessWriter

    writer = ProcessWriter(tmp_path / "no" / "such" / "dir" / "book.db.building")
    with pytest.raises(RuntimeError, match="writer failed"):
        for _ in range(50):  # the child dies at once; a write or the finish notices
            writer.put({"accounts": []})
        writer.finish([])
    assert writer.process.poll() not in (None, 0)


def test_the_aggregated_signals_row_agrees_with_the_raw_signals(db):
    """The one-row summary (coverage's NPS, the pulse) says what the raw records say."""
    rows = db.execute(
        "SELECT a.id, a.seats, s.nps, s.payment, s.open_tickets, s.csm_pulse "
        "FROM accounts a JOIN account_signals s ON s.account_id = a.id"
    ).fetchall()
    assert len(rows) == 300
    for r in rows:
        signals = raw_health_signals(db, _account_row(db, r["id"]), NOW, RULES, r["csm_pulse"])
        assert signals is not None
        assert (signals.nps, signals.payment.value, signals.open_tickets) == (
            r["nps"], r["payment"], r["open_tickets"]
        )  # fmt: skip


def _account_row(db, account_id):
    return db.execute(
        "SELECT id, tier, seats, sales_motion, last_touch_at FROM accounts WHERE id = ?",
        (account_id,),
    ).fetchone()


# ---- raw signals and renewal decisions ---------------------------------------------------


def _week_volume(db, account_id: str, first: date, last: date) -> int:
    row = db.execute(
        "SELECT total(opportunities + leads + public_pool + contacts + messages) FROM usage_weeks"
        " WHERE account_id = ? AND week_start BETWEEN ? AND ?",
        (account_id, first.isoformat(), last.isoformat()),
    ).fetchone()
    return int(row[0])


def test_weekly_usage_of_half_a_year_follows_the_motion_and_the_story(db):
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = {r[0] for r in db.execute("SELECT DISTINCT week_start FROM usage_weeks")}
    assert len(weeks) == 26 and max(weeks) == (monday - timedelta(days=7)).isoformat()
    accounts = db.execute("SELECT * FROM accounts").fetchall()
    # Long-cycle accounts work opportunities, short-cycle ones leads (seed 000).
    by_motion = {
        m: db.execute(
            "SELECT total(u.opportunities), total(u.leads) FROM usage_weeks u"
            " JOIN accounts a ON a.id = u.account_id WHERE a.sales_motion = ?",
            (m,),
        ).fetchone()
        for m in ("long-direct", "short-direct")
    }
    assert by_motion["long-direct"][0] > 3 * by_motion["long-direct"][1]
    assert by_motion["short-direct"][1] > 3 * by_motion["short-direct"][0]
    # A churned account's use stops when it left; its last weeks fell.
    window = (monday - timedelta(days=28), monday - timedelta(days=7))
    churned = [a for a in accounts if a["stage"] == "churned"]
    for a in churned:
        latest = db.execute(
            "SELECT max(week_start) FROM usage_weeks WHERE account_id = ?", (a["id"],)
        ).fetchone()[0]
        assert latest is None or latest <= a["renewal_date"]
    # Accounts whose health dropped use the product less than a quarter ago.
    dropped = [
        a for a in accounts
        if a["health_score_30d"] is not None and a["health_score_30d"] - a["health_score"] >= 10
        and a["stage"] in ("adoption", "renewal")
    ]  # fmt: skip
    quarter = timedelta(days=91)
    falls = [
        _week_volume(db, a["id"], *window)
        < _week_volume(db, a["id"], window[0] - quarter, window[1] - quarter)
        for a in dropped
    ]
    assert falls and sum(falls) >= 0.8 * len(falls)
    # Zombie activations barely log in.
    zombies = [
        a["id"] for a in accounts
        if a["stage"] == "activation" and a["go_live_date"] <= str(TODAY - timedelta(days=90))
    ]  # fmt: skip
    logins = db.execute(
        f"SELECT total(active_users) / total(seats) FROM usage_weeks WHERE account_id IN"
        f" ({', '.join('?' * len(zombies))}) AND week_start >= ?",
        (*zombies, window[0].isoformat()),
    ).fetchone()[0]
    assert logins < 0.15


def test_tickets_surveys_and_invoices_of_the_last_year(db):
    now_text = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    year_ago = (TODAY - timedelta(days=366)).isoformat()
    open_tickets = db.execute(
        "SELECT count(*) FROM support_tickets WHERE closed_at IS NULL"
    ).fetchone()[0]
    assert open_tickets >= 10
    assert db.execute("SELECT min(opened_at) FROM support_tickets").fetchone()[0] >= year_ago
    assert db.execute("SELECT max(closed_at) FROM support_tickets").fetchone()[0] <= now_text
    # Survey answers come from the account's own contacts, some with comments in Chinese.
    strangers = db.execute(
        "SELECT count(*) FROM survey_responses s WHERE NOT EXISTS (SELECT 1 FROM contacts c"
        " WHERE c.account_id = s.account_id AND c.email = s.contact_email)"
    ).fetchone()[0]
    assert strangers == 0
    kinds = dict(db.execute("SELECT kind, count(*) FROM survey_responses GROUP BY kind"))
    assert kinds["nps"] >= 200 and kinds["csat"] >= 50
    comments = [r[0] for r in db.execute("SELECT comment FROM survey_responses")]
    assert any(CJK.search(c) for c in comments) and any(c.isascii() and c for c in comments)
    # Invoices: paid on time, paid late, and some unpaid past their due date.
    late = db.execute("SELECT count(*) FROM invoices WHERE paid_on > due_on").fetchone()[0]
    unpaid = db.execute(
        "SELECT count(*) FROM invoices WHERE paid_on IS NULL AND due_on < ?", (TODAY.isoformat(),)
    ).fetchone()[0]
    assert late >= 20 and unpaid >= 20
    statuses = Counter(r[0] for r in db.execute("SELECT payment FROM account_signals"))
    assert {"current", "late", "overdue", "collections"} <= set(statuses)
    currencies = dict(
        db.execute(
            "SELECT a.currency, count(*) FROM invoices i JOIN accounts a ON a.id = i.account_id"
            " WHERE i.currency = a.currency GROUP BY 1"
        )
    )
    total = db.execute("SELECT count(*) FROM invoices").fetchone()[0]
    assert sum(currencies.values()) == total and currencies["CNY"] > 0


def test_every_past_renewal_and_churn_is_a_recorded_decision(db):
    accounts = {r["id"]: r for r in db.execute("SELECT * FROM accounts")}
    events = db.execute(
        "SELECT account_id, effective_on, kind, arr_before_usd, arr_after_usd FROM arr_events"
        " WHERE kind IN ('renewal', 'churn') AND effective_on <= ?"
        " ORDER BY account_id, effective_on",
        (TODAY.isoformat(),),
    ).fetchall()
    decisions = db.execute(
        "SELECT * FROM renewal_decisions ORDER BY account_id, decided_on"
    ).fetchall()
    assert len(decisions) == len(events) > 100
    outcomes = Counter()
    for e, d in zip(events, decisions, strict=True):
        a = accounts[d["account_id"]]
        assert (d["account_id"], d["decided_on"]) == (e["account_id"], e["effective_on"])
        assert d["outcome"] == {"renewal": "renewed", "churn": "churned"}[e["kind"]]
        assert d["currency"] == a["currency"] and d["reason"]
        if d["outcome"] == "churned":
            assert d["arr_after"] == 0 and d["term_end"] is None and d["direction"] == "down"
            assert a["arr"] == 0 < d["arr_before"]  # ARR 0 now; what it paid when it left
        else:
            up = e["arr_after_usd"] - e["arr_before_usd"]
            assert d["direction"] == ("flat" if abs(up) < 0.01 else "up" if up > 0 else "down")
            assert (
                d["term_end"] == (date.fromisoformat(d["decided_on"]) + timedelta(365)).isoformat()
            )
        outcomes[d["outcome"], d["direction"]] += 1
    assert {
        ("renewed", "flat"),
        ("renewed", "up"),
        ("renewed", "down"),
        ("churned", "down"),
    } <= set(outcomes)
    churned = {i for i, a in accounts.items() if a["stage"] == "churned"}
    assert churned == {d["account_id"] for d in decisions if d["outcome"] == "churned"}
    # An adopting account's latest renewal started the term that ends at its renewal date.
    latest = {d["account_id"]: d for d in decisions}
    adopting = [(a, latest.get(i)) for i, a in accounts.items() if a["stage"] == "adoption"]
    renewed = [(a, d) for a, d in adopting if d is not None]
    assert len(renewed) > 50
    assert all(d["term_end"] == a["renewal_date"] for a, d in renewed)


def test_health_90_days_before_each_decision_of_the_last_year_is_on_record(db):
    """The back-test reads health some months before a decision: the snapshots reach it."""
    decisions = db.execute(
        "SELECT account_id, decided_on FROM renewal_decisions WHERE decided_on >= ?",
        ((TODAY - timedelta(days=365)).isoformat(),),
    ).fetchall()
    assert len(decisions) > 50
    for d in decisions:
        before = (date.fromisoformat(d["decided_on"]) - timedelta(days=90)).isoformat()
        since = (date.fromisoformat(before) - timedelta(days=30)).isoformat()
        row = db.execute(
            "SELECT 1 FROM health_snapshots WHERE account_id = ? AND taken_on BETWEEN ? AND ?",
            (d["account_id"], since, before),
        ).fetchone()
        assert row is not None, d["account_id"]


def test_each_tier_override_has_its_history_with_reason_and_note(db):
    overridden = db.execute(
        "SELECT id, tier, tier_override_reason, tier_override_note, created_at FROM accounts"
        " WHERE tier_override IS NOT NULL"
    ).fetchall()
    assert len(overridden) >= 4
    for a in overridden:
        rows = db.execute(
            "SELECT tier, reason, note, set_on FROM tier_overrides WHERE account_id = ?", (a["id"],)
        ).fetchall()
        assert [tuple(r)[:3] for r in rows] == [
            (a["tier"], a["tier_override_reason"], a["tier_override_note"])
        ]
        assert a["created_at"][:10] <= rows[0]["set_on"] <= TODAY.isoformat()
    assert db.execute("SELECT count(*) FROM tier_overrides").fetchone()[0] == len(overridden)
