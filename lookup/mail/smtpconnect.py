"""Open a TCP stream to a mail server's port: directly, or through a SOCKS5 proxy.

Home, café and cloud networks block outgoing port 25 almost everywhere; a user
with any small server can run ``ssh -D 1080 server`` and give
``--smtp-proxy socks5://127.0.0.1:1080``. The SOCKS5 handshake (RFC 1928) is
python-socks' job; the stream it returns is an ordinary asyncio stream, so the
whole dialogue, STARTTLS included, runs through the proxy unchanged.

The proxy is given the IP address our own DNS found (and that the caller
checked is allowed), never a name for the proxy to resolve: the address
checks stay ours. In world mode the proxy itself must be on loopback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from lookup.errors import ConfigError
from lookup.web.hosts import is_loopback

__all__ = ["DIRECT", "ConnectFailed", "SmtpRoute", "open_stream", "parse_proxy"]

FailureKind = Literal["refused", "timeout", "unreachable", "proxy"]
SCHEMES = ("socks5", "socks5h")


@dataclass(frozen=True, slots=True)
class SmtpRoute:
    """How SMTP connections leave this machine: directly, or through ``proxy`` (a socks5 URL)."""

    proxy: str = ""

    @property
    def shown(self) -> str:
        """The proxy URL without user name or password: what sentences, keys and files may say."""
        parts = urlsplit(self.proxy.strip())
        if "@" not in parts.netloc:
            return self.proxy.strip()
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    @property
    def label(self) -> str:
        return f"through the proxy {self.shown}" if self.proxy else "directly"


DIRECT = SmtpRoute()


class ConnectFailed(Exception):
    """No stream: ``kind`` says whether the target refused, timed out, or the proxy failed."""

    def __init__(self, message: str, kind: FailureKind) -> None:
        super().__init__(message)
        self.kind = kind


def parse_proxy(url: str, *, world_mode: bool = False) -> tuple[str, int]:
    """(host, port) of a ``socks5://host:port`` URL, or a ConfigError saying what is wrong."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or port is None:
        raise ConfigError(
            f"The SMTP proxy {SmtpRoute(url).shown!r} is not a SOCKS5 address; write it as "
            "socks5://host:port "
            "(for example socks5://127.0.0.1:1080 after `ssh -D 1080 yourserver`)."
        )
    if world_mode and not is_loopback(parts.hostname):
        raise ConfigError(
            f"In an offline world the SMTP proxy must listen on loopback (127.0.0.1 or ::1), "
            f"not {parts.hostname}: a world never leaves this machine."
        )
    return parts.hostname, port


async def open_stream(
    ip: str, port: int, *, route: SmtpRoute, timeout_s: float, world_mode: bool = False
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connected stream to ``ip``:``port``; ConnectFailed when there is none."""
    if route.proxy:
        return await _through_proxy(ip, port, route.proxy, timeout_s, world_mode)
    try:
        return await asyncio.wait_for(asyncio.open_connection(ip, port), timeout_s)
    except TimeoutError as exc:
        raise ConnectFailed(f"timed out after {timeout_s:g} s", "timeout") from exc
    except ConnectionRefusedError as exc:
        raise ConnectFailed(f"connection refused ({exc.strerror or exc})", "refused") from exc
    except OSError as exc:
        raise ConnectFailed(f"{exc.strerror or exc}", "unreachable") from exc


async def _through_proxy(
    ip: str, port: int, proxy: str, timeout_s: float, world_mode: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError
    from python_socks.async_.asyncio import Proxy

    host, proxy_port = parse_proxy(proxy, world_mode=world_mode)
    # python-socks reads only socks5://; we never send it a name to resolve either way.
    client = Proxy.from_url(f"socks5://{_netloc(proxy, host, proxy_port)}")
    try:
        sock = await client.connect(ip, port, timeout=timeout_s)
    except ProxyConnectionError as exc:
        raise ConnectFailed(f"the SOCKS5 proxy {host}:{proxy_port} could not be reached "
                            f"({exc})", "proxy") from exc
    except ProxyTimeoutError as exc:
        raise ConnectFailed(f"timed out after {timeout_s:g} s through the proxy", "timeout") from exc
    except ProxyError as exc:
        raise ConnectFailed(f"the proxy said: {exc}", _proxy_kind(exc)) from exc
    try:
        return await asyncio.open_connection(sock=sock)
    except OSError as exc:
        sock.close()
        raise ConnectFailed(f"the proxied connection failed ({exc})", "unreachable") from exc


def _proxy_kind(exc: Exception) -> FailureKind:
    """What a SOCKS5 failure says about the target (RFC 1928 section 6 reply codes).

    5 is a refusal and 6 (TTL expired) a drop; 1-4 and a connection closed before any
    reply (what OpenSSH's ``ssh -D`` does when it cannot connect) mean the proxy could
    not reach the target; 7, 8 and authentication failures are the proxy's own problem.
    """
    code = getattr(exc, "error_code", None)
    if code in (7, 8) or "authentication" in str(exc).lower():
        return "proxy"
    return {5: "refused", 6: "timeout"}.get(code or 0, "unreachable")


def _netloc(url: str, host: str, port: int) -> str:
    """user:password@host:port as written in the URL (host in brackets for IPv6)."""
    parts = urlsplit(url.strip())
    auth = parts.netloc.rpartition("@")[0]
    shown = f"[{host}]" if ":" in host else host
    return f"{auth}@{shown}:{port}" if auth else f"{shown}:{port}"
