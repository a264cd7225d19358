"""One sync: push the outbox, then pull what changed since the cursor (spec section 5).

`sync_once(conn, client, ...)` does both on an open cache; `run_sync(db_path)` opens its own
connection and reads the server and token from the cache and the keyring — it is what a
thread worker calls. `sync_status(conn, now)` tells a status line what to say.

Push: the outbox in order, at most `PUSH_MAX_MUTATIONS` per request; each answer marks its
entry sent, conflict (with a row in `sync_conflicts`) or rejected (kept, with the server's
reason). A push the server refuses whole (422) is retried one mutation at a time, so one bad
entry cannot block the others. Answers are written in one local transaction per request; if
the process dies before that, the next sync pushes the same mutation ids again and the server
answers the same.

Pull: pages from the cursor kept in cache_meta ("sync_cursor"); each page is applied in one
transaction together with the new cursor, so a crash between pages resumes where it stopped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csm_tui import protocol as p
from csm_tui.config import Settings, SettingsError, load_settings
from csm_tui.i18n import _, current_language, ngettext
from csm_tui.store import outbox
from csm_tui.store.cache import META_CURSOR, get_meta, set_data_as_of, set_meta
from csm_tui.store.timestamps import from_db, to_db
from csm_tui.sync.conflicts import (
    Conflict,
    HandedOver,
    RejectedChange,
    dismiss_rejected,
    list_conflicts,
    list_handed_over,
    list_rejected,
    open_conflict_count,
    resolve_conflict,
    retry_rejected,
)
from csm_tui.sync.errors import (
    AuthError,
    CursorAheadError,
    RequestRefused,
    ServerUnreachable,
    SyncError,
)
from csm_tui.sync.replica import Protected, Replica, foreign_keys_off

if TYPE_CHECKING:
    from csm_tui.sync.client import SyncClient

__all__ = [
    "Conflict",
    "HandedOver",
    "RejectedChange",
    "SyncProgress",
    "SyncReport",
    "SyncStatus",
    "client_id_of",
    "dismiss_rejected",
    "list_conflicts",
    "list_handed_over",
    "list_rejected",
    "resolve_conflict",
    "retry_rejected",
    "run_sync",
    "sync_once",
    "sync_status",
]

META_CLIENT_ID = "client_id"
META_LAST_SYNC_AT = "last_sync_at"
META_LAST_ATTEMPT_AT = "last_sync_attempt_at"
META_LAST_ERROR = "last_sync_error"
META_LAST_ERROR_KIND = "last_sync_error_kind"

# What kind of failure the last sync met (for the status line).
FAILED_OFFLINE = "offline"
FAILED_AUTH = "auth"
FAILED_REFUSED = "refused"
FAILED_SIGNED_OUT = "signed_out"

DEFAULT_PAGE_SIZE = 5000

MAX_PUSH_ATTEMPTS = 5
"""A change the server could not store this many times (a "storage_error", which says
"retry may succeed") is refused: it leaves the pending queue and shows, with the server's
reason, among the refused changes on the Sync screen, where it can be sent again."""


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "push" | "pull"
    done: int
    total: int | None  # None: not known (a pull does not know how much is left)


@dataclass
class SyncReport:
    to_push: int = 0  # changes waiting when the sync began
    pushed: int = 0  # mutations the server answered
    applied: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0  # changes received and applied locally
    errors: list[str] = field(default_factory=list)
    deferred: int = 0  # mutations the server could not store this time (pushed again later)
    # Accounts whose prep note was edited on two devices at once (both texts kept).
    forked_accounts: set[str] = field(default_factory=set)
    retries: int = 0
    error_kind: str | None = None
    rescored: int = 0  # accounts whose health was re-scored because their signals arrived

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def forked_notes(self) -> int:
        return len(self.forked_accounts)

    def summary(self, *, with_errors: bool = True) -> str:
        """One line for a person: what went, what came, what needs them (and what went
        wrong, unless `with_errors` is false: the caller shows the errors itself).

        In the interface language (csm_tui.i18n), rendered when asked for: the CLI and the
        app call it at the edge."""
        comma = _(", ")
        parts = []
        if self.pushed:
            detail = [_("{n} applied").format(n=self.applied)]
            if self.conflicts:
                n = self.conflicts
                detail.append(ngettext("{n} conflict", "{n} conflicts", n).format(n=n))
            if self.rejected:
                detail.append(_("{n} rejected").format(n=self.rejected))
            parts.append(
                ngettext(
                    "pushed {n} change ({detail})", "pushed {n} changes ({detail})", self.pushed
                ).format(n=self.pushed, detail=comma.join(detail))
            )
        elif not self.to_push:
            parts.append(_("nothing to push"))
        elif not self.deferred:
            parts.append(_("{changes} not pushed").format(changes=_changes(self.to_push)))
        parts.append(
            ngettext("pulled {n} change", "pulled {n} changes", self.pulled).format(n=self.pulled)
        )
        if self.deferred:
            parts.append(_("{n} to push again later").format(n=self.deferred))
        if self.forked_notes:
            parts.append(
                _(
                    "{n} prep note(s) edited on another device too: both texts kept in the note"
                ).format(n=self.forked_notes)
            )
        if self.rescored:
            parts.append(
                ngettext(
                    "health re-scored for {n} account",
                    "health re-scored for {n} accounts",
                    self.rescored,
                ).format(n=self.rescored)
            )
        line = (_("synced: {parts}") if self.ok else _("sync incomplete: {parts}")).format(
            parts=comma.join(parts)
        )
        needs = []
        if self.conflicts:
            needs.append(_("resolve conflicts in the Sync screen (or: csm-tui run conflicts)"))
        if self.rejected:
            needs.append(_("see rejected changes in the Sync screen (or: csm-tui run refused)"))
        if needs:
            line += " — " + _("; ").join(needs)
        if self.errors and with_errors:
            line += " — " + _("; ").join(self.errors)
        return line


def client_id_of(conn: sqlite3.Connection) -> str:
    """This cache's client id (made once, kept in cache_meta)."""
    existing = get_meta(conn, META_CLIENT_ID)
    if existing:
        return existing
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        existing = get_meta(conn, META_CLIENT_ID)
        if existing:
            return existing
        made = p.new_uuid7()
        set_meta(conn, META_CLIENT_ID, made)
    return made


