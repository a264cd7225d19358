"""Call prep from the demo book: the brief's content, the notes and the exported file."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

import pytest

from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.prep import (
    PREP_NOTE_MAX_CHARS,
    PrepNoteTooLong,
    render_prep_markdown,
)
from csm_tui.domain.tiers import TierRules
from csm_tui.store import outbox
from csm_tui.store.accounts import AccountNotFound, health_of, load_account_facts
from csm_tui.store.cache import META_ME, connect, get_meta
from csm_tui.store.prep import (
    PrepExportError,
    build_prep_brief,
    export_prep,
    load_prep_note,
    save_prep_note,
)

RULES = TierRules()


@pytest.fixture
def book(demo_db):
    conn = connect(demo_db)
    yield conn, get_meta(conn, META_ME)
    conn.close()


def busiest_account(conn, me):
    """The demo user's account with the most activities, open tasks and contacts."""
    return conn.execute(
        """SELECT a.* FROM accounts a WHERE a.owner_id = ? AND a.stage != 'churned'
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.account_id = a.id AND t.done_at IS NULL)
           ORDER BY (SELECT count(*) FROM activities v WHERE v.account_id = a.id) DESC, a.id
           LIMIT 1""",
        (me,),
    ).fetchone()


def test_the_brief_holds_what_the_book_knows(book, clock):
    conn, me = book
    acct = busiest_account(conn, me)
    brief = build_prep_brief(conn, acct["id"], clock.now(), RULES)

    assert (brief.name, brief.tier.value, brief.stage.value) == (
        acct["name"],
        acct["tier"],
        acct["stage"],
    )
    assert brief.renewal_date == date.fromisoformat(acct["renewal_date"])
    assert brief.health_score == acct["health_score"]
    assert brief.health_score_30d == acct["health_score_30d"]

    health = health_of(load_account_facts(conn, acct["id"], clock.now(), RULES))
    assert health is not None
    assert [w.label for w in brief.weakest] == [c.component.label for c in health.weakest(3)]
    assert 2 <= len(brief.weakest) <= 3

    nps = conn.execute(
        "SELECT nps, nps_on FROM account_signals WHERE account_id = ?", (acct["id"],)
    ).fetchone()
    assert (brief.nps, brief.nps_measured_on) == (
        nps[0],
        None if nps[1] is None else date.fromisoformat(nps[1]),
    )

    contacts = conn.execute(
        "SELECT name, role FROM contacts WHERE account_id = ? AND deleted_at IS NULL", (acct["id"],)
    ).fetchall()
    assert sorted((c.name, c.role.value) for c in brief.stakeholders) == sorted(
        tuple(c) for c in contacts
    )

    open_items = conn.execute(
        "SELECT label FROM checklist_items WHERE account_id = ? AND stage = ? AND done_at IS NULL",
        (acct["id"], acct["stage"]),
    ).fetchall()
    assert sorted(i.label for i in brief.open_checklist) == sorted(r[0] for r in open_items)

    tasks = conn.execute(
        "SELECT title FROM tasks WHERE account_id = ? AND done_at IS NULL AND deleted_at IS NULL",
        (acct["id"],),
    ).fetchall()
    assert sorted(t.title for t in brief.open_tasks) == sorted(r[0] for r in tasks)
    dues = [t.due_on for t in brief.open_tasks]
    assert dues == sorted(dues)

    last5 = conn.execute(
        "SELECT occurred_at, summary, next_steps, contact_ids FROM activities WHERE "
        "account_id = ? AND deleted_at IS NULL ORDER BY occurred_at DESC LIMIT 5",
        (acct["id"],),
    ).fetchall()
    assert [(a.summary, a.next_steps) for a in brief.recent_activities] == [
        (r[1], r[2]) for r in last5
    ]
    names = dict(
        conn.execute("SELECT id, name FROM contacts WHERE account_id = ?", (acct["id"],)).fetchall()
    )
    assert [a.contact_names for a in brief.recent_activities] == [
        tuple(names[c] for c in json.loads(r[3])) for r in last5
    ]


def test_only_open_items_of_the_current_stage_are_listed(book, clock):
    conn, me = book
    acct = busiest_account(conn, me)
    with conn:
        conn.execute(
            "UPDATE checklist_items SET done_at = NULL WHERE account_id = ?", (acct["id"],)
        )
        first = conn.execute(
            "SELECT item_key, label FROM checklist_items WHERE account_id = ? "
            "AND stage = ? ORDER BY item_key LIMIT 1",
            (acct["id"], acct["stage"]),
        ).fetchone()
        conn.execute(
            "UPDATE checklist_items SET done_at = '2026-11-01 10:00:00.000000' "
            "WHERE account_id = ? AND item_key = ?",
            (acct["id"], first[0]),
        )
    brief = build_prep_brief(conn, acct["id"], clock.now(), RULES)
    assert first[1] not in {i.label for i in brief.open_checklist}
    assert len(brief.open_checklist) >= 1


