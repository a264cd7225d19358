"""The user's own keys: `[keys]` in config.toml, binding id = "key[,key]", checked against
the app's bindings and applied with Textual's keymap (`App.set_keymap`).

    [keys]
    "app.sync_now" = "f5"          # Sync now on f5 instead of S
    "portfolio.log" = "l,ctrl+l"   # both keys log on the portfolio
    "account.log" = ["l", "ctrl+l"]

Every binding in csm_tui/ui has an id (tests/ui/test_every_key_is_a_command.py checks);
those ids are what a user rebinds. A key given replaces the binding's own keys. An entry
that is wrong — an id no binding has, a value that is not keys, a key name Textual does
not know, a key that already does something else where the binding works — is left out
(the binding keeps its own key) and reported when the app starts, with the valid ids: the
app starts anyway, with the rest applied. The Footer, `?` and the palette show the keys in
force, as they read Textual's active bindings.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_TO_UNICODE_NAME, REPLACED_KEYS, Keys, _normalize_key_list

from csm_tui.i18n import _

SCOPES: tuple[frozenset[str], ...] = (
    frozenset({"app", "today", "table"}),
    frozenset({"app", "portfolio", "table"}),
    frozenset({"app", "account", "stakeholders", "timeline", "checklist", "tasks", "notes"}),
    frozenset({"app", "prep", "notes"}),
    frozenset({"app", "coverage", "wide_table"}),
    frozenset({"app", "csm_accounts", "wide_table", "table"}),
    frozenset({"app", "sync"}),
    frozenset({"help"}),
    frozenset({"activity"}),
    frozenset({"confirm"}),
    frozenset({"log"}),
    frozenset({"contact"}),
    frozenset({"renewal"}),
    frozenset({"tier"}),
    frozenset({"conflict"}),
    frozenset({"reassign"}),
    frozenset({"export"}),
)
"""Which bindings can answer a key at the same moment, by the prefix of their ids: a
screen's own, its widgets' and the app's (a modal screen — a form, a dialog, `?` — has only
its own). Two of them on one key clash: the nearer one would win and the other go deaf.
tests/ui/test_keymap.py checks that every binding's prefix is in a scope."""

TEXTUAL_KEYS = frozenset({"ctrl+q", "ctrl+c"})
"""Textual's own keys on every screen: quit, and copy (or "press ctrl+q to quit")."""

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(key.value.rpartition("+")[2] for key in Keys if "<" not in key.value)


@dataclass(frozen=True)
class KeyProblem:
    """Why one `[keys]` entry is left out: `code` is "unknown_id", "not_keys",
    "unknown_key", "textual" (with `key`: one of Textual's own) or "clash" (with `key`, and
    `other`: the id the key already belongs to)."""

    binding_id: str
    code: str
    key: str = ""
    other: str = ""


@dataclass(frozen=True)
class UserKeys:
    keymap: dict[str, str]
    """What Textual applies: binding id → "key,key" (long names: "question_mark")."""
    problems: tuple[KeyProblem, ...]


def binding_owners() -> Iterable[type[DOMNode]]:
    """Every screen, widget and the app in csm_tui.ui that declares bindings (imports
    every module of the package: only when the user has `[keys]`)."""
    import csm_tui.ui

    for info in pkgutil.walk_packages(csm_tui.ui.__path__, "csm_tui.ui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == info.name and "BINDINGS" in vars(cls):
                yield cls


@cache
def app_bindings() -> dict[str, Binding]:
    """Every binding of the app by its id (the first, when ids repeat)."""
    found: dict[str, Binding] = {}
    for cls in binding_owners():
        for binding in vars(cls)["BINDINGS"]:
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, binding)
    return found


def _keys(binding: Binding) -> tuple[str, ...]:
    return tuple(_normalize_key_list(binding.key).split(","))


def known_key(key: str) -> bool:
    """Is `key` a key Textual can report: "f5", "ctrl+l", "L", "question_mark", "?"..."""
    *modifiers, name = key.split("+")
    if not name or any(modifier not in MODIFIERS for modifier in modifiers):
        return False
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    if name in NAMED_KEYS:
        return True
    original = REPLACED_KEYS.get(name, name)  # "slash" is Unicode's "solidus"
    unicode_name = KEY_TO_UNICODE_NAME.get(original, original)
    try:
        unicodedata.lookup(unicode_name.replace("_", " "))
    except KeyError:
        return False
    return True


def _prefix(binding_id: str) -> str:
    return binding_id.partition(".")[0]


def _together(a: str, b: str) -> bool:
    pa, pb = _prefix(a), _prefix(b)
    return any(pa in scope and pb in scope for scope in SCOPES)


