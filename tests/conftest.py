"""Shared fixtures. Every test runs with its home, config, data dirs and keyring redirected
into a temporary directory: no test can touch the user's real cache or secrets."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from csm_tui.domain.clock import FixedClock

# Property tests: locally, random examples, and a failure prints the blob that replays it
# (`@reproduce_failure(...)`); in CI (`CI` set), the same examples on every run, so a red
# build is reproducible by running it again. `HYPOTHESIS_PROFILE` picks one explicitly.
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

# The instant every frozen test and snapshot lives at.
FROZEN_NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DEMO_SEED = 7
DEMO_ACCOUNTS = 300


@pytest.fixture(autouse=True)
def isolated_machine(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("CSM_TUI_CONFIG", str(home / "csm-tui.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("CSM_TUI_DB", raising=False)
    monkeypatch.delenv("CSM_TUI_NOW", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    # The interface language: English unless a test asks (the locale would pick it).
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from csm_tui.i18n import set_language

    set_language("en")
    # Times are shown in the local zone: pin it so "09:00" means the same everywhere.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield home
    set_language("en")


def cli(db: Path, *args: str) -> int:
    """`csm-tui --db DB --now FROZEN_NOW ARGS…` in this process; its exit code."""
    from csm_tui.cli.main import main

    return main(["--db", str(db), "--now", FROZEN_NOW.isoformat(), *args])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FROZEN_NOW)


@pytest.fixture(scope="session")
def demo_book_template(tmp_path_factory) -> Path:
    """A 300-account demo book at the frozen instant, built once per test session."""
    from csm_tui.store.demo import build_demo_book

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    build_demo_book(path, accounts=DEMO_ACCOUNTS, seed=DEMO_SEED, now=FROZEN_NOW)
    return path


@pytest.fixture
def demo_db(demo_book_template, tmp_path) -> Path:
    """A private copy of the demo book, free for the test to change."""
    target = tmp_path / "book.sqlite3"
    shutil.copyfile(demo_book_template, target)
    return target


@pytest.fixture
def workspace(demo_db, clock):
    from csm_tui.workspace import Workspace

    ws = Workspace(db_path=demo_db, clock=clock)
    yield ws
    ws.close()
