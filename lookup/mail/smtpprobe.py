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

When the EHLO reply offers PIPELINING (RFC 2920), the same transactions travel
in fewer round trips: [RSET of the previous transaction, MAIL FROM, RCPT TO] in
one write, the catch-all RCPT alone, [RSET, QUIT] at the end. Each RCPT reply is
still read before the next address is chosen, and an RSET sent with the next
group still joins the evidence of the transaction it ends (docs/verification.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lookup.mail.probeplan import RANDOM, DomainProbe, ProbeResult
from lookup.mail.rules import Reply, ReplyCategory, classify_reply
from lookup.mail.smtpconnect import DIRECT, ConnectFailed, SmtpRoute, open_stream
from lookup.mail.smtpsession import (
    Dropped,
    Pending,
    Refused,
    Session,
    TlsFailed,
    hello,
    ok,
    refuse,
    said,
)
from lookup.models import SmtpStep
from lookup.settings import SmtpSettings

__all__ = [
    "RANDOM",
    "DomainProbe",
    "ProbeResult",
    "goodbye",
    "greet",
    "probe_address",
    "probe_session",
    "random_local_part",
]

MAX_HOSTS = 3  # MX hosts tried in preference order before giving up
REFUSALS = frozenset({"no_such_user", "disabled", "rejected"})
# Postfix counts every refused RCPT as an error and slows a client down after 10
# (smtpd_soft_error_limit); a session's RCPT commands (the random one included) stay under.
RCPTS_PER_SESSION = 9
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


async def greet(
    host: tuple[str, str],
    settings: SmtpSettings,
    *,
    verify_tls: bool = True,
    route: SmtpRoute = DIRECT,
    world_mode: bool = False,
    helo: str | None = None,
) -> Session | None:
    """A session to ``host`` (name, IP) opened ahead of its probe: connected and greeted
    (banner, EHLO, STARTTLS when offered), then idle until ``probe_session`` takes it
    (``opened``). None when anything went wrong: the probe connects itself then and reports
    what it meets."""
    name, ip = host
    try:
        reader, writer = await open_stream(ip, settings.port, route=route,
                                           timeout_s=settings.timeout_s, world_mode=world_mode)
    except ConnectFailed:
        return None
    session = Session(reader, writer, settings.timeout_s, [], name)
    try:
        await _greeting(session, name, _helo(helo, settings), settings, verify_tls)
    except Exception:  # the probe meets it again, on a connection of its own
        await session.close()
        return None
    return session


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
    opened: Session | None = None,
) -> str:
    """One session on the first MX host that answers; "" when it ended normally, else why not.

    ``asked`` (shared by the sessions of one round) holds the addresses already
    asked; the session sends at most ``limit`` RCPT commands (fewer once a server
    said "too many recipients"). ``helo`` is the name to greet with. ``opened`` is a
    session to the first host already greeted (``greet``); a server that hung up on it
    meanwhile (the first command after it gets no answer, or 421) is connected to again.
    """
    asked = set() if asked is None else asked
    failure = "no mail server address was found"
    limit = min(limit, probe.session_limit or limit)
    name_said = _helo(helo, settings)
    for index, (name, ip) in enumerate(list(hosts)[:MAX_HOSTS]):
        dial = _Dial(name, ip, route, world_mode, limit, name_said)
        ahead = opened if index == 0 and opened is not None and opened.host == name else None
        if opened is not None and ahead is None:
            await goodbye(opened)  # not the host this session starts with
            opened = None
        try:
            try:
                if ahead is not None and await _ahead(probe, dial, settings, asked, ahead):
                    return ""
                await _dialogue(probe, dial, settings, verify_tls, asked)
            except TlsFailed:
                # Opportunistic TLS (RFC 7435): a server whose certificate does not verify
                # is asked again in the clear rather than not at all; the failed
                # handshake stays in the steps.
                plain = dataclasses.replace(settings, starttls=False)
                await _dialogue(probe, dial, plain, verify_tls, asked)
            return ""
        except Refused as exc:
            return str(exc)  # about us: another MX host of the domain would say the same
        except Dropped as exc:
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


async def _ahead(
    probe: DomainProbe, dial: _Dial, settings: SmtpSettings, asked: set[str], session: Session
) -> bool:
    """The dialogue on a session greeted ahead; False when the server had hung up on it
    before its first command was answered (the caller connects again: the steps stay in
    the evidence of the address that met it)."""
    greeted = session.replies
    try:
        await _on(probe, dial, session, settings, True, asked, greeted=True)
    except Refused:
        raise
    except Dropped:
        answered = session.replies - greeted  # after the greeting: none, or only a 421
        if answered == 0 or (answered == 1 and session.closing is not None):
            return False
        raise
    return True


