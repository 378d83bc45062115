"""serve_world: starting and stopping the four servers, endpoints, and serve_forever."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import dns.resolver
import httpx
import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

import lookup.world
from lookup.errors import WorldError
from lookup.settings import Settings, WorldEndpoints
from lookup.world import describe, serve_forever, serve_world

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_world(tmp_path, SMALL_WORLD, SMALL_DOCS, SMALL_SITES)


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_public_api_is_pinned() -> None:
    """lookup.world exports exactly the documented names, sorted."""
    assert lookup.world.__all__ == sorted(lookup.world.__all__)
    needed = {"serve_world", "serve_forever", "WorldTransport", "load_world"}
    assert set(lookup.world.__all__) >= needed


def test_endpoints_describe_the_running_servers(small: Path) -> None:
    """endpoints is a WorldEndpoints with four distinct listening ports."""
    with serve_world(small, latency=False) as running:
        e = running.endpoints
        assert isinstance(e, WorldEndpoints)
        assert e.directory == str(small.resolve())
        assert e.search_url.startswith("http://127.0.0.1:")
        ports = {e.http_port, e.dns_port, e.smtp_port, running.search_port}
        assert len(ports) == 4
        assert all(port_is_open(p) for p in (e.http_port, e.smtp_port, running.search_port))


def test_stopping_closes_ports_and_thread(small: Path) -> None:
    """Leaving the block closes every port and ends the server thread."""
    threads_before = set(threading.enumerate())
    with serve_world(small, latency=False) as running:
        ports = (running.endpoints.http_port, running.endpoints.smtp_port, running.search_port)
    assert not any(port_is_open(p) for p in ports)
    assert set(threading.enumerate()) == threads_before


def test_servers_stop_when_the_body_raises(small: Path) -> None:
    """An exception in the block still stops the servers."""
    with pytest.raises(RuntimeError), serve_world(small, latency=False) as running:
        port = running.endpoints.http_port
        raise RuntimeError("boom")
    assert not port_is_open(port)


def test_stopping_interrupts_a_pending_delay(tmp_path: Path) -> None:
    """A request stuck in a 10-minute delay fault does not keep the world from stopping: the
    request is cut (the client reads no answer), the threads end, and the test does not run
    into the suite's 300 s timeout, as it would if stopping waited for the delay."""
    slow = write_world(tmp_path, SMALL_WORLD.replace("delay_ms = 5000", "delay_ms = 600000"),
                       SMALL_DOCS, SMALL_SITES)
    with serve_world(slow, latency=False) as running:
        sock = socket.create_connection(("127.0.0.1", running.endpoints.http_port))
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: www.acme.test\r\n\r\n")
        time.sleep(0.3)  # the handler is now in its delay
    sock.settimeout(5)
    try:
        answer = sock.recv(100)
    except (ConnectionResetError, TimeoutError):
        answer = b""
    finally:
        sock.close()
    assert answer == b""
    assert not any(t.name.startswith("world:") for t in threading.enumerate())


def test_busy_port_is_a_world_error(small: Path) -> None:
    """Asking for a port already in use raises WorldError, not OSError."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(WorldError, match="could not listen"):
            with serve_world(small, latency=False, http_port=taken.getsockname()[1]):
                pass


def test_settings_in_world_point_at_the_servers(small: Path) -> None:
    """Settings.in_world sends search and DNS to the running world, and they answer."""
    with serve_world(small, latency=False) as running:
        settings = Settings().in_world(running.endpoints)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(settings.dns.nameservers)
        resolver.port = settings.dns.port
        assert resolver.resolve("acme.test", "MX")
        response = httpx.get(f"{settings.search.searxng_url}/search?q=jane&format=json")
        assert response.json()["results"]


def test_latency_on_still_answers(small: Path) -> None:
    """With latency on, every service still answers correctly."""
    with serve_world(small) as running:

        async def fetch() -> int:
            async with httpx.AsyncClient(transport=running.transport()) as client:
                return (await client.get("https://www.acme.test/")).status_code

        assert asyncio.run(fetch()) == 200


def test_describe_lists_endpoints_and_settings(small: Path) -> None:
    """describe() names every port and the LOOKUP_ variables to use them."""
    with serve_world(small, latency=False) as running:
        text = "\n".join(describe(running))
        e = running.endpoints
    assert f"port {e.dns_port}" in text
    assert f"port {e.smtp_port}" in text
    assert f"LOOKUP_SEARCH__SEARXNG_URL={e.search_url}" in text
    assert "LOOKUP_WORLD=" in text


def test_serve_forever_prints_and_stops_on_ctrl_c(small: Path) -> None:
    """serve_forever prints the endpoints and stops cleanly on KeyboardInterrupt."""
    printed: list[str] = []

    def interrupt() -> None:
        raise KeyboardInterrupt

    serve_forever(small, out=printed.append, latency=False, wait=interrupt)
    assert printed[0].startswith('World "Acme Test World"')
    assert printed[-1] == "Stopping the world."


def test_demo_world_serves_its_sites() -> None:
    """Every demo site with a home page serves it (200, after redirects); only sites that
    have none (a robots.txt-only network, a site of deep links) answer 404."""
    with serve_world(DEMO, latency=False) as running:

        async def homes() -> list[int]:
            async with httpx.AsyncClient(transport=running.transport(), follow_redirects=True) as c:
                hosts = sorted(running.world.site_hosts)
                return [(await c.get(f"https://{h}/")).status_code for h in hosts]

        codes = asyncio.run(homes())
        hosts = sorted(running.world.site_hosts)
    redirected = {r.host for r in running.world.redirects if r.path == "/"}
    expected = [200 if (DEMO / "sites" / h / "index.html").is_file() or h in redirected else 404
                for h in hosts]
    assert codes == expected and 200 in expected and 404 in expected


def test_demo_expected_addresses_agree_with_its_dns_and_mail() -> None:
    """Each expected deliverable address of the demo has an MX and is accepted at RCPT TO."""
    import smtplib
    import tomllib

    expected = tomllib.loads((DEMO / "expected.toml").read_text())["interview"]
    deliverable = [
        i["expect"]["email"] for i in expected if i["expect"].get("email_status") == "deliverable"
    ]
    with serve_world(DEMO, latency=False) as running:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], running.endpoints.dns_port
        for address in deliverable:
            assert resolver.resolve(address.rpartition("@")[2], "MX")
            with smtplib.SMTP("127.0.0.1", running.endpoints.smtp_port, timeout=5) as client:
                client.ehlo("checker.test")
                client.mail("verify@checker.test")
                assert client.rcpt(address)[0] == 250


def test_a_world_stopped_while_it_answers_says_nothing_about_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping a world while a connection is being answered (here a search still in its
    latency) ends the connection's task quietly: no "Exception in callback" traceback from
    asyncio on the command's stderr (Python 3.11 reads a cancelled handler's exception)."""
    import logging

    world = write_world(tmp_path, 'name = "slow"\n[latency_ms]\nsearch = 3000\n',
                        [{"title": "Acme", "url": "https://acme.test/", "snippet": "Acme"}])
    caplog.set_level(logging.ERROR, logger="asyncio")
    with serve_world(world) as running:
        url = running.endpoints.search_url + "/search?q=Acme&format=json"
        threading.Thread(target=_ask, args=(url,), daemon=True).start()
        time.sleep(0.3)  # the request is in its 3 s latency (logged once answered)
        assert not running.search_log
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text


def _ask(url: str) -> None:
    try:
        httpx.get(url, timeout=10)
    except httpx.HTTPError:
        pass  # the world went away under it: expected
