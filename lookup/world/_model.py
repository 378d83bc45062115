"""What a world is, as frozen records: latency, DNS records, mail domains, faults, redirects.

Also the keys each ``world.toml`` table may hold, for the checks in ``_sections``.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from lookup.settings import WORLD_ECHO_HOST

__all__ = [
    "DEFAULT_TTL",
    "DNS_KEYS",
    "DNS_RCODES",
    "DNS_TYPES",
    "DnsRecords",
    "FAULT_KEYS",
    "Fault",
    "LATENCY_KEYS",
    "Latency",
    "MACHINE_KEYS",
    "Machine",
    "Millis",
    "MAIL_KEYS",
    "MAIL_SOFTWARE",
    "MailDomain",
    "REDIRECT_KEYS",
    "Redirect",
    "SEARCH_KEYS",
    "SERVICES",
    "SITE_ADDRESS",
    "SMTP_KEYS",
    "SMTP_STAGES",
    "SearchDocument",
    "SmtpOptions",
    "TOP_KEYS",
    "World",
    "path_matches",
]

SERVICES = ("http", "search", "dns", "smtp")
SMTP_STAGES = ("banner", "ehlo", "mail", "rcpt")
DNS_RCODES = ("SERVFAIL", "REFUSED", "NXDOMAIN", "FORMERR", "NOTIMP")
DNS_TYPES = ("A", "AAAA", "MX", "TXT", "PTR")
DEFAULT_TTL = 300
SITE_ADDRESS = "127.0.0.1"

# Which keys each table may hold; anything else is a typo worth reporting.
TOP_KEYS = (
    "name", "description", "latency_ms", "dns", "mail", "fault", "redirect", "search", "smtp",
    "machine",
)
LATENCY_KEYS = ("http", "search", "dns", "smtp")
DNS_KEYS = ("a", "aaaa", "mx", "txt", "ptr", "ttl")
MAIL_KEYS = ("mailboxes", "catch_all", "greylist", "greylist_seconds", "helo", "sender",
             "null_sender", "max_rcpts_per_session", "software")
MAIL_SOFTWARE = ("postfix", "exim")  # whose reply texts a mail domain's refusals use
MACHINE_KEYS = ("public_ip", "reverse_dns", "listed_on")
# A DNS blocklist's answer for a listed address (RFC 5782 2.1: 127.0.0.2 is the test entry).
LISTED_CODE = "127.0.0.2"
REDIRECT_KEYS = ("host", "path", "to", "status")
SEARCH_KEYS = ("max_results",)
SMTP_KEYS = ("starttls", "hostname", "pipelining")
FAULT_KEYS = {
    "http": ("service", "host", "path", "status", "retry_after", "delay_ms", "reset", "times",
             "drip_bytes_per_s", "chunked", "content_length", "body", "body_file", "headers"),
    "search": ("service", "query", "status", "retry_after", "delay_ms", "reset", "times"),
    "dns": ("service", "host", "type", "rcode", "drop", "delay_ms", "times"),
    "smtp": ("service", "host", "stage", "reply", "delay_ms", "reset", "times"),
}


Millis = int | float | tuple[float, float]  # fixed, or a [low, high] range drawn per request


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds each service waits before answering a request: a number, or a range
    ``(low, high)`` from which each request draws its wait (uniformly, seeded per world)."""

    http: Millis = 0
    search: Millis = 0
    dns: Millis = 0
    smtp: Millis = 0

    def waiter(self, key: str, *, seed: str = "") -> Callable[[], float] | None:
        """A function giving each request's wait in seconds; None when there is none."""
        value = getattr(self, key)
        if isinstance(value, tuple):
            low, high = value
            if high <= 0:
                return None
            rng = random.Random(f"{seed}/{key}")
            return lambda: rng.uniform(low, high) / 1000
        if not value:
            return None
        fixed = value / 1000
        return lambda: fixed


@dataclass(frozen=True, slots=True)
class DnsRecords:
    """The records one DNS name answers with; ``mx`` holds (preference, host) pairs."""

    a: tuple[str, ...] | None = None  # None: not given (a web host then gets 127.0.0.1)
    aaaa: tuple[str, ...] = ()
    mx: tuple[tuple[int, str], ...] = ()
    txt: tuple[str, ...] = ()
    ptr: tuple[str, ...] = ()
    ttl: int = DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class MailDomain:
    """How the world's SMTP server answers RCPT TO for one domain."""

    domain: str
    mailboxes: frozenset[str] = frozenset()  # lower-case local parts
    catch_all: bool = False
    greylist: bool = False
    greylist_seconds: float = 0.0
    # What the server checks about the client before it answers for a recipient (at RCPT
    # time, as Postfix does with its default smtpd_delay_reject = yes):
    helo: str = "any"  # "fqdn": a fully qualified name or [address literal]; "known": and
    #                    a name with an A or MX record in the world
    sender: str = "any"  # "known": the sender's domain has an A or MX record in the world
    null_sender: bool = True  # false: MAIL FROM:<> is refused
    max_rcpts_per_session: int = 0  # 0: no limit; else RCPTs beyond it get "too many recipients"
    software: str = "postfix"  # whose reply texts: postfix or exim


