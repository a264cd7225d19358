"""store/inserts.py: each table's one INSERT names columns of the table, every required one."""

from __future__ import annotations

import sqlite3

from csm_tui.store.inserts import COLUMNS, INSERT
from csm_tui.store.migrations import migrate


def test_every_insert_names_columns_of_its_table_and_every_required_one():
    conn = sqlite3.connect(":memory:")
    migrate(conn)
    for table, columns in COLUMNS.items():
        in_schema = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))
        assert set(columns) <= set(in_schema), (table, set(columns) - set(in_schema))
        assert len(set(columns)) == len(columns), table
        # Every column a row must be given (NOT NULL, no default) is in the statement.
        required = {
            row[1]
            for row in conn.execute(f"PRAGMA table_info({table})")
            if row[3] and row[4] is None
        }
        assert required <= set(columns), (table, required - set(columns))
        assert INSERT[table].count("?") == len(columns)
