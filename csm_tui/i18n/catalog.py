"""Keep the catalogs: `python -m csm_tui.i18n.catalog extract|update|compile|check`.

- extract: every `_()`, `N_()`, `ngettext()`, `pgettext()` and `NC_()` in `csm_tui/` → a
  template (`--pot`, default a temporary file, printed);
- update: extract, then merge into each `.po` (new entries come in untranslated; entries no
  longer in the source are dropped);
- compile: each `.po` → its `.mo` beside it (committed: an editable install needs no build);
- check: exit 1 when a `.po` has an untranslated or fuzzy entry or its `.mo` is stale.

Babel is imported here only: never at app start (see `csm_tui/i18n/__init__.py`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.i18n import CATALOG_OF, DOMAIN, LOCALE_DIR

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

_Text = str | tuple[str, ...]  # a message's id or string (a tuple: singular and plural)

PACKAGE_DIR = LOCALE_DIR.parent
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "Nn_": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NC_": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)


def po_paths() -> list[Path]:
    return [LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po" for code in CATALOG_OF.values()]


def extract() -> Catalog:
    """The template catalog: every marked string under `csm_tui/`, with its places."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="csm-tui", domain=DOMAIN, charset="utf-8")
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE_DIR,
        method_map=method_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        path = f"csm_tui/{Path(filename).as_posix()}"
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return catalog


def read(path: Path) -> Catalog:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, locale=_locale_of(path))


def _locale_of(path: Path) -> str:
    return path.parent.parent.name


def write(catalog: Catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=False)


def update() -> list[Path]:
    template = extract()
    written = []
    for po in po_paths():
        if po.exists():
            catalog = read(po)
        else:
            from babel.messages.catalog import Catalog

            po.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=_locale_of(po), domain=DOMAIN, project="csm-tui")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header: a fuzzy header would hide the plural forms
        catalog.last_translator = "csm-tui"
        catalog.language_team = "csm-tui <https://github.com/>"
        catalog.obsolete.clear()  # dropped strings go: git keeps their history
        write(catalog, po)
        written.append(po)
    return written


def compiled(po: Path) -> bytes:
    from io import BytesIO

    from babel.messages.mofile import write_mo

    out = BytesIO()
    write_mo(out, read(po), use_fuzzy=False)
    return out.getvalue()


def read_mo_file(path: Path) -> Catalog:
    from babel.messages.mofile import read_mo

    with path.open("rb") as fh:
        return read_mo(fh)


def _entries(
    catalog: Catalog, translated: bool = False
) -> dict[tuple[str | None, _Text | None], _Text | None]:
    """msgid → msgstr of a catalog (only what a compiled catalog keeps, with `translated`)."""

    def flat(value: str | tuple[str, ...] | list[str] | None) -> _Text | None:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {
        (message.context, flat(message.id)): flat(message.string)
        for message in catalog
        if message.id and (not translated or (message.string and not message.fuzzy))
    }


def compile_all() -> list[Path]:
    written = []
    for po in po_paths():
        mo = po.with_suffix(".mo")
        mo.write_bytes(compiled(po))
        written.append(mo)
    return written


def problems(po: Path) -> list[str]:
    """What is wrong with a catalog: untranslated or fuzzy entries, a stale `.mo`."""
    found = []
    for message in read(po):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"{po.name}: untranslated: {message.id!r}")
        elif message.fuzzy:
            found.append(f"{po.name}: fuzzy: {message.id!r}")
    mo = po.with_suffix(".mo")
    if not mo.exists() or _entries(read_mo_file(mo)) != _entries(read(po), translated=True):
        found.append(f"{mo.name}: stale; run python -m csm_tui.i18n.catalog compile")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else ""
    if command == "extract":
        from babel.messages.pofile import write_po

        pot = Path(args[1]) if len(args) > 1 else Path(tempfile.mkdtemp()) / f"{DOMAIN}.pot"
        with pot.open("wb") as fh:
            write_po(fh, extract(), width=100)
        print(pot)
        return 0
    if command == "update":
        for path in update():
            print(f"updated {path}")
        return 0
    if command == "compile":
        for path in compile_all():
            print(f"compiled {path}")
        return 0
    if command == "check":
        found = [problem for po in po_paths() for problem in problems(po)]
        print("\n".join(found) or "catalogs complete and compiled")
        return 1 if found else 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