@dataclass(frozen=True, slots=True)
class Machine:
    """This machine as the world's internet sees it: its public IP, reverse DNS, listings."""

    public_ip: str  # answered by the world's echo (settings.WORLD_ECHO_URL)
    reverse_dns: str = ""  # the PTR name of public_ip; "" = none
    listed_on: tuple[str, ...] = ()  # DNS blocklist zones (smtp.blocklists) that list it

    def records(self) -> dict[str, DnsRecords]:
        """The DNS names this table adds: the PTR record and each blocklist's entry."""
        ip = ipaddress.ip_address(self.public_ip)
        added: dict[str, DnsRecords] = {}
        if self.reverse_dns:
            added[ip.reverse_pointer] = DnsRecords(a=(), ptr=(self.reverse_dns,))
        labels = ip.reverse_pointer.rsplit(".", 2)[0]  # the reversed address, no in-addr.arpa
        for zone in self.listed_on:
            added[f"{labels}.{zone}"] = DnsRecords(
                a=(LISTED_CODE,), txt=(f"Listed by {zone}: {self.public_ip} (an offline world)",)
            )
        return added


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure; ``service`` says which server applies it."""

    service: str = "http"
    host: str | None = None  # http: site host; dns: query name; smtp: mail domain
    path: str | None = None  # http only: exact request path
    query: str | None = None  # search only: a substring of the query text
    type: str | None = None  # dns only: A, AAAA, MX or TXT
    stage: str = "banner"  # smtp only: banner, ehlo, mail or rcpt
    status: int | None = None  # http/search: answer with this status
    retry_after: int | None = None  # http/search: seconds for a Retry-After header
    reply: str | None = None  # smtp: answer the stage with this reply line instead
    rcode: str | None = None  # dns: answer with this rcode (e.g. SERVFAIL)
    delay_ms: int = 0
    reset: bool = False  # http/search/smtp: drop the connection
    drop: bool = False  # dns: never answer
    times: int | None = None  # apply to the first N matching requests only; None = always
    index: int = 0  # position in world.toml, so counters can tell faults apart
    # http only, the shape of the body sent (the page itself, or a forced status's text):
    drip_bytes_per_s: int | None = None  # send the body this slowly
    chunked: bool = False  # Transfer-Encoding: chunked, no Content-Length
    content_length: int | None = None  # declare this length, whatever the body's is
    # http only, what a forced status answers with (a bot-challenge page, say):
    body: bytes | None = None  # None: a one-line text naming the fault
    headers: tuple[tuple[str, str], ...] = ()  # extra response headers, as given

    def matches_path(self, path: str) -> bool:
        """True when this (http) fault applies to ``path``: no path, the exact one, or a glob."""
        return self.path is None or path_matches(self.path, path)


def path_matches(pattern: str, path: str) -> bool:
    """``pattern`` is an exact path, or a glob whose ``*`` matches any run of characters,
    slashes included ("/*" is the whole site, "/news/*" everything under /news/)."""
    if "*" not in pattern:
        return pattern == path
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), path) is not None


@dataclass(frozen=True, slots=True)
class Redirect:
    """A request for host+path answered with ``status`` and ``Location: to``.

    ``path`` is exact or a glob (``path_matches``); ``{path}`` in ``to`` stands for the
    request's path and query, so one redirect can move a whole site page by page.
    """

    host: str
    path: str
    to: str
    status: int = 301

    def location(self, target: str) -> str:
        """The Location answered for a request of ``target`` (path and query)."""
        return self.to.replace("{path}", target)


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One document the world's search engine knows (a line of search.jsonl)."""

    title: str
    url: str
    snippet: str


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """Server-wide SMTP options from the ``[smtp]`` table."""

    starttls: bool = False
    hostname: str = "mx.world.test"
    pipelining: bool = True  # offer RFC 2920 PIPELINING in the EHLO reply, as real MX hosts do


@dataclass(frozen=True, slots=True)
class World:
    """A whole world directory, read and checked."""

    name: str
    directory: Path
    latency: Latency = field(default_factory=Latency)
    dns: Mapping[str, DnsRecords] = field(default_factory=lambda: MappingProxyType({}))
    mail: Mapping[str, MailDomain] = field(default_factory=lambda: MappingProxyType({}))
    faults: tuple[Fault, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    documents: tuple[SearchDocument, ...] = ()
    site_hosts: frozenset[str] = frozenset()
    max_results: int = 10
    smtp: SmtpOptions = field(default_factory=SmtpOptions)
    description: str = ""
    machine: Machine | None = None

    @property
    def sites_dir(self) -> Path:
        return self.directory / "sites"

    @property
    def http_hosts(self) -> frozenset[str]:
        """Hosts the world's web answers for: site folders, redirect sources, the IP echo."""
        echo = {WORLD_ECHO_HOST} if self.machine is not None else set()
        return self.site_hosts | {r.host for r in self.redirects} | echo

    def site_dir(self, host: str) -> Path | None:
        """The folder serving ``host``, or None when the world has no such site."""
        return self.sites_dir / host if host in self.site_hosts else None

    def zone(self) -> Mapping[str, DnsRecords]:
        """Every DNS name: world.toml records, and A 127.0.0.1 for web hosts that give no A."""
        zone = {name: replace(records, a=records.a or ()) for name, records in self.dns.items()}
        if self.machine is not None:
            zone |= {n: r for n, r in self.machine.records().items() if n not in zone}
        for host in self.http_hosts:
            given = self.dns.get(host, DnsRecords())
            if given.a is None:
                zone[host] = replace(given, a=(SITE_ADDRESS,))
        return MappingProxyType(zone)

    def faults_for(self, service: str) -> tuple[Fault, ...]:
        return tuple(f for f in self.faults if f.service == service)
