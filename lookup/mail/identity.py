"""Who the SMTP probe says it is: this machine's public IP, its reverse DNS, the HELO name.

A mail server that checks a recipient for itself (an Exim callout, Postfix
``reject_unverified_recipient``) greets with its own name and says ``MAIL FROM:<>``.
The probe does the same. ``Identity`` holds the name it greets with
(``smtp.helo_name``; else the reverse DNS name of the public IP the mail servers
see, when that name resolves; else the address literal ``[IP]`` that RFC 5321
4.1.4 prescribes for a client without a meaningful name) and its senders.

The public IP is what an echo service answers (``smtp.public_ip_url``, plain
text, such as https://api.ipify.org), asked along the SMTP route: directly, or
through the SOCKS5 proxy, whose IP is then the one mail servers see. The echo
host is resolved by our DNS and vetted like a mail server's address, so a proxy
is never handed a name; in world mode the echo is the world's own
(``http://myip.world.test/``, its ``[machine]`` table) and stays on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.reversename

from lookup.errors import ConfigError
from lookup.mail.dnscheck import DnsCache, host_addresses
from lookup.mail.smtpconnect import ConnectFailed, SmtpRoute, open_stream
from lookup.settings import Settings
from lookup.web.hosts import address_problem, loopback_problem
from lookup.web.tls import system_context

__all__ = [
    "Identity",
    "IdentityCheck",
    "PublicIp",
    "ReverseDns",
    "address_literal",
    "ask_public_ip",
    "check_sender_setting",
    "choose_helo",
    "parse_echo",
    "reverse_dns",
]

MAX_ECHO_BYTES = 8192  # an echo answers a few dozen bytes; anything longer is not one
NULL = ""  # the null reverse-path, MAIL FROM:<>


@dataclass(frozen=True, slots=True)
class PublicIp:
    """The address mail servers see this machine (or its proxy) connect from, or why unknown."""

    ip: str | None
    detail: str  # how it was learned, or why it could not be


@dataclass(frozen=True, slots=True)
class ReverseDns:
    """The PTR name of the public IP, and whether that name resolves (back to the IP)."""

    name: str | None
    resolves: bool = False  # the name has an A or AAAA record (what HELO checks ask)
    confirms: bool = False  # one of them is the IP itself (forward-confirmed reverse DNS)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Identity:
    """What the probe says: its HELO name (and where it came from) and its senders."""

    helo: str
    helo_source: str  # "smtp.helo_name", "reverse DNS", "address literal" or "this machine's name"
    sender: str  # the first MAIL FROM; "" is the null sender <>
    fallback: str  # the one retry after a refused null sender; "" = none
    public: PublicIp
    reverse: ReverseDns | None = None

    def describe_helo(self) -> str:
        """``EHLO name (source)``, for reasons and the doctor."""
        return f"EHLO {self.helo} ({self.helo_source})"


def address_literal(ip: str) -> str:
    """The RFC 5321 4.1.3 address literal: ``[192.0.2.1]`` or ``[IPv6:2001:db8::1]``."""
    parsed = ipaddress.ip_address(ip)
    return f"[IPv6:{parsed.compressed}]" if parsed.version == 6 else f"[{parsed}]"


def choose_helo(
    configured: str, public: PublicIp, reverse: ReverseDns | None, local_name: str
) -> tuple[str, str]:
    """(HELO name, where it came from): the setting, the reverse DNS name, [IP], the host name.

    Postfix's ``reject_unknown_helo_hostname`` asks only that the name have an A or
    MX record, and ``reject_non_fqdn_helo_hostname`` lets address literals through,
    so a reverse name that does not resolve is worse than the literal.
    """
    if configured.strip():
        return configured.strip(), "smtp.helo_name"
    if reverse is not None and reverse.name and reverse.resolves:
        return reverse.name, "reverse DNS"
    if public.ip:
        return address_literal(public.ip), "address literal"
    return local_name or "localhost", "this machine's name"


def parse_echo(raw: bytes) -> str:
    """The IP address in an echo service's HTTP response; ValueError in a sentence otherwise."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        raise ValueError("it did not answer HTTP")
    if status[1] != "200":
        raise ValueError(f"it answered HTTP {status[1]}")
    headers = {k.strip().lower(): v.strip().lower() for k, _, v in
               (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    text = body.decode("ascii", "replace").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"its answer {text[:60]!r} is not an IP address") from None


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        length = int(size.split(b";")[0] or b"0", 16)
        if length == 0:
            break
        out, body = out + rest[:length], rest[length + 2 :]
    return out


async def ask_public_ip(
    url: str, *, route: SmtpRoute, cache: DnsCache, timeout_s: float,
    world_http_port: int | None = None,
) -> PublicIp:
    """Ask the echo at ``url`` along ``route``; ``world_http_port``: the world's web (world mode)."""
    if not url.strip():
        return PublicIp(None, "not asked (smtp.public_ip_url is empty)")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return PublicIp(None, f"smtp.public_ip_url {url!r} is not an http(s) URL")
    host, world = parts.hostname.lower(), world_http_port is not None
    target = await _echo_address(host, cache, world)
    if target.startswith("!"):
        return PublicIp(None, target[1:])
    tls = parts.scheme == "https" and not world  # a world's web is plain HTTP, as its transport
    port = world_http_port if world else (parts.port or (443 if tls else 80))
    try:
        raw = await asyncio.wait_for(
            _fetch(target, port, host, parts.path or "/", route=route, tls=tls,
                   timeout_s=timeout_s, world=world),
            timeout_s * 2,
        )
        ip = parse_echo(raw)
    except (ConnectFailed, OSError, ssl.SSLError, TimeoutError, ValueError) as exc:
        why = str(exc) or type(exc).__name__
        return PublicIp(None, f"{url} could not be asked {route.label}: {why}")
    return PublicIp(ip, f"as {url} answered, asked {route.label}")


async def _echo_address(host: str, cache: DnsCache, world: bool) -> str:
    """The echo host's vetted IP address, or "!why not"."""
    try:
        addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        addresses, failure = await host_addresses(host, cache=cache)
        if not addresses:
            return f"!{failure or f'the echo host {host} does not resolve'}"
    for address in addresses:
        problem = loopback_problem(address) if world else address_problem(address)
        if problem is None:
            return address
    return f"!the echo host {host} resolves only to addresses the tool does not contact"


async def _fetch(
    ip: str, port: int, host: str, path: str, *, route: SmtpRoute, tls: bool, timeout_s: float,
    world: bool,
) -> bytes:
    reader, writer = await open_stream(ip, port, route=route, timeout_s=timeout_s,
                                       world_mode=world)
    try:
        if tls:
            await writer.start_tls(system_context(), server_hostname=host)
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/plain\r\n"
                   "User-Agent: interviewer-lookup\r\nConnection: close\r\n\r\n")
        writer.write(request.encode("ascii"))
        await writer.drain()
        return await _read_answer(reader)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _read_answer(reader: asyncio.StreamReader) -> bytes:
    """The whole (small) HTTP answer: until the server closes, or Content-Length is reached."""
    raw = b""
    while len(raw) < MAX_ECHO_BYTES:
        chunk = await reader.read(MAX_ECHO_BYTES - len(raw))
        if not chunk:
            break
        raw += chunk
        head, found, body = raw.partition(b"\r\n\r\n")
        length = _content_length(head) if found else None
        if length is not None and len(body) >= length:
            break
    return raw


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return None


