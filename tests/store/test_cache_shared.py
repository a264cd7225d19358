"""The app keeps its cache open while the user runs `csm-tui run`, `sync` or `export` in
another terminal on the same cache: the other process's exit must not take the WAL away
from under the app (SQLite deletes it when it thinks it closes the last connection)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from csm_tui.store.cache import connect, open_engine

OTHER_PROCESS = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("SELECT count(*) FROM cache_meta").fetchall()
conn.close()
"""


def test_another_process_using_the_cache_leaves_the_open_apps_wal_in_place(tmp_path: Path):
    db = tmp_path / "cache.sqlite3"
    app = connect(db)  # the app's connection, held open all along
    try:
        with app:
            app.execute("INSERT INTO cache_meta (key, value) VALUES ('note', 'unsynced')")
        # The app opens more connections while it runs (an engine for a worker).
        engine = open_engine(db)
        engine.dispose()
        connect(db).close()
        wal = Path(f"{db}-wal")
        assert wal.exists()

        subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(db)], check=True, timeout=60)

        assert wal.exists(), "the other process deleted the open app's WAL"
        with app:
            app.execute("INSERT INTO cache_meta (key, value) VALUES ('call', 'logged')")
        rows = dict(app.execute("SELECT key, value FROM cache_meta WHERE key IN ('note', 'call')"))
        assert rows == {"note": "unsynced", "call": "logged"}
        assert app.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        app.close()
