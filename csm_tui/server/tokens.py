"""Bearer tokens: random, shown once, stored as their SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain.records import Role
from csm_tui.server import schema
from csm_tui.server.access import Caller

PREFIX_LENGTH = 8
users = schema.users
_t = schema.tokens
# Built once (every request runs it): the state of the token :token_hash, and its user.
CALLER = (
    sa.select(
        _t.c.revoked_at, _t.c.expires_at, users.c.id, users.c.name, users.c.role, users.c.team_id
    )
    .select_from(_t.join(users, users.c.id == _t.c.user_id))
    .where(_t.c.token_hash == sa.bindparam("token_hash"))
)


def new_token() -> str:
    """A random 32-byte url-safe token (43 characters), never starting with "-": an admin
    names a token by its first characters (`serve admin revoke-token PREFIX`), and a
    prefix like "-x3f…" reads as an option (1 token in 64 did)."""
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def token_missing() -> TokenRefused:
    return TokenRefused(
        p.ERROR_TOKEN_MISSING, "send 'Authorization: Bearer <token>' (csm-tui login)"
    )


def caller_for(conn: sa.Connection, token: str | None, now: datetime) -> Caller:
    """The user behind `token` at `now`, or `TokenRefused` saying what is wrong with it."""
    if not token:
        raise token_missing()
    return caller_of(conn.execute(CALLER, {"token_hash": token_hash(token)}).first(), now)


def caller_of(row: sa.Row[*tuple[Any, ...]] | None, now: datetime) -> Caller:
    """The user of a row of `CALLER` (None: no such token) at `now`, or `TokenRefused`."""
    if row is None:
        raise TokenRefused(p.ERROR_TOKEN_INVALID, "this token is not known to the server")
    if row.revoked_at is not None:
        raise TokenRefused(
            p.ERROR_TOKEN_REVOKED, "this token was revoked; ask an admin for a new one"
        )
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenRefused(
            p.ERROR_TOKEN_EXPIRED,
            f"this token expired on {row.expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask an admin for a new one and sign in again",
        )
    return Caller(user_id=row.id, name=row.name, role=Role(row.role), team_id=row.team_id)
