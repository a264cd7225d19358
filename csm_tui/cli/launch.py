"""Opening the app: `csm-tui` on a cache and `csm-tui demo` (its book built, reopened or
rebuilt); `open_workspace`, the cache every sub-command opens. Imports are lazy: each
command pays only for itself."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from csm_tui.config import SettingsError, load_settings
from csm_tui.domain.clock import clock_from
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _, ngettext
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.ui.app import CsmApp

DEMO_ACCOUNTS = 300  # what a plain `csm-tui demo` builds
DEMO_SEED = 7


def open_workspace(args: argparse.Namespace, db: Path) -> Workspace:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise SystemExit(_("csm-tui: {error}").format(error=exc)) from exc
    try:
        clock = clock_from(args.now, settings.zone)
    except ValueError as exc:
        raise SystemExit(_("csm-tui: --now: {error}").format(error=exc)) from exc
    return Workspace(db_path=db, clock=clock, settings=settings)


def run_open(args: argparse.Namespace, db: Path) -> int:
    if not db.exists():
        print(
            _(
                "csm-tui: no cache at {db}.\n"
                "  Try the demo book:  csm-tui demo\n"
                "  or name a cache:    csm-tui --db PATH"
            ).format(db=db),
            file=sys.stderr,
        )
        return 1
    from csm_tui.ui.app import make_app

    return _run_app(make_app(open_workspace(args, db), start=args.start))


def _run_app(app: CsmApp) -> int:
    """Run the app; its exit status (non-zero after an unhandled exception), saying where
    the typing it held was kept."""
    app.run()
    if app.return_code and app.drafts_saved_to is not None:
        print(
            _(
                "csm-tui: your unsaved text is kept in {path}; "
                "it comes back when you start csm-tui again."
            ).format(path=app.drafts_saved_to),
            file=sys.stderr,
        )
    return app.return_code or 0


def _demo_book_name(db: Path) -> str | None:
    """The book name of an existing cache, or None when it is not a cache at all."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM cache_meta WHERE key = 'book_name'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else ""


