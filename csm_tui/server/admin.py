"""Admin work on the central API's database: teams, users, tokens.

Used by `csm-tui serve admin ...` and by tests. Teams and users are versioned like every
record, so clients pull them (names of owners, the team).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from csm_tui import protocol as p
from csm_tui.domain.errors import Refusal
from csm_tui.domain.records import Role
from csm_tui.i18n import N_, Message
from csm_tui.protocol import new_uuid7
from csm_tui.server import schema
from csm_tui.server.database import ServerDatabase, WriteTx
from csm_tui.server.kinds import KINDS, wire_record
from csm_tui.server.tokens import PREFIX_LENGTH, new_token, token_hash

teams = schema.teams
users = schema.users
tokens = schema.tokens


class AdminError(Refusal, ValueError):
    """A refused admin command; `words` say why (`str(error)`: in the interface language,
    for the terminal)."""


@dataclass(frozen=True)
class TeamInfo:
    id: str
    name: str


@dataclass(frozen=True)
class UserInfo:
    id: str
    name: str
    role: Role
    team_id: str | None
    team_name: str | None
    email: str = ""


@dataclass(frozen=True)
class TokenInfo:
    id: str
    prefix: str
    user_id: str
    user_name: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """ "active", "revoked" or "expired" at `now` (a code and its English word: the
        edge shows `_(state)`, `TOKEN_STATES`)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


TOKEN_STATES = (N_("active"), N_("revoked"), N_("expired"))
"""A token's states (`TokenInfo.state`), msgids."""


def create_team(db: ServerDatabase, name: str) -> TeamInfo:
    name = name.strip()
    if not name:
        raise AdminError(Message.of(N_("a team needs a name")))
    with db.write() as tx:
        if tx.conn.execute(sa.select(teams.c.id).where(teams.c.name == name)).first():
            raise AdminError(Message.of(N_("a team named {name} exists already"), name=repr(name)))
        row = {"id": new_uuid7(), "name": name}
        tx.conn.execute(sa.insert(teams).values(**row))
        tx.put_version(
            p.KIND_TEAM, row["id"], wire_record(KINDS[p.KIND_TEAM], row), team_id=row["id"]
        )
    return TeamInfo(**row)


def create_user(
    db: ServerDatabase, name: str, role: Role | str, team: str | None = None, email: str = ""
) -> UserInfo:
    """A user with a role; `team` is a team's name or id (required for csm and lead)."""
    name = name.strip()
    try:
        role = Role(role)
    except ValueError:
        expected = ", ".join(r.value for r in Role)
        raise AdminError(
            Message.of(N_("unknown role {role}; expected one of {expected}"), role=repr(role),
                       expected=expected)
        ) from None  # fmt: skip
    if not name:
        raise AdminError(Message.of(N_("a user needs a name")))
    if team is None and role not in (Role.ADMIN, Role.INGEST):
        raise AdminError(Message.of(N_("a {role} belongs to a team: give --team"), role=role.value))
    if team is not None and role is Role.INGEST:
        raise AdminError(
            Message.of(N_("an ingest user (a data pipeline) belongs to no team: leave out --team"))
        )
    with db.write() as tx:
        if tx.conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AdminError(Message.of(N_("a user named {name} exists already"), name=repr(name)))
        team_row = None
        if team is not None:
            team_row = tx.conn.execute(
                sa.select(teams.c.id, teams.c.name).where(
                    sa.or_(teams.c.id == team, teams.c.name == team)
                )
            ).first()
            if team_row is None:
                raise AdminError(
                    Message.of(N_("no team {team}; create it with create-team"), team=repr(team))
                )
        row: dict[str, Any] = {
            "id": new_uuid7(),
            "name": name,
            "email": email,
            "role": role.value,
            "team_id": None if team_row is None else team_row.id,
        }
        tx.conn.execute(sa.insert(users).values(**row))
        if role is not Role.INGEST:  # a pipeline is nobody's colleague: clients never see it
            tx.put_version(
                p.KIND_USER, row["id"], wire_record(KINDS[p.KIND_USER], row), team_id=row["team_id"]
            )
    return UserInfo(
        id=row["id"],
        name=name,
        role=role,
        team_id=row["team_id"],
        team_name=None if team_row is None else team_row.name,
        email=email,
    )


def _find_user(conn: sa.Connection, user: str) -> sa.Row[str, str]:
    row = conn.execute(
        sa.select(users.c.id, users.c.name).where(sa.or_(users.c.id == user, users.c.name == user))
    ).first()
    if row is None:
        raise AdminError(Message.of(N_("no user {user}"), user=repr(user)))
    return row


