"""`csm-tui rates`: dated exchange rates, so ARR history keeps the rate of its own day.

    csm-tui rates set 2026-01-01 7.10      # CNY per USD from that day on
    csm-tui rates import rates.csv         # day,per_usd (or day,currency,per_usd) rows
    csm-tui rates list [--format text|json]

An ARR change is converted at the rate in force on its day; a rate set later changes no
history. While no rate is set, the `cny_per_usd` setting is the rate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.i18n import _, ngettext, os_reason

if TYPE_CHECKING:
    from csm_tui.cli.parser import Parser


def add_rates_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    rates = sub.add_parser(
        "rates",
        help=_("set, import or list dated exchange rates (CNY per USD)"),
        description=_(
            "Dated exchange rates: each is in force from its day until the next; "
            "ARR history is converted at the rate of its own day."
        ),
    )
    actions = rates.add_subparsers(dest="rates_action", metavar="ACTION", required=True)
    put = actions.add_parser("set", help=_("set the rate in force from a day on"))
    put.add_argument("day", help=_("the first day of the rate (YYYY-MM-DD)"))
    put.add_argument("per_usd", help=_("units of the currency per US dollar, e.g. 7.10"))
    put.add_argument("--currency", default="CNY", help=_("the currency (default CNY)"))
    imp = actions.add_parser("import", help=_("set every rate of a CSV file (all or none)"))
    imp.add_argument("file", type=Path, help=_("rows of day,per_usd or day,currency,per_usd"))
    show = actions.add_parser("list", help=_("the rates set, oldest first"))
    show.add_argument("--format", choices=("text", "json"), default="text")


def run_rates(args: argparse.Namespace, db: Path) -> int:
    if not db.exists():
        print(
            _("csm-tui: no cache at {db}; name one with --db PATH").format(db=db), file=sys.stderr
        )
        return 1
    from datetime import date

    from csm_tui.cli.launch import open_workspace
    from csm_tui.store.rates import (
        RateError,
        import_rates,
        load_rates,
        revalue_arr_today,
        set_rate,
    )

    ws = open_workspace(args, db)
    try:
        default = ws.settings.tier_rules.cny_per_usd
        if args.rates_action == "set":
            try:
                day = date.fromisoformat(args.day)
            except ValueError:
                print(
                    _("csm-tui: {day!r} is not a day (YYYY-MM-DD)").format(day=args.day),
                    file=sys.stderr,
                )
                return 2
            try:
                per_usd = float(args.per_usd)
            except ValueError:
                print(
                    _("csm-tui: {error}").format(
                        error=_("{raw} is not a number").format(raw=repr(args.per_usd))
                    ),
                    file=sys.stderr,
                )
                return 2
            try:
                set_rate(ws.conn, day, per_usd, args.currency)
            except ValueError as error:
                print(_("csm-tui: {error}").format(error=error), file=sys.stderr)
                return 2
            revalue_arr_today(ws.conn, default, ws.today())
            print(
                _("Rate set: {rate:g} CNY per USD from {day}.").format(
                    rate=float(args.per_usd), day=day.isoformat()
                )
            )
            return 0
        if args.rates_action == "import":
            try:
                text = args.file.read_text(encoding="utf-8")
                count = import_rates(ws.conn, text)
                revalue_arr_today(ws.conn, default, ws.today())
            except (OSError, RateError) as error:
                said = os_reason(error).render() if isinstance(error, OSError) else str(error)
                print(
                    _("csm-tui: {file}: {error}").format(file=args.file, error=said),
                    file=sys.stderr,
                )
                return 1
            print(
                ngettext(
                    "{n:,} rate set from {file}.", "{n:,} rates set from {file}.", count
                ).format(n=count, file=args.file)
            )
            return 0
        rates = load_rates(ws.conn, default)
        if args.format == "json":
            import json

            print(
                json.dumps(
                    {
                        "default": default,
                        "rates": [
                            {"day": d.isoformat(), "currency": "CNY", "per_usd": r}
                            for d, r in rates.rates
                        ],
                        "today": rates.cny_per_usd(ws.today()),
                    }
                )
            )
            return 0
        if not rates.rates:
            print(
                _("No dated rates; the setting cny_per_usd = {rate:g} applies.").format(
                    rate=default
                )
            )
            return 0
        for day, rate in rates.rates:
            print(_("{day}  {rate:g} CNY per USD").format(day=day.isoformat(), rate=rate))
        print(
            _("In force today ({day}): {rate:g}.").format(
                day=ws.today().isoformat(), rate=rates.cny_per_usd(ws.today())
            )
        )
        return 0
    finally:
        ws.close()
