"""Import accounts or contacts from a CRM's CSV export into the cache, all or nothing.

`import_csv` reads the file, checks every row, and only when no row has a problem writes
them all in one transaction, each change with its outbox entry (so it syncs like a change
made in the app). Any problem — a quote never closed, a row of the wrong width, a byte
that is not UTF-8, a date that could be two days, an unknown owner — and nothing is
written; the report lists every problem with its line (the header is line 1) and field.
`dry_run=True` says what would be created and updated without writing.

Matching (upsert, never a twin):

* An account row matches the live account with the same `external_id` (the CRM's id);
  a row without one, or whose id is not in the cache yet, matches the account with
  exactly the same name — among accounts that have no external id when the row has one
  (two CRM records with one name stay two accounts). More than one account of that
  name: the row is refused (add an external id column).
* A contact row finds its account by external id, then by exact name; within the
  account it matches the contact with the same email (ignoring case), else the one with
  exactly the same name and no other email. Contacts are never matched across accounts.
* Two rows of one file that land on the same record are refused (both lines named).

On a match only what differs is written: cells left empty keep the stored value (an
import never blanks a field), fields in the mapping's `create_only` (e.g. HubSpot's
coarse lifecycle stage) are set on new records only, and a row with nothing new writes
nothing — importing the same file twice changes nothing the second time.

New accounts get the mapping's `[defaults]`, a tier from their ARR (`TierRules`), and
the owner from the row, else `owner_default`, else the cache's user (`me`). The server
makes whoever pushes a new account its owner, so an account for someone else is queued
as a create and then a reassignment (which a lead or admin may make). A stage that
changes on an existing account is recorded in its stage history.

ARR history (`arr_events`, for the retention metrics): a new account with ARR gets a
"new" event, an account whose USD ARR changes an "expansion" or "contraction", effective
today. Each event starts from the ARR the history has in force today (the after of the
last event effective by today), so ARR at a day stays the sum of the changes; an account
with ARR but no history yet first gets a "new" event of that ARR, dated the day it
entered the cache.

Contract (store.renewals): a churned account (ARR 0) whose row has an ARR again (and does
not say it is lost) records a win-back decision: that ARR, the row's renewal date as the
term end, stage Adoption. A row whose `status` says the account is lost ("closed lost",
"churned" …, domain.renewals.is_churn_status) or whose stage maps to churned records a
churn decision today — ARR to 0, with the last ARR kept in the decision — even when the
CRM keeps the last ARR on the row (that ARR is then not taken as the ARR in force); an
account already churned with ARR 0 gets nothing new. A `tier_override` cell sets a tier
override (with `tier_override_reason`, required) or clears it ("auto"), kept in the tier
history.

The parts: the mapping files (`store.mapping_files`), the rows read (`store.import_rows`),
the cache looked up (`store.import_matching`), account rows planned
(`store.account_import`) and written (`store.account_import_writes`), contact rows
(`store.contact_import`) and the report (`store.import_report`). This module runs them and
is the entry point: `import_csv`, `load_mapping`, `shipped_mappings`, `ImportReport`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from csm_tui.domain.csv_mapping import ColumnMapping, ImportKind
from csm_tui.domain.tiers import TierRules
from csm_tui.i18n import N_, Message, os_reason
from csm_tui.store.account_import import plan_accounts
from csm_tui.store.account_import_writes import write_accounts, write_contract
from csm_tui.store.contact_import import plan_contacts, write_contacts
from csm_tui.store.import_report import CREATE, ImportReport, ReportBase, RowOutcome
from csm_tui.store.import_rows import ImportRun, read_rows
from csm_tui.store.mapping_files import load_mapping, shipped_mappings
from csm_tui.store.transaction import write_transaction

__all__ = ["ImportReport", "import_csv", "load_mapping", "shipped_mappings"]


class _Refused(Exception):
    """Problems found under the write lock: roll back (nothing was written yet)."""


def import_csv(
    conn: sqlite3.Connection,
    path: Path | str,
    mapping: ColumnMapping,
    kind: str = "accounts",
    *,
    now: datetime,
    rules: TierRules,
    owner_default: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import the CSV at `path` with `mapping`; see the module doc. Never raises for a
    problem in the file or the mapping: the report's `errors` say what and where, and
    then nothing was written."""
    path = Path(path)
    # CNY is converted at the rate in force on the day of the import (the ARR events it
    # writes are effective that day): a dated rate set later revalues none of them.
    from csm_tui.store.rates import rules_on

    rules = rules_on(conn, rules, now.date())
    base = ReportBase(kind=str(kind), path=str(path), mapping=mapping.label, dry_run=dry_run)
    run = ImportRun(mapping)
    if kind not in (ImportKind.ACCOUNTS.value, ImportKind.CONTACTS.value):
        run.issue(0, Message.of(N_("cannot import {kind}; accounts or contacts"), kind=repr(kind)))
        return ImportReport(**base, errors=run.errors())
    if mapping.kind.value != kind:
        run.issue(
            0,
            Message.of(
                N_("the mapping {mapping} is for {kind}, not {wanted}"),
                mapping=repr(mapping.label),
                kind=mapping.kind.value,
                wanted=kind,
            ),
        )
        return ImportReport(**base, errors=run.errors())
    try:
        data = path.expanduser().read_bytes()
    except OSError as exc:
        run.issue(
            0,
            Message.of(N_("cannot read {path}: {reason}"), path=path, reason=os_reason(exc)),
        )
        return ImportReport(**base, errors=run.errors())
    rows = read_rows(data, mapping, run)
    if rows is None:
        return ImportReport(**base, errors=run.errors())

    def plan() -> tuple[list[Any], list[RowOutcome]]:
        if kind == ImportKind.ACCOUNTS.value:
            return plan_accounts(conn, rows, run, rules, owner_default)
        return plan_contacts(conn, rows, run)

    if dry_run or run.issues:
        if conn.in_transaction:  # a caller's batch (a script): read inside it, leave it be
            _plans, outcomes = plan()
        else:
            conn.execute("BEGIN")  # one snapshot for every read
            try:
                _plans, outcomes = plan()
            finally:
                conn.rollback()
        return ImportReport(**base, rows=len(rows), outcomes=tuple(outcomes), errors=run.errors(),
                            ignored_columns=tuple(run.ignored))  # fmt: skip
    try:
        with write_transaction(conn):
            plans, outcomes = plan()
            if run.issues:
                raise _Refused
            if kind == ImportKind.ACCOUNTS.value:
                created, entries = write_accounts(conn, plans, now)
                entries += write_contract(conn, plans, rules, now)
            else:
                created, entries = write_contacts(conn, plans, now)
    except _Refused:
        return ImportReport(**base, rows=len(rows), outcomes=tuple(outcomes), errors=run.errors(),
                            ignored_columns=tuple(run.ignored))  # fmt: skip
    ids = iter(created)
    final = tuple(replace(o, record_id=next(ids)) if o.action == CREATE else o for o in outcomes)
    return ImportReport(
        **base, rows=len(rows), outcomes=final, committed=True, outbox_entries=entries,
        ignored_columns=tuple(run.ignored),
    )  # fmt: skip
