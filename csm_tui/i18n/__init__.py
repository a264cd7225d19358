"""Translations: English (the msgid itself) and Simplified Chinese, through stdlib gettext.

A leaf module: stdlib only, and `gettext` itself loads on the first `set_language` that
needs a catalog, so the domain may import `N_` and the app starts as light as before.
Babel (extraction, catalogs, CLDR formats) is never imported here: see `catalog.py`.

How to make a string translatable
---------------------------------
- At run time (screens, notifications, CLI output): ``from csm_tui.i18n import _`` and
  write ``_("Nothing to undo.")``; with values, ``_("Undid {n} logs.").format(n=n)`` —
  format *after* translating, and name the placeholders so a translator can move them.
  Counted words: ``ngettext("{n} account", "{n} accounts", n).format(n=n)``.
- At import time (Binding descriptions, enum labels, module constants, domain message
  templates): mark with ``N_("Help")``. `N_` is the identity: the English msgid is stored,
  and the edge that shows it translates it then: ``_(binding.description)``,
  ``_(reason.template).format(**reason.values)``. The domain never calls `_`: it returns
  codes, templates and values (see `domain/agenda.py`'s `Reason`).
- A word with two senses (the activity type "Email" and a contact's "Email" field) gets a
  context, so each sense is its own catalog entry (``msgctxt``): at run time
  ``pgettext("contact field", "Email")``; at import time ``NC_("activity type", "Email")``,
  which is the English word itself (a `str`) remembering its context, so the edge's usual
  ``_(label)`` (and a `Message` made of it) looks it up in that context.
- Then ``python -m csm_tui.i18n.catalog update`` (extract + merge into the zh `.po`),
  translate the new entries in ``csm_tui/locale/zh_Hans/LC_MESSAGES/csm_tui.po`` using
  ``assets/i18n/glossary.md``, and ``python -m csm_tui.i18n.catalog compile`` (the `.mo`
  is committed; a test checks it is fresh and that every msgid has a translation).

Choosing the language: `--lang` > `language` in config.toml > `LC_ALL` / `LC_MESSAGES` /
`LANG` > English (`choose_language`). Every Chinese locale (zh_CN, zh_SG, zh_TW, zh_HK…)
gets Simplified Chinese, the only Chinese catalog shipped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from gettext import NullTranslations

DOMAIN = "csm_tui"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("en", "zh")
"""The interface languages, as `language` in config.toml and `--lang` name them."""
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}
"""Each language in its own words (what the language switch shows)."""
CATALOG_OF = {"zh": "zh_Hans"}
"""Language → the catalog directory under `csm_tui/locale/`. English needs none."""
ENV_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_language = "en"
_gettext = None  # a gettext.NullTranslations (or GNUTranslations) once a catalog is loaded


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it (yet): the identity."""
    return message


class InContext(str):
    """An English msgid that remembers its context (made by `NC_`): equal to, and used as,
    the plain word; `_()` translates it with `pgettext(context, word)`."""

    context: str

    def __new__(cls, context: str, message: str) -> InContext:
        word = super().__new__(cls, message)
        word.context = context
        return word

    def __reduce__(self) -> tuple[type[InContext], tuple[str, str]]:  # copies keep the context
        return (InContext, (self.context, str(self)))


def NC_(context: str, message: str) -> str:
    """Mark `message` in `context` for extraction (a `msgctxt` entry); the English word,
    carrying its context to the `_()` that shows it."""
    return InContext(context, message)


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for extraction (as `ngettext` is); the identity."""
    return singular, plural


@dataclass(frozen=True)
class Message:
    """Words the domain returns without choosing a language: an English template (marked
    with `N_`, or a pair marked with `Nn_` and the count `n` that picks the form) and the
    values for its `{placeholders}`. The edge shows `msg.render()` (the interface language);
    `msg.english()` is the same words in English, for logs, sorting and scripts.

        Message.of(N_("Task due today: {title}"), title=title)
        Message.of(*Nn_("Task late {n} day: {title}", "Task late {n} days: {title}"),
                   n=late, title=title)
    """

    template: str
    plural: str | None = None
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, template: str, plural: str | None = None, /, **values: Any) -> Message:
        if plural is not None and "n" not in values:
            raise ValueError("a plural message needs its count as n=")
        return cls(template, plural, tuple(sorted(values.items())))

    @classmethod
    def text(cls, words: str) -> Message:
        """Words already made (not yet through the catalog): shown as they are."""
        return cls("{text}", None, (("text", words),))

    def english(self) -> str:
        values = {k: v.english() if isinstance(v, Message) else v for k, v in self.values}
        if self.plural is not None and values["n"] != 1:
            return self.plural.format(**values)
        return self.template.format(**values)

    def render(self) -> str:
        """The message in the current interface language (a value that is a `Message`
        itself is rendered too: "expected {expected}" with `expected` a Message)."""
        values = {k: v.render() if isinstance(v, Message) else v for k, v in self.values}
        if self.plural is not None:
            count: int = dict(self.values)["n"]
            return ngettext(self.template, self.plural, count).format(**values)
        return _(self.template).format(**values)

    def __str__(self) -> str:
        return self.english()


OS_REASONS = {
    "ENOENT": N_("No such file or directory"),
    "EACCES": N_("Permission denied"),
    "EPERM": N_("Operation not permitted"),
    "EISDIR": N_("Is a directory"),
    "ENOTDIR": N_("Not a directory"),
    "ENOSPC": N_("No space left on device"),
    "EROFS": N_("Read-only file system"),
    "EEXIST": N_("File exists"),
    "ENAMETOOLONG": N_("File name too long"),
}
"""The system's words for the file errors a user meets (by errno name), as C says them."""


