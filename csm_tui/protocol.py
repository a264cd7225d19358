"""The wire protocol between the csm-tui client and the central API (spec section 5).

Plain constants and TypedDicts: the client imports this module, the server validates with it.
No pydantic, no Textual, no I/O.

Records
    A record is the row of its kind's table, column by column (`store/models.py`; prep note
    revisions: `PrepNoteRevisionRecord` below). Instants travel as ISO 8601 with an offset
    (the server answers in UTC, ``2026-03-01T09:30:00.000000+00:00``); a naive instant is
    refused. Dates travel as ``YYYY-MM-DD``. Ids are made by the client (`new_uuid7`).

Pull — ``GET /sync/changes?since=<cursor>&limit=<n>`` → `ChangesPage`
    Every write on the server takes the next value of one counter inside its transaction; the
    counter row stays locked until the commit, so versions commit in order and a reader that
    saw version v has also seen every version below v. A pull returns, in version order, the
    latest state of every record the caller may read whose version is above `since`. Start
    with ``since=0``; keep the returned `cursor`; call again while `has_more`. Only the latest
    state of a record is sent (an edit then a delete arrive as one tombstone).
    Tombstones: ``deleted: true, record: null``. A tombstone of kind "account" also means
    "this account and every record under it left your book" — it is sent when an account is
    deleted and when it is reassigned out of the caller's reach; drop the account's children
    locally. When an account enters the caller's book (reassignment), the account and all its
    records arrive again with new versions.

Push — ``POST /sync/push`` `PushRequest` → `PushResponse`
    The outbox in order, at most `PUSH_MAX_MUTATIONS` per request. One transaction per
    request; each mutation is applied or refused on its own. The server stores
    (user, client_id, mutation_id) → result in the same transaction as the change: a retried
    or duplicated push is applied once and answered identically. Reusing a mutation id for
    different content is refused (`ERROR_MUTATION_REUSED`). Results come back in request order.
    Send only the fields you changed; fields not sent are left as they are. The owner of a new
    record (`OWNER_FIELDS`) comes from the token: a body naming another owner is refused
    (`ERROR_FORGED_OWNER`), naming yourself is accepted. ``version``, ``updated_at`` and
    ``deleted_at`` belong to the server and are ignored when sent; ``created_at`` is kept from
    the first upsert (server time if absent) and ignored afterwards; deletes go through
    ``op: "delete"`` (kinds in `DELETABLE_KINDS`; a record's account id never changes).
    A mutation on an account that has left your book is rejected "not_found": keep it and
    show it to the user with the record it concerns. Except history: a new activity whose
    ``occurred_at`` (a new task: ``created_at``) is no later than the moment the account left
    its author is applied — the new owner sees it, and a task goes to the new owner.
    Every mutation is checked on its own against `csm_tui.domain.validity` (no NUL, no lone
    surrogate, dates 1900–9998, ``base_version`` 0..2^63-1, per-field ranges): a bad one is
    rejected with its reason and recorded, the others apply. A rejected change to a record the
    caller may read carries the server's ``record`` and ``version``: put the local copy back.

Conflict rules (`CONFLICT_RULES`)
    append-only (activity, prep_note_revision, health_snapshot, stage_change, arr_event,
        renewal_decision, tier_override): a
        new id is appended; the same id with the same content again is "applied" (idempotent)
        with the stored version; the same id with different content is a "conflict" carrying
        the stored record — nothing is overwritten. A prep note revision names the revision
        it was written from (`base_revision_id`); when that is no longer the latest revision
        of the account's note, both are kept and the result says ``forked: true``.
    merge (contact, task, checklist_item, account_signals): per field, last writer wins; fields
        not sent are untouched. Checklist items are unique per (account, stage, item key): use
        `checklist_item_id` so two devices name the same item alike; a different id for an
        existing (account, stage, item key) is a "conflict" carrying the existing item.
    account: fields in `GUARDED_ACCOUNT_FIELDS` are version-checked: a changed value is a
        "conflict" (nothing of the mutation applied; the result carries the current record and
        ``error.fields``) when that field was changed on the server after `base_version` by
        anyone other than this client. ``base_version == current version`` never conflicts;
        ``base_version: null`` means "I have never seen a server version". Other account fields
        merge per field. `last_touch_at` never moves backwards. Resolving a conflict (keep
        mine / take theirs / edit) is a NEW mutation with the current version as base.
    read-only (user, team; the signal kinds usage_week, support_ticket, survey_response,
        invoice): pulled, never pushed.

Ingest — ``POST /signals/<kind>`` `IngestRequest` → `IngestResponse` (an admin's or an
    ingest token; a CSM's or lead's is refused 403)
    A data pipeline sends up to `INGEST_MAX_ITEMS` records of one signal kind, each a whole
    record (fields not sent take their defaults; ``version`` is ignored); instead of
    ``account_id`` it may name its account by the CRM's id (``account_external_id``, the
    imported ``external_id``: one live account must have it). Each item is
    checked on its own: a refused one is listed with its index and reason (unknown account
    "not_found", deleted account "gone", a bad value "invalid_field"), the others apply.
    Items are keyed by their source id: the same content again changes nothing and takes no
    version ("unchanged"); new content under a known id replaces the record with a new
    version ("replaced"); a record never moves to another account. Clients pull the records
    like any other under the account.

Errors — every error body is ``{"error": {"code": ..., "message": ...}}`` (`ErrorBody`).
    401: `ERROR_TOKEN_MISSING`, `ERROR_TOKEN_INVALID`, `ERROR_TOKEN_REVOKED`,
    `ERROR_TOKEN_EXPIRED` (sign in again with a new token). 429 `auth_throttled` with
    Retry-After: too many refused tokens from this address lately. 413 `too_large`: the body
    is over the server's limit (a push is then refused whole). 404 `not_found`
    for any record the caller may not read (another team's account looks like no account).
    403 `forbidden` for a record the caller may read but not change. In a push these codes
    appear per mutation with status "rejected". 422 `invalid_request` for a malformed request
    (a push is then refused whole, nothing applied); 409 `cursor_ahead`; 503 `unavailable`
    with Retry-After; 500 `internal` (nothing applied). A rejected "storage_error" is not
    recorded: pushing the same mutation again may succeed (the client gives up after a few
    tries and shows it as refused). Values the database refuses for good are rejected
    "invalid_field" and recorded, never "storage_error".
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Annotated, Any, Final, Literal, NotRequired

from annotated_types import Len
from typing_extensions import TypedDict  # pydantic (on the server) needs it before 3.12

PROTOCOL_VERSION: Final = 1

PULL_PATH: Final = "/sync/changes"
PUSH_PATH: Final = "/sync/push"
HEALTH_PATH: Final = "/health"
SIGNALS_PATH: Final = "/signals/{kind}"  # POST: a data pipeline's batch of one signal kind

PULL_DEFAULT_LIMIT: Final = 1000
PULL_MAX_LIMIT: Final = 10_000
PUSH_MAX_MUTATIONS: Final = 1000
INGEST_MAX_ITEMS: Final = 5000

# Record kinds -----------------------------------------------------------------------------
KIND_ACCOUNT: Final = "account"
KIND_ACCOUNT_SIGNALS: Final = "account_signals"  # id is the account id
KIND_CONTACT: Final = "contact"
KIND_ACTIVITY: Final = "activity"
KIND_TASK: Final = "task"
KIND_CHECKLIST_ITEM: Final = "checklist_item"
KIND_STAGE_CHANGE: Final = "stage_change"
KIND_HEALTH_SNAPSHOT: Final = "health_snapshot"
KIND_PREP_NOTE_REVISION: Final = "prep_note_revision"
KIND_ARR_EVENT: Final = "arr_event"  # a change of an account's ARR (store.models.ArrEvent)
KIND_RENEWAL_DECISION: Final = "renewal_decision"  # store.models.RenewalDecision
KIND_TIER_OVERRIDE: Final = "tier_override"  # tier history (store.models.TierOverrideChange)
KIND_USER: Final = "user"
KIND_TEAM: Final = "team"
# Health's raw signals, one record per source record (id: the source's id, prefixed by the
# source name, e.g. "mixpanel:acme-2026-W14"). Ingested by a data pipeline (`SIGNALS_PATH`),
# pulled by every client that may see the account, never pushed.
KIND_USAGE_WEEK: Final = "usage_week"
KIND_SUPPORT_TICKET: Final = "support_ticket"
KIND_SURVEY_RESPONSE: Final = "survey_response"
KIND_INVOICE: Final = "invoice"
SIGNAL_KINDS: Final = (KIND_USAGE_WEEK, KIND_SUPPORT_TICKET, KIND_SURVEY_RESPONSE, KIND_INVOICE)

RULE_APPEND_ONLY: Final = "append-only"
RULE_MERGE: Final = "merge"
RULE_ACCOUNT: Final = "account"
RULE_READ_ONLY: Final = "read-only"

CONFLICT_RULES: Final[dict[str, str]] = {
    KIND_ACCOUNT: RULE_ACCOUNT,
    KIND_ACCOUNT_SIGNALS: RULE_MERGE,
    KIND_CONTACT: RULE_MERGE,
    KIND_ACTIVITY: RULE_APPEND_ONLY,
    KIND_TASK: RULE_MERGE,
    KIND_CHECKLIST_ITEM: RULE_MERGE,
    KIND_STAGE_CHANGE: RULE_APPEND_ONLY,
    KIND_HEALTH_SNAPSHOT: RULE_APPEND_ONLY,
    KIND_PREP_NOTE_REVISION: RULE_APPEND_ONLY,
    KIND_ARR_EVENT: RULE_APPEND_ONLY,
    KIND_RENEWAL_DECISION: RULE_APPEND_ONLY,
    KIND_TIER_OVERRIDE: RULE_APPEND_ONLY,
    KIND_USER: RULE_READ_ONLY,
    KIND_TEAM: RULE_READ_ONLY,
    KIND_USAGE_WEEK: RULE_READ_ONLY,
    KIND_SUPPORT_TICKET: RULE_READ_ONLY,
    KIND_SURVEY_RESPONSE: RULE_READ_ONLY,
    KIND_INVOICE: RULE_READ_ONLY,
}

# Kinds a client may delete (a tombstone follows); the others refuse op "delete".
DELETABLE_KINDS: Final = frozenset({KIND_ACCOUNT, KIND_CONTACT, KIND_ACTIVITY, KIND_TASK})

GUARDED_ACCOUNT_FIELDS: Final = ("owner_id", "arr", "renewal_date", "stage")

# The field naming who owns / wrote a record; set from the token on create.
OWNER_FIELDS: Final[dict[str, str]] = {
    KIND_ACCOUNT: "owner_id",
    KIND_TASK: "owner_id",
    KIND_ACTIVITY: "author_id",
    KIND_PREP_NOTE_REVISION: "author_id",
    KIND_RENEWAL_DECISION: "author_id",
    KIND_TIER_OVERRIDE: "author_id",
}

SERVER_FIELDS: Final = frozenset({"version", "updated_at", "deleted_at"})

# Mutation outcomes -------------------------------------------------------------------------
OP_UPSERT: Final = "upsert"
OP_DELETE: Final = "delete"

STATUS_APPLIED: Final = "applied"
STATUS_CONFLICT: Final = "conflict"
STATUS_REJECTED: Final = "rejected"

# Error codes (HTTP bodies and rejected mutations) ------------------------------------------
ERROR_TOKEN_MISSING: Final = "token_missing"
ERROR_TOKEN_INVALID: Final = "token_invalid"
ERROR_TOKEN_REVOKED: Final = "token_revoked"
ERROR_TOKEN_EXPIRED: Final = "token_expired"  # 401: the client says "sign in again"
ERROR_AUTH_THROTTLED: Final = "auth_throttled"  # 429 + Retry-After: too many refused tokens
ERROR_TOO_LARGE: Final = "too_large"  # 413: the request body is over the server's limit
ERROR_NOT_FOUND: Final = "not_found"
ERROR_FORBIDDEN: Final = "forbidden"
ERROR_FORGED_OWNER: Final = "forged_owner"
ERROR_INVALID_REQUEST: Final = "invalid_request"
ERROR_INVALID_FIELD: Final = "invalid_field"
ERROR_UNKNOWN_KIND: Final = "unknown_kind"
ERROR_READ_ONLY: Final = "read_only"
ERROR_NOT_DELETABLE: Final = "not_deletable"
ERROR_GONE: Final = "gone"  # the record (or its account) was deleted
ERROR_CONFLICT: Final = "conflict"
ERROR_MUTATION_REUSED: Final = "mutation_reused"
ERROR_STORAGE: Final = "storage_error"  # not recorded: retrying may succeed
ERROR_CURSOR_AHEAD: Final = "cursor_ahead"  # 409: the cursor is not from this server; pull from 0
ERROR_UNAVAILABLE: Final = "unavailable"  # 503 with Retry-After: the database is busy or down
ERROR_INTERNAL: Final = "internal"  # 500


class ErrorBody(TypedDict):
    code: str
    message: str
    fields: NotRequired[list[str]]


class ErrorResponse(TypedDict):
    error: ErrorBody


class Change(TypedDict):
    kind: str
    id: str
    version: int
    deleted: bool
    record: dict[str, Any] | None


class ChangesPage(TypedDict):
    changes: list[Change]
    cursor: int
    has_more: bool


class Mutation(TypedDict):
    mutation_id: str  # a UUID made by the client (UUIDv7)
    kind: str
    op: str  # OP_UPSERT | OP_DELETE
    id: str  # the record id, made by the client
    base_version: NotRequired[int | None]  # the server version the edit was made on
    fields: NotRequired[dict[str, Any]]


class PushRequest(TypedDict):
    client_id: Annotated[str, Len(1, 100)]  # the cache's own id (`client_id_of`)
    mutations: list[Mutation]


class MutationResult(TypedDict):
    mutation_id: str
    status: Literal["applied", "conflict", "rejected"]
    version: int | None  # the record's server version after this mutation
    record: dict[str, Any] | None  # the server's record (null for deletes/refusals)
    error: NotRequired[ErrorBody]
    forked: NotRequired[bool]  # prep note revision written on an old revision


class PushResponse(TypedDict):
    results: list[MutationResult]


class IngestRequest(TypedDict):
    items: list[dict[str, Any]]  # whole records of the path's kind, each with its source `id`


class IngestRefusal(TypedDict):
    index: int  # the item's position in `items`, from 0
    id: str | None
    error: ErrorBody


class IngestResponse(TypedDict):
    kind: str
    received: int
    created: int
    replaced: int  # known id, new content: a new version
    unchanged: int  # known id, same content: nothing written
    rejected: list[IngestRefusal]


class PrepNoteRevisionRecord(TypedDict):
    id: str
    account_id: str
    body: str
    base_revision_id: str | None  # the revision this text was edited from
    author_id: str | None
    created_at: str


# Ids -----------------------------------------------------------------------------------------
_RAND74_MASK = (1 << 74) - 1  # the 74 bits of a UUIDv7 after its time and version


class UUID7Factory:
    """Makes UUIDv7 ids (RFC 9562): 48-bit Unix milliseconds, version, 74 more bits.

    Ids made by one factory sort in the order they were made, even within one millisecond
    and even when the wall clock steps back: the 74 bits are then a counter, stepped by a
    random amount (RFC 9562 section 6.2, method 2); when it runs out the timestamp moves on
    by one ms. The client's records (store/ids.py) and the server's take theirs from one
    factory per process (`new_uuid7`, `new_uuid7s`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_rand = 0

    def __call__(self, unix_ms: int | None = None) -> str:
        return self.batch(1, unix_ms)[0]

    def batch(self, n: int, unix_ms: int | None = None) -> list[str]:
        """`n` ids, increasing, as `n` calls would make them (one clock read, one draw of
        random steps: for writing many rows at once)."""
        if n <= 0:
            return []
        now_ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
        steps = os.urandom(3 * n)
        mask = _RAND74_MASK
        out: list[str] = []
        with self._lock:
            if now_ms > self._last_ms:
                # Leave headroom so the counter rarely has to carry into the timestamp.
                ms, rand = now_ms, int.from_bytes(os.urandom(10)) & (mask >> 1)
                first = True
            else:
                ms, rand, first = self._last_ms, self._last_rand, False
            for i in range(n):
                if first:
                    first = False
                else:
                    rand += 1 + int.from_bytes(steps[3 * i : 3 * i + 3])
                    if rand > mask:  # counter overflow: borrow the next millisecond
                        ms, rand = ms + 1, rand & (mask >> 1)
                out.append(uuid7_text(ms, rand))
            self._last_ms, self._last_rand = ms, rand
        return out


def uuid7_text(ms: int, rand74: int) -> str:
    """A UUIDv7 as text from its parts: `ms` (Unix milliseconds, 48 bits), then version 7,
    12 bits of `rand74`, variant 0b10 and its other 62 bits."""
    if not 0 <= ms < 1 << 48:
        raise ValueError(f"timestamp {ms} ms does not fit in 48 bits")
    rand74 &= _RAND74_MASK
    return (
        f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{0x7000 | (rand74 >> 62):04x}-"
        f"{0x8000 | ((rand74 >> 48) & 0x3FFF):04x}-{rand74 & 0xFFFFFFFFFFFF:012x}"
    )


_factory = UUID7Factory()


def new_uuid7(unix_ms: int | None = None) -> str:
    """A new UUIDv7 from this process's factory (`unix_ms`: the clock, for tests)."""
    return _factory(unix_ms)


def new_uuid7s(n: int) -> list[str]:
    """`n` new UUIDv7s from this process's factory, increasing."""
    return _factory.batch(n)


_CHECKLIST_NAMESPACE = uuid.UUID("6f1c2a4e-52c1-4d43-9a55-1f7d8d0c7b11")


def checklist_item_id(account_id: str, stage: str, item_key: str) -> str:
    """The one id of a checklist item, the same on every device (UUIDv5)."""
    return str(uuid.uuid5(_CHECKLIST_NAMESPACE, f"{account_id}\x1f{stage}\x1f{item_key}"))
