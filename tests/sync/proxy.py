"""A fault-injecting HTTP proxy on 127.0.0.1, between the sync client and the real server.

Plain sockets and threads: every request from the client is read whole, then either answered
by the proxy itself (500, 429, 503 — the server never sees it) or forwarded to the server on a
fresh connection, and its answer dropped, delayed, replaced or sent on. One request per client
connection (the proxy answers "Connection: close"), so every fault lands on a real socket.

Faults are planned per request (`plan`); counts of what reached the server (`received`) and
what was injected (`injected`) let tests wait on conditions instead of sleeping.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DROP_BEFORE = "drop_before"  # connection closed before the server saw the request
DROP_AFTER_COMMIT = "drop_after_commit"  # the server answered (committed); the client never hears
ERROR_500 = "500"  # the proxy answers 500; the server never sees the request
BAD_GATEWAY_AFTER_COMMIT = "502_after_commit"  # server committed, the client gets a 502
TOO_MANY = "429"  # 429 with Retry-After
UNAVAILABLE = "503"  # 503 with Retry-After
SLOW = "slow"  # the server's answer is held `delay` seconds
DUPLICATE = "duplicate"  # the request reaches the server twice

KINDS = (
    DROP_BEFORE,
    DROP_AFTER_COMMIT,
    ERROR_500,
    BAD_GATEWAY_AFTER_COMMIT,
    TOO_MANY,
    UNAVAILABLE,
    SLOW,
    DUPLICATE,
)


@dataclass
class Fault:
    kind: str
    match: str = ""  # a prefix of "METHOD /path" ("" matches every request)
    times: int = 1
    delay: float = 0.0  # SLOW
    retry_after: str = "1"  # TOO_MANY / UNAVAILABLE: seconds or an HTTP date


@dataclass
class Hold:
    """Hold the answer to the `nth` matching request until released."""

    match: str
    nth: int
    seen: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


def _with_connection_close(request: bytes) -> bytes:
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [
        line
        for line in head.split(b"\r\n")
        if line.split(b":", 1)[0].strip().lower() not in (b"connection", b"keep-alive")
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _response(status: int, reason: str, body: dict, headers: dict[str, str] | None = None) -> bytes:
    payload = json.dumps(body).encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class FaultProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.faults: deque[Fault] = deque()
        self.received: Counter[str] = Counter()  # requests the server answered, by route
        self.requests: Counter[str] = Counter()  # requests the client sent, by route
        self.injected: Counter[str] = Counter()
        self.delay = 0.0  # added to every forwarded answer
        self.hold: Hold | None = None
        self._lock = threading.Condition()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    # -- control ------------------------------------------------------------------------------
    def plan(self, kind: str, match: str = "", times: int = 1, **kw) -> None:
        assert kind in KINDS, kind
        with self._lock:
            self.faults.append(Fault(kind, match, times, **kw))

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hold = None

    def hold_answer(self, match: str, nth: int) -> Hold:
        with self._lock:
            self.hold = Hold(match, nth)
            return self.hold

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "a condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                self._lock.wait(min(remaining, 0.05))

    def close(self) -> None:
        self._closed = True
        if self.hold is not None:
            self.hold.release.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        with contextlib.suppress(OSError):
            self.sock.close()
        self._accepter.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the work -----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _take_fault(self, route: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if route.startswith(fault.match):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    self.injected[fault.kind] += 1
                    return fault
        return None

    def _forward(self, request: bytes, route: str) -> bytes:
        upstream = socket.create_connection(self.upstream, timeout=60)
        try:
            upstream.sendall(_with_connection_close(request))
            chunks = []
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            upstream.close()
        with self._lock:
            self.received[route] += 1
            self._lock.notify_all()
        return b"".join(chunks)

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
            if request is None:
                return
            line = request.split(b"\r\n", 1)[0].decode()
            method, target = line.split(" ")[:2]
            route = f"{method} {target.split('?', 1)[0]}"
            with self._lock:
                self.requests[route] += 1
                self._lock.notify_all()
            fault = self._take_fault(route)
            kind = fault.kind if fault else None
            if kind == DROP_BEFORE:
                return
            if kind == ERROR_500:
                conn.sendall(
                    _response(
                        500,
                        "Internal Server Error",
                        {"error": {"code": "internal", "message": "injected failure"}},
                    )
                )
                return
            if kind in (TOO_MANY, UNAVAILABLE):
                status, reason = (
                    (429, "Too Many Requests") if kind == TOO_MANY else (503, "Service Unavailable")
                )
                conn.sendall(
                    _response(
                        status,
                        reason,
                        {"error": {"code": "unavailable", "message": "injected: slow down"}},
                        {"Retry-After": fault.retry_after},
                    )
                )
                return
            answer = self._forward(request, route)
            if kind == DUPLICATE:
                answer = self._forward(request, route)
            if kind == DROP_AFTER_COMMIT:
                conn.shutdown(socket.SHUT_RDWR)
                return
            if kind == BAD_GATEWAY_AFTER_COMMIT:
                conn.sendall(
                    _response(
                        502,
                        "Bad Gateway",
                        {"error": {"code": "bad_gateway", "message": "injected after commit"}},
                    )
                )
                return
            delay = self.delay + (fault.delay if kind == SLOW else 0.0)
            if delay:
                time.sleep(delay)
            hold = self.hold
            if hold is not None and route.startswith(hold.match):
                with self._lock:
                    hold.seen += 1
                    mine = hold.seen == hold.nth
                if mine:
                    hold.holding.set()
                    hold.release.wait(timeout=60)
            conn.sendall(answer)
        except OSError:
            pass  # the client gave up (timeout) or was killed: nothing to answer
        finally:
            with contextlib.suppress(OSError):
                conn.close()
