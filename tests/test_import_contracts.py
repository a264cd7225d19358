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


# The command language (csm_tui/domain/language) and its executor (csm_tui/commands): modules
# meet through public names only, and no function grows past a screen.
LANGUAGE_AND_EXECUTOR = ("csm_tui/domain/language", "csm_tui/commands")
LONGEST_FUNCTION = 60


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).glob("*.py"))


def test_no_private_name_of_the_language_or_the_executor_is_imported_from_another_module():
    import ast

    crossings = []
    for path in _modules("csm_tui", "csm_tui/cli", "csm_tui/ui", "csm_tui/ui/screens",
                         "csm_tui/store", *LANGUAGE_AND_EXECUTOR):  # fmt: skip
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if not node.module.startswith(("csm_tui.commands", "csm_tui.domain.language")):
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private:
                crossings.append(f"{path.relative_to(ROOT)}: {private} from {node.module}")
    assert crossings == []


def test_no_function_of_the_language_or_the_executor_is_longer_than_a_screen():
    import ast

    long = []
    for path in _modules(*LANGUAGE_AND_EXECUTOR):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_FUNCTION:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert long == []
