"""The file formats an export is written in: one enum for the command language (`export
... --format`), the shell's `csm-tui export` and the store's writers."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    MD = "md"

    @classmethod
    def parse(cls, text: str) -> ExportFormat:
        """`csv`, `json`, `md` (or `markdown`), in any case, with or without a leading dot."""
        key = str(text).strip().lower().lstrip(".")
        key = {"markdown": "md"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"unknown export format {text!r}; use csv, json or md") from None
