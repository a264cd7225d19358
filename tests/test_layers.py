"""Import hygiene: each layer loads only what it may (STYLE.md, habit 2).

Every module is imported alone in a fresh interpreter, so one module cannot hide
another's import. Modules are found with `pkgutil.walk_packages` at test time: a module
added later is checked without touching this file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PURE = ("textual", "rich", "sqlalchemy", "sqlmodel", "httpx", "sqlite3", "_sqlite3")
NO_UI = ("textual",)

# layer package → top-level packages it must not load
RULES: dict[str, tuple[str, ...]] = {
    "csm_tui.domain": PURE,
    "csm_tui.store": NO_UI,
    "csm_tui.sync": NO_UI,
    "csm_tui.server": NO_UI,
    "csm_tui.commands": NO_UI,
    "csm_tui.i18n": (*PURE, "babel"),  # the domain imports it; Babel only when asked for
    "csm_tui.protocol": (*PURE, "pydantic", "fastapi"),  # the client and the server share it
}

PROBE = """
import importlib, json, sys
module, forbidden = sys.argv[1], set(json.loads(sys.argv[2]))
importlib.import_module(module)
import csm_tui
loaded = sorted({name.split(".")[0] for name in sys.modules} & forbidden)
print(json.dumps({"csm_tui": csm_tui.__file__, "loaded": loaded}))
"""


def modules_of(package: str) -> list[str]:
    """The package and every module under it, as found on disk in this checkout."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin, package
    assert Path(spec.origin).resolve().is_relative_to(ROOT), spec.origin
    if not spec.submodule_search_locations:  # a module (csm_tui.protocol), not a package
        return [package]
    for location in spec.submodule_search_locations:
        assert Path(location).resolve().is_relative_to(ROOT), location
    found = pkgutil.walk_packages(spec.submodule_search_locations, prefix=f"{package}.")
    return [package, *sorted(info.name for info in found)]


def forbidden_loaded(module: str, forbidden: tuple[str, ...]) -> list[str]:
    """Import `module` alone in a fresh interpreter; the forbidden packages it loaded."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module, json.dumps(forbidden)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"importing {module} failed:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["csm_tui"]).resolve().is_relative_to(ROOT), report["csm_tui"]
    return report["loaded"]


CASES = [
    (module, forbidden) for package, forbidden in RULES.items() for module in modules_of(package)
]


@pytest.mark.parametrize(("module", "forbidden"), CASES, ids=[m for m, _ in CASES])
def test_layer_imports_stay_in_their_lane(module: str, forbidden: tuple[str, ...]) -> None:
    assert forbidden_loaded(module, forbidden) == []


def test_every_domain_module_is_checked() -> None:
    checked = {module for module, _ in CASES}
    for name in (
        "tiers",
        "cadence",
        "motion",
        "lifecycle",
        "health",
        "records",
        "clock",
        "text",
        "humanize",
    ):
        assert f"csm_tui.domain.{name}" in checked
    assert "csm_tui.store.models" in checked
    assert "csm_tui.protocol" in checked


def test_the_probe_sees_a_forbidden_import() -> None:
    assert forbidden_loaded("rich.text", PURE) == ["rich"]