def _failure_kind(error: SyncError) -> str:
    if isinstance(error, AuthError):
        return FAILED_AUTH
    if isinstance(error, ServerUnreachable):
        return FAILED_OFFLINE
    return FAILED_REFUSED


def sync_once(
    conn: sqlite3.Connection,
    client: SyncClient,
    *,
    client_id: str,
    now: datetime,
    progress: Callable[[SyncProgress], None] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    rescore: Rescore | None = None,
) -> SyncReport:
    """Push the outbox, then pull, then re-score the health of the accounts whose signals
    arrived (`rescore`, default: `health_recompute.recompute_accounts` with default
    settings); the report. Network and server failures end up in
    `report.errors` (and cache_meta "last_sync_error"), they are not raised."""
    if conn.in_transaction:
        raise RuntimeError("sync_once() needs a connection with no open transaction")
    report = SyncReport()
    started_retries = len(client.retries)
    try:
        with foreign_keys_off(conn):
            _push(conn, client, client_id, now, report, progress)
            _pull(conn, client, now, report, progress, page_size)
            report.rescored = _rescore(conn, now, rescore or default_rescore)
    except SyncError as error:
        report.errors.append(str(error))
        report.error_kind = _failure_kind(error)
    except BaseException as error:  # a bug or a dying process: say so, then let it go
        report.errors.append(
            _("sync stopped: {kind}: {error}").format(kind=type(error).__name__, error=error)
        )
        report.error_kind = FAILED_REFUSED
        raise
    finally:
        report.retries = len(client.retries) - started_retries
        with conn:
            set_meta(conn, META_LAST_ATTEMPT_AT, to_db(now))
            if report.ok:
                set_meta(conn, META_LAST_SYNC_AT, to_db(now))
                set_meta(conn, META_LAST_ERROR, None)
                set_meta(conn, META_LAST_ERROR_KIND, None)
            else:
                set_meta(conn, META_LAST_ERROR, "; ".join(report.errors))
                set_meta(conn, META_LAST_ERROR_KIND, report.error_kind)
    return report


