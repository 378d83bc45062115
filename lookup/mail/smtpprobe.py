"""Ask a domain's mail servers whether they would take recipients, without sending mail.

A small asyncio-native SMTP client (RFC 5321). One session asks about several
addresses: connect (directly or through a SOCKS5 proxy), EHLO (HELO as a
fallback) with the run's HELO name, STARTTLS when offered, then for each address
MAIL FROM (the null sender ``<>`` by default, as a mail server's own recipient
callout does), RCPT TO and RSET; after the first address a server accepts, a
random address at the same domain is asked in the same transaction (is it a
catch-all?); QUIT at the end. DATA is never sent. Which address comes next is
``probeplan.next_address``'s decision, so a session walks down a ranked list
and stops as soon as walking further tells nothing.

Answers about us rather than the address (the banner, EHLO or MAIL FROM
refused, or an RCPT answered "Sender address rejected" or "Helo command
rejected") end the walk: they hold for every address. A refused null sender is
retried once with ``smtp.mail_from`` when one is set. "Too many recipients"
ends the session, and the next one asks fewer. Every step has a timeout; every
reply is kept as an ``SmtpStep`` so a verdict can show its raw evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import ssl
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from lookup.mail.probeplan import next_address
from lookup.mail.rules import ABOUT_US, Reply, ReplyCategory, classify_reply, parse_reply
from lookup.mail.smtpconnect import DIRECT, ConnectFailed, SmtpRoute, open_stream
from lookup.models import SmtpStep
from lookup.settings import SmtpSettings

__all__ = [
    "DomainProbe",
    "ProbeResult",
    "probe_address",
    "probe_session",
    "random_local_part",
]

MAX_HOSTS = 3  # MX hosts tried in preference order before giving up
MAX_REPLY_LINES = 64
REFUSALS = frozenset({"no_such_user", "disabled", "rejected"})
# Postfix counts every refused RCPT as an error and slows a client down after 10
# (smtpd_soft_error_limit); a session's RCPT commands (the random one included) stay under.
RCPTS_PER_SESSION = 9
RANDOM = "(random)"  # the catch-all test's address, in a session's set of addresses asked


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What probing learned about one address: its reply class, catch-all evidence, raw steps."""

    steps: tuple[SmtpStep, ...]
    host: str | None = None  # the MX host that answered RCPT
    category: ReplyCategory | None = None  # the address's RCPT reply; None when never answered
    reply: Reply | None = None
    catch_all: bool | None = None  # True: a random address was accepted too; None: not known
    catch_all_reply: Reply | None = None
    failure: str = ""  # why no RCPT answer was obtained (or why the catch-all test failed)
    sender: str | None = None  # the MAIL FROM this answer was given to ("" = <>); None: none


@dataclass(slots=True)
class DomainProbe:
    """Probing one domain across sessions (greylisting retries): what to ask, what was said."""

    ranked: list[str]
    must: int
    budget: int
    random_address: str | None  # None: the catch-all answer is known, or not wanted
    catch_all: bool | None = None
    catch_all_host: str | None = None
    catch_all_failure: str = ""
    results: dict[str, ProbeResult] = field(default_factory=dict)
    attempts: list[SmtpStep] = field(default_factory=list)  # failed connections, kept for all
    random_pending: bool = False  # the random address is still to be asked (greylisted, or
    #                               no RCPT was left in its session)
    sender: str = ""  # the MAIL FROM of the next transaction; "" is the null sender <>
    fallback: str = ""  # the one retry after a refused null sender ("" = none, or used)
    null_refused: str = ""  # the reply that refused the null sender, once the retry was made
    about_us: ProbeResult | None = None  # the banner, EHLO or MAIL FROM refused us
    session_limit: int | None = None  # a server said "too many recipients" after this many

    def answers(self) -> dict[str, str | None]:
        return {a: r.category for a, r in self.results.items()}

    def refusal(self) -> ProbeResult | None:
        """The first answer about us (the banner, greeting, sender refused), if any."""
        if self.about_us is not None:
            return self.about_us
        return next((r for r in self.results.values() if r.category in ABOUT_US), None)

    def next(self, asked: set[str]) -> str | None:
        if self.about_us is not None:
            return None  # the server refused us: no address can be asked
        return next_address(self.ranked, self.answers(), must=self.must, budget=self.budget,
                            catch_all=self.catch_all, asked=asked)

    def greylisted(self) -> list[str]:
        """Addresses (and the random one) still waiting for an answer after greylisting."""
        waiting = [a for a, r in self.results.items() if r.category == "greylisted"]
        return waiting + ([RANDOM] if self.random_pending else [])


