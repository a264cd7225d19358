"""Print command results for the shell: an aligned table, JSON, or CSV (RFC 4180).

- table: for people. Columns padded to the widest cell counting display cells, so CJK
  names (two cells a character) line up; numbers right-aligned; control characters and
  escape sequences from the data made visible (`domain.text.safe_text`), never obeyed.
  Then the result's message. A document (a prep sheet, the help) is printed as is, made
  safe the same way.
- json: one object per result, one per line (JSON Lines; a single command is one JSON
  document), keys as `CommandResult.as_json` documents them.
- csv: the result's table, header (the column keys) first, CRLF line ends, quoted where
  RFC 4180 says; a result without a table prints nothing (its message goes to the caller's
  stderr). Results of a script follow one another, separated by an empty line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from csm_tui.commands.results import Column, CommandResult, plain
from csm_tui.domain.fit import cell_width  # re-exported: the CLI measures with it too
from csm_tui.domain.text import safe_text
from csm_tui.i18n import _


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - cell_width(text))
    return gap + text if right else text + gap


def render_table(result: CommandResult) -> str:
    """The result for a person: a table (if any), a document (if any), then the message."""
    parts: list[str] = []
    if result.columns and result.show_table:
        header = [safe_text(_(c.title)) for c in result.columns]  # CSV keeps the keys
        seen: list[dict[tuple[type, Any], str]] = [{} for _ in result.columns]  # shown once

        def cell(i: int, column: Column, value: Any) -> str:
            key = (type(value), value)  # 1, 1.0 and True are equal but show apart
            try:
                return seen[i][key]
            except KeyError:
                text = seen[i][key] = safe_text(column.text(value))
                return text
            except TypeError:  # unhashable
                return safe_text(column.text(value))

        body = [[cell(i, c, v) for i, (c, v) in enumerate(zip(result.columns, row, strict=True))]
                for row in result.rows]  # fmt: skip
        widths = [cell_width(h) for h in header]
        for row in body:
            for i, text in enumerate(row):
                widths[i] = max(widths[i], cell_width(text))
        right = [c.right for c in result.columns]
        lines = ["  ".join(_pad(h, w, r) for h, w, r in zip(header, widths, right, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        for row in body:
            lines.append(
                "  ".join(_pad(c, w, r) for c, w, r in zip(row, widths, right, strict=True))
            )
        parts.append("\n".join(line.rstrip() for line in lines))
    if result.text is not None:
        parts.append(safe_text(result.text, multiline=True).rstrip("\n"))
    if result.message:
        parts.append(safe_text(result.shown, multiline=True))
    return "\n".join(parts) + "\n"


def render_json(result: CommandResult) -> str:
    import json

    return json.dumps(result.as_json(), ensure_ascii=False, sort_keys=True) + "\n"


def render_csv(result: CommandResult) -> str:
    if not result.columns:
        return ""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in result.columns])
    writer.writerows([plain(v) for v in row] for row in result.rows)
    return out.getvalue()


def render(results: Iterable[CommandResult], fmt: str) -> str:
    """Every result in `fmt` (table, json, csv); a result's own `--format` wins."""
    chunks: list[str] = []
    for result in results:
        own = result.command.output
        kind = own.value if own is not None else fmt
        if kind == "json":
            text = render_json(result)
        elif kind == "csv":
            text = render_csv(result)
        else:
            text = render_table(result)
        if not text:
            continue
        if chunks and kind != "json":
            chunks.append("\n")  # an empty line between tables
        chunks.append(text)
    return "".join(chunks)
