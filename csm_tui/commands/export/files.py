"""Export files: the format a file name asks for, and the atomic write."""

from __future__ import annotations

from pathlib import Path

from csm_tui.domain.export_format import ExportFormat


def write_export(path: Path | str, text: str) -> Path:
    """Write an export atomically (UTF-8; a BOM in `text` is kept). Raises
    `store.prep.PrepExportError` with a message for the user when it cannot."""
    from csm_tui.store.prep import export_prep as write_atomically

    return write_atomically(path, text)


def format_for_path(path: Path | str, default: ExportFormat | None = None) -> ExportFormat:
    """The format a file name asks for (``.csv``, ``.json``, ``.md``/``.markdown``)."""
    suffix = Path(path).suffix
    try:
        return ExportFormat.parse(suffix)
    except ValueError:
        if default is not None:
            return default
        raise ValueError(
            f"cannot tell the format from {Path(path).name!r}; add --format csv|json|md"
        ) from None
