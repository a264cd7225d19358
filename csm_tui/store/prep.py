"""Call prep from the cache: the brief, the CSM's own notes, and the Markdown export.

Prep notes sync as append-only revisions (`protocol.PrepNoteRevisionRecord`). The
local `prep_notes` row is the account's current note, and its `id` is the id of the
revision it holds: every save that changes the text makes a new revision id, queues a
"prep_note_revision" whose `base_revision_id` is the row's previous id (None for the
first note), and moves the row to the new id. A pulled revision replaces the row the same
way (row id = revision id), so the next save names it as its base.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from csm_tui.domain.cadence import touch_status
from csm_tui.domain.clock import local_day
from csm_tui.domain.errors import Refusal
from csm_tui.domain.health import band_for
from csm_tui.domain.lifecycle import Stage, activation_risk
from csm_tui.domain.prep import (
    RECENT_ACTIVITIES,
    PrepActivity,
    PrepBrief,
    PrepChecklistItem,
    PrepContact,
    PrepTask,
    PrepWeakness,
    check_prep_note,
)
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import N_, Message, os_reason
from csm_tui.protocol import KIND_PREP_NOTE_REVISION, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.accounts import AccountNotFound, health_of, load_account_facts
from csm_tui.store.checklist import load_checklist
from csm_tui.store.contacts import load_contacts
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_from_db, from_db, to_db
from csm_tui.store.transaction import write_transaction

WEAKEST = 3


class PrepExportError(Refusal, OSError):
    """The sheet could not be written; the message says where and why."""


def _open_tasks(conn: sqlite3.Connection, account_id: str) -> tuple[PrepTask, ...]:
    rows = conn.execute(
        """SELECT t.title, t.due_on, t.snoozed_until, u.name
           FROM tasks t LEFT JOIN users u ON u.id = t.owner_id
           WHERE t.account_id = ? AND t.done_at IS NULL AND t.deleted_at IS NULL
           ORDER BY t.due_on IS NULL, t.due_on, t.created_at, t.id""",
        (account_id,),
    ).fetchall()
    return tuple(PrepTask(r[0], date_from_db(r[1]), date_from_db(r[2]), r[3]) for r in rows)


def _recent_activities(conn: sqlite3.Connection, account_id: str) -> tuple[PrepActivity, ...]:
    rows = conn.execute(
        """SELECT a.occurred_at, a.kind, a.minutes, a.summary, a.next_steps, a.sentiment,
                  u.name, a.contact_ids
           FROM activities a LEFT JOIN users u ON u.id = a.author_id
           WHERE a.account_id = ? AND a.deleted_at IS NULL
           ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?""",
        (account_id, RECENT_ACTIVITIES),
    ).fetchall()
    names = {
        cid: name
        for cid, name in conn.execute(
            "SELECT id, name FROM contacts WHERE account_id = ?", (account_id,)
        )
    }
    out = []
    for occurred, kind, minutes, summary, next_steps, sentiment, author, contact_ids in rows:
        try:
            ids = json.loads(contact_ids or "[]")
        except ValueError:
            ids = []
        who = tuple(names[c] for c in ids if isinstance(c, str) and c in names)
        occurred_at = from_db(occurred)
        assert occurred_at is not None  # NOT NULL column
        out.append(
            PrepActivity(occurred_at, kind, minutes, summary, next_steps, sentiment, author, who)
        )
    return tuple(out)


def build_prep_brief(
    conn: sqlite3.Connection,
    account_id: str,
    now: datetime,
    rules: TierRules,
    zone: tzinfo = UTC,
) -> PrepBrief:
    """Everything the call-prep sheet shows, read from the cache as of `now`; days (since
    the last touch, to the renewal) are the user's, in `zone`.

    Raises `store.accounts.AccountNotFound` for an account not (or no longer) cached.
    """
    facts = load_account_facts(conn, account_id, now, rules)
    stage = Stage(facts.stage)
    health = health_of(facts)
    weakest = (
        ()
        if health is None
        else tuple(
            PrepWeakness(c.component.label, c.points, c.weight, c.raw, c.standard, c.words)
            for c in health.weakest(WEAKEST)
        )
    )
    # The stored score is what the portfolio shows; it equals the live one unless the
    # signals changed since it was stored.
    score = (
        facts.health_score
        if facts.health_score is not None
        else (None if health is None else health.score)
    )
    band = None if score is None else band_for(score)
    touch = touch_status(facts.tier, facts.last_touch_at, now, rules, zone=zone)
    today = local_day(now, zone)
    contacts = tuple(
        PrepContact(c.name, c.title, c.role, c.email, c.phone)
        for c in load_contacts(conn, account_id)
    )
    checklist = tuple(
        PrepChecklistItem(e.label, e.required)
        for e in load_checklist(conn, account_id, facts.tier, stage)
        if not e.done and e.in_template
    )
    return PrepBrief(
        account_id=facts.id,
        name=facts.name,
        tier=facts.tier,
        tier_why=facts.tier_assignment.why,
        stage=stage,
        sales_motion=facts.sales_motion.label,  # a msgid: the sheet says it in its language
        segment=facts.segment,
        industry=facts.industry,
        seats=facts.seats,
        arr=facts.arr,
        currency=facts.currency,
        arr_usd=facts.arr_usd,
        owner_name=facts.owner_name,
        go_live_date=facts.go_live_date,
        activated_on=facts.activated_on,
        renewal_date=facts.renewal_date,
        last_touch_at=facts.last_touch_at,
        touch_why=touch.why,
        touch_overdue=touch.overdue,
        activation_why=activation_risk(facts.go_live_date, facts.activated_on, stage, today).why,
        health_score=score,
        health_band=band,
        health_score_30d=facts.health_score_30d,
        weakest=weakest,
        nps=None if facts.signals is None else facts.signals.nps,
        nps_measured_on=None
        if facts.signals is None or facts.signals.nps is None
        else facts.nps_on,
        stakeholders=contacts,
        open_checklist=checklist,
        open_tasks=_open_tasks(conn, account_id),
        recent_activities=_recent_activities(conn, account_id),
        tier_why_words=facts.tier_assignment.words,
        touch_why_words=touch.words,
    )


def load_prep_note(conn: sqlite3.Connection, account_id: str) -> str:
    """The CSM's current prep note for the account ("" when there is none)."""
    row = conn.execute("SELECT body FROM prep_notes WHERE account_id = ?", (account_id,)).fetchone()
    return "" if row is None else row[0]


