"""`csm-tui import` and `csm-tui export`: CSV in, CSV/JSON/Markdown out, no TUI.

    csm-tui import accounts FILE --mapping hubspot|salesforce|PATH [--dry-run] [--owner WHO]
    csm-tui import contacts FILE --mapping salesforce-contacts|PATH [--dry-run]
    csm-tui import usage|tickets|surveys|invoices FILE --mapping NAME|PATH [--dry-run]
                   [--skip-unknown-accounts]
    csm-tui export portfolio [FILTER …] [--sort tier|renewal|touch|arr|name]
                             [--format csv|json|md] [--out FILE] [--excel]
    csm-tui export coverage [--team TEAM] [--format csv|json|md] [--out FILE] [--excel]
    csm-tui export prep ACCOUNT [--format md|json|csv] [--out FILE]

Exit codes: 0 done (or a clean dry run), 1 the import was refused (every problem listed,
with its line) or the export failed, 2 a mistake in the command itself.

Building the parser imports argparse only; each command loads what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csm_tui.i18n import N_, _

if TYPE_CHECKING:
    import sqlite3

    from csm_tui.cli.parser import Parser
    from csm_tui.workspace import Workspace

MAX_ISSUES_SHOWN = 50
SIGNAL_KINDS = ("usage", "tickets", "surveys", "invoices")  # domain.signal_mapping.SignalKind
SORTS = ("tier", "renewal", "touch", "arr", "name")  # language.filters.PortfolioSort values


def add_import_export_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    """The `import` and `export` subcommands (mounted by `cli.main.build_parser`)."""
    imp = sub.add_parser(
        "import",
        help=_("import accounts, contacts or health signals from a CSV export (all or nothing)"),
        description=_(
            "Import a CRM's CSV export into the cache. Every row is checked first; "
            "if any has a problem nothing is written and each problem is listed with its line. "
            "Changes are queued for sync like changes made in the app."
        ),
    )
    imp.add_argument(
        "kind",
        choices=("accounts", "contacts", *SIGNAL_KINDS),
        help=_(
            "what the file holds: accounts, contacts, or a health signal (weekly product "
            "usage, support tickets, NPS/CSAT survey answers, invoices)"
        ),
    )
    imp.add_argument("file", type=Path, help=_("the CSV file (UTF-8; , ; or tab separated)"))
    imp.add_argument(
        "--mapping",
        "-m",
        default=None,
        help=_(
            "a shipped mapping (hubspot, salesforce, salesforce-contacts, mixpanel-usage, "
            "zendesk-tickets, delighted-nps, stripe-invoices) or a .toml file; default for "
            "accounts and contacts: headers are csm-tui's own field names"
        ),
    )
    imp.add_argument(
        "--dry-run", "-n", action="store_true", help=_("check and report; write nothing")
    )
    imp.add_argument(
        "--skip-unknown-accounts",
        action="store_true",
        help=_(
            "health signals only: leave out (and count) the rows of accounts this cache does "
            "not have, e.g. a company-wide usage export imported into one team's book"
        ),
    )
    imp.add_argument(
        "--owner", default=None, help=_("owner of new accounts whose row names none (name/email)")
    )
    imp.add_argument(
        "--format", choices=("text", "json"), default="text", help=_("the report's form")
    )

    exp = sub.add_parser(
        "export",
        help=_("export the portfolio, coverage or a call-prep sheet as CSV, JSON or Markdown"),
        description=_("Write an export to --out (atomically) or to standard output."),
    )
    targets = exp.add_subparsers(dest="target", metavar="WHAT", required=True)

    def common(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
        p.add_argument(
            "--format",
            "-f",
            choices=formats,
            default=None,
            help=_("default: from --out's extension, else {format}").format(format=formats[0]),
        )
        p.add_argument(
            "--out", "-o", type=Path, default=None, help=_("file to write (else stdout)")
        )
        p.add_argument(
            "--excel",
            action="store_true",
            help=_("CSV for Excel: a UTF-8 BOM, and text that looks like a formula quoted"),
        )

    port = targets.add_parser("portfolio", help=_("the accounts a filter selects, in order"))
    port.add_argument(
        "filter", nargs="*", help=_('filter words, e.g. tier:strategic renewal:<90d "acme"')
    )
    port.add_argument("--sort", choices=SORTS, default="tier", help=_("the portfolio's order"))
    common(port, ("csv", "json", "md"))

    cov = targets.add_parser("coverage", help=_("the team lead's coverage report"))
    cov.add_argument("--team", default=None, help=_("one team (name or id); default: every team"))
    common(cov, ("csv", "json", "md"))

    prep = targets.add_parser("prep", help=_("the call-prep sheet of one account"))
    prep.add_argument("account", help=_("the account: its name, external id or id"))
    common(prep, ("md", "json", "csv"))


# ------------------------------------------------------------------------------- running


def run_transfer(args: argparse.Namespace, db: Path) -> int:
    """Run `import` or `export` (from `cli.main.main`)."""
    if not db.exists():
        print(
            _(
                "csm-tui: no cache at {db}.\n  Name one with --db PATH (or build the demo: "
                "csm-tui demo --no-open)"
            ).format(db=db),
            file=sys.stderr,
        )
        return 1
    from csm_tui.cli.launch import open_workspace

    workspace = open_workspace(args, db)
    try:
        if args.command == "import":
            return _run_import(args, workspace)
        return _run_export(args, workspace)
    finally:
        workspace.close()


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _run_import(args: argparse.Namespace, ws: Workspace) -> int:
    import json

    from csm_tui.commands.transfer import import_action_words
    from csm_tui.domain.csv_mapping import MappingError
    from csm_tui.domain.text import safe_text
    from csm_tui.store.importer import import_csv, load_mapping

    if args.kind in SIGNAL_KINDS:
        return _run_signal_import(args, ws)
    if args.skip_unknown_accounts:
        _say(
            _("csm-tui: --skip-unknown-accounts is only for health signals ({kinds})").format(
                kinds=", ".join(SIGNAL_KINDS)
            )
        )
        return 2
    try:
        mapping = load_mapping(args.mapping, args.kind)
    except MappingError as error:
        _say(_("csm-tui: --mapping: {error}").format(error=error))
        return 2
    report = import_csv(
        ws.conn,
        args.file,
        mapping,
        args.kind,
        now=ws.now(),
        rules=ws.settings.tier_rules,
        owner_default=args.owner,
        dry_run=args.dry_run,
    )
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(safe_text(report.words().render()))
        for said in (report.ignored_words(), report.no_arr_words()):
            if said is not None:
                print("  " + safe_text(said.render()))
        if report.errors:
            for issue in report.errors[:MAX_ISSUES_SHOWN]:
                print(f"  {safe_text(issue.render())}")
            more = len(report.errors) - MAX_ISSUES_SHOWN
            if more > 0:
                print(_("  … and {more} more problem(s)").format(more=f"{more:,}"))
        elif args.dry_run:
            for o in report.outcomes:
                if o.action in ("create", "update", "skip"):
                    detail = ""
                    if o.changed:
                        detail = f" ({', '.join(o.changed)})"
                    elif o.words is not None:
                        detail = f" ({o.words.render()})"
                    print(
                        _("  line {line}: {action} {name}").format(
                            line=o.line,
                            action=import_action_words(o.action),
                            name=safe_text(o.name + detail),
                        )
                    )
    return 1 if report.errors else 0


def _run_signal_import(args: argparse.Namespace, ws: Workspace) -> int:
    import json

    from csm_tui.commands.transfer import import_action_words
    from csm_tui.domain.csv_mapping import MappingError
    from csm_tui.domain.text import safe_text
    from csm_tui.store.health_recompute import recompute_accounts
    from csm_tui.store.signal_import import (
        import_signals,
        load_signal_mapping,
        shipped_signal_mappings,
    )

    if args.mapping is None:
        from csm_tui.domain.signal_mapping import SignalKind

        shipped = ", ".join(shipped_signal_mappings(args.kind)) or _("none")
        _say(
            _("csm-tui: --mapping: say how to read the {kind} file (shipped: {shipped})").format(
                kind=_(SignalKind(args.kind).label), shipped=shipped
            )
        )
        return 2
    try:
        mapping = load_signal_mapping(args.mapping, args.kind)
    except MappingError as error:
        _say(_("csm-tui: --mapping: {error}").format(error=error))
        return 2
    settings = ws.settings

    def recompute(conn: sqlite3.Connection, ids: Any) -> int:
        return recompute_accounts(
            conn, ws.now(), ids, rules=settings.tier_rules, standards=settings.standards
        )

    report = import_signals(
        ws.conn, args.file, mapping, args.kind, now=ws.now(), dry_run=args.dry_run,
        skip_unknown_accounts=args.skip_unknown_accounts, recompute=recompute,
    )  # fmt: skip
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        return 1 if report.errors else 0
    print(safe_text(report.words().render()))
    for issue in report.errors[:MAX_ISSUES_SHOWN]:
        print(f"  {safe_text(issue.render())}")
    more = report.error_count - min(len(report.errors), MAX_ISSUES_SHOWN)
    if more > 0:
        print(_("  … and {more} more problem(s)").format(more=f"{more:,}"))
    for said in (report.not_in_cache_words(), report.left_out_words()):
        if said is not None:
            print("  " + safe_text(said.render()))
    if not report.errors and args.dry_run:
        shown = [o for o in report.outcomes if o.action != "unchanged"][:MAX_ISSUES_SHOWN]
        for o in shown:
            print(
                _("  line {line}: {action} {name}").format(
                    line=o.line, action=import_action_words(o.action), name=safe_text(o.record_id)
                )
            )
    if report.committed and ws.meta("server_url"):
        _say(
            _(
                "Note: signals imported here stay in this cache (they are not pushed); "
                "a team feeds them to the server's ingest so every CSM sees them."
            )
        )
    return 1 if report.errors else 0


def _run_export(args: argparse.Namespace, ws: Workspace) -> int:
    from csm_tui.commands.export import ExportFormat, format_for_path, write_export
    from csm_tui.store.prep import PrepExportError

    formats = {"portfolio": "csv", "coverage": "csv", "prep": "md"}
    if args.format is not None:
        fmt = ExportFormat.parse(args.format)
    elif args.out is not None:
        fmt = format_for_path(args.out, ExportFormat.parse(formats[args.target]))
    else:
        fmt = ExportFormat.parse(formats[args.target])
    try:
        text, what = _export_text(args, ws, fmt)
    except LookupError as error:
        _say(_("csm-tui: {error}").format(error=error))
        return 1
    except ValueError as error:  # a filter, team or format the user typed
        _say(_("csm-tui: {error}").format(error=error))
        return 2
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        target = write_export(args.out, text)
    except PrepExportError as error:
        _say(_("csm-tui: {error}").format(error=error))
        return 1
    _say(
        _("Exported {what} as {format} → {target}").format(
            what=_(what), format=fmt.value, target=target
        )
    )
    return 0


def _export_text(args: argparse.Namespace, ws: Workspace, fmt: Any) -> tuple[str, str]:
    from csm_tui.commands.export import export_coverage, export_portfolio, export_prep
    from csm_tui.store.cache import META_ME

    conn = ws.conn
    rules = ws.settings.tier_rules
    if args.target == "portfolio":
        from csm_tui.domain.language.filters import PortfolioSort, parse_filter

        flt = parse_filter(" ".join(args.filter))
        text = export_portfolio(
            conn, flt, PortfolioSort(args.sort), ws.today(), ws.meta(META_ME), rules, fmt,
            excel=args.excel, zone=ws.zone,
        )  # fmt: skip
        if flt.is_empty:
            return text, N_("the portfolio")
        return text, _("the portfolio ({filter})").format(filter=flt.to_text())
    if args.target == "prep":
        from csm_tui.cli.account_ref import resolve_account

        account_id = resolve_account(conn, args.account)
        return export_prep(conn, account_id, ws.now(), rules, fmt, excel=args.excel), N_("prep")
    try:
        from csm_tui.store.coverage import load_coverage
    except ImportError:
        raise LookupError(_("coverage is not part of this build of csm-tui yet")) from None
    report = load_coverage(conn, ws.today(), rules, team=args.team)
    return export_coverage(report, fmt, excel=args.excel), N_("coverage")
