"""`mypy --strict` on the package (the `[tool.mypy]` section of pyproject.toml), run with
the tests so a wrong type fails the suite like a wrong behaviour does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

api = pytest.importorskip("mypy.api")


def run_mypy(*args: str) -> tuple[str, str, int]:
    cwd = os.getcwd()
    os.chdir(ROOT)  # mypy reads pyproject.toml and keeps its cache relative to the cwd
    try:
        return api.run(["--config-file", str(ROOT / "pyproject.toml"), *args])
    finally:
        os.chdir(cwd)


def test_the_package_type_checks_strictly():
    stdout, stderr, status = run_mypy()
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0, f"mypy --strict found {len(errors)} errors:\n{stdout}{stderr}"


def test_a_wrong_type_fails_the_check(tmp_path):
    """The check is live: a module that returns a str where it promises an int fails it."""
    bad = tmp_path / "wrong.py"
    bad.write_text("def count() -> int:\n    return 'three'\n")
    stdout, _, status = run_mypy("--strict", str(bad))
    assert status == 1
    assert "wrong.py:2: error: Incompatible return value type" in stdout
