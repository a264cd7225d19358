"""What the central API refuses to be abused by: huge bodies and token guessing.

`BodySizeLimit` is ASGI middleware: a body over the limit is answered 413 before the app
sees it — at once when `Content-Length` says so, or as soon as a chunked body grows past
it (chunked bodies are read up to the limit, then handed on). `FailedAuthThrottle` counts
refused tokens per client address in a sliding window; over the limit, every request from
that address that needs a token is answered 429 with `Retry-After` until the window has
room again — the token is not even looked at, so guessing learns nothing meanwhile.

Behind a reverse proxy the address counted is the one in X-Forwarded-For: uvicorn trusts
that header from 127.0.0.1 (a proxy on the same host); set FORWARDED_ALLOW_IPS for a proxy
elsewhere, or every client will share the proxy's address and its limit. The throttle is
kept per API process (nothing in memory must agree between processes): with N processes an
address may see up to N times the limit refused before every process answers 429.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from csm_tui import protocol as p

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    # The largest legitimate body is a push of one mutation carrying a 2,000,000-character
    # text (domain.activity_form.MAX_TEXT_CHARS): ~6 MB of UTF-8 Chinese. 16 MiB leaves room.
    max_body_bytes: int = 16 * MIB
    failed_auth_limit: int = 10  # refused tokens per address per window ...
    failed_auth_window: float = 60.0  # ... seconds

    def to_env(self, database_url: str) -> str:
        """The database and these limits as one environment value (`serve --workers N`)."""
        return json.dumps(
            {
                "database": database_url,
                "max_body_bytes": self.max_body_bytes,
                "failed_auth_limit": self.failed_auth_limit,
                "failed_auth_window": self.failed_auth_window,
            }
        )

    @classmethod
    def from_env(cls, value: str) -> tuple[str, ServerLimits]:
        data = json.loads(value)
        database_url = data.pop("database")
        return database_url, cls(**data)


def error_body(code: str, message: str, **extra: Any) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": message, **extra}}, ensure_ascii=False
    ).encode()


def size_text(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n:,} bytes"


class BodySizeLimit:
    """ASGI middleware answering 413 `too_large` to a request body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            if declared.strip().isdigit() and int(declared) > self.max_bytes:
                await self._refuse(send, int(declared))
                return
            await self.app(scope, receive, send)  # the server holds the body to its length
            return
        # No length given (chunked): read up to the limit before the app sees anything.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send, None)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, declared: int | None) -> None:
        got = f"this one has {declared:,} bytes" if declared is not None else "this one is larger"
        body = error_body(
            p.ERROR_TOO_LARGE,
            f"request bodies are limited to {size_text(self.max_bytes)}; {got}. "
            "Push fewer changes at a time.",
            limit_bytes=self.max_bytes,
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class FailedAuthThrottle:
    """Refused tokens per client address in a sliding window (thread-safe)."""

    def __init__(
        self, limit: int, window: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.monotonic = monotonic
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def wait_for(self, address: str) -> int | None:
        """Seconds `address` must wait before its next try, or None when it may try now."""
        with self._lock:
            now = self.monotonic()
            failures = self._recent(address, now)
            if failures is None or len(failures) < self.limit:
                return None
            # Room again when the oldest failure that keeps it at the limit leaves the window.
            opens_at = failures[len(failures) - self.limit] + self.window
            return max(1, math.ceil(opens_at - now))

    def failed(self, address: str) -> None:
        with self._lock:
            now = self.monotonic()
            self._recent(address, now)
            self._failures.setdefault(address, deque()).append(now)
            if len(self._failures) > 10_000:  # many addresses: forget the quiet ones
                for other in list(self._failures):
                    self._recent(other, now)