async def goodbye(session: Session) -> None:
    """QUIT on a session greeted ahead and never used, then close it."""
    with contextlib.suppress(Dropped):
        await session.command("QUIT", [])
    await session.close()


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
        raise Dropped(
            f"connecting to {dial.name} port {settings.port} {dial.route.label} failed: {exc}{hint}"
        ) from exc
    session = Session(reader, writer, settings.timeout_s, [], dial.name)
    await _on(probe, dial, session, settings, verify_tls, asked, greeted=False)


async def _on(
    probe: DomainProbe, dial: _Dial, session: Session, settings: SmtpSettings,
    verify_tls: bool, asked: set[str], *, greeted: bool,
) -> None:
    try:
        await _converse(session, probe, dial, settings, verify_tls, asked, greeted)
    except Refused as exc:  # about us: every address at the domain gets this answer
        probe.about_us = ProbeResult(tuple(session.steps), session.host, exc.category, exc.reply,
                                     sender=probe.sender)
        raise
    except Dropped:
        probe.attempts.extend(session.steps)  # a session that died early: its steps tell why
        raise
    finally:
        await session.close()


def _helo(helo: str | None, settings: SmtpSettings) -> str:
    """The name to greet with: the run's, else ``smtp.helo_name``, else "localhost"."""
    return (helo or settings.helo_name).strip() or "localhost"


async def _greeting(
    session: Session, name: str, helo: str, settings: SmtpSettings, verify_tls: bool
) -> None:
    """The server's banner (a refusal raises), then EHLO and STARTTLS when offered."""
    banner, _ = await session.read(f"CONNECT {name}:{settings.port}", session.steps)
    if banner.code is None or banner.code // 100 != 2:
        refuse(banner, None, f"{name} refused the connection")
    await hello(session, name, helo, settings, verify_tls)


async def _converse(
    session: Session, probe: DomainProbe, dial: _Dial, settings: SmtpSettings,
    verify_tls: bool, asked: set[str], greeted: bool = False,
) -> None:
    if not greeted:
        await _greeting(session, dial.name, dial.helo, settings, verify_tls)
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
    with contextlib.suppress(Dropped):
        await session.command("QUIT", quit_steps)
    for address in dict.fromkeys(done):  # each verdict shows its dialogue through to the goodbye
        result = probe.results.get(address)
        if result is not None:
            probe.results[address] = dataclasses.replace(result, steps=result.steps + tuple(quit_steps))


async def _ask(
    session: Session, probe: DomainProbe, address: str, limit: int, asked: set[str]
) -> None:
    """MAIL FROM, RCPT TO the address (and the random one when needed), RSET.

    Pipelining, the RSET waits for the next group (the next address's MAIL FROM and
    RCPT TO, or QUIT); its step still joins this address's evidence when it is read.
    """
    before = probe.results.get(address)
    earlier = before.steps if before else tuple(probe.attempts)
    own: list[SmtpStep] = []

    def keep(**changes) -> None:
        steps = (*earlier, *session.steps, *own)
        probe.results[address] = ProbeResult(steps, session.host, sender=probe.sender, **changes)

    def late(step: SmtpStep) -> None:  # an RSET answered in a later group
        _append(probe, [address], (step,))

    try:
        reply = await session.reply(await _envelope(session, probe, address, own))
        category = classify_reply(reply)
        if category == "sender_refused" and _may_retry(probe):
            reply, category = await _retry_sender(session, probe, address, reply, limit, own, late)
        if category == "too_many":
            _too_many(probe, session, reply)
        keep(category=category, reply=reply)
        if _wants_random(probe, category, asked):
            if session.rcpts < limit:
                asked.add(RANDOM)
                await _catch_all(session, probe, own)
            else:
                probe.random_pending = True  # no RCPT left in this session: the next one asks it
        await session.defer("RSET", own, late)
    except _TooMany:
        if address not in probe.results or probe.results[address].category is None:
            keep(failure="the server refused more recipients in this session")
            asked.discard(address)  # the next session asks it
        with contextlib.suppress(Dropped):
            await session.defer("RSET", own, late)
        raise
    except Dropped as exc:
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


def _append(probe: DomainProbe, addresses: Sequence[str], steps: tuple[SmtpStep, ...]) -> None:
    """Add ``steps`` to the evidence of these addresses' results."""
    for address in addresses:
        result = probe.results.get(address)
        if result is not None:
            probe.results[address] = dataclasses.replace(result, steps=result.steps + steps)


