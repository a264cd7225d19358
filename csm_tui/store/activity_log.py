"""The activity log: save, edit and undo a logged activity, and read an account's timeline.

Every write is one SQLite transaction (`store.transaction.write_transaction`) holding the
activity, its effects on the account (last touch, health score), the task its next steps
make, and the outbox entries that will push all of it; when anything fails, none of it stays.

Rules decided here (the spec is silent):

* **Last touch** moves forward only when a touch (any kind but a note) is logged later than
  the current one. When a touch is undone or edited away and it *was* the last touch, the last
  touch becomes the latest remaining live touch of the account (None when there is none).
* **Health**: after every write the account's `health_score` is recomputed from its
  `account_signals` with the new days since touch (`store.health_inputs`);
  `health_score_30d` is left alone. An account without signals keeps its score.
* **Next steps with a due date** ("Send deck by next tue") make one task: owner the author,
  title and date from `domain.dates.split_next_steps`, `source_activity_id` the activity.
* **Which log can be edited or undone**: the logs an author makes in this cache are kept,
  newest last, in a short list (`UNDO_DEPTH`) in `cache_meta`. Only the newest still-live
  one is "the last log": it alone can be edited, and undo removes it; undoing again then
  removes the one before, down the list. Activities pulled from the server or written
  before are never editable here.
* **Editing is replacing**: activities are append-only on the server (the same id with other
  content is a conflict), so an edit tombstones the old activity (outbox "delete") and saves
  the new content under a new id that keeps the old `created_at`; the generated task is
  updated in place (retitled, re-dated, pointed at the new activity), created, or removed to
  match the new next steps. An edit that changes nothing writes nothing.
* **Undo** tombstones the activity and its generated task (outbox "delete" for both) and
  restores the last touch and health.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from csm_tui.domain.activity_form import ActivityDraft, FieldError, due_of, validate_activity
from csm_tui.domain.errors import Refusal
from csm_tui.domain.health import score_health
from csm_tui.domain.motion import SalesMotion, standard_for
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.tiers import Tier, TierRules
from csm_tui.i18n import N_, Message, Nn_
from csm_tui.protocol import KIND_ACCOUNT, KIND_ACTIVITY, KIND_TASK, OP_DELETE, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.cache import get_meta, set_meta
from csm_tui.store.health_inputs import account_health
from csm_tui.store.health_recompute import raw_health_signals
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_from_db, from_db, to_db
from csm_tui.store.transaction import write_transaction

UNDO_DEPTH = 20
"""How many of an author's own logs can be undone one after the other."""

PREVIEW_CHARS = 1000
"""A timeline entry carries this much of the summary and next steps; `load_activity` has all."""

_RECENT_KEY = "activity_log.recent:"
_NOTE = ActivityKind.NOTE.value


class ActivityInvalid(ValueError):
    """The draft cannot be saved; `errors` says why, field by field. Nothing was written.
    (`str(error)` is English, for logs: an edge shows `errors` field by field.)"""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.english}" for e in errors))
        self.errors = errors


class ActivityNotEditable(Refusal, LookupError):
    """The activity is not the author's last log (or no longer exists). Nothing was written."""


@dataclass(frozen=True)
class LoggedActivity:
    """What a log or an edit wrote."""

    activity_id: str
    account_id: str
    task_id: str | None  # the task the next steps made (or updated); None without a due date
    task_title: str | None
    task_due_on: date | None
    last_touch_at: datetime | None  # the account's last touch after the write
    health_score: int | None  # the account's stored health after the write
    replaced_activity_id: str | None = None  # edit: the id the new content replaced


@dataclass(frozen=True)
class UndoResult:
    activity_id: str  # the activity now tombstoned
    account_id: str
    task_id: str | None  # its generated task, tombstoned with it
    last_touch_at: datetime | None
    health_score: int | None


