"""Verify an address: syntax, DNS MX and provider, optional SMTP RCPT probe and Gravatar.

``Verifier`` holds the run's shared pieces (DNS cache, SMTP limiter, HTTP
client, clock, randomness), all passed in or built once from settings::

    verifier = Verifier(settings)
    verdict = await verifier.verify("jane.doe@acmerobotics.test", smtp=True)

The verdict is honest about what each check can tell: "deliverable" only
when a server that refuses random addresses accepted this one; "risky" for
catch-all and accept-anything servers; "undeliverable" only on a definite
answer (bad syntax, a domain without mail, 5.1.1 no such user); everything
else (timeouts, blocked port 25, policy blocks, unresolved greylisting, no
probe at all) is "unknown", with the reason in words and the raw evidence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dns.asyncresolver
import httpx

from lookup.mail.dnscheck import (
    DnsCache,
    DomainMail,
    check_mail_domain,
    host_addresses,
    make_resolver,
)
from lookup.mail.rules import CATEGORY_MEANING, Provider, address_flags, provider_named
from lookup.mail.smtpprobe import ProbeResult, SmtpLimiter, probe_address, random_local_part
from lookup.mail.syntax import check_syntax
from lookup.models import SmtpStep, Status, Verification
from lookup.ratelimit import Clock, Quota, SystemClock
from lookup.settings import Settings
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

GRAVATAR_URL = "https://www.gravatar.com"
NOT_PROBED = (
    "The mailbox itself was not checked: SMTP probing is off (turn it on with --smtp or "
    "smtp.enabled), so whether this exact address exists is unknown."
)


@dataclass(slots=True)
class _Smtp:
    """The SMTP part of a verdict while it is being assembled."""

    status: Status
    reasons: list[str]
    steps: tuple[SmtpStep, ...] | None = None
    flags: list[str] = field(default_factory=list)
    retry_after: dt.datetime | None = None


class Verifier:
    """Checks addresses with shared DNS cache, SMTP limiter, HTTP client, clock and randomness."""

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
        self._catch_all: dict[str, bool] = {}  # per domain, learned during this verifier's life

    # -- public API ------------------------------------------------------

    async def check_domain(self, domain: str) -> DomainMail:
        """Whether ``domain`` takes mail (MX, null MX, A fallback), through whom, and why."""
        return await check_mail_domain(domain, cache=self.dns_cache)

    async def verify(self, address: str, *, smtp: bool | None = None) -> Verification:
        """The verdict on one address; ``smtp`` None follows settings.smtp.enabled."""
        checked_at = self._now()
        parsed = self._syntax(address)
        if isinstance(parsed, str):
            return Verification(address, "undeliverable", (parsed,), checked_at, flags=("invalid",))
        address, local, domain = parsed
        flags = list(address_flags(local, domain))
        mail = await self.check_domain(domain)
        if mail.status != "accepts":
            return self._domain_verdict(address, mail, flags, checked_at)
        provider = provider_named(mail.provider)
        probe = self.settings.smtp.enabled if smtp is None else smtp
        if probe:
            part = await self._smtp(address, domain, mail, provider)
        else:
            part = _Smtp("unknown", [NOT_PROBED])
        reasons = [*part.reasons, *mail.reasons, *_flag_reasons(flags)]
        if self.settings.gravatar.enabled and self.http_client is not None:
            reasons.append(await self._gravatar(address, flags))
        return Verification(
            address=address,
            status=part.status,
            reasons=tuple(reasons),
            checked_at=checked_at,
            mx=mail.mx,
            provider=mail.provider,
            smtp=part.steps,
            flags=tuple(dict.fromkeys([*flags, *part.flags])),
            retry_after=part.retry_after,
        )

    async def verify_many(
        self, addresses: Iterable[str], *, smtp: bool | None = None, concurrency: int = 50
    ) -> list[Verification]:
        """Verify many addresses concurrently (sharing the DNS cache); results in input order.

        Each distinct domain is looked up first, ``concurrency`` at a time, so the
        DNS work is one query per domain however the addresses are ordered; the
        addresses are then checked, again at most ``concurrency`` at a time.
        """
        addresses = list(addresses)
        gate = asyncio.Semaphore(max(1, concurrency))

        async def domain(name: str) -> None:
            async with gate:
                await self.check_domain(name)

        async def one(address: str) -> Verification:
            async with gate:
                return await self.verify(address, smtp=smtp)

        names = {a.strip().rpartition("@")[2].lower() for a in addresses if "@" in a}
        await asyncio.gather(*(domain(n) for n in names if _looks_like_domain(n)))
        probing = self.settings.smtp.enabled if smtp is None else smtp
        if not probing and not self.settings.gravatar.enabled:
            # Nothing left to wait for: every answer is cached, so tasks would only add overhead.
            return [await self.verify(a, smtp=False) for a in addresses]
        return list(await asyncio.gather(*(one(a) for a in addresses)))

    # -- steps -----------------------------------------------------------

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.time(), tz=dt.UTC)

    def _syntax(self, address: str) -> tuple[str, str, str] | str:
        """(normalized address, local part, ASCII domain), or the reason it is not an address."""
        parsed = check_syntax(address, test_environment=self.settings.world_mode)
        return parsed if isinstance(parsed, str) else (parsed.address, parsed.local, parsed.domain)

    def _domain_verdict(
        self, address: str, mail: DomainMail, flags: list[str], checked_at: dt.datetime
    ) -> Verification:
        if mail.status == "unknown":
            status: Status = "unknown"
        else:
            status = "undeliverable"
            flags = [*flags, "no_mail"]
        return Verification(
            address, status, (*mail.reasons, *_flag_reasons(flags)), checked_at,
            mx=mail.mx, provider=mail.provider, flags=tuple(flags),
        )

    async def _gravatar(self, address: str, flags: list[str]) -> str:
        digest = hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
        url = f"{self.gravatar_url}/avatar/{digest}?d=404"
        assert self.http_client is not None
        try:
            response = await self.http_client.get(url)
        except httpx.HTTPError as exc:
            return f"The Gravatar check failed ({exc.__class__.__name__}), so it tells nothing."
        if response.status_code == 200:
            flags.append("gravatar")
            return "A Gravatar profile exists for this address, so someone has used it."
        if response.status_code == 404:
            return "No Gravatar profile for this address (most people have none; it proves little)."
        return f"The Gravatar check answered HTTP {response.status_code}, so it tells nothing."

    async def _smtp(
        self, address: str, domain: str, mail: DomainMail, provider: Provider | None
    ) -> _Smtp:
        hosts, missing = await self._mx_addresses(mail.mx)
        if not hosts:
            return _Smtp("unknown", [f"No SMTP probe was possible: {missing}"])
        known = self._catch_all.get(domain)
        random_address = None if known is not None else f"{random_local_part(self.rng)}@{domain}"
        steps: list[SmtpStep] = []
        schedule = list(self.settings.smtp.greylist_retry_s)
        max_wait_s = self.settings.smtp.max_inline_wait_s
        while True:
            waited = await self.smtp_limiter.take(
                domain, max_wait_s=max_wait_s, sleep=self.clock.sleep
            )
            if waited is None:
                return self._rate_limited(domain, steps)
            result = await probe_address(
                address, random_address, hosts=hosts, settings=self.settings.smtp,
                verify_tls=not self.settings.world_mode,
            )
            steps.extend(result.steps)
            if result.category != "greylisted":
                break
            delay = schedule.pop(0) if schedule else None
            if delay is None or delay > max_wait_s:
                return self._greylisted(result, steps, delay)
            await self.clock.sleep(delay)
        if result.catch_all is not None:
            self._catch_all[domain] = result.catch_all
        catch_all = result.catch_all if known is None else known
        return _judge(result, catch_all, provider, domain, tuple(steps))

    async def _mx_addresses(self, mx: tuple[str, ...]) -> tuple[list[tuple[str, str]], str]:
        hosts: list[tuple[str, str]] = []
        problems: list[str] = []
        for host in mx[:3]:
            addresses, failure = await host_addresses(host, cache=self.dns_cache)
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

    def _rate_limited(self, domain: str, steps: list[SmtpStep]) -> _Smtp:
        wait = self.smtp_limiter.next_free_in(domain)
        per_minute = self.settings.smtp.probes_per_domain_per_minute
        return _Smtp("unknown", [
            f"Not probed now: the limit of {per_minute} SMTP probes a minute for {domain} "
            f"is reached; try again in {wait:.0f} s."
        ], tuple(steps) or None, retry_after=self._later(wait))

    def _greylisted(self, result: ProbeResult, steps: list[SmtpStep], delay: float | None) -> _Smtp:
        reply = result.reply
        said = f"{reply.code} {reply.text}" if reply else "a greylisting reply"
        if delay is None:
            why = "the retries allowed by smtp.greylist_retry_s are used up"
            delay = (self.settings.smtp.greylist_retry_s or (300.0,))[-1]
        else:
            why = f"the next retry is due in {delay:g} s, longer than smtp.max_inline_wait_s"
        return _Smtp("unknown", [
            f"{result.host} greylisted the request ({said}); {why}, so the answer is not known "
            "yet. Re-verify after the retry time."
        ], tuple(steps), retry_after=self._later(delay))

    def _later(self, seconds: float) -> dt.datetime:
        return self._now() + dt.timedelta(seconds=seconds)


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


def _judge(
    result: ProbeResult,
    catch_all: bool | None,
    provider: Provider | None,
    domain: str,
    steps: tuple[SmtpStep, ...],
) -> _Smtp:
    """The verdict from a finished probe (pure)."""
    if result.category is None or result.reply is None:
        why = f"The SMTP probe was inconclusive: {result.failure}."
        return _Smtp("unknown", [why], steps or None)
    host = result.host
    said = f"{result.reply.code} {result.reply.text}".strip()
    category = result.category
    if category == "accepted":
        return _judge_accepted(result, catch_all, provider, domain, steps, said)
    meaning = CATEGORY_MEANING[category]
    if category in ("no_such_user", "disabled"):
        return _Smtp("undeliverable", [f"{host} {meaning}: {said}"], steps)
    if category == "mailbox_full":
        return _Smtp("risky", [f"{host} {meaning}: {said}; mail may bounce until it is emptied."],
                     steps, ["mailbox_full"])
    flags = ["smtp_rejected"] if category == "rejected" else []
    return _Smtp("unknown", [f"{host} {meaning}: {said}"], steps, flags)


def _judge_accepted(
    result: ProbeResult,
    catch_all: bool | None,
    provider: Provider | None,
    domain: str,
    steps: tuple[SmtpStep, ...],
    said: str,
) -> _Smtp:
    host = result.host
    if catch_all:
        return _Smtp("risky", [
            f"{host} accepts any address at {domain} (a random address was accepted too), "
            f"so its {said} says nothing about this one."
        ], steps, ["catch_all"])
    if catch_all is False:  # the server's own answer outranks what the table expects of it
        return _Smtp("deliverable", [
            f"{host} accepted the recipient ({said}) and refused a random address at {domain}, "
            "so this mailbox exists."
        ], steps)
    if provider is not None and provider.rcpt == "accepts_any":
        return _Smtp("risky", [
            f"{host} accepted the recipient ({said}), but {provider.name} accepts every recipient "
            f"at this stage. {provider.note}"
        ], steps, ["accepts_any"])
    why = result.failure or "the random address got an answer that tells neither way"
    return _Smtp("risky", [
        f"{host} accepted the recipient ({said}), but whether it accepts every address could not "
        f"be tested ({why})."
    ], steps, ["catch_all_unknown"])


_FLAG_TEXT = {
    "role": "The local part names a function (like info@ or press@), not a person.",
    "disposable": "The domain is a disposable (throw-away) mail service.",
    "free": "The domain is a free consumer mail service, not a company's own.",
}


def _looks_like_domain(name: str) -> bool:
    # Only a prefetch hint: the real syntax check happens per address.
    return "." in name and name.isascii() and " " not in name and not name.startswith("[")


def _flag_reasons(flags: Iterable[str]) -> list[str]:
    return [_FLAG_TEXT[f] for f in flags if f in _FLAG_TEXT]


def verification_to_json(v: Verification) -> dict[str, Any]:
    """A JSON-ready dict of a verdict, with the raw SMTP steps."""
    return {
        "address": v.address,
        "status": v.status,
        "reasons": list(v.reasons),
        "checked_at": v.checked_at.isoformat(),
        "mx": list(v.mx),
        "provider": v.provider,
        "smtp": None if v.smtp is None else [
            {"command": s.command, "code": s.code, "enhanced": s.enhanced, "text": s.text}
            for s in v.smtp
        ],
        "flags": list(v.flags),
        "retry_after": v.retry_after.isoformat() if v.retry_after else None,
    }
