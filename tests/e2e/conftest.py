"""What the tmux scenarios share: a 300-account demo book built through the real CLI."""

import subprocess

import pytest

from tests.conftest import FROZEN_NOW
from tests.e2e.tmux import csm_tui_argv

NOW = FROZEN_NOW.isoformat()


@pytest.fixture
def book(tmp_path):
    db = tmp_path / "book.sqlite3"
    subprocess.run(
        csm_tui_argv("--db", str(db), "--now", NOW, "demo", "--accounts", "300", "--no-open"),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return db
