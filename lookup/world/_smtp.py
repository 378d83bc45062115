"""The world's SMTP server: answers RCPT TO like the world's mail hosts, never delivers.

One aiosmtpd server answers for every ``[mail.<domain>]``. The replies follow
what large providers send (Gmail's 550 5.1.1 wording for an unknown account,
RFC 6647 greylisting with 451 4.7.1). A domain may check the client first, at
RCPT time as Postfix does by default (``smtpd_delay_reject = yes``): a fully
qualified or known HELO name, a sender domain that exists, no null sender, at
most N recipients a session; its refusals are Postfix's or Exim's own reply
texts (``policy_reply``). DATA is always refused, so nothing is ever delivered
or stored.

The EHLO reply offers PIPELINING (RFC 2920) unless ``[smtp] pipelining =
false``; commands that arrive together are answered in order, and the world's
latency is paid once per client write (a round trip), not per reply. A client
that sends ahead where it may not (PIPELINING not offered, or more commands
after EHLO, HELO, STARTTLS, QUIT and the others RFC 2920 puts last in a group)
is refused and disconnected, as Postfix does with ``smtpd_forbid_unauth_pipelining``,
so a client bug shows in tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping

from aiosmtpd.smtp import SMTP

from lookup.world._logs import FaultBook, SmtpLine, WorldLogs
from lookup.world.format import DnsRecords, Fault, MailDomain, World

__all__ = ["POLICY_REPLIES", "REPLIES", "Greylist", "SmtpService", "policy_reply", "rcpt_reply"]

REPLIES = {
    "ok": "250 2.1.5 OK",
    "unknown": "550 5.1.1 The email account that you tried to reach does not exist",
    "relay": "550 5.7.1 Relaying denied: this server does not handle mail for that domain",
    "greylisted": "451 4.7.1 greylisted, try again later",
    "data": "554 5.7.1 this world never delivers mail",
    "need_rcpt": "503 5.5.1 Error: need RCPT command",
}
# The refusals of a domain that checks its clients, as each server software words them.
# Postfix: reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname,
# reject_unknown_sender_domain (unknown_address_reject_code = 450), check_sender_access
# with "<> REJECT", smtpd_recipient_limit. Exim: cPanel's HELO ACL, "verify = sender"
# (a multi-line reply), recipients_max. The null sender is refused in Postfix's words with
# either software (Exim's own ACLs give no standard text for it).
POLICY_REPLIES = {
    "postfix": {
        "too_many": "452 4.5.3 Error: too many recipients",
        "helo_fqdn": "504 5.5.2 <{helo}>: Helo command rejected: need fully-qualified hostname",
        "helo_unknown": "450 4.7.1 <{helo}>: Helo command rejected: Host not found",
        "sender_unknown": "450 4.1.8 <{sender}>: Sender address rejected: Domain not found",
        "null_sender": "554 5.7.1 <>: Sender address rejected: Access denied",
    },
    "exim": {
        "too_many": "452 too many recipients",
        "helo_fqdn": "550 Access denied - Invalid HELO name (See RFC2821 4.1.3)",
        "helo_unknown": "550 Access denied - Invalid HELO name (See RFC2821 4.1.3)",
        "sender_unknown": ("550-Verification failed for <{sender}>\r\n550-Unrouteable address"
                           "\r\n550 Sender verify failed"),
        "null_sender": "554 5.7.1 <>: Sender address rejected: Access denied",
    },
}
STAGE_OF = {"EHLO": "ehlo", "HELO": "ehlo", "MAIL": "mail", "RCPT": "rcpt"}
# A 421 reply closes the connection (RFC 5321 3.8: "service not available").
CLOSING_CODES = frozenset({"421"})
# Commands after which a client must wait for the reply before sending more: RFC 2920 3.1
# (EHLO, DATA, VRFY, EXPN, TURN, QUIT, NOOP), RFC 3207 4 (STARTTLS), and HELO.
LAST_IN_GROUP = frozenset({"EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP",
                           "STARTTLS"})
# Postfix's reply when smtpd_forbid_unauth_pipelining catches a client sending ahead.
OUT_OF_TURN = "554 5.5.0 Error: SMTP protocol synchronization"


def rcpt_reply(mail: Mapping[str, MailDomain], address: str, *, greylisted: bool) -> str:
    """The reply to RCPT TO:<address>; ``greylisted`` says the greylist holds this pair back."""
    local, _, domain = address.lower().rpartition("@")
    config = mail.get(domain)
    if config is None:
        return REPLIES["relay"]
    if config.greylist and greylisted:
        return REPLIES["greylisted"]
    if local in config.mailboxes or config.catch_all:
        return REPLIES["ok"]
    return REPLIES["unknown"]


def policy_reply(
    config: MailDomain, *, helo: str, sender: str, count: int, zone: Mapping[str, DnsRecords]
) -> str | None:
    """The refusal a checking domain gives before looking at the recipient, or None (pure).

    ``helo`` is the client's EHLO name, ``sender`` its MAIL FROM ("" or "<>": the null
    sender), ``count`` this RCPT's number in the session; ``zone`` the world's DNS.
    """
    texts = POLICY_REPLIES[config.software]
    if config.max_rcpts_per_session and count > config.max_rcpts_per_session:
        return texts["too_many"]
    literal = _address_literal(helo)
    if config.helo in ("fqdn", "known") and not literal and "." not in helo.strip("."):
        return texts["helo_fqdn"].format(helo=helo)
    if config.helo == "known" and not literal and not _known(zone, helo):
        return texts["helo_unknown"].format(helo=helo)
    null = sender in ("", "<>")
    if null and not config.null_sender:
        return texts["null_sender"]
    domain = sender.rpartition("@")[2]
    if not null and config.sender == "known" and not _known(zone, domain):
        return texts["sender_unknown"].format(sender=sender)
    return None


def _address_literal(helo: str) -> bool:
    """[192.0.2.1] or [IPv6:2001:db8::1] (RFC 5321 4.1.3), which name checks let through."""
    if not (helo.startswith("[") and helo.endswith("]")):
        return False
    try:
        ipaddress.ip_address(helo[1:-1].removeprefix("IPv6:"))
    except ValueError:
        return False
    return True


def _known(zone: Mapping[str, DnsRecords], name: str) -> bool:
    """Whether ``name`` has an A, AAAA or MX record in the world (what Postfix asks)."""
    records = zone.get(name.lower().rstrip("."))
    return records is not None and bool(records.a or records.aaaa or records.mx)


class Greylist:
    """RFC 6647 greylisting: a (sender, recipient) pair's first try is deferred.

    A later try passes once ``wait_s`` seconds have gone by since the first
    (0 = the very next try passes).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._first_seen: dict[tuple[str, str], float] = {}
        self._clock = clock

    def holds(self, sender: str, recipient: str, wait_s: float) -> bool:
        key = (sender.lower(), recipient.lower())
        now = self._clock()
        first = self._first_seen.get(key)
        if first is None:
            self._first_seen[key] = now
            return True
        return now - first < wait_s


