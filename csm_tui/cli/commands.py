"""What each `csm-tui` command does. Imports are lazy: each command pays only for itself."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from csm_tui.config import SettingsError, load_settings
from csm_tui.domain.clock import clock_from
from csm_tui.workspace import Workspace


def _workspace(args: argparse.Namespace, db: Path) -> Workspace:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise SystemExit(f"csm-tui: {exc}") from exc
    try:
        clock = clock_from(args.now)
    except ValueError as exc:
        raise SystemExit(f"csm-tui: --now: {exc}") from exc
    return Workspace(db_path=db, clock=clock, settings=settings)


def run_open(args: argparse.Namespace, db: Path) -> int:
    if not db.exists():
        print(
            f"csm-tui: no cache at {db}.\n"
            "  Try the demo book:  csm-tui demo\n"
            "  or name a cache:    csm-tui --db PATH",
            file=sys.stderr,
        )
        return 1
    from csm_tui.ui.app import make_app

    return _run_app(make_app(_workspace(args, db), start=args.start))


def _run_app(app) -> int:
    """Run the app; its exit status (non-zero after an unhandled exception), saying where
    the typing it held was kept."""
    app.run()
    if app.return_code and app.drafts_saved_to is not None:
        print(
            f"csm-tui: your unsaved text is kept in {app.drafts_saved_to}; "
            "it comes back when you start csm-tui again.",
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


def run_demo(args: argparse.Namespace, db: Path) -> int:
    if not 1 <= args.accounts <= 100_000:
        print("csm-tui: --accounts must be between 1 and 100000", file=sys.stderr)
        return 2
    workspace = _workspace(args, db)
    wanted = f"Demo book ({args.accounts:,} accounts, seed {args.seed})"
    existing = _demo_book_name(db) if db.exists() else None
    if db.exists() and not (existing or "").startswith("Demo book"):
        print(
            f"csm-tui: {db} holds a real cache, not a demo book; refusing to overwrite it.\n"
            "  Pick another file with --db.",
            file=sys.stderr,
        )
        return 1
    if existing != wanted or args.fresh:
        from csm_tui.store.demo import build_demo_book

        print(
            f"Building a demo book of {args.accounts:,} accounts (seed {args.seed}) in {db} …",
            file=sys.stderr,
        )
        summary = build_demo_book(
            db, accounts=args.accounts, seed=args.seed, now=workspace.now(), replace=True
        )
        rows = summary.rows
        print(
            f"  {summary.book_name}: {rows.get('accounts', 0):,} accounts, "
            f"{rows.get('contacts', 0):,} contacts, {rows.get('activities', 0):,} "
            f"activities, {rows.get('tasks', 0):,} tasks; you are {summary.me_name}",
            file=sys.stderr,
        )
    else:
        print(f"Opening the demo book in {db} (csm-tui demo --fresh rebuilds it)", file=sys.stderr)
    if args.no_open:
        return 0
    from csm_tui.ui.app import make_app

    return _run_app(make_app(workspace, start=args.start))
