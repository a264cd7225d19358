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