# -- push ------------------------------------------------------------------------------------
def _push(
    conn: sqlite3.Connection,
    client: SyncClient,
    client_id: str,
    now: datetime,
    report: SyncReport,
    progress: Callable[[SyncProgress], None] | None,
) -> None:
    total = report.to_push = outbox.pending_count(conn)
    last_seq = 0  # entries the server could not store stay pending: do not loop on them
    done = 0
    if progress and total:
        progress(SyncProgress("push", 0, total))
    while True:
        batch = outbox.pending(conn, limit=p.PUSH_MAX_MUTATIONS, after_seq=last_seq)
        if not batch:
            return
        last_seq = batch[-1].seq
        for items, results in _push_batch(client, client_id, batch):
            _record_results(conn, items, results, now, report)
        done += len(batch)
        if progress:
            progress(SyncProgress("push", done, max(total, done)))


def _push_batch(
    client: SyncClient, client_id: str, batch: list[outbox.OutboxItem]
) -> Iterator[tuple[list[outbox.OutboxItem], list[dict[str, Any]]]]:
    """Yield (items, results) pairs; a batch refused whole (invalid, or over the server's
    size limit) is split to find the culprit."""
    try:
        yield batch, client.push(client_id, [item.as_mutation() for item in batch])
        return
    except RequestRefused as refused:
        if refused.status not in (413, 422) or isinstance(refused, CursorAheadError):
            raise
        if len(batch) == 1:
            (item,) = batch
            yield (
                batch,
                [
                    {
                        "mutation_id": item.mutation_id,
                        "status": p.STATUS_REJECTED,
                        "version": None,
                        "record": None,
                        "error": {"code": refused.code, "message": str(refused)},
                    }
                ],
            )
            return
    middle = len(batch) // 2
    yield from _push_batch(client, client_id, batch[:middle])
    yield from _push_batch(client, client_id, batch[middle:])


def _record_results(
    conn: sqlite3.Connection,
    items: list[outbox.OutboxItem],
    results: list[dict[str, Any]],
    now: datetime,
    report: SyncReport,
) -> None:
    refused_with_truth: list[tuple[str, dict[str, Any]]] = []
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        for item, result in zip(items, results, strict=True):
            status = result.get("status")
            error = result.get("error") or {}
            report.pushed += 1
            if status == p.STATUS_APPLIED:
                report.applied += 1
                if result.get("forked"):
                    report.forked_accounts.add(str(item.fields.get("account_id")))
                _mark(conn, item, outbox.SENT, None)
            elif status == p.STATUS_CONFLICT:
                report.conflicts += 1
                _mark(conn, item, outbox.CONFLICT, f"{error.get('code')}: {error.get('message')}")
                _store_conflict(conn, item, result, now)
            elif error.get("code") == p.ERROR_STORAGE and item.attempts + 1 < MAX_PUSH_ATTEMPTS:
                report.pushed -= 1
                report.deferred += 1
                _mark(conn, item, outbox.PENDING, f"{error.get('code')}: {error.get('message')}")
            elif error.get("code") == p.ERROR_STORAGE:
                report.rejected += 1
                _mark(
                    conn,
                    item,
                    outbox.REJECTED,
                    f"{error.get('code')}: {error.get('message')} "
                    f"(refused after {item.attempts + 1} tries)",
                )
            else:
                report.rejected += 1
                _mark(
                    conn,
                    item,
                    outbox.REJECTED,
                    f"{error.get('code', 'rejected')}: {error.get('message', '')}",
                )
                if isinstance(result.get("record"), dict):
                    refused_with_truth.append((item.kind, result["record"]))
        if refused_with_truth:
            # The server refused a change to a record it sent back: the local copy returns to
            # the server's truth (other changes still waiting keep their fields).
            protected = Protected.read(conn)
            replica = Replica(conn)
            for kind, record in refused_with_truth:
                replica.upsert(kind, [record], protected)


def _mark(conn: sqlite3.Connection, item: outbox.OutboxItem, state: str, error: str | None) -> None:
    conn.execute(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE seq = ?",
        (state, error, item.seq),
    )


def _store_conflict(
    conn: sqlite3.Connection, item: outbox.OutboxItem, result: dict[str, Any], now: datetime
) -> None:
    error = result.get("error") or {}
    record = result.get("record")
    conn.execute(
        "INSERT OR IGNORE INTO sync_conflicts (mutation_id, kind, record_id, mutation, "
        "local_fields, server_record, server_version, fields, message, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.mutation_id,
            item.kind,
            item.record_id,
            json.dumps(item.as_mutation(), ensure_ascii=False),
            json.dumps(item.fields, ensure_ascii=False),
            None if record is None else json.dumps(record, ensure_ascii=False),
            result.get("version"),
            json.dumps(error.get("fields") or sorted(item.fields)),
            str(error.get("message", "")),
            to_db(now),
        ),
    )


