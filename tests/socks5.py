"""A real SOCKS5 server on loopback for tests and the benchmark: pproxy, in its own thread.

It forwards only to loopback addresses (anything else is blocked by pproxy's
``block`` hook before a socket opens), and records one line per connection it
relayed, e.g. ``socks5 127.0.0.1:50312 -> 127.0.0.1:40473``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Socks5", "serve_socks5"]


@dataclass
class Socks5:
    """A running proxy: its port, URL and what it relayed."""

    port: int
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    def relayed(self) -> list[str]:
        return [line for line in self.log if " -> " in line]


def _not_loopback(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


@contextlib.contextmanager
def serve_socks5(auth: str = "") -> Iterator[Socks5]:
    """Serve SOCKS5 on 127.0.0.1 (a free port) for the duration of the ``with`` block; with
    ``auth`` ("user:password") only a client that gives them is served."""
    import pproxy

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="socks5", daemon=True)
    thread.start()
    proxy = Socks5(0)

    async def start():
        server = pproxy.Server("socks5://127.0.0.1:0" + (f"#{auth}" if auth else ""))
        return await server.start_server(
            {"rserver": [], "verbose": proxy.log.append, "block": _not_loopback}
        )

    handler = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    proxy.port = handler.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:

        async def stop() -> None:
            handler.close()
            await handler.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
