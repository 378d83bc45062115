"""Does a domain take mail? MX lookups with a shared, TTL-bound, in-flight-deduplicated cache.

``DnsCache`` wraps one dnspython async resolver. Answers (including NXDOMAIN
and "no records") are kept for their TTL; concurrent lookups of the same
name and type share one query through a future; server failures and
timeouts are kept briefly so a batch does not hammer a broken name server.
One ``DnsCache`` can serve a whole run and a whole re-verification batch.

``check_mail_domain`` turns answers into a ``DomainMail`` verdict:

* MX records, in preference order (RFC 5321 §5.1);
* a lone ``0 .`` MX is a null MX: the domain takes no mail (RFC 7505);
* no MX at all falls back to the domain's own A, then AAAA (the implicit MX);
* NXDOMAIN, SERVFAIL and timeouts are told apart, and a timeout or server
  failure is "unknown", never "the domain takes no mail".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from lookup.mail.rules import identify_provider
from lookup.settings import Settings

__all__ = [
    "DnsAnswer",
    "DnsCache",
    "DomainMail",
    "MailDomainChecker",
    "check_mail_domain",
    "host_addresses",
    "make_resolver",
]

log = logging.getLogger(__name__)

Outcome = Literal["ok", "nodata", "nxdomain", "servfail", "timeout", "error"]
DomainStatus = Literal["accepts", "null_mx", "no_mail", "nxdomain", "unknown"]

# RFC 2308 lets resolvers cache "no such name" and "no data" answers; when the
# response carries no SOA to take the TTL from, five minutes is the common default.
NEGATIVE_TTL_S = 300.0
# Failures (SERVFAIL, timeouts) are kept only briefly: long enough that a batch
# of addresses at one broken domain costs one query, short enough to recover.
FAILURE_TTL_S = 30.0
MAX_TTL_S = 86_400.0


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """One lookup's outcome: records (MX as (preference, host), A/AAAA as text), TTL, detail."""

    name: str
    rdtype: str
    outcome: Outcome
    records: tuple[Any, ...] = ()
    ttl: float = 0.0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DomainMail:
    """Whether a domain takes mail, through which hosts and provider, and why."""

    domain: str
    status: DomainStatus
    mx: tuple[str, ...] = ()
    provider: str | None = None
    reasons: tuple[str, ...] = ()
    implicit_mx: bool = False  # True when mail goes to the domain's own A/AAAA (no MX)


def make_resolver(settings: Settings) -> dns.asyncresolver.Resolver:
    """An async resolver from settings: the given name servers and port, else the system's."""
    if settings.dns.nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = list(settings.dns.nameservers)
        resolver.port = settings.dns.port
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.timeout = settings.dns.timeout_s
    resolver.lifetime = settings.dns.timeout_s
    return resolver


class _Monotonic(Protocol):
    def monotonic(self) -> float: ...


class DnsCache:
    """Cached, deduplicated DNS answers shared by every check in a run or batch."""

    def __init__(
        self,
        resolver: dns.asyncresolver.Resolver,
        *,
        clock: _Monotonic | None = None,
        failure_ttl_s: float = FAILURE_TTL_S,
    ) -> None:
        self.resolver = resolver
        self._monotonic: Callable[[], float] = clock.monotonic if clock else time.monotonic
        self._failure_ttl_s = failure_ttl_s
        self._answers: dict[tuple[str, str], tuple[float, DnsAnswer]] = {}
        self._inflight: dict[tuple[str, str], asyncio.Task[DnsAnswer]] = {}
        self.queries_sent = 0  # lookups that went to the resolver (not counting its retries)
        self.hits = 0  # lookups answered from the cache or by joining one in flight

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        """The answer for (name, type): cached, joined in flight, or asked once."""
        key = (name.lower().rstrip("."), rdtype.upper())
        cached = self._answers.get(key)
        if cached is not None and cached[0] > self._monotonic():
            self.hits += 1
            return cached[1]
        task = self._inflight.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.get_running_loop().create_task(self._ask(key))
            self._inflight[key] = task
        else:
            self.hits += 1
        return await asyncio.shield(task)

    def forget(self) -> None:
        """Drop every cached answer (the in-flight ones finish normally)."""
        self._answers.clear()

    async def _ask(self, key: tuple[str, str]) -> DnsAnswer:
        try:
            self.queries_sent += 1
            answer = await _resolve(self.resolver, *key)
            settled = answer.outcome in ("ok", "nodata", "nxdomain")
            ttl = answer.ttl if settled else self._failure_ttl_s
            self._answers[key] = (self._monotonic() + min(ttl, MAX_TTL_S), answer)
            return answer
        finally:
            self._inflight.pop(key, None)


# Kept as the second name for the shareable object.
MailDomainChecker = DnsCache


