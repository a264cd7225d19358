"""Sync between devices through the real server: what one logs, the others see; local
changes are never overwritten by an older pull; conflicts and refusals are kept for the user."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from csm_tui import protocol as p
from csm_tui.domain.tiers import TierRules
from csm_tui.store import outbox
from csm_tui.store.cache import get_meta
from csm_tui.store.coverage import load_coverage
from csm_tui.store.importer import import_csv, load_mapping
from csm_tui.sync.engine import list_conflicts, list_rejected, resolve_conflict, sync_status
from csm_tui.sync.note_forks import sections
from tests.server.world import NOW, World
from tests.sync.devices import Device


@pytest.fixture
def devices(world: World, tmp_path):
    made: list[Device] = []

    def make(label: str, person=None) -> Device:
        device = Device(
            label, person or world.ann, tmp_path / f"{label}.sqlite3", world.server.base_url
        )
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def test_what_one_device_logs_the_other_sees(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd", arr=50_000.0)
    activity_id = laptop.log_activity(account_id, "Kick-off call 🚀")
    task_id = laptop.new_task(account_id, "Send the plan", due_on=date(2026, 3, 9))
    report = laptop.sync()
    assert report.ok, report.errors
    assert (report.pushed, report.applied, report.conflicts, report.rejected) == (3, 3, 0, 0)
    assert laptop.states() == {"sent": 3}

    report = phone.sync()
    assert report.ok and report.pulled >= 3
    assert phone.row("accounts", account_id)["arr"] == 50_000.0
    assert phone.row("activities", activity_id)["summary"] == "Kick-off call 🚀"
    assert phone.row("tasks", task_id)["due_on"] == "2026-03-09"
    assert phone.snapshot() == laptop.snapshot()
    assert (
        "pushed 3 changes (3 applied)" in report.summary() or "nothing to push" in report.summary()
    )


def test_arr_history_travels_and_every_device_of_the_book_sees_the_same_nrr(devices, world):
    laptop, phone, lead = devices("laptop"), devices("phone"), devices("lead", world.lead)
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd", arr=10_000.0)
    laptop.record_arr_change(account_id, date(2025, 1, 15), "new", 0.0, 10_000.0)
    assert laptop.sync().ok
    # The CRM says Acme grew and a new customer signed: the import writes both into the history.
    csv = laptop.path.parent / "crm.csv"
    csv.write_text("name,arr\nAcme Ltd,15000\nBeta GmbH,4000\n", encoding="utf-8")
    rules = TierRules()
    report = import_csv(
        laptop.conn, csv, load_mapping(None, "accounts"), now=laptop.now, rules=rules
    )
    assert report.committed and (report.created, report.updated) == (1, 1)
    pushed = laptop.sync()
    assert pushed.ok and pushed.rejected == 0 and pushed.conflicts == 0, pushed.errors
    assert set(laptop.states()) == {"sent"}  # nothing left pending

    for other in (phone, lead):
        assert other.sync().ok
        assert other.rows("arr_events") == laptop.rows("arr_events")
    kinds = sorted(r["kind"] for r in phone.rows("arr_events"))
    assert kinds == ["expansion", "new", "new"]

    today = laptop.now.date()
    mine = load_coverage(laptop.conn, today, rules).metrics.overall
    assert (mine.nrr_retention, mine.nrr_expansion) == (1.0, 0.5)  # 10k kept, 5k added
    for other in (phone, lead):
        theirs = load_coverage(other.conn, today, rules).metrics.overall
        assert (theirs.nrr_retention, theirs.nrr_expansion) == (1.0, 0.5)
        assert theirs.flows == mine.flows


def test_a_renewal_decision_and_a_tier_override_reach_the_lead_with_the_same_renewal_rate(
    devices, world
):
    from csm_tui.domain.renewals import RenewalDraft, RenewalOutcome
    from csm_tui.domain.tiers import OverrideReason, Tier
    from csm_tui.store.renewals import record_decision, set_tier_override

    laptop, lead = devices("laptop"), devices("lead", world.lead)
    laptop.sync()
    rules = TierRules()
    today = laptop.now.date()
    kept = laptop.new_account("Acme Ltd", arr=40_000.0, stage="renewal")
    lost = laptop.new_account("Beta GmbH", arr=20_000.0, stage="adoption")
    for account_id, arr in ((kept, 40_000.0), (lost, 20_000.0)):
        laptop.record_arr_change(account_id, date(2024, 1, 15), "new", 0.0, arr)
    assert laptop.sync().ok
    me = laptop.person.id
    record_decision(laptop.conn, kept, RenewalDraft(RenewalOutcome.RENEWED, today, 50_000.0,
                    date(2027, 12, 31)), rules, author_id=me, now=laptop.now)  # fmt: skip
    record_decision(laptop.conn, lost, RenewalDraft(RenewalOutcome.CHURNED, today,
                    reason="budget cut"), rules, author_id=me, now=laptop.now)  # fmt: skip
    set_tier_override(laptop.conn, kept, Tier.STRATEGIC, OverrideReason.FLAGSHIP, "logo",
                      rules, author_id=me, now=laptop.now, today=today)  # fmt: skip
    pushed = laptop.sync()
    assert pushed.ok and pushed.rejected == 0 and pushed.conflicts == 0, pushed.errors
    assert lead.sync().ok
    for table in ("renewal_decisions", "tier_overrides", "arr_events"):
        assert lead.rows(table) == laptop.rows(table), table
    stage, arr = lead.conn.execute(
        "SELECT stage, arr FROM accounts WHERE id = ?", (lost,)
    ).fetchone()
    assert (stage, arr) == ("churned", 0.0)
    tier = lead.conn.execute("SELECT tier FROM accounts WHERE id = ?", (kept,)).fetchone()[0]
    assert tier == "strategic"  # the override travelled with the account
    mine = load_coverage(laptop.conn, today, rules).metrics.overall
    theirs = load_coverage(lead.conn, today, rules).metrics.overall
    assert mine.renewal_rate == theirs.renewal_rate == 0.5  # 1 renewed of 2 decisions
    assert theirs.flows == mine.flows


class Hooked:
    """A SyncClient seen through hooks: act between fetching a page and applying it, or lose
    the network after some pages."""

    def __init__(self, client, *, on_page=None, pages_before_failing: int | None = None):
        self.client, self.on_page = client, on_page
        self.pages_before_failing = pages_before_failing
        self.pages = 0
        self.pushes: list[int] = []

    @property
    def retries(self):
        return self.client.retries

    def push(self, client_id, mutations):
        self.pushes.append(len(mutations))
        return self.client.push(client_id, mutations)

    def pull(self, since, limit):
        from csm_tui.sync.client import ServerUnreachable

        if self.pages_before_failing is not None and self.pages >= self.pages_before_failing:
            raise ServerUnreachable("cannot reach the server (test: the network went away)")
        self.pages += 1
        page = self.client.pull(since, limit)
        if self.on_page:
            self.on_page(page)
        return page


def _sync(device: Device, client, **kw):
    from csm_tui.sync.engine import sync_once

    return sync_once(device.conn, client, client_id=device.client_id, now=device.now, **kw)


def test_deletes_arrive_and_an_account_tombstone_takes_its_records_along(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    laptop.log_activity(account_id, "call")
    task_id = laptop.new_task(account_id, "one")
    kept_task = laptop.new_task(account_id, "two")
    laptop.write_prep_note(account_id, "agenda")
    laptop.sync()
    phone.sync()
    assert phone.row("tasks", task_id) is not None

    laptop.delete_task(task_id)
    laptop.sync()
    phone.sync()
    assert phone.row("tasks", task_id) is None
    assert phone.row("tasks", kept_task) is not None

    with laptop.conn:
        laptop.conn.execute(
            "UPDATE accounts SET deleted_at = '2026-03-02 09:30:00.000000' WHERE id = ?",
            (account_id,),
        )
        outbox.enqueue(laptop.conn, p.KIND_ACCOUNT, p.OP_DELETE, account_id, now=NOW)
    assert laptop.sync().ok
    phone.sync()
    for table in ("accounts", "activities", "tasks", "prep_notes"):
        column = "id" if table == "accounts" else "account_id"
        assert phone.rows(table, f"{column} = ?", (account_id,)) == [], table


def test_a_change_made_while_sync_runs_is_not_overwritten_by_the_pull(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    task_id = laptop.new_task(account_id, "draft the plan", due_on=date(2026, 3, 9))
    laptop.sync()
    phone.sync()
    laptop.edit_task(task_id, title="plan v2", due_on="2026-03-10")
    laptop.sync()

    # The phone's user renames the task just as its sync has fetched the laptop's version.
    def user_types(_page):
        phone.edit_task(task_id, title="plan (phone)")

    hooked = Hooked(phone.client, on_page=user_types)
    assert _sync(phone, hooked).ok
    row = phone.row("tasks", task_id)
    assert row["title"] == "plan (phone)"  # the pending local field is kept
    assert row["due_on"] == "2026-03-10"  # the other fields are the server's
    assert outbox.pending_count(phone.conn) == 1

    assert phone.sync().ok  # the edit goes out and comes back
    laptop.sync()
    assert laptop.row("tasks", task_id)["title"] == "plan (phone)"
    assert laptop.snapshot() == phone.snapshot()


def test_a_pending_delete_keeps_the_record_deleted_here(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    task_id = laptop.new_task(account_id, "to go")
    laptop.sync()
    phone.sync()
    laptop.edit_task(task_id, title="renamed")
    laptop.sync()
    hooked = Hooked(phone.client, on_page=lambda _page: phone.delete_task(task_id))
    assert _sync(phone, hooked).ok
    assert phone.row("tasks", task_id) is None
    phone.sync()
    laptop.sync()
    assert laptop.row("tasks", task_id) is None


def _both_edit_arr(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd", arr=10_000.0)
    laptop.sync()
    phone.sync()
    laptop.edit_account(account_id, arr=20_000.0)
    phone.edit_account(account_id, arr=30_000.0, name="Acme Group")
    assert laptop.sync().applied == 1
    report = phone.sync()
    assert report.ok and report.conflicts == 1
    assert "resolve conflicts" in report.summary()
    return laptop, phone, account_id


def test_a_guarded_field_edited_on_two_devices_is_a_conflict_never_an_overwrite(devices, world):
    _laptop, phone, account_id = _both_edit_arr(devices)
    (conflict,) = list_conflicts(phone.conn)
    assert (conflict.kind, conflict.record_id, conflict.fields) == ("account", account_id, ["arr"])
    assert conflict.mine() == {"arr": 30_000.0}
    assert conflict.theirs() == {"arr": 20_000.0}
    assert "mine 30000.0 / theirs 20000.0" in conflict.describe()
    # The server kept the laptop's value; the phone still shows its own until resolved.
    assert world.ann.http.get(f"/accounts/{account_id}").json()["arr"] == 20_000.0
    assert phone.row("accounts", account_id)["arr"] == 30_000.0
    assert phone.states() == {"conflict": 1}
    assert sync_status(phone.conn, NOW).conflicts == 1


def test_keep_mine_sends_my_value_on_the_servers_version(devices, world):
    laptop, phone, account_id = _both_edit_arr(devices)
    (conflict,) = list_conflicts(phone.conn)
    queued = resolve_conflict(phone.conn, conflict.id, "mine", now=NOW)
    assert queued is not None and list_conflicts(phone.conn) == []
    mutation = outbox.pending(phone.conn)[0].as_mutation()
    assert mutation["fields"] == {"arr": 30_000.0, "name": "Acme Group"}
    assert mutation["base_version"] == conflict.server_version
    assert phone.sync().applied == 1
    laptop.sync()
    assert laptop.row("accounts", account_id)["arr"] == 30_000.0
    assert laptop.snapshot() == phone.snapshot()
    (resolved,) = list_conflicts(phone.conn, include_resolved=True)
    assert resolved.resolution == "mine" and resolved.resolved_at == NOW


def test_take_theirs_keeps_my_other_fields(devices):
    laptop, phone, account_id = _both_edit_arr(devices)
    (conflict,) = list_conflicts(phone.conn)
    resolve_conflict(phone.conn, conflict.id, "theirs", now=NOW)
    assert phone.row("accounts", account_id)["arr"] == 20_000.0
    assert [i.fields for i in outbox.pending(phone.conn)] == [{"name": "Acme Group"}]
    phone.sync()
    laptop.sync()
    row = laptop.row("accounts", account_id)
    assert (row["arr"], row["name"]) == (20_000.0, "Acme Group")
    assert laptop.snapshot() == phone.snapshot()


def test_edit_sends_the_typed_value(devices):
    laptop, phone, account_id = _both_edit_arr(devices)
    (conflict,) = list_conflicts(phone.conn)
    resolve_conflict(phone.conn, conflict.id, "edit", {"arr": 25_000.0}, now=NOW)
    phone.sync()
    laptop.sync()
    assert laptop.row("accounts", account_id)["arr"] == 25_000.0
    assert laptop.snapshot() == phone.snapshot()
    with pytest.raises(ValueError, match="resolved already"):
        resolve_conflict(phone.conn, conflict.id, "mine", now=NOW)


def test_an_activity_id_clash_keeps_both_texts(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    laptop.sync()
    phone.sync()
    from csm_tui.protocol import new_uuid7

    same_id = new_uuid7()
    laptop.log_activity(account_id, "laptop's notes", activity_id=same_id)
    phone.log_activity(account_id, "phone's notes", activity_id=same_id)
    laptop.sync()
    assert phone.sync().conflicts == 1
    assert phone.row("activities", same_id)["summary"] == "phone's notes"  # until resolved
    (conflict,) = list_conflicts(phone.conn)
    resolve_conflict(phone.conn, conflict.id, "mine", now=NOW)
    phone.sync()
    laptop.sync()
    summaries = sorted(r["summary"] for r in laptop.rows("activities"))
    assert summaries == ["laptop's notes", "phone's notes"]
    assert laptop.snapshot() == phone.snapshot()


def test_a_checklist_item_made_twice_becomes_one(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    laptop.sync()
    phone.sync()
    from csm_tui.protocol import new_uuid7

    ids = {}
    for device, done in ((laptop, None), (phone, "2026-03-02T09:00:00+00:00")):
        ids[device.label] = new_uuid7()  # not checklist_item_id(): an old client's habit
        with device.conn:
            device.conn.execute(
                "INSERT INTO checklist_items (id, account_id, stage, item_key, label, required, "
                "done_at, updated_at) VALUES (?, ?, 'onboarding', 'kickoff', 'Kick-off', 1, ?, ?)",
                (
                    ids[device.label],
                    account_id,
                    None if done is None else "2026-03-02 09:00:00.000000",
                    "2026-03-02 09:00:00.000000",
                ),
            )
            fields = {
                "account_id": account_id,
                "stage": "onboarding",
                "item_key": "kickoff",
                "label": "Kick-off",
                "required": True,
                "done_at": done,
            }
            outbox.enqueue(
                device.conn, p.KIND_CHECKLIST_ITEM, p.OP_UPSERT, ids[device.label], fields, now=NOW
            )
    laptop.sync()
    assert phone.sync().conflicts == 1
    (conflict,) = list_conflicts(phone.conn)
    resolve_conflict(phone.conn, conflict.id, "mine", now=NOW)
    phone.sync()
    laptop.sync()
    (item,) = laptop.rows("checklist_items")
    assert item["id"] == ids["laptop"] and item["done_at"] == "2026-03-02 09:00:00.000000"
    assert laptop.snapshot() == phone.snapshot()


def test_a_change_on_an_account_that_left_my_book_is_kept_and_shown(devices, world):
    ann = devices("ann")
    ann.sync()
    account_id = ann.new_account("Acme Ltd")
    ann.sync()
    # The lead hands the account to Amy; the next day Ann, offline, logs a call on it.
    from tests.server.world import upsert

    result = world.lead.push_one(upsert(p.KIND_ACCOUNT, account_id, None, owner_id=world.amy.id))
    assert result["status"] == p.STATUS_APPLIED, result
    ann.now = NOW + timedelta(days=1)
    ann.log_activity(account_id, "notes from the QBR — keep me")
    report = ann.sync()
    assert report.ok and report.rejected == 1
    assert ann.rows("accounts") == []  # the account left the book, with its records
    (rejected,) = list_rejected(ann.conn)
    assert rejected.code == p.ERROR_NOT_FOUND
    assert rejected.item.fields["summary"] == "notes from the QBR — keep me"
    assert "activity change" in rejected.describe() and "not_found" in rejected.describe()
    status = sync_status(ann.conn, NOW)
    assert status.rejected == 1 and "1 rejected" in status.text


def test_a_push_refused_whole_is_split_so_one_bad_entry_blocks_nothing(devices):
    laptop = devices("laptop")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    with laptop.conn:  # an entry no server can read (fields must be an object)
        laptop.conn.execute(
            "INSERT INTO outbox (mutation_id, kind, op, record_id, base_version, fields, "
            "created_at, attempts, state) VALUES (?, 'task', 'upsert', 'x', NULL, '[1]', ?, 0, "
            "'pending')",
            (p.new_uuid7(), "2026-03-02 09:30:00.000000"),
        )
    laptop.log_activity(account_id, "after the bad one")
    report = laptop.sync()
    assert (report.applied, report.rejected) == (2, 1), report.summary()
    (rejected,) = list_rejected(laptop.conn)
    assert rejected.code == p.ERROR_INVALID_REQUEST


def test_pushes_go_in_batches_and_pulls_in_pages(devices):
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    for i in range(p.PUSH_MAX_MUTATIONS + 200):
        laptop.log_activity(account_id, f"note {i}")
    hooked = Hooked(laptop.client)
    report = _sync(laptop, hooked)
    assert hooked.pushes == [p.PUSH_MAX_MUTATIONS, 201]
    assert report.applied == p.PUSH_MAX_MUTATIONS + 201

    # The phone loses the network after 3 pages of 300: those pages are kept, and the next
    # sync goes on from there.
    progress = []
    flaky = Hooked(phone.client, pages_before_failing=3)
    report = _sync(phone, flaky, page_size=300, progress=progress.append)
    assert not report.ok and report.pulled == 900
    assert "cannot reach the server" in report.summary()
    cursor = int(get_meta(phone.conn, "sync_cursor"))
    assert cursor > 0 and [(e.phase, e.done) for e in progress] == [
        ("pull", 300),
        ("pull", 600),
        ("pull", 900),
    ]
    assert sync_status(phone.conn, NOW).text == "offline — 0 changes pending"
    again = Hooked(phone.client)
    report = _sync(phone, again, page_size=300)
    assert report.ok and again.pages == 2 and report.pulled < 310  # no page twice
    assert len(phone.rows("activities")) == p.PUSH_MAX_MUTATIONS + 200
    assert phone.snapshot() == laptop.snapshot()


def test_prep_notes_edited_on_two_devices_keep_both_texts_in_the_note(devices, world):
    """Both revisions were kept on the server, but every device showed the later text
    only: the other was hidden from everyone. Now the note holds both, on both devices,
    and converges without merging again."""
    laptop, phone = devices("laptop"), devices("phone")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    laptop.write_prep_note(account_id, "v1")
    laptop.write_prep_note(account_id, "v1, then more")  # two saves before a sync: no fork
    laptop.sync()
    phone.sync()
    assert phone.rows("prep_notes")[0]["body"] == "v1, then more"
    assert laptop.rows("prep_notes")[0]["body"] == "v1, then more"
    laptop.write_prep_note(account_id, "v2 from the laptop")
    phone.write_prep_note(account_id, "v2 from the phone [bold]!")
    laptop.sync()
    report = phone.sync()
    assert report.forked_notes == 1 and "both texts kept in the note" in report.summary()
    for _ in range(2):
        laptop.sync()
        phone.sync()
    notes = [d.rows("prep_notes")[0]["body"] for d in (laptop, phone)]
    assert notes[0] == notes[1], notes
    assert sections(notes[0]) == ["v2 from the laptop", "v2 from the phone [bold]!"]
    assert "also written on another device at the same time" in notes[0]
    revisions = world.ann.http.get(f"/accounts/{account_id}/prep-note-revisions").json()
    assert "v2 from the laptop" in {r["body"] for r in revisions}
    # the CSM edits the note down to one text: it goes everywhere as it is
    phone.write_prep_note(account_id, "v3: both read, one kept")
    phone.sync()
    report = laptop.sync()
    assert report.forked_notes == 0
    assert laptop.rows("prep_notes")[0]["body"] == "v3: both read, one kept"
    assert laptop.states().get("pending", 0) == 0


def test_a_cursor_from_another_server_starts_over(devices):
    laptop = devices("laptop")
    laptop.sync()
    account_id = laptop.new_account("Acme Ltd")
    laptop.sync()
    with laptop.conn:
        laptop.conn.execute("UPDATE cache_meta SET value = '999999999' WHERE key = 'sync_cursor'")
        laptop.conn.execute("DELETE FROM accounts")
    assert laptop.sync().ok
    assert laptop.row("accounts", account_id) is not None


def test_status_line_and_client_id(devices, tmp_path):
    from csm_tui.store.cache import connect
    from csm_tui.sync.engine import client_id_of

    laptop = devices("laptop")
    assert client_id_of(connect(laptop.path)) == laptop.client_id
    with laptop.conn:
        laptop.conn.execute("DELETE FROM cache_meta WHERE key = 'server_url'")
    assert sync_status(laptop.conn, NOW).text == "local only — not signed in to a server"
    with laptop.conn:
        laptop.conn.execute("INSERT INTO cache_meta VALUES ('server_url', 'http://x')")
    assert sync_status(laptop.conn, NOW).text == "not synced yet"
    laptop.sync()
    status = sync_status(laptop.conn, NOW.replace(minute=32))
    assert status.text == "synced 2 min ago" and status.last_sync_at == NOW
    assert status.data_as_of == NOW