def _written(
    wanted: Mapping[str, str | None], problems: list[KeyProblem]
) -> dict[str, tuple[str, ...]]:
    """The entries whose value is keys Textual knows (no id is checked: that needs the
    bindings, so every screen's module imported)."""
    chosen: dict[str, tuple[str, ...]] = {}
    for binding_id, value in wanted.items():
        if value is None or not value.strip():
            problems.append(KeyProblem(binding_id, "not_keys"))
            continue
        keys = tuple(k for k in _normalize_key_list(value).split(",") if k)
        wrong = [k for k in keys if not known_key(k)]
        if wrong:
            problems.append(KeyProblem(binding_id, "unknown_key", key=wrong[0]))
            continue
        taken = [k for k in keys if k in TEXTUAL_KEYS]
        if taken:
            problems.append(KeyProblem(binding_id, "textual", key=taken[0]))
            continue
        chosen[binding_id] = tuple(dict.fromkeys(keys))
    return chosen


def written_keys(wanted: Mapping[str, str | None]) -> dict[str, str]:
    """A first keymap, in force from the app's first key: the entries written as keys.
    `check_keys` then leaves out the unknown ids and the clashes (ui/app.py runs it in a
    thread after the first paint: it imports every screen)."""
    return {binding_id: ",".join(keys) for binding_id, keys in _written(wanted, []).items()}


def check_keys(wanted: Mapping[str, str | None], defaults: Mapping[str, Binding]) -> UserKeys:
    """The keymap of the entries that can be applied, and why the others cannot."""
    problems: list[KeyProblem] = [
        KeyProblem(binding_id, "unknown_id") for binding_id in wanted if binding_id not in defaults
    ]
    chosen = _written({k: v for k, v in wanted.items() if k in defaults}, problems)
    own = {binding_id: _keys(binding) for binding_id, binding in defaults.items()}
    # Leave out each entry whose new key another binding answers where it works; leaving
    # one out gives its binding its own key back, which may clash with another's new key.
    while True:
        in_force = {**own, **chosen}
        clashes: dict[str, KeyProblem] = {}
        for binding_id, keys in chosen.items():
            for key in keys:
                if key in own[binding_id]:
                    continue  # its own key, shared as it always was
                other = next(
                    (
                        b
                        for b, bkeys in in_force.items()
                        if b != binding_id and key in bkeys and _together(binding_id, b)
                    ),
                    None,
                )
                if other is not None:
                    clashes[binding_id] = KeyProblem(binding_id, "clash", key=key, other=other)
                    break
        if not clashes:
            break
        problems.extend(clashes.values())
        for binding_id in clashes:
            del chosen[binding_id]
    keymap = {binding_id: ",".join(keys) for binding_id, keys in chosen.items()}
    return UserKeys(keymap, tuple(problems))


def user_keys(wanted: Mapping[str, str | None]) -> UserKeys:
    return check_keys(wanted, app_bindings()) if wanted else UserKeys({}, ())


# -- words -------------------------------------------------------------------------------


def describe(problem: KeyProblem, bindings: Mapping[str, Binding]) -> str:
    """One problem, in the interface language."""
    name = problem.binding_id
    if problem.code == "unknown_id":
        close = difflib.get_close_matches(name, list(bindings), n=1)
        if close:
            return _('"{id}": no key has this id; did you mean "{close}"?').format(
                id=name, close=close[0]
            )
        return _('"{id}": no key has this id').format(id=name)
    if problem.code == "not_keys":
        return _('"{id}": write its keys as text, e.g. "f5" or "l,ctrl+l"').format(id=name)
    if problem.code == "unknown_key":
        return _('"{id}": "{key}" is not a key name (e.g. f5, ctrl+l, L, question_mark)').format(
            id=name, key=problem.key
        )
    if problem.code == "textual":
        return _('"{id}": {key} is Textual\'s own key everywhere (quit, copy)').format(
            id=name, key=problem.key
        )
    other = bindings.get(problem.other)
    does = _(other.description) if other is not None and other.description else problem.other
    return _('"{id}": {key} already does "{does}" ({other}) on the same screen').format(
        id=name, key=problem.key, does=does, other=problem.other
    )


def valid_ids(bindings: Iterable[str]) -> str:
    """The ids, one line per prefix: "app: help today portfolio …"."""
    by_prefix: dict[str, list[str]] = {}
    for binding_id in sorted(bindings):
        prefix, _dot, rest = binding_id.partition(".")
        by_prefix.setdefault(prefix, []).append(rest)
    return "\n".join(f"{prefix}.  {' '.join(names)}" for prefix, names in by_prefix.items())


def problems_message(problems: Iterable[KeyProblem], source: str) -> str:
    """The start-up message: each entry left out and why, then the ids there are."""
    bindings = app_bindings()
    lines = [
        _("[keys] in {file}: these entries are left out; those keys stay as they were.").format(
            file=source
        )
    ]
    lines += [f"• {describe(problem, bindings)}" for problem in problems]
    lines.append(_("The binding ids (prefix.  names):"))
    lines.append(valid_ids(bindings))
    return "\n".join(lines)
