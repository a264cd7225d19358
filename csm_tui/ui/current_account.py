"""The account the user is on: what `l` (log), `p` (prep) and the palette act on.

A screen that shows one account, or a list with one highlighted, has `current_account_id`
(`HasCurrentAccount`); `current_account` reads it and the account's name from the cache,
or says why there is none (a code: the caller shows the words).
"""

from __future__ import annotations

import sqlite3
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from csm_tui.i18n import N_

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

    from csm_tui.workspace import Workspace


@runtime_checkable
class HasCurrentAccount(Protocol):
    """A screen with an account under the cursor (None: nothing highlighted)."""

    @property
    def current_account_id(self) -> str | None: ...


class CurrentAccount(NamedTuple):
    id: str
    name: str


class NoAccount(Enum):
    """Why there is no current account; the value is the message to show."""

    NOT_ON_ONE = N_("Move to an account first.")
    GONE = N_("That account is no longer in the cache.")


def current_account(screen: object, conn: sqlite3.Connection) -> CurrentAccount | NoAccount:
    """The live account `screen` is on, with its name, or why there is none."""
    account_id = screen.current_account_id if isinstance(screen, HasCurrentAccount) else None
    if not account_id:
        return NoAccount.NOT_ON_ONE
    row = conn.execute(
        "SELECT name FROM accounts WHERE id = ? AND deleted_at IS NULL", (account_id,)
    ).fetchone()
    if row is None:
        return NoAccount.GONE
    return CurrentAccount(account_id, row[0])


def writes_refused(node: Widget | App[Any], workspace: Workspace, account_id: str) -> bool:
    """Whether this user may not add to the account (signed in as a lead on a CSM's
    account, `store.ownership.write_refusal_in`): said at once on `node`, before anything
    is typed that the server would refuse at the next sync, out of sight."""
    from csm_tui.store.ownership import write_refusal_in

    why = write_refusal_in(workspace.conn, account_id, workspace.meta("me"))
    if why is not None:
        node.notify(why.render(), severity="warning", timeout=8)
    return why is not None
