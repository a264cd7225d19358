"""The column mappings an import reads: the ones shipped in ``assets/import`` by name, a
TOML file by path, or our own column names (`OWN_COLUMNS`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from csm_tui.assets_path import assets_dir
from csm_tui.domain.csv_mapping import ColumnMapping, ImportKind, MappingError
from csm_tui.domain.import_summaries import no_shipped_mapping
from csm_tui.i18n import N_, Message, os_reason


def shipped_mappings_dir() -> Path:
    return assets_dir() / "import"


@cache
def _shipped_kind(path: Path) -> str | None:
    try:
        return ColumnMapping.from_toml(path.read_text(encoding="utf-8"), str(path)).kind.value
    except (OSError, MappingError):
        return None


def shipped_mappings(kind: str | None = None) -> list[str]:
    """Names of the mappings shipped in assets/import (for `kind` only, when given)."""
    folder = shipped_mappings_dir()
    names = []
    for path in sorted(folder.glob("*.toml")):
        if kind is None or _shipped_kind(path) == kind:
            names.append(path.stem)
    return names


OWN_COLUMNS = "csm-tui"
"""The mapping name for files whose headers are our own field names (as exports write)."""


def load_mapping(name_or_path: str | Path | None, kind: str | None = None) -> ColumnMapping:
    """A mapping from a TOML file, or a shipped one by name.

    A name is a shipped mapping's file name without ``.toml`` (``hubspot-companies``) or
    a prefix naming exactly one of those for `kind` (``hubspot``, ``salesforce``).
    None (or ``csm-tui``) with a `kind`: headers are our own field names
    (`ColumnMapping.own_columns`). Raises `MappingError` with the names that exist.
    """
    if name_or_path is None or str(name_or_path).strip().lower() == OWN_COLUMNS:
        if kind not in (ImportKind.ACCOUNTS.value, ImportKind.CONTACTS.value):
            raise MappingError(Message.of(N_("say whether the file holds accounts or contacts")))
        return ColumnMapping.own_columns(kind)
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(
                Message.of(
                    N_("cannot read the mapping {path}: {reason}"),
                    path=path,
                    reason=os_reason(exc),
                )
            ) from None
        return ColumnMapping.from_toml(text, str(path))
    wanted = str(name_or_path).strip().lower()
    names = shipped_mappings(kind)
    hits = [n for n in names if n == wanted] or [n for n in names if n.startswith(wanted)]
    if len(hits) != 1:
        raise MappingError(no_shipped_mapping(str(name_or_path), kind, names, several=bool(hits)))
    target = shipped_mappings_dir() / f"{hits[0]}.toml"
    return ColumnMapping.from_toml(target.read_text(encoding="utf-8"), str(target))
