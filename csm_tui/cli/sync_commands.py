"""`csm-tui login`, `csm-tui logout` and `csm-tui sync`.

Cheap to import (argparse only): httpx, keyring and the cache load when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from csm_tui.i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from csm_tui.cli.parser import Parser
    from csm_tui.sync.client import SyncClient
    from csm_tui.sync.engine import SyncProgress

BAR_WIDTH = 30


def add_sync_parsers(subparsers: argparse._SubParsersAction[Parser]) -> None:
    login = subparsers.add_parser(
        "login",
        help=_("sign in to a central API (the token is read from a prompt or stdin)"),
        description=_(
            "Sign in to a csm-tui central API. The token (from `csm-tui serve admin "
            "issue-token`) is read from a hidden prompt, or from stdin when it is not a terminal; "
            "it is checked with the server, then kept in the OS keyring."
        ),
    )
    login.add_argument("--server", required=True, metavar="URL", help=_("http(s)://HOST[:PORT]"))
    login.add_argument(
        "--token-file",
        type=Path,
        default=None,
        metavar="PATH",
        help=_(
            "keep the token in this plaintext file (mode 0600) instead of the keyring; "
            "only when no keyring backend is available"
        ),
    )
    subparsers.add_parser("logout", help=_("forget the token of the server this cache syncs with"))
    sync = subparsers.add_parser(
        "sync", help=_("push local changes and pull the server's (progress on stderr)")
    )
    sync.add_argument(
        "--page-size",
        type=int,
        default=5000,
        metavar="N",
        help=_("changes per pull request (default 5000)"),
    )


def _now(args: argparse.Namespace) -> datetime:
    from csm_tui.config import SettingsError, load_settings
    from csm_tui.domain.clock import clock_from

    try:
        zone = load_settings().zone
    except SettingsError as exc:
        raise SystemExit(_("csm-tui: {error}").format(error=exc)) from exc
    try:
        return clock_from(args.now, zone).now()
    except ValueError as exc:
        raise SystemExit(_("csm-tui: --now: {error}").format(error=exc)) from exc


def _read_token(stdin: TextIO, err: TextIO, server: str) -> str:
    if stdin.isatty():
        import getpass

        return getpass.getpass(
            _("Token for {server} (input hidden): ").format(server=server), stream=err
        ).strip()
    return stdin.read().strip()


def run_login(
    args: argparse.Namespace,
    db: Path,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    client_factory: Callable[[str, str], SyncClient] | None = None,
) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    from csm_tui.sync import credentials

    try:
        server = credentials.normalise_url(args.server)
    except credentials.CredentialsError as error:
        print(_("csm-tui login: {error}").format(error=error), file=err)
        return 2
    if args.token_file is None:
        problem = credentials.keyring_problem()
        if problem:
            print(_("csm-tui login: {error}").format(error=problem), file=err)
            return 2
    token = _read_token(stdin, err, server)
    if not token:
        print(_("csm-tui login: no token given"), file=err)
        return 2

    from csm_tui.sync.client import RetryPolicy, SyncClient, SyncError

    make = client_factory or (
        lambda url, tok: SyncClient(url, tok, retry=RetryPolicy(max_attempts=3, max_total=20))
    )
    try:
        with make(server, token) as client:
            me = client.me()
    except SyncError as error:
        print(_("csm-tui login: {error}").format(error=error), file=err)
        return 1
    try:
        where = credentials.store_token(server, token, token_file=args.token_file)
    except credentials.CredentialsError as error:
        print(_("csm-tui login: {error}").format(error=error), file=err)
        return 2

    from csm_tui.store.cache import connect

    conn = connect(db)
    try:
        reset = credentials.remember_sign_in(conn, server, me["id"], args.token_file)
    finally:
        conn.close()
    print(
        _("signed in to {server} as {name} ({role}); token kept in {where}").format(
            server=server, name=me["name"], role=me["role"], where=where
        ),
        file=out,
    )
    if reset:
        print(
            _(
                "note: this cache synced with another server or person before; the next sync "
                "pulls everything again"
            ),
            file=err,
        )
    return 0


def run_logout(
    args: argparse.Namespace, db: Path, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if not db.exists():
        print(_("csm-tui logout: no cache at {db}").format(db=db), file=err)
        return 1
    from csm_tui.store.cache import META_SERVER_URL, connect, get_meta, set_meta
    from csm_tui.sync import credentials

    conn = connect(db)
    try:
        server = get_meta(conn, META_SERVER_URL)
        if not server:
            print(_("not signed in: nothing to forget"), file=out)
            return 0
        token_file = credentials.token_file_of(conn)
        try:
            removed = credentials.delete_token(server, token_file=token_file)
        except credentials.CredentialsError as error:
            print(_("csm-tui logout: {error}").format(error=error), file=err)
            return 1
        with conn:
            set_meta(conn, credentials.META_TOKEN_FILE, None)
            set_meta(conn, credentials.META_SIGNED_OUT, "1")
    finally:
        conn.close()
    if removed:
        print(
            _("signed out of {server}: token removed; local data and pending changes kept").format(
                server=server
            ),
            file=out,
        )
    else:
        print(_("no token was stored for {server}").format(server=server), file=out)
    return 0


class ProgressBar:
    """A one-line progress display on a text stream (redrawn in place on a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.dirty = False

    def __call__(self, progress: SyncProgress) -> None:
        if progress.total:
            filled = round(BAR_WIDTH * progress.done / progress.total)
            line = (
                f"{progress.phase:<5} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                f"{progress.done:,}/{progress.total:,}"
            )
        else:
            line = f"{progress.phase:<5} {progress.done:,} changes"
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
            self.dirty = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        self.end()
        self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.dirty:
            self.stream.write("\n")
            self.dirty = False


def run_sync_command(
    args: argparse.Namespace, db: Path, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if not db.exists():
        print(
            _("csm-tui sync: no cache at {db}; sign in first: csm-tui login --server URL").format(
                db=db
            ),
            file=err,
        )
        return 2
    if args.page_size < 1:
        print(_("csm-tui sync: --page-size must be at least 1"), file=err)
        return 2
    from csm_tui.sync.client import SyncClient
    from csm_tui.sync.engine import FAILED_SIGNED_OUT, run_sync

    bar = ProgressBar(err)

    def make(url: str, token: str) -> SyncClient:
        return SyncClient(
            url,
            token,
            on_retry=lambda e: bar.note(
                _("  {request}: {reason}; retrying in {delay} s").format(
                    request=e.request, reason=e.reason, delay=f"{e.delay:.1f}"
                )
            ),
        )

    before = _handed_over_ids(db)
    report = run_sync(db, _now(args), progress=bar, client_factory=make, page_size=args.page_size)
    bar.end()
    print(report.summary(with_errors=False), file=out)
    _print_handed_over(db, before, out)
    if report.ok:
        return 0
    print(_("csm-tui sync: {errors}").format(errors="; ".join(report.errors)), file=err)
    return 2 if report.error_kind == FAILED_SIGNED_OUT else 1


def _handed_over_ids(db: Path) -> set[str]:
    from csm_tui.store.cache import connect
    from csm_tui.sync.conflicts import list_handed_over

    conn = connect(db)
    try:
        return {gone.item.mutation_id for gone in list_handed_over(conn)}
    finally:
        conn.close()


def _print_handed_over(db: Path, before: set[str], out: TextIO) -> None:
    """Calls and tasks that left this book with their account during this sync: one line
    each (they are also listed on the Sync screen)."""
    from csm_tui.domain.text import safe_text
    from csm_tui.store.cache import connect
    from csm_tui.sync.conflicts import list_handed_over

    conn = connect(db)
    try:
        gone = [g for g in list_handed_over(conn) if g.item.mutation_id not in before]
    finally:
        conn.close()
    for handed in reversed(gone):
        print(safe_text(handed.describe()), file=out)
