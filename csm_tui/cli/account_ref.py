"""Which account a command line names: the CLI's own reading of an account argument."""

from __future__ import annotations

import sqlite3

from csm_tui.i18n import _


def resolve_account(conn: sqlite3.Connection, text: str) -> str:
    """The id of the one live account `text` names: id, external id, exact name, name
    ignoring case, then a unique part of a name. Raises LookupError with candidates."""
    live = "deleted_at IS NULL"
    for sql, arg in (
        (f"SELECT id, name FROM accounts WHERE {live} AND id = ?", text),
        (f"SELECT id, name FROM accounts WHERE {live} AND external_id = ? AND external_id != ''",
         text),
        (f"SELECT id, name FROM accounts WHERE {live} AND name = ?", text),
    ):  # fmt: skip
        rows: list[tuple[str, str]] = conn.execute(sql, (arg,)).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            break
    folded = text.casefold()
    rows = [
        (aid, name)
        for aid, name in conn.execute(f"SELECT id, name FROM accounts WHERE {live}")
        if folded in name.casefold()
    ]
    exact = [r for r in rows if r[1].casefold() == folded]
    if len(exact) == 1:
        return exact[0][0]
    if len(rows) == 1:
        return rows[0][0]
    from csm_tui.domain.text import safe_text

    if not rows:
        raise LookupError(_("no account named {name!r} in the cache").format(name=safe_text(text)))
    shown = "; ".join(f"{safe_text(name)} ({aid})" for aid, name in (exact or rows)[:5])
    raise LookupError(
        _("{n} accounts match {name!r}: {shown}").format(
            n=len(exact or rows), name=safe_text(text), shown=shown
        )
    )
