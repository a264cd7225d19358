"""The client's retry rules, with a scripted transport: what it retries, how long it waits,
when it gives up, and what it tells the user."""

from __future__ import annotations

import random
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from csm_tui import protocol as p
from csm_tui.domain.clock import FixedClock
from csm_tui.sync.client import (
    AuthError,
    CursorAheadError,
    RequestRefused,
    RetryPolicy,
    ServerUnreachable,
    SyncClient,
    parse_retry_after,
)
from tests.server.world import NOW
from tests.sync.devices import Sleeps

PAGE = {"changes": [], "cursor": 7, "has_more": False}


def error(status: int, code: str, message: str = "nope", **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, headers=headers
    )


def scripted(*answers):
    """A transport answering in turn (an exception is raised, as a network failure is)."""
    queue = list(answers)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def client_with(transport, sleeps=None, **kw) -> SyncClient:
    return SyncClient(
        "http://127.0.0.1:9",
        "tok",
        transport=transport,
        clock=FixedClock(NOW),
        sleep=sleeps or Sleeps(),
        rng=random.Random(4),
        **kw,
    )


def test_a_5xx_or_a_dropped_connection_is_retried_with_growing_jittered_waits():
    transport, seen = scripted(
        httpx.ConnectError("connection refused"),
        error(500, p.ERROR_INTERNAL),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.Response(200, json=PAGE),
    )
    sleeps = Sleeps()
    client = client_with(transport, sleeps)
    assert client.pull(0) == PAGE
    assert len(seen) == 5
    policy = RetryPolicy()
    for attempt, waited in enumerate(sleeps.calls, start=1):
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        assert ceiling / 2 <= waited <= ceiling
    assert sleeps.calls == sorted(sleeps.calls)  # grows (the jitter stays within each band)
    assert [e.reason.split(" ")[0] for e in client.retries] == [
        "connection",
        "HTTP",
        "timed",
        "connection",
    ]
    assert seen[0].headers["Authorization"] == "Bearer tok"


def test_jitter_spreads_clients_apart():
    waits = set()
    for seed in range(5):
        transport, _ = scripted(error(500, "internal"), httpx.Response(200, json=PAGE))
        sleeps = Sleeps()
        SyncClient(
            "http://x", "t", transport=transport, sleep=sleeps, rng=random.Random(seed)
        ).pull(0)
        waits.add(sleeps.calls[0])
    assert len(waits) == 5


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_waited_out(status):
    transport, seen = scripted(
        error(status, "unavailable", **{"Retry-After": "7"}), httpx.Response(200, json=PAGE)
    )
    sleeps = Sleeps()
    client_with(transport, sleeps).pull(0)
    assert len(seen) == 2 and 7 <= sleeps.calls[0] <= 7.7


def test_retry_after_as_an_http_date_is_waited_out():
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    transport, _ = scripted(
        error(429, "slow_down", **{"Retry-After": when}), httpx.Response(200, json=PAGE)
    )
    sleeps = Sleeps()
    client_with(transport, sleeps).pull(0)
    assert 12 <= sleeps.calls[0] <= 13.2
    assert parse_retry_after(when, NOW) == 12
    assert parse_retry_after("soon", NOW) is None


def test_attempts_are_bounded_and_the_user_is_told_why():
    transport, seen = scripted(*[error(500, "internal", "database on fire")] * 10)
    client = client_with(transport, retry=RetryPolicy(max_attempts=4))
    with pytest.raises(ServerUnreachable) as caught:
        client.pull(0)
    assert len(seen) == 4
    message = str(caught.value)
    assert "GET /sync/changes failed 4 time(s)" in message and "database on fire" in message


def test_total_time_is_bounded():
    transport, seen = scripted(*[httpx.ConnectError("refused")] * 50)
    sleeps = Sleeps()
    client = client_with(transport, sleeps, retry=RetryPolicy(max_attempts=50, max_total=20))
    with pytest.raises(ServerUnreachable, match="cannot reach the server"):
        client.pull(0)
    assert sum(sleeps.calls) <= 20 and len(seen) < 50


def test_a_retry_after_beyond_the_budget_is_not_waited():
    transport, seen = scripted(error(503, "unavailable", **{"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(ServerUnreachable, match="asks to wait 3600 s"):
        client_with(transport, sleeps).pull(0)
    assert sleeps.calls == [] and len(seen) == 1


def test_a_refused_token_says_to_log_in_again_at_once():
    transport, seen = scripted(error(401, p.ERROR_TOKEN_REVOKED, "this token was revoked"))
    with pytest.raises(AuthError) as caught:
        client_with(transport).push("c", [])
    assert len(seen) == 1
    assert caught.value.code == p.ERROR_TOKEN_REVOKED
    assert "token revoked/invalid — run csm-tui login" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, "not_found", RequestRefused),
        (403, "forbidden", RequestRefused),
        (422, "invalid_request", RequestRefused),
        (409, p.ERROR_CURSOR_AHEAD, CursorAheadError),
    ],
)
def test_other_4xx_name_the_request_and_are_not_retried(status, code, kind):
    transport, seen = scripted(error(status, code, "what went wrong"))
    with pytest.raises(kind) as caught:
        client_with(transport).pull(12)
    assert len(seen) == 1
    assert str(caught.value) == (
        f"GET /sync/changes refused (HTTP {status} {code}): what went wrong"
    )


def test_a_push_answer_that_does_not_match_the_request_is_an_error():
    transport, _ = scripted(httpx.Response(200, json={"results": []}))
    with pytest.raises(Exception, match="0 results for 1 mutations"):
        client_with(transport).push("c", [{"mutation_id": "m"}])
