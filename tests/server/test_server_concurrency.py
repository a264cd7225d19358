"""Concurrent writers and a reader following cursors: no committed change is ever skipped.

The point of the test is PostgreSQL, where transactions really overlap: a version taken by a
transaction that commits after a later-numbered one would be skipped by a reader whose cursor
already moved past it. The same test runs on SQLite, where writers are serialised anyway.
"""

from __future__ import annotations

import threading

from csm_tui import protocol as p
from tests.server.world import World, follow_cursors, notes_and_an_edit, one_account_each

WRITERS = 4
PUSHES_PER_WRITER = 15
ACTIVITIES_PER_PUSH = 4


def test_a_reader_following_cursors_misses_no_concurrent_commit(world: World):
    writers = [world.person("csm", "north", f"writer{i}") for i in range(WRITERS)]
    accounts = one_account_each(writers)
    reader = world.lead
    _, cursor = reader.pull_all()

    applied: set[str] = set()
    applied_lock = threading.Lock()
    failures: list[BaseException] = []
    done = threading.Event()

    def write(writer) -> None:
        try:
            account_id = accounts[writer.id]
            for push in range(PUSHES_PER_WRITER):
                # Each push also edits the account: longer transactions, more overlap.
                batch = notes_and_an_edit(account_id, ACTIVITIES_PER_PUSH, f"{push}", f"v{push}")
                results = writer.push(*batch)
                assert all(r["status"] == p.STATUS_APPLIED for r in results), results
                with applied_lock:
                    applied.update(m["id"] for m in batch[:-1])
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=lambda: ([t.join() for t in threads], done.set()))
    watcher.start()
    changes, cursor, pulls = follow_cursors(
        lambda since, _pulls: reader.pull(since, limit=7), cursor, done.is_set
    )
    watcher.join()
    versions = [change["version"] for change in changes]
    seen = {change["id"] for change in changes if change["kind"] == p.KIND_ACTIVITY}

    assert not failures, failures
    assert len(applied) == WRITERS * PUSHES_PER_WRITER * ACTIVITIES_PER_PUSH
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert pulls > 1
    missing = applied - seen
    assert not missing, f"{len(missing)} committed activities never reached the reader"