def test_an_account_that_left_the_cache_is_not_found(book, clock):
    conn, _ = book
    with pytest.raises(AccountNotFound):
        build_prep_brief(conn, "no-such-account", clock.now(), RULES)


def test_notes_are_saved_as_typed_and_travel_as_revisions(book, clock):
    conn, me = book
    acct = busiest_account(conn, me)
    with conn:
        conn.execute("DELETE FROM prep_notes WHERE account_id = ?", (acct["id"],))
    assert load_prep_note(conn, acct["id"]) == ""

    body = "问：续约[bold]价格[/bold]?\r\n- ask \x1b[2J about seats\n"
    first = save_prep_note(conn, acct["id"], body, clock.now())
    assert load_prep_note(conn, acct["id"]) == body
    clock.advance(minutes=2)
    second = save_prep_note(conn, acct["id"], body + "more", clock.now())
    assert first and second and first != second
    assert save_prep_note(conn, acct["id"], body + "more", clock.now()) is None

    entries = outbox.entries(conn)
    assert [(e.kind, e.record_id) for e in entries] == [
        ("prep_note_revision", first),
        ("prep_note_revision", second),
    ]
    assert entries[0].fields == {
        "account_id": acct["id"],
        "body": body,
        "base_revision_id": None,
        "created_at": (clock.now() - timedelta(minutes=2)).isoformat(),
    }
    assert entries[1].fields["base_revision_id"] == first
    assert entries[1].fields["body"] == body + "more"


def test_a_1_mb_note_is_kept_whole(book, clock):
    conn, me = book
    acct = busiest_account(conn, me)
    note = ("客户说：[bold]续约[/] ok\n" * 60_000)[:1_048_576]
    assert save_prep_note(conn, acct["id"], note, clock.now())
    assert load_prep_note(conn, acct["id"]) == note


def test_a_note_over_the_limit_is_refused_and_the_old_one_kept(book, clock):
    conn, me = book
    acct = busiest_account(conn, me)
    save_prep_note(conn, acct["id"], "keep me", clock.now())
    big = "长" * PREP_NOTE_MAX_CHARS
    assert save_prep_note(conn, acct["id"], big, clock.now())
    assert load_prep_note(conn, acct["id"]) == big
    with pytest.raises(PrepNoteTooLong):
        save_prep_note(conn, acct["id"], "x" * (PREP_NOTE_MAX_CHARS + 1), clock.now())
    assert load_prep_note(conn, acct["id"]) == big
    assert len(outbox.entries(conn)) == 2


def test_the_note_limit_is_the_central_apis_limit():
    from csm_tui.server.kinds import KINDS, MAX_TEXT

    assert PREP_NOTE_MAX_CHARS == MAX_TEXT
    assert KINDS["prep_note_revision"].columns["body"].type.length is None  # so MAX_TEXT


def test_export_writes_the_sheet_with_chinese_and_markup_kept(book, clock, tmp_path):
    conn, _ = book
    acct_id = conn.execute(
        "SELECT id FROM accounts WHERE name LIKE '[bold red]Redline%'"
    ).fetchone()[0]
    notes = "问：续约[bold]价格[/bold]?\n- 王伟 \x1b[2J\n"
    save_prep_note(conn, acct_id, notes, clock.now())
    brief = build_prep_brief(conn, acct_id, clock.now(), RULES)
    markdown = render_prep_markdown(brief, load_prep_note(conn, acct_id), clock.today())
    out = tmp_path / "out"
    out.mkdir()
    target = export_prep(out / "prep.md", markdown)

    text = target.read_text(encoding="utf-8")
    assert text == markdown
    assert text.splitlines()[0] == "# Call prep: \\[bold red\\]Redline\\[/\\] Media Ltd"
    assert "问：续约[bold]价格[/bold]?\n- 王伟 \\x1b[2J\n" in text
    assert "\x1b" not in text
    assert "- **Stage:** " + Stage(brief.stage).label in text.splitlines()
    assert os.listdir(out) == ["prep.md"]  # no temporary file left behind


