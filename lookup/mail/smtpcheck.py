"""Probe one domain's candidates over SMTP: the guards, rounds of sessions, greylisting.

``SmtpChecker.probe_domain`` is the SMTP half of a ``Verifier``. First the
guards: a public IP found on a DNS blocklist today refuses probing with one
sentence (``blocklists``), and a blocked port 25 ends probing before any
timeout is waited out (``reach``). Then the run's identity (HELO name, sender:
``identity``) and the domain's pacing (``pacing``: RCPTs per session, the gap
between sessions, stricter for the providers marked so) shape rounds of
sessions. A round asks every address the walk wants once, one session per slot
of ``SmtpLimiter`` and of the gap; a greylisted answer is asked again in the
next round, after the next delay of ``smtp.greylist_retry_s`` that fits in
``smtp.max_inline_wait_s``. A catch-all found at a domain is remembered for the
checker's life, and no address there is asked again.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import random
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from lookup.mail.blocklists import BlocklistMemory, check_blocklists, refusal
from lookup.mail.identity import Identity, IdentityCheck
from lookup.mail.pacing import Pacing, SessionGaps, pacing_for
from lookup.mail.portcheck import PortCheck
from lookup.mail.probeplan import budgeted
from lookup.mail.rules import Provider
from lookup.mail.smtpconnect import SmtpRoute
from lookup.mail.smtpprobe import (
    RANDOM,
    DomainProbe,
    ProbeResult,
    goodbye,
    greet,
    probe_session,
    random_local_part,
)
from lookup.mail.smtpsession import Session
from lookup.mail.verdicts import AskedAs, SmtpPart, blocked, catch_all_known, judge, listed
from lookup.ratelimit import Clock, Quota
from lookup.settings import Settings

__all__ = ["SmtpChecker", "SmtpLimiter", "judge_probe", "shared_smtp_limiter"]

# A session greeted ahead is used only if it waited less than this: servers should wait 5
# minutes for a client's next command (RFC 5321 4.5.3.2.7), some hang up on an idle one sooner.
AHEAD_IDLE_S = 20.0


async def _opened(
    task: asyncio.Future[tuple[Session | None, float]],
) -> tuple[Session | None, float]:
    """The session a greeting ahead opened, once it is done; none if it was cancelled."""
    await asyncio.wait([task])
    if task.cancelled() or task.exception() is not None:
        return None, 0.0
    return task.result()



class _Monotonic(Protocol):
    def monotonic(self) -> float: ...


class SmtpLimiter:
    """At most ``per_minute`` SMTP sessions per domain in any 60-second window."""

    def __init__(self, per_minute: int, *, clock: _Monotonic | None = None) -> None:
        self.per_minute = max(1, per_minute)
        self._monotonic: Callable[[], float] = clock.monotonic if clock else time.monotonic
        self._booked: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    async def take(
        self, key: str, *, max_wait_s: float, sleep: Callable[[float], Awaitable[None]]
    ) -> float | None:
        """Book a slot (``reserve``) and sleep until it comes; None when it is too far away."""
        waited = self.reserve(key, max_wait_s=max_wait_s)
        if waited:
            await sleep(waited)
        return waited

    def reserve(self, key: str, *, max_wait_s: float) -> float | None:
        """Book the next slot if it is at most ``max_wait_s`` away; return the wait, or None."""
        with self._lock:
            return self._reserve(key, max_wait_s)

    def _reserve(self, key: str, max_wait_s: float) -> float | None:
        now = self._monotonic()
        booked = self._booked.setdefault(key.lower(), collections.deque())
        while booked and booked[0] <= now - 60.0:
            booked.popleft()
        slot = now if len(booked) < self.per_minute else booked[-self.per_minute] + 60.0
        if slot - now > max_wait_s:
            return None
        booked.append(slot)
        return slot - now

    def next_free_in(self, key: str) -> float:
        """Seconds until a slot frees up for ``key`` (0 when one is free now)."""
        now = self._monotonic()
        booked = [t for t in self._booked.get(key.lower(), ()) if t > now - 60.0]
        return 0.0 if len(booked) < self.per_minute else booked[-self.per_minute] + 60.0 - now


_SHARED: dict[int, SmtpLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_smtp_limiter(per_minute: int) -> SmtpLimiter:
    """The process-wide limiter: concurrent runs probing one domain share its budget."""
    with _SHARED_LOCK:
        return _SHARED.setdefault(per_minute, SmtpLimiter(per_minute))


def judge_probe(
    result: ProbeResult, catch_all: bool | None, provider: Provider | None, domain: str,
    steps: Sequence = (), *, asked_as: AskedAs | None = None,
) -> SmtpPart:
    """The verdict from one address's probe result (see ``verdicts.judge``)."""
    said = f"{result.reply.code} {result.reply.text}".strip() if result.reply else ""
    category = result.category if result.reply is not None else None
    return judge(category, said, result.host, result.failure, catch_all, provider, domain,
                 tuple(steps) or result.steps, asked_as)