def save_prep_note(
    conn: sqlite3.Connection, account_id: str, body: str, now: datetime
) -> str | None:
    """Save the note as typed (byte for byte); returns the new revision id.

    Unchanged text writes nothing and returns None. Over `PREP_NOTE_MAX_CHARS` raises
    `domain.prep.PrepNoteTooLong` and writes nothing. One transaction: the `prep_notes`
    row and a "prep_note_revision" outbox entry.
    """
    check_prep_note(body)
    with write_transaction(conn):
        if (
            conn.execute(
                "SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
            ).fetchone()
            is None
        ):
            raise AccountNotFound(account_id)
        row = conn.execute(
            "SELECT id, body FROM prep_notes WHERE account_id = ?", (account_id,)
        ).fetchone()
        if row is not None and row["body"] == body:
            return None
        if row is None and body == "":
            return None
        revision_id = new_id()
        base = None if row is None else row["id"]
        if row is None:
            conn.execute(
                INSERT["prep_notes"],
                (revision_id, account_id, body, to_db(now)),
            )
        else:
            conn.execute(
                "UPDATE prep_notes SET id = ?, body = ?, updated_at = ? WHERE account_id = ?",
                (revision_id, body, to_db(now), account_id),
            )
        outbox.enqueue(
            conn,
            KIND_PREP_NOTE_REVISION,
            OP_UPSERT,
            revision_id,
            {"account_id": account_id, "body": body, "base_revision_id": base, "created_at": now},
            now=now,
        )
    return revision_id


def export_prep(path: Path | str, markdown: str) -> Path:
    """Write the sheet to `path` (``~`` expanded) as UTF-8, atomically; returns the path.

    The text goes to a temporary file beside the target, is flushed to disk, then renamed
    over it: a reader never sees half a sheet, and a failure leaves any old file as it
    was. A folder that does not exist, a target that is a folder, or no permission raise
    `PrepExportError` with a message for the user.
    """
    target = Path(path).expanduser()
    folder = target.parent
    if not folder.is_dir():
        raise PrepExportError(
            Message.of(N_("Cannot export to {target}: the folder {folder} does not exist"),
                       target=str(target), folder=str(folder))
        )  # fmt: skip
    if target.is_dir():
        raise PrepExportError(
            Message.of(N_("Cannot export to {target}: it is a folder; add a file name"),
                       target=str(target))
        )  # fmt: skip
    tmp = folder / f".{target.name}.{os.getpid()}.{new_id()[-12:]}.tmp"
    data = markdown.encode("utf-8")
    try:
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )  # a customer's facts: owner only
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    except OSError as error:
        raise PrepExportError(
            Message.of(
                N_("Cannot export to {target}: {reason}"),
                target=str(target),
                reason=os_reason(error),
            )
        ) from error
    return target
