"""Where the shipped assets (styles, demo seeds, sample import files) are."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def assets_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "assets", here.parent / "assets"):
        if (candidate / "styles").is_dir():
            return candidate
    raise FileNotFoundError("csm-tui assets not found; reinstall the package")


def style_path(name: str) -> Path:
    return assets_dir() / "styles" / name