class SmtpService:
    """Runs the world's SMTP server on loopback until ``stop()``."""

    def __init__(
        self,
        world: World,
        logs: WorldLogs,
        *,
        latency: bool,
        host: str = "127.0.0.1",
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.world = world
        self.logs = logs
        self.delay = world.latency.waiter("smtp", seed=world.name) if latency else None
        self.faults = FaultBook(world.faults_for("smtp"))
        self.greylist = Greylist()
        self.zone = world.zone()
        self.tls_context = tls_context
        self._host = host
        self._server: asyncio.Server | None = None
        self._sessions: set[_WorldSMTP] = set()
        self._ids = itertools.count(1)

    @property
    def port(self) -> int:
        assert self._server is not None, "the SMTP server is not started"
        return self._server.sockets[0].getsockname()[1]

    async def start(self, port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._new_session, self._host, port, reuse_address=True
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self._sessions):
            session.abort()
        coros = [s.handler_task for s in self._sessions if s.handler_task is not None]
        await asyncio.gather(*coros, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _new_session(self) -> _WorldSMTP:
        session = _WorldSMTP(self, next(self._ids))
        self._sessions.add(session)
        return session

    def forget(self, session: _WorldSMTP) -> None:
        self._sessions.discard(session)

    async def handle_EHLO(  # noqa: N802 - the hook name aiosmtpd looks for
        self, server, session, envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        """aiosmtpd hook: the EHLO reply, offering PIPELINING unless the world says not to."""
        session.host_name = hostname  # with this hook, aiosmtpd leaves it to us
        if self.world.smtp.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    def take_faults(self, stage: str, domain: str | None = None) -> tuple[Fault, ...]:
        return self.faults.take(lambda f: f.stage == stage and f.host in (None, domain))

    async def handle_RCPT(  # noqa: N802 - the hook name aiosmtpd looks for
        self, server, session, envelope, address: str, rcpt_options
    ) -> str:
        """aiosmtpd hook: decide the RCPT reply from the world's [mail] tables."""
        domain = address.lower().rpartition("@")[2]
        config = self.world.mail.get(domain)
        session.rcpt_count = getattr(session, "rcpt_count", 0) + 1  # per connection
        if config is not None:
            refused = policy_reply(config, helo=session.host_name or "",
                                   sender=envelope.mail_from or "", count=session.rcpt_count,
                                   zone=self.zone)
            if refused is not None:
                return refused
        held = bool(config and config.greylist) and self.greylist.holds(
            envelope.mail_from or "", address, config.greylist_seconds if config else 0.0
        )
        reply = rcpt_reply(self.world.mail, address, greylisted=held)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply


class _WorldSMTP(SMTP):
    """aiosmtpd's protocol with logging, latency, faults and a DATA that always refuses."""

    def __init__(self, service: SmtpService, number: int) -> None:
        super().__init__(
            service,
            hostname=service.world.smtp.hostname,
            ident="lookup-world ESMTP",
            tls_context=service.tls_context,
            loop=asyncio.get_running_loop(),
            timeout=120,
        )
        self._service = service
        self._number = number
        self._greeted = False
        self._answered_banner = False
        self._writes = 0  # the client's writes so far (data_received calls with data)
        self._lines: deque[int] = deque()  # per command line received, not yet answered: its write
        self._waited = -1  # the write whose round trip the latency was last paid for
        self._pipelining = False  # PIPELINING offered by the last EHLO reply (and in effect)
        self._smtp_methods = {name: self._wrap(name, m) for name, m in self._smtp_methods.items()}

    @property
    def handler_task(self) -> asyncio.Task | None:
        return getattr(self, "_handler_coroutine", None)

    def _log(self, direction: str, line: str, flight: int = 0) -> None:
        self._service.logs.add(SmtpLine(self._number, direction, line, time.monotonic(), flight))

    def data_received(self, data: bytes) -> None:
        """Note which client write each command line came in (decrypted, after STARTTLS)."""
        if data:
            self._writes += 1
            self._lines.extend([self._writes] * data.count(b"\n"))
        super().data_received(data)

    def connection_made(self, transport) -> None:
        if not self._greeted:
            peer = transport.get_extra_info("peername")
            self._log("*", f"connect from {peer[0]}:{peer[1]}" if peer else "connect")
        else:  # the TLS layer after STARTTLS: aiosmtpd drops what came in the clear meanwhile
            self._lines.clear()
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        self._service.forget(self)
        super().connection_lost(error)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def _reset(self, stage: str) -> None:
        """Drop the connection on purpose and wait to be cancelled by connection_lost."""
        self._log("*", f"reset at {stage} (fault)")
        self.abort()
        await asyncio.Event().wait()

    async def _hang_up(self) -> None:
        """Close after the last reply; commands the client sent ahead are never handled."""
        if self.transport is not None:
            self.transport.close()
        await asyncio.Event().wait()  # connection_lost cancels the handler

    def _out_of_turn(self, command: str) -> bool:
        """The client sent more before this command's reply where it may not (RFC 2920)."""
        ahead = len(self._lines) > 1
        return ahead and (not self._pipelining or command in LAST_IN_GROUP)

    async def _faults(self, stage: str, domain: str | None = None) -> str | None:
        """Apply this stage's faults: sleep, maybe reset; return a reply to send instead."""
        faults = self._service.take_faults(stage, domain)
        for fault in faults:
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
        if any(f.reset for f in faults):
            await self._reset(stage)
        return next((f.reply for f in faults if f.reply), None)

    async def push(self, status) -> None:
        text = status.decode() if isinstance(status, bytes) else status
        if not self._greeted:
            self._greeted = True
            forced = await self._faults("banner")
            if forced is not None:
                await self._say(forced)
                return
        await self._say(text)

    async def _say(self, text: str) -> None:
        last = text.rsplit("\r\n", 1)[-1]  # a multi-line reply may come as one string
        final = len(last) < 4 or last[3] != "-"  # the last line of a multi-line reply
        if final and self._service.delay and self._new_round_trip():
            await asyncio.sleep(self._service.delay())
        for line in text.split("\r\n"):
            self._log("S", line)
        await super().push(text)
        if final:
            self._answered()
        if final and last[:3] in CLOSING_CODES:
            await self._hang_up()

    def _new_round_trip(self) -> bool:
        """Whether this reply is the first to a client write (the banner: to the connect).

        Replies to commands pipelined in one write travel back together: one round trip.
        """
        write = self._lines[0] if self._answered_banner and self._lines else 0
        if write == self._waited:
            return False
        self._waited = write
        return True

    def _answered(self) -> None:
        if not self._answered_banner:
            self._answered_banner = True
        elif self._lines:
            self._lines.popleft()

    def _wrap(self, command: str, method):
        async def logged(arg: str | None) -> None:
            self._log("C", f"{command} {arg}" if arg else command,
                      self._lines[0] if self._lines else 0)
            if self._out_of_turn(command):
                self._log("*", f"improper pipelining: more commands came before the reply "
                               f"to {command} (refused)")
                await self._say(OUT_OF_TURN)
                await self._hang_up()
            if command in ("EHLO", "HELO", "STARTTLS"):
                self._pipelining = False  # until an EHLO reply offers it (again)
            stage = STAGE_OF.get(command)
            forced = None
            if stage is not None:
                forced = await self._faults(stage, _domain_of(arg) if stage == "rcpt" else None)
            if forced is None:
                await method(arg)
                self._pipelining |= (command == "EHLO" and bool(arg)
                                     and self._service.world.smtp.pipelining)
            else:
                await self._say(forced)

        return logged

    async def smtp_DATA(self, arg: str | None) -> None:  # noqa: N802
        if await self.check_helo_needed():
            return
        if not self.envelope.rcpt_tos:
            await self.push(REPLIES["need_rcpt"])
            return
        await self.push(REPLIES["data"])


def _domain_of(arg: str | None) -> str | None:
    text = (arg or "").strip().strip("<>").lower()
    inner = text.partition("<")[2].partition(">")[0] if "<" in text else text.removeprefix("to:")
    return inner.rpartition("@")[2] or None
