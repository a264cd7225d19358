"""What can go wrong in a sync, as exceptions whose message is for the user.

Kept apart from the HTTP client so that code which only reports on sync (a status line) does
not load httpx.
"""

from __future__ import annotations

from csm_tui import protocol as p


class SyncError(Exception):
    """A sync that could not be done; the message is for the user."""


class AuthError(SyncError):
    """The server refused the token (missing, unknown or revoked)."""

    def __init__(self, message: str, code: str = p.ERROR_TOKEN_INVALID) -> None:
        super().__init__(message)
        self.code = code


class RequestRefused(SyncError):
    """A 4xx answer other than 401 and 429: retrying the same request will not help."""

    def __init__(self, message: str, *, status: int, code: str, request: str) -> None:
        super().__init__(message)
        self.status, self.code, self.request = status, code, request


class CursorAheadError(RequestRefused):
    """409: the cursor was not handed out by this server (another database?)."""


class ServerUnreachable(SyncError):
    """Retries ran out: offline, or the server kept failing."""
