"""Ask a domain's mail servers whether they would take a recipient, without sending mail.

A small asyncio-native SMTP client (RFC 5321): connect, EHLO (HELO as a
fallback), STARTTLS when offered, MAIL FROM, RCPT TO the candidate, RCPT TO a
random address at the same domain (is it a catch-all?), then RSET and QUIT.
DATA is never sent. Every step has a timeout; every reply is kept as an
``SmtpStep`` so a verdict can show its raw evidence. Thousands of probes can
run concurrently without threads.

``SmtpLimiter`` keeps probes per domain under a per-minute budget (a ``Quota``);
``shared_smtp_limiter`` is the one every run in the process shares.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import random
import ssl
import string
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from lookup.mail.rules import Reply, ReplyCategory, classify_reply, parse_reply
from lookup.models import SmtpStep
from lookup.settings import SmtpSettings

__all__ = [
    "ProbeResult",
    "SmtpLimiter",
    "probe_address",
    "random_local_part",
    "shared_smtp_limiter",
]

MAX_HOSTS = 3  # MX hosts tried in preference order before giving up
MAX_REPLY_LINES = 64
REFUSALS = frozenset({"no_such_user", "disabled", "rejected"})


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe learned: the candidate's reply class, catch-all evidence, raw steps."""

    steps: tuple[SmtpStep, ...]
    host: str | None = None  # the MX host that answered RCPT
    category: ReplyCategory | None = None  # the candidate's RCPT reply; None when never asked
    reply: Reply | None = None
    catch_all: bool | None = None  # True: a random address was accepted too; None: not known
    catch_all_reply: Reply | None = None
    failure: str = ""  # why no RCPT answer was obtained (or why the catch-all test failed)


class _Monotonic(Protocol):
    def monotonic(self) -> float: ...


class _Dropped(Exception):
    """The dialogue ended early; the message says where and why."""


class _TlsFailed(_Dropped):
    """The STARTTLS handshake failed; the host may still be asked without TLS."""


class SmtpLimiter:
    """At most ``per_minute`` probes per domain in any 60-second window."""

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


def random_local_part(rng: random.Random) -> str:
    """A local part nobody has: used to detect servers that accept every recipient."""
    alphabet = string.ascii_lowercase + string.digits
    return "nx-" + "".join(rng.choice(alphabet) for _ in range(14))


async def probe_address(
    address: str,
    random_address: str | None,
    *,
    hosts: Sequence[tuple[str, str]],
    settings: SmtpSettings,
    verify_tls: bool = True,
) -> ProbeResult:
    """Probe ``address`` on (host, IP) pairs in order; ``random_address`` None skips catch-all."""
    steps: list[SmtpStep] = []
    failure = "no mail server address was found"
    for name, ip in list(hosts)[:MAX_HOSTS]:
        try:
            try:
                return await _dialogue(
                    address, random_address, name, ip, settings, steps, verify_tls
                )
            except _TlsFailed:
                # Opportunistic TLS (RFC 7435): a server whose certificate does not verify
                # is asked again in the clear rather than not at all; the failed
                # handshake stays in the steps.
                plain = dataclasses.replace(settings, starttls=False)
                return await _dialogue(address, random_address, name, ip, plain, steps, verify_tls)
        except _Dropped as exc:
            failure = str(exc)
    return ProbeResult(tuple(steps), failure=failure)


class _Session:
    """One SMTP connection: send a command, read its (multi-line) reply, record the step."""

    def __init__(self, reader, writer, timeout_s: float, steps: list[SmtpStep], host: str) -> None:
        self.reader, self.writer = reader, writer
        self.timeout_s = timeout_s
        self.steps = steps
        self.host = host

    async def read(self, label: str) -> tuple[Reply, list[str]]:
        try:
            return await self._read(label)
        except _Dropped as exc:
            self.steps.append(SmtpStep(label, None, None, f"no reply: {exc}"))
            raise

    async def _read(self, label: str) -> tuple[Reply, list[str]]:
        lines: list[str] = []
        try:
            while len(lines) < MAX_REPLY_LINES:
                raw = await asyncio.wait_for(self.reader.readline(), self.timeout_s)
                if not raw:
                    raise _Dropped(
                        f"{self.host} closed the connection while we waited for the reply "
                        f"to {label}"
                    )
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                lines.append(line)
                if line[3:4] != "-":
                    break
        except TimeoutError as exc:
            raise _Dropped(
                f"{self.host} did not answer {label} within {self.timeout_s:g} s"
            ) from exc
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
            raise _Dropped(f"{self.host} dropped the connection during {label} ({exc})") from exc
        except ValueError as exc:  # a line longer than the stream limit (64 KiB)
            raise _Dropped(f"{self.host} sent an over-long reply to {label}") from exc
        reply = parse_reply(lines)
        self.steps.append(SmtpStep(label, reply.code, reply.enhanced, reply.text))
        return reply, lines

    async def command(self, line: str) -> tuple[Reply, list[str]]:
        try:
            self.writer.write(line.encode("utf-8") + b"\r\n")
            await asyncio.wait_for(self.writer.drain(), self.timeout_s)
        except TimeoutError as exc:
            raise _Dropped(
                f"{self.host} did not accept {line} within {self.timeout_s:g} s"
            ) from exc
        except (ConnectionError, OSError) as exc:
            raise _Dropped(f"{self.host} dropped the connection before {line} ({exc})") from exc
        return await self.read(line)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


