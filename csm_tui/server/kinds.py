"""What the server knows about each record kind: its table, rule, owner field and fields.

Fields arriving in a push are checked and converted here (`KindSpec.coerce`); records leave
through `to_wire`. A bad value is a `FieldError`, answered as a rejected mutation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain import signal_checks, validity
from csm_tui.domain.health import PaymentStatus
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import ArrEventKind
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.records import ActivityKind, ContactRole, Sentiment
from csm_tui.domain.renewals import RenewalDirection, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.server import schema
from csm_tui.server.schema import UTCDateTime

# Long texts (activity summaries, next steps, notes), instants, dates and numbers must never
# be refused where the client accepted them, nor accepted where it would refuse them: both
# check with `domain.validity`.
MAX_TEXT = validity.MAX_TEXT_CHARS
MAX_ID = 100


class FieldError(ValueError):
    def __init__(self, code: str, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields


def _choices(*enums: type[Enum]) -> frozenset[str]:
    return frozenset(member.value for enum in enums for member in enum)


@dataclass(frozen=True)
class KindSpec:
    name: str
    table: sa.Table
    rule: str
    defaults: dict[str, Any]
    required: frozenset[str]
    id_column: str = "id"
    account_column: str | None = "account_id"  # None: the record is the account / has none
    owner_field: str | None = None
    choices: dict[str, frozenset[str]] | None = None

    @cached_property
    def columns(self) -> dict[str, sa.Column[Any]]:
        return {c.name: c for c in self.table.columns}

    @property
    def deletable(self) -> bool:
        return self.name in p.DELETABLE_KINDS

    def account_of(self, record_id: str, row: dict[str, Any]) -> str | None:
        if self.name == p.KIND_ACCOUNT:
            return record_id
        if self.account_column is None:
            return None
        return row.get(self.account_column)

    def coerce(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Check and convert the client's fields; server-owned ones are dropped."""
        columns = self.columns
        unknown = sorted(set(fields) - set(columns))
        if unknown:
            raise FieldError(
                p.ERROR_INVALID_FIELD,
                f"unknown field(s) for {self.name}: {', '.join(unknown)}",
                unknown,
            )
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name in p.SERVER_FIELDS or name == self.id_column:
                continue
            out[name] = _coerce_value(columns[name], value, name)
            allowed = (self.choices or {}).get(name)
            if allowed is not None and out[name] is not None and out[name] not in allowed:
                raise FieldError(
                    p.ERROR_INVALID_FIELD,
                    f"{name} must be one of {', '.join(sorted(allowed))}, not {value!r}",
                    [name],
                )
        return out


