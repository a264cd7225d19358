"""The `[tool.importlinter]` contracts of pyproject.toml, checked by import-linter itself:
a module that imports across a forbidden line fails the suite, naming the import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def test_every_import_contract_is_kept_the_server_imports_no_client_store_ui_or_cli():
    result = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
