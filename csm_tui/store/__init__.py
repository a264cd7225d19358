"""The local cache: SQLModel tables over SQLite (WAL), migrations, fast read paths.

Imports no Textual. Engines are created by functions, never at import time.
"""