def _coerce_value(column: sa.Column[Any], value: Any, name: str) -> Any:
    def bad(expected: str) -> FieldError:
        return FieldError(
            p.ERROR_INVALID_FIELD, f"{name} must be {expected}, not {value!r}"[:300], [name]
        )

    if value is None:
        if column.nullable:
            return None
        raise bad("set")
    kind = column.type
    if isinstance(kind, sa.TypeDecorator) and not isinstance(kind, UTCDateTime):
        kind = kind.impl_instance  # sqlmodel's AutoString is a String

    def refused(problem: validity.Problem) -> FieldError:
        return FieldError(p.ERROR_INVALID_FIELD, problem.message(name), [name])

    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise bad("an ISO 8601 instant")
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise bad("an ISO 8601 instant") from None
        if instant.tzinfo is None:
            raise bad("an instant with its UTC offset")
        problem = validity.instant_problem(instant)
        if problem is not None:
            raise refused(problem)
        return instant.astimezone(UTC)
    if isinstance(kind, sa.Date):
        if not isinstance(value, str):
            raise bad("a date YYYY-MM-DD")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
        problem = validity.date_problem(day)
        if problem is not None:
            raise refused(problem)
        return day
    if isinstance(kind, sa.Boolean):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        problem = validity.number_problem(value, name)
        if problem is not None:
            raise refused(problem)
        return value
    if isinstance(kind, sa.Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        try:
            number = float(value)
        except OverflowError:
            raise bad("a finite number") from None
        if not math.isfinite(number):
            raise bad("a finite number")
        return number
    if isinstance(kind, sa.String | sa.Text):
        if not isinstance(value, str):
            raise bad("text")
        limit = kind.length or (MAX_ID if column.foreign_keys or name.endswith("_id") else MAX_TEXT)
        problem = validity.text_problem(value, limit)
        if problem is not None:
            raise refused(problem)
        return value
    raise bad("a supported value")  # pragma: no cover - every column type is listed above


def to_wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def wire_record(spec: KindSpec, row: dict[str, Any]) -> dict[str, Any]:
    return {name: to_wire(row.get(name)) for name in spec.columns}


def _table_spec(table: sa.Table, name: str, rule: str, **kw: Any) -> KindSpec:
    """A kind over `table`: a column with a default (or nullable) may be left out of a push."""
    defaults: dict[str, Any] = {}
    required: set[str] = set()
    for column in table.columns:
        if column.default is not None:
            defaults[column.name] = column.default.arg  # type: ignore[attr-defined]  # a ColumnDefault
        elif column.nullable:
            defaults[column.name] = None
        else:
            required.add(column.name)
    # Filled in by the server when missing.
    required -= {"id", "created_at", "updated_at", kw.get("id_column", "id")}
    return KindSpec(
        name=name, table=table, rule=rule, defaults=defaults, required=frozenset(required), **kw
    )


def build_kinds() -> dict[str, KindSpec]:
    kinds = [
        _table_spec(
            schema.accounts,
            p.KIND_ACCOUNT,
            p.RULE_ACCOUNT,
            account_column=None,
            owner_field="owner_id",
            choices={
                "tier": _choices(Tier),
                "tier_override": _choices(Tier),
                "tier_override_reason": _choices(OverrideReason),
                "sales_motion": _choices(SalesMotion),
                "stage": _choices(Stage),
                "currency": frozenset({"USD", "CNY"}),
            },
        ),
        _table_spec(
            schema.account_signals,
            p.KIND_ACCOUNT_SIGNALS,
            p.RULE_MERGE,
            id_column="account_id",
            choices={"payment": _choices(PaymentStatus)},
        ),
        _table_spec(
            schema.contacts, p.KIND_CONTACT, p.RULE_MERGE, choices={"role": _choices(ContactRole)}
        ),
        _table_spec(
            schema.activities,
            p.KIND_ACTIVITY,
            p.RULE_APPEND_ONLY,
            owner_field="author_id",
            choices={"kind": _choices(ActivityKind), "sentiment": _choices(Sentiment)},
        ),
        _table_spec(schema.tasks, p.KIND_TASK, p.RULE_MERGE, owner_field="owner_id"),
        _table_spec(
            schema.checklist_items,
            p.KIND_CHECKLIST_ITEM,
            p.RULE_MERGE,
            choices={"stage": _choices(Stage)},
        ),
        _table_spec(
            schema.stage_changes,
            p.KIND_STAGE_CHANGE,
            p.RULE_APPEND_ONLY,
            choices={"from_stage": _choices(Stage), "to_stage": _choices(Stage)},
        ),
        _table_spec(schema.health_snapshots, p.KIND_HEALTH_SNAPSHOT, p.RULE_APPEND_ONLY),
        _table_spec(
            schema.arr_events,
            p.KIND_ARR_EVENT,
            p.RULE_APPEND_ONLY,
            choices={"kind": _choices(ArrEventKind)},
        ),
        _table_spec(
            schema.renewal_decisions,
            p.KIND_RENEWAL_DECISION,
            p.RULE_APPEND_ONLY,
            owner_field="author_id",
            choices={
                "outcome": _choices(RenewalOutcome),
                "direction": _choices(RenewalDirection),
                "currency": frozenset({"USD", "CNY"}),
            },
        ),
        _table_spec(
            schema.tier_overrides,
            p.KIND_TIER_OVERRIDE,
            p.RULE_APPEND_ONLY,
            owner_field="author_id",
            choices={"tier": _choices(Tier), "reason": _choices(OverrideReason) | {""}},
        ),
        KindSpec(
            name=p.KIND_PREP_NOTE_REVISION,
            table=schema.prep_note_revisions,
            rule=p.RULE_APPEND_ONLY,
            defaults={"body": "", "base_revision_id": None, "author_id": None},
            required=frozenset({"account_id"}),
            owner_field="author_id",
        ),
        *signal_kinds(),
        _table_spec(schema.users, p.KIND_USER, p.RULE_READ_ONLY, account_column=None),
        _table_spec(schema.teams, p.KIND_TEAM, p.RULE_READ_ONLY, account_column=None),
    ]
    return {spec.name: spec for spec in kinds}


def signal_kinds() -> list[KindSpec]:
    """Health's raw signals: ingested by a pipeline (server/ingest.py), pulled, never pushed."""
    return [
        _table_spec(schema.usage_weeks, p.KIND_USAGE_WEEK, p.RULE_READ_ONLY),
        _table_spec(
            schema.support_tickets,
            p.KIND_SUPPORT_TICKET,
            p.RULE_READ_ONLY,
            choices={"priority": signal_checks.TICKET_PRIORITIES},
        ),
        # A survey without its score, an invoice without its amount: refused, not zero.
        _required(
            _table_spec(
                schema.survey_responses,
                p.KIND_SURVEY_RESPONSE,
                p.RULE_READ_ONLY,
                choices={"kind": signal_checks.SURVEY_KINDS},
            ),
            "kind",
            "score",
        ),
        _required(
            _table_spec(
                schema.invoices,
                p.KIND_INVOICE,
                p.RULE_READ_ONLY,
                choices={"currency": signal_checks.INVOICE_CURRENCIES},
            ),
            "amount",
            "currency",
        ),
    ]


def _required(spec: KindSpec, *names: str) -> KindSpec:
    return replace(spec, required=spec.required | frozenset(names))


KINDS: dict[str, KindSpec] = build_kinds()
