"""The HTTP side of sync: one `SyncClient` per server and token (httpx, synchronous).

Every request is retried with jittered exponential backoff on what may pass by itself: a
connection that fails or drops, a timeout, a 5xx, a 429 — and a 429 or 503 that names a
`Retry-After` (seconds or an HTTP date) is waited out as asked. Attempts and total time are
bounded; sleeping goes through the injectable `sleep`, so tests never really wait. Retrying a
push is safe: the server answers a repeated mutation id with the stored answer (protocol).

What cannot pass by itself is raised at once: 401 as `AuthError` (log in again; an expired
token says "sign in again"), any other 4xx as `RequestRefused` naming the request. Giving
up after retries is `ServerUnreachable`.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from csm_tui import __version__
from csm_tui import protocol as p
from csm_tui.domain.clock import Clock, SystemClock
from csm_tui.i18n import _
from csm_tui.sync.errors import (
    AuthError,
    CursorAheadError,
    RequestRefused,
    ServerUnreachable,
    SyncError,
)

__all__ = [
    "AuthError",
    "CursorAheadError",
    "RequestRefused",
    "RetryEvent",
    "RetryPolicy",
    "ServerUnreachable",
    "SyncClient",
    "SyncError",
    "parse_retry_after",
]

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # attempts per request, the first included
    max_total: float = 90.0  # seconds per request, waits included
    base_delay: float = 0.5  # the first backoff is drawn from [base/2, base]
    max_delay: float = 30.0  # no single backoff is longer
    max_retry_after: float = 120.0  # a Retry-After longer than this is not waited out


@dataclass(frozen=True)
class RetryEvent:
    """One retry: which request, why, after which attempt, and how long we wait."""

    request: str
    attempt: int
    reason: str
    delay: float


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _wait(seconds: float) -> None:
    time.sleep(seconds)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from an error body, or a fallback naming the status."""
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        text = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        return f"http_{response.status_code}", text or response.reason_phrase


class SyncClient:
    """Talks to the central API at `base_url` with a bearer `token`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.clock: Clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self.sleep = sleep or _wait
        self.rng = rng or random.Random()
        self.on_retry = on_retry
        self.retries: list[RetryEvent] = []
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"csm-tui/{__version__}",
                "Accept": "application/json",
            },
        )

    # -- the API --------------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        """Who the token belongs to: {"id", "name", "role", "team_id"}."""
        me: dict[str, Any] = self._request("GET", "/me")
        return me

    def health(self) -> dict[str, Any]:
        health: dict[str, Any] = self._request("GET", p.HEALTH_PATH)
        return health

    def pull(self, since: int, limit: int = p.PULL_DEFAULT_LIMIT) -> dict[str, Any]:
        """One `ChangesPage` of changes above `since`."""
        page: dict[str, Any] = self._request(
            "GET", p.PULL_PATH, params={"since": since, "limit": limit}
        )
        return page

    def push(self, client_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push up to `PUSH_MAX_MUTATIONS` mutations; one result per mutation, in order."""
        if len(mutations) > p.PUSH_MAX_MUTATIONS:
            raise ValueError(f"at most {p.PUSH_MAX_MUTATIONS} mutations per push")
        body = json.dumps(
            {"client_id": client_id, "mutations": mutations},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        answer = self._request(
            "POST", p.PUSH_PATH, content=body, headers={"Content-Type": "application/json"}
        )
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(mutations):
            raise SyncError(
                _(
                    "POST {path}: the server answered {results} results for {mutations} mutations"
                ).format(path=p.PUSH_PATH, results=len(results or []), mutations=len(mutations))
            )
        return results

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request, with retries --------------------------------------------------------
    def _request(self, method: str, path: str, **kw: Any) -> Any:
        name = f"{method} {path}"
        policy = self.retry
        started = time.monotonic()
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, path, name, **kw)
            except _Retryable as failure:
                spent = max(time.monotonic() - started, waited)
                if failure.retry_after is not None:
                    if failure.retry_after > policy.max_retry_after:
                        raise ServerUnreachable(
                            _(
                                "{request}: the server asks to wait {seconds} s ({reason}); "
                                "try again later"
                            ).format(
                                request=name,
                                seconds=f"{failure.retry_after:.0f}",
                                reason=failure.reason,
                            )
                        ) from None
                    delay = failure.retry_after + self.rng.uniform(0, 0.1 * failure.retry_after)
                else:
                    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
                    delay = self.rng.uniform(ceiling / 2, ceiling)
                if attempt >= policy.max_attempts or spent + delay > policy.max_total:
                    raise ServerUnreachable(
                        _(
                            "cannot reach the server at {url}: {request} failed {n} time(s) "
                            "over {seconds} s (last: {reason})"
                        ).format(
                            url=self.base_url,
                            request=name,
                            n=attempt,
                            seconds=f"{spent:.0f}",
                            reason=failure.reason,
                        )
                    ) from None
                event = RetryEvent(name, attempt, failure.reason, delay)
                self.retries.append(event)
                if self.on_retry is not None:
                    self.on_retry(event)
                self.sleep(delay)
                waited += delay

    def _once(self, method: str, path: str, name: str, **kw: Any) -> Any:
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TimeoutException as error:
            raise _Retryable(_("timed out ({error})").format(error=type(error).__name__)) from None
        except httpx.TransportError as error:
            reason = str(error).strip() or type(error).__name__
            raise _Retryable(_("connection failed ({reason})").format(reason=reason)) from None
        status = response.status_code
        if status < 300:
            try:
                return response.json()
            except ValueError:
                raise _Retryable(
                    _("unreadable answer (HTTP {status})").format(status=status)
                ) from None
        code, message = _error_of(response)
        if status == 401:
            if code == p.ERROR_TOKEN_EXPIRED:
                raise AuthError(
                    _(
                        "your token has expired ({message}) — sign in again: "
                        "csm-tui login --server {url}"
                    ).format(message=message, url=self.base_url),
                    code,
                )
            raise AuthError(
                _(
                    "the server refused the token ({code}: {message}) — token revoked/invalid — "
                    "run csm-tui login"
                ).format(code=code, message=message),
                code,
            )
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock.now())
            raise _Retryable(f"HTTP {status} {code}: {message}", retry_after)
        error_class = CursorAheadError if code == p.ERROR_CURSOR_AHEAD else RequestRefused
        raise error_class(
            _("{request} refused (HTTP {status} {code}): {message}").format(
                request=name, status=status, code=code, message=message
            ),
            status=status,
            code=code,
            request=name,
        )