def _demo_book_losses(db: Path) -> tuple[int, int, int]:
    """What rebuilding the book at `db` destroys: (changes not synced, activities logged
    in it, prep notes written in it). A demo book starts with an empty outbox, so every
    change made in it since it was built is there."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT count(CASE WHEN state = 'pending' THEN 1 END),"
                " count(DISTINCT CASE WHEN kind = 'activity' AND op = 'upsert'"
                "  THEN record_id END),"
                " count(DISTINCT CASE WHEN kind = 'prep_note_revision' THEN record_id END)"
                " FROM outbox"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return (0, 0, 0)
    return (row[0], row[1], row[2])


def _confirm_rebuild(
    args: argparse.Namespace, db: Path, book: str, stdin: TextIO, err: TextIO
) -> bool:
    """Say what `--fresh` destroys; True when the user agrees (or gave --yes)."""
    pending, activities, notes = _demo_book_losses(db)
    changes = ngettext("{n} pending change", "{n} pending changes", pending)
    logged = ngettext("{n} logged activity", "{n} logged activities", activities)
    written = ngettext("{n} prep note", "{n} prep notes", notes)
    print(
        _(
            "csm-tui demo --fresh destroys the demo book in {db} ({book}) and everything "
            "done in it: {changes}, {logged} (calls, notes …) and {written}."
        ).format(
            db=db,
            book=book,
            changes=changes.format(n=f"{pending:,}"),
            logged=logged.format(n=f"{activities:,}"),
            written=written.format(n=f"{notes:,}"),
        ),
        file=err,
    )
    if args.yes:
        return True
    if not stdin.isatty():
        print(_("  Nothing was changed. Add --yes to rebuild it anyway."), file=err)
        return False
    print(_("Rebuild it? [y/N] "), end="", file=err, flush=True)
    answer = stdin.readline().strip().lower()
    if answer in ("y", "yes", "是"):
        return True
    print(_("Nothing was changed."), file=err)
    return False


def _asks_for_another_book(args: argparse.Namespace, existing: str) -> bool:
    """Did the user name an --accounts or --seed the existing book was not built with?"""
    import re

    built = re.fullmatch(r"Demo book \(([\d,]+) accounts, seed (-?\d+)\)", existing)
    if built is None:  # a name this code did not write: only a plain `demo` reopens it
        return args.accounts is not None or args.seed is not None
    accounts, seed = int(built[1].replace(",", "")), int(built[2])
    return (args.accounts not in (None, accounts)) or (args.seed not in (None, seed))


def run_demo(
    args: argparse.Namespace, db: Path, *, stdin: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Build the demo book, or reopen it as it is. Only --fresh destroys a book, and only
    after saying what it destroys and asking (unless --yes)."""
    stdin, err = stdin or sys.stdin, err or sys.stderr
    accounts = DEMO_ACCOUNTS if args.accounts is None else args.accounts
    seed = DEMO_SEED if args.seed is None else args.seed
    if not 1 <= accounts <= 100_000:
        print(_("csm-tui: --accounts must be between 1 and 100000"), file=err)
        return 2
    workspace = open_workspace(args, db)
    existing = _demo_book_name(db) if db.exists() else None
    if db.exists() and not (existing or "").startswith("Demo book"):
        print(
            _(
                "csm-tui: {db} holds a real cache, not a demo book; refusing to overwrite it.\n"
                "  Pick another file with --db."
            ).format(db=db),
            file=err,
        )
        return 1
    if existing and args.fresh:
        if not _confirm_rebuild(args, db, existing, stdin, err):
            return 1
    elif existing and _asks_for_another_book(args, existing):
        print(
            _(
                "csm-tui: {db} holds another demo book ({existing}); it was not changed.\n"
                "  Open it as it is:   csm-tui demo\n"
                "  Rebuild it as asked (destroys the changes made in it):\n"
                "                      csm-tui demo --fresh --accounts {accounts} --seed {seed}"
            ).format(db=db, existing=existing, accounts=accounts, seed=seed),
            file=err,
        )
        return 1
    if existing is None or args.fresh:
        from csm_tui.store.demo import build_demo_book

        print(
            _("Building a demo book of {accounts} accounts (seed {seed}) in {db} …").format(
                accounts=f"{accounts:,}", seed=seed, db=db
            ),
            file=err,
        )
        summary = build_demo_book(
            db, accounts=accounts, seed=seed, now=workspace.now(), replace=True
        )
        rows = summary.rows
        print(
            _(
                "  {book}: {accounts} accounts, {contacts} contacts, {activities} activities, "
                "{tasks} tasks; you are {me}"
            ).format(
                book=summary.book_name,
                accounts=f"{rows.get('accounts', 0):,}",
                contacts=f"{rows.get('contacts', 0):,}",
                activities=f"{rows.get('activities', 0):,}",
                tasks=f"{rows.get('tasks', 0):,}",
                me=summary.me_name,
            ),
            file=err,
        )
    else:
        print(
            _("Opening the demo book in {db}: {book} (csm-tui demo --fresh rebuilds it)").format(
                db=db, book=existing
            ),
            file=err,
        )
    play_as = getattr(args, "play_as", None)
    if play_as is not None and not _play_as(workspace, play_as, err):
        return 1
    if args.no_open:
        return 0
    from csm_tui.ui.app import make_app

    return _run_app(make_app(workspace, start=args.start))


_ROLE_WORDS = {"csm": N_("CSM"), "lead": N_("team lead"), "admin": N_("admin"),
               "ingest": N_("data pipeline")}  # fmt: skip


def _role(code: str) -> str:
    return _(_ROLE_WORDS[code]) if code in _ROLE_WORDS else code


def _play_as(workspace: Workspace, name: str, err: TextIO) -> bool:
    """Make the demo book's user the person named (`find_user`: an id, the name, or a
    unique start of it): a team lead sees Coverage as a lead does and may reassign."""
    from csm_tui.store.cache import set_meta
    from csm_tui.store.lookup import LookupFailed, find_user

    conn = workspace.conn
    try:
        person = find_user(conn, name)
    except LookupFailed:
        people = conn.execute("SELECT name, role FROM users ORDER BY name").fetchall()
        listing = ", ".join(f"{safe_text(p['name'])} ({_role(p['role'])})" for p in people)
        print(
            _("csm-tui: no one (or more than one) in the demo book is called {name!r}; "
              "the people: {listing}").format(name=safe_text(name), listing=listing),
            file=err,
        )  # fmt: skip
        return False
    with conn:
        set_meta(conn, "me", person.id)
    print(
        _("  you are {me} ({role})").format(me=safe_text(person.name), role=_role(person.detail)),
        file=err,
    )
    return True