@dataclass(frozen=True)
class ActivityRecord:
    """One activity, whole."""

    id: str
    account_id: str
    account_name: str
    kind: ActivityKind
    occurred_at: datetime
    minutes: int
    summary: str
    next_steps: str
    sentiment: Sentiment
    contact_ids: tuple[str, ...]
    contact_names: tuple[str, ...]  # names of the contacts still known, in contact_ids order
    author_id: str | None
    author_name: str | None
    created_at: datetime
    task_id: str | None  # the live task its next steps made

    def as_draft(self) -> ActivityDraft:
        """The record as a form draft (to edit it)."""
        return ActivityDraft(
            account_id=self.account_id,
            kind=self.kind,
            occurred_at=self.occurred_at,
            minutes=self.minutes,
            contact_ids=self.contact_ids,
            summary=self.summary,
            next_steps=self.next_steps,
            sentiment=self.sentiment,
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One row of an account's timeline; the texts are cut to `PREVIEW_CHARS`."""

    id: str
    kind: ActivityKind
    occurred_at: datetime
    minutes: int
    summary_preview: str
    next_steps_preview: str
    truncated: bool  # summary or next steps is longer than its preview
    sentiment: Sentiment
    contact_ids: tuple[str, ...]
    contact_names: tuple[str, ...]
    author_id: str | None
    author_name: str | None
    created_at: datetime


# -- reads -------------------------------------------------------------------------------------


def _contact_ids(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _contact_names(conn: sqlite3.Connection, account_id: str) -> dict[str, str]:
    rows = conn.execute("SELECT id, name FROM contacts WHERE account_id = ?", (account_id,))
    return {r[0]: r[1] for r in rows}


def _names(ids: tuple[str, ...], names: dict[str, str]) -> tuple[str, ...]:
    return tuple(names[i] for i in ids if i in names)


TIMELINE_ROWS = 200
"""The newest activities an account's timeline tab lists (`csm-tui run timeline` lists
every one)."""


def load_timeline(
    conn: sqlite3.Connection,
    account_id: str,
    kinds: Collection[ActivityKind] | None = None,
    limit: int = TIMELINE_ROWS,
) -> list[TimelineEntry]:
    """The account's live activities, newest first (by when they happened), at most `limit`.

    `kinds`: only these kinds (None: all; an empty set: none).
    """
    if kinds is not None and not kinds:
        return []
    where, args = _timeline_where(account_id, kinds)
    sql = (
        "SELECT a.id, a.kind, a.occurred_at, a.minutes, substr(a.summary, 1, :p), "
        "substr(a.next_steps, 1, :p), length(a.summary) > :p OR length(a.next_steps) > :p, "
        "a.sentiment, a.contact_ids, a.author_id, u.name, a.created_at "
        f"FROM activities a LEFT JOIN users u ON u.id = a.author_id WHERE {where} "
        "ORDER BY a.occurred_at DESC, a.id DESC LIMIT :limit"
    )
    rows = conn.execute(sql, {**args, "p": PREVIEW_CHARS, "limit": limit}).fetchall()
    names = _contact_names(conn, account_id) if rows else {}
    out = []
    for r in rows:
        ids = _contact_ids(r[8])
        out.append(
            TimelineEntry(
                id=r[0],
                kind=ActivityKind(r[1]),
                occurred_at=from_db(r[2]),
                minutes=r[3],
                summary_preview=r[4],
                next_steps_preview=r[5],
                truncated=bool(r[6]),
                sentiment=Sentiment(r[7]),
                contact_ids=ids,
                contact_names=_names(ids, names),
                author_id=r[9],
                author_name=r[10],
                created_at=from_db(r[11]),
            )
        )
    return out


_RECORD_SQL = (
    "SELECT a.id, a.account_id, acc.name, a.kind, a.occurred_at, a.minutes, a.summary, "
    "a.next_steps, a.sentiment, a.contact_ids, a.author_id, u.name, a.created_at, "
    "(SELECT t.id FROM tasks t WHERE t.account_id = a.account_id "
    " AND t.source_activity_id = a.id AND t.deleted_at IS NULL ORDER BY t.id LIMIT 1) "
    "FROM activities a JOIN accounts acc ON acc.id = a.account_id "
    "LEFT JOIN users u ON u.id = a.author_id WHERE a.id = ? AND a.deleted_at IS NULL"
)


def count_timeline(
    conn: sqlite3.Connection, account_id: str, kinds: Collection[ActivityKind] | None = None
) -> int:
    """How many live activities `load_timeline` would list without a limit."""
    if kinds is not None and not kinds:
        return 0
    where, args = _timeline_where(account_id, kinds)
    return int(conn.execute(f"SELECT count(*) FROM activities a WHERE {where}", args).fetchone()[0])


def _timeline_where(
    account_id: str, kinds: Collection[ActivityKind] | None
) -> tuple[str, dict[str, Any]]:
    """The timeline's rows (of `activities a`): the account's live ones, of `kinds`."""
    where = "a.account_id = :account AND a.deleted_at IS NULL"
    args: dict[str, Any] = {"account": account_id}
    if kinds is not None:
        wanted = sorted(ActivityKind(k).value for k in kinds)
        where += " AND a.kind IN (" + ", ".join(f":k{i}" for i in range(len(wanted))) + ")"
        args.update({f"k{i}": k for i, k in enumerate(wanted)})
    return where, args


def timeline_with_total(
    conn: sqlite3.Connection, account_id: str, kinds: Collection[ActivityKind] | None = None
) -> tuple[list[TimelineEntry], int]:
    """The newest activities `load_timeline` lists, and how many there are in all (counted
    only when the list is cut)."""
    entries = load_timeline(conn, account_id, kinds=kinds, limit=TIMELINE_ROWS)
    total = len(entries)
    if total >= TIMELINE_ROWS:
        total = count_timeline(conn, account_id, kinds)
    return entries, total


def load_activity(conn: sqlite3.Connection, activity_id: str) -> ActivityRecord | None:
    """One live activity, whole (None when it does not exist or was deleted)."""
    r = conn.execute(_RECORD_SQL, (activity_id,)).fetchone()
    if r is None:
        return None
    ids = _contact_ids(r[9])
    return ActivityRecord(
        id=r[0],
        account_id=r[1],
        account_name=r[2],
        kind=ActivityKind(r[3]),
        occurred_at=from_db(r[4]),
        minutes=r[5],
        summary=r[6],
        next_steps=r[7],
        sentiment=Sentiment(r[8]),
        contact_ids=ids,
        contact_names=_names(ids, _contact_names(conn, r[1])),
        author_id=r[10],
        author_name=r[11],
        created_at=from_db(r[12]),
        task_id=r[13],
    )


def last_contacts(conn: sqlite3.Connection, account_id: str) -> tuple[str, ...]:
    """The contacts of the account's latest activity that names any, still live (pre-fill)."""
    rows = conn.execute(
        "SELECT contact_ids FROM activities WHERE account_id = ? AND deleted_at IS NULL "
        "AND contact_ids != '[]' ORDER BY occurred_at DESC, id DESC LIMIT 1",
        (account_id,),
    ).fetchall()
    if not rows:
        return ()
    ids = _contact_ids(rows[0][0])
    live = _live_contacts(conn, account_id, ids)
    return tuple(i for i in ids if i in live)


def _live_contacts(conn: sqlite3.Connection, account_id: str, ids: tuple[str, ...]) -> set[str]:
    if not ids:
        return set()
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id FROM contacts WHERE account_id = ? AND deleted_at IS NULL AND id IN ({marks})",
        (account_id, *ids),
    )
    return {r[0] for r in rows}


def _recent(conn: sqlite3.Connection, author_id: str) -> list[str]:
    try:
        value = json.loads(get_meta(conn, _RECENT_KEY + author_id) or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _set_recent(conn: sqlite3.Connection, author_id: str, ids: list[str]) -> None:
    set_meta(conn, _RECENT_KEY + author_id, json.dumps(ids[-UNDO_DEPTH:]) if ids else None)


def _last_live(conn: sqlite3.Connection, author_id: str) -> str | None:
    """The author's newest own log that is still live."""
    for activity_id in reversed(_recent(conn, author_id)):
        live = conn.execute(
            "SELECT 1 FROM activities WHERE id = ? AND author_id = ? AND deleted_at IS NULL",
            (activity_id, author_id),
        ).fetchone()
        if live is not None:
            return activity_id
    return None


def last_log(conn: sqlite3.Connection, author_id: str) -> ActivityRecord | None:
    """The author's last log in this cache: the one edit and undo act on (None: nothing)."""
    activity_id = _last_live(conn, author_id)
    return None if activity_id is None else load_activity(conn, activity_id)


# -- writes ------------------------------------------------------------------------------------


def _book_errors(
    conn: sqlite3.Connection, draft: ActivityDraft, author_id: str
) -> list[FieldError]:
    """What the cache says against the draft: unknown account, contacts or author."""
    errors: list[FieldError] = []
    account = conn.execute(
        "SELECT id FROM accounts WHERE id = ? AND deleted_at IS NULL", (draft.account_id,)
    ).fetchone()
    if account is None:
        errors.append(FieldError("account_id", Message.of(N_("this account is not in your book"))))
    else:
        ids = tuple(dict.fromkeys(draft.contact_ids))
        unknown = len(ids) - len(_live_contacts(conn, draft.account_id, ids))
        if unknown:
            errors.append(
                FieldError(
                    "contact_ids",
                    Message.of(
                        *Nn_(
                            "{n} of the chosen contacts is not a stakeholder of this account",
                            "{n} of the chosen contacts are not stakeholders of this account",
                        ),
                        n=unknown,
                    ),
                )
            )
    if conn.execute("SELECT 1 FROM users WHERE id = ?", (author_id,)).fetchone() is None:
        errors.append(
            FieldError(
                "author_id",
                Message.of(
                    N_("no user {id} in this cache: set who you are first"), id=repr(author_id)
                ),
            )
        )
    return errors


def _activity_fields(draft: ActivityDraft, author_id: str, created_at: datetime) -> dict[str, Any]:
    """The activity's columns (model names), as the outbox carries them."""
    return {
        "account_id": draft.account_id,
        "kind": ActivityKind(draft.kind).value,
        "occurred_at": draft.occurred_at,
        "minutes": draft.minutes or 0,
        "summary": draft.summary,
        "next_steps": draft.next_steps,
        "sentiment": Sentiment(draft.sentiment).value,
        "contact_ids": json.dumps(list(dict.fromkeys(draft.contact_ids)), ensure_ascii=False),
        "author_id": author_id,
        "created_at": created_at,
    }


def _insert_activity(
    conn: sqlite3.Connection, activity_id: str, fields: dict[str, Any], now: datetime
) -> None:
    conn.execute(
        INSERT["activities"],
        (
            activity_id,
            fields["account_id"],
            fields["kind"],
            to_db(fields["occurred_at"]),
            fields["minutes"],
            fields["summary"],
            fields["next_steps"],
            fields["sentiment"],
            fields["contact_ids"],
            fields["author_id"],
            to_db(fields["created_at"]),
            None,
        ),
    )
    outbox.enqueue(conn, KIND_ACTIVITY, OP_UPSERT, activity_id, fields, now=now)


def _tombstone_activity(conn: sqlite3.Connection, activity_id: str, now: datetime) -> None:
    conn.execute("UPDATE activities SET deleted_at = ? WHERE id = ?", (to_db(now), activity_id))
    outbox.enqueue(conn, KIND_ACTIVITY, OP_DELETE, activity_id, now=now)


def _tombstone_task(conn: sqlite3.Connection, task_id: str, now: datetime) -> None:
    stamp = to_db(now)
    conn.execute(
        "UPDATE tasks SET deleted_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, task_id)
    )
    outbox.enqueue(conn, KIND_TASK, OP_DELETE, task_id, now=now)


def _create_task(
    conn: sqlite3.Connection,
    account_id: str,
    title: str,
    due: date,
    owner_id: str,
    activity_id: str,
    now: datetime,
) -> str:
    task_id = new_id()
    stamp = to_db(now)
    conn.execute(
        INSERT["tasks"],
        (
            task_id,
            account_id,
            title,
            due.isoformat(),
            None,
            None,
            owner_id,
            activity_id,
            stamp,
            stamp,
            None,
        ),
    )
    fields = {
        "account_id": account_id,
        "title": title,
        "due_on": due,
        "owner_id": owner_id,
        "source_activity_id": activity_id,
        "created_at": now,
    }
    outbox.enqueue(conn, KIND_TASK, OP_UPSERT, task_id, fields, now=now)
    return task_id


def _generated_task(
    conn: sqlite3.Connection, account_id: str, activity_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, account_id, title, due_on FROM tasks WHERE account_id = ? "
        "AND source_activity_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 1",
        (account_id, activity_id),
    ).fetchone()
    return row


def _latest_touch(conn: sqlite3.Connection, account_id: str) -> datetime | None:
    row = conn.execute(
        "SELECT max(occurred_at) FROM activities WHERE account_id = ? AND deleted_at IS NULL "
        "AND kind != ?",
        (account_id, _NOTE),
    ).fetchone()
    latest: str | None = row[0]
    return from_db(latest)


def _refresh_account(
    conn: sqlite3.Connection,
    account_id: str,
    now: datetime,
    rules: TierRules,
    *,
    added: datetime | None = None,
    removed: datetime | None = None,
) -> tuple[datetime | None, int | None]:
    """Move the last touch (`added`/`removed`: a touch logged / taken away) and re-score
    health; store and enqueue what changed. Returns (last touch, health score)."""
    account = conn.execute(
        "SELECT id, tier, seats, sales_motion, last_touch_at, health_score, version, deleted_at "
        "FROM accounts WHERE id = ?",
        (account_id,),
    ).fetchone()
    last = from_db(account["last_touch_at"])
    if account["deleted_at"] is not None:  # it left the book: nothing to push for it
        return last, account["health_score"]
    touch = last
    if removed is not None and last is not None and removed >= last:
        touch = _latest_touch(conn, account_id)
    if added is not None and (touch is None or added > touch):
        touch = added
    health = account["health_score"]
    signals = conn.execute(
        "SELECT * FROM account_signals WHERE account_id = ?", (account_id,)
    ).fetchone()
    inputs = {**dict(account), "last_touch_at": touch}  # health_inputs takes a mapping
    raw = raw_health_signals(conn, inputs, now, rules, signals["csm_pulse"] if signals else None)
    if raw is not None:  # usage weeks, tickets, surveys, invoices (store.health_recompute)
        health = score_health(raw, Tier(account["tier"]), standard_for(
            SalesMotion(account["sales_motion"]))).score  # fmt: skip
    elif signals is not None:
        health = account_health(inputs, signals, now, rules).score
    changed: dict[str, Any] = {}
    if touch != last:
        changed["last_touch_at"] = touch
    if health != account["health_score"]:
        changed["health_score"] = health
    if changed:
        conn.execute(
            "UPDATE accounts SET last_touch_at = ?, health_score = ?, updated_at = ? WHERE id = ?",
            (None if touch is None else to_db(touch), health, to_db(now), account_id),
        )
        outbox.enqueue(
            conn, KIND_ACCOUNT, OP_UPSERT, account_id, changed, now=now,
            base_version=account["version"],
        )  # fmt: skip
    return touch, health


def _touch(draft_or_kind: ActivityKind | str, occurred_at: datetime) -> datetime | None:
    return occurred_at if ActivityKind(draft_or_kind).is_touch else None


def log_activity(
    conn: sqlite3.Connection,
    draft: ActivityDraft,
    author_id: str,
    now: datetime,
    rules: TierRules,
) -> LoggedActivity:
    """Save a new activity with its effects, in one transaction.

    Raises `ActivityInvalid` (nothing written) when the draft fails `validate_activity` or
    names an account, contact or author the cache does not know. `now` is aware; its date
    is "today" for due dates in the next steps.
    """
    errors = validate_activity(draft, now)
    if errors:
        raise ActivityInvalid(errors)
    with write_transaction(conn):
        errors = _book_errors(conn, draft, author_id)
        if errors:
            raise ActivityInvalid(errors)
        activity_id = new_id()
        _insert_activity(conn, activity_id, _activity_fields(draft, author_id, now), now)
        task = due_of(draft, now.date())
        task_id = None
        if task is not None:
            task_id = _create_task(
                conn, draft.account_id, task[0], task[1], author_id, activity_id, now
            )
        touch, health = _refresh_account(
            conn, draft.account_id, now, rules, added=_touch(draft.kind, draft.occurred_at)
        )
        _set_recent(conn, author_id, [*_recent(conn, author_id), activity_id])
    return LoggedActivity(
        activity_id=activity_id,
        account_id=draft.account_id,
        task_id=task_id,
        task_title=None if task is None else task[0],
        task_due_on=None if task is None else task[1],
        last_touch_at=touch,
        health_score=health,
    )


def _same(record: ActivityRecord, draft: ActivityDraft) -> bool:
    return (
        record.account_id == draft.account_id
        and record.kind == draft.kind
        and record.occurred_at == draft.occurred_at
        and record.minutes == (draft.minutes or 0)
        and record.contact_ids == tuple(dict.fromkeys(draft.contact_ids))
        and record.summary == draft.summary
        and record.next_steps == draft.next_steps
        and record.sentiment == draft.sentiment
    )


def _editable(conn: sqlite3.Connection, author_id: str, activity_id: str) -> ActivityRecord:
    last = _last_live(conn, author_id)
    if last is None or last != activity_id:
        raise ActivityNotEditable(
            Message.of(
                N_("only your last log can be changed") if last else N_("you have no log to change")
            )
        )
    record = load_activity(conn, activity_id)
    if record is None:  # pragma: no cover - _last_live checked it is live
        raise ActivityNotEditable(Message.of(N_("that activity no longer exists")))
    return record


def edit_activity(
    conn: sqlite3.Connection,
    activity_id: str,
    draft: ActivityDraft,
    author_id: str,
    now: datetime,
    rules: TierRules,
) -> LoggedActivity:
    """Change the author's last log to `draft`, in one transaction (see the module rules).

    Raises `ActivityInvalid` as `log_activity` does, `ActivityNotEditable` when
    `activity_id` is not the author's last log; nothing is written then.
    """
    errors = validate_activity(draft, now)
    if errors:
        raise ActivityInvalid(errors)
    today = now.date()
    with write_transaction(conn):
        old = _editable(conn, author_id, activity_id)
        errors = _book_errors(conn, draft, author_id)
        if errors:
            raise ActivityInvalid(errors)
        old_task = _generated_task(conn, old.account_id, old.id)
        if _same(old, draft):
            row = conn.execute(
                "SELECT last_touch_at, health_score FROM accounts WHERE id = ?", (old.account_id,)
            ).fetchone()
            task = None if old_task is None else (old_task["title"], old_task["due_on"])
            return LoggedActivity(
                activity_id=old.id,
                account_id=old.account_id,
                task_id=None if old_task is None else old_task["id"],
                task_title=None if task is None else task[0],
                task_due_on=None if task is None else date_from_db(task[1]),
                last_touch_at=from_db(row["last_touch_at"]),
                health_score=row["health_score"],
            )
        _tombstone_activity(conn, old.id, now)
        new = new_id()
        _insert_activity(conn, new, _activity_fields(draft, author_id, old.created_at), now)

        wanted = due_of(draft, today)
        task_id: str | None = None
        if (
            old_task is not None
            and wanted is not None
            and old_task["account_id"] == draft.account_id
        ):
            task_id = old_task["id"]
            changes: dict[str, Any] = {"source_activity_id": new}
            if old_task["title"] != wanted[0]:
                changes["title"] = wanted[0]
            if old_task["due_on"] != wanted[1].isoformat():
                changes["due_on"] = wanted[1]
            conn.execute(
                "UPDATE tasks SET title = ?, due_on = ?, source_activity_id = ?, updated_at = ? "
                "WHERE id = ?",
                (wanted[0], wanted[1].isoformat(), new, to_db(now), task_id),
            )
            outbox.enqueue(conn, KIND_TASK, OP_UPSERT, task_id, changes, now=now)
        else:
            if old_task is not None:
                _tombstone_task(conn, old_task["id"], now)
            if wanted is not None:
                task_id = _create_task(
                    conn, draft.account_id, wanted[0], wanted[1], author_id, new, now
                )

        removed = _touch(old.kind, old.occurred_at)
        added = _touch(draft.kind, draft.occurred_at)
        if old.account_id == draft.account_id:
            touch, health = _refresh_account(
                conn, draft.account_id, now, rules, added=added, removed=removed
            )
        else:
            _refresh_account(conn, old.account_id, now, rules, removed=removed)
            touch, health = _refresh_account(conn, draft.account_id, now, rules, added=added)
        _set_recent(conn, author_id, [new if i == old.id else i for i in _recent(conn, author_id)])
    return LoggedActivity(
        activity_id=new,
        account_id=draft.account_id,
        task_id=task_id,
        task_title=None if wanted is None else wanted[0],
        task_due_on=None if wanted is None else wanted[1],
        last_touch_at=touch,
        health_score=health,
        replaced_activity_id=old.id,
    )


def undo_last_activity(
    conn: sqlite3.Connection,
    author_id: str,
    now: datetime,
    rules: TierRules,
    *,
    activity_id: str | None = None,
) -> UndoResult | None:
    """Take back the author's last log (see the module rules); None when there is none.

    `activity_id`, when given, must be that last log (the one the user was shown), else
    `ActivityNotEditable` is raised and nothing is written.
    """
    with write_transaction(conn):
        last = _last_live(conn, author_id)
        if last is None:
            if activity_id is not None:
                raise ActivityNotEditable(Message.of(N_("you have no log to undo")))
            return None
        if activity_id is not None and activity_id != last:
            raise ActivityNotEditable(Message.of(N_("only your last log can be undone")))
        record = load_activity(conn, last)
        assert record is not None  # _last_live checked it is live
        _tombstone_activity(conn, record.id, now)
        task = _generated_task(conn, record.account_id, record.id)
        if task is not None:
            _tombstone_task(conn, task["id"], now)
        touch, health = _refresh_account(
            conn, record.account_id, now, rules, removed=_touch(record.kind, record.occurred_at)
        )
        _set_recent(conn, author_id, [i for i in _recent(conn, author_id) if i != record.id])
    return UndoResult(
        activity_id=record.id,
        account_id=record.account_id,
        task_id=None if task is None else task["id"],
        last_touch_at=touch,
        health_score=health,
    )
