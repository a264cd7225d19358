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
        print(f"csm-tui: no cache at {db}.\n"
              "  Try the demo book:  csm-tui demo\n"
              "  or name a cache:    csm-tui --db PATH", file=sys.stderr)
        return 1
    from csm_tui.ui.app import make_app

    make_app(_workspace(args, db)).run()
    return 0


def run_demo(args: argparse.Namespace, db: Path) -> int:
    if not 1 <= args.accounts <= 100_000:
        print("csm-tui: --accounts must be between 1 and 100000", file=sys.stderr)
        return 2
    workspace = _workspace(args, db)
    from csm_tui.store.demo import build_demo_book

    print(f"Building a demo book of {args.accounts:,} accounts (seed {args.seed}) in {db} …",
          file=sys.stderr)
    summary = build_demo_book(db, accounts=args.accounts, seed=args.seed,
                              now=workspace.now())
    print(f"  {summary}", file=sys.stderr)
    if args.no_open:
        return 0
    from csm_tui.ui.app import make_app

    make_app(workspace).run()
    return 0