async def _dialogue(
    address: str,
    random_address: str | None,
    name: str,
    ip: str,
    settings: SmtpSettings,
    steps: list[SmtpStep],
    verify_tls: bool,
) -> ProbeResult:
    label = f"CONNECT {name}:{settings.port}"
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(ip, settings.port), settings.timeout_s
        )
    except TimeoutError as exc:
        steps.append(SmtpStep(label, None, None, "connection timed out"))
        raise _Dropped(
            f"connecting to {name} port {settings.port} timed out after {settings.timeout_s:g} s "
            "(port 25 is often blocked by home and cloud networks)"
        ) from exc
    except OSError as exc:
        steps.append(SmtpStep(label, None, None, f"connection failed: {exc.strerror or exc}"))
        raise _Dropped(
            f"connecting to {name} port {settings.port} failed ({exc.strerror or exc})"
        ) from exc
    session = _Session(reader, writer, settings.timeout_s, steps, name)
    try:
        return await _converse(session, address, random_address, name, label, settings, verify_tls)
    finally:
        await session.close()


async def _converse(
    session: _Session,
    address: str,
    random_address: str | None,
    name: str,
    label: str,
    settings: SmtpSettings,
    verify_tls: bool,
) -> ProbeResult:
    banner, _ = await session.read(label)
    if banner.code is None or banner.code // 100 != 2:
        raise _Dropped(f"{name} refused the connection: {_said(banner)}")
    await _hello(session, name, settings, verify_tls)
    sender, _ = await session.command(f"MAIL FROM:<{settings.mail_from}>")
    if sender.code is None or sender.code // 100 != 2:
        await _goodbye(session)
        raise _Dropped(f"{name} refused our sender address: {_said(sender)}")
    reply, _ = await session.command(f"RCPT TO:<{address}>")
    category = classify_reply(reply)
    result = ProbeResult((), name, category, reply)
    if random_address and category in ("accepted", "greylisted"):
        result = await _catch_all(session, random_address, result)
    await _goodbye(session)
    return dataclasses.replace(result, steps=tuple(session.steps))


async def _hello(session: _Session, name: str, settings: SmtpSettings, verify_tls: bool) -> None:
    reply, lines = await session.command(f"EHLO {settings.helo_name}")
    if reply.code is None or reply.code // 100 != 2:
        reply, lines = await session.command(f"HELO {settings.helo_name}")
        if reply.code is None or reply.code // 100 != 2:
            raise _Dropped(f"{name} refused our greeting: {_said(reply)}")
        return
    offered = any(line[4:].strip().upper().startswith("STARTTLS") for line in lines)
    if not (offered and settings.starttls):
        return
    reply, _ = await session.command("STARTTLS")
    if reply.code != 220:
        return  # carry on in the clear: the server declined after offering
    context = ssl.create_default_context()
    if not verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        await asyncio.wait_for(
            session.writer.start_tls(context, server_hostname=name), settings.timeout_s
        )
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        session.steps.append(SmtpStep("TLS handshake", None, None, f"failed: {exc}"))
        raise _TlsFailed(f"the TLS handshake with {name} failed ({exc})") from exc
    await session.command(f"EHLO {settings.helo_name}")


async def _catch_all(session: _Session, random_address: str, result: ProbeResult) -> ProbeResult:
    try:
        reply, _ = await session.command(f"RCPT TO:<{random_address}>")
    except _Dropped as exc:
        return dataclasses.replace(result, failure=f"the catch-all test could not finish: {exc}")
    kind = classify_reply(reply)
    catch_all = True if kind == "accepted" else (False if kind in REFUSALS else None)
    return dataclasses.replace(result, catch_all=catch_all, catch_all_reply=reply)


async def _goodbye(session: _Session) -> None:
    for line in ("RSET", "QUIT"):
        try:
            await session.command(line)
        except _Dropped:
            return


def _said(reply: Reply) -> str:
    if reply.code is None:
        return f"an unreadable reply {reply.text!r}"
    return f"{reply.code} {reply.text}"
