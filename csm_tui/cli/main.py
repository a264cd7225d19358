"""`csm-tui` command line. Thin: parses arguments, then hands over to a command module."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("csm-tui", appauthor=False) / "cache.sqlite3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csm-tui",
        description="A keyboard-driven terminal app for Customer Success Managers.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the local cache file (env CSM_TUI_DB; default: the user data dir)",
    )
    parser.add_argument(
        "--now",
        default=os.environ.get("CSM_TUI_NOW"),
        help="freeze the clock at this ISO date/time (env CSM_TUI_NOW; without an offset, in "
        "your time zone); for demos and tests",
    )
    parser.add_argument(
        "--start",
        choices=("today", "portfolio"),
        default=None,
        help="the first screen (default: Today when the cache knows who you are)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("open", help="open the app on the cache (the default)")
    demo = sub.add_parser("demo", help="build a realistic demo book and open the app on it")
    demo.add_argument(
        "--accounts", type=int, default=None, help="accounts in a new book (default 300, ≤ 100000)"
    )
    demo.add_argument(
        "--seed", type=int, default=None, help="random seed (default 7; same seed, same book)"
    )
    demo.add_argument("--no-open", action="store_true", help="build the book, do not open the app")
    demo.add_argument(
        "--fresh",
        action="store_true",
        help="rebuild an existing demo book: says what it destroys (changes, notes) and asks",
    )
    demo.add_argument("--yes", action="store_true", help="with --fresh: do not ask")
    from csm_tui.server.cli import add_serve_parser  # argparse only; the server loads on run

    add_serve_parser(sub)
    from csm_tui.cli.sync_commands import add_sync_parsers  # argparse only

    add_sync_parsers(sub)
    from csm_tui.cli.transfer import add_import_export_parsers  # argparse only

    add_import_export_parsers(sub)
    from csm_tui.cli.run import add_run_parser  # argparse only; commands load on run

    add_run_parser(sub)
    from csm_tui.cli.health import add_health_parser  # argparse only

    add_health_parser(sub)
    from csm_tui.cli.rates import add_rates_parser  # argparse only

    add_rates_parser(sub)
    return parser


def resolve_db(args: argparse.Namespace) -> Path:
    if args.db is not None:
        return args.db
    env = os.environ.get("CSM_TUI_DB")
    return Path(env) if env else default_db_path()


def resolve_book(args: argparse.Namespace) -> Path:
    """The cache that `csm-tui`, `run`, `import` and `export` work on: --db, CSM_TUI_DB or
    your cache — or, while you have no cache of your own yet (before `csm-tui login`), the
    demo book when there is one, saying so on stderr."""
    if args.db is not None or os.environ.get("CSM_TUI_DB"):
        return resolve_db(args)
    mine, demo = default_db_path(), resolve_demo_db(args)
    if not mine.exists() and demo.exists():
        print(
            f"csm-tui: using the demo book ({demo}): no cache of your own yet "
            "(csm-tui login makes one; --db names another)",
            file=sys.stderr,
        )
        return demo
    return mine


def resolve_demo_db(args: argparse.Namespace) -> Path:
    """The demo book lives beside the real cache, never in it, unless --db names a file."""
    if args.db is not None or os.environ.get("CSM_TUI_DB"):
        return resolve_db(args)
    return default_db_path().with_name("demo.sqlite3")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "open"
    if command == "open":
        from csm_tui.cli.commands import run_open

        return run_open(args, resolve_book(args))
    if command == "demo":
        from csm_tui.cli.commands import run_demo

        return run_demo(args, resolve_demo_db(args))
    if command in ("import", "export"):
        from csm_tui.cli.transfer import run_transfer

        return run_transfer(args, resolve_book(args))
    if command == "run":
        from csm_tui.cli.run import run_run

        return run_run(args, resolve_book(args))
    if command == "serve":
        from csm_tui.server.cli import run_serve

        return run_serve(args)
    if command == "login":
        from csm_tui.cli.sync_commands import run_login

        return run_login(args, resolve_db(args))
    if command == "logout":
        from csm_tui.cli.sync_commands import run_logout

        return run_logout(args, resolve_db(args))
    if command == "sync":
        from csm_tui.cli.sync_commands import run_sync_command

        return run_sync_command(args, resolve_db(args))
    if command == "health":
        from csm_tui.cli.health import run_health

        return run_health(args, resolve_db(args))
    if command == "rates":
        from csm_tui.cli.rates import run_rates

        return run_rates(args, resolve_book(args))
    parser.error(f"unknown command {command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
