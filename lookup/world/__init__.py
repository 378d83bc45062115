"""Offline worlds: a directory that stands in for the web, search, DNS and mail.

``serve_world(path)`` loads a world (see docs/world.md) and serves it on
loopback with real servers, in one background thread with its own event loop::

    with serve_world("data/demo", latency=False) as running:
        settings = load_settings().in_world(running.endpoints)
        async with httpx.AsyncClient(transport=running.transport()) as client:
            page = await client.get("https://www.acmerobotics.test/team")
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from lookup.errors import WorldError
from lookup.settings import WorldEndpoints
from lookup.world._dns import DnsServer
from lookup.world._httpd import HttpServer
from lookup.world._logs import (
    DnsCounts,
    DnsQuery,
    HttpHit,
    SearchQuery,
    SmtpLine,
    WorldLogs,
    smtp_sessions_by_domain,
)
from lookup.world._smtp import SmtpService
from lookup.world._web import SearchApp, SiteApp
from lookup.world.format import World, load_world
from lookup.world.transport import WorldSyncTransport, WorldTransport

__all__ = [
    "DnsCounts",
    "DnsQuery",
    "HttpHit",
    "RunningWorld",
    "SearchQuery",
    "SmtpLine",
    "World",
    "WorldSyncTransport",
    "WorldTransport",
    "describe",
    "load_world",
    "read_endpoints",
    "serve_forever",
    "serve_world",
    "smtp_sessions_by_domain",
    "write_endpoints",
]

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 10.0


class RunningWorld:
    """A world being served: its endpoints, transports for httpx, and what the servers saw."""

    def __init__(self, world: World, endpoints: WorldEndpoints, logs: WorldLogs) -> None:
        self.world = world
        self.endpoints = endpoints
        self._logs = logs

    @property
    def search_port(self) -> int:
        return int(self.endpoints.search_url.rsplit(":", 1)[1])

    def transport(self) -> WorldTransport:
        """A fresh async httpx transport reaching the world's sites (and its search engine)."""
        return WorldTransport(
            http_port=self.endpoints.http_port,
            hosts=self.world.http_hosts,
            host=self.endpoints.host,
            passthrough_ports=(self.search_port,),
        )

    def sync_transport(self) -> WorldSyncTransport:
        """A fresh synchronous httpx transport reaching the world's sites."""
        return WorldSyncTransport(
            http_port=self.endpoints.http_port,
            hosts=self.world.http_hosts,
            host=self.endpoints.host,
            passthrough_ports=(self.search_port,),
        )

    @property
    def http_log(self) -> tuple[HttpHit, ...]:
        return self._logs.snapshot("http")

    @property
    def search_log(self) -> tuple[SearchQuery, ...]:
        return self._logs.snapshot("search")

    @property
    def dns_log(self) -> tuple[DnsQuery, ...]:
        return self._logs.snapshot("dns")

    @property
    def dns_queries(self) -> DnsCounts:
        return self._logs.dns_counts()

    @property
    def smtp_log(self) -> tuple[SmtpLine, ...]:
        return self._logs.snapshot("smtp")

    def clear_logs(self) -> None:
        """Forget everything logged so far (e.g. between benchmark rounds)."""
        self._logs.clear()


class _Servers:
    """The four servers of one world, started and stopped inside the world's event loop."""

    def __init__(
        self, world: World, logs: WorldLogs, *, latency: bool, ports: dict[str, int]
    ) -> None:
        sites = SiteApp(world, logs, latency=latency)
        self.web = HttpServer(sites, host=LOOPBACK, port=ports["http"])
        search = SearchApp(world, logs, latency=latency)
        self.search = HttpServer(search, host=LOOPBACK, port=ports["search"])
        self.dns = DnsServer(world, logs, latency=latency, host=LOOPBACK)
        self.smtp = SmtpService(
            world, logs, latency=latency, host=LOOPBACK, tls_context=_tls_context(world)
        )
        self._ports = ports

    async def start(self, directory: Path) -> WorldEndpoints:
        await self.web.start()
        await self.search.start()
        await self.dns.start(self._ports["dns"])
        await self.smtp.start(self._ports["smtp"])
        return WorldEndpoints(
            directory=str(directory),
            http_port=self.web.port,
            dns_port=self.dns.port,
            smtp_port=self.smtp.port,
            search_url=f"http://{LOOPBACK}:{self.search.port}",
            host=LOOPBACK,
        )

    async def stop(self) -> None:
        servers = (self.web, self.search, self.dns, self.smtp)
        await asyncio.gather(*(server.stop() for server in servers), return_exceptions=True)
        # The loop belongs to this world alone: end whatever is left, such as a
        # connection accepted in the same instant the servers closed.
        for _ in range(3):
            await asyncio.sleep(0)
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)


def _tls_context(world: World) -> ssl.SSLContext | None:
    if not world.smtp.starttls:
        return None
    from lookup.world._tls import self_signed_context  # cryptography is only needed here

    return self_signed_context(world.smtp.hostname)


