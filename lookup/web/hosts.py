"""Host names and addresses: resolving them, and which addresses may be fetched.

The fetcher refuses any URL whose host is, or resolves to, a loopback, private,
link-local, multicast, reserved or otherwise non-public address (server-side
request forgery: a page or a redirect must not make the tool read the user's
router, cloud metadata service or localhost). IPv4 addresses embedded in IPv6
forms (mapped, 6to4, Teredo, NAT64) are judged by the IPv4 address they carry.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from lookup.settings import Settings

__all__ = [
    "loopback_problem",
    "is_loopback",
    "Resolver",
    "address_problem",
    "dns_resolver",
    "ip_literal",
    "make_resolver",
    "system_resolver",
    "url_problem",
]

Resolver = Callable[[str], Awaitable[Sequence[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


async def system_resolver(host: str) -> list[str]:
    """The addresses of ``host`` from the operating system (getaddrinfo in a thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def dns_resolver(resolver: object) -> Resolver:
    """Wrap a ``dns.asyncresolver.Resolver``: the A and AAAA addresses of a host."""
    import dns.exception
    import dns.resolver

    async def resolve(host: str) -> list[str]:
        found: list[str] = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = await resolver.resolve(host, rdtype)  # type: ignore[attr-defined]
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as exc:
                raise OSError(f"DNS lookup of {host} failed: {exc}") from exc
            found.extend(str(record.address) for record in answer)
        return found

    return resolve


def make_resolver(settings: Settings) -> Resolver:
    """dnspython asking ``settings.dns.nameservers``; the system resolver when none are set."""
    if not settings.dns.nameservers:
        return system_resolver
    import dns.asyncresolver

    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = list(settings.dns.nameservers)
    resolver.port = settings.dns.port
    resolver.lifetime = settings.dns.timeout_s
    return dns_resolver(resolver)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be fetched at all (scheme, credentials, host), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "refused: the URL is malformed"
    if parts.scheme not in ("http", "https"):
        return (
            f"refused: only http and https URLs are fetched, not {parts.scheme or 'a relative URL'}"
        )
    if parts.username is not None or parts.password is not None:
        return "refused: the URL carries credentials"
    if not parts.hostname:
        return "refused: the URL has no host"
    return None


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host name spells directly (also 2130706433 and 0x7f.1 forms), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-Fx.]+", host) and re.search(r"[0-9]", host):
        try:  # inet_aton reads the shorthand forms browsers and resolvers accept
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_problem(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an IP address is off limits (not a public unicast address), or None."""
    ip = ipaddress.ip_address(str(address).split("%")[0])
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_problem(embedded) and f"non-public address: {ip} (embeds {embedded})"
    if ip.is_multicast or not ip.is_global:
        return f"non-public address: {ip}"
    return None


def is_loopback(host: str) -> bool:
    """True for a host only this machine reaches: 127.0.0.0/8, ::1, ``localhost``.

    A wildcard (``0.0.0.0``, ``::``, empty) and any other name are not: a name is not
    resolved here, and one that resolves beyond loopback would let others in.
    """
    text = host.strip().strip("[]").split("%")[0]
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def loopback_problem(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is off limits in world mode: anything but 127.0.0.0/8 and ::1, or None.

    A world lives on loopback; an MX or site resolving to a private or link-local address
    (10.x, 169.254.169.254) must not be contacted from an "offline" run.
    """
    try:
        ip = ipaddress.ip_address(str(address).split("%")[0])
    except ValueError:
        return f"not an IP address: {address}"
    return None if ip.is_loopback else f"non-loopback address in world mode: {ip}"


def _embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
