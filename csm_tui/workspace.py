"""What the app and the CLI work on: the cache file, the clock and the settings."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from csm_tui.config import Settings
from csm_tui.domain.clock import Clock


@dataclass
class Workspace:
    db_path: Path
    clock: Clock
    settings: Settings = field(default_factory=Settings)
    _conn: sqlite3.Connection | None = field(default=None, init=False, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw read/write connection to the cache, opened (and migrated) on first use."""
        if self._conn is None:
            from csm_tui.store.cache import connect

            self._conn = connect(self.db_path)
            self._revalue()
        return self._conn

    @property
    def changes_written(self) -> int | None:
        """Rows this workspace's connection has written since it opened (None: not open
        yet): a counter, no query."""
        return None if self._conn is None else self._conn.total_changes

    def _revalue(self) -> None:
        """ARR today at the rate in force today (a rate dated ahead comes into force on
        its day): a no-op unless the rate moved since the cache was last valued."""
        from csm_tui.store.rates import revalue_arr_today

        with contextlib.suppress(sqlite3.OperationalError):  # busy: the next open does it
            revalue_arr_today(self.conn, self.settings.tier_rules.cny_per_usd, self.today())

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the user's zone (the clock's)."""
        return self.clock.today()

    @property
    def zone(self) -> tzinfo:
        """The user's zone: it decides day boundaries; instants are stored in UTC."""
        return getattr(self.clock, "zone", UTC)

    def meta(self, key: str) -> str | None:
        from csm_tui.store.cache import get_meta

        return get_meta(self.conn, key)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