@contextlib.contextmanager
def serve_world(
    path: str | Path,
    *,
    latency: bool = True,
    http_port: int = 0,
    search_port: int = 0,
    dns_port: int = 0,
    smtp_port: int = 0,
) -> Iterator[RunningWorld]:
    """Serve the world at ``path`` on loopback for the duration of the ``with`` block.

    ``latency=False`` skips the simulated latency (faults still apply). Ports
    default to free ones chosen by the system.
    """
    world = load_world(path)
    logs = WorldLogs()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"world:{world.name}", daemon=True)
    thread.start()
    servers: _Servers | None = None
    try:
        ports = {"http": http_port, "search": search_port, "dns": dns_port, "smtp": smtp_port}

        async def build() -> tuple[_Servers, WorldEndpoints]:
            built = _Servers(world, logs, latency=latency, ports=ports)
            nonlocal servers
            servers = built
            return built, await built.start(world.directory)

        try:
            _, endpoints = asyncio.run_coroutine_threadsafe(build(), loop).result(START_TIMEOUT_S)
        except OSError as exc:
            raise WorldError(
                f"The world {world.name!r} could not listen on {LOOPBACK}: {exc}."
            ) from exc
        yield RunningWorld(world, endpoints, logs)
    finally:
        if servers is not None:
            asyncio.run_coroutine_threadsafe(servers.stop(), loop).result(START_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_TIMEOUT_S)
        loop.close()


def serve_forever(
    path: str | Path,
    out: Callable[[str], object] = print,
    *,
    latency: bool = True,
    wait: Callable[[], object] | None = None,
    endpoints_file: str | Path | None = None,
) -> None:
    """Serve a world until Ctrl-C, printing its endpoints and how to point lookup at them.

    ``endpoints_file`` receives the endpoints as JSON while the world runs (removed
    after): runs given it (``LOOKUP_WORLD_ENDPOINTS``) all use this one world.
    """
    with serve_world(path, latency=latency) as running:
        # Ctrl-C stops the world cleanly from here on, also while the endpoints are printed: a
        # caller that read the first lines may interrupt before the wait begins.
        try:
            if endpoints_file is not None:
                write_endpoints(endpoints_file, running.endpoints)
            for line in describe(running):
                out(line)
            if endpoints_file is not None:
                out(f"Endpoints written to {endpoints_file}: export "
                    f"LOOKUP_WORLD_ENDPOINTS={endpoints_file}")
            (wait or threading.Event().wait)()
        except KeyboardInterrupt:
            out("Stopping the world.")
        finally:
            if endpoints_file is not None:
                Path(endpoints_file).unlink(missing_ok=True)


def write_endpoints(path: str | Path, *endpoints: WorldEndpoints) -> None:
    """Write where running worlds listen, as a JSON list (atomically: all or nothing)."""
    target = Path(path)
    temp = target.with_name(f".{target.name}.tmp")
    rows = [dataclasses.asdict(e) for e in endpoints]
    temp.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, target)


def read_endpoints(path: str | Path, directory: str | Path | None = None) -> WorldEndpoints:
    """The endpoints of the world at ``directory`` (or of the only one) in a file
    ``write_endpoints`` wrote; WorldError in a sentence when there is no such world."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        found = [WorldEndpoints(**row) for row in (data if isinstance(data, list) else [data])]
    except (OSError, ValueError, TypeError) as exc:
        raise WorldError(
            f"The world endpoints file {path} could not be read ({exc}); is "
            "`lookup world serve DIR --endpoints FILE` running?"
        ) from exc
    if directory is not None:
        wanted = Path(directory).expanduser().resolve()
        found = [e for e in found if Path(e.directory).resolve() == wanted]
    if len(found) != 1:
        served = ", ".join(sorted({e.directory for e in found})) or "none"
        raise WorldError(
            f"The endpoints file {path} serves no single world "
            f"{'at ' + str(directory) if directory else 'to choose'} (served: {served})."
        )
    return found[0]


def describe(running: RunningWorld) -> list[str]:
    """Human instructions for a running world: endpoints, settings, sample commands."""
    e, w = running.endpoints, running.world
    homes = sorted(
        (h for h in w.site_hosts if (w.sites_dir / h / "index.html").is_file()),
        key=lambda h: (not h.startswith("www."), h),
    )
    host = next(iter(homes or sorted(w.site_hosts)), "www.example.test")
    mail = next(iter(sorted(w.mail)), host)
    return [
        f'World "{w.name}" ({e.directory}) is being served on {e.host}:',
        f"  web     http://{e.host}:{e.http_port}/  (pick the site with the Host header; "
        f"{len(w.site_hosts)} sites)",
        f"  search  {e.search_url}/search?q=...&format=json  ({len(w.documents)} documents)",
        f"  dns     {e.host} port {e.dns_port} (UDP and TCP)",
        f"  smtp    {e.host} port {e.smtp_port}",
        "Try it:",
        f"  curl -H 'Host: {host}' http://{e.host}:{e.http_port}/",
        f"  dig @{e.host} -p {e.dns_port} {mail} MX",
        "Settings for search, DNS and SMTP clients "
        "(a full run still needs --world, for pages and .test):",
        f"  export LOOKUP_SEARCH__BACKEND=searxng LOOKUP_SEARCH__SEARXNG_URL={e.search_url}",
        f"  export LOOKUP_DNS__NAMESERVERS={e.host} LOOKUP_DNS__PORT={e.dns_port} "
        f"LOOKUP_SMTP__PORT={e.smtp_port}",
        f"Or let each command serve its own copy: lookup research ... --world {e.directory}",
        f"  (or export LOOKUP_WORLD={e.directory}).",
        "Press Ctrl-C to stop.",
    ]