def test_export_replaces_an_old_file_and_expands_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "prep.md").write_text("old", encoding="utf-8")
    written = export_prep("~/prep.md", "# 新\n")
    assert written == tmp_path / "prep.md"
    assert written.read_bytes() == "# 新\n".encode()


def test_export_to_a_missing_folder_says_so(tmp_path):
    with pytest.raises(PrepExportError, match=r"the folder .*nowhere does not exist"):
        export_prep(tmp_path / "nowhere" / "prep.md", "# x\n")
    with pytest.raises(PrepExportError, match="it is a folder"):
        export_prep(tmp_path, "# x\n")
    assert not (tmp_path / "nowhere").exists()


def test_a_failed_export_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    (tmp_path / "prep.md").write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PrepExportError, match=r"Cannot export to .*prep\.md: Permission denied"):
        export_prep(tmp_path / "prep.md", "new")
    assert (tmp_path / "prep.md").read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["prep.md"]


def test_the_prep_sheet_dates_the_last_nps_to_the_response_not_to_today(book, clock):
    """The sheet said "Last NPS: 42 (measured <today>)": the day the signals were loaded,
    not the day the customer answered."""
    conn, _me = book
    account_id, nps, nps_on, measured_on = conn.execute(
        "SELECT account_id, nps, nps_on, measured_on FROM account_signals "
        "WHERE nps IS NOT NULL ORDER BY account_id LIMIT 1"
    ).fetchone()
    assert nps_on is not None and nps_on != measured_on == clock.now().date().isoformat()
    brief = build_prep_brief(conn, account_id, clock.now(), RULES)
    sheet = render_prep_markdown(brief, "", clock.now().date())
    assert f"**Last NPS:** {nps:+d} (response of {nps_on})" in sheet
    assert measured_on not in sheet.split("**Last NPS:**")[1].splitlines()[0]


def test_an_nps_without_a_known_date_says_so(book, clock):
    conn, _me = book
    account_id = conn.execute(
        "SELECT account_id FROM account_signals WHERE nps IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    with conn:  # only the aggregated row, without the day (no survey answers to read it from)
        conn.execute("UPDATE account_signals SET nps_on = NULL WHERE account_id = ?", (account_id,))
        for table in ("usage_weeks", "support_tickets", "survey_responses", "invoices"):
            conn.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
    brief = build_prep_brief(conn, account_id, clock.now(), RULES)
    assert brief.nps is not None and brief.nps_measured_on is None
    assert "(response date not recorded)" in render_prep_markdown(brief, "", clock.now().date())


def test_the_prep_sheet_counts_days_since_the_touch_in_shanghai(demo_db):
    """23:30 in Shanghai on the 30th; the touch was at 00:10 that same Shanghai day."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from csm_tui.domain.tiers import TierRules
    from csm_tui.store.cache import connect
    from csm_tui.store.timestamps import to_db

    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    conn = connect(demo_db)
    try:
        aid = conn.execute("SELECT id FROM accounts WHERE deleted_at IS NULL LIMIT 1").fetchone()[0]
        with conn:
            conn.execute(
                "UPDATE accounts SET last_touch_at = ? WHERE id = ?",
                (to_db(datetime(2026, 11, 30, 0, 10, tzinfo=shanghai)), aid),
            )
        rules = TierRules()
        in_shanghai = build_prep_brief(conn, aid, now, rules, zone=shanghai).touch_why
        assert "last touch 0 days ago" in in_shanghai
        assert "last touch 1 day ago" in build_prep_brief(conn, aid, now, rules).touch_why
    finally:
        conn.close()


def test_an_nps_read_from_the_answers_is_dated_by_the_latest_answer(book, clock):
    """An account scored from its survey answers (an import, a pipeline) said "response
    date not recorded", though every answer has its day; and +50 read "50"."""
    conn, _me = book
    today = clock.now().date()
    account_id, latest = conn.execute(
        "SELECT account_id, max(responded_on) FROM survey_responses WHERE kind = 'nps' "
        "AND responded_on <= ? AND responded_on >= ? GROUP BY account_id "
        "ORDER BY account_id LIMIT 1",
        (today.isoformat(), (today - timedelta(days=150)).isoformat()),
    ).fetchone()
    brief = build_prep_brief(conn, account_id, clock.now(), RULES)
    assert brief.nps is not None and brief.nps_measured_on.isoformat() == latest
    sheet = render_prep_markdown(brief, "", clock.now().date())
    assert f"**Last NPS:** {brief.nps:+d} (response of {latest})" in sheet
