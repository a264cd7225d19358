"""Faults between the client and the real server, through a proxy on a real socket: whatever
happens on the wire, nothing is lost, nothing is duplicated, and the user hears about what
they must act on."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.server import admin
from csm_tui.store import outbox
from csm_tui.sync.client import RetryPolicy
from csm_tui.sync.engine import sync_status
from tests.server.world import NOW, World
from tests.sync import proxy as faults
from tests.sync.devices import Device
from tests.sync.proxy import FaultProxy

PUSH = f"POST {p.PUSH_PATH}"
PULL = f"GET {p.PULL_PATH}"
ACTIVITIES = 40


def server_activities(world: World, account_id: str) -> list[str]:
    with world.server.db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT summary FROM activities WHERE account_id = :a ORDER BY summary"),
                {"a": account_id},
            ).scalars()
        )


@pytest.fixture
def ann(world: World, proxy: FaultProxy, tmp_path):
    device = Device("ann", world.ann, tmp_path / "ann.sqlite3", proxy.url, timeout=2.0)
    assert device.sync().ok
    yield device
    device.close()


def offline_work(device: Device, n: int = ACTIVITIES) -> tuple[str, list[str]]:
    account_id = device.new_account("Acme Ltd")
    summaries = [f"note {i:03d} 笔记" for i in range(n)]
    for summary in summaries:
        device.log_activity(account_id, summary)
    return account_id, summaries


def assert_exactly_once(world, device, account_id, summaries):
    assert server_activities(world, account_id) == summaries  # none lost, none twice
    local = [r["summary"] for r in device.rows("activities", "account_id = ?", (account_id,))]
    assert sorted(local) == summaries
    assert outbox.pending_count(device.conn) == 0
    assert device.states() == {"sent": len(summaries) + 1}


HTTP_DATE = format_datetime(NOW + timedelta(seconds=4), usegmt=True)

CASES = {
    # name: (fault, route, options, requests the server sees, retries the client makes)
    "push dropped after the server committed": (faults.DROP_AFTER_COMMIT, PUSH, {}, 2, 1),
    "push dropped before the server saw it": (faults.DROP_BEFORE, PUSH, {}, 1, 1),
    "push answered 500": (faults.ERROR_500, PUSH, {"times": 3}, 1, 3),
    "push answered 502 after the server committed": (
        faults.BAD_GATEWAY_AFTER_COMMIT,
        PUSH,
        {},
        2,
        1,
    ),
    "push answered 429 Retry-After seconds": (faults.TOO_MANY, PUSH, {"retry_after": "3"}, 1, 1),
    "push answered 429 Retry-After date": (faults.TOO_MANY, PUSH, {"retry_after": HTTP_DATE}, 1, 1),
    "push answered 503 Retry-After": (faults.UNAVAILABLE, PUSH, {"retry_after": "2"}, 1, 1),
    "push slow, within the timeout": (faults.SLOW, PUSH, {"delay": 0.3}, 1, 0),
    "push slow, beyond the timeout": (faults.SLOW, PUSH, {"delay": 2.5}, 2, 1),
    "push duplicated on the wire": (faults.DUPLICATE, PUSH, {}, 2, 0),
    "pull dropped after the server answered": (faults.DROP_AFTER_COMMIT, PULL, {}, 1, 1),
    "pull answered 500": (faults.ERROR_500, PULL, {"times": 2}, 1, 2),
    "pull slow, beyond the timeout": (faults.SLOW, PULL, {"delay": 2.5}, 1, 1),
    "pull duplicated on the wire": (faults.DUPLICATE, PULL, {}, 1, 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_fault_on_the_wire_loses_and_duplicates_nothing(case, world, proxy, ann):
    fault, route, options, pushes_seen, retries = CASES[case]
    account_id, summaries = offline_work(ann)
    received_before = proxy.received[PUSH]
    proxy.plan(fault, route, **options)
    report = ann.sync()
    assert report.ok, report.errors
    assert proxy.injected[fault] == options.get("times", 1)
    assert report.retries == retries
    assert (report.pushed, report.applied) == (ACTIVITIES + 1, ACTIVITIES + 1)
    assert proxy.received[PUSH] - received_before == pushes_seen
    if fault in (faults.TOO_MANY, faults.UNAVAILABLE):
        wanted = 4 if options["retry_after"] == HTTP_DATE else int(options["retry_after"])
        assert wanted <= ann.sleeps.calls[-1] <= wanted * 1.1
    assert_exactly_once(world, ann, account_id, summaries)


def test_a_server_that_keeps_failing_loses_nothing_and_says_so(world, proxy, ann):
    account_id, summaries = offline_work(ann)
    proxy.plan(faults.ERROR_500, PUSH, times=100)
    report = ann.sync()
    assert not report.ok and report.pushed == 0
    assert "cannot reach the server" in report.summary() and "failed 5 time(s)" in report.summary()
    assert server_activities(world, account_id) == []
    status = sync_status(ann.conn, NOW)
    assert status.text == f"offline — {ACTIVITIES + 1} changes pending"
    proxy.clear()
    assert ann.sync().ok
    assert_exactly_once(world, ann, account_id, summaries)
    assert sync_status(ann.conn, NOW).text == "synced just now"


def test_drops_on_every_try_of_a_committed_push_still_apply_once(world, proxy, ann):
    account_id, summaries = offline_work(ann)
    proxy.plan(faults.DROP_AFTER_COMMIT, PUSH, times=100)
    report = ann.sync()
    assert not report.ok  # the server applied it, but we never heard back
    assert server_activities(world, account_id) == summaries
    assert outbox.pending_count(ann.conn) == ACTIVITIES + 1
    proxy.clear()
    report = ann.sync()  # the same mutation ids again: answered from the stored results
    assert report.ok and report.applied == ACTIVITIES + 1
    assert_exactly_once(world, ann, account_id, summaries)


def test_a_revoked_token_stops_sync_keeps_the_work_and_says_log_in(world, proxy, ann, tmp_path):
    account_id, summaries = offline_work(ann)
    admin.revoke_token(world.server.db, world.ann.token)
    report = ann.sync()
    assert not report.ok and report.error_kind == "auth"
    assert "token revoked/invalid — run csm-tui login" in report.summary()
    assert ann.client.retries == []
    assert outbox.pending_count(ann.conn) == ACTIVITIES + 1
    assert sync_status(ann.conn, NOW).text.startswith("sync: sign in again")

    # Logged in again with a new token: everything goes, once.
    ann.client.close()
    ann.client = ann.make_client(admin.issue_token(world.server.db, world.ann.id))
    assert ann.sync().ok
    assert_exactly_once(world, ann, account_id, summaries)


def test_a_timeout_on_every_try_gives_up_within_the_budget(world, proxy, tmp_path):
    device = Device(
        "impatient",
        world.ann,
        tmp_path / "i.sqlite3",
        proxy.url,
        timeout=0.3,
        retry=RetryPolicy(max_attempts=3),
    )
    try:
        proxy.plan(faults.SLOW, PULL, times=3, delay=0.6)
        report = device.sync()
        assert not report.ok and "timed out" in report.summary()
        assert len(device.sleeps.calls) == 2
        assert device.sync().ok
    finally:
        device.close()