class _Dropped(Exception):
    """The dialogue ended early; the message says where and why."""


class _TlsFailed(_Dropped):
    """The STARTTLS handshake failed; the host may still be asked without TLS."""


class _Refused(_Dropped):
    """The server refused us (banner, EHLO, MAIL FROM): ``probe.about_us`` says how."""


class _TooMany(Exception):
    """The server refused more recipients in this session; the next session asks fewer.

    ``random``: the refused RCPT was the catch-all test's, to be asked again.
    """

    def __init__(self, *, random: bool = False) -> None:
        super().__init__("too many recipients")
        self.random = random


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
    route: SmtpRoute = DIRECT,
    helo: str | None = None,
) -> ProbeResult:
    """Probe one address on (host, IP) pairs in order; ``random_address`` None skips catch-all.

    The sender follows ``settings`` (null sender, ``mail_from``); ``helo`` defaults to
    ``settings.helo_name`` (``Verifier`` learns it from the reverse DNS when that is empty).
    """
    null = settings.null_sender or not settings.mail_from.strip()
    probe = DomainProbe([address], 1, 1, random_address,
                        sender="" if null else settings.mail_from.strip(),
                        fallback=settings.mail_from.strip() if null else "")
    failure = await probe_session(probe, hosts, settings, verify_tls=verify_tls, route=route,
                                  helo=helo)
    result = (probe.results.get(address) or probe.about_us
              or ProbeResult(tuple(probe.attempts), failure=failure))
    return dataclasses.replace(result, catch_all=probe.catch_all,
                               failure=result.failure or probe.catch_all_failure)


async def probe_session(
    probe: DomainProbe,
    hosts: Sequence[tuple[str, str]],
    settings: SmtpSettings,
    *,
    asked: set[str] | None = None,
    limit: int = RCPTS_PER_SESSION,
    verify_tls: bool = True,
    route: SmtpRoute = DIRECT,
    world_mode: bool = False,
    helo: str | None = None,
) -> str:
    """One session on the first MX host that answers; "" when it ended normally, else why not.

    ``asked`` (shared by the sessions of one round) holds the addresses already
    asked; the session sends at most ``limit`` RCPT commands (fewer once a server
    said "too many recipients"). ``helo`` is the name to greet with.
    """
    asked = set() if asked is None else asked
    failure = "no mail server address was found"
    limit = min(limit, probe.session_limit or limit)
    name_said = (helo or settings.helo_name).strip() or "localhost"
    for name, ip in list(hosts)[:MAX_HOSTS]:
        dial = _Dial(name, ip, route, world_mode, limit, name_said)
        try:
            try:
                await _dialogue(probe, dial, settings, verify_tls, asked)
            except _TlsFailed:
                # Opportunistic TLS (RFC 7435): a server whose certificate does not verify
                # is asked again in the clear rather than not at all; the failed
                # handshake stays in the steps.
                plain = dataclasses.replace(settings, starttls=False)
                await _dialogue(probe, dial, plain, verify_tls, asked)
            return ""
        except _Refused as exc:
            return str(exc)  # about us: another MX host of the domain would say the same
        except _Dropped as exc:
            failure = str(exc)
            if probe.next(asked) is None:
                return failure  # nothing left to ask another host
    return failure


@dataclass(frozen=True, slots=True)
class _Dial:
    name: str
    ip: str
    route: SmtpRoute
    world_mode: bool
    limit: int  # RCPT commands this session may send
    helo: str


