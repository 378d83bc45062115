"""Verify addresses: syntax, DNS MX and provider, optional SMTP probe, OneDrive and Gravatar.

``Verifier`` holds the run's shared pieces (DNS cache, SMTP limiter and port
check, HTTP client, clock, randomness), all passed in or built once from
settings::

    verifier = Verifier(settings)
    verdict = await verifier.verify("jane.doe@acmerobotics.test", smtp=True)
    verdicts = await verifier.verify_ranked(top_three, rest_of_the_list, smtp=True)

The verdict is honest about what each check can tell: "deliverable" only
when a server that refuses random addresses accepted this one (or Microsoft
365's OneDrive check found the account); "risky" for catch-all and
accept-anything servers; "undeliverable" only on a definite answer (bad
syntax, a domain without mail, 5.1.1 no such user); everything else
(timeouts, blocked port 25, policy blocks, unresolved greylisting, no probe
at all) is "unknown", with the reason in words and the raw evidence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dns.asyncresolver
import httpx

from lookup.mail.blocklists import BLOCKLIST_FILE, BlocklistMemory, memory_key
from lookup.mail.dnscheck import (
    DnsCache,
    DomainMail,
    check_mail_domain,
    host_addresses,
    make_resolver,
)
from lookup.mail.gravatar import gravatar_check
from lookup.mail.identity import IdentityCheck, check_sender_setting
from lookup.mail.m365 import OneDriveCheck, combine
from lookup.mail.portcheck import PortCheck
from lookup.mail.probeplan import budgeted
from lookup.mail.rules import Provider, address_flags, provider_named
from lookup.mail.smtpcheck import SmtpChecker, SmtpLimiter
from lookup.mail.smtpconnect import SmtpRoute, parse_proxy
from lookup.mail.syntax import check_syntax
from lookup.mail.verdicts import NOT_PROBED, SmtpPart, flag_reasons, verification_to_json
from lookup.models import Verification
from lookup.ratelimit import Clock, Quota, SystemClock
from lookup.settings import Settings, machine_name
from lookup.web.hosts import address_problem, loopback_problem

__all__ = [
    "GRAVATAR_URL",
    "DnsCache",
    "DomainMail",
    "SmtpLimiter",
    "Verifier",
    "make_resolver",
    "verification_to_json",
]

log = logging.getLogger(__name__)

GRAVATAR_URL = "https://www.gravatar.com"
PORT_CHECK_DOMAINS = 3  # a batch's port-25 check tries the MX hosts of this many domains
M365 = "Microsoft 365"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One address asked for: as given, normalised, its flags, and whether it must be verified."""

    given: str
    address: str
    flags: tuple[str, ...]
    must: bool


