"""One SMTP connection: send commands, read their (multi-line) replies, greet, upgrade to TLS.

``Session`` keeps every reply as an ``SmtpStep`` so a verdict can show its raw
evidence, and turns timeouts, resets and over-long replies into ``Dropped``
with a sentence saying where. ``hello`` says EHLO (HELO as a fallback) with the
run's HELO name and starts TLS when offered. A refusal that is about us (our
IP on a block list, our HELO name or sender refused) is ``Refused``, carrying
the reply and its class, so the caller can give every address that answer.

Pipelining (RFC 2920): when the last EHLO reply offers ``PIPELINING``,
commands ``write``-ten before a reply is awaited travel together in one write
and their replies are read back in order, each into its own command's steps.
Without it (or before the EHLO that offers it: never across STARTTLS) each
command goes out alone once the one before it is answered, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from lookup.mail.rules import ABOUT_US, Reply, ReplyCategory, classify_reply, parse_reply
from lookup.models import SmtpStep
from lookup.settings import SmtpSettings
from lookup.web.tls import system_context, unverified_context

__all__ = [
    "Dropped", "Pending", "Refused", "Session", "TlsFailed", "hello", "ok", "refuse", "said",
]

MAX_REPLY_LINES = 64
PIPELINING_NOTE = ("the server offers PIPELINING (RFC 2920): from here on commands go in "
                   "groups (RSET, MAIL FROM, RCPT TO in one write; RSET, QUIT at the end), "
                   "each reply read in order; an RSET is shown with the transaction it ends")
UNANSWERED = "no reply: the connection ended before this command's reply"


class Dropped(Exception):
    """The dialogue ended early; the message says where and why."""


class TlsFailed(Dropped):
    """The STARTTLS handshake failed; the host may still be asked without TLS."""


class Refused(Dropped):
    """The server refused us (banner, greeting, sender): ``category`` says how, ``reply`` said it."""

    def __init__(self, message: str, reply: Reply, category: ReplyCategory) -> None:
        super().__init__(message)
        self.reply = reply
        self.category = category


@dataclass(eq=False, slots=True)
class Pending:
    """A command written to a session: its reply (once read) and where its step goes.

    ``late`` is called with the step when the reply is read after the caller has moved on
    (an RSET that travels in the next group), so the transaction it ends can show it.
    """

    line: str
    into: list[SmtpStep]
    late: Callable[[SmtpStep], None] | None = None
    reply: Reply | None = None
    lines: list[str] = field(default_factory=list)
    sent: bool = False

    def record(self, step: SmtpStep) -> None:
        self.into.append(step)
        if self.late is not None:
            self.late(step)


class Session:
    """One SMTP connection: send commands (in groups when pipelining), read replies, record steps."""

    def __init__(self, reader, writer, timeout_s: float, steps: list[SmtpStep], host: str) -> None:
        self.reader, self.writer = reader, writer
        self.timeout_s = timeout_s
        self.steps = steps  # the connection's own steps: the greeting and EHLO, STARTTLS
        self.host = host
        self.rcpts = 0  # RCPT commands sent in this session
        self.pipelining = False  # the last EHLO reply offered PIPELINING (RFC 2920)
        self.writes = 0  # the writes that carried commands: one round trip each
        self.replies = 0  # replies read (the banner included)
        self.closing: Reply | None = None  # a 421 reply: the server hangs up (RFC 5321 3.8)
        self._queued: list[Pending] = []  # written, not sent yet
        self._sent: deque[Pending] = deque()  # sent, reply not read yet

    async def read(self, label: str, into: list[SmtpStep]) -> tuple[Reply, list[str]]:
        try:
            reply, lines = await self._read(label)
        except Dropped as exc:
            into.append(SmtpStep(label, None, None, f"no reply: {exc}"))
            raise
        into.append(SmtpStep(label, reply.code, reply.enhanced, reply.text))
        self.replies += 1
        return reply, lines

    async def _read(self, label: str) -> tuple[Reply, list[str]]:
        lines: list[str] = []
        try:
            while len(lines) < MAX_REPLY_LINES:
                raw = await asyncio.wait_for(self.reader.readline(), self.timeout_s)
                if not raw:
                    raise Dropped(
                        f"{self.host} closed the connection while we waited for the reply "
                        f"to {label}"
                    )
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                lines.append(line)
                if line[3:4] != "-":
                    break
        except TimeoutError as exc:
            raise Dropped(
                f"{self.host} did not answer {label} within {self.timeout_s:g} s"
            ) from exc
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
            raise Dropped(f"{self.host} dropped the connection during {label} ({exc})") from exc
        except ValueError as exc:  # a line longer than the stream limit (64 KiB)
            raise Dropped(f"{self.host} sent an over-long reply to {label}") from exc
        return parse_reply(lines), lines

    def write(self, line: str, into: list[SmtpStep] | None = None,
              late: Callable[[SmtpStep], None] | None = None) -> Pending:
        """Queue a command; it is sent when a reply to it (or to a later one) is awaited."""
        pending = Pending(line, self.steps if into is None else into, late)
        self._queued.append(pending)
        return pending

    async def reply(self, pending: Pending) -> Reply:
        """The reply to ``pending``, reading (and recording) every earlier reply first.

        Pipelining, everything queued goes out in one write; otherwise one command at a
        time, each once the one before it is answered.
        """
        while pending.reply is None:
            if not self._sent:
                if not self._queued:
                    raise RuntimeError(f"{pending.line} was never written to this session")
                await self._send()
            await self._read_next()
        return pending.reply

    async def settle(self) -> None:
        """Read what is owed for commands already sent; drop the ones not sent yet.

        After a refused MAIL FROM: pipelining, its RCPT went out too and is answered
        (503, "need MAIL"); without, the RCPT is never sent. A connection that ends
        meanwhile is left for the next command to find.
        """
        self._queued.clear()
        with contextlib.suppress(Dropped):
            while self._sent:
                await self._read_next()

    async def defer(self, line: str, into: list[SmtpStep],
                    late: Callable[[SmtpStep], None] | None = None) -> None:
        """A command whose reply nobody waits for (RSET): pipelining, it goes out with the
        next group (``late`` gets its step then); otherwise at once, into ``into``."""
        if self.pipelining:
            self.write(line, into, late)
        else:
            await self.command(line, into)

    async def command(self, line: str, into: list[SmtpStep] | None = None) -> tuple[Reply, list[str]]:
        """Send ``line`` (after anything queued) and read its reply."""
        pending = self.write(line, into)
        reply = await self.reply(pending)
        return reply, pending.lines

    async def _send(self) -> None:
        if self.closing is not None:  # nothing more goes to a server that said goodbye
            self._queued.clear()
            raise Dropped(f"{self.host} closed the session: {said(self.closing)}")
        batch = list(self._queued) if self.pipelining else self._queued[:1]
        del self._queued[: len(batch)]
        data = b"".join(p.line.encode("utf-8") + b"\r\n" for p in batch)
        shown = ", ".join(p.line for p in batch)
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self.timeout_s)
        except TimeoutError as exc:
            self._unsent(batch)
            raise Dropped(f"{self.host} did not accept {shown} within {self.timeout_s:g} s") from exc
        except (ConnectionError, OSError) as exc:
            self._unsent(batch)
            raise Dropped(f"{self.host} dropped the connection before {shown} ({exc})") from exc
        self.writes += 1
        for pending in batch:
            pending.sent = True
            self.rcpts += pending.line.startswith("RCPT")
        self._sent.extend(batch)

    def _unsent(self, batch: list[Pending]) -> None:
        for pending in batch:
            pending.record(SmtpStep(pending.line, None, None, "could not send"))
        self._queued.clear()

    async def _read_next(self) -> None:
        pending = self._sent.popleft()
        try:
            if self.closing is not None:
                raise Dropped(f"{self.host} closed the session: {said(self.closing)}")
            reply, lines = await self._read(pending.line)
        except Dropped as exc:
            pending.record(SmtpStep(pending.line, None, None, f"no reply: {exc}"))
            for later in self._sent:  # the rest of a group: sent, never answered
                later.record(SmtpStep(later.line, None, None, UNANSWERED))
            self._sent.clear()
            self._queued.clear()
            raise
        pending.reply, pending.lines = reply, lines
        self.replies += 1
        if reply.code == 421:
            self.closing = reply
        pending.record(SmtpStep(pending.line, reply.code, reply.enhanced, reply.text))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


def refuse(reply: Reply, category: ReplyCategory | None, what: str) -> NoReturn:
    """Raise for a refused banner, greeting or sender: ``Refused`` when the reply is about
    us (``category``, else the reply's own class), else ``Dropped``."""
    kind = category or classify_reply(reply)
    if kind in ABOUT_US and reply.code is not None:
        raise Refused(f"{what}: {said(reply)}", reply, kind)
    raise Dropped(f"{what}: {said(reply)}")


async def hello(
    session: Session, name: str, helo: str, settings: SmtpSettings, verify_tls: bool
) -> None:
    """EHLO (HELO if refused) as ``helo``, then STARTTLS when offered and wanted; the last
    EHLO reply decides whether the session pipelines."""
    reply, lines = await session.command(f"EHLO {helo}")
    if not ok(reply):
        if reply.code != 421 and classify_reply(reply) in ABOUT_US:
            refuse(reply, None, f"{name} refused our greeting")
        reply, lines = await session.command(f"HELO {helo}")
        if not ok(reply):
            # Refused twice before anything else was said: the greeting itself is the problem.
            kind: ReplyCategory | None = "helo_refused" if reply.code != 421 else None
            if classify_reply(reply) == "blocklisted":
                kind = "blocklisted"
            refuse(reply, kind, f"{name} refused our greeting")
        return
    offered = _offers(lines, "STARTTLS")
    if not (offered and settings.starttls):
        _pipeline(session, lines)
        return
    reply, _ = await session.command("STARTTLS")
    if reply.code != 220:
        _pipeline(session, lines)
        return  # carry on in the clear: the server declined after offering
    context = system_context() if verify_tls else unverified_context()
    try:
        await asyncio.wait_for(
            session.writer.start_tls(context, server_hostname=name), settings.timeout_s
        )
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        session.steps.append(SmtpStep("TLS handshake", None, None, f"failed: {exc}"))
        raise TlsFailed(f"the TLS handshake with {name} failed ({exc})") from exc
    reply, lines = await session.command(f"EHLO {helo}")  # RFC 3207: forget what was offered
    if ok(reply):
        _pipeline(session, lines)


def _offers(lines: list[str], keyword: str) -> bool:
    """Whether an EHLO reply's lines name the extension ``keyword`` (after "250-"/"250 ")."""
    return any(line[4:].strip().upper().split(" ")[0] == keyword for line in lines[1:])


def _pipeline(session: Session, lines: list[str]) -> None:
    """Pipeline from here on when this EHLO reply offers it; say so in the steps."""
    session.pipelining = _offers(lines, "PIPELINING")
    if session.pipelining:
        session.steps.append(SmtpStep("PIPELINING", None, None, PIPELINING_NOTE))


def ok(reply: Reply) -> bool:
    """A 2xx reply."""
    return reply.code is not None and reply.code // 100 == 2


def said(reply: Reply) -> str:
    """A reply as it reads in a sentence: "550 5.1.1 ..."."""
    if reply.code is None:
        return f"an unreadable reply {reply.text!r}"
    return f"{reply.code} {reply.text}"
