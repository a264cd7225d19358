"""Applying a client's outbox: one transaction per push, one answer per mutation.

The rules are those of `csm_tui.protocol` (append-only, per-field merge, guarded account
fields). Each mutation runs in a savepoint: a refusal or a storage error undoes that mutation
only. Its answer is stored with (user, client, mutation id) in the same transaction.

Pushes run concurrently and are stamped late (`database.LateWriteTx`): checks and changes are
made under row locks — the record and its account (``FOR UPDATE``; the accounts a push names
are locked first, in id order, so two pushes never wait on each other crosswise), one client's
pushes one after the other (an advisory lock) — and only the final numbering reserves real
versions (PostgreSQL: a lock held for that call only, commits in parallel; SQLite: the counter
row, to the commit).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain import validity
from csm_tui.domain.records import Role
from csm_tui.server import access, schema, tokens
from csm_tui.server.access import AccountScope, Caller
from csm_tui.server.database import LateWriteTx, ServerDatabase, WriteTx, record_json
from csm_tui.server.kinds import KINDS, MAX_ID, FieldError, KindSpec, wire_record

users = schema.users
checklist = schema.checklist_items
rv = schema.record_versions


class Refusal(Exception):
    """A mutation that is not applied: rejected, or a conflict carrying the server's record."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: str = p.STATUS_REJECTED,
        fields: list[str] | None = None,
        record: dict[str, Any] | None = None,
        version: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.fields, self.record, self.version = fields, record, version

    def result(self, mutation_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {
            "mutation_id": mutation_id,
            "status": self.status,
            "version": self.version,
            "record": self.record,
            "error": error,
        }


_cm = schema.client_mutations
_STORED_ANSWERS = sa.select(_cm.c.mutation_id, _cm.c.request_hash, _cm.c.result_json).where(
    _cm.c.user_id == sa.bindparam("user_id"),
    _cm.c.client_id == sa.bindparam("client_id"),
    _cm.c.mutation_id.in_(sa.bindparam("mutation_ids", expanding=True)),
)
_LOAD = {
    spec.name: sa.select(spec.table)
    .where(spec.table.c[spec.id_column] == sa.bindparam("rid"))
    .with_for_update()
    for spec in KINDS.values()
}
# The accounts a push names, locked in id order, read as `access.load_scope` reads them.
_LOCK_ACCOUNTS = (
    sa.select(schema.accounts.c.id, schema.accounts.c.owner_id, schema.accounts.c.deleted_at)
    .add_columns(users.c.team_id)
    .select_from(schema.accounts.outerjoin(users, users.c.id == schema.accounts.c.owner_id))
    .where(schema.accounts.c.id.in_(sa.bindparam("account_ids", expanding=True)))
    .order_by(schema.accounts.c.id)
    .with_for_update(of=schema.accounts)
)
# One client's pushes apply one after the other (a retry waits for the first try's answers).
_LOCK_CLIENT = sa.select(
    sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(sa.bindparam("client"), 0))
)


