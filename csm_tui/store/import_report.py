"""What an import says it did: each row's outcome (create, update, unchanged, skip), each
problem with its line and column, and the report with its summary line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from csm_tui.domain.import_summaries import dry_run_summary, problems_summary
from csm_tui.i18n import N_, Message, Nn_, locate

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
SKIP = "skip"
NO_ARR_EXAMPLES = 5  # new accounts without an ARR named in the report's words


@dataclass(frozen=True)
class ImportIssue:
    """One problem: `line` of the file (0: the file as a whole), our field and its column."""

    line: int
    words: Message
    field: str | None = None
    column: str | None = None

    @property
    def message(self) -> str:
        """The problem in English (JSON, logs)."""
        return self.words.english()

    def located(self) -> Message:
        """ "line 7, Close date: …" as a `Message` (the edge renders it)."""
        return locate(self.line, self.column, self.words)

    def render(self) -> str:
        """The located problem in the interface language."""
        return self.located().render()

    def __str__(self) -> str:
        return self.located().english()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "column": self.column,
                "message": self.message}  # fmt: skip


@dataclass(frozen=True)
class RowOutcome:
    """What happens to one row: create, update (which fields), unchanged or skip."""

    line: int
    action: str
    name: str
    record_id: str | None = None  # None for a create in a dry run
    changed: tuple[str, ...] = ()
    words: Message | None = None  # a note: why the row is skipped; a create's missing ARR
    no_arr: bool = False  # a new account whose row gave no ARR (recorded as 0)

    @property
    def note(self) -> str:
        """The note in English (JSON, the shell's table)."""
        return "" if self.words is None else self.words.english()

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "name": self.name,
                "id": self.record_id, "changed": list(self.changed), "note": self.note}  # fmt: skip


class ReportBase(TypedDict):
    """What every `ImportReport` of one call says, whatever happened."""

    kind: str
    path: str
    mapping: str
    dry_run: bool


@dataclass(frozen=True)
class ImportReport:
    kind: str
    path: str
    mapping: str
    dry_run: bool
    rows: int = 0  # data rows read (blank lines not counted)
    outcomes: tuple[RowOutcome, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    committed: bool = False  # True when the changes were written
    outbox_entries: int = 0
    # Headers of a file in csm-tui's field names that name no field, each with the field
    # it may mean ("" when none is close): their cells were not read.
    ignored_columns: tuple[tuple[str, str], ...] = ()

    def _count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return self._count(CREATE)

    @property
    def updated(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def skipped(self) -> int:
        return self._count(SKIP)

    def summary(self) -> str:
        """One line for the user, in English (`words()` is it for the interface language)."""
        return self.words().english()

    def words(self, *, would: bool = False) -> Message:
        """The summary line as a `Message`; `would`: said of a dry run inside a script
        ("would import …")."""
        counts = {
            "create": f"{self.created:,}",
            "update": f"{self.updated:,}",
            "unchanged": f"{self.unchanged:,}",
            "skipped": f"{self.skipped:,}",
        }
        if self.errors:
            return problems_summary(self.path, len(self.errors), self.rows)
        if self.dry_run and not would:
            return dry_run_summary(self.path, counts)
        if would:
            return Message.of(
                N_(
                    "{path}: would import {rows} rows — {create} created, {update} updated, "
                    "{unchanged} unchanged, {skipped} skipped — dry run: nothing saved"
                ),
                path=self.path,
                rows=f"{self.rows:,}",
                **counts,
            )
        return Message.of(
            N_(
                "{path}: imported {rows} rows — {create} created, {update} updated, "
                "{unchanged} unchanged, {skipped} skipped"
            ),
            path=self.path,
            rows=f"{self.rows:,}",
            **counts,
        )

    def without_arr(self) -> tuple[RowOutcome, ...]:
        """The new accounts whose rows gave no ARR (recorded as 0, tiered by it)."""
        return tuple(o for o in self.outcomes if o.action == CREATE and o.no_arr)

    def no_arr_words(self) -> Message | None:
        """A line on the new accounts with no ARR (None: every one had its ARR): easy to
        miss among the rows, and each counts as 0 in coverage until its ARR is set."""
        missing = self.without_arr()
        if not missing or self.errors:
            return None
        shown = ", ".join(repr(o.name) for o in missing[:NO_ARR_EXAMPLES])
        return Message.of(
            *Nn_(
                "{n} new account had no ARR in the file and counts as 0 (in its tier, in "
                "coverage) until an import gives it: {accounts}",
                "{n} new accounts had no ARR in the file and count as 0 (in their tier, in "
                "coverage) until an import gives it: {accounts}",
            ),
            n=len(missing),
            accounts=shown + (", …" if len(missing) > NO_ARR_EXAMPLES else ""),
        )

    def ignored_words(self) -> Message | None:
        """A line on the columns not read (None: every column was), each with the field
        it may mean — a typo in a header drops the column without it."""
        if not self.ignored_columns:
            return None
        said = ", ".join(
            repr(header) if not close else f"{header!r} ({close}?)"
            for header, close in self.ignored_columns
        )
        return Message.of(
            *Nn_(
                "not read: the column {columns} names no csm-tui field",
                "not read: the columns {columns} name no csm-tui field",
            ),
            n=len(self.ignored_columns),
            columns=said,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "outbox_entries": self.outbox_entries,
            "created_without_arr": len(self.without_arr()),
            "ignored_columns": [header for header, _ in self.ignored_columns],
            "errors": [e.as_dict() for e in self.errors],
            "outcomes": [o.as_dict() for o in self.outcomes],
        }
