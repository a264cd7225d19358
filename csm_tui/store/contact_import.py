"""Contact rows planned and written: each finds its account (external id, else exact name)
and, within it, its contact (email, else exact name); only what differs is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csm_tui.domain.contacts import normalise_contact_fields, validate_contact
from csm_tui.i18n import N_, Message
from csm_tui.protocol import KIND_CONTACT, OP_UPSERT
from csm_tui.store import outbox
from csm_tui.store.ids import new_id
from csm_tui.store.import_matching import CHUNK, AccountBook
from csm_tui.store.import_report import CREATE, SKIP, UNCHANGED, UPDATE, RowOutcome
from csm_tui.store.import_rows import ImportRow, ImportRun
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import to_db

_CONTACT_FIELDS = ("name", "title", "email", "phone", "role")


@dataclass
class _ContactPlan:
    line: int
    account_id: str
    contact_id: str | None  # None: new
    values: dict[str, str]


def _load_contacts(
    conn: sqlite3.Connection, account_ids: Iterable[str]
) -> dict[str, list[sqlite3.Row]]:
    wanted = list(account_ids)
    out: dict[str, list[sqlite3.Row]] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in conn.execute(
            "SELECT id, account_id, name, title, email, phone, role FROM contacts "
            f"WHERE deleted_at IS NULL AND account_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY id",
            chunk,
        ):
            out.setdefault(row["account_id"], []).append(row)
    return out


def _find_contact(
    candidates: Sequence[sqlite3.Row], name: str, email: str
) -> tuple[sqlite3.Row | None, Message | None]:
    if email:
        same = [c for c in candidates if c["email"].strip().casefold() == email.casefold()]
        if len(same) == 1:
            return same[0], None
        if len(same) > 1:
            return None, Message.of(
                N_("{n} contacts of this account have the email {email}"),
                n=len(same),
                email=repr(email),
            )
    named = [c for c in candidates if c["name"] == name and (not email or not c["email"])]
    if len(named) > 1:
        return None, Message.of(
            N_(
                "{n} contacts of this account are named {name}; add their emails to tell them apart"
            ),
            n=len(named),
            name=repr(name),
        )
    return (named[0] if named else None), None


def plan_contacts(
    conn: sqlite3.Connection, rows: Sequence[ImportRow], run: ImportRun
) -> tuple[list[_ContactPlan], list[RowOutcome]]:
    mapping = run.mapping
    book = AccountBook(conn)
    account_of: dict[int, str] = {}
    for row in rows:
        if row.skip is not None or "account" not in row.values:
            continue
        ref = row.values["account"]
        aid, problem = book.find_ref(ref)
        if problem:
            run.issue(row.line, problem, "account")
        elif aid is None:
            run.issue(
                row.line,
                Message.of(
                    N_(
                        "no account {ref} in the cache (by external id or exact name); "
                        "import the accounts first"
                    ),
                    ref=repr(ref),
                ),
                "account",
            )
        else:
            account_of[row.line] = aid
    contacts = _load_contacts(conn, set(account_of.values()))
    plans: list[_ContactPlan] = []
    outcomes: list[RowOutcome] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        values = row.values
        name = values.get("name", "")
        if row.skip is not None:
            outcomes.append(RowOutcome(row.line, SKIP, name, words=row.skip))
            continue
        aid = account_of.get(row.line)
        if aid is None:
            continue
        email = values.get("email", "")
        key = (aid, "@" + email.casefold()) if email else (aid, name)
        if key in seen:
            where = "email" if email else "name"
            run.issue(
                row.line, Message.of(N_("the same contact as line {line}"), line=seen[key]), where
            )
        seen.setdefault(key, row.line)
        if row.bad:
            continue
        current, problem = _find_contact(contacts.get(aid, []), name, email)
        if problem:
            run.issue(row.line, problem, "name")
            continue
        given = {k: values[k] for k in _CONTACT_FIELDS if k in values}
        if current is None:
            merged = {"title": "", "email": "", "phone": "", "role": "user"}
            merged.update({k: v for k, v in mapping.defaults.items() if k in _CONTACT_FIELDS})
            merged.update(given)
        else:
            merged = {k: current[k] for k in _CONTACT_FIELDS}
            merged.update({k: v for k, v in given.items() if k not in mapping.create_only})
        errors = validate_contact(**merged)
        for error in errors:
            run.issue(row.line, error.words, error.field)
        if errors:
            continue
        merged = normalise_contact_fields(merged)
        if current is None:
            plans.append(_ContactPlan(row.line, aid, None, merged))
            outcomes.append(RowOutcome(row.line, CREATE, merged["name"]))
            continue
        changed = {k: v for k, v in merged.items() if not _same_contact_value(k, v, current[k])}
        if changed:
            plans.append(_ContactPlan(row.line, aid, current["id"], changed))
            outcomes.append(RowOutcome(row.line, UPDATE, merged["name"], current["id"],
                                       tuple(changed)))  # fmt: skip
        else:
            outcomes.append(RowOutcome(row.line, UNCHANGED, merged["name"], current["id"]))
    return plans, outcomes


def _same_contact_value(name: str, new: str, old: str) -> bool:
    if name == "email":  # the same address in other letter case is no news
        return new.casefold() == old.strip().casefold()
    return new == old


def write_contacts(
    conn: sqlite3.Connection, plans: Sequence[_ContactPlan], now: datetime
) -> tuple[list[str], int]:
    stamp = to_db(now)
    created: list[str] = []
    for plan in plans:
        if plan.contact_id is None:
            plan.contact_id = new_id()
            created.append(plan.contact_id)
            v = plan.values
            conn.execute(
                INSERT["contacts"],
                (plan.contact_id, plan.account_id, v["name"], v["title"], v["email"],
                 v["phone"], v["role"], stamp, None),
            )  # fmt: skip
            fields: dict[str, Any] = {"account_id": plan.account_id, **v}
        else:
            assignments = ", ".join(f"{k} = ?" for k in plan.values)
            conn.execute(
                f"UPDATE contacts SET {assignments}, updated_at = ? WHERE id = ?",
                (*plan.values.values(), stamp, plan.contact_id),
            )
            fields = dict(plan.values)
        outbox.enqueue(conn, KIND_CONTACT, OP_UPSERT, plan.contact_id, fields, now=now)
    return created, len(plans)