class Verifier:
    """Checks addresses with shared DNS cache, SMTP limiter, HTTP client, clock and randomness.

    ``day_cache`` is the file where a blocked port 25 is remembered for the day
    (``settings.cache_dir / portcheck.REACH_FILE`` for a user's runs); without it
    the port check is remembered for this verifier's life only.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: dns.asyncresolver.Resolver | None = None,
        dns_cache: DnsCache | None = None,
        smtp_limiter: Quota | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        gravatar_url: str = GRAVATAR_URL,
        day_cache: Path | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.dns_cache = dns_cache or DnsCache(
            resolver or make_resolver(settings), clock=self.clock
        )
        self.smtp_limiter: Quota = smtp_limiter or SmtpLimiter(
            settings.smtp.probes_per_domain_per_minute, clock=self.clock
        )
        self.http_client = http_client
        self.rng = rng or random.Random()
        self.gravatar_url = gravatar_url.rstrip("/")
        self.route = SmtpRoute(settings.smtp.proxy.strip())
        if self.route.proxy:  # a bad proxy is a sentence now, not a surprise at the first probe
            parse_proxy(self.route.proxy, world_mode=settings.world_mode)
        check_sender_setting(settings)
        self.port_check = PortCheck(
            port=settings.smtp.port, timeout_s=settings.smtp.connect_timeout_s, route=self.route,
            cache_file=day_cache, clock=self.clock, world_mode=settings.world_mode,
            scope=settings.world.directory if settings.world else "",
            machine=machine_name(settings),
        )
        scope = settings.world.directory if settings.world else ""
        self.identity = IdentityCheck(settings, cache=self.dns_cache, route=self.route)
        self.smtp = SmtpChecker(
            settings, limiter=self.smtp_limiter, clock=self.clock, rng=self.rng,
            port_check=self.port_check, route=self.route, identity=self.identity,
            blocklist_memory=BlocklistMemory(
                day_cache.parent / BLOCKLIST_FILE if day_cache is not None else None,
                memory_key(self.route.shown, scope),
            ),
        )
        self.onedrive = (
            OneDriveCheck(http_client, settings.m365, clock=self.clock)
            if settings.m365.enabled and http_client is not None else None
        )
        self._preparing: list[asyncio.Task[None]] = []

    # -- public API ------------------------------------------------------

    def prepare_smtp(self, domain: str, smtp: bool | None = None) -> asyncio.Task[None] | None:
        """Start looking up, in the background, what probing ``domain`` will need first: its
        mail servers' addresses, whether port 25 answers from here, the run's identity and
        today's blocklist answer, then its first session, connected and greeted (issue 31:
        the probe then starts at once; on the internet the port check, the identity and a
        server's greeting are round trips of their own, a greeting sometimes seconds). Each
        is remembered for the run, so the probe asks nothing twice and waits for what is
        under way; a failure here is the probe's to report. None when SMTP is off."""
        if not self._probing(smtp):
            return None
        task = asyncio.ensure_future(self._prepare(domain))
        self._preparing.append(task)
        return task

    async def finish(self) -> None:
        """Wait for the looks ``prepare_smtp`` started (the run's clients close after this)
        and say goodbye to a session greeted ahead that no probe took."""
        preparing, self._preparing = self._preparing, []
        await asyncio.gather(*preparing, return_exceptions=True)
        await self.smtp.close_ahead()

    async def _prepare(self, domain: str) -> None:
        try:
            mail = await self.check_domain(domain)
            if mail.status != "accepts" or await self.smtp.blocked_parts([]) is not None:
                return
            hosts, _ = await self._mx_addresses(mail.mx)
            if hosts:
                await self.smtp.prepare(hosts, domain, provider_named(mail.provider))
        except Exception as exc:  # the probe meets it again and says it in the card
            log.debug("looking ahead for the SMTP probe of %s failed: %s", domain, exc)

    async def check_domain(self, domain: str) -> DomainMail:
        """Whether ``domain`` takes mail (MX, null MX, A fallback), through whom, and why."""
        return await check_mail_domain(domain, cache=self.dns_cache)

    async def mail_hosts(self, mx: tuple[str, ...]) -> tuple[list[tuple[str, str]], str]:
        """(host, IP) pairs a probe may contact among ``mx`` (at most three), and why not others."""
        return await self._mx_addresses(mx)

    async def verify(self, address: str, *, smtp: bool | None = None) -> Verification:
        """The verdict on one address; ``smtp`` None follows settings.smtp.enabled."""
        if not self._probing(smtp) and not self._extras():
            return await self._dns_only(address)
        return (await self.verify_ranked([address], smtp=smtp))[0]

    async def verify_many(
        self, addresses: Iterable[str], *, smtp: bool | None = None, concurrency: int = 50
    ) -> list[Verification]:
        """Verify many addresses (sharing the DNS cache and SMTP sessions); results in input order.

        Each distinct domain is looked up first, ``concurrency`` at a time, so the
        DNS work is one query per domain however the addresses are ordered. With
        SMTP on, the addresses at one domain share sessions (several RCPTs each).
        """
        addresses = list(addresses)
        gate = asyncio.Semaphore(max(1, concurrency))

        async def domain(name: str) -> None:
            async with gate:
                await self.check_domain(name)

        names = {a.strip().rpartition("@")[2].lower() for a in addresses if "@" in a}
        await asyncio.gather(*(domain(n) for n in names if _looks_like_domain(n)))
        if not self._probing(smtp) and not self._extras():
            # Nothing left to wait for: every answer is cached, so tasks would only add overhead.
            return [await self._dns_only(a) for a in addresses]
        return await self.verify_ranked(addresses, smtp=smtp, budget=0, concurrency=concurrency)

    async def verify_ranked(
        self,
        must: Sequence[str],
        deeper: Sequence[str] = (),
        *,
        smtp: bool | None = None,
        budget: int | None = None,
        concurrency: int = 50,
    ) -> list[Verification]:
        """Verdicts on every ``must`` address, then on the ``deeper`` ones the walk reached.

        ``deeper`` is the rest of a ranked list: with SMTP on (or the OneDrive
        check), asking goes on down it while every answer was a refusal (or no
        OneDrive account was found), up to ``budget`` addresses per domain
        (default ``smtp.max_probes_per_domain``); see ``probeplan``.
        """
        checked_at = self._now()
        budget = self.settings.smtp.max_probes_per_domain if budget is None else budget
        out: dict[tuple[bool, str], Verification] = {}
        groups: dict[str, list[_Entry]] = {}
        seen: set[str] = set()
        for given, is_must in [*((a, True) for a in must), *((a, False) for a in deeper)]:
            parsed = self._syntax(given)
            if isinstance(parsed, str):
                if is_must:
                    out[(True, given)] = Verification(given, "undeliverable", (parsed,), checked_at,
                                                      flags=("invalid",))
                continue
            address, local, domain = parsed
            if not is_must and address in seen:
                continue
            seen.add(address)
            groups.setdefault(domain, []).append(
                _Entry(given, address, address_flags(local, domain), is_must)
            )
        if self._probing(smtp) and len(groups) > 1:
            await self._check_port(list(groups)[:PORT_CHECK_DOMAINS])
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(domain: str, entries: list[_Entry]) -> None:
            async with gate:
                found = await self._domain(domain, entries, budget, self._probing(smtp), checked_at)
            out.update(found)

        await asyncio.gather(*(one(d, e) for d, e in groups.items()))
        ordered = [out[(True, a)] for a in must]
        return ordered + [out[(False, a)] for a in deeper if (False, a) in out]

    # -- steps -----------------------------------------------------------

    async def _check_port(self, domains: list[str]) -> None:
        """A batch's port check asks the MX hosts of its first few domains at once, so that
        one company whose mail servers are down is not taken for a blocked network."""
        if self.port_check.settled() is not None:
            return
        hosts: list[tuple[str, str]] = []
        for domain in domains:
            mail = await self.check_domain(domain)
            if mail.status == "accepts":
                hosts += (await self._mx_addresses(mail.mx))[0][:2]
        if hosts:
            await self.port_check.ensure(hosts)

    def _probing(self, smtp: bool | None) -> bool:
        return self.settings.smtp.enabled if smtp is None else smtp

    def _extras(self) -> bool:
        gravatar = self.settings.gravatar.enabled and self.http_client is not None
        return gravatar or self.onedrive is not None

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.time(), tz=dt.UTC)

    def _syntax(self, address: str) -> tuple[str, str, str] | str:
        """(normalized address, local part, ASCII domain), or the reason it is not an address."""
        parsed = check_syntax(address, test_environment=self.settings.world_mode)
        return parsed if isinstance(parsed, str) else (parsed.address, parsed.local, parsed.domain)

    async def _dns_only(self, given: str) -> Verification:
        checked_at = self._now()
        parsed = self._syntax(given)
        if isinstance(parsed, str):
            return Verification(given, "undeliverable", (parsed,), checked_at, flags=("invalid",))
        address, local, domain = parsed
        entry = _Entry(given, address, address_flags(local, domain), True)
        mail = await self.check_domain(domain)
        if mail.status != "accepts":
            return self._domain_verdict(entry, mail, checked_at)
        return await self._assemble(entry, SmtpPart("unknown", [NOT_PROBED]), mail, checked_at)

    async def _domain(
        self, domain: str, entries: list[_Entry], budget: int, probing: bool,
        checked_at: dt.datetime,
    ) -> dict[tuple[bool, str], Verification]:
        mail = await self.check_domain(domain)
        musts = [e for e in entries if e.must]
        if mail.status != "accepts":
            return {(True, e.given): self._domain_verdict(e, mail, checked_at) for e in musts}
        provider = provider_named(mail.provider)
        ranked = [e.address for e in musts] + [e.address for e in entries if not e.must]
        if probing:
            parts = await self._smtp(domain, mail, ranked, len(musts), budget, provider)
        else:
            parts = {a: SmtpPart("unknown", [NOT_PROBED]) for a in ranked[: len(musts)]}
        if self.onedrive is not None and provider is not None and provider.name == M365:
            await self._onedrive(domain, ranked, len(musts), budget, parts)
        found: dict[tuple[bool, str], Verification] = {}
        for e in entries:
            part = parts.get(e.address)
            if part is not None:
                found[(e.must, e.given)] = await self._assemble(e, part, mail, checked_at)
        return found

    async def _smtp(
        self, domain: str, mail: DomainMail, ranked: list[str], must: int, budget: int,
        provider: Provider | None,
    ) -> dict[str, SmtpPart]:
        known = await self.smtp.blocked_parts(ranked[:must])
        if known is not None:  # no need to look up the mail servers' addresses
            return known
        hosts, missing = await self._mx_addresses(mail.mx)
        if not hosts:
            return {a: SmtpPart("unknown", [f"No SMTP probe was possible: {missing}"])
                    for a in ranked[:must]}
        return await self.smtp.probe_domain(
            domain, ranked, must=must, budget=budget, hosts=hosts, provider=provider
        )

    async def _onedrive(
        self, domain: str, ranked: list[str], must: int, budget: int, parts: dict[str, SmtpPart]
    ) -> None:
        """Microsoft 365: the OneDrive check where SMTP gave no definite answer, down the list."""
        assert self.onedrive is not None
        found = any(p.status == "deliverable" for p in parts.values())
        for index, address in enumerate(budgeted(ranked, budget, must)):
            if index >= must and found:
                break
            smtp = parts.get(address)
            if smtp is not None and smtp.status in ("deliverable", "undeliverable"):
                continue
            checked = await self.onedrive.check(address, domain)
            parts[address] = combine(smtp, checked)
            found = found or checked.status == "deliverable"

    async def _assemble(
        self, entry: _Entry, part: SmtpPart, mail: DomainMail, checked_at: dt.datetime
    ) -> Verification:
        flags = list(entry.flags)
        reasons = [*part.reasons, *mail.reasons, *flag_reasons(flags)]
        if self.settings.gravatar.enabled and self.http_client is not None:
            reason, found = await gravatar_check(self.http_client, self.gravatar_url, entry.address)
            reasons.append(reason)
            flags += ["gravatar"] if found else []
        return Verification(
            address=entry.address,
            status=part.status,
            reasons=tuple(reasons),
            checked_at=checked_at,
            mx=mail.mx,
            provider=mail.provider,
            smtp=part.steps,
            flags=tuple(dict.fromkeys([*flags, *part.flags])),
            retry_after=part.retry_after,
        )

    def _domain_verdict(
        self, entry: _Entry, mail: DomainMail, checked_at: dt.datetime
    ) -> Verification:
        flags = list(entry.flags)
        if mail.status == "unknown":
            status = "unknown"
        else:
            status = "undeliverable"
            flags.append("no_mail")
        return Verification(
            entry.address, status, (*mail.reasons, *flag_reasons(flags)), checked_at,  # type: ignore[arg-type]
            mx=mail.mx, provider=mail.provider, flags=tuple(flags),
        )

    async def _mx_addresses(self, mx: tuple[str, ...]) -> tuple[list[tuple[str, str]], str]:
        hosts: list[tuple[str, str]] = []
        problems: list[str] = []
        looked_up = await asyncio.gather(  # at once: each is a DNS round trip (issue 31)
            *(host_addresses(host, cache=self.dns_cache) for host in mx[:3]))
        for host, (addresses, failure) in zip(mx[:3], looked_up, strict=True):
            usable, refused = _public(addresses, world_mode=self.settings.world_mode)
            if usable:
                hosts.append((host, usable[0]))
            elif refused:
                problems.append(
                    f"the mail server {host} has only a {refused}, which the probe does not contact"
                )
            else:
                problems.append(failure or f"the mail server {host} has no address in the DNS")
        return hosts, "; ".join(problems) + "."


def _public(addresses: Iterable[str], *, world_mode: bool) -> tuple[list[str], str]:
    """The addresses a probe may contact, and why the others were left out.

    An MX pointing at 127.0.0.1 or a private network must not turn the probe
    against the user's own machine or network; worlds live on loopback, so world
    mode allows loopback, and only loopback (never 10.x or 169.254.169.254).
    """
    usable, refused = [], ""
    for address in addresses:
        problem = loopback_problem(address) if world_mode else address_problem(address)
        if problem is None:
            usable.append(address)
        else:
            refused = refused or problem
    return usable, refused


def _looks_like_domain(name: str) -> bool:
    # Only a prefetch hint: the real syntax check happens per address.
    return "." in name and name.isascii() and " " not in name and not name.startswith("[")