def _row_bind(table: sa.Table, name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(f"row_{name}", type_=table.c[name].type)


# A new record's row (parameters row_<column>), sent with its record version (`put_version`).
_INSERT = {
    spec.name: sa.insert(spec.table).values(
        {name: _row_bind(spec.table, name) for name in spec.columns}
    )
    for spec in KINDS.values()
}
_UPDATES: dict[tuple[str, str, tuple[str, ...]], sa.Update] = {}


def _row_update(spec: KindSpec, key_column: str, names: tuple[str, ...]) -> sa.Update:
    """The change of `names` (parameters row_<column>) in the row :where_row_key of the
    kind's table, built once per kind and set of columns."""
    found = _UPDATES.get((spec.name, key_column, names))
    if found is None:
        found = _UPDATES[spec.name, key_column, names] = (
            sa.update(spec.table)
            .where(spec.table.c[key_column] == sa.bindparam("where_row_key"))
            .values({name: _row_bind(spec.table, name) for name in names})
        )
    return found


def _row_params(values: Mapping[str, Any], key: Any = None) -> dict[str, Any]:
    params = {f"row_{name}": value for name, value in values.items()}
    if key is not None:
        params["where_row_key"] = key
    return params


# Kinds a past owner may still add to an account that left them, and the field saying when
# the record was written: it must be no later than the moment the account left them.
HISTORY_KINDS = {p.KIND_ACTIVITY: "occurred_at", p.KIND_TASK: "created_at"}


def _not_found(spec: KindSpec, record_id: str) -> Refusal:
    return Refusal(p.ERROR_NOT_FOUND, f"no {spec.name} {record_id!r} in your reach")


def request_hash(mutation: dict[str, Any]) -> str:
    """What a mutation asks for (a missing `base_version` or `fields` is the same as null/{})."""
    essence = {
        "kind": mutation.get("kind"),
        "op": mutation.get("op"),
        "id": mutation.get("id"),
        "base_version": mutation.get("base_version"),
        "fields": mutation.get("fields") or {},
    }
    canonical = json.dumps(essence, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class MutationSavepoint:
    """The savepoint that lets each mutation be undone alone, moved along the push: set
    before the first mutation, moved past each one that applied (PostgreSQL: its release and
    the new one in one round trip), and still in place after one that was undone. The last
    is never released: the commit ends it."""

    conn: sa.Connection
    _set: bool = False
    _stale: bool = False  # a mutation applied since it was set

    def mark(self) -> None:
        """Before a mutation: the savepoint marks the state as it is now."""
        if self._set and not self._stale:
            return
        if not self._set:
            self.conn.exec_driver_sql("SAVEPOINT csm_mutation")
        elif self.conn.dialect.name == "postgresql":
            self.conn.exec_driver_sql("RELEASE SAVEPOINT csm_mutation; SAVEPOINT csm_mutation")
        else:  # SQLite takes one statement at a time
            self.conn.exec_driver_sql("RELEASE SAVEPOINT csm_mutation")
            self.conn.exec_driver_sql("SAVEPOINT csm_mutation")
        self._set, self._stale = True, False

    def keep(self) -> None:
        """The mutation applied: its changes stay."""
        self._stale = True

    def undo(self) -> None:
        """The mutation is refused: its changes go (the savepoint stays, for the next)."""
        if not self.conn.invalidated:  # a lost connection: the whole push fails anyway
            self.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT csm_mutation")
        self._stale = False


@dataclass
class Push:
    """One push request by one caller from one client."""

    tx: WriteTx
    caller: Caller
    client_id: str
    _scopes: dict[str, AccountScope | None] = field(default_factory=dict)
    # Answers already stored for this client: mutation id -> (request hash, result JSON).
    _stored: dict[str, tuple[str, str]] = field(default_factory=dict)
    _new_answers: list[dict[str, Any]] = field(default_factory=list)
    _savepoint: MutationSavepoint = field(init=False)

    def __post_init__(self) -> None:
        self._savepoint = MutationSavepoint(self.tx.conn)

    def lock_accounts(self, mutations: Sequence[Mapping[str, Any]]) -> None:
        """Lock the accounts the mutations name, in id order (others: when first met); their
        scopes are then known (no second read per account)."""
        named: set[str] = set()
        for m in mutations:
            fields = m.get("fields")
            if m.get("kind") == p.KIND_ACCOUNT and isinstance(m.get("id"), str):
                named.add(m["id"])
            elif isinstance(fields, dict) and isinstance(fields.get("account_id"), str):
                named.add(fields["account_id"])
        ids = sorted(i for i in named if 0 < len(i) <= MAX_ID)
        for start in range(0, len(ids), 500):
            rows = self.conn.execute(_LOCK_ACCOUNTS, {"account_ids": ids[start : start + 500]})
            for row in rows:
                self._scopes[row.id] = AccountScope(
                    row.id, row.owner_id, row.team_id, row.deleted_at
                )

    def prefetch(self, mutations: Sequence[Mapping[str, Any]]) -> None:
        """Read every stored answer this push may repeat, in one query per 500 ids."""
        ids = [
            m["mutation_id"]
            for m in mutations
            if isinstance(m.get("mutation_id"), str) and _is_uuid(m["mutation_id"])
        ]
        for start in range(0, len(ids), 500):
            rows = self.conn.execute(
                _STORED_ANSWERS,
                {
                    "user_id": self.caller.user_id,
                    "client_id": self.client_id,
                    "mutation_ids": ids[start : start + 500],
                },
            )
            self._stored.update({r.mutation_id: (r.request_hash, r.result_json) for r in rows})

    def store_answers(self) -> None:
        """Record the new answers (same transaction as the changes they describe), their
        versions real (after `tx.stamp()`)."""
        if self._new_answers:
            real_json = self.tx.real_json
            for answer in self._new_answers:
                answer["result_json"] = real_json(answer["result_json"])
            self.conn.execute(sa.insert(_cm), self._new_answers)

    def real_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """`result` with real versions (after `tx.stamp()`)."""
        real_version = self.tx.real_version
        if isinstance(result.get("version"), int):
            result["version"] = real_version(result["version"])
        record = result.get("record")
        if isinstance(record, dict) and isinstance(record.get("version"), int):
            result["record"] = {**record, "version": real_version(record["version"])}
        return result

    @property
    def conn(self) -> sa.Connection:
        return self.tx.conn

    # -- the answer for one mutation ------------------------------------------------------
    def handle(self, mutation: dict[str, Any]) -> dict[str, Any]:
        mutation_id = mutation.get("mutation_id")
        if not isinstance(mutation_id, str) or not _is_uuid(mutation_id):
            return Refusal(
                p.ERROR_INVALID_REQUEST, "mutation_id must be a UUID made by the client"
            ).result(str(mutation_id)[:64])
        digest = request_hash(mutation)
        stored = self._stored.get(mutation_id)
        if stored is not None:
            stored_digest, result_json = stored
            if stored_digest != digest:
                return Refusal(
                    p.ERROR_MUTATION_REUSED,
                    "this mutation_id was already used for a different change",
                ).result(mutation_id)
            answer: dict[str, Any] = json.loads(result_json)
            return answer

        self._savepoint.mark()
        fixups = self.tx.fixups()  # undone with the savepoint
        try:
            result = self.apply(mutation)
            result["mutation_id"] = mutation_id
            self._savepoint.keep()
        except Refusal as refusal:
            self._savepoint.undo()
            self.tx.restore_fixups(fixups)
            self._scopes.clear()
            result = refusal.result(mutation_id)
        except sa.exc.DataError as error:
            # The database refuses these values, and always will: refused for good (recorded).
            self._savepoint.undo()
            self.tx.restore_fixups(fixups)
            self._scopes.clear()
            result = Refusal(
                p.ERROR_INVALID_FIELD,
                f"the database cannot store these values ({type(error.orig).__name__})",
            ).result(mutation_id)
        except sa.exc.DBAPIError as error:
            self._savepoint.undo()
            self.tx.restore_fixups(fixups)
            self._scopes.clear()
            # Not recorded: the cause may be passing (a lock, a lost connection), a retry may
            # succeed. The client stops retrying after a few tries and shows it as refused.
            cause = type(error.orig).__name__
            return Refusal(
                p.ERROR_STORAGE, f"the server could not store this change ({cause})"
            ).result(mutation_id)
        except (ValueError, TypeError, OverflowError, UnicodeError, sa.exc.StatementError) as error:
            # A value no check above foresaw: this mutation is refused, the others still go.
            self._savepoint.undo()
            self.tx.restore_fixups(fixups)
            self._scopes.clear()
            result = Refusal(
                p.ERROR_INVALID_REQUEST,
                f"the server cannot apply this change ({type(error).__name__})",
            ).result(mutation_id)
        result_json = dumps_utf8(result)
        self._stored[mutation_id] = (digest, result_json)
        self._new_answers.append(
            {
                "user_id": self.caller.user_id,
                "client_id": self.client_id,
                "mutation_id": mutation_id,
                "request_hash": digest,
                "result_json": result_json,
                "created_at": self.tx.now,
            }
        )
        return result

    # -- dispatch ---------------------------------------------------------------------------
    def apply(self, mutation: dict[str, Any]) -> dict[str, Any]:
        spec = KINDS.get(mutation.get("kind", ""))
        if spec is None:
            pushable = sorted(k for k, r in p.CONFLICT_RULES.items() if r != p.RULE_READ_ONLY)
            raise Refusal(
                p.ERROR_UNKNOWN_KIND,
                f"unknown kind {mutation.get('kind')!r}; expected one of {', '.join(pushable)}",
            )
        if spec.rule == p.RULE_READ_ONLY:
            raise Refusal(p.ERROR_READ_ONLY, f"{spec.name} records are managed by an admin")
        record_id = mutation.get("id")
        if not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID:
            raise Refusal(p.ERROR_INVALID_REQUEST, f"id must be text of 1 to {MAX_ID} characters")
        fields = mutation.get("fields") or {}
        if not isinstance(fields, dict):
            raise Refusal(p.ERROR_INVALID_REQUEST, "fields must be an object")
        problem = validity.text_problem(record_id, MAX_ID)
        if problem is not None:
            raise Refusal(p.ERROR_INVALID_REQUEST, problem.message("id"))
        base = mutation.get("base_version")
        if base is not None and (
            isinstance(base, bool)
            or not isinstance(base, int)
            or not 0 <= base <= validity.MAX_VERSION
        ):
            raise Refusal(
                p.ERROR_INVALID_REQUEST,
                f"base_version must be null or a whole number from 0 to {validity.MAX_VERSION}",
            )
        existing = self._load(spec, record_id)
        op = mutation.get("op")
        if op == p.OP_DELETE:
            return self.delete(spec, record_id, existing)
        if op != p.OP_UPSERT:
            raise Refusal(p.ERROR_INVALID_REQUEST, f"op must be 'upsert' or 'delete', not {op!r}")
        try:
            values = spec.coerce(fields)
        except FieldError as error:
            raise Refusal(error.code, str(error), fields=error.fields) from None
        if existing is None:
            return self.create(spec, record_id, values)
        try:
            return self.update(spec, record_id, existing, values, base)
        except Refusal as refusal:
            self._with_server_record(refusal, spec, record_id, existing)
            raise

    def _with_server_record(
        self, refusal: Refusal, spec: KindSpec, record_id: str, existing: dict[str, Any]
    ) -> None:
        """A refused change to a record the caller may read carries the server's record, so
        the client can put its copy back to the server's truth (the refusal stays listed)."""
        if refusal.status != p.STATUS_REJECTED or refusal.record is not None:
            return
        if existing.get("deleted_at") is not None:
            return
        scope = self._scope(spec.account_of(record_id, existing) or "")
        if scope is None or scope.deleted or not access.can_read(self.caller, scope):
            return
        refusal.record = wire_record(spec, existing)
        refusal.version = self.tx.current_version(spec.name, record_id)

    # -- create -----------------------------------------------------------------------------
    def create(self, spec: KindSpec, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        owner_field = spec.owner_field
        if owner_field is not None:
            claimed = values.get(owner_field)
            if claimed is not None and claimed != caller.user_id:
                raise Refusal(
                    p.ERROR_FORGED_OWNER,
                    f"{owner_field} of a new {spec.name} comes from your token; "
                    "reassign it afterwards",
                    fields=[owner_field],
                )
            values[owner_field] = caller.user_id
        account_id: str | None = None
        if spec.name != p.KIND_ACCOUNT:
            account_id = values.get(spec.account_column or "")
            if spec.id_column == spec.account_column:
                account_id = record_id
            if not isinstance(account_id, str):
                raise Refusal(p.ERROR_INVALID_FIELD, "account_id is missing", fields=["account_id"])
            try:
                self._writable_scope(account_id)
            except Refusal as refusal:
                handed_to = self._handed_over(spec, account_id, values, refusal)
                if spec.name == p.KIND_TASK:
                    values["owner_id"] = handed_to  # the task follows the account
        values[spec.id_column] = record_id
        missing = sorted(name for name in spec.required if values.get(name) is None)
        if missing:
            raise Refusal(
                p.ERROR_INVALID_FIELD, f"missing field(s): {', '.join(missing)}", fields=missing
            )
        row = {**spec.defaults, **values}
        columns = spec.columns
        for stamp in ("created_at", "updated_at"):
            if stamp in columns and (stamp == "updated_at" or row.get(stamp) is None):
                row[stamp] = self.tx.now
        extra: dict[str, Any] = {}
        if spec.name == p.KIND_CHECKLIST_ITEM:
            self._refuse_checklist_twin(spec, row)
        if spec.name == p.KIND_PREP_NOTE_REVISION:
            latest = self.conn.execute(
                sa.select(rv.c.record_id)
                .where(rv.c.kind == spec.name, rv.c.account_id == account_id)
                .order_by(rv.c.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            if latest is not None and latest != row.get("base_revision_id"):
                extra["forked"] = True
        version = self.tx.next_version()
        stored = {k: row.get(k) for k in columns}
        if "version" in columns:
            row["version"] = version
            stored["version"] = self.tx.column_version(
                spec.table, spec.id_column, record_id, version
            )
        record = wire_record(spec, row)
        self.tx.put_version(
            spec.name,
            record_id,
            record,
            account_id=spec.account_of(record_id, row),
            version=version,
            new=True,
            row=(_INSERT[spec.name], _row_params(stored)),
        )
        if spec.name == p.KIND_ACCOUNT:
            self._scopes.pop(record_id, None)
        return _applied(version, record, **extra)

    def _handed_over(
        self, spec: KindSpec, account_id: str, values: dict[str, Any], refusal: Refusal
    ) -> str | None:
        """An activity or task written while the account was the caller's, reaching the
        server after it was reassigned away: accepted (the new owner sees it). The account's
        current owner; re-raises `refusal` otherwise."""
        if spec.name not in HISTORY_KINDS or refusal.code not in (
            p.ERROR_NOT_FOUND,
            p.ERROR_FORBIDDEN,
        ):
            raise refusal
        moment = values.get(HISTORY_KINDS[spec.name])
        po = schema.past_owners
        until = self.conn.execute(
            sa.select(po.c.until).where(
                po.c.account_id == account_id, po.c.user_id == self.caller.user_id
            )
        ).scalar_one_or_none()
        scope = self._scope(account_id)
        if until is None or moment is None or scope is None or scope.deleted or moment > until:
            raise refusal
        return scope.owner_id

    def _refuse_checklist_twin(self, spec: KindSpec, row: dict[str, Any]) -> None:
        twin = (
            self.conn.execute(
                sa.select(checklist).where(
                    checklist.c.account_id == row["account_id"],
                    checklist.c.stage == row["stage"],
                    checklist.c.item_key == row["item_key"],
                )
            )
            .mappings()
            .first()
        )
        if twin is not None:
            raise Refusal(
                p.ERROR_CONFLICT,
                "this checklist item already exists under another id; use checklist_item_id()",
                status=p.STATUS_CONFLICT,
                record=wire_record(spec, dict(twin)),
                version=self.tx.current_version(spec.name, twin["id"]),
            )

    # -- update -----------------------------------------------------------------------------
    def update(
        self,
        spec: KindSpec,
        record_id: str,
        existing: dict[str, Any],
        values: dict[str, Any],
        base: int | None,
    ) -> dict[str, Any]:
        account_id = spec.account_of(record_id, existing)
        scope = self._readable_scope(spec, record_id, account_id)

        # The record's version now: read only for an answer that repeats it (a change
        # that applies answers with its new version).
        def current() -> int | None:
            return self.tx.current_version(spec.name, record_id)

        if existing.get("deleted_at") is not None:
            raise Refusal(p.ERROR_GONE, f"this {spec.name} was deleted", version=current())
        if (
            spec.account_column
            and spec.account_column != spec.id_column
            and spec.account_column in values
            and values[spec.account_column] != existing[spec.account_column]
        ):
            raise Refusal(
                p.ERROR_INVALID_FIELD,
                f"a {spec.name} cannot move to another account",
                fields=[spec.account_column],
            )
        values.pop("created_at", None)
        changes = {k: v for k, v in values.items() if existing.get(k) != v}

        if spec.rule == p.RULE_APPEND_ONLY:
            if not access.can_write(self.caller, scope):
                raise Refusal(p.ERROR_FORBIDDEN, f"this {spec.name} is not in your book")
            if changes:
                raise Refusal(
                    p.ERROR_CONFLICT,
                    f"{spec.name} records are append-only: this id already holds other content; "
                    "save yours under a new id",
                    status=p.STATUS_CONFLICT,
                    fields=sorted(changes),
                    record=wire_record(spec, existing),
                    version=current(),
                )
            return _applied(current(), wire_record(spec, existing))

        if spec.name == p.KIND_ACCOUNT:
            touch, known = changes.get("last_touch_at"), existing.get("last_touch_at")
            if touch is not None and known is not None and touch < known:
                del changes["last_touch_at"]  # a touch never moves backwards

        owner_field = spec.owner_field
        new_owner: dict[str, Any] | None = None
        if owner_field is not None and owner_field in changes:
            new_owner = self._new_owner(scope, changes[owner_field], owner_field)
        if any(name != owner_field for name in changes) and not access.can_write(
            self.caller, scope
        ):
            raise Refusal(p.ERROR_FORBIDDEN, f"you may read this {spec.name} but not change it")

        if not changes:
            return _applied(current(), wire_record(spec, existing))

        guarded: list[str] = []
        if spec.name == p.KIND_ACCOUNT:
            guarded = [name for name in p.GUARDED_ACCOUNT_FIELDS if name in changes]
            if guarded:
                clashing = self._guarded_clashes(record_id, base, guarded)
                if clashing:
                    raise Refusal(
                        p.ERROR_CONFLICT,
                        "changed on the server since your version: " + ", ".join(clashing),
                        status=p.STATUS_CONFLICT,
                        fields=clashing,
                        record=wire_record(spec, existing),
                        version=current(),
                    )

        row = {**existing, **changes}
        if "updated_at" in spec.columns:
            changes["updated_at"] = row["updated_at"] = self.tx.now
        version = self.tx.next_version()
        if "version" in spec.columns:
            row["version"] = version
            changes["version"] = self.tx.column_version(
                spec.table, spec.id_column, record_id, version
            )
        record = wire_record(spec, row)
        change = _row_update(spec, spec.id_column, tuple(changes))
        self.tx.put_version(
            spec.name,
            record_id,
            record,
            account_id=account_id,
            version=version,
            row=(change, _row_params(changes, record_id)),
        )
        if guarded:
            self.tx.versions_in(schema.guarded_field_changes)
            self.conn.execute(
                sa.insert(schema.guarded_field_changes).values(
                    version=version,  # the account's version: base_version == it is no clash
                    account_id=record_id,
                    fields=",".join(guarded),
                    user_id=self.caller.user_id,
                    client_id=self.client_id,
                )
            )
        if spec.name == p.KIND_ACCOUNT and new_owner is not None:
            self._reassigned(record_id, scope, new_owner)
        return _applied(version, record)

    def _new_owner(self, scope: AccountScope, owner_id: Any, owner_field: str) -> dict[str, Any]:
        owner = None
        if owner_id is not None:
            owner = (
                self.conn.execute(
                    sa.select(users.c.id, users.c.role, users.c.team_id).where(
                        users.c.id == owner_id
                    )
                )
                .mappings()
                .first()
            )
        if owner is None:
            raise Refusal(
                p.ERROR_INVALID_FIELD,
                f"{owner_field} must name an existing user",
                fields=[owner_field],
            )
        if not access.can_hand_to(self.caller, scope, owner["team_id"]):
            raise Refusal(
                p.ERROR_FORBIDDEN,
                "only a lead (within their team) or an admin may reassign",
                fields=[owner_field],
            )
        return dict(owner)

    def _guarded_clashes(self, account_id: str, base: int | None, fields: list[str]) -> list[str]:
        gfc = schema.guarded_field_changes
        rows = self.conn.execute(
            sa.select(gfc.c.fields).where(
                gfc.c.account_id == account_id,
                gfc.c.version > (base or 0),
                sa.not_(
                    sa.and_(gfc.c.user_id == self.caller.user_id, gfc.c.client_id == self.client_id)
                ),
            )
        ).scalars()
        changed_there = {name for row in rows for name in row.split(",")}
        return [name for name in fields if name in changed_there]

    def _reassigned(self, account_id: str, old: AccountScope, new_owner: dict[str, Any]) -> None:
        """Tell those who lost the account; hand the new audience all its records again."""
        new_team = new_owner["team_id"]
        se = schema.scope_exits
        self.tx.versions_in(se)
        if old.owner_id is not None and old.owner_id != new_owner["id"]:
            po = schema.past_owners
            self.conn.execute(
                sa.delete(po).where(po.c.account_id == account_id, po.c.user_id == old.owner_id)
            )
            self.conn.execute(
                sa.insert(po).values(account_id=account_id, user_id=old.owner_id, until=self.tx.now)
            )
            previous = self.conn.execute(
                sa.select(users.c.role, users.c.team_id).where(users.c.id == old.owner_id)
            ).first()
            if previous is not None and not access.still_sees(
                Role(previous.role), old.owner_id, previous.team_id, new_owner["id"], new_team
            ):
                self.conn.execute(
                    sa.insert(se).values(
                        version=self.tx.next_version(),
                        account_id=account_id,
                        user_id=old.owner_id,
                    )
                )
        if old.owner_team_id is not None and old.owner_team_id != new_team:
            self.conn.execute(
                sa.insert(se).values(
                    version=self.tx.next_version(),
                    account_id=account_id,
                    team_id=old.owner_team_id,
                )
            )
        moved = self._open_tasks_follow(account_id, old.owner_id, new_owner["id"])
        children = self.conn.execute(
            sa.select(rv.c.kind, rv.c.record_id)
            .where(rv.c.account_id == account_id, rv.c.kind != p.KIND_ACCOUNT)
            .order_by(rv.c.version)
        ).all()
        if children:
            self.conn.execute(
                sa.update(rv)
                .where(rv.c.kind == sa.bindparam("k"), rv.c.record_id == sa.bindparam("rid"))
                .values(version=sa.bindparam("v")),
                [{"k": kind, "rid": rid, "v": self.tx.next_version()} for kind, rid in children],
            )
        if moved:
            self.conn.execute(
                sa.update(rv)
                .where(rv.c.kind == p.KIND_TASK, rv.c.record_id == sa.bindparam("rid"))
                .values(record_json=sa.bindparam("js")),
                [{"rid": rid, "js": js} for rid, js in moved.items()],
            )
        self._scopes.pop(account_id, None)

    def _open_tasks_follow(self, account_id: str, old_owner: Any, new_owner: Any) -> dict[str, str]:
        """The open tasks the old owner had on the account go to the new owner (a handed-over
        account's follow-ups were left with someone who no longer sees it, in nobody's
        Today); their records as pulled from now on (each gets a new version with the
        account's other records). Done tasks keep who did them; others' tasks stay theirs."""
        if old_owner is None or old_owner == new_owner:
            return {}
        tk = schema.tasks
        mine = (tk.c.account_id == account_id, tk.c.owner_id == old_owner,
                tk.c.done_at.is_(None), tk.c.deleted_at.is_(None))  # fmt: skip
        ids = list(self.conn.execute(sa.select(tk.c.id).where(*mine)).scalars())
        if not ids:
            return {}
        self.conn.execute(sa.update(tk).where(*mine).values(owner_id=new_owner))
        moved = {}
        for rid, js in self.conn.execute(
            sa.select(rv.c.record_id, rv.c.record_json).where(
                rv.c.kind == p.KIND_TASK, rv.c.record_id.in_(ids)
            )
        ):
            if js:
                record = json.loads(js)
                record["owner_id"] = new_owner
                moved[rid] = record_json(record)
        return moved

    # -- delete -----------------------------------------------------------------------------
    def delete(
        self, spec: KindSpec, record_id: str, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not spec.deletable:
            raise Refusal(p.ERROR_NOT_DELETABLE, f"{spec.name} records cannot be deleted")
        if existing is None:
            raise _not_found(spec, record_id)
        account_id = spec.account_of(record_id, existing)
        scope = self._readable_scope(spec, record_id, account_id, allow_deleted=True)
        if not access.can_write(self.caller, scope):
            raise Refusal(p.ERROR_FORBIDDEN, f"you may read this {spec.name} but not delete it")
        if existing.get("deleted_at") is not None:
            return _applied(self.tx.current_version(spec.name, record_id), None)
        changes: dict[str, Any] = {"deleted_at": self.tx.now}
        if "updated_at" in spec.columns:
            changes["updated_at"] = self.tx.now
        version = self.tx.next_version()
        if "version" in spec.columns:
            changes["version"] = self.tx.column_version(
                spec.table, spec.id_column, record_id, version
            )
        self.tx.put_version(
            spec.name,
            record_id,
            None,
            account_id=account_id,
            version=version,
            row=(_row_update(spec, "id", tuple(changes)), _row_params(changes, record_id)),
        )
        self._scopes.pop(record_id, None)
        return _applied(version, None)

    # -- scope ------------------------------------------------------------------------------
    def _load(self, spec: KindSpec, record_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(_LOAD[spec.name], {"rid": record_id}).mappings().first()
        return None if row is None else dict(row)

    def _scope(self, account_id: str) -> AccountScope | None:
        if account_id not in self._scopes:
            self._scopes[account_id] = access.load_scope(self.conn, account_id, lock=True)
        return self._scopes[account_id]

    def _readable_scope(
        self,
        spec: KindSpec,
        record_id: str,
        account_id: str | None,
        *,
        allow_deleted: bool = False,
    ) -> AccountScope:
        scope = None if account_id is None else self._scope(account_id)
        if scope is None or not access.can_read(self.caller, scope):
            raise _not_found(spec, record_id)
        if scope.deleted and not (allow_deleted and spec.name == p.KIND_ACCOUNT):
            raise Refusal(p.ERROR_GONE, "the account was deleted")
        return scope

    def _writable_scope(self, account_id: str) -> AccountScope:
        scope = self._scope(account_id)
        if scope is None or not access.can_read(self.caller, scope):
            raise Refusal(
                p.ERROR_NOT_FOUND, f"no account {account_id!r} in your reach", fields=["account_id"]
            )
        if scope.deleted:
            raise Refusal(p.ERROR_GONE, "the account was deleted", fields=["account_id"])
        if not access.can_write(self.caller, scope):
            raise Refusal(p.ERROR_FORBIDDEN, "you may read this account but not add to it")
        return scope


def _applied(version: int | None, record: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return {
        "mutation_id": "",
        "status": p.STATUS_APPLIED,
        "version": version,
        "record": record,
        **extra,
    }


def dumps_utf8(value: Any) -> str:
    """JSON text that always encodes as UTF-8 (a lone surrogate echoed back is escaped)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def _is_uuid(text: str) -> bool:
    if len(text) > 64:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Bearer:
    """Who pushes, by their bearer token: checked in the push's own transaction (PostgreSQL:
    in one statement with the client's lock), `admit` refusing a caller who may not push (it
    raises); a refusal (`tokens.TokenRefused` or `admit`'s) changes nothing."""

    token: str
    admit: Callable[[Caller], Caller]


# The bearer's token and user, and (for a token that exists) the lock of `_LOCK_CLIENT`.
_CALLER_LOCKING_CLIENT = tokens.CALLER.add_columns(
    sa.func.pg_advisory_xact_lock(
        sa.func.hashtextextended(users.c.id.concat("\x1f").concat(sa.bindparam("client_id")), 0)
    )
)


def push_mutations(
    db: ServerDatabase,
    caller: Caller | Bearer,
    client_id: str,
    mutations: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Apply an outbox; the answers, in order."""
    with db.write(late=True) as tx:
        assert isinstance(tx, LateWriteTx)  # late=True gives the late-stamped kind
        if isinstance(caller, Bearer):
            caller = _bearer(db, tx, caller, client_id)
        elif db.is_postgresql:
            tx.conn.execute(_LOCK_CLIENT, {"client": f"{caller.user_id}\x1f{client_id}"})
        push = Push(tx, caller, client_id)
        if db.is_postgresql:
            push.lock_accounts(mutations)
        push.prefetch(mutations)
        results = [push.handle(dict(mutation)) for mutation in mutations]
        tx.stamp()  # the real versions (database.LateWriteTx.stamp)
        push.store_answers()
    return [push.real_result(result) for result in results]


def _bearer(db: ServerDatabase, tx: WriteTx, bearer: Bearer, client_id: str) -> Caller:
    """The caller behind `bearer`, admitted, their client's pushes locked (PostgreSQL)."""
    if not db.is_postgresql:
        return bearer.admit(tokens.caller_for(tx.conn, bearer.token, tx.now))
    found = tx.conn.execute(
        _CALLER_LOCKING_CLIENT,
        {"token_hash": tokens.token_hash(bearer.token), "client_id": client_id},
    ).first()
    return bearer.admit(tokens.caller_of(found, tx.now))
