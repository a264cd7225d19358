"""The UI tests that sync use the real central API and the in-memory keyring of the sync
tests."""

from tests.sync.conftest import memory_keyring, sqlite_central  # noqa: F401 (fixtures)
