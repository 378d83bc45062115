"""The run's HTTP client, and reading a response's body within a cap.

Private to ``lookup.web.fetch`` (which re-exports ``make_client``).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lookup.settings import Settings
from lookup.web.hosts import Resolver, address_problem, make_resolver
from lookup.web.pinned import PinnedBackend, pinned_transport

__all__ = ["make_client", "read_capped"]


def make_client(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    vet: Callable[[str], str | None] = address_problem,
) -> httpx.AsyncClient:
    """The run's one HTTP/1.1 keep-alive client; it never follows redirects by itself.

    Live (no ``transport`` given), its connections go to the address that was vetted
    (``pinned``): the same resolver and check as the fetcher's, one answer per host.
    """
    f = settings.fetch
    limits = httpx.Limits(
        max_connections=max(2, f.concurrency * 2), max_keepalive_connections=f.concurrency
    )
    backend = None
    if transport is None and settings.world is None:
        backend = PinnedBackend(resolver or make_resolver(settings), vet=vet)
        transport = pinned_transport(backend, limits=limits)
    client = httpx.AsyncClient(
        http1=True,
        http2=False,
        follow_redirects=False,  # Fetcher follows them, checking every hop
        transport=transport,
        timeout=httpx.Timeout(f.timeout_s),
        limits=limits,
        headers={
            "User-Agent": settings.general.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Language": "en;q=1.0, *;q=0.5",
        },
    )
    client.lookup_backend = backend  # type: ignore[attr-defined] - the fetcher shares its pins
    return client


async def read_capped(
    response: httpx.Response, limit: int, *, refuse_declared: bool = True
) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, and whether there was more (then reading stops).

    ``refuse_declared``: a Content-Length over the limit returns nothing at once (a page
    too large to use); otherwise the first ``limit`` bytes are read whatever is declared.
    """
    declared = response.headers.get("content-length", "")
    if refuse_declared and declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
