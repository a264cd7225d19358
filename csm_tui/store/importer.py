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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from csm_tui.assets_path import assets_dir
from csm_tui.domain.contacts import normalise_contact_fields, validate_contact
from csm_tui.domain.csv_file import CsvFormatError, CsvTable, decode_csv, fold, read_csv
from csm_tui.domain.csv_mapping import ColumnMapping, ImportKind, MappingError, locate_columns
from csm_tui.domain.errors import Refusal
from csm_tui.domain.import_summaries import dry_run_summary, no_shipped_mapping, problems_summary
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import CENT, ArrEventKind
from csm_tui.domain.renewals import is_churn_status
from csm_tui.domain.tiers import AccountTraits, OverrideReason, Tier, TierOverride, TierRules
from csm_tui.i18n import N_, Message, locate, os_reason
from csm_tui.protocol import (
    KIND_ACCOUNT,
    KIND_ARR_EVENT,
    KIND_CONTACT,
    KIND_STAGE_CHANGE,
    OP_UPSERT,
)
from csm_tui.store import outbox
from csm_tui.store.cache import META_ME, get_meta
from csm_tui.store.ids import new_id
from csm_tui.store.inserts import INSERT
from csm_tui.store.timestamps import date_from_db, date_to_db, to_db
from csm_tui.store.transaction import write_transaction

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
SKIP = "skip"

_CHUNK = 500


# ------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ImportIssue:
    """One problem: `line` of the file (0: the file as a whole), our field and its column."""

    line: int
    words: Message
    field: str | None = None
    column: str | None = None

    @property
    def message(self) -> str:
        """The problem in English (JSON, logs)."""
        return self.words.english()

    def located(self) -> Message:
        """ "line 7, Close date: …" as a `Message` (the edge renders it)."""
        return locate(self.line, self.column, self.words)

    def render(self) -> str:
        """The located problem in the interface language."""
        return self.located().render()

    def __str__(self) -> str:
        return self.located().english()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "column": self.column,
                "message": self.message}  # fmt: skip


@dataclass(frozen=True)
class RowOutcome:
    """What happens to one row: create, update (which fields), unchanged or skip."""

    line: int
    action: str
    name: str
    record_id: str | None = None  # None for a create in a dry run
    changed: tuple[str, ...] = ()
    words: Message | None = None  # a note: why the row is skipped

    @property
    def note(self) -> str:
        """The note in English (JSON, the shell's table)."""
        return "" if self.words is None else self.words.english()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "name": self.name,
                "id": self.record_id, "changed": list(self.changed), "note": self.note}  # fmt: skip


class _ReportBase(TypedDict):
    """What every `ImportReport` of one call says, whatever happened."""

    kind: str
    path: str
    mapping: str
    dry_run: bool


