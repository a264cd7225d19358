"""What the server knows about each record kind: its table, rule, owner field and fields.

Fields arriving in a push are checked and converted here (`KindSpec.coerce`); records leave
through `to_wire`. A bad value is a `FieldError`, answered as a rejected mutation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from csm_tui.domain.activity_form import MAX_TEXT_CHARS
from csm_tui.domain.health import PaymentStatus
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import ArrEventKind
from csm_tui.domain.motion import SalesMotion
from csm_tui.domain.records import ActivityKind, ContactRole, Sentiment
from csm_tui.domain.renewals import RenewalDirection, RenewalOutcome
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.server import schema
from csm_tui.store import models
from csm_tui.store.models import UTCDateTime
from csm_tui.sync import protocol as p

INT32 = (-(2**31), 2**31 - 1)
# Long texts (activity summaries, next steps, notes) must never be refused where the client
# accepted them: the same limit as domain.activity_form.MAX_TEXT_CHARS.
MAX_TEXT = MAX_TEXT_CHARS
MAX_ID = 100


class FieldError(ValueError):
    def __init__(self, code: str, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields


def _choices(*enums) -> frozenset[str]:
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

    @property
    def columns(self) -> dict[str, sa.Column]:
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


def _coerce_value(column: sa.Column, value: Any, name: str) -> Any:
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
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise bad("an ISO 8601 instant")
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise bad("an ISO 8601 instant") from None
        if instant.tzinfo is None:
            raise bad("an instant with its UTC offset")
        return instant.astimezone(UTC)
    if isinstance(kind, sa.Date):
        if not isinstance(value, str):
            raise bad("a date YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if isinstance(kind, sa.Boolean):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        if not INT32[0] <= value <= INT32[1]:
            raise bad("a whole number in range")
        return value
    if isinstance(kind, sa.Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        if not math.isfinite(value):
            raise bad("a finite number")
        return float(value)
    if isinstance(kind, sa.String | sa.Text):
        if not isinstance(value, str):
            raise bad("text")
        limit = kind.length or (MAX_ID if column.foreign_keys or name.endswith("_id") else MAX_TEXT)
        if len(value) > limit:
            raise bad(f"at most {limit} characters")
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


def _model_spec(model, name: str, rule: str, **kw) -> KindSpec:
    table: sa.Table = model.__table__
    defaults: dict[str, Any] = {}
    required: set[str] = set()
    for field_name, info in model.model_fields.items():
        if info.is_required():
            required.add(field_name)
        elif info.default_factory is not None:
            defaults[field_name] = info.default_factory()
        else:
            defaults[field_name] = info.default
    # Filled in by the server when missing.
    required -= {"id", "created_at", "updated_at", kw.get("id_column", "id")}
    return KindSpec(
        name=name, table=table, rule=rule, defaults=defaults, required=frozenset(required), **kw
    )


def build_kinds() -> dict[str, KindSpec]:
    kinds = [
        _model_spec(
            models.Account,
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
        _model_spec(
            models.AccountSignals,
            p.KIND_ACCOUNT_SIGNALS,
            p.RULE_MERGE,
            id_column="account_id",
            choices={"payment": _choices(PaymentStatus)},
        ),
        _model_spec(
            models.Contact, p.KIND_CONTACT, p.RULE_MERGE, choices={"role": _choices(ContactRole)}
        ),
        _model_spec(
            models.Activity,
            p.KIND_ACTIVITY,
            p.RULE_APPEND_ONLY,
            owner_field="author_id",
            choices={"kind": _choices(ActivityKind), "sentiment": _choices(Sentiment)},
        ),
        _model_spec(models.Task, p.KIND_TASK, p.RULE_MERGE, owner_field="owner_id"),
        _model_spec(
            models.ChecklistItem,
            p.KIND_CHECKLIST_ITEM,
            p.RULE_MERGE,
            choices={"stage": _choices(Stage)},
        ),
        _model_spec(
            models.StageChange,
            p.KIND_STAGE_CHANGE,
            p.RULE_APPEND_ONLY,
            choices={"from_stage": _choices(Stage), "to_stage": _choices(Stage)},
        ),
        _model_spec(models.HealthSnapshot, p.KIND_HEALTH_SNAPSHOT, p.RULE_APPEND_ONLY),
        _model_spec(
            models.ArrEvent,
            p.KIND_ARR_EVENT,
            p.RULE_APPEND_ONLY,
            choices={"kind": _choices(ArrEventKind)},
        ),
        _model_spec(
            models.RenewalDecision,
            p.KIND_RENEWAL_DECISION,
            p.RULE_APPEND_ONLY,
            owner_field="author_id",
            choices={
                "outcome": _choices(RenewalOutcome),
                "direction": _choices(RenewalDirection),
                "currency": frozenset({"USD", "CNY"}),
            },
        ),
        _model_spec(
            models.TierOverrideChange,
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
        _model_spec(models.User, p.KIND_USER, p.RULE_READ_ONLY, account_column=None),
        _model_spec(models.Team, p.KIND_TEAM, p.RULE_READ_ONLY, account_column=None),
    ]
    return {spec.name: spec for spec in kinds}


KINDS: dict[str, KindSpec] = build_kinds()
