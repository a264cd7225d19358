"""`csm-tui serve ...`: run the central API, or administer its teams, users and tokens.

Cheap to import (argparse only): the server's modules load when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from csm_tui.i18n import _

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DATABASE_ENV = "CSM_TUI_SERVER_DATABASE"
DEFAULT_TOKEN_LIFETIME = "90d"
_DURATION_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def token_lifetime(text: str):
    """`--expires`: ``90d``, ``12w``, ``24h`` (a `timedelta`), or ``never`` (None)."""
    from datetime import timedelta

    value = text.strip().lower()
    if value == "never":
        return None
    number, unit = value[:-1], value[-1:]
    if unit not in _DURATION_UNITS or not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a lifetime: write e.g. 90d, 12w, 24h, or never"
        )
    return timedelta(seconds=int(number) * _DURATION_UNITS[unit])


def add_serve_parser(subparsers) -> argparse.ArgumentParser:
    """Mount `serve` (and `serve admin ...`) on the `csm-tui` sub-parsers."""
    serve = subparsers.add_parser(
        "serve",
        help=_("run the central API, or administer it (serve admin ...)"),
        description=_("Run the csm-tui central API (OpenAPI at /openapi.json)."),
    )
    database_help = (
        f"database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
        f"(env {DATABASE_ENV}; default: a SQLite file in the user data dir)"
    )
    serve.add_argument("--database", default=None, metavar="URL", help=database_help)
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--max-body-mb", type=int, default=16, metavar="MB",
        help=_("refuse request bodies larger than this with 413 (default 16)"),
    )  # fmt: skip
    serve.add_argument(
        "--auth-failures", type=int, default=10, metavar="N",
        help=_("refused tokens an address may send per minute before it is answered 429 "
        "(default 10)"),
    )  # fmt: skip
    serve_sub = serve.add_subparsers(dest="serve_command", metavar="admin")

    admin = serve_sub.add_parser("admin", help=_("teams, users and tokens"))
    admin.add_argument("--database", default=argparse.SUPPRESS, metavar="URL", help=database_help)
    commands = admin.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)

    team = commands.add_parser("create-team", help=_("create a team"))
    team.add_argument("name")

    user = commands.add_parser("create-user", help=_("create a user with a role"))
    user.add_argument("name")
    user.add_argument(
        "--role",
        required=True,
        choices=["csm", "lead", "admin", "ingest"],
        help=_("ingest: a data pipeline that may only send signals (POST /signals/<kind>)"),
    )
    user.add_argument("--team", default=None, help=_("team name or id (required for csm and lead)"))
    user.add_argument("--email", default="")

    lifetime_help = (
        f"how long the token is valid: 90d, 12w, 24h, or never (default {DEFAULT_TOKEN_LIFETIME})"
    )
    issue = commands.add_parser("issue-token", help=_("issue a token for a user (shown once)"))
    issue.add_argument("user", help=_("user name or id"))
    issue.add_argument(
        "--expires", type=token_lifetime, default=DEFAULT_TOKEN_LIFETIME, metavar="LIFETIME",
        help=lifetime_help,
    )  # fmt: skip

    rotate = commands.add_parser(
        "rotate-token",
        help=_("replace a token: a new one for its user (shown once), the old revoked"),
    )
    rotate.add_argument(
        "token", metavar="TOKEN_PREFIX_OR_ID",
        help=_("the token's id, its first characters (≥ 4) or the whole token"),
    )  # fmt: skip
    rotate.add_argument(
        "--expires", type=token_lifetime, default=DEFAULT_TOKEN_LIFETIME, metavar="LIFETIME",
        help=lifetime_help,
    )  # fmt: skip

    revoke = commands.add_parser("revoke-token", help=_("revoke a token"))
    revoke.add_argument(
        "token",
        metavar="TOKEN_PREFIX_OR_ID",
        help=_("the token's id, its first characters (≥ 4) or the whole token"),
    )

    commands.add_parser("list-users", help=_("list users with their role and team"))
    tokens = commands.add_parser("list-tokens", help=_("list tokens (prefix, user, state)"))
    tokens.add_argument("user", nargs="?", default=None, help=_("only this user's tokens"))
    return serve


def default_database_url() -> str:
    env = os.environ.get(DATABASE_ENV)
    if env:
        return env
    from platformdirs import user_data_path

    path = user_data_path("csm-tui", appauthor=False) / "server.sqlite3"
    return f"sqlite:///{path}"


def _prepare_sqlite_dir(url: str) -> None:
    """A SQLite database holds every team's book: create it readable by its owner only."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        from csm_tui.store.cache import make_private

        make_private(Path(url[len(prefix) :]).expanduser())