class _Session:
    """One SMTP connection: send a command, read its (multi-line) reply, record the step."""

    def __init__(self, reader, writer, timeout_s: float, steps: list[SmtpStep], host: str) -> None:
        self.reader, self.writer = reader, writer
        self.timeout_s = timeout_s
        self.steps = steps  # the connection's own steps: the greeting and EHLO, STARTTLS
        self.host = host
        self.rcpts = 0  # RCPT commands sent in this session

    async def read(self, label: str, into: list[SmtpStep]) -> tuple[Reply, list[str]]:
        try:
            reply, lines = await self._read(label)
        except _Dropped as exc:
            into.append(SmtpStep(label, None, None, f"no reply: {exc}"))
            raise
        into.append(SmtpStep(label, reply.code, reply.enhanced, reply.text))
        return reply, lines

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
        return parse_reply(lines), lines

    async def command(self, line: str, into: list[SmtpStep] | None = None) -> tuple[Reply, list[str]]:
        steps = self.steps if into is None else into
        try:
            self.writer.write(line.encode("utf-8") + b"\r\n")
            await asyncio.wait_for(self.writer.drain(), self.timeout_s)
        except TimeoutError as exc:
            steps.append(SmtpStep(line, None, None, "could not send"))
            raise _Dropped(f"{self.host} did not accept {line} within {self.timeout_s:g} s") from exc
        except (ConnectionError, OSError) as exc:
            steps.append(SmtpStep(line, None, None, "could not send"))
            raise _Dropped(f"{self.host} dropped the connection before {line} ({exc})") from exc
        if line.startswith("RCPT"):
            self.rcpts += 1
        return await self.read(line, steps)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


async def _dialogue(
    probe: DomainProbe, dial: _Dial, settings: SmtpSettings, verify_tls: bool, asked: set[str]
) -> None:
    label = f"CONNECT {dial.name}:{settings.port}"
    try:
        reader, writer = await open_stream(
            dial.ip, settings.port, route=dial.route, timeout_s=settings.timeout_s,
            world_mode=dial.world_mode,
        )
    except ConnectFailed as exc:
        probe.attempts.append(SmtpStep(label, None, None, f"connection failed: {exc}"))
        hint = " (port 25 is often blocked by home and cloud networks)" if exc.kind != "proxy" else ""
        raise _Dropped(
            f"connecting to {dial.name} port {settings.port} {dial.route.label} failed: {exc}{hint}"
        ) from exc
    session = _Session(reader, writer, settings.timeout_s, [], dial.name)
    try:
        await _converse(session, probe, dial, label, settings, verify_tls, asked)
    except _Dropped:
        probe.attempts.extend(session.steps)  # a session that died early: its steps tell why
        raise
    finally:
        await session.close()


async def _converse(
    session: _Session, probe: DomainProbe, dial: _Dial, label: str, settings: SmtpSettings,
    verify_tls: bool, asked: set[str],
) -> None:
    banner, _ = await session.read(label, session.steps)
    if banner.code is None or banner.code // 100 != 2:
        _refused_here(probe, session, banner, None, f"{dial.name} refused the connection")
    await _hello(session, probe, dial, settings, verify_tls)
    done: list[str] = []
    try:
        while session.rcpts < dial.limit and (address := probe.next(asked)) is not None:
            asked.add(address)
            done.append(address)
            await _ask(session, probe, address, dial.limit, asked)
        if (probe.random_pending and probe.catch_all is None and RANDOM not in asked
                and session.rcpts < dial.limit and probe.about_us is None):
            asked.add(RANDOM)
            done += await _random_again(session, probe, dial.limit)
    except _TooMany as exc:  # the session ends politely; the next one asks the rest
        if exc.random:
            asked.discard(RANDOM)
    quit_steps: list[SmtpStep] = []
    with contextlib.suppress(_Dropped):
        await session.command("QUIT", quit_steps)
    for address in dict.fromkeys(done):  # each verdict shows its dialogue through to the goodbye
        result = probe.results.get(address)
        if result is not None:
            probe.results[address] = dataclasses.replace(result, steps=result.steps + tuple(quit_steps))


