"""The central API: `create_app(database_url)` builds the FastAPI app (no engine at import).

(No `from __future__ import annotations` here: FastAPI reads these annotations at run time.)
"""

import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import anyio.to_thread
import sqlalchemy as sa
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from csm_tui import __version__
from csm_tui import protocol as p
from csm_tui.domain import validity
from csm_tui.domain.clock import Clock
from csm_tui.domain.records import Role
from csm_tui.server import reads
from csm_tui.server.access import Caller
from csm_tui.server.database import ServerDatabase, open_database
from csm_tui.server.ingest import ingest_signals, item_fields_doc
from csm_tui.server.limits import BodySizeLimit, FailedAuthThrottle, ServerLimits
from csm_tui.server.pull import CursorAhead, pull_for_token
from csm_tui.server.push import Bearer as PushBearer
from csm_tui.server.push import dumps_utf8, push_mutations
from csm_tui.server.reads import AccountPart, NotFound
from csm_tui.server.tokens import TokenRefused, caller_for, token_missing

Record = dict[str, Any]


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


_T = TypeVar("_T")


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": p.ErrorResponse, "description": "Missing, unknown, revoked or expired token"},
    429: {
        "model": p.ErrorResponse,
        "description": "Too many refused tokens from this address lately; see Retry-After",
    },
    404: {"model": p.ErrorResponse, "description": "Not found, or not in your reach"},
    422: {"model": p.ErrorResponse, "description": "A malformed request (nothing applied)"},
}
PULL_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {
        "model": p.ErrorResponse,
        "description": "`cursor_ahead`: the cursor is not from this server; pull from since=0",
    },
}

PUSH_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"model": p.ErrorResponse, "description": "The body is over the server's size limit"},
}


bearer = HTTPBearer(auto_error=False, description="A token from `csm-tui serve admin`")


@dataclass(frozen=True)
class Bearer:
    """The token a request carries (not checked yet), and where it comes from."""

    token: str
    address: str


async def bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Bearer:
    """The request's bearer token, checked later by the endpoint on the connection it uses
    anyway (one connection and one worker thread less per request: this runs on the event
    loop); 401 without one, 429 while the client's address has had too many tokens refused
    lately."""
    return _bearer_of(request, credentials)


def _bearer_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Bearer:
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.wait_for(address)
    if wait is not None:
        raise ApiError(
            429,
            p.ERROR_AUTH_THROTTLED,
            f"too many refused tokens from {address}; wait {wait} s before trying again",
            headers={"Retry-After": str(wait)},
        )
    if credentials is None or not credentials.credentials:
        raise _token_refused(token_missing())
    return Bearer(credentials.credentials, address)


def _token_refused(refused: TokenRefused) -> ApiError:
    return ApiError(
        401,
        refused.code,
        refused.message,
        headers={"WWW-Authenticate": f'Bearer error="{refused.code}"'},
    )


def refused_bearer(request: Request, bearer: Bearer, refused: TokenRefused) -> ApiError:
    """The 401 for a token the endpoint found refused (counted against its address)."""
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    throttle.failed(bearer.address)
    return _token_refused(refused)


def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The user behind the bearer token; 401 saying what is wrong otherwise, 429 while the
    client's address has had too many tokens refused lately."""
    token = _bearer_of(request, credentials)
    db: ServerDatabase = request.app.state.db
    try:
        with db.read(snapshot=False) as conn:  # the read pool: never waits on pushes
            return caller_for(conn, token.token, db.clock.now())
    except TokenRefused as refused:
        raise refused_bearer(request, token, refused) from None


def member(caller: Caller) -> Caller:
    """`caller`, a person of the team (csm, lead, admin); an ingest token: 403."""
    if caller.role is Role.INGEST:
        raise ApiError(
            403,
            p.ERROR_FORBIDDEN,
            "an ingest token may only send signals (POST /signals/<kind>)",
        )
    return caller


