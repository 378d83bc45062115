"""The world's DNS server: authoritative answers for the world's names, over UDP and TCP.

Built on dnspython's message classes. Each query is its own task, so the
simulated latency never serialises concurrent queries. UDP answers larger than
the client's payload size (512 bytes without EDNS) are truncated with the TC
bit set, and the client retries over TCP on the same port (RFC 7766).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Mapping

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.PTR
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import dns.rrset

from lookup.world._logs import DnsQuery, FaultBook, WorldLogs
from lookup.world.format import DnsRecords, Fault, World

__all__ = ["DnsServer", "answer_query"]

UDP_DEFAULT_PAYLOAD = 512  # RFC 1035 4.2.1, for clients without EDNS
UDP_RECEIVE_BUFFER = 4 * 1024 * 1024
IN = dns.rdataclass.IN


def answer_query(zone: Mapping[str, DnsRecords], query: dns.message.Message) -> dns.message.Message:
    """The authoritative response to ``query`` from ``zone`` (pure)."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA | dns.flags.RA
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    records = zone.get(name)
    if records is None:
        # A name above a world name (an "empty non-terminal") exists: RFC 8020.
        if not any(known.endswith("." + name) for known in zone):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response
    rrset = _rrset(question.name, question.rdtype, records)
    if rrset is not None:
        response.answer.append(rrset)
    return response


def _rrset(name: dns.name.Name, rdtype: int, records: DnsRecords) -> dns.rrset.RRset | None:
    T = dns.rdatatype
    if rdtype == T.A:
        rdatas = [dns.rdtypes.IN.A.A(IN, T.A, a) for a in records.a or ()]
    elif rdtype == T.AAAA:
        rdatas = [dns.rdtypes.IN.AAAA.AAAA(IN, T.AAAA, a) for a in records.aaaa]
    elif rdtype == T.MX:
        rdatas = [
            dns.rdtypes.ANY.MX.MX(IN, T.MX, pref, dns.name.from_text(host))
            for pref, host in records.mx
        ]
    elif rdtype == T.PTR:
        rdatas = [
            dns.rdtypes.ANY.PTR.PTR(IN, T.PTR, dns.name.from_text(host)) for host in records.ptr
        ]
    elif rdtype == T.TXT:
        rdatas = [
            dns.rdtypes.ANY.TXT.TXT(IN, T.TXT, _chunks(text.encode())) for text in records.txt
        ]
    else:
        return None
    if not rdatas:
        return None
    return dns.rrset.from_rdata_list(name, records.ttl, rdatas)


def _chunks(data: bytes) -> list[bytes]:
    # A TXT character-string holds at most 255 bytes (RFC 1035 3.3.14).
    return [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]


class DnsServer:
    """UDP and TCP on the same port, answering from the world's zone."""

    def __init__(
        self, world: World, logs: WorldLogs, *, latency: bool, host: str = "127.0.0.1"
    ) -> None:
        self._zone = world.zone()
        self._logs = logs
        self._delay = world.latency.waiter("dns", seed=world.name) if latency else None
        self._faults = FaultBook(world.faults_for("dns"))
        self._host = host
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        assert self._udp is not None, "the DNS server is not started"
        return self._udp.get_extra_info("sockname")[1]

    async def start(self, port: int = 0) -> None:
        """Bind UDP, then TCP on the same port number (retrying if that TCP port is taken)."""
        loop = asyncio.get_running_loop()
        for _ in range(20):
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(self._host, port)
            )
            _widen_receive_buffer(self._udp)
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, self._host, self.port)
                return
            except OSError:
                self._udp.close()
                if port:
                    raise
        raise OSError("No port was free for both UDP and TCP DNS.")

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def respond(self, wire: bytes, transport: str) -> bytes | None:
        """The wire answer to a wire query, or None to stay silent."""
        arrived = time.monotonic()
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - real servers ignore undecodable packets too
            return None
        if not query.question:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        if self._delay:
            await asyncio.sleep(self._delay())
        faults = self._faults.take(lambda f: f.host in (None, name) and f.type in (None, kind))
        response = await self._faulty(query, faults)
        if response is None:
            self._logs.add(DnsQuery(name, kind, transport, "DROPPED", at=arrived))
            return None
        rcode = dns.rcode.to_text(response.rcode())
        if transport == "tcp":
            self._logs.add(DnsQuery(name, kind, transport, rcode, at=arrived))
            return response.to_wire()
        limit = max(UDP_DEFAULT_PAYLOAD, query.payload) if query.edns >= 0 else UDP_DEFAULT_PAYLOAD
        wire_out = response.to_wire(max_size=limit, prefer_truncation=True)
        truncated = bool(wire_out[2] & 0x02)  # the TC bit of the header's flags (RFC 1035 4.1.1)
        self._logs.add(DnsQuery(name, kind, transport, rcode, truncated, arrived))
        return wire_out

    async def _faulty(
        self, query: dns.message.Message, faults: tuple[Fault, ...]
    ) -> dns.message.Message | None:
        for fault in faults:
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
        if any(f.drop for f in faults):
            return None
        rcode = next((f.rcode for f in faults if f.rcode), None)
        if rcode is not None:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.from_text(rcode))
            return response
        return answer_query(self._zone, query)

    async def _answer_udp(self, wire: bytes, addr) -> None:
        answer = await self.respond(wire, "udp")
        if answer is not None and self._udp is not None and not self._udp.is_closing():
            self._udp.sendto(answer, addr)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                answer = await self.respond(await reader.readexactly(length), "tcp")
                if answer is None:
                    continue
                writer.write(struct.pack("!H", len(answer)) + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # the world stops: a finished task, not a cancelled one (_httpd._serve says why)
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()


def _widen_receive_buffer(transport: asyncio.DatagramTransport) -> None:
    """Let a burst of queries wait in the kernel instead of being dropped.

    Linux's default UDP receive buffer (~208 KiB) overflows at a few hundred
    queued datagrams; 1,000 concurrent queries need about 1 MiB. The kernel
    caps the request at net.core.rmem_max, which is fine.
    """
    sock = transport.get_extra_info("socket")
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self._server = server

    def datagram_received(self, data: bytes, addr) -> None:
        self._server._spawn(self._server._answer_udp(data, addr))
