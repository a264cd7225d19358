"""Account rows planned against the cache: matched by external id or name, what each
changes, its tier, and the contract decisions it carries (a churn, a win-back, a tier
override). Nothing is written here (`store.account_import_writes` writes the plans).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from csm_tui.domain.csv_mapping import ColumnMapping
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.metrics import CENT
from csm_tui.domain.renewals import is_churn_status
from csm_tui.domain.tiers import AccountTraits, OverrideReason, Tier, TierOverride, TierRules
from csm_tui.i18n import N_, Message
from csm_tui.store.cache import META_ME, get_meta
from csm_tui.store.import_matching import CHUNK, AccountBook, UserBook, refusal_words
from csm_tui.store.import_report import CREATE, SKIP, UNCHANGED, UPDATE, RowOutcome
from csm_tui.store.import_rows import ImportRow, ImportRun
from csm_tui.store.ownership import import_owner_refusal
from csm_tui.store.timestamps import date_from_db

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


def _load_accounts(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
    wanted = list(ids)
    out: dict[str, sqlite3.Row] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in conn.execute(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            out[row[0]] = row
    return out


@dataclass
class AccountPlan:
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


def plan_accounts(
    conn: sqlite3.Connection,
    rows: Sequence[ImportRow],
    run: ImportRun,
    rules: TierRules,
    owner_default: str | None,
) -> tuple[list[AccountPlan], list[RowOutcome]]:
    mapping = run.mapping
    users = UserBook(conn)
    me = get_meta(conn, META_ME)
    default_owner: str | None = me if me in users.ids else None
    if owner_default:
        try:
            default_owner = users.find(owner_default)
        except LookupError as exc:
            run.issue(0, Message.of(N_("owner_default: {problem}"), problem=refusal_words(exc)))
    hands_over = import_owner_refusal(conn, me)
    book = AccountBook(conn)
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

    plans: list[AccountPlan] = []
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
                run.issue(row.line, refusal_words(exc), "owner")
        churn_reason, override = _contract_of(row, run, existing.get(aid) if aid else None)
        if row.bad:
            continue
        if aid is None and (refused := hands_over(owner_id or default_owner)) is not None:
            outcomes.append(RowOutcome(row.line, SKIP, name, words=refused))
            continue
        if aid is None:
            plan = _new_account(row, owner_id or default_owner, mapping, rules)
            plan.churn_reason, plan.override = churn_reason, override
            plans.append(plan)
            no_arr = (
                "arr" not in {**mapping.defaults, **row.values}
                and override is None
                and (plan.values["stage"] != Stage.CHURNED.value)
            )
            words = _no_arr_words(plan.values["tier"]) if no_arr else None
            outcomes.append(RowOutcome(row.line, CREATE, name, words=words, no_arr=no_arr))
            continue
        current = existing[aid]
        if _says_churn(row.values):  # the CRM's last ARR is not the ARR in force
            row.values.pop("arr", None)
        win_back = _win_back_of(row, current)
        if win_back is not None:  # the decision writes the ARR, stage and renewal date
            for name in ("arr", "currency", "stage", "renewal_date"):
                row.values.pop(name, None)
        kept_owner = None
        if owner_id not in (None, current["owner_id"]):
            kept_owner = hands_over(owner_id)
            if kept_owner is not None:
                owner_id = None  # the owner stays: a CSM does not hand accounts over
        plan = _changed_account(row, current, owner_id, mapping, rules)
        plan.churn_reason, plan.override, plan.win_back = churn_reason, override, win_back
        if plan.values or churn_reason or override is not None or win_back is not None:
            plans.append(plan)
            changed = tuple(k for k in plan.values if k in _ACCOUNT_STORED)
            changed += ("churned",) * (churn_reason is not None)
            changed += ("won back",) * (win_back is not None)
            changed += ("tier_override",) * (override is not None)
            outcomes.append(RowOutcome(row.line, UPDATE, name, aid, changed, kept_owner))
        else:
            outcomes.append(RowOutcome(row.line, UNCHANGED, name, aid, words=kept_owner))
    return plans, outcomes


def _contract_of(
    row: ImportRow, run: ImportRun, current: sqlite3.Row | None
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


def _win_back_of(row: ImportRow, current: sqlite3.Row) -> tuple[float, date | None] | None:
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


def _no_arr_words(tier: str) -> Message:
    """A new account's row gave no ARR: it is recorded as 0, which places its tier."""
    return Message.of(
        N_("no ARR in the file: recorded as 0, so {tier} until an import gives it"),
        tier=Message.of(Tier(tier).label),
    )


def _new_account(
    row: ImportRow, owner_id: str | None, mapping: ColumnMapping, rules: TierRules
) -> AccountPlan:
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
    return AccountPlan(row.line, values["name"], None, values, new=True)


def _changed_account(
    row: ImportRow,
    current: sqlite3.Row,
    owner_id: str | None,
    mapping: ColumnMapping,
    rules: TierRules,
) -> AccountPlan:
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
    plan = AccountPlan(row.line, current["name"], current["id"], changed, current["version"])
    if "stage" in changed:
        plan.stage_from = current["stage"]
    if "arr_usd" in changed:
        plan.arr_usd_from = current["arr_usd"]
    return plan
