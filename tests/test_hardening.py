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


@pytest.mark.parametrize(("url", "kind"), [
    ("https://linkedin.com.li-evil.test/in/dana", "other"),  # a look-alike host
    ("https://www.linkedin.com/in/dana", "linkedin"),
    ("https://de.linkedin.com/in/dana", "linkedin"),
    ("https://acme.test/in/dana", "other"),  # /in/ on any other host is not a network profile
    ("https://github.com.evil.test/dana/tool", "other"),
    ("https://github.evil.test/dana/tool", "other"),
    ("https://github.com/dana/tool", "github"),
])
def test_profile_links_match_the_platform_s_own_domain_exactly(url: str, kind: str) -> None:
    """A link is the person's LinkedIn or GitHub only on that platform's registrable domain."""
    from lookup.web.extract import classify_link

    assert classify_link(url) == kind


def test_a_personal_site_is_shown_only_when_it_names_the_person() -> None:
    """A team card linking to a site is not "their site" until a page there names them."""
    import datetime as dt

    from lookup.models import Interview
    from lookup.web.profile import build_profile

    team = extract('<div class="card"><h3>Dana Okafor</h3><p class="role">Director of Data</p>'
                   '<a href="https://evil-mirror.test/">site</a></div>'
                   '<div class="card"><h3>Ken Ito</h3><p class="role">CEO</p>'
                   '<a href="https://kenito.test/">site</a></div>', "https://www.acme.test/team")
    own = extract("<title>Dana Okafor</title><p>Dana Okafor, Director of Data at Acme.</p>",
                  "https://danaokafor.test/")
    me = Interview("Dana Okafor", "Acme")
    links = build_profile(me, "acme.test", [team], [], today=dt.date(2026, 12, 1)).links
    assert [link.url for link in links if link.kind == "personal"] == []
    team2 = extract('<div class="card"><h3>Dana Okafor</h3><p class="role">Director of Data</p>'
                    '<a href="https://danaokafor.test/">site</a></div>', "https://www.acme.test/team")
    links = build_profile(me, "acme.test", [team2, own], [], today=dt.date(2026, 12, 1)).links
    assert [link.url for link in links if link.kind == "personal"] == ["https://danaokafor.test/"]


def test_escapes_control_and_bidi_characters_never_reach_the_terminal_or_json(tmp_path: Path) -> None:
    """A scraped title with ANSI colours, an OSC 8 hyperlink, C1 controls and U+202E is stored
    clean, printed clean by `lookup research` and by --json."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    evil = "Head of \x1b[31mSales\x1b]8;;http://evil.test\x07!\x1b]8;;\x07 \u202eevil\u202c \x9b2J"
    world = write_world(tmp_path, '''
[dns."acme.test"]
mx = ["10 mx.acme.test"]
a = ["127.0.0.1"]
[dns."mx.acme.test"]
a = ["127.0.0.1"]
[mail."acme.test"]
mailboxes = ["jane.roe", "ken.ito"]
''', [{"title": "Team | Acme", "url": "https://acme.test/team", "snippet": "Jane Roe"}],
        {"acme.test/team.html": f'<title>Team | Acme</title><div class="card"><h3>Jane Roe</h3>'
                                f'<p class="role">{evil}</p></div><p>Ken Ito, ken.ito@acme.test</p>',
         "acme.test/index.html": "<title>Acme</title>"})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {"LOOKUP_DATA_DIR": str(tmp_path / "data"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    lookup = Path(sys.executable).with_name("lookup")
    done = subprocess.run([str(lookup), "research", "Jane Roe", "--company", "Acme", "--world",
                           str(world), "--json"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    shown = done.stdout + json.dumps(data, ensure_ascii=False)
    for bad in ("\x1b", "\u202e", "\u202c", "\x9b", "\x07"):
        assert bad not in shown
    assert data["title"].startswith("Head of Sales")


@pytest.mark.server
@pytest.mark.timeout(600)
def test_forget_leaves_no_trace_of_the_name_in_the_data_folder(tmp_path: Path) -> None:
    """research, reverify, forget (as a user types them, Prefect's temporary server in the data
    folder), then no file under the data folder, Prefect's home included, holds the name."""
    import os
    import subprocess
    import sys

    from tests.conftest import DEMO_WORLD, ROOT

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOOKUP_"))}
    env |= {"LOOKUP_DATA_DIR": str(data), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180", "LOOKUP_CONFIG": ""}
    lookup = str(Path(sys.executable).with_name("lookup"))

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([lookup, *args], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=300)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done

    run("research", "Dana Okafor", "--company", "Brightwater Analytics", "--world", str(DEMO_WORLD))
    run("reverify", "--all", "--world", str(DEMO_WORLD))
    assert any(b"okafor" in p.read_bytes().lower() for p in (data / "prefect").rglob("*")
               if p.is_file())  # Prefect did keep the name: the test can fail
    forgot = run("forget", "Dana Okafor")
    assert "Prefect: 1 flow run(s), 1 artifact(s)" in forgot.stdout
    naming = [str(p.relative_to(data)) for p in data.rglob("*")
              if p.is_file() and b"okafor" in p.read_bytes().lower()]
    assert naming == []


def test_live_fetches_connect_to_the_vetted_address_not_a_second_dns_answer(tmp_path: Path) -> None:
    """DNS rebinding: the name answers 127.0.0.1 (allowed by this test's policy) to the check
    and 10.0.0.1 to any later question; the connection goes to the vetted 127.0.0.1 and the
    name is asked once. (Before, httpx resolved again on its own at connect time.)"""
    import ipaddress

    world = write_world(tmp_path, '[dns."rebind.test"]\na = ["127.0.0.1"]\n', [],
                        {"rebind.test/page.html": "<title>Page</title><p>hello</p>"})
    answers = [["127.0.0.1"], ["10.0.0.1"]]
    asked: list[str] = []

    async def rebinding(host: str) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), 2) - 1]

    def loopback_allowed(address: str) -> str | None:
        return None if ipaddress.ip_address(address).is_loopback else f"non-public address: {address}"

    settings = replace(Settings(), fetch=FetchSettings(timeout_s=2.0, per_host_delay_s=0.0))
    with serve_world(world, latency=False) as running:
        url = f"http://rebind.test:{running.endpoints.http_port}/page"

        async def go():
            async with make_client(settings, resolver=rebinding, vet=loopback_allowed) as client:
                fetcher = Fetcher(client, settings, resolver=rebinding, clock=FakeClock(),
                                  rng=random.Random(0), vet=loopback_allowed)
                return await fetcher.fetch(url)

        result = asyncio.run(go())
        served = [h.path for h in running.http_log if h.host == "rebind.test"]
    assert result.ok, result.reason
    assert asked == ["rebind.test"] and "/page" in served