def os_reason(error: OSError) -> Message:
    """Why a file could not be read or written, in words the catalog knows ("No such file
    or directory" → 文件或目录不存在); another error's own text as it is."""
    import errno

    template = OS_REASONS.get(errno.errorcode.get(error.errno or 0, ""))
    if template is not None:
        return Message.of(template)
    return Message.text(error.strerror or str(error))


def locate(line: int, column: str | None, problem: Message) -> Message:
    """A file's problem with where it is: "line 7, Close date: …" ("file: …" for line 0,
    the file as a whole), for import reports."""
    if line and column:
        return Message.of(
            N_("line {line}, {column}: {problem}"), line=line, column=column, problem=problem
        )
    if line:
        return Message.of(N_("line {line}: {problem}"), line=line, problem=problem)
    if column:
        return Message.of(N_("file, {column}: {problem}"), column=column, problem=problem)
    return Message.of(N_("file: {problem}"), problem=problem)


def _(message: str) -> str:
    """`message` in the current language (itself when there is no translation); a word
    marked with `NC_` is looked up in its context."""
    if _gettext is None or not message:
        return message
    if type(message) is InContext:
        return _gettext.pgettext(message.context, message)
    return _gettext.gettext(message)


def pgettext(context: str, message: str) -> str:
    """`message` in `context` (its `msgctxt`) in the current language: for a word with two
    senses ("Email" the activity type, "Email" a contact's field)."""
    if _gettext is None or not message:
        return message
    return _gettext.pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for `n`, in the current language."""
    if _gettext is None:
        return singular if n == 1 else plural
    return _gettext.ngettext(singular, plural, n)


def in_every_language(message: str) -> tuple[str, ...]:
    """`message` as each shipped language says it (English first): what a person may type
    for a word the app shows in either language — "战略" for the Strategic tier."""
    said = [message]
    for language in LANGUAGES:
        catalog = CATALOG_OF.get(language)
        if catalog is not None:
            words = _catalog_of(catalog).gettext(message)
            if words not in said:
                said.append(words)
    return tuple(said)


class Labelled(Protocol):
    """A value with words to show for it (`label`: a msgid, as tiers and stages have)."""

    @property
    def label(self) -> str: ...


_Shown = TypeVar("_Shown", bound=Labelled)


def shown_as(members: Iterable[_Shown], text: str) -> _Shown | None:
    """The member whose words, as any shipped language shows them, `text` is (case and
    surrounding space ignored): "战略" or "Strategic" for the Strategic tier; None if none."""
    said = text.strip().casefold()
    for member in members:
        if said in (words.casefold() for words in in_every_language(member.label)):
            return member
    return None


@functools.cache
def _catalog_of(catalog: str) -> NullTranslations:
    """A language's catalog, loaded once."""
    import gettext

    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[catalog], fallback=True)


def current_language() -> str:
    """The interface language now: "en" or "zh"."""
    return _language


def set_language(language: str) -> None:
    """Switch every later `_()` to `language` ("en" or "zh")."""
    global _language, _gettext
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    catalog = CATALOG_OF.get(language)
    if catalog is None:
        _language, _gettext = language, None
        return
    _gettext = _catalog_of(catalog)
    _language = language


def language_of_locale(value: str | None) -> str | None:
    """The interface language a POSIX locale name asks for ("zh_CN.UTF-8" → "zh",
    "en_US" → "en"), or None when it names none we know ("", "C", "POSIX", "fr_FR")."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of the first locale variable set (`LC_ALL` > `LC_MESSAGES` > `LANG`,
    as POSIX reads them), or None when the locale is unset, C/POSIX or not ours."""
    for name in ENV_VARIABLES:
        value = environ.get(name)
        if value:
            return language_of_locale(value)
    return None


def choose_language(cli: str | None, setting: str | None, environ: Mapping[str, str]) -> str:
    """`--lang` wins, then `language` in config.toml, then the locale, then English."""
    return cli or setting or language_from_environment(environ) or "en"