def _insert_token(tx: WriteTx, user_id: str, expires_in: timedelta | None) -> str:
    if expires_in is not None and expires_in <= timedelta(0):
        raise AdminError(
            Message.of(N_("a token must live a while: give --expires as e.g. 90d, 12w or 24h"))
        )
    token = new_token()
    tx.conn.execute(
        sa.insert(tokens).values(
            id=new_uuid7(),
            user_id=user_id,
            token_hash=token_hash(token),
            prefix=token[:PREFIX_LENGTH],
            created_at=tx.now,
            expires_at=None if expires_in is None else tx.now + expires_in,
        )
    )
    return token


def issue_token(db: ServerDatabase, user: str, expires_in: timedelta | None = None) -> str:
    """A new token for `user` (name or id), valid for `expires_in` (None: until revoked).
    The plaintext exists only in this return value."""
    with db.write() as tx:
        return _insert_token(tx, _find_user(tx.conn, user).id, expires_in)


def _token_infos(conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[TokenInfo]:
    rows = conn.execute(
        sa.select(tokens, users.c.name.label("user_name"))
        .select_from(tokens.join(users, users.c.id == tokens.c.user_id))
        .where(where)
        .order_by(tokens.c.created_at)
    ).mappings()
    return [
        TokenInfo(
            id=r["id"],
            prefix=r["prefix"],
            user_id=r["user_id"],
            user_name=r["user_name"],
            created_at=r["created_at"],
            revoked_at=r["revoked_at"],
            expires_at=r["expires_at"],
        )
        for r in rows
    ]


def _one_token(conn: sa.Connection, prefix_or_id: str) -> TokenInfo:
    """The token named by its id, its first characters (≥ 4) or the whole token."""
    text = prefix_or_id.strip()
    if len(text) > PREFIX_LENGTH:
        where = sa.or_(tokens.c.id == text, tokens.c.token_hash == token_hash(text))
    elif len(text) >= 4:
        where = tokens.c.prefix.startswith(text, autoescape=True)
    else:
        raise AdminError(Message.of(N_("give the token's id or at least its first 4 characters")))
    found = _token_infos(conn, where)
    if not found:
        raise AdminError(Message.of(N_("no token matches {text}"), text=repr(text)))
    if len(found) > 1:
        listed = ", ".join(f"{t.prefix}… ({t.user_name}, id {t.id})" for t in found)  # data
        raise AdminError(
            Message.of(N_("{text} matches {n} tokens: {listed}; give the id"), text=repr(text),
                       n=len(found), listed=listed)
        )  # fmt: skip
    return found[0]


def _revoke(tx: WriteTx, info: TokenInfo) -> TokenInfo:
    if info.revoked_at is not None:
        return info
    tx.conn.execute(sa.update(tokens).where(tokens.c.id == info.id).values(revoked_at=tx.now))
    return TokenInfo(**{**info.__dict__, "revoked_at": tx.now})


def revoke_token(db: ServerDatabase, prefix_or_id: str) -> TokenInfo:
    """Revoke one token, named by its id, its first characters (≥ 4) or the whole token."""
    with db.write() as tx:
        return _revoke(tx, _one_token(tx.conn, prefix_or_id))


def rotate_token(
    db: ServerDatabase, prefix_or_id: str, expires_in: timedelta | None = None
) -> tuple[str, TokenInfo]:
    """Replace a token: a new one for the same user (valid for `expires_in`), and the old
    one revoked at once, in one transaction. (new plaintext token, the old token's info)."""
    with db.write() as tx:
        old = _one_token(tx.conn, prefix_or_id)
        if old.revoked_at is not None:
            raise AdminError(
                Message.of(
                    N_("token {prefix}… of {user} is revoked; issue a new one instead"),
                    prefix=old.prefix,
                    user=old.user_name,
                )
            )
        token = _insert_token(tx, old.user_id, expires_in)
        return token, _revoke(tx, old)


def list_tokens(db: ServerDatabase, user: str | None = None) -> list[TokenInfo]:
    with db.read() as conn:
        where = sa.true() if user is None else tokens.c.user_id == _find_user(conn, user).id
        return _token_infos(conn, where)


def list_users(db: ServerDatabase) -> list[UserInfo]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(users, teams.c.name.label("team_name"))
            .select_from(users.outerjoin(teams, teams.c.id == users.c.team_id))
            .order_by(teams.c.name, users.c.name)
        ).mappings()
        return [
            UserInfo(
                id=r["id"],
                name=r["name"],
                role=Role(r["role"]),
                team_id=r["team_id"],
                team_name=r["team_name"],
                email=r["email"],
            )
            for r in rows
        ]