@dataclass(frozen=True)
class ImportReport:
    kind: str
    path: str
    mapping: str
    dry_run: bool
    rows: int = 0  # data rows read (blank lines not counted)
    outcomes: tuple[RowOutcome, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    committed: bool = False  # True when the changes were written
    outbox_entries: int = 0

    def _count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return self._count(CREATE)

    @property
    def updated(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def skipped(self) -> int:
        return self._count(SKIP)

    def summary(self) -> str:
        """One line for the user, in English (`words()` is it for the interface language)."""
        return self.words().english()

    def words(self, *, would: bool = False) -> Message:
        """The summary line as a `Message`; `would`: said of a dry run inside a script
        ("would import …")."""
        counts = {
            "create": f"{self.created:,}",
            "update": f"{self.updated:,}",
            "unchanged": f"{self.unchanged:,}",
            "skipped": f"{self.skipped:,}",
        }
        if self.errors:
            return problems_summary(self.path, len(self.errors), self.rows)
        if self.dry_run and not would:
            return dry_run_summary(self.path, counts)
        if would:
            return Message.of(
                N_(
                    "{path}: would import {rows} rows — {create} created, {update} updated, "
                    "{unchanged} unchanged, {skipped} skipped — dry run: nothing saved"
                ),
                path=self.path,
                rows=f"{self.rows:,}",
                **counts,
            )
        return Message.of(
            N_(
                "{path}: imported {rows} rows — {create} created, {update} updated, "
                "{unchanged} unchanged, {skipped} skipped"
            ),
            path=self.path,
            rows=f"{self.rows:,}",
            **counts,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "outbox_entries": self.outbox_entries,
            "errors": [e.as_dict() for e in self.errors],
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


# ------------------------------------------------------------------------------- mappings


def shipped_mappings_dir() -> Path:
    return assets_dir() / "import"


@cache
def _shipped_kind(path: Path) -> str | None:
    try:
        return ColumnMapping.from_toml(path.read_text(encoding="utf-8"), str(path)).kind.value
    except (OSError, MappingError):
        return None


def shipped_mappings(kind: str | None = None) -> list[str]:
    """Names of the mappings shipped in assets/import (for `kind` only, when given)."""
    folder = shipped_mappings_dir()
    names = []
    for path in sorted(folder.glob("*.toml")):
        if kind is None or _shipped_kind(path) == kind:
            names.append(path.stem)
    return names


OWN_COLUMNS = "csm-tui"
"""The mapping name for files whose headers are our own field names (as exports write)."""


def load_mapping(name_or_path: str | Path | None, kind: str | None = None) -> ColumnMapping:
    """A mapping from a TOML file, or a shipped one by name.

    A name is a shipped mapping's file name without ``.toml`` (``hubspot-companies``) or
    a prefix naming exactly one of those for `kind` (``hubspot``, ``salesforce``).
    None (or ``csm-tui``) with a `kind`: headers are our own field names
    (`ColumnMapping.own_columns`). Raises `MappingError` with the names that exist.
    """
    if name_or_path is None or str(name_or_path).strip().lower() == OWN_COLUMNS:
        if kind not in (ImportKind.ACCOUNTS.value, ImportKind.CONTACTS.value):
            raise MappingError(Message.of(N_("say whether the file holds accounts or contacts")))
        return ColumnMapping.own_columns(kind)
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(
                Message.of(
                    N_("cannot read the mapping {path}: {reason}"),
                    path=path,
                    reason=os_reason(exc),
                )
            ) from None
        return ColumnMapping.from_toml(text, str(path))
    wanted = str(name_or_path).strip().lower()
    names = shipped_mappings(kind)
    hits = [n for n in names if n == wanted] or [n for n in names if n.startswith(wanted)]
    if len(hits) != 1:
        raise MappingError(no_shipped_mapping(str(name_or_path), kind, names, several=bool(hits)))
    target = shipped_mappings_dir() / f"{hits[0]}.toml"
    return ColumnMapping.from_toml(target.read_text(encoding="utf-8"), str(target))


# ------------------------------------------------------------------------------- reading


@dataclass
class _Row:
    line: int
    values: dict[str, Any]
    skip: Message | None
    bad: bool = False  # a cell could not be read (already reported)


@dataclass
class _Run:
    mapping: ColumnMapping
    issues: list[ImportIssue] = field(default_factory=list)

    def issue(self, line: int, words: Message | str, name: str | None = None) -> None:
        column = None if name is None else self.mapping.columns.get(name)
        if not isinstance(words, Message):
            words = Message.text(words)
        self.issues.append(ImportIssue(line, words, name, column))

    def errors(self) -> tuple[ImportIssue, ...]:
        """Every problem in file order (problems of one line in the order found)."""
        return tuple(sorted(self.issues, key=lambda issue: issue.line))


def _read_rows(data: bytes, mapping: ColumnMapping, run: _Run) -> list[_Row] | None:
    """Decode, parse and convert every row; None when the file itself is unreadable."""
    try:
        text = decode_csv(data)
        table: CsvTable = read_csv(text, mapping.delimiter, tuple(mapping.columns.values()))
    except CsvFormatError as exc:
        run.issue(exc.line, exc.words)
        return None
    for problem in table.problems:
        run.issue(problem.line, problem.words)
    try:
        where = locate_columns(mapping, table.headers)
    except CsvFormatError as exc:
        run.issue(table.header_line, exc.words)
        return None
    rows = []
    for record in table.records:
        cells = {name: record.cells[i] for name, i in where.items()}
        converted = mapping.convert_row(cells)
        for name, message in converted.errors:
            run.issue(record.line, message, name)
        rows.append(_Row(record.line, converted.values, converted.skip, bool(converted.errors)))
    return rows


# ------------------------------------------------------------------------------- users


class _NoSuchUser(Refusal, LookupError):
    """No user, or several, for the name an import row gives (its words a `Message`)."""


def _words(error: Exception) -> Message:
    return error.words if isinstance(error, Refusal) else Message.text(str(error))


class _Users:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.by_folded: dict[str, set[str]] = {}
        self.ids: set[str] = set()
        for uid, name, email in conn.execute("SELECT id, name, email FROM users"):
            self.ids.add(uid)
            self.by_name.setdefault(name, set()).add(uid)
            self.by_folded.setdefault(fold(name), set()).add(uid)
            if email:
                self.by_email.setdefault(email.strip().casefold(), set()).add(uid)

    def find(self, text: str) -> str:
        """The id of the user `text` names (email, exact name, name ignoring case, id)."""
        for found in (
            self.by_email.get(text.casefold()),
            self.by_name.get(text),
            self.by_folded.get(fold(text)),
        ):
            if found and len(found) == 1:
                return next(iter(found))
            if found:
                raise _NoSuchUser(
                    Message.of(
                        N_("{n} users are called {text}; use their email"),
                        n=len(found),
                        text=repr(text),
                    )
                )
        if text in self.ids:
            return text
        raise _NoSuchUser(
            Message.of(
                N_("no user {text} in the cache (give a name or email of a team member)"),
                text=repr(text),
            )
        )


# ------------------------------------------------------------------------------- accounts

_ACCOUNT_COLUMNS = (
    "id, name, external_id, currency, arr, arr_usd, tier, tier_rank, tier_override, "
    "tier_override_reason, tier_override_note, sales_motion, stage, segment, industry, seats, "
    "go_live_date, renewal_date, owner_id, version, is_reference"
)
# Fields a row may set, as stored (owner → owner_id).
_ACCOUNT_STORED = (
    "name",
    "external_id",
    "currency",
    "arr",
    "sales_motion",
    "stage",
    "segment",
    "industry",
    "seats",
    "go_live_date",
    "renewal_date",
    "owner_id",
    "is_reference",
)


class _Book:
    """The live accounts, indexed by external id and by name."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_external: dict[str, str] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = {}  # name → [(id, external_id)]
        for aid, name, external in conn.execute(
            "SELECT id, name, external_id FROM accounts WHERE deleted_at IS NULL"
        ):
            if external:
                self.by_external[external] = aid
            self.by_name.setdefault(name, []).append((aid, external))

    def find(self, name: str | None, external: str | None) -> tuple[str | None, Message | None]:
        """(account id or None, a reason it cannot be decided or None)."""
        if external and external in self.by_external:
            return self.by_external[external], None
        if not name:
            return None, None
        named = self.by_name.get(name, [])
        if external:
            named = [(aid, ext) for aid, ext in named if not ext]
        if len(named) > 1:
            return None, Message.of(
                N_(
                    "{n} accounts in the cache are named {name}; "
                    "add an external id column to tell them apart"
                ),
                n=len(named),
                name=repr(name),
            )
        return (named[0][0] if named else None), None

    def find_ref(self, ref: str) -> tuple[str | None, Message | None]:
        """An account named by a contact row: its external id, else its exact name."""
        if ref in self.by_external:
            return self.by_external[ref], None
        named = self.by_name.get(ref, [])
        if len(named) > 1:
            return None, Message.of(
                N_(
                    "{n} accounts in the cache are named {name}; "
                    "give the account's external id instead"
                ),
                n=len(named),
                name=repr(ref),
            )
        return (named[0][0] if named else None), None


def _load_accounts(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
    wanted = list(ids)
    out: dict[str, sqlite3.Row] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            out[row[0]] = row
    return out


@dataclass
class _AccountPlan:
    line: int
    name: str
    account_id: str | None  # None: new
    values: dict[str, Any]  # stored field → new value (create: every field)
    base_version: int | None = None
    stage_from: str | None = None
    arr_usd_from: float | None = None  # an existing account's USD ARR, when it changes
    churn_reason: str | None = None  # record a churn decision after the write
    win_back: tuple[float, date | None] | None = None  # (new ARR, term end): a win-back
    override: tuple[str | None, str, str] | None = None  # (tier or None, reason, note)
    new: bool = False


def _stored(row: sqlite3.Row, name: str) -> Any:
    value = row[name]
    if name in ("go_live_date", "renewal_date"):
        return date_from_db(value)
    if name == "is_reference":
        return bool(value)
    return value


def _traits(values: Any) -> AccountTraits:
    """The tier criteria's view of an account (a row or a plan's values)."""
    return AccountTraits(int(values["seats"] or 0), values["industry"] or "",
                         bool(values["is_reference"]))  # fmt: skip


def _tier_fields(
    arr: float,
    currency: str,
    override: TierOverride | None,
    rules: TierRules,
    traits: AccountTraits | None = None,
) -> dict[str, Any]:
    arr_usd = rules.to_usd(arr, currency)
    tier = rules.assign(arr_usd, override, traits).tier
    return {"arr_usd": arr_usd, "tier": tier.value, "tier_rank": tier.rank}


def _override_of(row: sqlite3.Row) -> TierOverride | None:
    if not row["tier_override"]:
        return None
    try:
        reason = OverrideReason(row["tier_override_reason"] or "other")
    except ValueError:
        reason = OverrideReason.OTHER
    return TierOverride(Tier(row["tier_override"]), reason, row["tier_override_note"] or "")


def _plan_accounts(
    conn: sqlite3.Connection,
    rows: Sequence[_Row],
    run: _Run,
    rules: TierRules,
    owner_default: str | None,
) -> tuple[list[_AccountPlan], list[RowOutcome]]:
    mapping = run.mapping
    users = _Users(conn)
    me = get_meta(conn, META_ME)
    default_owner: str | None = me if me in users.ids else None
    if owner_default:
        try:
            default_owner = users.find(owner_default)
        except LookupError as exc:
            run.issue(0, Message.of(N_("owner_default: {problem}"), problem=_words(exc)))
    book = _Book(conn)
    matched: dict[int, str] = {}  # line → account id
    for row in rows:
        if row.skip is not None:
            continue
        aid, problem = book.find(row.values.get("name"), row.values.get("external_id"))
        if problem:
            run.issue(row.line, problem, "name")
        elif aid is not None:
            matched[row.line] = aid
    existing = _load_accounts(conn, set(matched.values()))

    plans: list[_AccountPlan] = []
    outcomes: list[RowOutcome] = []
    seen_external: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    seen_account: dict[str, int] = {}
    for row in rows:
        values = row.values
        name = values.get("name", "")
        if row.skip is not None:
            outcomes.append(RowOutcome(row.line, SKIP, name, words=row.skip))
            continue
        external = values.get("external_id")
        if external:
            if external in seen_external:
                run.issue(
                    row.line,
                    Message.of(
                        N_("the same external id {external} as line {line}"),
                        external=repr(external),
                        line=seen_external[external],
                    ),
                    "external_id",
                )
            seen_external.setdefault(external, row.line)
        elif name:
            if name in seen_name:
                run.issue(
                    row.line,
                    Message.of(N_("the same account as line {line}"), line=seen_name[name]),
                    "name",
                )
            seen_name.setdefault(name, row.line)
        aid = matched.get(row.line)
        if aid is not None:
            if aid in seen_account:
                run.issue(
                    row.line,
                    Message.of(
                        N_("lands on the same account as line {line} ({name})"),
                        line=seen_account[aid],
                        name=repr(name),
                    ),
                    "name",
                )
            seen_account.setdefault(aid, row.line)
        owner_id: str | None = None
        if "owner" in values:
            try:
                owner_id = users.find(values["owner"])
            except LookupError as exc:
                run.issue(row.line, _words(exc), "owner")
        churn_reason, override = _contract_of(row, run, existing.get(aid) if aid else None)
        if row.bad:
            continue
        if aid is None:
            plan = _new_account(row, owner_id or default_owner, mapping, rules)
            plan.churn_reason, plan.override = churn_reason, override
            plans.append(plan)
            outcomes.append(RowOutcome(row.line, CREATE, name))
            continue
        current = existing[aid]
        if _says_churn(row.values):  # the CRM's last ARR is not the ARR in force
            row.values.pop("arr", None)
        win_back = _win_back_of(row, current)
        if win_back is not None:  # the decision writes the ARR, stage and renewal date
            for name in ("arr", "currency", "stage", "renewal_date"):
                row.values.pop(name, None)
        plan = _changed_account(row, current, owner_id, mapping, rules)
        plan.churn_reason, plan.override, plan.win_back = churn_reason, override, win_back
        if plan.values or churn_reason or override is not None or win_back is not None:
            plans.append(plan)
            changed = tuple(k for k in plan.values if k in _ACCOUNT_STORED)
            changed += ("churned",) * (churn_reason is not None)
            changed += ("won back",) * (win_back is not None)
            changed += ("tier_override",) * (override is not None)
            outcomes.append(RowOutcome(row.line, UPDATE, name, aid, changed))
        else:
            outcomes.append(RowOutcome(row.line, UNCHANGED, name, aid))
    return plans, outcomes


def _contract_of(
    row: _Row, run: _Run, current: sqlite3.Row | None
) -> tuple[str | None, tuple[str | None, str, str] | None]:
    """(the churn decision's reason or None, the tier override to set or None) of a row."""
    values = row.values
    status = values.get("status") or ""
    reason = None
    if _says_churn(values):
        gone = (current is not None and current["stage"] == Stage.CHURNED.value
                and float(current["arr"]) < CENT)  # fmt: skip
        if not gone:
            said = status or values.get("stage", "")
            reason = f"imported: the CRM says {said!r}"
    override = None
    tier = values.get("tier_override")
    why = (values.get("tier_override_reason") or "").strip()
    if tier == "auto":
        if current is not None and current["tier_override"]:
            override = (None, "", "")
    elif tier is not None:
        if not why:
            run.issue(
                row.line,
                Message.of(N_("a tier override needs a reason (tier_override_reason)")),
                "tier_override_reason",
            )
            row.bad = True
        else:
            kind = _reason_kind(why)
            note = "" if kind.value == why.lower() else why
            unchanged = current is not None and (
                current["tier_override"], current["tier_override_reason"] or "",
                current["tier_override_note"] or "") == (tier, kind.value, note)  # fmt: skip
            if not unchanged:
                override = (tier, kind.value, note)
    return reason, override


def _win_back_of(row: _Row, current: sqlite3.Row) -> tuple[float, date | None] | None:
    """A churned account (ARR 0) whose row names an ARR again and does not say it is lost:
    (its new ARR in the account's currency, the term end the row gives) — a win-back."""
    values = row.values
    arr = values.get("arr")
    if (current["stage"] != Stage.CHURNED.value or float(current["arr"]) >= CENT
            or _says_churn(values) or arr is None or arr < CENT):  # fmt: skip
        return None
    if values.get("currency", current["currency"]) != current["currency"]:
        return None  # a currency change as well: left to the plain update
    return float(arr), values.get("renewal_date")


def _says_churn(values: dict[str, Any]) -> bool:
    """Does the row say the account is lost (its status, or its stage)?"""
    return is_churn_status(values.get("status") or "") or values.get("stage") == "churned"


def _reason_kind(text: str) -> OverrideReason:
    """The reason's kind when the text starts with one (flagship, influence, ...)."""
    first = text.strip().lower().split()[0].strip(":,;.") if text.strip() else ""
    words = {r.value: r for r in OverrideReason}
    words.update(
        {"reference": OverrideReason.FLAGSHIP, "industry": OverrideReason.INDUSTRY_INFLUENCE}
    )
    return words.get(first, OverrideReason.OTHER)


def _write_contract(
    conn: sqlite3.Connection, plans: Sequence[_AccountPlan], rules: TierRules, now: datetime
) -> int:
    """Tier overrides, then churn decisions, of the written plans; returns outbox entries."""
    from csm_tui.store.renewals import apply_churn, apply_tier_override, apply_win_back

    me = get_meta(conn, META_ME)
    before: int = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    for plan in plans:
        assert plan.account_id is not None
        if plan.override is not None:
            tier, reason, note = plan.override
            apply_tier_override(
                conn, plan.account_id, None if tier is None else Tier(tier),
                OverrideReason(reason) if reason else None, note, rules,
                author_id=me, now=now, today=now.date(),
            )  # fmt: skip
        if plan.win_back is not None:
            arr, term_end = plan.win_back
            apply_win_back(conn, plan.account_id, arr, term_end, "imported: ARR again in the CRM",
                           rules, author_id=me, now=now, today=now.date())  # fmt: skip
        if plan.churn_reason is not None:
            apply_churn(conn, plan.account_id, plan.churn_reason, rules, author_id=me,
                        now=now, today=now.date())  # fmt: skip
    after: int = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    return after - before


def _new_account(
    row: _Row, owner_id: str | None, mapping: ColumnMapping, rules: TierRules
) -> _AccountPlan:
    merged = {**mapping.defaults, **row.values}
    if "arr" in row.values and "currency" not in row.values:
        merged["currency"] = mapping.currency
    values: dict[str, Any] = {
        "name": merged["name"],
        "external_id": merged.get("external_id", ""),
        "currency": merged.get("currency", mapping.currency),
        "arr": merged.get("arr", 0.0),
        "sales_motion": merged.get("sales_motion", "short-direct"),
        "stage": merged.get("stage", "onboarding"),
        "segment": merged.get("segment", ""),
        "industry": merged.get("industry", ""),
        "seats": merged.get("seats", 0),
        "go_live_date": merged.get("go_live_date"),
        "renewal_date": merged.get("renewal_date"),
        "owner_id": owner_id,
        "is_reference": bool(merged.get("reference", False)),
    }
    values.update(_tier_fields(values["arr"], values["currency"], None, rules, _traits(values)))
    return _AccountPlan(row.line, values["name"], None, values, new=True)


def _changed_account(
    row: _Row,
    current: sqlite3.Row,
    owner_id: str | None,
    mapping: ColumnMapping,
    rules: TierRules,
) -> _AccountPlan:
    wanted = {k: v for k, v in row.values.items() if k not in mapping.create_only}
    wanted.pop("owner", None)
    if "reference" in wanted:
        wanted["is_reference"] = wanted.pop("reference")
    if owner_id is not None and "owner" not in mapping.create_only:
        wanted["owner_id"] = owner_id
    changed = {k: v for k, v in wanted.items() if k in _ACCOUNT_STORED and v != _stored(current, k)}
    if changed.keys() & {"arr", "currency", "seats", "industry", "is_reference"}:
        arr = changed.get("arr", current["arr"])
        currency = changed.get("currency", current["currency"])
        traits = _traits({k: changed.get(k, current[k]) for k in
                          ("seats", "industry", "is_reference")})  # fmt: skip
        tier = _tier_fields(arr, currency, _override_of(current), rules, traits)
        changed.update({k: v for k, v in tier.items() if v != current[k]})
    plan = _AccountPlan(row.line, current["name"], current["id"], changed, current["version"])
    if "stage" in changed:
        plan.stage_from = current["stage"]
    if "arr_usd" in changed:
        plan.arr_usd_from = current["arr_usd"]
    return plan


def _write_accounts(
    conn: sqlite3.Connection, plans: Sequence[_AccountPlan], now: datetime
) -> tuple[list[str], int]:
    """Insert and update; returns the new accounts' ids (in plan order) and outbox count."""
    me = get_meta(conn, META_ME)
    stamp = to_db(now)
    entries = 0
    created: list[str] = []
    inserts = []
    for plan in plans:
        if not plan.new:
            continue
        plan.account_id = new_id()
        created.append(plan.account_id)
        v = plan.values
        inserts.append(
            (
                plan.account_id,
                v["name"],
                v["external_id"],
                v["currency"],
                v["arr"],
                v["arr_usd"],
                v["tier"],
                v["tier_rank"],
                v["sales_motion"],
                v["stage"],
                v["segment"],
                v["industry"],
                v["seats"],
                None if v["go_live_date"] is None else date_to_db(v["go_live_date"]),
                None if v["renewal_date"] is None else date_to_db(v["renewal_date"]),
                v["owner_id"],
                stamp,
                stamp,
                int(v["is_reference"]),
            )
        )
    conn.executemany(
        "INSERT INTO accounts (id, name, external_id, currency, arr, arr_usd, tier, tier_rank, "
        "tier_override_note, sales_motion, stage, segment, industry, seats, go_live_date, "
        "renewal_date, owner_id, created_at, updated_at, version, is_reference) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        inserts,
    )
    for plan in plans:
        assert plan.account_id is not None
        if plan.new or not plan.values:
            continue
        v = plan.values
        stored = {k: date_to_db(x) if isinstance(x, date) else x for k, x in v.items()}
        assignments = ", ".join(f"{k} = ?" for k in stored)
        conn.execute(
            f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
            (*stored.values(), stamp, plan.account_id),
        )
    for plan in plans:
        aid = plan.account_id
        assert aid is not None
        if plan.new:
            fields = {k: v for k, v in plan.values.items() if k != "owner_id"}
            owner = plan.values["owner_id"]
            if owner is not None and owner == me:
                fields["owner_id"] = owner
            fields["created_at"] = now
            outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, aid, fields, now=now)
            entries += 1
            if owner is not None and owner != me:
                # The server makes the pusher the owner of a new account: hand it over after.
                outbox.enqueue(conn, KIND_ACCOUNT, OP_UPSERT, aid, {"owner_id": owner}, now=now)
                entries += 1
            continue
        if not plan.values:  # only a churn or a tier override (written after)
            continue
        outbox.enqueue(
            conn, KIND_ACCOUNT, OP_UPSERT, aid, plan.values, now=now, base_version=plan.base_version
        )
        entries += 1
        if plan.stage_from is not None:
            move_id = new_id()
            conn.execute(
                INSERT["stage_changes"],
                (move_id, aid, plan.stage_from, plan.values["stage"], stamp, me),
            )
            outbox.enqueue(
                conn,
                KIND_STAGE_CHANGE,
                OP_UPSERT,
                move_id,
                {
                    "account_id": aid,
                    "from_stage": plan.stage_from,
                    "to_stage": plan.values["stage"],
                    "changed_at": now,
                    "changed_by": me,
                },
                now=now,
            )
            entries += 1
    entries += _write_arr_events(conn, plans, now)
    return created, entries


def _write_arr_events(
    conn: sqlite3.Connection, plans: Sequence[_AccountPlan], now: datetime
) -> int:
    """The ARR changes of `plans` into the ARR history, each with its outbox entry."""
    entries = 0
    today = now.date()
    for plan in plans:
        aid = plan.account_id
        assert aid is not None
        if plan.new:
            after = plan.values["arr_usd"]
            changes = [(today, ArrEventKind.NEW, 0.0, after)] if after > 0 else []
        elif plan.arr_usd_from is not None:
            after = plan.values["arr_usd"]
            changes = _arr_changes(conn, aid, plan.arr_usd_from, after, today)
        else:
            continue
        for effective_on, kind, before, after in changes:
            event_id = new_id()
            conn.execute(
                INSERT["arr_events"],
                (event_id, aid, date_to_db(effective_on), kind.value, before, after, to_db(now)),
            )
            fields = {
                "account_id": aid,
                "effective_on": effective_on,
                "kind": kind.value,
                "arr_before_usd": before,
                "arr_after_usd": after,
                "created_at": now,
            }
            outbox.enqueue(conn, KIND_ARR_EVENT, OP_UPSERT, event_id, fields, now=now)
            entries += 1
    return entries


def _arr_changes(
    conn: sqlite3.Connection, account_id: str, old: float, new: float, today: date
) -> list[tuple[date, ArrEventKind, float, float]]:
    """Events taking an existing account's history from its ARR in force today (the
    last event effective by today; changes signed for later stay as signed) to `new`."""
    last = conn.execute(
        "SELECT arr_after_usd FROM arr_events WHERE account_id = ? AND effective_on <= ? "
        "ORDER BY effective_on DESC, created_at DESC, id DESC LIMIT 1",
        (account_id, date_to_db(today)),
    ).fetchone()
    changes: list[tuple[date, ArrEventKind, float, float]] = []
    if last is not None:
        before = last[0]
    elif old > 0:  # ARR from before the history was kept: its start first
        created = conn.execute(
            "SELECT created_at FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()[0]
        since = min(date.fromisoformat(created[:10]), today) if created else today
        changes.append((since, ArrEventKind.NEW, 0.0, old))
        before = old
    else:
        before = 0.0
    if abs(new - before) >= CENT:
        kind = ArrEventKind.EXPANSION if new > before else ArrEventKind.CONTRACTION
        if before < CENT:
            kind = ArrEventKind.NEW
        changes.append((today, kind, before, new))
    return changes


# ------------------------------------------------------------------------------- contacts

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
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
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


def _plan_contacts(
    conn: sqlite3.Connection, rows: Sequence[_Row], run: _Run
) -> tuple[list[_ContactPlan], list[RowOutcome]]:
    mapping = run.mapping
    book = _Book(conn)
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


def _write_contacts(
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


# ------------------------------------------------------------------------------- entry


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
    base = _ReportBase(kind=str(kind), path=str(path), mapping=mapping.label, dry_run=dry_run)
    run = _Run(mapping)
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
    rows = _read_rows(data, mapping, run)
    if rows is None:
        return ImportReport(**base, errors=run.errors())

    def plan() -> tuple[list[Any], list[RowOutcome]]:
        if kind == ImportKind.ACCOUNTS.value:
            return _plan_accounts(conn, rows, run, rules, owner_default)
        return _plan_contacts(conn, rows, run)

    if dry_run or run.issues:
        if conn.in_transaction:  # a caller's batch (a script): read inside it, leave it be
            _plans, outcomes = plan()
        else:
            conn.execute("BEGIN")  # one snapshot for every read
            try:
                _plans, outcomes = plan()
            finally:
                conn.rollback()
        return ImportReport(**base, rows=len(rows), outcomes=tuple(outcomes), errors=run.errors())
    try:
        with write_transaction(conn):
            plans, outcomes = plan()
            if run.issues:
                raise _Refused
            if kind == ImportKind.ACCOUNTS.value:
                created, entries = _write_accounts(conn, plans, now)
                entries += _write_contract(conn, plans, rules, now)
            else:
                created, entries = _write_contacts(conn, plans, now)
    except _Refused:
        return ImportReport(**base, rows=len(rows), outcomes=tuple(outcomes), errors=run.errors())
    ids = iter(created)
    final = tuple(
        RowOutcome(o.line, o.action, o.name, next(ids), o.changed, o.words)
        if o.action == CREATE
        else o
        for o in outcomes
    )
    return ImportReport(
        **base, rows=len(rows), outcomes=final, committed=True, outbox_entries=entries
    )
