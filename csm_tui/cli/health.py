"""`csm-tui health recompute`: score every account's health from the signals in the cache.

    csm-tui health recompute [--account ACCOUNT] [--format text|json]

Stores each score in the account and keeps one snapshot per account per day (running it
twice a day replaces that day's snapshot). Imports of signals recompute the accounts they
touch on their own; this is for a changed standard or tier setting, or a new day.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.i18n import _, ngettext

if TYPE_CHECKING:
    from csm_tui.cli.parser import Parser


def add_health_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    health = sub.add_parser(
        "health",
        help=_("recompute health scores from the signals in the cache"),
        description=_(
            "Score health from the cache's signals (usage weeks, tickets, surveys, "
            "invoices, last touch) and keep today's snapshot."
        ),
    )
    actions = health.add_subparsers(dest="health_action", metavar="ACTION", required=True)
    rec = actions.add_parser("recompute", help=_("score every account (or one) again"))
    rec.add_argument("--account", default=None, help=_("only this account (name, external id, id)"))
    rec.add_argument(
        "--format", choices=("text", "json"), default="text", help=_("the report's form")
    )


def run_health(args: argparse.Namespace, db: Path) -> int:
    if not db.exists():
        print(
            _("csm-tui: no cache at {db}; name one with --db PATH").format(db=db), file=sys.stderr
        )
        return 1
    import json
    import time

    from csm_tui.cli.account_ref import resolve_account
    from csm_tui.cli.launch import open_workspace
    from csm_tui.store.health_recompute import recompute_accounts

    ws = open_workspace(args, db)
    try:
        ids = None
        if args.account is not None:
            try:
                ids = [resolve_account(ws.conn, args.account)]
            except LookupError as error:
                print(_("csm-tui: {error}").format(error=error), file=sys.stderr)
                return 1
        started = time.perf_counter()
        scored = recompute_accounts(
            ws.conn, ws.now(), ids, rules=ws.settings.tier_rules, standards=ws.settings.standards
        )
        seconds = time.perf_counter() - started
    finally:
        ws.close()
    if args.format == "json":
        print(json.dumps({"scored": scored, "day": ws.today().isoformat(), "seconds": seconds}))
    else:
        done = ngettext(
            "Health recomputed for {n} account (snapshot of {day}).",
            "Health recomputed for {n} accounts (snapshot of {day}).",
            scored,
        )
        print(done.format(n=f"{scored:,}", day=ws.today().isoformat()))
    return 0
