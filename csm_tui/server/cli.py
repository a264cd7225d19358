"""`csm-tui serve ...`: run the central API, or administer its teams, users and tokens.

Cheap to import (argparse only): the server's modules load when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from csm_tui.i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from datetime import timedelta

    from csm_tui.server.database import ServerDatabase

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DATABASE_ENV = "CSM_TUI_SERVER_DATABASE"
DEFAULT_TOKEN_LIFETIME = "90d"
_DURATION_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def token_lifetime(text: str) -> timedelta | None:
    """`--expires`: ``90d``, ``12w``, ``24h`` (a `timedelta`), or ``never`` (None)."""
    from datetime import timedelta

    value = text.strip().lower()
    if value == "never":
        return None
    number, unit = value[:-1], value[-1:]
    if unit not in _DURATION_UNITS or not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(
            _("{text} is not a lifetime: write e.g. 90d, 12w, 24h, or never").format(
                text=repr(text)
            )
        )
    return timedelta(seconds=int(number) * _DURATION_UNITS[unit])


_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)


def add_serve_parser(subparsers: argparse._SubParsersAction[_Parser]) -> _Parser:
    """Mount `serve` (and `serve admin ...`) on the `csm-tui` sub-parsers."""
    serve = subparsers.add_parser(
        "serve",
        help=_("run the central API, or administer it (serve admin ...)"),
        description=_("Run the csm-tui central API (OpenAPI at /openapi.json)."),
    )
    database_help = _(
        "database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
        "(env {env}; default: a SQLite file in the user data dir)"
    ).format(env=DATABASE_ENV)
    serve.add_argument("--database", default=None, metavar="URL", help=database_help)
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=_("address to bind (default {host})").format(host=DEFAULT_HOST),
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=_("port (default {port})").format(port=DEFAULT_PORT),
    )
    serve.add_argument(
        "--max-body-mb", type=int, default=16, metavar="MB",
        help=_("refuse request bodies larger than this with 413 (default 16)"),
    )  # fmt: skip
    serve.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help=_("API processes sharing the port (default 1); more hosts may serve the same "
        "database behind any HTTP load balancer"),
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

    commands.add_parser(
        "migrate",
        help=_("create the database's tables, or upgrade them to this version (run it first)"),
    )

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

    lifetime_help = _(
        "how long the token is valid: 90d, 12w, 24h, or never (default {lifetime})"
    ).format(lifetime=DEFAULT_TOKEN_LIFETIME)
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
        path = Path(url[len(prefix) :]).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):  # an open descriptor closed drops locks
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o600))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(OSError):  # gone meanwhile, or not ours to change
                mode = os.stat(file).st_mode
                if mode & 0o077:
                    os.chmod(file, mode & 0o700)


# What `csm-tui serve` needs beyond the client (the `server` extra).
SERVER_MODULES = ("fastapi", "uvicorn", "alembic")


def missing_server_modules(url: str) -> list[str]:
    """The server extra's modules not installed (psycopg only for a PostgreSQL URL)."""
    import importlib.util

    wanted = [*SERVER_MODULES, *(["psycopg"] if url.startswith("postgresql") else [])]

    def absent(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is None
        except (ImportError, ValueError):  # blocked (sys.modules[name] is None) or broken
            return True

    return [name for name in wanted if absent(name)]


def run_serve(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run `csm-tui serve ...`; the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    url = args.database or default_database_url()
    missing = missing_server_modules(url)
    if missing:
        print(
            _(
                "error: csm-tui serve needs the server extra ({modules} not installed): "
                "pip install 'csm-tui[server]'"
            ).format(modules=", ".join(missing)),
            file=err,
        )
        return 2
    _prepare_sqlite_dir(url)

    import sqlalchemy as sa

    from csm_tui.server.database import ServerDatabase
    from csm_tui.server.migrations import SchemaNotCurrent

    shown_url = _shown(url)
    migrating = getattr(args, "admin_command", None) == "migrate"
    try:
        db = ServerDatabase(url)
        try:
            if migrating:
                return _migrate(db, shown_url, out, err)
            db.check_schema()
        except BaseException:
            db.dispose()
            raise
    except SchemaNotCurrent as error:
        if error.current is None:
            problem = _("error: the database {url} has no csm-tui schema yet")
        else:
            problem = _(
                "error: the database {url} is at schema {current}; this csm-tui needs {head}"
            )
        print(
            problem.format(url=shown_url, current=error.current, head=error.head)
            + "\n"
            + _("run: {command}").format(
                command="csm-tui serve admin "
                + (f"--database '{shown_url}' " if args.database else "")
                + "migrate"
            ),
            file=err,
        )
        return 2
    except (ValueError, sa.exc.ArgumentError) as error:
        print(_("error: {error}").format(error=error), file=err)
        return 2
    except sa.exc.SQLAlchemyError as error:
        print(
            _("error: cannot open the database {url}: {error}").format(
                url=shown_url,
                error=f"{error.__class__.__name__}: "
                f"{str(getattr(error, 'orig', error)).strip().splitlines()[0]}",
            ),
            file=err,
        )
        return 2
    try:
        if getattr(args, "serve_command", None) == "admin":
            return _run_admin(args, db, out, err)
        return _run_server(args, db, shown_url, err)
    finally:
        db.dispose()


def _migrate(db: ServerDatabase, shown_url: str, out: TextIO, err: TextIO) -> int:
    from alembic.util import CommandError

    try:
        done = db.migrate()
    except CommandError as error:  # e.g. a revision of a newer csm-tui than this one
        print(
            _("error: cannot migrate the database {url}: {error}").format(
                url=shown_url, error=error
            ),
            file=err,
        )
        return 2
    finally:
        db.dispose()
    if not done.changed:
        said = _("the database {url} is already at schema {after}")
    elif done.before is None:
        said = _("the database {url} is created at schema {after}")
    elif done.before == "unversioned":
        said = _("the database {url}, made before migrations, is upgraded to schema {after}")
    else:
        said = _("the database {url} is upgraded from schema {before} to {after}")
    print(said.format(url=shown_url, before=done.before, after=done.after), file=out)
    return 0


def _shown(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _run_server(args: argparse.Namespace, db: ServerDatabase, shown_url: str, err: TextIO) -> int:
    import uvicorn

    from csm_tui.server.app import build_app
    from csm_tui.server.limits import MIB, ServerLimits

    workers = getattr(args, "workers", 1)
    if args.max_body_mb < 1 or args.auth_failures < 1 or workers < 1:
        print(_("error: --max-body-mb, --auth-failures and --workers must be at least 1"), file=err)
        return 2
    limits = ServerLimits(
        max_body_bytes=args.max_body_mb * MIB, failed_auth_limit=args.auth_failures
    )
    print(
        _(
            "csm-tui central API on http://{host}:{port} — database {url}; OpenAPI at /openapi.json"
        ).format(host=args.host, port=args.port, url=shown_url),
        file=err,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            _("note: tokens travel in clear over plain HTTP; put TLS in front of this server"),
            file=err,
        )
    if workers == 1:
        uvicorn.run(build_app(db, limits), host=args.host, port=args.port, log_level="info")
        return 0
    # Each worker process builds its own app from the environment (nothing shared in memory).
    from csm_tui.server.app import WORKER_ENV

    db.dispose()
    os.environ[WORKER_ENV] = limits.to_env(db.url)
    uvicorn.run(
        "csm_tui.server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_level="info",
    )
    return 0


def _run_admin(args: argparse.Namespace, db: ServerDatabase, out: TextIO, err: TextIO) -> int:
    from csm_tui.server import admin

    command = args.admin_command
    try:
        if command == "create-team":
            team = admin.create_team(db, args.name)
            print(_("team {name} created (id {id})").format(name=team.name, id=team.id), file=out)
        elif command == "create-user":
            user = admin.create_user(db, args.name, args.role, args.team, args.email)
            if user.team_name:
                made = _("user {name} ({role}) in team {team} created (id {id})")
            else:
                made = _("user {name} ({role}) created (id {id})")
            print(
                made.format(name=user.name, role=user.role.value, team=user.team_name, id=user.id),
                file=out,
            )
        elif command == "issue-token":
            token = admin.issue_token(db, args.user, args.expires)
            print(token, file=out)
            print(
                _(
                    "token for {user}{valid}: shown once, store it now "
                    "(csm-tui login --server URL reads it from a prompt or stdin)"
                ).format(user=args.user, valid=_valid_for(args.expires)),
                file=err,
            )
        elif command == "rotate-token":
            token, old = admin.rotate_token(db, args.token, args.expires)
            print(token, file=out)
            print(
                _(
                    "new token for {user}{valid}, shown once; "
                    "the old token {prefix}… is revoked. Sign in with the new one: "
                    "csm-tui login --server URL"
                ).format(user=old.user_name, valid=_valid_for(args.expires), prefix=old.prefix),
                file=err,
            )
        elif command == "revoke-token":
            info = admin.revoke_token(db, args.token)
            print(
                _("token {prefix}… of {user} revoked (id {id})").format(
                    prefix=info.prefix, user=info.user_name, id=info.id
                ),
                file=out,
            )
        elif command == "list-users":
            rows: list[tuple[str, ...]]
            rows = [(u.name, u.role.value, u.team_name or "—", u.id) for u in admin.list_users(db)]
            _table((_("name"), _("role"), _("team"), "id"), rows, out)
        elif command == "list-tokens":
            now = db.clock.now()
            rows = [
                (
                    t.prefix + "…",
                    t.user_name,
                    t.created_at.strftime("%Y-%m-%d %H:%M"),
                    t.expires_at.strftime("%Y-%m-%d %H:%M")
                    if t.expires_at
                    else pgettext("expiry", "never"),
                    _(t.state(now)),
                    t.id,
                )
                for t in admin.list_tokens(db, args.user)
            ]
            header = (_("token"), _("user"), _("created"), _("expires"), _("state"), "id")
            _table(header, rows, out)
    except admin.AdminError as error:
        print(_("error: {error}").format(error=error), file=err)
        return 1
    return 0


def _valid_for(lifetime: timedelta | None) -> str:
    if lifetime is None:
        return _(" (never expires; revoke it when it is no longer needed)")
    hours = round(lifetime.total_seconds() / 3600)
    if hours % 24:
        return ngettext(" (valid {n} hour)", " (valid {n} hours)", hours).format(n=hours)
    days = hours // 24
    return ngettext(" (valid {n} day)", " (valid {n} days)", days).format(n=days)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], out: TextIO) -> None:
    """Columns padded by display width (a CJK character takes two cells)."""
    from csm_tui.domain.fit import cell_width

    widths = [max([cell_width(h), *(cell_width(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def pad(cell: str, width: int) -> str:
        return cell + " " * (width - cell_width(cell))

    for line in (header, *rows):
        print("  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip(), file=out)