BIG = "<html><body>" + "<p>filler text</p>" * 200_000 + "</body></html>"  # ~3.6 MB


@pytest.mark.parametrize(("fault", "reason"), [
    ("chunked = true", "too large: more than 2000000 bytes"),  # no length: the cap counts bytes
    ("content_length = 1000", None),  # a short lie: a page of 1000 bytes or a read error, never more
    ("content_length = 50000000", "too large: more than 2000000 bytes"),  # refused at once
])
def test_the_2_mb_cap_holds_whatever_the_body_s_framing(tmp_path: Path, fault: str,
                                                        reason: str | None) -> None:
    """Chunked bodies and lying Content-Lengths cannot get more than 2 MB past the fetcher."""
    world = write_world(tmp_path, f'''
[dns."big.test"]
a = ["127.0.0.1"]
[[fault]]
host = "big.test"
path = "/page"
{fault}
''', [], {"big.test/page.html": BIG})
    settings = replace(Settings(), fetch=FetchSettings(timeout_s=5.0, per_host_delay_s=0.0))
    with serve_world(world, latency=False) as running:
        (result,) = _fetch(running, ["https://big.test/page"], settings)
    if reason is not None:
        assert not result.ok and result.reason == reason
    else:
        assert (result.ok and len(result.text or "") <= 1000) or not result.ok


def test_a_slow_drip_is_cut_by_the_page_deadline(tmp_path: Path) -> None:
    """A body dripped at 50 bytes a second ends as a timeout, not a run held for minutes."""
    world = write_world(tmp_path, '''
[dns."slow.test"]
a = ["127.0.0.1"]
[[fault]]
host = "slow.test"
path = "/page"
drip_bytes_per_s = 50
''', [], {"slow.test/page.html": "<p>" + "x" * 5000 + "</p>"})
    settings = replace(Settings(), fetch=FetchSettings(timeout_s=0.5, per_host_delay_s=0.0))
    with serve_world(world, latency=False) as running:
        (result,) = _fetch(running, ["https://slow.test/page"], settings)
    assert not result.ok and result.reason.startswith("timed out")


def test_a_non_ascii_smtp_fault_reply_is_a_clear_world_error(tmp_path: Path) -> None:
    """The world file is refused with a sentence instead of the server answering 500 later."""
    from lookup.errors import WorldError
    from lookup.world import load_world

    world = write_world(tmp_path, '[[fault]]\nservice = "smtp"\nreply = "550 5.1.1 Empfänger unbekannt"\n')
    with pytest.raises(WorldError, match="is not ASCII"):
        load_world(world)