def asked_as(identity: Identity, probe: DomainProbe, result: ProbeResult) -> AskedAs:
    """How the probe presented itself for ``result``: HELO name and the sender it answered."""
    sender = probe.sender if result.sender is None else result.sender
    switched = bool(sender) and sender != identity.sender
    return AskedAs(identity.helo, identity.helo_source, sender,
                   probe.null_refused if switched else "", bool(identity.fallback))


class SmtpChecker:
    """The SMTP probing of one verifier: port check, limiter, catch-all memory, route."""

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: Quota,
        clock: Clock,
        rng: random.Random,
        port_check: PortCheck,
        route: SmtpRoute,
        identity: IdentityCheck,
        blocklist_memory: BlocklistMemory,
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.clock = clock
        self.rng = rng
        self.port_check = port_check
        self.route = route
        self.identity = identity
        self.memory = blocklist_memory
        self.gaps = SessionGaps(clock)
        self._catch_all: dict[str, tuple[bool, str | None]] = {}  # domain -> (found, host)
        self._refusal: tuple[str | None] | None = None  # the run's blocklist answer, once known
        self._refusal_lock: asyncio.Lock | None = None
        self._refusal_loop: asyncio.AbstractEventLoop | None = None
        # domain -> the greeting ahead of its first session (whose turn at the gap and
        # quota it took): the session (None: the greeting failed) and when it was greeted
        self._ahead: dict[str, asyncio.Future[tuple[Session | None, float]]] = {}
        self._probed: set[str] = set()  # domains whose probe has started

    async def refusal(self) -> str | None:
        """The sentence refusing to probe from a listed public IP, or None (asked once a run).

        Reads today's answer (``lookup doctor --blocklists``); with ``smtp.check_blocklists``
        it asks the lists itself when today's answer is missing or was for another IP.
        """
        loop = asyncio.get_running_loop()
        if self._refusal_lock is None or self._refusal_loop is not loop:
            self._refusal_lock, self._refusal_loop = asyncio.Lock(), loop
        async with self._refusal_lock:
            if self._refusal is None:
                self._refusal = (await self._find_refusal(),)
            return self._refusal[0]

    async def _find_refusal(self) -> str | None:
        smtp = self.settings.smtp
        if smtp.ignore_blocklists:
            return None
        now = self.clock.time()
        remembered = self.memory.today(now)
        if remembered is None and not smtp.check_blocklists:
            return None
        ip = (await self.identity.ensure(want_ip=True)).public.ip
        if smtp.check_blocklists and ip and (remembered is None or remembered.ip != ip):
            found = await check_blocklists(ip, smtp.blocklists, cache=self.identity.cache)
            remembered = self.memory.remember(ip, found, now)
        if remembered is None:
            return None
        return refusal(remembered, current_ip=ip, route_label=self.route.label)

    async def prepare(
        self, hosts: Sequence[tuple[str, str]], domain: str | None = None,
        provider: Provider | None = None,
    ) -> None:
        """What ``probe_domain`` on ``hosts`` asks first, asked ahead (each remembered for
        the run): today's blocklist answer, the port check, the run's identity; with
        ``domain``, its first session too: connected to the first host and greeted (banner,
        EHLO, STARTTLS), its turn at the domain's pacing and quota taken now, if free now."""
        if await self.refusal() is not None:
            return
        if (await self.port_check.ensure(hosts)).blocked:
            return
        identity = await self.identity.ensure()
        key = (domain or "").lower()
        if not key or not hosts or key in self._ahead or key in self._probed:
            return
        if not await self._turn(key, pacing_for(provider, self.settings.smtp), 0.0):
            return  # the domain's next session is not due yet: the probe waits its turn
        if key in self._probed:
            return  # the probe started meanwhile, on a turn of its own (this one is spent)
        world = self.settings.world_mode

        async def greeted() -> tuple[Session | None, float]:
            opened = await greet(hosts[0], self.settings.smtp, verify_tls=not world,
                                 route=self.route, world_mode=world, helo=identity.helo)
            return opened, self.clock.monotonic()

        # the turn is this session's; a probe that starts while it greets waits for it
        self._ahead[key] = task = asyncio.ensure_future(greeted())
        await asyncio.wait([task])

    async def close_ahead(self) -> None:
        """QUIT the sessions greeted ahead that no probe took (a run that asked nothing)."""
        ahead, self._ahead = self._ahead, {}
        for task in ahead.values():
            session, _ = await _opened(task)
            if session is not None:
                await goodbye(session)

    async def _turn(self, domain: str, pacing: Pacing, max_wait_s: float) -> bool | None:
        """Wait for the domain's next session (its gap, its quota); False: not within
        ``max_wait_s`` because of the gap, None: because of the quota."""
        gap = self.gaps.reserve(domain, pacing.gap_s, max_wait_s=max_wait_s)
        if gap is None:
            return False
        if gap:
            await self.clock.sleep(gap)
        waited = await self.limiter.take(domain, max_wait_s=max_wait_s, sleep=self.clock.sleep)
        return None if waited is None else True

    async def _take_ahead(self, domain: str) -> tuple[bool, Session | None]:
        """Whether a turn was taken ahead for the domain's next session, and the session
        greeted then (waiting for a greeting under way); one idle longer than
        ``AHEAD_IDLE_S`` gets a QUIT instead (a server may have hung up on it)."""
        task = self._ahead.pop(domain.lower(), None)
        if task is None:
            return False, None
        session, since = await _opened(task)
        if session is not None and self.clock.monotonic() - since > AHEAD_IDLE_S:
            await goodbye(session)
            return True, None
        return True, session

    async def probe_domain(
        self,
        domain: str,
        ranked: Sequence[str],
        *,
        must: int,
        budget: int,
        hosts: Sequence[tuple[str, str]],
        provider: Provider | None,
    ) -> dict[str, SmtpPart]:
        """The SMTP part of each address asked (and of every ``must`` one, asked or not)."""
        self._probed.add(domain.lower())
        refused = await self.refusal()
        if refused is not None:
            return {a: listed(refused) for a in ranked[:must]}
        answer = await self.port_check.ensure(hosts)
        if answer.blocked:
            return await self.blocked_parts(ranked[:must]) or {}
        known = self._catch_all.get(domain)
        if known is not None and known[0]:
            return {a: catch_all_known(domain, known[1]) for a in ranked[:must]}
        identity = await self.identity.ensure()
        random_address = None if known is not None else f"{random_local_part(self.rng)}@{domain}"
        probe = DomainProbe(list(ranked), must, max(budget, must), random_address,
                            catch_all=None if known is None else known[0],
                            sender=identity.sender, fallback=identity.fallback)
        pacing = pacing_for(provider, self.settings.smtp)
        stop = await self._rounds(probe, domain, hosts, identity, pacing)
        if probe.catch_all is not None and known is None:
            self._catch_all[domain] = (probe.catch_all, probe.catch_all_host)
        return self._parts(probe, domain, provider, stop, identity)

    async def blocked_parts(self, addresses: Sequence[str]) -> dict[str, SmtpPart] | None:
        """When port 25 is known to be blocked from here, each address's part saying so."""
        answer = await self.port_check.wait_settled()
        if answer is None or not answer.blocked:
            return None
        detail = answer.detail
        if answer.from_cache:
            at = dt.datetime.fromtimestamp(answer.checked_at).strftime("%H:%M")
            detail = (f"found at {at} today and remembered for the day; `lookup doctor` "
                      f"checks again: {detail}")
        part = blocked(detail)
        return {a: part for a in addresses}

    async def _rounds(
        self, probe: DomainProbe, domain: str, hosts, identity: Identity, pacing: Pacing
    ) -> _Stop:
        smtp = self.settings.smtp
        schedule = list(smtp.greylist_retry_s)
        max_wait_s = smtp.max_inline_wait_s
        while True:
            stop = await self._round(probe, domain, hosts, identity, pacing)
            if stop.kind != "done" or not probe.greylisted():
                return stop
            delay = schedule.pop(0) if schedule else None
            if delay is None or delay > max_wait_s:
                return _Stop("greylisted", delay=delay)
            await self.clock.sleep(delay)

    async def _round(
        self, probe: DomainProbe, domain: str, hosts, identity: Identity, pacing: Pacing
    ) -> _Stop:
        """Sessions until every address the walk wants now was asked once (or a session failed)."""
        asked: set[str] = set()
        world = self.settings.world_mode
        max_wait_s = self.settings.smtp.max_inline_wait_s
        while probe.next(asked) is not None or (probe.random_pending and RANDOM not in asked):
            taken, opened = await self._take_ahead(domain)
            turn = True if taken else await self._turn(domain, pacing, max_wait_s)
            if turn is False:
                return _Stop("paced", delay=self.gaps.next_free_in(domain))
            if turn is None:
                return _Stop("rate_limited", delay=self.limiter.next_free_in(domain))
            failure = await probe_session(
                probe, hosts, self.settings.smtp, asked=asked, verify_tls=not world,
                route=self.route, world_mode=world, limit=pacing.rcpts_per_session,
                helo=identity.helo, opened=opened,
            )
            if failure:
                return _Stop("failed", failure=failure)
        return _Stop("done")

    def _parts(
        self, probe: DomainProbe, domain: str, provider: Provider | None, stop: _Stop,
        identity: Identity,
    ) -> dict[str, SmtpPart]:
        parts: dict[str, SmtpPart] = {}
        about_us = probe.refusal()
        for index, address in enumerate(budgeted(probe.ranked, probe.budget, probe.must)):
            result = probe.results.get(address)
            if (result is None or result.category is None) and about_us is not None:
                if result is not None or index < probe.must:  # refused us: holds for each
                    parts[address] = self._judge(probe, about_us, provider, domain, identity)
            elif result is not None and result.category == "greylisted":
                parts[address] = self._greylisted(result, stop.delay)
            elif result is not None:
                fixed = dataclasses.replace(result,
                                            failure=result.failure or probe.catch_all_failure)
                parts[address] = self._judge(probe, fixed, provider, domain, identity)
            elif index < probe.must:
                parts[address] = self._not_asked(probe, domain, stop)
        return parts

    @staticmethod
    def _judge(
        probe: DomainProbe, result: ProbeResult, provider: Provider | None, domain: str,
        identity: Identity,
    ) -> SmtpPart:
        return judge_probe(result, probe.catch_all, provider, domain,
                           asked_as=asked_as(identity, probe, result))

    def _not_asked(self, probe: DomainProbe, domain: str, stop: _Stop) -> SmtpPart:
        if probe.catch_all:
            return catch_all_known(domain, probe.catch_all_host)
        if stop.kind == "rate_limited":
            per_minute = self.settings.smtp.probes_per_domain_per_minute
            return SmtpPart("unknown", [
                f"Not probed now: the limit of {per_minute} SMTP probes a minute for {domain} "
                f"is reached; try again in {stop.delay or 0:.0f} s."
            ], tuple(probe.attempts) or None, retry_after=self._later(stop.delay or 0))
        if stop.kind == "paced":
            return SmtpPart("unknown", [
                f"Not probed now: the next SMTP session to {domain} is due in "
                f"{stop.delay or 0:.0f} s (the pacing of smtp.session_gap_s), longer than "
                "smtp.max_inline_wait_s; re-verify later."
            ], tuple(probe.attempts) or None, retry_after=self._later(stop.delay or 0))
        why = stop.failure or "the session ended before this address was asked"
        return SmtpPart("unknown", [f"The SMTP probe was inconclusive: {why}."],
                        tuple(probe.attempts) or None)

    def _greylisted(self, result: ProbeResult, delay: float | None) -> SmtpPart:
        reply = result.reply
        said = f"{reply.code} {reply.text}" if reply else "a greylisting reply"
        if delay is None:
            why = "the retries allowed by smtp.greylist_retry_s are used up"
            delay = (self.settings.smtp.greylist_retry_s or (300.0,))[-1]
        else:
            why = f"the next retry is due in {delay:g} s, longer than smtp.max_inline_wait_s"
        return SmtpPart("unknown", [
            f"{result.host} greylisted the request ({said}); {why}, so the answer is not known "
            "yet. Re-verify after the retry time."
        ], result.steps, retry_after=self._later(delay))

    def _later(self, seconds: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.time() + seconds, tz=dt.UTC)


class _Stop:
    """Why the rounds ended: done, greylisted (next delay), rate_limited or paced (wait), failed."""

    __slots__ = ("delay", "failure", "kind")

    def __init__(self, kind: str, *, delay: float | None = None, failure: str = "") -> None:
        self.kind, self.delay, self.failure = kind, delay, failure
