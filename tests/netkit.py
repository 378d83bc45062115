"""Loopback helpers: a free port, polling until something is ready, calls to a real Prefect
server's REST API, and stand-ins for a network that blocks port 25 (a port that refuses, one
that drops)."""

from __future__ import annotations

import base64
import contextlib
import socket
import time
import uuid
from collections.abc import Iterator

import httpx

__all__ = ["black_hole", "closed_port", "free_port", "prefect_call", "wait_for"]

# A SQLite-backed Prefect server answers 503 (or a 500 saying "database is locked") when
# several writers meet: a test's own call is retried a few times rather than fail on it.
_BUSY = frozenset({429, 502, 503, 504})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    """Poll ``check`` until it returns something; on time-out, say what and the last answer."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; last answer: {last!r}")


def prefect_call(method: str, url: str, *, json=None, ok=(200, 201, 204),
                 tries: int = 6, auth: str | None = None) -> httpx.Response:
    """``method url`` against a Prefect server's API; its answer when the status is in ``ok``.

    ``auth`` is the server's auth string (``user:password``); a change (POST, PATCH, DELETE)
    carries a CSRF token, as Prefect's own client sends it, when the server asks for one.
    """
    headers = _auth_headers(auth)
    if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
        headers |= _csrf_headers(url.split("/api/", 1)[0] + "/api", headers)
    for attempt in range(tries):
        response = httpx.request(method, url, json=json, timeout=10, trust_env=False,
                                 headers=headers)
        busy = response.status_code in _BUSY or "database is locked" in response.text
        if response.status_code in ok or not busy or attempt == tries - 1:
            break
        time.sleep(0.5 * 2**attempt)
    assert response.status_code in ok, f"{method} {url}: HTTP {response.status_code} {response.text}"
    return response


def _auth_headers(auth: str | None) -> dict[str, str]:
    if not auth:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}


_CLIENT = str(uuid.uuid4())


def _csrf_headers(api: str, headers: dict[str, str]) -> dict[str, str]:
    """A CSRF token for this test process, when the server protects changes with them."""
    answer = httpx.get(f"{api}/csrf-token", params={"client": _CLIENT}, headers=headers,
                       timeout=10, trust_env=False)
    if answer.status_code != 200:  # 422: "CSRF protection is disabled"
        return {}
    return {"Prefect-Csrf-Token": answer.json()["token"], "Prefect-Csrf-Client": _CLIENT}


def closed_port() -> int:
    """A loopback port nobody listens on: a connection there is refused at once (a TCP reset)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that drops connection attempts, as a firewall does: connect times out.

    A listener that never accepts, with a backlog of 0, whose queue is filled first: the
    kernel then drops further SYNs (tcp_abort_on_overflow = 0), so the client waits.
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)  # let the kernel settle the handshakes that fit in the queue
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()
