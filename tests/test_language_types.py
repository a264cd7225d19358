"""The command language (csm_tui/domain/language) and its executor (csm_tui/commands) are
clean under `mypy --strict`: a wrong type there fails the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_YET = {"csm_tui/commands/output.py"}  # the shell's printing: typed with the whole tree


def test_the_command_language_and_its_executor_are_clean_under_mypy_strict(tmp_path):
    files = [
        str(p.relative_to(ROOT))
        for folder in ("csm_tui/domain/language", "csm_tui/commands")
        for p in sorted((ROOT / folder).glob("*.py"))
        if str(p.relative_to(ROOT)) not in NOT_YET
    ]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         f"--cache-dir={tmp_path}", *files],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