# -- pull ------------------------------------------------------------------------------------
def _pull(
    conn: sqlite3.Connection,
    client: SyncClient,
    now: datetime,
    report: SyncReport,
    progress: Callable[[SyncProgress], None] | None,
    page_size: int,
) -> None:
    replica = Replica(conn, now)
    cursor = int(get_meta(conn, META_CURSOR) or 0)
    restarted = False
    while True:
        try:
            page = client.pull(cursor, page_size)
        except CursorAheadError:
            if restarted or cursor == 0:
                raise
            cursor, restarted = 0, True  # another server or a rebuilt database: start over
            continue
        changes = page.get("changes") or []
        new_cursor = int(page["cursor"])
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            protected = Protected.read(conn)
            replica.apply(changes, protected)
            _mark_for_rescore(conn, changes)
            set_meta(conn, META_CURSOR, str(new_cursor))
            if not page.get("has_more"):
                set_data_as_of(conn, now)
        report.pulled += len(changes)
        report.forked_accounts |= replica.merged_notes  # both texts now in the note here
        replica.merged_notes = set()
        cursor = new_cursor
        if progress:
            progress(SyncProgress("pull", report.pulled, None))
        if not page.get("has_more"):
            return


# -- health follows pulled signals -----------------------------------------------------------
META_RESCORE = "health_rescore_pending"  # accounts whose signals arrived, not re-scored yet
RESCORE_ALL = "*"
RESCORE_MAX_IDS = 2000  # beyond this many, re-score every account (a first pull)

# (connection, now, account ids or None for all) -> accounts scored; opens its own transaction.
Rescore = Callable[[sqlite3.Connection, datetime, list[str] | None], int]


def default_rescore(conn: sqlite3.Connection, now: datetime, account_ids: list[str] | None) -> int:
    from csm_tui.store.health_recompute import recompute_accounts

    return recompute_accounts(conn, now, account_ids)


def settings_rescore(settings: Settings) -> Rescore:
    """Re-score with the user's tier rules and activity standards."""

    def rescore(conn: sqlite3.Connection, now: datetime, account_ids: list[str] | None) -> int:
        from csm_tui.store.health_recompute import recompute_accounts

        return recompute_accounts(
            conn, now, account_ids, rules=settings.tier_rules, standards=settings.standards
        )

    return rescore


def _mark_for_rescore(conn: sqlite3.Connection, changes: list[dict[str, Any]]) -> None:
    """Note the accounts of the page's signals (in the page's transaction: a sync that dies
    before re-scoring leaves them noted, and the next sync re-scores them)."""
    touched = {
        change["record"]["account_id"]
        for change in changes
        if change["kind"] in p.SIGNAL_KINDS and change.get("record")
    }
    if not touched:
        return
    pending = get_meta(conn, META_RESCORE)
    if pending == RESCORE_ALL:
        return
    ids = touched | set(json.loads(pending) if pending else [])
    set_meta(
        conn,
        META_RESCORE,
        RESCORE_ALL if len(ids) > RESCORE_MAX_IDS else json.dumps(sorted(ids)),
    )


def _rescore(conn: sqlite3.Connection, now: datetime, rescore: Rescore) -> int:
    pending = get_meta(conn, META_RESCORE)
    if not pending:
        return 0
    scored = rescore(conn, now, None if pending == RESCORE_ALL else json.loads(pending))
    with conn:
        set_meta(conn, META_RESCORE, None)
    return scored


# -- status ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncStatus:
    server_url: str | None
    me: str | None
    last_sync_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    last_error_kind: str | None
    pending: int
    conflicts: int
    rejected: int
    data_as_of: datetime | None
    text: str  # for a status line: "synced 2 min ago", "offline — 3 changes pending", ...


def _changes(n: int) -> str:
    return ngettext("{n} change", "{n} changes", n).format(n=n)


