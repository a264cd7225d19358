"""The full garbage collection waits for an idle moment: typing is never stopped by it
(issue 12: it made the p95 of the filter's echo on a 100k book)."""

from __future__ import annotations

import gc

from csm_tui.ui import heap
from csm_tui.ui.heap import IdleCollector


def test_the_full_collection_waits_until_the_user_is_idle(monkeypatch):
    before = gc.get_threshold()
    clock = [100.0]
    monkeypatch.setattr(heap.time, "monotonic", lambda: clock[0])
    collector = IdleCollector()
    collector.start()
    try:
        assert gc.get_threshold()[2] == heap.HELD  # never by itself
        assert gc.get_freeze_count() > 0  # start-up's objects are out of its sight
        for _ in range(before[2] + 1):  # as many middle collections as would start one
            gc.collect(1)
        collector.touched()
        clock[0] += heap.IDLE_SECONDS / 2
        assert not collector.collect_if_idle()  # typing: not now
        assert gc.get_count()[2] > before[2]
        clock[0] += heap.IDLE_SECONDS
        assert collector.collect_if_idle()  # idle: now
        assert gc.get_count()[2] == 0
        assert not collector.collect_if_idle()  # not due again yet
    finally:
        collector.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_no_collection_while_the_app_starts_and_again_from_its_first_paint():
    """Start-up's objects are not scanned while they are made (about 20 ms of the first
    frame); the first paint's `start` lets the collector run, and leaving the hold always
    does (an app that never painted)."""
    assert gc.isenabled()
    with heap.held_until_painted():
        assert not gc.isenabled()
        collector = IdleCollector()
        collector.start()
        try:
            assert gc.isenabled()
        finally:
            collector.stop()
        gc.disable()
    assert gc.isenabled()


def test_opening_the_app_holds_the_collector_and_other_commands_do_not(monkeypatch, tmp_path):
    from csm_tui.cli import launch, main, transfer

    seen: dict[str, bool] = {}

    def sees(command):
        def run(args, db):
            seen[command] = gc.isenabled()
            return 0

        return run

    monkeypatch.setattr(launch, "run_open", sees("open"))
    monkeypatch.setattr(transfer, "run_transfer", sees("import"))
    book = str(tmp_path / "book.sqlite3")
    main.main(["--db", book])
    main.main(["--db", book, "import", "accounts", "a.csv"])
    assert seen == {"open": False, "import": True}
    assert gc.isenabled()
