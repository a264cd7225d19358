"""The `[tool.importlinter]` contracts of pyproject.toml, checked by import-linter itself:
a module that imports across a forbidden line fails the suite, naming the import.

- "layers": cli > ui > commands > sync > store > domain (each imports only layers below it);
- "leaves": the wire protocol (`csm_tui.protocol`) and the translations (`csm_tui.i18n`)
  import no layer of the package, so the client and the server can share them;
- "server": the central API imports no client store, sync, UI or CLI.
- "executor" and "language": the command language's own layers (csm_tui/commands,
  csm_tui/domain/language).

Each contract is checked on the tree as it is; then an upward import is planted in a copy
of the tree, and the contract that forbids it must break, naming the planted module.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', "
    "limit_to_contracts=tuple(sys.argv[1:]), no_cache=True, no_logo=True))"
)

CONTRACTS = {
    contract["id"]: contract
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
}


def lint(root: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the `csm_tui` under `root` (first on the path), for these contracts."""
    return subprocess.run(
        [sys.executable, "-c", LINT, *contract_ids],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_contracts_are_declared():
    assert set(CONTRACTS) == {"layers", "leaves", "server", "executor", "language"}
    assert CONTRACTS["layers"]["layers"] == [
        "csm_tui.cli",
        "csm_tui.ui",
        "csm_tui.commands",
        "csm_tui.sync",
        "csm_tui.store",
        "csm_tui.domain",
    ]
    assert set(CONTRACTS["leaves"]["source_modules"]) == {"csm_tui.protocol", "csm_tui.i18n"}


@pytest.mark.parametrize("contract_id", sorted(CONTRACTS))
def test_the_tree_keeps_the_contract(contract_id):
    result = lint(ROOT, contract_id)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout, result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The package's Python sources and pyproject.toml, copied: a tree to break on purpose."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(
        ROOT / "csm_tui",
        root / "csm_tui",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "*.mo", "*.po"),
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


# (contract that forbids it, the package the planted module goes in, what it imports)
UPWARD = [
    ("layers", "csm_tui.store", "csm_tui.sync.engine"),  # the import this contract was made for
    ("layers", "csm_tui.domain", "csm_tui.store.models"),
    ("layers", "csm_tui.commands", "csm_tui.ui.app"),
    ("layers", "csm_tui.ui", "csm_tui.cli.main"),
    ("leaves", "csm_tui.i18n", "csm_tui.domain.clock"),
    ("server", "csm_tui.server", "csm_tui.sync.engine"),
]


@pytest.mark.parametrize(("contract_id", "package", "target"), UPWARD)
def test_an_upward_import_breaks_the_contract(tree_copy, contract_id, package, target):
    planted = tree_copy.joinpath(*package.split("."), "planted_upward.py")
    planted.write_text(f"import {target}  # planted by the test\n", encoding="utf-8")
    try:
        result = lint(tree_copy, contract_id)
    finally:
        planted.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout, result.stdout
    assert f"{package}.planted_upward -> {target}" in result.stdout, result.stdout


def test_the_protocol_importing_a_layer_breaks_the_leaves_contract(tree_copy):
    """The wire protocol is one module: a store import added to it must be refused."""
    protocol = tree_copy / "csm_tui" / "protocol.py"
    text = protocol.read_text(encoding="utf-8")
    protocol.write_text(text + "\nfrom csm_tui.store import outbox  # noqa\n", encoding="utf-8")
    try:
        result = lint(tree_copy, "leaves")
    finally:
        protocol.write_text(text, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "csm_tui.protocol -> csm_tui.store.outbox" in result.stdout, result.stdout


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