async def _envelope(
    session: Session, probe: DomainProbe, recipient: str, own: list[SmtpStep]
) -> Pending:
    """MAIL FROM the probe's sender and RCPT TO ``recipient`` (one group when pipelining,
    after any RSET waiting to go): the RCPT, once MAIL FROM is accepted; its reply is the
    caller's to read. A refused null sender is retried once with the fallback."""
    mail = session.write(f"MAIL FROM:<{probe.sender}>", own)
    rcpt = session.write(f"RCPT TO:<{recipient}>", own)
    reply = await session.reply(mail)
    if ok(reply):
        return rcpt
    # Pipelining, the RCPT went out too: its reply (503 "need MAIL command") is read and
    # kept, but says nothing about the address, and the server counted no recipient.
    await session.settle()
    if rcpt.sent:
        session.rcpts -= 1
    if reply.code != 421 and _mail_category(reply) == "sender_refused" and _may_retry(probe):
        _switch_sender(probe, reply)
        return await _envelope(session, probe, recipient, own)
    if reply.code == 421:  # the server is closing the connection (RFC 5321 3.8)
        raise Dropped(f"{session.host} closed the session at MAIL FROM: {said(reply)}")
    session.steps.extend(own)
    own.clear()
    refuse(reply, _mail_category(reply), f"{session.host} refused our sender <{probe.sender}>")


def _mail_category(reply: Reply) -> ReplyCategory:
    """A refused MAIL FROM is about our sender unless the reply says it is about our IP."""
    kind = classify_reply(reply)
    return kind if kind in ("blocklisted", "helo_refused", "greylisted") else "sender_refused"


def _may_retry(probe: DomainProbe) -> bool:
    return probe.sender == "" and bool(probe.fallback)


def _switch_sender(probe: DomainProbe, refusal: Reply) -> None:
    probe.null_refused = said(refusal)
    probe.sender, probe.fallback = probe.fallback, ""


async def _retry_sender(
    session: Session, probe: DomainProbe, address: str, refusal: Reply, limit: int,
    own: list[SmtpStep], late: Callable[[SmtpStep], None],
) -> tuple[Reply, ReplyCategory]:
    """The RCPT refused the null sender (Postfix rejects senders at RCPT): RSET, and ask
    again once as ``smtp.mail_from`` (pipelining: RSET, MAIL FROM, RCPT TO in one group)."""
    _switch_sender(probe, refusal)
    await session.defer("RSET", own, late)
    if session.rcpts >= limit:
        raise _TooMany  # no RCPT left in this session: the next one asks with the new sender
    reply = await session.reply(await _envelope(session, probe, address, own))
    return reply, classify_reply(reply)


def _too_many(probe: DomainProbe, session: Session, reply: Reply, *, random: bool = False) -> None:
    """Remember the server's per-session limit; end the session (or the probe, if it takes none)."""
    took = session.rcpts - 1
    if took < 1:
        raise Dropped(f"{session.host} refused even the first recipient of a session: "
                      f"{said(reply)}")
    probe.session_limit = min(probe.session_limit or took, took)
    raise _TooMany(random=random)


def _wants_random(probe: DomainProbe, category: str, asked: set[str]) -> bool:
    if probe.random_address is None or probe.catch_all is not None or RANDOM in asked:
        return False
    return category in ("accepted", "greylisted")


async def _random_again(session: Session, probe: DomainProbe, limit: int) -> list[str]:
    """Ask the random address again (greylisted, or left over); its steps join the accepted ones'."""
    assert probe.random_address is not None
    own: list[SmtpStep] = []
    accepted = [a for a, r in probe.results.items() if r.category == "accepted"]
    try:
        rcpt = await _envelope(session, probe, probe.random_address, own)
        await _catch_all(session, probe, own, rcpt)
        await session.defer("RSET", own, lambda step: _append(probe, accepted, (step,)))
    finally:
        _append(probe, accepted, tuple(own))
    return accepted


async def _catch_all(
    session: Session, probe: DomainProbe, own: list[SmtpStep], rcpt: Pending | None = None
) -> None:
    """RCPT TO the random address (or read the reply to ``rcpt``, already written): a
    catch-all server accepts it too."""
    assert probe.random_address is not None
    try:
        if rcpt is None:
            reply, _ = await session.command(f"RCPT TO:<{probe.random_address}>", own)
        else:
            reply = await session.reply(rcpt)
    except Dropped as exc:
        probe.catch_all_failure = f"the catch-all test could not finish: {exc}"
        raise
    kind = classify_reply(reply)
    probe.random_pending = kind in ("greylisted", "too_many")
    if kind == "too_many":
        _too_many(probe, session, reply, random=True)
    if kind == "accepted" or kind in REFUSALS:
        probe.catch_all = kind == "accepted"
        probe.catch_all_host = session.host
    elif kind != "greylisted":
        probe.catch_all_failure = f"the random address got {said(reply)}"
        probe.random_pending = False
