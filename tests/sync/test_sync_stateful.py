"""Three devices of one CSM work offline and sync in random order under random faults.

At the end, after a clean sync of everyone and the conflicts resolved (accounts: take theirs,
anything else: keep mine), every device equals the server, no activity was lost or saved twice,
every conflict the server answered was surfaced on the device that pushed it, and every
refusal was kept. Totals over all examples are printed for the record.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from csm_tui import protocol as p
from csm_tui.domain.lifecycle import Stage
from csm_tui.server import admin
from csm_tui.store import outbox
from csm_tui.sync.client import RetryPolicy
from csm_tui.sync.engine import list_conflicts, list_rejected, resolve_conflict
from tests.server.world import NOW, Person, RunningServer
from tests.sync import proxy as faults
from tests.sync.devices import Device
from tests.sync.proxy import FaultProxy

DEVICES = 3
ROUTES = (f"POST {p.PUSH_PATH}", f"GET {p.PULL_PATH}")
FAULTS = (
    None,
    faults.DROP_BEFORE,
    faults.DROP_AFTER_COMMIT,
    faults.ERROR_500,
    faults.BAD_GATEWAY_AFTER_COMMIT,
    faults.TOO_MANY,
    faults.UNAVAILABLE,
    faults.DUPLICATE,
    faults.SLOW,
)

TOTALS: Counter[str] = Counter()


def new_person(server: RunningServer, n: int) -> Person:
    import uuid

    from tests.server.world import AuthorisedHttp

    suffix = uuid.uuid4().hex[:8]
    team = admin.create_team(server.db, f"stateful-{n}-{suffix}")
    user = admin.create_user(server.db, f"csm-{n}-{suffix}", "csm", team.id)
    token = admin.issue_token(server.db, user.id)
    return Person(user.name, user.id, "csm", token, AuthorisedHttp(server.http, token))


def machine_for(server: RunningServer, proxy: FaultProxy, workdir_factory):
    class OfflineDevices(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            TOTALS["examples"] += 1
            self.person = new_person(server, TOTALS["examples"])
            workdir = workdir_factory()
            self.devices = [
                Device(
                    f"d{i}",
                    self.person,
                    workdir / f"d{i}.sqlite3",
                    proxy.url,
                    timeout=0.4,
                    retry=RetryPolicy(max_attempts=3),
                )
                for i in range(DEVICES)
            ]
            self.accounts: list[str] = []
            self.tasks: list[str] = []
            self.logged: list[str] = []  # every activity summary ever logged
            self.outbox_sizes: dict[str, int] = {}

        @initialize()
        def a_shared_book(self) -> None:
            first = self.devices[0]
            assert first.sync().ok
            for name in ("Acme Ltd", "北京云图"):
                account_id = first.new_account(name, arr=10_000.0)
                self.accounts.append(account_id)
                for title in ("kick-off", "QBR deck"):
                    self.tasks.append(first.new_task(account_id, title, date(2026, 3, 9)))
            for device in self.devices:
                assert device.sync().ok

        # -- offline work ---------------------------------------------------------------------
        @rule(d=st.integers(0, DEVICES - 1), a=st.integers(0, 1), minutes=st.integers(1, 90))
        def log_activity(self, d: int, a: int, minutes: int) -> None:
            summary = f"activity {len(self.logged):03d} on d{d}"
            self.devices[d].log_activity(self.accounts[a], summary, minutes=minutes)
            self.logged.append(summary)
            TOTALS["op: log activity"] += 1

        @rule(
            d=st.integers(0, DEVICES - 1),
            t=st.integers(0, 3),
            title=st.sampled_from(["call back", "send deck", "跟进报价", "[b]prep[/b]"]),
            due=st.integers(0, 30),
        )
        def edit_task(self, d: int, t: int, title: str, due: int) -> None:
            device = self.devices[d]
            if device.row("tasks", self.tasks[t]) is None:
                return
            device.edit_task(
                self.tasks[t],
                title=title,
                due_on=(date(2026, 3, 9) + timedelta(days=due)).isoformat(),
            )
            TOTALS["op: edit task"] += 1

        @rule(d=st.integers(0, DEVICES - 1), t=st.integers(0, 3))
        def delete_task(self, d: int, t: int) -> None:
            device = self.devices[d]
            if device.row("tasks", self.tasks[t]) is None:
                return
            device.delete_task(self.tasks[t])
            TOTALS["op: delete task"] += 1

        @rule(
            d=st.integers(0, DEVICES - 1),
            a=st.integers(0, 1),
            field=st.sampled_from(["arr", "stage", "renewal_date", "name"]),
            n=st.integers(1, 9),
        )
        def edit_account(self, d: int, a: int, field: str, n: int) -> None:
            value = {
                "arr": n * 5_000.0,
                "stage": list(Stage)[n % 4].value,
                "renewal_date": f"2027-0{n}-01",
                "name": f"Acme {n}",
            }[field]
            self.devices[d].edit_account(self.accounts[a], **{field: value})
            TOTALS["op: edit account"] += 1

        # -- syncing under faults ---------------------------------------------------------------
        def _sync(self, d: int, fault: str | None, route: str, times: int) -> None:
            if fault is not None:
                proxy.plan(fault, route, times=times, delay=0.6, retry_after="1")
            before = Counter(proxy.injected)
            report = self.devices[d].sync()
            proxy.clear()
            for kind, n in (proxy.injected - before).items():
                TOTALS[f"fault: {kind}"] += n
            TOTALS["op: sync"] += 1
            TOTALS["sync incomplete (then resumed)"] += not report.ok
            if not report.ok:
                assert report.error_kind == "offline", report.errors

        # Three sync rules, so that swarm testing (which switches rules off per example)
        # rarely leaves an example without syncing.
        @rule(d=st.integers(0, DEVICES - 1))
        def sync(self, d: int) -> None:
            self._sync(d, None, "", 0)

        @rule(
            d=st.integers(0, DEVICES - 1),
            fault=st.sampled_from(FAULTS[1:]),
            times=st.integers(1, 4),
        )
        def sync_with_a_push_fault(self, d: int, fault: str, times: int) -> None:
            self._sync(d, fault, ROUTES[0], times)

        @rule(
            d=st.integers(0, DEVICES - 1),
            fault=st.sampled_from(FAULTS[1:]),
            times=st.integers(1, 4),
        )
        def sync_with_a_pull_fault(self, d: int, fault: str, times: int) -> None:
            self._sync(d, fault, ROUTES[1], times)

        @precondition(lambda self: any(list_conflicts(d.conn) for d in self.devices))
        @rule(d=st.integers(0, DEVICES - 1), choice=st.sampled_from(["mine", "theirs"]))
        def resolve_one(self, d: int, choice: str) -> None:
            device = self.devices[d]
            found = list_conflicts(device.conn)
            if found:
                resolve_conflict(device.conn, found[0].id, choice, now=NOW)
                TOTALS[f"op: resolve {choice}"] += 1

        @invariant()
        def the_outbox_never_drops_a_change(self) -> None:
            # Every local change stays queued, answered or kept: the outbox never shrinks.
            for device in self.devices:
                states = device.states()
                assert set(states) <= {"pending", "sent", "conflict", "rejected"}
                total = sum(states.values())
                assert total >= self.outbox_sizes.get(device.label, 0)
                self.outbox_sizes[device.label] = total

        # -- the end ----------------------------------------------------------------------------
        def teardown(self) -> None:
            try:
                if self.accounts:
                    self._converge_and_check()
            finally:
                for device in self.devices:
                    device.close()

        def _converge_and_check(self) -> None:
            proxy.clear()
            for _round in range(8):
                for device in self.devices:
                    assert device.sync().ok
                open_conflicts = [(d, c) for d in self.devices for c in list_conflicts(d.conn)]
                pending = sum(outbox.pending_count(d.conn) for d in self.devices)
                if not open_conflicts and not pending:
                    break
                for device, conflict in open_conflicts:
                    choice = "theirs" if conflict.kind == p.KIND_ACCOUNT else "mine"
                    resolve_conflict(device.conn, conflict.id, choice, now=NOW)
            else:
                raise AssertionError("the devices did not converge in 8 rounds")
            for device in self.devices:
                assert device.sync().ok

            # Every device equals the server (a fresh device pulls the server's whole book).
            witness = Device(
                "witness", self.person, self.devices[0].path.with_name("witness.sqlite3"), proxy.url
            )
            try:
                assert witness.sync().ok
                expected = witness.snapshot()
            finally:
                witness.close()
            for device in self.devices:
                assert device.snapshot() == expected, device.label

            # No activity lost, none saved twice (on the server and on every device).
            with server.db.engine.connect() as conn:
                stored = Counter(
                    conn.execute(
                        sa.text(
                            "SELECT a.summary FROM activities a "
                            "JOIN accounts c ON c.id = a.account_id WHERE c.owner_id = :me"
                        ),
                        {"me": self.person.id},
                    ).scalars()
                )
                answers = conn.execute(
                    sa.text(
                        "SELECT mutation_id, result_json FROM client_mutations WHERE user_id = :me"
                    ),
                    {"me": self.person.id},
                ).all()
            lost = set(self.logged) - set(stored)
            duplicated = {s: n for s, n in stored.items() if n > 1}
            TOTALS["activities logged"] += len(self.logged)
            TOTALS["activities lost"] += len(lost)
            TOTALS["activities duplicated"] += len(duplicated)
            assert not lost and not duplicated
            assert set(stored) == set(self.logged)
            for device in self.devices:
                local = Counter(r["summary"] for r in device.rows("activities"))
                assert local == stored, device.label

            # Every conflict the server answered was surfaced on the device that pushed it,
            # and every refusal was kept there.
            status = {m: json.loads(r)["status"] for m, r in answers}
            conflicts_answered = {m for m, s in status.items() if s == p.STATUS_CONFLICT}
            rejected_answered = {m for m, s in status.items() if s == p.STATUS_REJECTED}
            surfaced = {
                c.mutation_id
                for d in self.devices
                for c in list_conflicts(d.conn, include_resolved=True)
            }
            kept = {r.item.mutation_id for d in self.devices for r in list_rejected(d.conn)}
            assert conflicts_answered == surfaced
            assert rejected_answered == kept
            TOTALS["conflicts answered by the server"] += len(conflicts_answered)
            TOTALS["conflicts surfaced"] += len(surfaced)
            TOTALS["rejected answered by the server"] += len(rejected_answered)
            TOTALS["rejected kept"] += len(kept)

    return OfflineDevices


def test_devices_working_offline_converge_under_faults(sqlite_central, tmp_path_factory, capsys):
    TOTALS.clear()
    with FaultProxy(sqlite_central.base_url) as proxy:
        machine = machine_for(sqlite_central, proxy, lambda: tmp_path_factory.mktemp("devices"))
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=20,
                stateful_step_count=25,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    with capsys.disabled():
        lines = "\n".join(f"    {k}: {v}" for k, v in sorted(TOTALS.items()))
        print(f"\nsync stateful totals:\n{lines}")
    assert TOTALS["activities lost"] == 0 and TOTALS["activities duplicated"] == 0
    assert TOTALS["conflicts surfaced"] == TOTALS["conflicts answered by the server"]
