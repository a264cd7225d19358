"""`csm-tui run 'COMMAND'` and `csm-tui run -f script.csm`: the command language, no TUI.

Cheap to import (argparse only). Running a filter loads the domain, the cache and the
portfolio read path — never Textual, never SQLModel.

Exit status: 0 when everything ran; 2 when a line cannot be read (nothing ran); 1 when a
line failed (nothing of the script was saved, unless the message says otherwise: only the
closing `sync` or writing a file can fail after the save). The error goes to stderr as
``script.csm:7: <reason>`` (or ``csm-tui run: <reason>``), then the line with a caret under
the place the reason points at. With ``--format json`` a failure also prints one object
to stdout: ``{"ok": false, "file", "line", "position", "error", "saved"}``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from csm_tui.i18n import _, os_reason

if TYPE_CHECKING:
    from csm_tui.cli.parser import Parser

FORMATS = ("table", "json", "csv")


def add_run_parser(subparsers: argparse._SubParsersAction[Parser]) -> None:
    run = subparsers.add_parser(
        "run",
        help=_("run a command of the command language (or a script of them) on the cache"),
        description=_(
            "Run one command ('csm-tui run \"filter tier:strategic health:<60\"') or "
            "a script of commands, one a line ('#' comments, blank lines ok), on the cache "
            "without the TUI. A script is all or nothing: if a line fails, nothing changes. "
            "'csm-tui run help' lists the verbs."
        ),
    )
    run.add_argument(
        "line", nargs="?", metavar="COMMAND", help=_("one command, quoted as one argument")
    )
    run.add_argument(
        "-f", "--file", type=Path, default=None, metavar="SCRIPT",
        help=_("run the commands in SCRIPT ('-': standard input)"),
    )  # fmt: skip
    run.add_argument(
        "--format", choices=FORMATS, default="table",
        help=_("table (for people, the default), json (one object per command, one a line) "
        "or csv (the tables)"),
    )  # fmt: skip
    run.add_argument(
        "--dry-run", action="store_true",
        help=_("run everything, report what would change, then roll it all back"),
    )  # fmt: skip


def _caret(text: str, position: int | None) -> str:
    if position is None:
        return ""
    from csm_tui.domain.fit import cell_width
    from csm_tui.domain.text import safe_text

    line = safe_text(text)
    before = safe_text(text[:position])
    return f"  {line}\n  {' ' * cell_width(before)}^\n"


def run_run(
    args: argparse.Namespace,
    db: Path,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    if (args.line is None) == (args.file is None):
        print(
            _(
                "csm-tui run: give one command ('csm-tui run \"filter tier:strategic\"') "
                "or a script (-f FILE)"
            ),
            file=err,
        )
        return 2
    if args.file is not None:
        where = "<stdin>" if str(args.file) == "-" else str(args.file)
        try:
            source = stdin.read() if where == "<stdin>" else args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            if isinstance(error, OSError):
                said = os_reason(error).render()
            else:
                said = _("not UTF-8 text (byte {byte} at position {position})").format(
                    byte=f"0x{error.object[error.start]:02X}", position=error.start + 1
                )
            print(
                _("csm-tui run: cannot read {file}: {error}").format(file=where, error=said),
                file=err,
            )
            return 2
        from csm_tui.commands.run import script_lines

        lines = script_lines(source)
        prefix = f"{where}:"
    else:
        lines = [(1, args.line)]
        where, prefix = None, "csm-tui run:"
    if not db.exists():
        print(
            _(
                "csm-tui run: no cache at {db}.\n"
                "  Try the demo book:  csm-tui demo --no-open\n"
                "  or name a cache:    csm-tui --db PATH run ..."
            ).format(db=db),
            file=err,
        )
        return 1

    import sqlite3

    from csm_tui.cli.launch import open_workspace
    from csm_tui.commands.output import render
    from csm_tui.commands.run import ScriptError, run_script

    workspace = open_workspace(args, db)
    try:
        results = run_script(workspace, lines, dry_run=args.dry_run)
    except sqlite3.Error as error:
        print(_("csm-tui run: the cache could not be used ({error}); nothing was changed")
              .format(error=error), file=err)  # fmt: skip
        return 1
    except ScriptError as error:
        line = f"{error.line}:" if where is not None else ""
        print(f"{prefix}{line} {error.reason}", file=err)
        if args.format == "json":  # a machine reading stdout learns it failed, and where
            import json

            report = {"ok": False, "file": where, "line": error.line, "position": error.position,
                      "error": error.english, "saved": error.saved}  # fmt: skip
            out.write(json.dumps(report, ensure_ascii=False, sort_keys=True) + "\n")
        err.write(_caret(error.text, error.position))
        if error.saved:
            print(_("  (the lines before it were saved)"), file=err)
        return 2 if error.position is not None else 1
    finally:
        workspace.close()
    out.write(render(results, args.format))
    if args.format == "csv":
        for result in results:
            if result.message and (result.command.output is None or
                                   result.command.output.value == "csv"):  # fmt: skip
                print(result.shown, file=err)
    return 0
