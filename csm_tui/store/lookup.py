"""Find what a command names: accounts, users, teams, contacts, checklist items and tasks.

A name is matched, in this order: an id (exactly), or the CRM id an import recorded; the
exact name; the name ignoring case
(`str.casefold`, so it works beyond ASCII); a unique prefix of a name (ignoring case). Two or
more candidates at the first step that finds any is `Ambiguous`, listing them (with their ids,
so the user can name one by id); none at all is `NotFound`, with names that contain the text
as suggestions. Over 100,000 accounts every step but the suggestions walks the name index
(`ix_accounts_name`, NOCASE): well under a millisecond.

`account_candidates` feeds the palette's completion: prefix matches from the index first,
then names holding the typed characters in order (a LIKE prefilter), at most `limit`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from csm_tui.domain.errors import Refusal
from csm_tui.domain.lifecycle import ChecklistTemplateItem
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, NC_, Message

SHOWN_CANDIDATES = 8
_PREFIX_ROWS = 200


@dataclass(frozen=True)
class Named:
    """Something a command named: its id, its name, and a word about it for lists."""

    id: str
    name: str
    detail: str = ""

    def detail_words(self) -> Message:
        """Its word for lists: a tier code ("self-serve") as the tier's words; any other
        detail as it is."""
        try:
            return Message.of(Tier(self.detail).label)
        except ValueError:
            return Message.text(self.detail)

    def label(self) -> str:
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.name} ({self.id}{extra})"


class LookupFailed(Refusal, LookupError):
    """Nothing, or more than one thing, answers to the name; `words` (a `Message`) is for
    the user, `message` is them in the interface language."""

    def __init__(self, words: Message | str, candidates: Sequence[Named] = ()) -> None:
        super().__init__(words)
        self.candidates = tuple(candidates)


class NotFound(LookupFailed):
    pass


class Ambiguous(LookupFailed):
    pass


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_chars(text: str) -> str:
    """LIKE ignores the case of ASCII letters only: a cased letter beyond ASCII is `_`."""
    out = []
    for ch in text:
        if ord(ch) > 127 and (ch.lower() != ch or ch.upper() != ch):
            out.append("_")
        else:
            out.append(_like_escape(ch))
    return "".join(out)


def _listing(items: Sequence[Named], total: int | None = None) -> Message:
    """The candidates, one a line (names and ids are data, a tier in the interface
    language), and how many more there are."""
    shown = [_line(item) for item in items[:SHOWN_CANDIDATES]]
    more = (total if total is not None else len(items)) - len(shown)
    if more > 0:
        return Message.of(N_("{lines}\n  … and {n} more"), lines=_lines(shown), n=more)
    return _lines(shown)


def _line(item: Named) -> Message:
    if not item.detail:
        return Message.of(N_("  {name} ({id})"), name=safe_text(item.name), id=item.id)
    return Message.of(
        N_("  {name} ({id}, {detail})"),
        name=safe_text(item.name),
        id=item.id,
        detail=item.detail_words(),
    )


def _lines(lines: Sequence[Message]) -> Message:
    """Lines as one `Message` (each rendered in the interface language when it is shown)."""
    if not lines:
        return Message.text("")
    joined = lines[0]
    for line in lines[1:]:
        joined = Message.of(N_("{lines}\n{line}"), lines=joined, line=line)
    return joined


def choose(
    ref: str,
    what: Message,
    candidates: Iterable[Named],
    *,
    by_id: Callable[[str], Named | None] | None = None,
) -> Named:
    """Pick the one candidate `ref` names (see the module doc), from an in-memory list."""
    items = list(candidates)
    if by_id is not None:
        found = by_id(ref)
        if found is not None:
            return found
    else:
        exact_id = [c for c in items if c.id == ref]
        if exact_id:
            return exact_id[0]
    folded = ref.casefold().strip()
    tests: tuple[Callable[[Named], bool], ...] = (
        lambda c: c.name == ref,
        lambda c: c.name.casefold() == folded,
        lambda c: c.name.casefold().startswith(folded),
    )
    for test in tests:
        hits = [c for c in items if test(c)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            words = Message.of(
                N_('"{ref}" names more than one {what} ({n}); say which (by name or id):'
                   "\n{listing}"),
                ref=safe_text(ref), n=len(hits), what=what, listing=_listing(hits),
            )  # fmt: skip
            raise Ambiguous(words, hits)
    near = [c for c in items if folded and folded in c.name.casefold()]
    if near:
        words = Message.of(N_('no {what} "{ref}"; did you mean:\n{listing}'),
                           what=what, ref=safe_text(ref), listing=_listing(near))  # fmt: skip
    else:
        words = Message.of(N_('no {what} "{ref}"'), what=what, ref=safe_text(ref))
    raise NotFound(words, near)


# ----------------------------------------------------------------------------- accounts


def _account_rows(conn: sqlite3.Connection, sql: str, args: tuple[object, ...]) -> list[Named]:
    cursor = conn.cursor()
    cursor.row_factory = None
    return [Named(r[0], r[1], r[2] or "") for r in cursor.execute(sql, args)]


_ACCOUNT = "SELECT id, name, tier FROM accounts WHERE deleted_at IS NULL AND "


def find_account(conn: sqlite3.Connection, ref: str) -> Named:
    """The live account `ref` names: its id, exact name, name ignoring case, or a unique
    prefix. Raises `NotFound` or `Ambiguous` (with the candidates)."""
    ref_stripped = ref.strip()
    if not ref_stripped:
        raise NotFound(Message.of(N_("name an account")))
    by_id = _account_rows(conn, _ACCOUNT + "id = ?", (ref_stripped,))
    if by_id:
        return by_id[0]
    try:  # the CRM's id an import recorded (a cache from before imports has no such column)
        by_crm = _account_rows(
            conn, _ACCOUNT + "external_id = ? AND external_id != ''", (ref_stripped,)
        )
    except sqlite3.OperationalError:
        by_crm = []
    if len(by_crm) == 1:
        return by_crm[0]
    # Exact and case-folded names: the NOCASE index finds ASCII case variants; names with
    # cased letters beyond ASCII come from the prefix step's pattern.
    same = _account_rows(conn, _ACCOUNT + "name = ? COLLATE NOCASE", (ref_stripped,))
    pattern = _like_chars(ref_stripped) + "%"
    prefixed = _account_rows(
        conn,
        _ACCOUNT + "name LIKE ? ESCAPE '\\' ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (pattern, _PREFIX_ROWS + 1),
    )
    folded = ref_stripped.casefold()
    seen: dict[str, Named] = {n.id: n for n in same}
    seen.update((n.id, n) for n in prefixed if n.name.casefold().startswith(folded))
    candidates = list(seen.values())
    exact = [c for c in candidates if c.name == ref_stripped]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise Ambiguous(_ambiguous_text(ref, exact), exact)
    same_folded = [c for c in candidates if c.name.casefold() == folded]
    if len(same_folded) == 1:
        return same_folded[0]
    if same_folded:
        raise Ambiguous(_ambiguous_text(ref, same_folded), same_folded)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        total = len(candidates) if len(prefixed) <= _PREFIX_ROWS else None
        raise Ambiguous(
            _ambiguous_text(ref, candidates, total if total else _PREFIX_ROWS + 1), candidates
        )
    near = _account_rows(
        conn,
        _ACCOUNT + "name LIKE ? ESCAPE '\\' ORDER BY name COLLATE NOCASE, id LIMIT ?",
        ("%" + _like_chars(ref_stripped) + "%", SHOWN_CANDIDATES * 4),
    )
    near = [n for n in near if folded in n.name.casefold()][:SHOWN_CANDIDATES]
    if near:
        words = Message.of(
            N_('no account named "{ref}" (nor an id or a prefix of a name); '
               "names holding it:\n{listing}"),
            ref=safe_text(ref_stripped), listing=_listing(near),
        )  # fmt: skip
    else:
        words = Message.of(
            N_('no account named "{ref}" (nor an id or a prefix of a name)'),
            ref=safe_text(ref_stripped),
        )
    raise NotFound(words, near)


def _ambiguous_text(ref: str, items: Sequence[Named], total: int | None = None) -> Message:
    """`total` is how many there are when more match than were read (None: `items`)."""
    shown = sorted(items, key=lambda n: (n.name.casefold(), n.id))
    if total is not None and total > _PREFIX_ROWS:
        listing = _listing(shown)
        return Message.of(
            N_('"{ref}" names more than {n} accounts; say which (a longer name or the id):'
               "\n{listing}"),
            ref=safe_text(ref.strip()), n=_PREFIX_ROWS, listing=listing,
        )  # fmt: skip
    listing = _listing(shown, total)
    return Message.of(
        N_('"{ref}" names {n} accounts; say which (a longer name or the id):\n{listing}'),
        ref=safe_text(ref.strip()), n=total if total is not None else len(items), listing=listing,
    )  # fmt: skip


def account_candidates(conn: sqlite3.Connection, typed: str, limit: int = 50) -> list[Named]:
    """Accounts a palette might offer for `typed`: names starting with it (from the index),
    then names holding its characters in order (a LIKE scan, stopped at `limit`)."""
    typed = " ".join(typed.split())
    if not typed:
        return _account_rows(
            conn, _ACCOUNT + "1 ORDER BY name COLLATE NOCASE, id LIMIT ?", (limit,)
        )
    found: dict[str, Named] = {}
    prefix = _like_chars(typed) + "%"
    for n in _account_rows(
        conn,
        _ACCOUNT + "name LIKE ? ESCAPE '\\' ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (prefix, limit),
    ):
        found.setdefault(n.id, n)
    if len(found) < limit:
        spread = "%" + "%".join(_like_chars(ch) for ch in typed if not ch.isspace()) + "%"
        for n in _account_rows(
            conn, _ACCOUNT + "name LIKE ? ESCAPE '\\' LIMIT ?", (spread, limit * 2)
        ):
            found.setdefault(n.id, n)
            if len(found) >= limit * 2:
                break
    return list(found.values())


# ----------------------------------------------------------------------------- the rest


def find_user(conn: sqlite3.Connection, ref: str) -> Named:
    """A user of this cache by id, name, name ignoring case or unique prefix."""
    rows = conn.execute("SELECT id, name, role FROM users ORDER BY name, id").fetchall()
    return choose(ref, Message.of(NC_("app user", "user")), [Named(r[0], r[1], r[2]) for r in rows])


def find_team(conn: sqlite3.Connection, ref: str) -> Named:
    rows = conn.execute("SELECT id, name FROM teams ORDER BY name, id").fetchall()
    return choose(ref, Message.of(N_("team")), [Named(r[0], r[1]) for r in rows])


def find_contact(conn: sqlite3.Connection, account_id: str, ref: str) -> Named:
    """A live stakeholder of the account by id, name or unique prefix."""
    rows = conn.execute(
        "SELECT id, name, role FROM contacts WHERE account_id = ? AND deleted_at IS NULL "
        "ORDER BY name, id",
        (account_id,),
    ).fetchall()
    named = [Named(r[0], r[1], r[2]) for r in rows]
    return choose(ref, Message.of(N_("contact of this account")), named)


def find_checklist_item(items: Sequence[ChecklistTemplateItem], ref: str, where: Message) -> str:
    """The key of the item `ref` names: its key, its label, or a unique prefix of either.
    `where` says which checklist ("in Onboarding for a Tier 1 account")."""
    folded = ref.strip().casefold()
    for item in items:
        if item.key == ref.strip():
            return item.key
    by_label = [Named(i.key, i.label) for i in items]
    try:
        what = Message.of(N_("checklist item {where}"), where=where)
        return choose(ref, what, by_label).id
    except NotFound:
        keys = [i for i in items if i.key.casefold().startswith(folded)]
        if len(keys) == 1:
            return keys[0].key
        listing = _lines(
            [
                Message.of(N_("  {key}: {label}"), key=i.key, label=Message.of(i.label))
                for i in items
            ]
        )
        raise NotFound(
            Message.of(
                N_('no checklist item "{ref}" {where}; the items are:\n{listing}'),
                ref=safe_text(ref),
                where=where,
                listing=listing,
            ),
            [Named(i.key, i.label) for i in items],
        ) from None


def find_task(conn: sqlite3.Connection, ref: str) -> Named:
    """A live task by its id, or a unique prefix or suffix of the id (ids are UUIDv7: tasks
    made together share their first characters, so the short id shown is the last 8)."""
    ref = ref.strip().lower()
    if not ref:
        raise NotFound(Message.of(N_("name a task by its id")))
    pattern = _like_escape(ref)
    rows = conn.execute(
        "SELECT t.id, t.title, a.name FROM tasks t JOIN accounts a ON a.id = t.account_id "
        "WHERE t.deleted_at IS NULL AND (t.id LIKE ? ESCAPE '\\' OR t.id LIKE ? ESCAPE '\\') "
        "ORDER BY t.id LIMIT ?",
        (pattern + "%", "%" + pattern, SHOWN_CANDIDATES + 1),
    ).fetchall()
    hits = [Named(r[0], r[1], r[2]) for r in rows]
    exact = [h for h in hits if h.id == ref]
    if exact:
        return exact[0]
    if len(hits) == 1:
        return hits[0]
    if hits:
        if len(hits) > SHOWN_CANDIDATES:
            template = N_('"{ref}" is the start or end of several task ids; give more of it:'
                          "\n{listing}")  # fmt: skip
        else:
            template = N_('"{ref}" is the start or end of {n} task ids; give more of it:'
                          "\n{listing}")  # fmt: skip
        raise Ambiguous(
            Message.of(template, ref=safe_text(ref), n=len(hits), listing=_listing(hits)), hits
        )
    gone = _task_that_left(conn, pattern)
    if gone is not None:
        raise NotFound(
            Message.of(
                N_('task "{title}" is no longer in your book: its account was moved to someone '
                   "else (or deleted) and the task went with it — see the Sync screen"),
                title=gone,
            )
        )  # fmt: skip
    raise NotFound(
        Message.of(N_('no task with an id starting or ending "{ref}"'), ref=safe_text(ref))
    )


def _task_that_left(conn: sqlite3.Connection, pattern: str) -> str | None:
    """The title of a task made here whose account has since left this cache, if any."""
    row = conn.execute(
        "SELECT json_extract(fields, '$.title') FROM outbox "
        "WHERE kind = 'task' AND op = 'upsert' AND json_valid(fields) "
        "AND json_extract(fields, '$.title') IS NOT NULL "
        "AND (record_id LIKE ? ESCAPE '\\' OR record_id LIKE ? ESCAPE '\\') "
        "AND json_extract(fields, '$.account_id') NOT IN (SELECT id FROM accounts) "
        "ORDER BY seq LIMIT 1",
        (pattern + "%", "%" + pattern),
    ).fetchone()
    return None if row is None else str(row[0])


def short_id(record_id: str) -> str:
    """The id as tables show it: its last 8 characters (the random part of a UUIDv7)."""
    return record_id[-8:]
