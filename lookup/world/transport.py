"""httpx transports that send world hosts to the world's loopback HTTP server.

Only the connection target changes: the request keeps its URL and Host header,
so ``response.url`` stays ``https://www.acme.test/team`` and the client's
redirect handling works as it does live. Hosts without a site in the world do
not resolve, just as an unknown name fails on the real internet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import httpx

from lookup.settings import WorldEndpoints

__all__ = ["WorldSyncTransport", "WorldTransport"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class _Router:
    """Decides where a request goes: the world's web, a world endpoint, or nowhere."""

    def __init__(
        self, *, http_port: int, hosts: Iterable[str], host: str, passthrough_ports: Iterable[int]
    ) -> None:
        self.http_port = http_port
        self.hosts = frozenset(h.lower() for h in hosts)
        self.host = host
        self.passthrough = frozenset(passthrough_ports) | {http_port}

    def route(self, request: httpx.Request) -> httpx.Request:
        name = request.url.host.lower().rstrip(".")
        if name in self.hosts:
            url = request.url.copy_with(scheme="http", host=self.host, port=self.http_port)
            return httpx.Request(
                request.method,
                url,
                headers=request.headers,  # carries the original Host header
                stream=request.stream,
                extensions=request.extensions,
            )
        if name in LOOPBACK_NAMES and request.url.port in self.passthrough:
            return request  # the world's own endpoints, e.g. its search engine
        raise httpx.ConnectError(
            f"The host {name} does not resolve: this offline world has no site for it "
            f"(add a folder sites/{name}/ to serve it).",
            request=request,
        )


def _router_for(endpoints: WorldEndpoints) -> _Router:
    from lookup.world.format import load_world  # reads sites/ and world.toml once

    search_port = httpx.URL(endpoints.search_url).port
    return _Router(
        http_port=endpoints.http_port,
        hosts=load_world(endpoints.directory).http_hosts,
        host=endpoints.host,
        passthrough_ports=(search_port,) if search_port else (),
    )


class _Routed:
    """What both transports share: the router, built from ports or from running endpoints."""

    _inner_class: Any = None

    @classmethod
    def from_endpoints(cls, endpoints: WorldEndpoints) -> Self:
        """The transport for a running world known only by its endpoints (``settings.world``)."""
        router = _router_for(endpoints)
        return cls(http_port=router.http_port, hosts=router.hosts, host=router.host,
                   passthrough_ports=router.passthrough)

    def __init__(
        self,
        *,
        http_port: int,
        hosts: Iterable[str],
        host: str = "127.0.0.1",
        passthrough_ports: Iterable[int] = (),
    ) -> None:
        self._router = _Router(
            http_port=http_port, hosts=hosts, host=host, passthrough_ports=passthrough_ports
        )
        # The world's sites are plain HTTP on loopback (``route`` rewrites the scheme): no
        # certificate is ever checked here, so no CA bundle is loaded (40-90 ms each).
        self._inner = self._inner_class(verify=False)

    @property
    def hosts(self) -> frozenset[str]:
        return self._router.hosts


class WorldTransport(_Routed, httpx.AsyncBaseTransport):
    """An async transport for ``httpx.AsyncClient`` that reaches only the world."""

    _inner_class = httpx.AsyncHTTPTransport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(self._router.route(request))

    async def aclose(self) -> None:
        await self._inner.aclose()


class WorldSyncTransport(_Routed, httpx.BaseTransport):
    """The synchronous twin of ``WorldTransport`` for ``httpx.Client``."""

    _inner_class = httpx.HTTPTransport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(self._router.route(request))

    def close(self) -> None:
        self._inner.close()
