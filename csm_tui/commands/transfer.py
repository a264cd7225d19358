"""`import` and `export`: the seam between the command language and the import/export work.

Registries
    `EXPORTERS[target](request) -> str` renders the file's content (the runner writes it
    atomically after the commit, or only reports it in a dry run); `IMPORTERS[target](request)
    -> CommandResult` imports inside the run's transaction. Replace an entry with
    `register_exporter` / `register_importer`; nothing else needs to change.
Built in
    Exports call `csm_tui.commands.export` (`export_portfolio`, `export_coverage`,
    `export_prep`: what `csm-tui export` writes) when the build has it; without it they
    fall back to the rows the `filter` and `coverage` verbs print (CSV with the column keys
    as header, JSON as a list of objects, Markdown as a table) and the prep sheet
    (`render_prep_markdown`) or brief (JSON). Imports call
    `csm_tui.store.importer.import_csv` with `load_mapping(--mapping)` (what `csm-tui
    import` calls) when the build has it.
Transactions
    An importer must write through `store.transaction.write_transaction` (a savepoint inside
    a script's batch) and must not BEGIN or COMMIT on its own while the connection is in a
    transaction: a script is all or nothing, and a dry run is the batch rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from csm_tui.commands.results import Column, CommandFailed, CommandResult, json_value, plain
from csm_tui.commands.session import Handler, Session, dry_run_words, file_target
from csm_tui.domain.export_format import ExportFormat
from csm_tui.domain.language.verb_options import ExportTarget, ImportTarget
from csm_tui.domain.language.verb_types import (
    Command,
    ExportCommand,
    ImportCommand,
)
from csm_tui.i18n import N_, NC_, Message, _

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path
    from types import ModuleType

    from csm_tui.store.importer import ImportReport
    from csm_tui.workspace import Workspace


@dataclass(frozen=True)
class ExportRequest:
    workspace: Workspace
    command: ExportCommand
    account_id: str | None  # prep: the account, resolved
    now: datetime
    today: date

    @property
    def conn(self) -> sqlite3.Connection:
        return self.workspace.conn


@dataclass(frozen=True)
class ImportRequest:
    workspace: Workspace
    command: ImportCommand
    dry_run: bool  # report only; True inside a script's batch is handled by its rollback
    in_batch: bool  # the connection is inside a write batch (a script or a dry run)
    me: str | None
    now: datetime

    @property
    def conn(self) -> sqlite3.Connection:
        return self.workspace.conn


Exporter = Callable[[ExportRequest], str]
Importer = Callable[[ImportRequest], CommandResult]

EXPORTERS: dict[ExportTarget, Exporter] = {}
IMPORTERS: dict[ImportTarget, Importer] = {}


def register_exporter(target: ExportTarget, exporter: Exporter) -> None:
    EXPORTERS[target] = exporter


def register_importer(target: ImportTarget, importer: Importer) -> None:
    IMPORTERS[target] = importer


# ----------------------------------------------------------------------------- export


def export_result(session: Session, command: ExportCommand, dry: bool) -> CommandResult:

    exporter = EXPORTERS.get(command.target)
    if exporter is None:  # pragma: no cover - every target has a built-in
        raise CommandFailed(
            Message.of(
                N_("exporting {target} is not part of this build yet"),
                target=command.target.value,
            )
        )
    account_id = None
    if command.account is not None:
        account_id = session.account(command.account).id
    target = None if command.out is None else file_target(command.out)
    request = ExportRequest(session.ws, command, account_id, session.now(), session.today())
    content = exporter(request)
    what = {"target": command.target.value, "format": command.format.value}
    if target is None:
        return CommandResult.of(
            command,
            Message.of(N_("Exported {target} as {format}"), **what),
            text=content,
            account_id=account_id,
            show_table=False,
        )
    session.defer_file(target, lambda: _write(target, content), dry)
    return CommandResult.of(
        command,
        dry_run_words(
            Message.of(N_("Exported {target} as {format} → {file}"), file=str(target), **what), dry
        ),
        files=(str(target),),
        account_id=account_id,
    )


def _write(target: Path, content: str) -> None:
    """Atomically (the same writer as the prep sheet and `csm-tui export`)."""
    from csm_tui.store.prep import export_prep

    export_prep(target, content)


def _store_exporter() -> ModuleType | None:
    """`csm_tui.commands.export` (the export work) when this build has it."""
    try:
        from csm_tui.commands import export as exporter
    except ImportError:
        return None
    return exporter


def _table_text(
    columns: tuple[Column, ...], rows: tuple[tuple[Any, ...], ...], fmt: ExportFormat
) -> str:
    keys = [c.key for c in columns]
    if fmt is ExportFormat.CSV:
        import csv
        import io

        from csm_tui.commands.results import plain

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(keys)
        writer.writerows([plain(v) for v in row] for row in rows)
        return out.getvalue()
    if fmt is ExportFormat.JSON:
        records = [{k: json_value(v) for k, v in zip(keys, row, strict=True)} for row in rows]
        return json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    from csm_tui.domain.prep import md_inline

    def cell(column: Column, value: Any) -> str:
        return md_inline(column.text(value), line_start=False).replace("\n", " ")

    lines = [
        "| " + " | ".join(md_inline(c.title, line_start=False) for c in columns) + " |",
        "| " + " | ".join("---:" if c.right else "---" for c in columns) + " |",
    ]
    lines.extend(
        "| " + " | ".join(cell(c, v) for c, v in zip(columns, row, strict=True)) + " |"
        for row in rows
    )
    return "\n".join(lines) + "\n"


def _export_portfolio(request: ExportRequest) -> str:
    from csm_tui.commands.portfolio import portfolio_columns, portfolio_rows

    command = request.command
    exporter = _store_exporter()
    ws = request.workspace
    if exporter is not None:
        text: str = exporter.export_portfolio(
            request.conn, command.filter, command.sort, request.today, ws.meta("me"),
            ws.settings.tier_rules, command.format.value, excel=command.excel, zone=ws.zone,
        )  # fmt: skip
        return text
    session = Session(ws, dry_run=False)
    rows, _total = portfolio_rows(session, command.filter, command.sort, None)
    return _table_text(portfolio_columns(session), rows, command.format)


def _export_coverage(request: ExportRequest) -> str:
    from csm_tui.commands.coverage import COLUMNS, load_report, report_rows

    command = request.command
    report = load_report(Session(request.workspace, dry_run=False), command.team)
    exporter = _store_exporter()
    if exporter is not None:
        text: str = exporter.export_coverage(report, command.format.value, excel=command.excel)
        return text
    return _table_text(COLUMNS, report_rows(report), command.format)


def _export_prep(request: ExportRequest) -> str:
    import dataclasses

    from csm_tui.domain.prep import render_prep_markdown
    from csm_tui.store.prep import build_prep_brief, load_prep_note

    assert request.account_id is not None
    ws = request.workspace
    command = request.command
    exporter = _store_exporter()
    if exporter is not None:
        text: str = exporter.export_prep(
            request.conn, request.account_id, request.now, ws.settings.tier_rules,
            command.format.value, excel=command.excel,
        )  # fmt: skip
        return text
    if command.format is ExportFormat.CSV:
        raise CommandFailed(
            Message.of(N_("a prep sheet as CSV needs the export work (csm_tui.store.exporter)"))
        )
    brief = build_prep_brief(
        request.conn, request.account_id, request.now, ws.settings.tier_rules, zone=ws.zone
    )
    notes = load_prep_note(request.conn, request.account_id)
    if command.format is ExportFormat.JSON:
        data = {k: json_value(v) for k, v in dataclasses.asdict(brief).items()}
        for key in ("tier_why_words", "touch_why_words"):  # the English whys are the data
            data.pop(key, None)
        for weakness in data.get("weakest", ()):
            weakness.pop("words", None)
        data["notes"] = notes
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return render_prep_markdown(brief, notes, request.today)


register_exporter(ExportTarget.PORTFOLIO, _export_portfolio)
register_exporter(ExportTarget.COVERAGE, _export_coverage)
register_exporter(ExportTarget.PREP, _export_prep)


# ----------------------------------------------------------------------------- import


def import_result(session: Session, command: ImportCommand, dry: bool) -> CommandResult:
    from csm_tui.store.transaction import in_batch

    importer = IMPORTERS.get(command.target)
    if importer is None:  # pragma: no cover - every target has one
        raise CommandFailed(
            Message.of(
                N_("importing {target} is not part of this build yet"),
                target=command.target.value,
            )
        )
    request = ImportRequest(
        session.ws, command, dry, in_batch(session.conn), session.me, session.now()
    )
    return importer(request)


MAX_ISSUES_SHOWN = 20


def _import_csv(request: ImportRequest) -> CommandResult:
    """Through `csm_tui.store.importer.import_csv`, when the build has it."""
    try:
        from csm_tui.domain.csv_mapping import MappingError
        from csm_tui.store.importer import import_csv, load_mapping
    except ImportError as error:
        raise CommandFailed(
            Message.of(N_("importing CSV files is not part of this build of csm-tui yet"))
        ) from error
    import sqlite3

    command = request.command
    kind = command.target.value
    try:
        mapping = load_mapping(command.mapping, kind)
    except MappingError as error:
        raise CommandFailed(Message.of(N_("--mapping: {problem}"), problem=error.words)) from error
    try:
        report = import_csv(
            request.conn,
            command.file,
            mapping,
            kind,
            now=request.now,
            rules=request.workspace.settings.tier_rules,
            owner_default=command.owner,
            dry_run=request.dry_run and not request.in_batch,
        )
    except sqlite3.OperationalError as error:
        if "within a transaction" not in str(error):
            raise
        # the importer checks a bad file in a transaction of its own, which a script's
        # cannot hold: say so rather than lose the line
        raise CommandFailed(
            Message.of(
                N_(
                    "{file} has problems; run this import alone to see them line by line: "
                    "csm-tui run '{command} --dry-run'"
                ),
                file=command.file,
                command=command.to_text(),
            )
        ) from error
    if report.errors:
        raise CommandFailed(_refusal(report))
    summary = report.words(would=request.dry_run and request.in_batch)
    for said in (report.ignored_words(), report.no_arr_words()):
        if said is not None:
            summary = Message.of(N_("{first}; {then}"), first=summary, then=said)
    return CommandResult.of(
        command,
        summary,
        columns=_IMPORT_COLUMNS,
        rows=tuple(
            (o.line, o.action, o.name, o.record_id, o.changed, o.words or "")
            for o in report.outcomes
        ),
    )


_ACTIONS = {
    "create": NC_("import action", "create"),
    "update": NC_("import action", "update"),
    "skip": NC_("import action", "skip"),
    "unchanged": NC_("import action", "unchanged"),
}


def import_action_words(code: Any) -> str:
    """What the import does to a row, in the interface language (JSON and CSV keep the
    code); an unknown code as it is."""
    word = _ACTIONS.get(code)
    return _(word) if word is not None else plain(code)


_IMPORT_COLUMNS = (
    Column("line", N_("Line"), right=True),
    Column("action", N_("Action"), show=import_action_words),
    Column("name", NC_("record", "Name")),
    Column("id", N_("Id")),
    Column("changed", N_("Changed")),
    Column("note", NC_("remark", "Note")),  # a Message: said in the interface language
)


def _refusal(report: ImportReport) -> Message:
    """The report's summary and its first problems, one a line."""
    said = report.words()
    for issue in report.errors[:MAX_ISSUES_SHOWN]:
        said = Message.of(N_("{lines}\n  {line}"), lines=said, line=issue.located())
    more = len(report.errors) - MAX_ISSUES_SHOWN
    if more > 0:
        said = Message.of(
            N_("{lines}\n{line}"),
            lines=said,
            line=Message.of(N_("  … and {more} more problem(s)"), more=f"{more:,}"),
        )
    return said


register_importer(ImportTarget.ACCOUNTS, _import_csv)
register_importer(ImportTarget.CONTACTS, _import_csv)


HANDLERS: dict[type[Command], Handler] = {
    ExportCommand: export_result,
    ImportCommand: import_result,
}
"""The commands this module runs, and the handler of each (`run.py` dispatches here)."""
