"""A data pipeline's batch of signals (POST /signals/<kind>): checked item by item, applied
in one write transaction, idempotent by source id.

An item is a whole record of its kind (fields not sent take their defaults). Against what the
server holds under the same id it is new ("created"), the same ("unchanged": nothing is
written, no version taken) or different ("replaced": a new version). A refused item is listed
with its index and reason; the others apply. Each applied record gets a version under its
account, so every client that may read the account pulls it — and a reassigned account's
records, signals included, reach the new owner like the rest of the account.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain import signal_checks as checks
from csm_tui.server import schema
from csm_tui.server.database import ServerDatabase, WriteTx, record_json
from csm_tui.server.kinds import KINDS, MAX_ID, FieldError, KindSpec, wire_record
from csm_tui.server.schema import UTCDateTime

accounts = schema.accounts
rv = schema.record_versions
CHUNK = 500  # ids per IN (...) lookup
# An item may name its account by the CRM's id (`accounts.external_id`, set by the import)
# instead of `account_id`; the server resolves it among live accounts.
EXTERNAL_KEY = "account_external_id"

_RV_INSERT = sa.insert(rv)
# SET: the columns named in the parameters (version, record_json).
_RV_UPDATE = sa.update(rv).where(
    rv.c.kind == sa.bindparam("k_kind"), rv.c.record_id == sa.bindparam("k_id")
)


class ItemRefused(Exception):
    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields

    def refusal(self, index: int, item_id: str | None) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"index": index, "id": item_id, "error": error}


@dataclass
class IngestReport:
    kind: str
    received: int
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_wire(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "received": self.received,
            "created": self.created,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _problem_message(problem: checks.SignalProblem) -> str:
    if problem.code == checks.NOT_A_MONDAY:
        return f"{problem.field} must be a Monday (the week's first day)"
    if problem.code == checks.NEGATIVE:
        return f"{problem.field} cannot be negative"
    if problem.code == checks.OUT_OF_SCALE:
        return f"{problem.field} must be from {problem.low} to {problem.high}"
    if problem.code == checks.BEFORE_START:
        return f"{problem.field} cannot be before {problem.other_field}"
    return f"{problem.field} is not valid ({problem.code})"  # pragma: no cover


def check_item(spec: KindSpec, item: Any) -> tuple[str, dict[str, Any], str | None]:
    """The item's id, its whole row (defaults filled in, version not set) and the CRM id of
    its account when it names the account that way (`account_id` is then None); or
    ItemRefused."""
    if not isinstance(item, dict):
        raise ItemRefused(p.ERROR_INVALID_REQUEST, "an item must be an object")
    record_id = item.get("id")
    if not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID:
        raise ItemRefused(
            p.ERROR_INVALID_FIELD, f"id must be text of 1 to {MAX_ID} characters", ["id"]
        )
    external = item.get(EXTERNAL_KEY)
    if EXTERNAL_KEY in item:
        if "account_id" in item:
            raise ItemRefused(
                p.ERROR_INVALID_FIELD,
                f"give account_id or {EXTERNAL_KEY}, not both",
                ["account_id", EXTERNAL_KEY],
            )
        if not isinstance(external, str) or not 0 < len(external) <= MAX_ID:
            raise ItemRefused(
                p.ERROR_INVALID_FIELD,
                f"{EXTERNAL_KEY} must be text of 1 to {MAX_ID} characters",
                [EXTERNAL_KEY],
            )
        item = {name: value for name, value in item.items() if name != EXTERNAL_KEY}
    try:
        values = spec.coerce(item)
    except FieldError as error:
        raise ItemRefused(error.code, str(error), error.fields) from None
    missing = sorted(
        name
        for name in spec.required
        if values.get(name) is None and not (name == "account_id" and external is not None)
    )
    if missing:
        raise ItemRefused(p.ERROR_INVALID_FIELD, f"missing field(s): {', '.join(missing)}", missing)
    row = {**spec.defaults, **values, spec.id_column: record_id}
    problems = checks.signal_problems(spec.name, row)
    if problems:
        raise ItemRefused(
            p.ERROR_INVALID_FIELD,
            "; ".join(_problem_message(problem) for problem in problems),
            sorted({problem.field for problem in problems}),
        )
    return record_id, row, external


def _in_chunks(
    conn: sa.Connection, query: sa.Select[*tuple[Any, ...]], column: sa.Column[Any], keys: list[str]
) -> Iterator[sa.RowMapping]:
    for start in range(0, len(keys), CHUNK):
        yield from conn.execute(query.where(column.in_(keys[start : start + CHUNK]))).mappings()


def _same(spec: KindSpec, stored: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(stored.get(name) == row.get(name) for name in spec.columns if name != "version")


def ingest_signals(db: ServerDatabase, kind: str, items: list[Any]) -> IngestReport:
    """Apply a batch of `kind` records (one write transaction); what happened to each."""
    spec = KINDS[kind]
    report = IngestReport(kind=kind, received=len(items))
    checked: list[tuple[int, str, dict[str, Any], str | None]] = []
    for index, item in enumerate(items):
        try:
            record_id, row, external = check_item(spec, item)
        except ItemRefused as refused:
            item_id = item.get("id") if isinstance(item, dict) else None
            report.rejected.append(
                refused.refusal(index, item_id if isinstance(item_id, str) else None)
            )
            continue
        checked.append((index, record_id, row, external))
    if not checked:
        return report
    with db.write() as tx:
        _apply(tx, spec, checked, report)
    report.rejected.sort(key=lambda refusal: refusal["index"])
    return report


def _apply(
    tx: WriteTx,
    spec: KindSpec,
    checked: list[tuple[int, str, dict[str, Any], str | None]],
    report: IngestReport,
) -> None:
    conn, table = tx.conn, spec.table
    checked = _resolve_external_ids(conn, checked, report)
    ids = sorted({record_id for _, record_id, _, _ in checked})
    account_ids = sorted({row["account_id"] for _, _, row, _ in checked})
    current: dict[str, dict[str, Any]] = {
        r[spec.id_column]: dict(r) for r in _in_chunks(conn, sa.select(table), table.c.id, ids)
    }
    live: dict[str, bool] = {
        r["id"]: r["deleted_at"] is None
        for r in _in_chunks(
            conn, sa.select(accounts.c.id, accounts.c.deleted_at), accounts.c.id, account_ids
        )
    }
    inserts: dict[str, dict[str, Any]] = {}  # new in this batch, by id
    updates: dict[str, dict[str, Any]] = {}  # known before this batch, by id
    for index, record_id, row, _ in checked:
        account_id = row["account_id"]
        refusal: ItemRefused | None = None
        stored = current.get(record_id)
        if account_id not in live:
            refusal = ItemRefused(p.ERROR_NOT_FOUND, f"no account {account_id!r}", ["account_id"])
        elif not live[account_id]:
            refusal = ItemRefused(p.ERROR_GONE, "the account was deleted", ["account_id"])
        elif stored is not None and stored["account_id"] != account_id:
            refusal = ItemRefused(
                p.ERROR_INVALID_FIELD,
                f"{record_id!r} is a record of account {stored['account_id']!r}; "
                "a record never moves to another account",
                ["account_id"],
            )
        if refusal is not None:
            report.rejected.append(refusal.refusal(index, record_id))
            continue
        if stored is not None and _same(spec, stored, row):
            report.unchanged += 1
            continue
        if record_id in inserts:  # twice in one batch: the later content, one version
            row["version"] = inserts[record_id]["version"]
            inserts[record_id] = row
            report.replaced += 1
        elif record_id in updates:
            row["version"] = updates[record_id]["version"]
            updates[record_id] = row
            report.replaced += 1
        elif stored is None:
            row["version"] = tx.next_version()
            inserts[record_id] = row
            report.created += 1
        else:
            row["version"] = tx.next_version()
            updates[record_id] = row
            report.replaced += 1
        current[record_id] = row
    columns = list(spec.columns)
    if inserts:
        conn.execute(sa.insert(table), [{c: r.get(c) for c in columns} for r in inserts.values()])
        conn.execute(_RV_INSERT, [_version_row(spec, r) for r in inserts.values()])
    if updates:
        statement = sa.update(table).where(table.c[spec.id_column] == sa.bindparam("k_id"))
        conn.execute(
            statement,
            [
                {"k_id": r[spec.id_column], **{c: r.get(c) for c in columns if c != spec.id_column}}
                for r in updates.values()
            ],
        )
        conn.execute(
            _RV_UPDATE,
            [
                {
                    "k_kind": spec.name,
                    "k_id": r[spec.id_column],
                    "version": r["version"],
                    "record_json": record_json(wire_record(spec, r)),
                }
                for r in updates.values()
            ],
        )


def _resolve_external_ids(
    conn: sa.Connection,
    checked: list[tuple[int, str, dict[str, Any], str | None]],
    report: IngestReport,
) -> list[tuple[int, str, dict[str, Any], str | None]]:
    """Fill in `account_id` of the items naming their account by CRM id; refuse the items
    whose CRM id names no live account, or more than one."""
    externals = sorted({external for *_, external in checked if external is not None})
    if not externals:
        return checked
    found: dict[str, list[tuple[str, bool]]] = {}
    query = sa.select(accounts.c.id, accounts.c.external_id, accounts.c.deleted_at)
    for r in _in_chunks(conn, query, accounts.c.external_id, externals):
        found.setdefault(r["external_id"], []).append((r["id"], r["deleted_at"] is None))
    kept = []
    for entry in checked:
        index, record_id, row, external = entry
        if external is not None:
            candidates = found.get(external, [])
            live = [account_id for account_id, alive in candidates if alive]
            if len(live) != 1:
                if len(live) > 1:
                    refusal = ItemRefused(
                        p.ERROR_INVALID_FIELD,
                        f"{len(live)} accounts have the CRM id {external!r}; give account_id",
                        [EXTERNAL_KEY],
                    )
                elif candidates:
                    refusal = ItemRefused(p.ERROR_GONE, "the account was deleted", [EXTERNAL_KEY])
                else:
                    refusal = ItemRefused(
                        p.ERROR_NOT_FOUND,
                        f"no account with the CRM id {external!r}",
                        [EXTERNAL_KEY],
                    )
                report.rejected.append(refusal.refusal(index, record_id))
                continue
            row["account_id"] = live[0]
        kept.append(entry)
    return kept


def _version_row(spec: KindSpec, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": spec.name,
        "record_id": row[spec.id_column],
        "version": row["version"],
        "account_id": row["account_id"],
        "team_id": None,
        "deleted": False,
        "record_json": record_json(wire_record(spec, row)),
    }


def _type_name(column: sa.Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "instant (ISO 8601 with offset)"
    if isinstance(kind, sa.Date):
        return "date (YYYY-MM-DD)"
    if isinstance(kind, sa.Integer):
        return "integer"
    if isinstance(kind, sa.Float):
        return "number"
    return "text"


def item_fields_doc() -> str:
    """The fields of each signal kind, for the OpenAPI description."""
    lines = []
    for kind in p.SIGNAL_KINDS:
        spec = KINDS[kind]
        fields = []
        for name, column in spec.columns.items():
            if name == "version":
                continue
            text = f"`{name}` {_type_name(column)}"
            allowed = (spec.choices or {}).get(name)
            if allowed:
                text += " (" + "|".join(sorted(allowed)) + ")"
            if name in spec.required or name == spec.id_column:
                text += " required"
            elif column.nullable:
                text += " or null"
            fields.append(text)
        lines.append(f"- **{kind}**: " + ", ".join(fields))
    return "\n".join(lines)