async def _resolve(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> DnsAnswer:
    """One resolver call, with dnspython's exceptions turned into outcomes."""
    try:
        qname = dns.name.from_text(name)  # absolute: no search-list expansion
        answer = await resolver.resolve(qname, rdtype, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN as exc:
        return DnsAnswer(name, rdtype, "nxdomain", ttl=_nxdomain_ttl(exc))
    except dns.resolver.NoNameservers as exc:
        return DnsAnswer(name, rdtype, "servfail", detail=_rcode_in(str(exc)))
    except dns.exception.Timeout as exc:
        return DnsAnswer(name, rdtype, "timeout", detail=str(exc))
    except dns.exception.DNSException as exc:
        log.debug("DNS lookup %s %s failed: %s", name, rdtype, exc)
        return DnsAnswer(name, rdtype, "error", detail=str(exc))
    if answer.rrset is None:
        return DnsAnswer(name, rdtype, "nodata", ttl=_negative_ttl(answer))
    return DnsAnswer(name, rdtype, "ok", _records(answer.rrset, rdtype), float(answer.rrset.ttl))


def _records(rrset: Any, rdtype: str) -> tuple[Any, ...]:
    if rdtype == "MX":
        pairs = {(r.preference, r.exchange.to_text(omit_final_dot=True).lower()) for r in rrset}
        return tuple(sorted(pairs))
    return tuple(sorted(r.to_text() for r in rrset))


def _negative_ttl(answer: Any) -> float:
    return _soa_ttl(answer.response)


def _nxdomain_ttl(exc: dns.resolver.NXDOMAIN) -> float:
    responses = list(exc.responses().values())
    return _soa_ttl(responses[0]) if responses else NEGATIVE_TTL_S


def _soa_ttl(response: Any) -> float:
    """RFC 2308 §5: a negative answer lives for min(SOA TTL, SOA MINIMUM)."""
    for rrset in getattr(response, "authority", ()):
        if rrset.rdtype == dns.rdatatype.SOA:
            return float(min(rrset.ttl, rrset[0].minimum))
    return NEGATIVE_TTL_S


def _rcode_in(text: str) -> str:
    for rcode in ("SERVFAIL", "REFUSED", "FORMERR", "NOTIMP"):
        if rcode in text:
            return rcode
    return "SERVFAIL"


async def check_mail_domain(domain: str, *, cache: DnsCache) -> DomainMail:
    """Whether ``domain`` takes mail: MX, null MX, A/AAAA fallback, or why we cannot tell."""
    domain = domain.lower().rstrip(".")
    answer = await cache.query(domain, "MX")
    if answer.outcome == "ok":
        return _from_mx(domain, answer.records)
    if answer.outcome == "nxdomain":
        return DomainMail(domain, "nxdomain", reasons=(
            f"The domain {domain} does not exist (the DNS answered NXDOMAIN).",
        ))
    if answer.outcome != "nodata":
        return DomainMail(domain, "unknown", reasons=(_failure_reason(domain, "MX", answer),))
    return await _implicit_mx(domain, cache)


@lru_cache(maxsize=16_384)  # pure; a batch asks it again for every address at a domain
def _from_mx(domain: str, records: tuple[tuple[int, str], ...]) -> DomainMail:
    real = [(pref, host) for pref, host in records if host not in ("", ".")]
    if not real:
        return DomainMail(domain, "null_mx", reasons=(
            f"{domain} publishes a null MX record (RFC 7505): it accepts no mail at all.",
        ))
    hosts = tuple(host for _, host in real)
    listed = ", ".join(f"{host} ({pref})" for pref, host in real)
    reasons = [f"{domain} receives mail through {listed}."]
    provider = identify_provider(hosts, domain)
    if provider is not None:
        note = f" {provider.note}" if provider.note else ""
        reasons.append(f"Mail provider: {provider.name}.{note}")
    return DomainMail(domain, "accepts", hosts, provider.name if provider else None, tuple(reasons))


async def _implicit_mx(domain: str, cache: DnsCache) -> DomainMail:
    addresses, failure = await host_addresses(domain, cache=cache)
    if addresses:
        return DomainMail(domain, "accepts", (domain,), None, (
            f"{domain} has no MX record, so mail goes to the domain's own address "
            f"{addresses[0]} (the implicit MX of RFC 5321 §5.1).",
        ), implicit_mx=True)
    if failure:
        return DomainMail(domain, "unknown", reasons=(
            f"{domain} has no MX record and {failure}",
        ))
    return DomainMail(domain, "no_mail", reasons=(
        f"{domain} has no MX, A or AAAA record: nothing can receive its mail.",
    ))


async def host_addresses(host: str, *, cache: DnsCache) -> tuple[tuple[str, ...], str]:
    """The A (else AAAA) addresses of ``host``, and a reason when the lookup failed."""
    failure = ""
    for rdtype in ("A", "AAAA"):
        answer = await cache.query(host, rdtype)
        if answer.outcome == "ok":
            return answer.records, ""
        if answer.outcome == "nxdomain":
            return (), ""
        if answer.outcome != "nodata":
            failure = _failure_reason(host, rdtype, answer)
    return (), failure


def _failure_reason(name: str, rdtype: str, answer: DnsAnswer) -> str:
    if answer.outcome == "timeout":
        return (
            f"The DNS lookup of {name} ({rdtype}) timed out, so whether it takes mail is unknown; "
            "try again later or check the name servers in the settings."
        )
    if answer.outcome == "servfail":
        return (
            f"The name server answered {answer.detail or 'SERVFAIL'} for {name} ({rdtype}), "
            "so whether it takes mail is unknown; the domain's DNS may be broken for now."
        )
    return (
        f"The DNS lookup of {name} ({rdtype}) failed ({answer.detail}), "
        "so whether it takes mail is unknown."
    )
