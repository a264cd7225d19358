"""How import rows find what the cache holds: team members by email or name (an owner),
live accounts by external id or exact name (an account row, a contact's account).
"""

from __future__ import annotations

import sqlite3

from csm_tui.domain.csv_file import fold
from csm_tui.domain.errors import Refusal
from csm_tui.i18n import N_, Message
from csm_tui.store.cache import META_CURSOR, get_meta, signed_in

CHUNK = 500  # ids per `IN (...)` lookup


class _NoSuchUser(Refusal, LookupError):
    """No user, or several, for the name an import row gives (its words a `Message`)."""


def refusal_words(error: Exception) -> Message:
    """What a refusal says (its `Message`); any other error's text."""
    return error.words if isinstance(error, Refusal) else Message.text(str(error))


class UserBook:
    """The team's users, by email, by exact name and by folded name (an owner's cell)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.by_folded: dict[str, set[str]] = {}
        self.ids: set[str] = set()
        # Signed in to a server but never synced: the team is not in the cache yet.
        self.team_unpulled = signed_in(conn) and not get_meta(conn, META_CURSOR)
        for uid, name, email in conn.execute("SELECT id, name, email FROM users"):
            self.ids.add(uid)
            self.by_name.setdefault(name, set()).add(uid)
            self.by_folded.setdefault(fold(name), set()).add(uid)
            if email:
                self.by_email.setdefault(email.strip().casefold(), set()).add(uid)

    def find(self, text: str) -> str:
        """The id of the user `text` names (email, exact name, name ignoring case, id)."""
        for found in (
            self.by_email.get(text.casefold()),
            self.by_name.get(text),
            self.by_folded.get(fold(text)),
        ):
            if found and len(found) == 1:
                return next(iter(found))
            if found:
                raise _NoSuchUser(
                    Message.of(
                        N_("{n} users are called {text}; use their email"),
                        n=len(found),
                        text=repr(text),
                    )
                )
        if text in self.ids:
            return text
        if self.team_unpulled:
            raise _NoSuchUser(
                Message.of(
                    N_(
                        "no user {text} in the cache: it has not synced since you signed in; "
                        "run csm-tui sync to bring your team's people, then import"
                    ),
                    text=repr(text),
                )
            )
        raise _NoSuchUser(
            Message.of(
                N_("no user {text} in the cache (give a name or email of a team member)"),
                text=repr(text),
            )
        )


class AccountBook:
    """The live accounts, indexed by external id and by name."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.by_external: dict[str, str] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = {}  # name → [(id, external_id)]
        for aid, name, external in conn.execute(
            "SELECT id, name, external_id FROM accounts WHERE deleted_at IS NULL"
        ):
            if external:
                self.by_external[external] = aid
            self.by_name.setdefault(name, []).append((aid, external))

    def find(self, name: str | None, external: str | None) -> tuple[str | None, Message | None]:
        """(account id or None, a reason it cannot be decided or None)."""
        if external and external in self.by_external:
            return self.by_external[external], None
        if not name:
            return None, None
        named = self.by_name.get(name, [])
        if external:
            named = [(aid, ext) for aid, ext in named if not ext]
        if len(named) > 1:
            return None, Message.of(
                N_(
                    "{n} accounts in the cache are named {name}; "
                    "add an external id column to tell them apart"
                ),
                n=len(named),
                name=repr(name),
            )
        return (named[0][0] if named else None), None

    def find_ref(self, ref: str) -> tuple[str | None, Message | None]:
        """An account named by a contact row: its external id, else its exact name."""
        if ref in self.by_external:
            return self.by_external[ref], None
        named = self.by_name.get(ref, [])
        if len(named) > 1:
            return None, Message.of(
                N_(
                    "{n} accounts in the cache are named {name}; "
                    "give the account's external id instead"
                ),
                n=len(named),
                name=repr(ref),
            )
        return (named[0][0] if named else None), None
