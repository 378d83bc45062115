"""What the world's servers saw: request logs and fault counters, shared with tests."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lookup.world.format import Fault

__all__ = [
    "DnsCounts", "DnsQuery", "FaultBook", "HttpHit", "SearchQuery", "SmtpLine", "WorldLogs",
    "smtp_sessions_by_domain",
]


@dataclass(frozen=True, slots=True)
class HttpHit:
    """One HTTP request: ``status`` 0 means the connection was reset on purpose."""

    host: str
    path: str
    status: int
    method: str = "GET"
    fault: str = ""  # "", "status", "delay", "reset"
    at: float = 0.0  # time.monotonic() when the request arrived
    answered: float = 0.0  # time.monotonic() when its answer was ready (after the latency)
    query: str = ""  # the query string, without its "?"

    @property
    def target(self) -> str:
        """The path with its query string, as requested."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass(frozen=True, slots=True)
class SearchQuery:
    query: str
    results: int
    status: int = 200
    at: float = 0.0  # time.monotonic() when the query arrived
    answered: float = 0.0  # time.monotonic() when its answer was ready (after the latency)


@dataclass(frozen=True, slots=True)
class DnsQuery:
    name: str  # lower case, no trailing dot
    type: str  # "A", "MX", ...
    transport: str  # "udp" or "tcp"
    rcode: str  # "NOERROR", "NXDOMAIN", "SERVFAIL", or "DROPPED"
    truncated: bool = False
    at: float = 0.0  # time.monotonic() when the query arrived


@dataclass(frozen=True, slots=True)
class DnsCounts:
    """How many DNS queries the world answered, in total and per name."""

    total: int
    by_name: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SmtpLine:
    """One line of an SMTP dialogue: ``direction`` is C (client), S (server) or * (event)."""

    connection: int
    direction: str
    line: str
    at: float = 0.0  # time.monotonic() when the line was read or sent
    # C lines: which of the connection's client writes carried the command (1, 2, ...);
    # commands pipelined together (RFC 2920) share one, and a write is one round trip.
    flight: int = 0


class WorldLogs:
    """Append-only logs written by the server thread and read by anyone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.http: list[HttpHit] = []
        self.search: list[SearchQuery] = []
        self.dns: list[DnsQuery] = []
        self.smtp: list[SmtpLine] = []

    def add(self, entry: HttpHit | SearchQuery | DnsQuery | SmtpLine) -> None:
        target = {
            HttpHit: self.http, SearchQuery: self.search, DnsQuery: self.dns, SmtpLine: self.smtp
        }
        with self._lock:
            target[type(entry)].append(entry)

    def snapshot(self, name: str) -> tuple:
        with self._lock:
            return tuple(getattr(self, name))

    def dns_counts(self) -> DnsCounts:
        queries = self.snapshot("dns")
        return DnsCounts(
            total=len(queries),
            by_name=dict(Counter(q.name for q in queries)),
            by_type=dict(Counter(q.type for q in queries)),
        )

    def clear(self) -> None:
        with self._lock:
            for entries in (self.http, self.search, self.dns, self.smtp):
                entries.clear()


class FaultBook:
    """The faults of one service, with how often each has fired (for ``times``)."""

    def __init__(self, faults: Iterable[Fault]) -> None:
        self._faults = tuple(faults)
        self._fired: Counter[int] = Counter()
        self._lock = threading.Lock()

    def take(self, matches: Callable[[Fault], bool]) -> tuple[Fault, ...]:
        """The faults that apply to this request; each counts one use."""
        chosen = []
        with self._lock:
            for fault in self._faults:
                if not matches(fault):
                    continue
                if fault.times is not None and self._fired[fault.index] >= fault.times:
                    continue
                self._fired[fault.index] += 1
                chosen.append(fault)
        return tuple(chosen)


_RCPT = re.compile(r"RCPT TO:<[^@>]*@([^>]+)>", re.I)


def smtp_sessions_by_domain(lines: Iterable[SmtpLine]) -> dict[str, list[float]]:
    """When each SMTP connection began, by the mail domain of its first RCPT TO (connections
    that asked about no recipient are left out): what a per-domain probe budget limits."""
    started: dict[int, float] = {}
    domain: dict[int, str] = {}
    for line in lines:
        started.setdefault(line.connection, line.at)
        found = _RCPT.match(line.line) if line.direction == "C" else None
        if found and line.connection not in domain:
            domain[line.connection] = found.group(1).lower()
    by_domain: dict[str, list[float]] = {}
    for connection, name in domain.items():
        by_domain.setdefault(name, []).append(started[connection])
    return by_domain