def _refused_here(
    probe: DomainProbe, session: _Session, reply: Reply, category: ReplyCategory | None,
    what: str,
) -> None:
    """Raise for a refused banner, greeting or sender: ``_Refused`` (recorded in
    ``probe.about_us``) when the reply is about us, else ``_Dropped``."""
    kind = category or classify_reply(reply)
    if kind in ABOUT_US and reply.code is not None:
        probe.about_us = ProbeResult(tuple(session.steps), session.host, kind, reply,
                                     sender=probe.sender)
        raise _Refused(f"{what}: {_said(reply)}")
    raise _Dropped(f"{what}: {_said(reply)}")


async def _ask(
    session: _Session, probe: DomainProbe, address: str, limit: int, asked: set[str]
) -> None:
    """MAIL FROM, RCPT TO the address (and the random one when needed), RSET."""
    before = probe.results.get(address)
    earlier = before.steps if before else tuple(probe.attempts)
    own: list[SmtpStep] = []

    def keep(**changes) -> None:
        steps = (*earlier, *session.steps, *own)
        probe.results[address] = ProbeResult(steps, session.host, sender=probe.sender, **changes)

    try:
        await _mail_from(session, probe, own)
        reply, _ = await session.command(f"RCPT TO:<{address}>", own)
        category = classify_reply(reply)
        if category == "sender_refused" and _may_retry(probe):
            reply, category = await _retry_sender(session, probe, address, reply, limit, own)
        if category == "too_many":
            _too_many(probe, session, reply)
        keep(category=category, reply=reply)
        if _wants_random(probe, category, asked):
            if session.rcpts < limit:
                asked.add(RANDOM)
                await _catch_all(session, probe, own)
            else:
                probe.random_pending = True  # no RCPT left in this session: the next one asks it
        await session.command("RSET", own)
    except _TooMany:
        if address not in probe.results or probe.results[address].category is None:
            keep(failure="the server refused more recipients in this session")
            asked.discard(address)  # the next session asks it
        with contextlib.suppress(_Dropped):
            await session.command("RSET", own)
        raise
    except _Dropped as exc:
        if address not in probe.results or probe.results[address].category is None:
            keep(failure=str(exc))
            asked.discard(address)  # unanswered: the next MX host may be asked about it
        raise
    finally:
        if address in probe.results:
            result = probe.results[address]
            probe.results[address] = dataclasses.replace(
                result, steps=(*earlier, *session.steps, *own)
            )


async def _mail_from(session: _Session, probe: DomainProbe, own: list[SmtpStep]) -> None:
    """MAIL FROM the probe's sender; a refused null sender is retried once with the fallback."""
    reply, _ = await session.command(f"MAIL FROM:<{probe.sender}>", own)
    if _ok(reply):
        return
    if reply.code != 421 and _mail_category(reply) == "sender_refused" and _may_retry(probe):
        _switch_sender(probe, reply)
        reply, _ = await session.command(f"MAIL FROM:<{probe.sender}>", own)
        if _ok(reply):
            return
    if reply.code == 421:  # the server is closing the connection (RFC 5321 3.8)
        raise _Dropped(f"{session.host} closed the session at MAIL FROM: {_said(reply)}")
    session.steps.extend(own)
    own.clear()
    _refused_here(probe, session, reply, _mail_category(reply),
                  f"{session.host} refused our sender <{probe.sender}>")


def _mail_category(reply: Reply) -> ReplyCategory:
    """A refused MAIL FROM is about our sender unless the reply says it is about our IP."""
    kind = classify_reply(reply)
    return kind if kind in ("blocklisted", "helo_refused", "greylisted") else "sender_refused"


def _may_retry(probe: DomainProbe) -> bool:
    return probe.sender == "" and bool(probe.fallback)


def _switch_sender(probe: DomainProbe, refusal: Reply) -> None:
    probe.null_refused = _said(refusal)
    probe.sender, probe.fallback = probe.fallback, ""


