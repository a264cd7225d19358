"""The README's shell examples, pasted by a newcomer right after its first command.

Every ```sh block after the first two (install + demo, run the tests) is run line by line in
one bash, in a fresh HOME where the demo book was built, from a folder that looks like the
checkout (`.venv`, `assets`). A README that names a command, option or file the CLI does not
have — or a CLI that stops doing what the README shows — fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FIRST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[server]' && .venv/bin/csm-tui demo"
)


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text, flags=re.M | re.S)


def text_blocks(text: str) -> list[str]:
    return re.findall(r"^```text\n(.*?)^```", text, flags=re.M | re.S)


def test_the_readme_starts_with_the_install_and_demo_command():
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    assert blocks[0].strip() == FIRST_COMMAND
    assert "pytest" in blocks[1]  # the suite's own command; .ci/run runs it
    assert len(blocks) > 2, "the README shows no shell examples after the first command"


@pytest.fixture
def newcomer(tmp_path) -> tuple[Path, dict[str, str]]:
    """A fresh HOME after the README's first command, and a folder like the checkout."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("the README installs into .venv; run the suite from that venv")
    home, work = tmp_path / "home", tmp_path / "checkout"
    home.mkdir()
    work.mkdir()
    (work / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (work / "assets").symlink_to(ROOT / "assets", target_is_directory=True)
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "CSM_TUI_NOW": FROZEN_NOW.isoformat(),  # the same day every run; the README sets none
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    # The first command, minus opening the app (and the install this test runs inside).
    built = subprocess.run(
        [str(work / ".venv/bin/csm-tui"), "demo", "--no-open"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return work, env


def test_every_shell_example_after_the_first_command_runs(newcomer):
    work, env = newcomer
    lines = [
        line
        for block in shell_blocks(README.read_text(encoding="utf-8"))[2:]
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    script = "\n".join(
        f"printf '%s\\n' {shlex.quote('$ ' + line)}\n{line}\n"
        f'status=$?; if [ $status -ne 0 ]; then echo "exit $status"; exit 1; fi'
        for line in lines
    )
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    report = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, report
    assert "Traceback" not in result.stderr, report
    assert "no cache at" not in result.stderr, report
    assert "using the demo book" in result.stderr  # and it says so
    assert "Bearford Connect Ltd" in result.stdout  # the examples' account exists


def test_the_synopsis_names_every_command_the_cli_has():
    from csm_tui.cli.main import build_parser

    synopsis = "\n".join(text_blocks(README.read_text(encoding="utf-8")))
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        if name == "open":  # plain `csm-tui`
            continue
        assert re.search(rf"csm-tui .*\b{name}\b", synopsis), f"`csm-tui {name}` is missing"
        if name == "serve":
            admin = next(a for a in sub._actions if a.dest == "serve_command").choices["admin"]
            verbs = next(a for a in admin._actions if a.dest == "admin_command").choices
            for verb in verbs:
                assert verb in synopsis, f"`csm-tui serve admin {verb}` is missing"