def sync_status(conn: sqlite3.Connection, now: datetime) -> SyncStatus:
    """Where sync stands for this cache (cheap: a few indexed counts)."""
    from csm_tui.domain.humanize import relative_time

    meta = dict(
        conn.execute(
            'SELECT "key", value FROM cache_meta WHERE "key" IN (?, ?, ?, ?, ?, ?, ?, ?)',
            (
                "server_url",
                "me",
                META_LAST_SYNC_AT,
                META_LAST_ATTEMPT_AT,
                META_LAST_ERROR,
                META_LAST_ERROR_KIND,
                "data_as_of",
                "signed_out",
            ),
        ).fetchall()
    )
    pending = outbox.pending_count(conn)
    rejected = conn.execute(
        "SELECT count(*) FROM outbox WHERE state = ?", (outbox.REJECTED,)
    ).fetchone()[0]
    conflicts = open_conflict_count(conn)
    last_sync_at = from_db(meta.get(META_LAST_SYNC_AT))
    error, kind = meta.get(META_LAST_ERROR), meta.get(META_LAST_ERROR_KIND)
    # In the interface language (csm_tui.i18n) at the time of the call: the status bar asks
    # again when the language changes.
    waiting = _changes(pending)
    if not meta.get("server_url"):
        text = _("local only — not signed in to a server")
        if pending:
            text += _(" ({changes} pending)").format(changes=waiting)
    elif meta.get("signed_out"):
        text = _("signed out — run csm-tui login")
        if pending:
            text += _(" ({changes} pending)").format(changes=waiting)
    elif error and kind == FAILED_OFFLINE:
        text = _("offline — {changes} pending").format(changes=waiting)
    elif error and kind in (FAILED_AUTH, FAILED_SIGNED_OUT):
        text = _("sync: sign in again (csm-tui login)")
    elif error:
        text = _("sync failed: {error}").format(error=error)
    elif last_sync_at is None:
        text = _("not synced yet")
        if pending:
            text += _(" — {changes} pending").format(changes=waiting)
    else:
        text = _("synced {ago}").format(ago=relative_time(last_sync_at, now, current_language()))
        if pending:
            text += _(" — {changes} pending").format(changes=waiting)
    if conflicts:
        text += " · " + ngettext("{n} conflict", "{n} conflicts", conflicts).format(n=conflicts)
    if rejected:
        text += " · " + _("{n} rejected").format(n=rejected)
    return SyncStatus(
        server_url=meta.get("server_url"),
        me=meta.get("me"),
        last_sync_at=last_sync_at,
        last_attempt_at=from_db(meta.get(META_LAST_ATTEMPT_AT)),
        last_error=error,
        last_error_kind=kind,
        pending=pending,
        conflicts=conflicts,
        rejected=rejected,
        data_as_of=from_db(meta.get("data_as_of")),
        text=text,
    )


# -- for a thread worker ---------------------------------------------------------------------
def run_sync(
    db_path: Path | str,
    now: datetime | None = None,
    *,
    progress: Callable[[SyncProgress], None] | None = None,
    client_factory: Callable[[str, str], SyncClient] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    settings: Settings | None = None,
) -> SyncReport:
    """Sync the cache at `db_path` with the server it is signed in to (health of accounts
    whose signals arrive is re-scored with `settings`, default: the settings file).

    Opens (and closes) its own sqlite connection, so it can run in a thread worker while the
    UI keeps its own. Never raises for a network, server or sign-in problem: the report says
    what went wrong (and `sync_status` will too).
    """
    from csm_tui.store.cache import connect
    from csm_tui.sync import credentials
    from csm_tui.sync.client import SyncClient

    now = now or datetime.now(UTC)
    conn = connect(db_path)
    try:
        try:
            server_url, token = credentials.signed_in(conn)
        except credentials.CredentialsError as missing:
            report = SyncReport(
                to_push=outbox.pending_count(conn),
                errors=[str(missing)],
                error_kind=FAILED_SIGNED_OUT,
            )
            with conn:
                set_meta(conn, META_LAST_ATTEMPT_AT, to_db(now))
                set_meta(conn, META_LAST_ERROR, str(missing))
                set_meta(conn, META_LAST_ERROR_KIND, FAILED_SIGNED_OUT)
            return report
        make = client_factory or (lambda url, tok: SyncClient(url, tok))
        if settings is None:
            try:
                settings = load_settings()
            except SettingsError:  # the app says what is wrong with it; sync scores by default
                settings = Settings()
        with make(server_url, token) as client:
            return sync_once(
                conn,
                client,
                client_id=client_id_of(conn),
                now=now,
                progress=progress,
                page_size=page_size,
                rescore=settings_rescore(settings),
            )
    finally:
        conn.close()
