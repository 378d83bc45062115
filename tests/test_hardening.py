"""Hardening (issue 12): robots.txt that cannot be defeated, no CPU traps, loopback only."""

from __future__ import annotations

import asyncio
import random
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from lookup.ratelimit import FakeClock
from lookup.settings import FetchSettings, Settings
from lookup.web._markup import MAX_DEPTH, tame
from lookup.web.extract import extract
from lookup.web.fetch import Fetcher, make_client
from lookup.world import serve_world
from tests.worldkit import write_world

PUBLIC_IP = "93.184.216.34"  # any global unicast address: the world transport never dials it


async def _public(host: str) -> list[str]:
    return [PUBLIC_IP]


def _fetch(world, urls, settings=None):
    settings = settings or replace(Settings(), fetch=FetchSettings(
        timeout_s=2.0, max_bytes=3_000_000, per_host_delay_s=0.0))

    async def go():
        async with make_client(settings, transport=world.transport()) as client:
            fetcher = Fetcher(client, settings, resolver=_public, clock=FakeClock(),
                              rng=random.Random(0))
            return await fetcher.fetch_many(urls)

    return asyncio.run(go())


def test_a_robots_txt_over_500_kib_is_read_up_to_the_cap_not_ignored(tmp_path: Path) -> None:
    """A 600 KiB robots.txt still disallows what its first 500 KiB disallow (RFC 9309 2.5);
    before, a Content-Length over the cap made it "allow all"."""
    padding = "# " + "x" * 70 + "\n"
    robots = "User-agent: *\nDisallow: /private/\n" + padding * (600 * 1024 // len(padding))
    robots += "User-agent: *\nAllow: /\n"  # past the cap: never read
    world = write_world(tmp_path, '[dns."big.test"]\na = ["127.0.0.1"]\n', [], {
        "big.test/robots.txt": robots, "big.test/private/x.html": "<p>secret</p>",
        "big.test/public.html": "<p>hello</p>"})
    with serve_world(world, latency=False) as running:
        private, public = _fetch(running, ["https://big.test/private/x", "https://big.test/public"])
        served = [h.path for h in running.http_log]
    assert private.reason.startswith("disallowed by robots.txt") and "/private/x" not in served
    assert public.ok


def test_a_deeply_nested_page_is_tamed_before_any_parse(tmp_path: Path) -> None:
    """2 MB of unclosed <div>s: extraction (and the links it gives the crawl) parse the tamed
    markup, whose nesting never exceeds MAX_DEPTH; no other parse of raw HTML remains."""
    nested = "<html><body><nav><a href=\"/team\">Team</a></nav>" + "<div>" * 400_000 + "<p>deep</p>"
    assert len(nested) > 2_000_000
    tamed = tame(nested)
    depth = deepest = 0
    for i in range(len(tamed)):
        if tamed.startswith("<div", i):
            depth += 1
            deepest = max(deepest, depth)
        elif tamed.startswith("</div", i):
            depth -= 1
    assert deepest <= MAX_DEPTH
    page = extract(nested, "https://acme.test/")
    assert [link.url for link in page.site_links] == ["https://acme.test/team"]
    parsers = [p for p in Path("lookup").rglob("*.py") if "LexborHTMLParser(" in p.read_text()]
    assert parsers == [Path("lookup/web/extract.py")]  # one parse, of tame(html)
    assert "LexborHTMLParser(tame(html))" in Path("lookup/web/extract.py").read_text()


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "192.168.1.9"])
def test_world_mode_smtp_contacts_loopback_only(tmp_path: Path, address: str) -> None:
    """An MX resolving to a private or link-local address is refused before any socket opens
    (the suite's audit hook would fail the test on a connect); only 127.0.0.0/8 and ::1 pass."""
    from lookup.mail.verify import Verifier

    world = write_world(tmp_path, f'''
[dns."evil.test"]
mx = ["10 mx.evil.test"]
[dns."mx.evil.test"]
a = ["{address}"]
''')
    with serve_world(world, latency=False) as running:
        settings = replace(Settings().in_world(running.endpoints))
        verdict = asyncio.run(Verifier(settings).verify("jane@evil.test", smtp=True))
        assert running.smtp_log == [] or not list(running.smtp_log)
    assert verdict.status == "unknown"
    assert any("non-loopback address in world mode" in r for r in verdict.reasons)


def test_the_suite_fails_any_connection_beyond_loopback() -> None:
    """The audit hook in conftest refuses a connect to a private address before it happens."""
    with socket.socket() as sock, pytest.raises(RuntimeError, match="beyond loopback"):
        sock.connect(("10.255.255.1", 25))
