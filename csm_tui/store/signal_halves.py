"""A big usage export read by two processes: another process reads the second half of its
rows while the importing one reads the first.

Most of importing a year of weekly usage (millions of plain rows, `plain_body`) is
reading rows into records and setting them aside. With two cores, another process — a
new Python running `serve` (nothing of the importer's own program is run again in it,
unlike `multiprocessing`'s spawn) — reads the second half of the lines into
a staging table in a file of its own, while the importer reads the first half into its
temporary one; the import then reads both tables as one (`SecondHalf.joined`). Whatever
goes wrong in the other process — a problem in one of its rows, a record that is also in
the first half, a crash — the importer reads the whole file itself, as it would have
without it: a refused import's problems and their lines are those of one reader.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from csm_tui.domain.signal_mapping import SignalMapping, plain_body, split_blocks
from csm_tui.store.signal_rows import MAX_OUTCOMES_KEPT, ReadPart, RowReader, Run, stage

PARALLEL_MIN_BYTES = 64 << 20  # a file at least this large is read by two processes
SCHEMA = "csm_import_half"  # the other process's file, attached to the importer's cache
_TABLE = "staged"
JOIN_TIMEOUT_S = 10.0  # how long closing waits for the other process to end
# The importer's share of the rows: a little over half, as the other process starts about
# a second later (a new Python, the book read again) — both halves then end together.
OWN_SHARE = 0.52


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cache_file(conn: sqlite3.Connection) -> str:
    """The file of `conn`'s main database ("" in memory)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2] or "")
    return ""


def split_point(
    conn: sqlite3.Connection, data: bytes, delimiter: str, width: int, header_line: int
) -> tuple[int, int, int] | None:
    """(where the rows begin, where the second half begins, its first line) when `data`
    (a CSV whose header is on `header_line`) is worth reading in two processes here,
    else None."""
    if len(data) < PARALLEL_MIN_BYTES or _cores() < 2 or not cache_file(conn):
        return None
    start = plain_body(data, delimiter, width, header_line)
    if start is None:
        return None
    middle = data.find(b"\n", start + int((len(data) - start) * OWN_SHARE)) + 1
    if middle <= start or middle >= len(data):
        return None
    return start, middle, header_line + 1 + data.count(b"\n", start, middle)


@dataclass(frozen=True)
class _Half:
    """What the other process reads: the rows of `csv` from byte `start` to `end`, the
    first on line `line`, into the table `staged`.staged, finding accounts in `cache`."""

    cache: str
    staged: str
    csv: str
    start: int
    end: int
    line: int
    delimiter: str
    width: int
    mapping: SignalMapping
    where: dict[str, int]
    skip_unknown: bool = False


def serve_code() -> str:
    """The program of the other process: `serve`, from this csm_tui (not from one that the
    directory it starts in, or its environment, would find first: it runs isolated)."""
    root = str(Path(__file__).resolve().parents[2])
    return (
        f"import sys; sys.path.insert(0, {root!r}); "
        "from csm_tui.store import signal_halves; signal_halves.serve()"
    )


def serve() -> None:
    """The other process: its `_Half` comes on standard input, pickled; its words go to
    standard output, pickled (anything printed goes to standard error instead)."""
    words = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    heard = sys.stdin.buffer

    def say(what: object) -> None:
        pickle.dump(what, words, protocol=pickle.HIGHEST_PROTOCOL)
        words.flush()

    def hear() -> Any:
        return pickle.load(heard)

    read_half(hear(), say, hear)


