"""Can this machine reach port 25 at all? One bounded check, remembered for the day.

Most home, café and cloud networks block outgoing port 25, and a probe there
waits out its timeout on every MX host of every address. So before the first
probe of a run, ``PortCheck.ensure`` connects to the MX hosts of the first
domain probed, all at once, with a short timeout (``smtp.connect_timeout_s``).
If none of them takes the connection (refused, reset or timed out) while the
DNS answered for them, port 25 is taken to be blocked from here: SMTP is
skipped for the run, and the answer is written to the data folder
(``cache/smtp-reach.json``) so that every run the same day skips it at once.
A reachable port is remembered for the run only (a laptop changes networks);
``lookup doctor`` checks again and rewrites the day's answer.

The answer is kept per machine (workers may share the data folder; ``general.machine``,
else the host name) and per route: directly, or through each SOCKS5 proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lookup.mail.dayfile import day_of, read_entries, write_entry
from lookup.mail.smtpconnect import DIRECT, ConnectFailed, SmtpRoute, open_stream
from lookup.ratelimit import Clock, SystemClock

__all__ = ["REACH_FILE", "PortAnswer", "PortCheck"]

REACH_FILE = "smtp-reach.json"
MAX_HOSTS = 6  # a batch offers the first two MX hosts of up to three domains


@dataclass(frozen=True, slots=True)
class PortAnswer:
    """Whether port 25 answered from here, when that was found, and in words."""

    blocked: bool
    detail: str
    checked_at: float  # epoch seconds
    from_cache: bool = False
    proxy_failed: bool = False  # the proxy itself could not be used (not a port-25 block)


class PortCheck:
    """The run's port-25 answer: asked once, shared by every probe, a block kept for the day."""

    def __init__(
        self,
        *,
        port: int,
        timeout_s: float,
        route: SmtpRoute = DIRECT,
        cache_file: Path | None = None,
        clock: Clock | None = None,
        world_mode: bool = False,
        scope: str = "",
        machine: str = "",
    ) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.route = route
        self.cache_file = cache_file
        self.clock: Clock = clock or SystemClock()
        self.world_mode = world_mode
        # A world's port changes every time it is served: its answers are kept per world.
        self.key = f"{route.shown or 'direct'} " + (f"world {scope}" if scope else f"port {port}")
        # Workers may share the data folder: one machine's blocked port is not another's.
        self.key = f"{machine} {self.key}" if machine else self.key
        self._answer: PortAnswer | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def answer(self) -> PortAnswer | None:
        """This run's answer, once a probe asked for it."""
        return self._answer

    def settled(self) -> PortAnswer | None:
        """The answer when it is known without connecting: this run's, or the day's block."""
        if self._answer is None:
            self._answer = self.cached()
        return self._answer

    async def wait_settled(self) -> PortAnswer | None:
        """``settled()``, after the check another probe started (if any) has finished."""
        if self._lock is not None and self._lock.locked() and self._loop is asyncio.get_running_loop():
            async with self._lock:
                pass
        return self.settled()

    async def ensure(self, hosts: Sequence[tuple[str, str]]) -> PortAnswer:
        """The answer for this run: the day's cached block, else one check of ``hosts``."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:  # concurrent probes wait for the one check
            if self._answer is None:
                self._answer = self.cached() or await self.check(hosts)
            return self._answer

    async def check(self, hosts: Sequence[tuple[str, str]]) -> PortAnswer:
        """Connect to each host (at most six, all at once); remember a block for the day."""
        tried = list(hosts)[:MAX_HOSTS]
        failures = await asyncio.gather(*(self._connect(name, ip) for name, ip in tried))
        now = self.clock.time()
        took = [name for (name, _), f in zip(tried, failures, strict=True) if f is None]
        if took:
            return PortAnswer(False, f"{', '.join(dict.fromkeys(took))} took a connection on "
                                     f"port {self.port} {self.route.label}", now)
        if not tried:
            return PortAnswer(False, "no mail server to try", now)
        said = "; ".join(f"{name}: {f}" for (name, _), f in zip(tried, failures, strict=True))
        if all(isinstance(f, ConnectFailed) and f.kind == "proxy" for f in failures):
            return PortAnswer(True, f"the SMTP proxy could not be used ({said})", now,
                              proxy_failed=True)
        answer = PortAnswer(True, f"no mail server took a connection on port {self.port} "
                                  f"{self.route.label} within {self.timeout_s:g} s ({said})", now)
        self.remember(answer)
        return answer

    async def _connect(self, name: str, ip: str) -> ConnectFailed | None:
        try:
            _, writer = await open_stream(ip, self.port, route=self.route,
                                          timeout_s=self.timeout_s, world_mode=self.world_mode)
        except ConnectFailed as exc:
            return exc
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        return None

    # -- the day's answer in the data folder ------------------------------

    def cached(self) -> PortAnswer | None:
        """Today's block for this route, when one was found earlier today."""
        entry = read_entries(self.cache_file).get(self.key)
        if not isinstance(entry, dict) or not entry.get("blocked"):
            return None
        checked = float(entry.get("checked_at", 0))
        if day_of(checked) != day_of(self.clock.time()):
            return None
        return PortAnswer(True, str(entry.get("detail", "")), checked, from_cache=True)

    def remember(self, answer: PortAnswer) -> None:
        """Write this route's answer (a block, or that it works again) for the day."""
        if answer.proxy_failed:  # says nothing about port 25 from here
            return
        write_entry(self.cache_file, self.key, {
            "blocked": answer.blocked, "detail": answer.detail,
            "checked_at": answer.checked_at, "day": day_of(answer.checked_at),
        })
