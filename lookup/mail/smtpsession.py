"""One SMTP connection: send a command, read its (multi-line) reply, greet, upgrade to TLS.

``Session`` keeps every reply as an ``SmtpStep`` so a verdict can show its raw
evidence, and turns timeouts, resets and over-long replies into ``Dropped``
with a sentence saying where. ``hello`` says EHLO (HELO as a fallback) with the
run's HELO name and starts TLS when offered. A refusal that is about us (our
IP on a block list, our HELO name or sender refused) is ``Refused``, carrying
the reply and its class, so the caller can give every address that answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import NoReturn

from lookup.mail.rules import ABOUT_US, Reply, ReplyCategory, classify_reply, parse_reply
from lookup.models import SmtpStep
from lookup.settings import SmtpSettings
from lookup.web.tls import system_context, unverified_context

__all__ = ["Dropped", "Refused", "Session", "TlsFailed", "hello", "ok", "refuse", "said"]

MAX_REPLY_LINES = 64


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


class Session:
    """One SMTP connection: send a command, read its reply, record the step."""

    def __init__(self, reader, writer, timeout_s: float, steps: list[SmtpStep], host: str) -> None:
        self.reader, self.writer = reader, writer
        self.timeout_s = timeout_s
        self.steps = steps  # the connection's own steps: the greeting and EHLO, STARTTLS
        self.host = host
        self.rcpts = 0  # RCPT commands sent in this session

    async def read(self, label: str, into: list[SmtpStep]) -> tuple[Reply, list[str]]:
        try:
            reply, lines = await self._read(label)
        except Dropped as exc:
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

    async def command(self, line: str, into: list[SmtpStep] | None = None) -> tuple[Reply, list[str]]:
        steps = self.steps if into is None else into
        try:
            self.writer.write(line.encode("utf-8") + b"\r\n")
            await asyncio.wait_for(self.writer.drain(), self.timeout_s)
        except TimeoutError as exc:
            steps.append(SmtpStep(line, None, None, "could not send"))
            raise Dropped(f"{self.host} did not accept {line} within {self.timeout_s:g} s") from exc
        except (ConnectionError, OSError) as exc:
            steps.append(SmtpStep(line, None, None, "could not send"))
            raise Dropped(f"{self.host} dropped the connection before {line} ({exc})") from exc
        if line.startswith("RCPT"):
            self.rcpts += 1
        return await self.read(line, steps)

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
    """EHLO (HELO if refused) as ``helo``, then STARTTLS when offered and wanted."""
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
    offered = any(line[4:].strip().upper().startswith("STARTTLS") for line in lines)
    if not (offered and settings.starttls):
        return
    reply, _ = await session.command("STARTTLS")
    if reply.code != 220:
        return  # carry on in the clear: the server declined after offering
    context = system_context() if verify_tls else unverified_context()
    try:
        await asyncio.wait_for(
            session.writer.start_tls(context, server_hostname=name), settings.timeout_s
        )
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        session.steps.append(SmtpStep("TLS handshake", None, None, f"failed: {exc}"))
        raise TlsFailed(f"the TLS handshake with {name} failed ({exc})") from exc
    await session.command(f"EHLO {helo}")


def ok(reply: Reply) -> bool:
    """A 2xx reply."""
    return reply.code is not None and reply.code // 100 == 2


def said(reply: Reply) -> str:
    """A reply as it reads in a sentence: "550 5.1.1 ..."."""
    if reply.code is None:
        return f"an unreadable reply {reply.text!r}"
    return f"{reply.code} {reply.text}"