def read_half(half: _Half, say: Callable[[object], None], hear: Callable[[], Any]) -> None:
    """Reads `half`, then says ("read", its part or None when a row had a problem, the
    weeks it read) or ("failed", why); then, asked for weeks, the accounts it read in
    each."""
    try:
        with open(half.csv, "rb") as csv_file:
            csv_file.seek(half.start)
            data = csv_file.read(half.end - half.start)
        conn = sqlite3.connect(Path(half.staged).as_uri(), uri=True)
        try:
            conn.execute("PRAGMA journal_mode = OFF")  # a scratch file, thrown away after
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(
                "ATTACH DATABASE ? AS cache", (f"{Path(half.cache).resolve().as_uri()}?mode=ro",)
            )
            run = Run(half.mapping)
            table = f"main.{_TABLE}"
            reader = RowReader(conn, half.mapping, half.where, run, staging=table,
                               skip_unknown=half.skip_unknown)  # fmt: skip
            if not reader.by_week:
                say(("failed", "not a usage export read by weeks"))
                return
            reader.read(split_blocks(data, 0, len(data), half.line, half.delimiter, half.width))
            stage(conn, table, half.mapping.kind, [], reader.compact)  # even for no record
            conn.commit()
        finally:
            conn.close()
    except Exception as exc:  # any failure: the importer reads the whole file itself
        say(("failed", repr(exc)))
        return
    try:
        say(("read", None if run.count else reader.part, list(reader.weeks)))
        if not run.count:
            asked: list[str] = hear()
            say({week: reader.week_accounts(week) for week in asked})
    except (EOFError, OSError):  # the importer reads the whole file itself after all
        return


class SecondHalf:
    """The other process reading the second half of a file (`split`: `split_point`'s)
    into a file of its own, from its start to its end (`close`, once the import's
    transaction has ended)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        csv: Path,
        split: tuple[int, int, int],
        delimiter: str,
        width: int,
        mapping: SignalMapping,
        where: dict[str, int],
        *,
        skip_unknown: bool = False,
    ) -> None:
        self.conn = conn
        self.attached = False
        self.heard = False  # the other process said all it had to
        self.folder = Path(tempfile.mkdtemp(prefix="csm-import-"))
        self.staged = self.folder / "second-half.sqlite3"
        _, middle, line = split
        half = _Half(
            cache_file(conn), str(self.staged), str(csv.expanduser()), middle,
            csv.expanduser().stat().st_size, line, delimiter, width, mapping, dict(where),
            skip_unknown,
        )  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", serve_code()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        with contextlib.suppress(OSError):  # it ended already: `joined` hears nothing
            self._say(half)

    def _say(self, what: object) -> None:
        pickle.dump(what, self._pipe("stdin"), protocol=pickle.HIGHEST_PROTOCOL)
        self._pipe("stdin").flush()

    def _hear(self) -> Any:
        return pickle.load(self._pipe("stdout"))

    def _pipe(self, name: str) -> IO[bytes]:
        pipe: IO[bytes] | None = getattr(self.process, name)
        assert pipe is not None
        return pipe

    def joined(self, reader: RowReader) -> str | None:
        """The records `reader` (of the first half) staged and the other process's, as
        one query, once it has read its half without a problem and none of its records is
        also one of `reader`'s; its part is added to `reader.part`. None: the whole file is
        to be read again by one reader."""
        try:
            said: tuple[Any, ...] = self._hear()
            if said[0] != "read" or said[1] is None:
                return None
            part: ReadPart = said[1]
            self._say([week for week in said[2] if week in reader.weeks])
            theirs: dict[str, set[str]] = self._hear()
        except (EOFError, OSError, pickle.UnpicklingError):  # it ended without a word
            return None
        self.heard = True
        if any(not reader.week_accounts(w).isdisjoint(a) for w, a in theirs.items()):
            return None  # a record in both halves: one reader tells where
        self.conn.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (str(self.staged),))
        self.attached = True
        mine = reader.part
        mine.rows += part.rows
        mine.skipped += part.skipped
        mine.unknown_rows += part.unknown_rows
        mine.unknown_accounts |= part.unknown_accounts
        mine.unnamed_rows += part.unnamed_rows
        mine.first.extend(part.first[: MAX_OUTCOMES_KEPT - len(mine.first)])
        mine.accounts |= part.accounts
        first, second = reader.staged(), reader.staged(f"{SCHEMA}.{_TABLE}")
        return f"(SELECT * FROM {first} UNION ALL SELECT * FROM {second})"

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                # Closing flushes what is left to say: to a process that has ended, that is
                # a broken pipe, and nothing more to do about it.
                with contextlib.suppress(OSError):
                    pipe.close()
        try:
            self.process.wait(JOIN_TIMEOUT_S if self.heard else 0)
        except subprocess.TimeoutExpired:  # not needed any more (or hung)
            self.process.kill()
            self.process.wait()
        if self.attached:
            self.conn.execute(f"DETACH DATABASE {SCHEMA}")
        shutil.rmtree(self.folder, ignore_errors=True)