async def _retry_sender(
    session: _Session, probe: DomainProbe, address: str, refusal: Reply, limit: int,
    own: list[SmtpStep],
) -> tuple[Reply, ReplyCategory]:
    """The RCPT refused the null sender (Postfix rejects senders at RCPT): RSET, and ask
    again once as ``smtp.mail_from``."""
    _switch_sender(probe, refusal)
    await session.command("RSET", own)
    if session.rcpts >= limit:
        raise _TooMany  # no RCPT left in this session: the next one asks with the new sender
    await _mail_from(session, probe, own)
    reply, _ = await session.command(f"RCPT TO:<{address}>", own)
    return reply, classify_reply(reply)


def _too_many(probe: DomainProbe, session: _Session, reply: Reply) -> None:
    """Remember the server's per-session limit; end the session (or the probe, if it takes none)."""
    took = session.rcpts - 1
    if took < 1:
        raise _Dropped(f"{session.host} refused even the first recipient of a session: "
                       f"{_said(reply)}")
    probe.session_limit = min(probe.session_limit or took, took)
    raise _TooMany


def _wants_random(probe: DomainProbe, category: str, asked: set[str]) -> bool:
    if probe.random_address is None or probe.catch_all is not None or RANDOM in asked:
        return False
    return category in ("accepted", "greylisted")


async def _random_again(session: _Session, probe: DomainProbe, limit: int) -> list[str]:
    """Ask the random address again (greylisted, or left over); its steps join the accepted ones'."""
    own: list[SmtpStep] = []
    try:
        await _mail_from(session, probe, own)
        await _catch_all(session, probe, own)
        await session.command("RSET", own)
    finally:
        accepted = [a for a, r in probe.results.items() if r.category == "accepted"]
        for address in accepted:
            result = probe.results[address]
            probe.results[address] = dataclasses.replace(result, steps=result.steps + tuple(own))
    return accepted


async def _catch_all(session: _Session, probe: DomainProbe, own: list[SmtpStep]) -> None:
    assert probe.random_address is not None
    try:
        reply, _ = await session.command(f"RCPT TO:<{probe.random_address}>", own)
    except _Dropped as exc:
        probe.catch_all_failure = f"the catch-all test could not finish: {exc}"
        raise
    kind = classify_reply(reply)
    probe.random_pending = kind in ("greylisted", "too_many")
    if kind == "too_many":
        raise _TooMany(random=True)
    if kind == "accepted" or kind in REFUSALS:
        probe.catch_all = kind == "accepted"
        probe.catch_all_host = session.host
    elif kind != "greylisted":
        probe.catch_all_failure = f"the random address got {_said(reply)}"
        probe.random_pending = False


async def _hello(
    session: _Session, probe: DomainProbe, dial: _Dial, settings: SmtpSettings, verify_tls: bool
) -> None:
    reply, lines = await session.command(f"EHLO {dial.helo}")
    if not _ok(reply):
        if reply.code != 421 and classify_reply(reply) in ABOUT_US:
            _refused_here(probe, session, reply, None, f"{dial.name} refused our greeting")
        reply, lines = await session.command(f"HELO {dial.helo}")
        if not _ok(reply):
            # Refused twice before anything else was said: the greeting itself is the problem.
            helo = "helo_refused" if reply.code != 421 else None
            kind = "blocklisted" if classify_reply(reply) == "blocklisted" else helo
            _refused_here(probe, session, reply, kind, f"{dial.name} refused our greeting")
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
            session.writer.start_tls(context, server_hostname=dial.name), settings.timeout_s
        )
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        session.steps.append(SmtpStep("TLS handshake", None, None, f"failed: {exc}"))
        raise _TlsFailed(f"the TLS handshake with {dial.name} failed ({exc})") from exc
    await session.command(f"EHLO {dial.helo}")


def _ok(reply: Reply) -> bool:
    return reply.code is not None and reply.code // 100 == 2


def _said(reply: Reply) -> str:
    if reply.code is None:
        return f"an unreadable reply {reply.text!r}"
    return f"{reply.code} {reply.text}"
