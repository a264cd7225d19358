"""`csm-tui` command line. Thin: parses arguments, then hands over to a command module."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from csm_tui.cli.parser import Parser
from csm_tui.i18n import LANGUAGES, _, choose_language, set_language


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("csm-tui", appauthor=False) / "cache.sqlite3"


def build_parser(every_command: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without `every_command`, only what opens the app (`open`,
    `demo`): the other sub-commands' modules are not imported (start-up, issue 12)."""
    parser = Parser(
        prog="csm-tui",
        description=_("A keyboard-driven terminal app for Customer Success Managers."),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=_("the interface language (default: language in config.toml, else the locale)"),
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help=_("the local cache file (env CSM_TUI_DB; default: the user data dir)"),
    )
    parser.add_argument(
        "--now",
        default=os.environ.get("CSM_TUI_NOW"),
        help=_(
            "freeze the clock at this ISO date/time (env CSM_TUI_NOW; without an offset, in "
            "your time zone); for demos and tests"
        ),
    )
    parser.add_argument(
        "--start",
        choices=("today", "portfolio"),
        default=None,
        help=_("the first screen (default: Today when the cache knows who you are)"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("open", help=_("open the app on the cache (the default)"))
    demo = sub.add_parser("demo", help=_("build a realistic demo book and open the app on it"))
    demo.add_argument(
        "--accounts",
        type=int,
        default=None,
        help=_("accounts in a new book (default 300, ≤ 100000)"),
    )
    demo.add_argument(
        "--seed", type=int, default=None, help=_("random seed (default 7; same seed, same book)")
    )
    demo.add_argument(
        "--no-open", action="store_true", help=_("build the book, do not open the app")
    )
    demo.add_argument(
        "--fresh",
        action="store_true",
        help=_("rebuild an existing demo book: says what it destroys (changes, notes) and asks"),
    )
    demo.add_argument("--yes", action="store_true", help=_("with --fresh: do not ask"))
    demo.add_argument(
        "--as",
        dest="play_as",
        metavar="NAME",
        default=None,
        help=_("be another person of the demo book (a team lead: Elena Rossi)"),
    )
    if not every_command:
        return parser
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
        db: Path = args.db
        return db
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
            _(
                "csm-tui: using the demo book ({demo}): no cache of your own yet "
                "(csm-tui login makes one; --db names another)"
            ).format(demo=demo),
            file=sys.stderr,
        )
        return demo
    return mine


def resolve_demo_db(args: argparse.Namespace) -> Path:
    """The demo book lives beside the real cache, never in it, unless --db names a file."""
    if args.db is not None or os.environ.get("CSM_TUI_DB"):
        return resolve_db(args)
    return default_db_path().with_name("demo.sqlite3")


def apply_language(argv: list[str] | None) -> str:
    """Set the interface language before any text is made: `--lang` (before the
    subcommand) wins, then `language` in config.toml, then the locale, then English.
    A broken config.toml does not stop this: the command that reads it says what is wrong."""
    # Only a good `--lang` is taken here; a missing or unknown one is csm-tui's parser's to
    # say, with its usage, in the language chosen without it (not this bare one's English).
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--lang", default=None)
    try:
        asked = early.parse_known_args(argv)[0].lang
    except argparse.ArgumentError:
        asked = None
    lang = asked if asked in LANGUAGES else None
    setting = None
    if lang is None:
        from csm_tui.config import SettingsError, load_settings

        try:
            setting = load_settings().language
        except SettingsError as error:  # said by the command; in the file's language if set
            setting = error.language
        except OSError:
            setting = None
    language = choose_language(lang, setting, os.environ)
    set_language(language)
    return language


_TOP_OPTIONS = ("--lang", "--db", "--now", "--start")  # each takes a value


def opens_the_app(argv: list[str] | None) -> bool:
    """`csm-tui [options]`, `csm-tui open` or `csm-tui demo …`: a command that needs no
    other sub-command's parser. Help on the whole command line (`-h` before any command),
    every other command and anything not read here (an abbreviated option) build them all.
    Only looks at the words: a mistake in them is the parser's to say, in the interface
    language."""
    words = sys.argv[1:] if argv is None else argv
    i = 0
    while i < len(words):
        word = words[i]
        if word in _TOP_OPTIONS:
            i += 2
        elif word.split("=", 1)[0] in _TOP_OPTIONS:
            i += 1
        else:
            return word in ("open", "demo")
    return True


def main(argv: list[str] | None = None) -> int:
    if opens_the_app(argv):  # no garbage collection before the first paint (ui/heap.py)
        from csm_tui.ui.heap import held_until_painted

        with held_until_painted():
            return _main(argv, app_line=True)
    try:
        code = _main(argv, app_line=False)
        sys.stdout.flush()  # here, not at exit: a reader gone away is caught below
        return code
    except BrokenPipeError:
        # What reads the output went away (`csm-tui export … | head`): stop quietly, as
        # other tools do, instead of a traceback; nothing more can be written to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None, *, app_line: bool) -> int:
    apply_language(argv)
    parser = build_parser(every_command=not app_line)
    args = parser.parse_args(argv)
    command = args.command or "open"
    if command == "open":
        from csm_tui.cli.launch import run_open

        return run_open(args, resolve_book(args))
    if command == "demo":
        from csm_tui.cli.launch import run_demo

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
    parser.error(_("unknown command {command}").format(command=command))
    return 2


if __name__ == "__main__":
    sys.exit(main())
