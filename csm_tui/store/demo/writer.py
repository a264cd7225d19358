"""Writes a demo book: a side file, one transaction, bulk inserts, indexes built last.

The rows come in batches (table → rows, in the column order of `store.inserts`); they are
written with the store's own INSERT statements. Books of `PROCESS_WRITER_FROM` accounts or
more are written by a helper process (`python -c ...`, fed pickled batches on stdin) while
the builder makes the next batch.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import IO, Any, Protocol

from csm_tui.store.demo_signals import INSERTS as SIGNAL_INSERTS
from csm_tui.store.inserts import INSERT
from csm_tui.store.migrations import migrate

Row = tuple[Any, ...]
Batch = dict[str, list[Row]]
Meta = list[tuple[str, str]]

PROCESS_WRITER_FROM = 5_000  # books this big are written by a helper process

# Parents before children (foreign keys). People and teams are written once, first.
INSERTS: dict[str, str] = {
    table: INSERT[table]
    for table in (
        "teams",
        "users",
        "accounts",
        "account_signals",
        "contacts",
        "activities",
        "health_snapshots",
        "stage_changes",
        "checklist_items",
        "tasks",
        "prep_notes",
        "arr_events",
    )
}
INSERTS.update(SIGNAL_INSERTS)
TABLE_ORDER = tuple(t for t in INSERTS if t not in ("teams", "users"))
WRITE_ORDER = tuple(INSERTS)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class BookFile:
    """The side file a book is written to: one transaction, bulk inserts, indexes last."""

    def __init__(self, side: Path) -> None:
        self.conn = sqlite3.connect(side, isolation_level=None)
        try:
            conn = self.conn
            conn.execute("PRAGMA journal_mode = OFF")  # a side file: all or nothing anyway
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -262144")  # 256 MiB, released on close
            conn.execute("PRAGMA temp_store = MEMORY")
            migrate(conn)
            # Bulk load without secondary indexes, then build each once.
            self.indexes: list[tuple[str, str]] = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "ORDER BY name"
            ).fetchall()
            conn.execute("BEGIN")
            for name, _sql in self.indexes:
                conn.execute(f"DROP INDEX {name}")
        except BaseException:
            self.conn.close()
            raise

    def write(self, batch: Batch) -> None:
        for table in WRITE_ORDER:
            rows = batch.get(table)
            if rows:
                rows.sort()  # by id: the primary-key index fills with far fewer page hops
                self.conn.executemany(INSERTS[table], rows)

    def finish(self, meta: Meta) -> None:
        conn = self.conn
        for _name, sql in self.indexes:
            conn.execute(sql)
        conn.executemany('INSERT INTO cache_meta ("key", value) VALUES (?, ?)', meta)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA optimize")
        conn.close()

    def close(self) -> None:
        self.conn.close()


class Writer(Protocol):
    def put(self, batch: Batch) -> None: ...

    def finish(self, meta: Meta) -> None: ...

    def abort(self) -> None: ...


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("the demo book builder went away")
    return data


def write_from_stdin(side: str) -> None:
    """The writer process: length-prefixed pickled batches on stdin, written in order."""
    gc.disable()
    stdin = sys.stdin.buffer
    book = BookFile(Path(side))
    try:
        while True:
            size = int.from_bytes(_read_exactly(stdin, 8), "big")
            kind, payload = pickle.loads(_read_exactly(stdin, size))
            if kind == "rows":
                book.write(payload)
            else:
                book.finish(payload)
                return
    except BaseException:
        book.close()
        raise


class InlineWriter:
    """Writes in this process (small books: no process start-up to pay for)."""

    def __init__(self, side: Path) -> None:
        self.book = BookFile(side)

    def put(self, batch: Batch) -> None:
        self.book.write(batch)

    def finish(self, meta: Meta) -> None:
        self.book.finish(meta)

    def abort(self) -> None:
        self.book.close()


_CHILD_CODE = (
    "import sys\nfrom csm_tui.store.demo.writer import write_from_stdin\n"
    "write_from_stdin(sys.argv[1])\n"
)


class ProcessWriter:
    """Writes in a child process, so SQLite works on one core while the next batch is
    generated on the other. Batches travel pickled, in order: the file is the same."""

    def __init__(self, side: Path) -> None:
        package_root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(side)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )

    @property
    def _stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None  # opened with stdin=PIPE
        return self.process.stdin

    def _send(self, message: tuple[str, Batch | Meta]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._stdin.write(len(data).to_bytes(8, "big"))
            self._stdin.write(data)
        except (BrokenPipeError, OSError):
            self._raise_child_error()

    def _raise_child_error(self) -> None:
        with contextlib.suppress(OSError):
            self._stdin.close()
        _out, err = self.process.communicate(timeout=60)
        detail = err.decode("utf-8", "replace").strip()
        raise RuntimeError(f"the demo book writer failed (exit {self.process.returncode}):\n"
                           f"{detail}")  # fmt: skip

    def put(self, batch: Batch) -> None:
        self._send(("rows", batch))

    def finish(self, meta: Meta) -> None:
        self._send(("done", meta))
        try:
            self._stdin.close()
        except OSError:
            self._raise_child_error()
        assert self.process.stderr is not None  # opened with stderr=PIPE
        err = self.process.stderr.read()
        if self.process.wait() != 0:
            detail = err.decode("utf-8", "replace").strip()
            raise RuntimeError(
                f"the demo book writer failed (exit {self.process.returncode}):\n{detail}"
            )
        self.process.stderr.close()

    def abort(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