async def reverse_dns(ip: str, *, cache: DnsCache) -> ReverseDns:
    """The PTR name of ``ip`` and whether that name resolves back to it."""
    pointer = dns.reversename.from_address(ip).to_text(omit_final_dot=True)
    answer = await cache.query(pointer, "PTR")
    if answer.outcome in ("nxdomain", "nodata"):
        return ReverseDns(None, detail=f"{ip} has no reverse DNS (PTR) record")
    if answer.outcome != "ok" or not answer.records:
        return ReverseDns(None, detail=f"the reverse DNS lookup of {ip} failed ({answer.outcome})")
    name = str(answer.records[0]).rstrip(".").lower()
    found: set[str] = set()
    for rdtype in ("A", "AAAA"):
        forward = await cache.query(name, rdtype)
        found |= {str(ipaddress.ip_address(r)) for r in forward.records} if forward.outcome == "ok" else set()
    confirms = str(ipaddress.ip_address(ip)) in found
    if confirms:
        detail = f"{ip} is {name}, which resolves back to it"
    elif found:
        detail = f"{ip} is {name}, which resolves to {', '.join(sorted(found))}, not back to it"
    else:
        detail = f"{ip} is {name}, which does not resolve"
    return ReverseDns(name, bool(found), confirms, detail)


class IdentityCheck:
    """The run's identity, learned once at the first probe and shared by every session."""

    def __init__(
        self, settings: Settings, *, cache: DnsCache, route: SmtpRoute,
        local_name: Callable[[], str] = socket.gethostname,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.route = route
        self.local_name = local_name
        self._identity: Identity | None = None
        self._asked = False  # whether the echo was asked for this identity
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def needs_ip(self) -> bool:
        """Whether the HELO name depends on the public IP (no smtp.helo_name set)."""
        return not self.settings.smtp.helo_name.strip()

    async def ensure(self, *, want_ip: bool = False) -> Identity:
        """This run's identity; the public IP is asked only when the HELO name or ``want_ip``
        needs it (a user who set smtp.helo_name sends no request to the echo service)."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
            ask = want_ip or self.needs_ip
            if self._identity is None or (ask and not self._asked):
                self._identity = await self.learn(ask=ask)
                self._asked = ask
            return self._identity

    async def learn(self, *, ask: bool = True) -> Identity:
        """Ask the echo (when ``ask``) and the reverse DNS now, and choose the HELO name."""
        smtp = self.settings.smtp
        public = PublicIp(None, "not asked (smtp.helo_name is set)")
        if ask:
            world = self.settings.world
            public = await ask_public_ip(
                smtp.public_ip_url, route=self.route, cache=self.cache,
                timeout_s=smtp.connect_timeout_s,
                world_http_port=world.http_port if world is not None else None,
            )
        reverse = await reverse_dns(public.ip, cache=self.cache) if public.ip else None
        helo, source = choose_helo(smtp.helo_name, public, reverse, self.local_name())
        sender = NULL if smtp.null_sender else smtp.mail_from.strip()
        fallback = smtp.mail_from.strip() if smtp.null_sender else NULL
        return Identity(helo, source, sender, fallback, public, reverse)


def check_sender_setting(settings: Settings) -> None:
    """ConfigError now, in a sentence, when smtp.mail_from is set but is not an address."""
    sender = settings.smtp.mail_from.strip()
    local, at, domain = sender.rpartition("@")
    # Only what would break the MAIL FROM command: whether the domain exists is the servers'
    # call (their refusals say so, with advice), not a reason to refuse the setting.
    if sender and (not (local and at and domain) or any(c.isspace() or c in "<>" for c in sender)):
        raise ConfigError(
            f"The setting smtp.mail_from {sender!r} is not an email address; give an address "
            "you own (for example you@yourdomain.com), or leave it empty for the null sender."
        )
    if not sender and not settings.smtp.null_sender:
        raise ConfigError(
            "smtp.null_sender is false but smtp.mail_from is empty: give an address you own "
            "as smtp.mail_from, or set smtp.null_sender = true."
        )
