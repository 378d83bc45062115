"""Connections to the address that was checked: no DNS rebinding between the check and the connect.

The fetcher checks that a host resolves only to public addresses before it asks for a
page. If httpx then resolved the name again, a hostile DNS server could answer a public
address to the check and ``10.0.0.1`` or ``169.254.169.254`` to the connection (DNS
rebinding). This network backend for httpcore connects to an address it resolved and
vetted itself, or to the one the fetcher pinned for that host, and never resolves twice;
TLS still verifies the certificate against the host name (httpcore passes it as SNI).
"""

from __future__ import annotations

import typing
from collections.abc import Callable

import httpcore
import httpx

from lookup.web.hosts import Resolver, address_problem, ip_literal
from lookup.web.tls import system_context

__all__ = ["PinnedBackend", "pinned_transport"]


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects each host to its pinned (or freshly vetted) address, never to a second answer."""

    def __init__(self, resolver: Resolver, *, vet: Callable[[str], str | None] = address_problem,
                 pins: dict[str, str] | None = None) -> None:
        self.resolver = resolver
        self.vet = vet
        self.pins = {} if pins is None else pins  # host -> address, shared with the fetcher
        self.inner = httpcore.AnyIOBackend()

    async def address_for(self, host: str) -> str:
        """The vetted address to connect to for ``host`` (resolving once, then pinned)."""
        host = host.lower().rstrip(".")
        if host in self.pins:
            return self.pins[host]
        literal = ip_literal(host)
        addresses = [str(literal)] if literal is not None else list(await self.resolver(host))
        if not addresses:
            raise httpcore.ConnectError(f"the host name {host} has no address")
        for address in addresses:
            if problem := self.vet(address):
                raise httpcore.ConnectError(f"{problem} ({host} resolves to it)")
        self.pins[host] = addresses[0]
        return addresses[0]

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        address = await self.address_for(host)
        return await self.inner.connect_tcp(address, port, timeout=timeout,
                                            local_address=local_address,
                                            socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def pinned_transport(backend: PinnedBackend, *, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through ``backend`` (HTTP/1.1, verified TLS)."""
    # verify= the pool's own context: httpx would otherwise load a CA bundle it never uses
    transport = httpx.AsyncHTTPTransport(http1=True, http2=False, limits=limits,
                                         verify=system_context())
    # httpx builds its pool without a backend option; rebuild it with ours, same settings.
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - the one seam httpx lacks
        ssl_context=system_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        network_backend=backend,
    )
    return transport
