"""Drive the real `csm-tui` in a real terminal: tmux with send-keys and capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path


class TmuxTerminal:
    """One private tmux server running one command in a 160×48 terminal."""

    def __init__(self, argv: list[str], cwd: Path, width: int = 160, height: int = 48):
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed (apt-get install tmux); .ci/run does it")
        self.socket = f"csm-tui-test-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        # The pane must be born at its final size: a detached session starts at tmux's
        # default-size and the later resize does not always reach the program.
        self.config = cwd / f".tmux-{self.socket}.conf"
        self.config.write_text(
            f"set -g default-size {width}x{height}\nset -g status off\n", encoding="utf-8"
        )
        command = " ".join(shlex.quote(a) for a in argv)
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(width),
            "-y",
            str(height),
            "-c",
            str(cwd),
            f"{command}; echo '[exited' $?']'; sleep 60",
        )

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            env=_terminal_env(),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode != 0 and args[0] != "kill-server":
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, predicate: Callable[[str], bool] | str, timeout: float = 15.0) -> str:
        """Poll the screen until the predicate holds; fail with the last screen if not."""
        check = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting on the screen:\n{screen}")

    def send_until(
        self,
        key: str,
        predicate: Callable[[str], bool] | str,
        attempts: int = 3,
        timeout: float = 4.0,
    ) -> str:
        """Send a key until the screen shows its effect. Right after the first frame a
        loaded machine may still be finishing the terminal handshake and drop a key; a
        person would press it again, and so does this."""
        for attempt in range(attempts):
            self.send(key)
            try:
                return self.wait_for(predicate, timeout=timeout)
            except AssertionError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._tmux("kill-server")
        self.config.unlink(missing_ok=True)


def _terminal_env() -> dict[str, str]:
    """The environment of a real terminal: no size forced through COLUMNS/LINES (pytest
    plugins set them) and no Textual test switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "LINES", "TMUX") and not k.startswith("TEXTUAL")
    }
    env["TERM"] = "xterm-256color"
    return env


def csm_tui_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "csm_tui", *args]