# The role checks are `async`: FastAPI runs them on the event loop instead of handing each
# to a worker thread (one thread hop less per request; they do no I/O).
async def current_member(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """A person of the team (csm, lead, admin); an ingest token is refused 403 here."""
    return member(caller)


async def current_ingester(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    """A data pipeline's ingest token, or an admin; anyone else is refused 403."""
    if not caller.may_ingest:
        raise ApiError(
            403,
            p.ERROR_FORBIDDEN,
            "only an ingest token (serve admin create-user --role ingest) or an admin "
            "may send signals",
        )
    return caller


Me = Annotated[Caller, Depends(current_member)]
# The sync endpoints check the token themselves, on the connection they use anyway.
Token = Annotated[Bearer, Depends(bearer_token)]
Ingester = Annotated[Caller, Depends(current_ingester)]


class SignalKind(StrEnum):
    """The signal kinds a data pipeline sends (`protocol.SIGNAL_KINDS`)."""

    USAGE_WEEK = p.KIND_USAGE_WEEK
    SUPPORT_TICKET = p.KIND_SUPPORT_TICKET
    SURVEY_RESPONSE = p.KIND_SURVEY_RESPONSE
    INVOICE = p.KIND_INVOICE


INGEST_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": p.ErrorResponse, "description": "Not an ingest token nor an admin's"},
    422: {
        "model": p.ErrorResponse,
        "description": f"Not a batch (or more than {p.INGEST_MAX_ITEMS} items): nothing applied",
    },
}


INGEST_DESCRIPTION = (
    "A data pipeline's batch of one signal kind (an ingest token or an admin's). Each item "
    "is a whole record keyed by its source id (`mixpanel:acme-2026-W14`); fields not sent "
    "take their defaults. An item may name its account by the CRM's id "
    "(`account_external_id`, as imported) instead of `account_id`. Each item is checked on "
    "its own: refused ones are listed with their index and reason, the others apply. The "
    "same item again changes nothing (`unchanged`, no new version); new content under a "
    "known id replaces the record (`replaced`, a new version). Clients that may read the "
    "account pull the records.\n\n" + item_fields_doc()
)


def create_app(
    database_url: str, *, clock: Clock | None = None, limits: ServerLimits | None = None
) -> FastAPI:
    """The API on `database_url`, whose schema must be current (`migrate_database`)."""
    db = open_database(database_url, clock)
    return build_app(db, limits)


WORKER_ENV = "CSM_TUI_SERVE_WORKER"


def app_from_environment() -> FastAPI:
    """The app of one `csm-tui serve --workers N` process: database and limits from the
    environment the parent set (`ServerLimits.to_env`)."""
    database_url, limits = ServerLimits.from_env(os.environ[WORKER_ENV])
    return create_app(database_url, limits=limits)


# Worker threads for the endpoints that touch the database (anyio's default is 40). Each holds
# at most one pooled connection at a time; more threads than connections only queue on the
# pool while taking turns at the GIL.
WORKER_THREADS = int(os.environ.get("CSM_TUI_SERVE_THREADS", "16"))


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    yield


def build_app(db: ServerDatabase, limits: ServerLimits | None = None) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="csm-tui central API",
        version=__version__,
        description="Accounts, activities and the offline-first sync protocol of csm-tui "
        f"(protocol {p.PROTOCOL_VERSION}; see csm_tui/protocol.py).",
    )
    app.state.db = db
    limits = limits or ServerLimits()
    app.state.auth_throttle = FailedAuthThrottle(
        limits.failed_auth_limit, limits.failed_auth_window
    )
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)

    @app.exception_handler(ApiError)
    def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in error.errors()]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return error_response(
            422, p.ERROR_INVALID_REQUEST, f"{where}: {first['msg']}", details=details
        )

    @app.exception_handler(StarletteHTTPException)
    def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that is not JSON: a malformed request
            return error_response(422, p.ERROR_INVALID_REQUEST, f"body: {error.detail}")
        code = p.ERROR_NOT_FOUND if error.status_code == 404 else p.ERROR_INVALID_REQUEST
        return error_response(error.status_code, code, str(error.detail), error.headers)

    @app.exception_handler(sa.exc.DataError)
    def _unstorable(_request: Request, _exc: sa.exc.DataError) -> JSONResponse:
        return error_response(
            422, p.ERROR_INVALID_REQUEST, "the request holds a value no database here can hold"
        )

    @app.exception_handler(sa.exc.OperationalError)
    def _unavailable(_request: Request, _exc: sa.exc.OperationalError) -> JSONResponse:
        return error_response(
            503,
            p.ERROR_UNAVAILABLE,
            "the database is busy or unreachable; retry shortly",
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    def _internal(_request: Request, _exc: Exception) -> JSONResponse:
        return error_response(
            500, p.ERROR_INTERNAL, "the server failed on this request; nothing was changed"
        )

    def read(fn: Callable[..., _T], *args: Any) -> _T:
        try:
            with db.read() as conn:
                return fn(conn, *args)
        except NotFound as missing:
            raise ApiError(404, p.ERROR_NOT_FOUND, str(missing)) from None

    @app.get(p.HEALTH_PATH, tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness: no token needed."""
        return {"status": "ok", "protocol": p.PROTOCOL_VERSION}

    @app.get("/me", tags=["people"], responses=ERRORS)
    def me(user: Me) -> dict[str, Any]:
        return {
            "id": user.user_id,
            "name": user.name,
            "role": user.role.value,
            "team_id": user.team_id,
        }

    @app.get("/users", tags=["people"], responses=ERRORS)
    def users(user: Me) -> list[Record]:
        """You and your team (an admin: everyone)."""
        return read(reads.list_users, user)

    @app.get("/teams", tags=["people"], responses=ERRORS)
    def teams(user: Me) -> list[Record]:
        return read(reads.list_teams, user)

    @app.get("/accounts", tags=["accounts"], responses=ERRORS)
    def accounts(
        user: Me,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0, le=validity.INT32[1])] = 0,
    ) -> list[Record]:
        """The accounts you may read, by name."""
        return read(reads.list_accounts, user, limit, offset)

    @app.get("/accounts/{account_id}", tags=["accounts"], responses=ERRORS)
    def account(user: Me, account_id: str) -> Record:
        return read(reads.get_account, user, account_id)

    @app.get("/accounts/{account_id}/signals", tags=["accounts"], responses=ERRORS)
    def signals(user: Me, account_id: str) -> Record:
        """The raw inputs of the account's health."""
        return read(reads.get_signals, user, account_id)

    @app.get("/accounts/{account_id}/{part}", tags=["accounts"], responses=ERRORS)
    def account_part(
        user: Me,
        account_id: str,
        part: AccountPart,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> list[Record]:
        """The records under an account (deleted ones left out)."""
        return read(reads.list_part, user, account_id, part, limit)

    @app.get(p.PULL_PATH, tags=["sync"], response_model=p.ChangesPage, responses=PULL_ERRORS)
    def changes(
        http: Request,
        token: Token,
        since: Annotated[int, Query(ge=0, le=validity.MAX_VERSION)] = 0,
        limit: Annotated[int, Query(ge=1, le=p.PULL_MAX_LIMIT)] = p.PULL_DEFAULT_LIMIT,
    ) -> Response:
        """Changes above `since` you may read, in version order; follow `cursor`."""
        try:
            body = pull_for_token(db, token.token, member, since, limit)
        except TokenRefused as refused:
            raise refused_bearer(http, token, refused) from None
        except CursorAhead:
            raise ApiError(
                409,
                p.ERROR_CURSOR_AHEAD,
                "this cursor was not handed out by this server; pull again from since=0",
            ) from None
        return Response(body, media_type="application/json")

    @app.post(p.PUSH_PATH, tags=["sync"], response_model=p.PushResponse, responses=PUSH_ERRORS)
    def push(http: Request, token: Token, request: Annotated[p.PushRequest, Body()]) -> Response:
        """Apply the outbox; one answer per mutation, stored for retries."""
        client_id = request["client_id"]
        problem = validity.text_problem(client_id, 100)
        if not client_id or problem is not None:
            raise ApiError(422, p.ERROR_INVALID_REQUEST, "client_id must be 1 to 100 characters")
        mutations = request["mutations"]
        if len(mutations) > p.PUSH_MAX_MUTATIONS:
            raise ApiError(
                422,
                p.ERROR_INVALID_REQUEST,
                f"at most {p.PUSH_MAX_MUTATIONS} mutations per push, got {len(mutations)}",
            )
        try:
            results = push_mutations(db, PushBearer(token.token, member), client_id, mutations)
        except TokenRefused as refused:
            raise refused_bearer(http, token, refused) from None
        return Response(dumps_utf8({"results": results}), media_type="application/json")

    @app.post(
        p.SIGNALS_PATH,
        tags=["signals"],
        response_model=p.IngestResponse,
        responses=INGEST_ERRORS,
        description=INGEST_DESCRIPTION,
    )
    def ingest(
        _user: Ingester, kind: SignalKind, request: Annotated[p.IngestRequest, Body()]
    ) -> Response:
        items = request["items"]
        if len(items) > p.INGEST_MAX_ITEMS:
            raise ApiError(
                422,
                p.ERROR_INVALID_REQUEST,
                f"at most {p.INGEST_MAX_ITEMS} items per batch, got {len(items)}",
            )
        report = ingest_signals(db, kind.value, list(items))
        body = json.dumps(report.as_wire(), ensure_ascii=False, separators=(",", ":"))
        return Response(body, media_type="application/json")

    return app
