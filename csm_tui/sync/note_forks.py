"""Prep notes edited on two devices at once: both texts in the note, never one hidden.

A prep note syncs as append-only revisions, each naming the revision it was written from
(`base_revision_id`). Two devices that edit the same note before either syncs write two
revisions from one base; the server keeps both ("forked"), but a cache holds one note per
account, and a pulled revision used to replace it: every device ended showing the later
text, the other one left on the server only.

Here a pull takes an account's pulled revisions in order against the note in the cache:

- a revision this device wrote (its outbox has it) is not news: the note keeps its text;
- one written from the note's revision, or with the same text, replaces it (fast-forward);
- one written from another base — the other device's edit — is merged: the note becomes
  both texts, each a section under a line that says so, and that text is saved here as a
  new revision (queued for sync) written from the last revision pulled, so every device
  ends with both texts. A text whose sections the note already holds changes nothing, so
  two devices merging the same fork converge rather than merge again.

The user reads both and edits the note down to one; nothing is lost meanwhile.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csm_tui import protocol as p
from csm_tui.i18n import N_, _
from csm_tui.store import outbox
from csm_tui.store.timestamps import from_db, to_db
from csm_tui.sync.replica import instant_to_db

MARKER = "──── {words} ────"
_MARKER_LINE = re.compile(r"^──── .+ ────$", re.MULTILINE)
_WORDS = N_("also written on another device at the same time ({when}); keep what you need")


@dataclass
class _Note:
    id: str
    body: str
    at: datetime | None  # when its revision was written


def sections(body: str) -> list[str]:
    """The texts a merged note holds (a note never merged: itself), stripped."""
    parts = [part.strip() for part in _MARKER_LINE.split(body)]
    return [part for part in parts if part]


def merged(first: _Note, second: _Note) -> str:
    """Both notes' texts in one, the earlier written first: the sections of each, those
    of the later one not already there under a marker line saying when it was written."""
    early, late = sorted((first, second), key=lambda n: (_stamp(n), n.id))
    held = sections(early.body)
    out = early.body.rstrip()
    when = "" if late.at is None else late.at.strftime("%Y-%m-%d %H:%M UTC")
    for part in sections(late.body):
        if part not in held:
            marker = MARKER.format(words=_(_WORDS).format(when=when))
            out = f"{out}\n\n{marker}\n\n{part}" if out else part
            held.append(part)
    return out


def apply_note_revisions(
    conn: sqlite3.Connection, records: Iterable[dict[str, Any]], now: datetime
) -> tuple[int, set[str]]:
    """Apply pulled prep note revisions (in pull order) to the cache's notes, merging a
    fork (see the module doc); returns (notes written, the accounts whose note merged)."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_account.setdefault(record["account_id"], []).append(record)
    written, forks = 0, set()
    for account_id, revisions in by_account.items():
        row = conn.execute(
            "SELECT id, body, updated_at FROM prep_notes WHERE account_id = ?", (account_id,)
        ).fetchone()
        note = None if row is None else _Note(row[0], row[1], from_db(row[2]))
        start = note
        latest: str | None = None  # the last revision pulled: a merge is written from it
        forked = False
        for r in revisions:
            theirs = _Note(r["id"], r.get("body") or "", _instant(r.get("created_at")))
            latest = theirs.id
            if note is None or note.id == theirs.id or r.get("base_revision_id") == note.id:
                note = theirs
            elif _own(conn, theirs.id) or set(sections(theirs.body)) <= set(sections(note.body)):
                continue  # this device's own revision, or a text the note already holds
            elif set(sections(note.body)) <= set(sections(theirs.body)):
                note = theirs  # it holds all of the note (a merge made elsewhere)
            else:
                later = max((note, theirs), key=_stamp)
                note = _Note(note.id, merged(note, theirs), later.at)
                forked = True
        if note is None or (start is not None and note == start and not forked):
            continue
        if forked:
            revision_id = p.new_uuid7()
            _put(conn, account_id, revision_id, note.body, now)
            outbox.enqueue(conn, p.KIND_PREP_NOTE_REVISION, p.OP_UPSERT, revision_id, {
                "account_id": account_id, "body": note.body, "base_revision_id": latest,
                "created_at": now,
            }, now=now)  # fmt: skip
            forks.add(account_id)
        else:
            _put(conn, account_id, note.id, note.body, note.at or now)
        written += 1
    return written, forks


def _put(conn: sqlite3.Connection, account_id: str, note_id: str, body: str, at: datetime) -> None:
    conn.execute("DELETE FROM prep_notes WHERE account_id = ? AND id != ?", (account_id, note_id))
    conn.execute(
        "INSERT OR REPLACE INTO prep_notes (id, account_id, body, updated_at) VALUES (?, ?, ?, ?)",
        (note_id, account_id, body, to_db(at)),
    )


def _own(conn: sqlite3.Connection, revision_id: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM outbox WHERE kind = ? AND record_id = ? LIMIT 1",
            (p.KIND_PREP_NOTE_REVISION, revision_id),
        ).fetchone()
        is not None
    )


def _instant(value: Any) -> datetime | None:
    stored = instant_to_db(value)
    return None if stored is None else from_db(stored)


def _stamp(note: _Note) -> float:
    return 0.0 if note.at is None else note.at.timestamp()