def run_serve(args: argparse.Namespace, out=None, err=None) -> int:
    """Run `csm-tui serve ...`; the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    url = args.database or default_database_url()
    _prepare_sqlite_dir(url)

    import sqlalchemy as sa

    from csm_tui.server.database import open_database

    shown_url = _shown(url)
    try:
        db = open_database(url)
    except (ValueError, sa.exc.ArgumentError) as error:
        print(f"error: {error}", file=err)
        return 2
    except sa.exc.SQLAlchemyError as error:
        print(
            f"error: cannot open the database {shown_url}: {error.__class__.__name__}: "
            f"{str(getattr(error, 'orig', error)).strip().splitlines()[0]}",
            file=err,
        )
        return 2
    try:
        if getattr(args, "serve_command", None) == "admin":
            return _run_admin(args, db, out, err)
        return _run_server(args, db, shown_url, err)
    finally:
        db.dispose()


def _shown(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _run_server(args: argparse.Namespace, db, shown_url: str, err) -> int:
    import uvicorn

    from csm_tui.server.app import build_app
    from csm_tui.server.limits import MIB, ServerLimits

    if args.max_body_mb < 1 or args.auth_failures < 1:
        print("error: --max-body-mb and --auth-failures must be at least 1", file=err)
        return 2
    limits = ServerLimits(
        max_body_bytes=args.max_body_mb * MIB, failed_auth_limit=args.auth_failures
    )
    app = build_app(db, limits)
    print(
        f"csm-tui central API on http://{args.host}:{args.port} — database {shown_url}; "
        "OpenAPI at /openapi.json",
        file=err,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "note: tokens travel in clear over plain HTTP; put TLS in front of this server",
            file=err,
        )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _run_admin(args: argparse.Namespace, db, out, err) -> int:
    from csm_tui.server import admin

    command = args.admin_command
    try:
        if command == "create-team":
            team = admin.create_team(db, args.name)
            print(f"team {team.name} created (id {team.id})", file=out)
        elif command == "create-user":
            user = admin.create_user(db, args.name, args.role, args.team, args.email)
            team = f" in team {user.team_name}" if user.team_name else ""
            print(f"user {user.name} ({user.role.value}){team} created (id {user.id})", file=out)
        elif command == "issue-token":
            token = admin.issue_token(db, args.user, args.expires)
            print(token, file=out)
            print(
                f"token for {args.user}{_valid_for(args.expires)}: shown once, store it now "
                "(csm-tui login --server URL reads it from a prompt or stdin)",
                file=err,
            )
        elif command == "rotate-token":
            token, old = admin.rotate_token(db, args.token, args.expires)
            print(token, file=out)
            print(
                f"new token for {old.user_name}{_valid_for(args.expires)}, shown once; "
                f"the old token {old.prefix}… is revoked. Sign in with the new one: "
                "csm-tui login --server URL",
                file=err,
            )
        elif command == "revoke-token":
            info = admin.revoke_token(db, args.token)
            print(f"token {info.prefix}… of {info.user_name} revoked (id {info.id})", file=out)
        elif command == "list-users":
            rows = [(u.name, u.role.value, u.team_name or "—", u.id) for u in admin.list_users(db)]
            _table(("name", "role", "team", "id"), rows, out)
        elif command == "list-tokens":
            now = db.clock.now()
            rows = [
                (
                    t.prefix + "…",
                    t.user_name,
                    t.created_at.strftime("%Y-%m-%d %H:%M"),
                    t.expires_at.strftime("%Y-%m-%d %H:%M") if t.expires_at else "never",
                    t.state(now),
                    t.id,
                )
                for t in admin.list_tokens(db, args.user)
            ]
            _table(("token", "user", "created", "expires", "state", "id"), rows, out)
    except admin.AdminError as error:
        print(f"error: {error}", file=err)
        return 1
    return 0


def _valid_for(lifetime) -> str:
    if lifetime is None:
        return " (never expires; revoke it when it is no longer needed)"
    hours = round(lifetime.total_seconds() / 3600)
    if hours % 24:
        return f" (valid {hours} hour{'s' * (hours != 1)})"
    return f" (valid {hours // 24} day{'s' * (hours != 24)})"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], out) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for line in (header, *rows):
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip(),
            file=out,
        )
