"""Database reads off the UI thread: a screen asks, a worker reads, the screen shows.

A read that can take longer than a frame (the portfolio's window over 100k accounts,
Today's agenda, an account's workspace) runs in a thread worker on a read-only
connection of its own, so typing and painting never wait on SQL. Reads come in groups
("rows", "agenda", ...): a newer read of a group cancels the older one — its worker is
cancelled, so its result is never shown, and its SQL is interrupted on the connection, so
it stops using the CPU. The result comes back to the UI thread through the worker's
state message and is handed to the `done` callback given with the read.

A read that fails is reported in one place, the same way for every screen (`failed`): a
short message that names what could not be loaded and why, never a traceback.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.worker import Worker, WorkerState

from csm_tui.i18n import _
from csm_tui.workspace import Workspace

T = TypeVar("T")


class ThreadReads:
    """A Screen mixin: `read_in_thread(group, read, done, what=...)`.

    The screen has a `workspace`. `read(conn)` runs in a worker thread on a read-only
    connection (closed afterwards); `done(result)` runs on the UI thread, only for the
    newest read of its group and only while the screen is mounted.
    """

    workspace: Workspace

    def read_in_thread(
        self,
        group: str,
        read: Callable[[sqlite3.Connection], T],
        done: Callable[[T], None],
        *,
        what: str,
    ) -> Worker[T]:
        self._interrupt(group)
        ws = self.workspace
        ws.conn  # noqa: B018 — opens (and migrates) the cache here first: readers need head
        path = ws.db_path
        lock = self._reads_lock
        open_reads = self._open_reads

        def work() -> T:
            from csm_tui.store.cache import connect

            conn = connect(path, readonly=True)
            with lock:
                open_reads[group] = conn
            try:
                return read(conn)
            finally:
                with lock:
                    if open_reads.get(group) is conn:
                        del open_reads[group]
                    conn.close()

        worker: Worker[T] = self.run_worker(  # type: ignore[attr-defined]
            work,
            thread=True,
            exclusive=True,
            group=f"read:{group}",
            exit_on_error=False,
            description=what,
        )
        self._pending_reads[worker] = (done, what)
        return worker

    def reads_in_flight(self, group: str = "") -> bool:
        """Reads not shown yet (of groups named `group` or `group:…`; "": any)."""
        if not group:
            return bool(self._pending_reads)
        return any(
            w.group == f"read:{group}" or w.group.startswith(f"read:{group}:")
            for w in self._pending_reads
        )

    def cancel_reads(self, group: str) -> None:
        """Forget the group's read in flight: its result will not be shown."""
        self._interrupt(group)
        for worker in list(self._pending_reads):
            if worker.group == f"read:{group}":
                worker.cancel()
                del self._pending_reads[worker]

    def _interrupt(self, group: str) -> None:
        with self._reads_lock:
            conn = self._open_reads.get(group)
            if conn is not None:
                conn.interrupt()  # sqlite3: safe from another thread

    @property
    def _reads_lock(self) -> threading.Lock:
        lock = self.__dict__.get("_thread_reads_lock")
        if lock is None:
            lock = self.__dict__["_thread_reads_lock"] = threading.Lock()
        return lock

    @property
    def _open_reads(self) -> dict[str, sqlite3.Connection]:
        reads: dict[str, sqlite3.Connection] = self.__dict__.setdefault("_thread_reads_open", {})
        return reads

    @property
    def _pending_reads(self) -> dict[Worker[Any], tuple[Callable[[Any], None], str]]:
        pending: dict[Worker[Any], tuple[Callable[[Any], None], str]]
        pending = self.__dict__.setdefault("_thread_reads_pending", {})
        return pending

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        entry = self._pending_reads.get(event.worker)
        if entry is None:
            return  # another kind of worker, or a read a newer one replaced
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        del self._pending_reads[event.worker]
        done, what = entry
        if event.state is WorkerState.SUCCESS and getattr(self, "is_attached", True):
            done(event.worker.result)
        elif event.state is WorkerState.ERROR and not event.worker.is_cancelled:
            failed(self, what, event.worker.error)


def failed(node: Any, what: str, error: BaseException | None) -> None:
    """The one way a read that failed is told: what, and the error's own words."""
    reason = str(error) if error is not None and str(error) else type(error).__name__
    node.notify(
        _("Could not load {what}: {error}").format(what=what, error=reason),
        severity="error",
        timeout=8,
    )
