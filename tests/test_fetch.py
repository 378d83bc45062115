"""Fetching: robots.txt, SSRF refusals, caps, retries and budgets, against a world on loopback."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lookup.models import FetchResult
from lookup.ratelimit import FakeClock
from lookup.settings import FetchSettings, Settings
from lookup.web.fetch import (
    Fetcher,
    address_problem,
    decode_html,
    ip_literal,
    make_client,
    make_resolver,
    url_problem,
)
from lookup.world import RunningWorld, serve_world
from tests.worldkit import write_world

PUBLIC_IP = "93.184.216.34"  # any global unicast address: the world transport never dials it

WORLD_TOML = """
name = "Fetch test world"

[dns."www.acme.test"]
a = ["127.0.0.1"]

[dns."public.acme.test"]
a = ["93.184.216.34"]
aaaa = ["2606:2800:220:1:248:1893:25c8:1946"]

[[redirect]]
host = "www.acme.test"
path = "/to-private"
to = "http://10.0.0.1/admin"

[[redirect]]
host = "www.acme.test"
path = "/to-loopback"
to = "http://127.0.0.1:8080/"

[[redirect]]
host = "www.acme.test"
path = "/to-blog"
to = "https://blog.acme.test/"

[[redirect]]
host = "www.acme.test"
path = "/loop-a"
to = "/loop-b"

[[redirect]]
host = "www.acme.test"
path = "/loop-b"
to = "/loop-a"

[[redirect]]
host = "acme.test"
path = "/"
to = "https://www.acme.test/"

[[fault]]
host = "www.acme.test"
path = "/slow"
delay_ms = 1500

[[fault]]
host = "www.acme.test"
path = "/broken"
status = 503

[[fault]]
host = "www.acme.test"
path = "/flaky"
status = 503
times = 1

[[fault]]
host = "www.acme.test"
path = "/reset"
reset = true

[[fault]]
host = "down.acme.test"
path = "/robots.txt"
status = 503
"""

PAGE = "<!doctype html><html><head><title>{0}</title></head><body><p>{0}</p></body></html>"
SITES = {
    "www.acme.test/robots.txt": "User-agent: *\nDisallow: /private\n",
    "www.acme.test/index.html": PAGE.format("Acme"),
    "www.acme.test/team.html": PAGE.format("Team"),
    "www.acme.test/about.html": PAGE.format("About"),
    "www.acme.test/contact.html": PAGE.format("Contact"),
    "www.acme.test/flaky.html": PAGE.format("Flaky"),
    "www.acme.test/slow.html": PAGE.format("Slow"),
    "www.acme.test/private/index.html": PAGE.format("Private"),
    "www.acme.test/big.html": PAGE.format("x" * 5000),
    "www.acme.test/data.json": '{"ok": true}',
    "blog.acme.test/index.html": PAGE.format("Blog"),
    "down.acme.test/index.html": PAGE.format("Down"),
    "polite.acme.test/robots.txt": "User-agent: *\nCrawl-delay: 3\n",
    "polite.acme.test/one.html": PAGE.format("One"),
    "polite.acme.test/two.html": PAGE.format("Two"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningWorld]:
    root = write_world(tmp_path_factory.mktemp("fetch"), WORLD_TOML, (), SITES)
    latin = '<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head></html>'
    (root / "sites" / "www.acme.test" / "latin.xhtml").write_bytes(latin.encode("latin-1"))
    with serve_world(root, latency=False) as running:
        yield running


async def _public(host: str) -> list[str]:
    return [PUBLIC_IP]


def _settings(**fetch: object) -> Settings:
    base = FetchSettings(timeout_s=1.0, max_bytes=100_000, per_host_delay_s=0.0)
    return replace(Settings(), fetch=replace(base, **fetch))  # type: ignore[arg-type]


def _run(
    world: RunningWorld, urls: Sequence[str], settings: Settings | None = None, resolver=_public
) -> tuple[list[FetchResult], Fetcher]:
    """Fetch ``urls`` with a fresh live-mode fetcher whose traffic the world transport carries."""
    settings = settings or _settings()

    async def go() -> tuple[list[FetchResult], Fetcher]:
        async with make_client(settings, transport=world.transport()) as client:
            fetcher = Fetcher(
                client, settings, resolver=resolver, clock=FakeClock(), rng=random.Random(0)
            )
            return await fetcher.fetch_many(urls), fetcher

    return asyncio.run(go())


def _paths(world: RunningWorld, host: str) -> list[str]:
    return [hit.path for hit in world.http_log if hit.host == host]


def test_fetches_a_page_with_its_text(world: RunningWorld) -> None:
    """A public HTML page comes back ok with its decoded text, status and final URL."""
    (result,), fetcher = _run(world, ["https://www.acme.test/team"])
    assert result.ok and result.status == 200 and "<title>Team</title>" in (result.text or "")
    assert result.final_url == "https://www.acme.test/team" and result.reason == ""
    assert fetcher.pages_fetched == 1


def test_robots_disallowed_path_is_never_requested(world: RunningWorld) -> None:
    """A path robots.txt disallows is skipped with a reason and never reaches the server."""
    world.clear_logs()
    results, fetcher = _run(
        world,
        [
            "https://www.acme.test/private/",
            "https://www.acme.test/private/x",
            "https://www.acme.test/",
        ],
    )
    assert [r.reason for r in results[:2]] == ["disallowed by robots.txt"] * 2
    assert results[2].ok
    paths = _paths(world, "www.acme.test")
    assert not [p for p in paths if p.startswith("/private")]
    assert paths.count("/robots.txt") == 1 and fetcher.robots_fetches == 1


def test_missing_robots_allows_everything(world: RunningWorld) -> None:
    """A robots.txt answered 404 allows every path (RFC 9309 'unavailable')."""
    (result,), _ = _run(world, ["https://blog.acme.test/"])
    assert result.ok


def test_crawl_delay_spaces_requests_to_a_host(world: RunningWorld) -> None:
    """A robots.txt Crawl-delay of 3 s spaces that host's page requests 3 s apart."""
    results, fetcher = _run(world, ["https://polite.acme.test/one", "https://polite.acme.test/two"])
    assert all(r.ok for r in results)
    assert fetcher.clock.sleeps == [3.0]  # type: ignore[attr-defined]


def test_a_crawl_delay_is_said_on_the_terminal(world: RunningWorld,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """The wait a Crawl-delay asks for is said once per host, with the host and the seconds."""
    with caplog.at_level(logging.INFO, logger="lookup.web.fetch"):
        _run(world, ["https://polite.acme.test/one", "https://polite.acme.test/two"])
    said = [r.getMessage() for r in caplog.records if r.name == "lookup.web.fetch"]
    assert said[0] == ("polite.acme.test asks for 3 s between requests (robots.txt Crawl-delay): "
                       "waiting that long before each further page from it.")
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # once, when robots.txt is read


def test_unreachable_robots_disallows_everything(world: RunningWorld) -> None:
    """A robots.txt answered 5xx disallows the whole host (RFC 9309 'unreachable')."""
    world.clear_logs()
    (result,), _ = _run(world, ["https://down.acme.test/"])
    assert not result.ok and result.reason.startswith("disallowed by robots.txt")
    assert "unreachable" in result.reason and "HTTP 503" in result.reason
    assert "/" not in _paths(world, "down.acme.test")


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/to-private", "non-public address: 10.0.0.1"),
        ("/to-loopback", "non-public address: 127.0.0.1"),
    ],
)
def test_redirect_to_a_private_address_is_refused(
    world: RunningWorld, path: str, refused: str
) -> None:
    """A redirect whose target is a private or loopback address is not followed."""
    (result,), _ = _run(world, [f"https://www.acme.test{path}"])
    assert not result.ok and result.reason == refused
    assert result.final_url.startswith(("http://10.0.0.1", "http://127.0.0.1"))


def test_redirect_to_a_public_host_is_followed(world: RunningWorld) -> None:
    """A redirect to another allowed host is followed and reported as the final URL."""
    (result,), _ = _run(world, ["https://www.acme.test/to-blog"])
    assert result.ok and result.final_url == "https://blog.acme.test/"


def test_ip_literals_and_bad_urls_are_refused_without_a_request(world: RunningWorld) -> None:
    """Loopback and private IP literals, other schemes and credentials are refused unsent."""
    port = world.endpoints.http_port
    urls = [
        f"http://127.0.0.1:{port}/",
        "http://[::1]/",
        "http://2130706433/",
        "http://192.168.0.1/",
        "file:///etc/passwd",
        "https://user:secret@www.acme.test/",
        "http://[::1/",
    ]
    world.clear_logs()
    results, fetcher = _run(world, urls)
    reasons = [r.reason for r in results]
    assert all(r.startswith("non-public address") for r in reasons[:4]), reasons
    assert reasons[4].startswith("refused: only http and https")
    assert reasons[5] == "refused: the URL carries credentials"
    assert reasons[6] == "refused: the URL is malformed"
    assert fetcher.requests_sent == 0 and world.http_log == ()


def test_host_resolving_to_a_private_address_is_refused(world: RunningWorld) -> None:
    """A host name that resolves to a private address is refused, naming the address."""

    async def private(host: str) -> list[str]:
        return ["192.168.1.10"] if host == "www.acme.test" else [PUBLIC_IP]

    (result,), fetcher = _run(world, ["https://www.acme.test/"], resolver=private)
    assert result.reason == "non-public address: 192.168.1.10 (www.acme.test resolves to it)"
    assert fetcher.requests_sent == 0


def test_oversized_page_is_cut_with_a_reason(world: RunningWorld) -> None:
    """A body larger than fetch.max_bytes is not kept: 'too large'."""
    (result,), _ = _run(world, ["https://www.acme.test/big"], _settings(max_bytes=1000))
    assert not result.ok and result.text is None
    assert result.reason == "too large: more than 1000 bytes"


def test_slow_page_times_out_with_a_reason(world: RunningWorld) -> None:
    """A page slower than fetch.timeout_s fails with 'timed out' and no retry."""
    (result,), fetcher = _run(world, ["https://www.acme.test/slow"], _settings(timeout_s=0.2))
    assert not result.ok and result.reason == "timed out after 0.2 s"
    assert fetcher.requested.count("https://www.acme.test/slow") == 1


def test_503_is_retried_then_succeeds(world: RunningWorld) -> None:
    """A 503 once, then a page: the fetch retries after a backoff and succeeds."""
    world.clear_logs()
    (result,), fetcher = _run(world, ["https://www.acme.test/flaky"])
    assert result.ok and "Flaky" in (result.text or "")
    assert [h.status for h in world.http_log if h.path == "/flaky"] == [503, 200]
    assert len(fetcher.clock.sleeps) == 1  # type: ignore[attr-defined]


def test_persistent_503_gives_up_with_a_reason(world: RunningWorld) -> None:
    """A page that keeps answering 503 is tried twice, then reported as HTTP 503."""
    world.clear_logs()
    (result,), _ = _run(world, ["https://www.acme.test/broken"])
    assert result.reason == "HTTP 503 Service Unavailable after retries" and result.status == 503
    assert _paths(world, "www.acme.test").count("/broken") == 2


def test_connection_reset_is_retried_then_reported(world: RunningWorld) -> None:
    """A connection dropped by the server is retried, then reported as 'connection reset'."""
    world.clear_logs()
    (result,), _ = _run(world, ["https://www.acme.test/reset"])
    assert result.reason.startswith("connection reset")
    assert [h.status for h in world.http_log if h.path == "/reset"] == [0, 0]


def test_non_html_is_skipped(world: RunningWorld) -> None:
    """A JSON document is not read as a page: 'not HTML' with its media type."""
    (result,), _ = _run(world, ["https://www.acme.test/data.json"])
    assert not result.ok and result.reason == "not HTML: application/json"


def test_missing_page_is_a_404_result(world: RunningWorld) -> None:
    """A missing page is a result with reason 'HTTP 404 Not Found', not an exception."""
    (result,), _ = _run(world, ["https://www.acme.test/nope"])
    assert (result.ok, result.status, result.reason) == (False, 404, "HTTP 404 Not Found")


def test_charset_from_meta_is_decoded(world: RunningWorld) -> None:
    """A page without a charset header is decoded by its <meta charset>."""
    (result,), _ = _run(world, ["https://www.acme.test/latin.xhtml"])
    assert result.ok and "<title>Café</title>" in (result.text or "")


def test_page_budget_counts_robots_and_stops_fetching(world: RunningWorld) -> None:
    """With a budget of 3 requests: robots.txt and two pages are fetched, the rest are skipped."""
    urls = [f"https://www.acme.test/{p}" for p in ("", "team", "about", "contact")]
    results, fetcher = _run(world, urls, _settings(max_pages_per_run=3, concurrency=1))
    assert [r.ok for r in results] == [True, True, False, False]
    assert results[3].reason == "budget spent: the run's 3 requests are used"
    assert (fetcher.requests_sent, fetcher.robots_fetches, fetcher.pages_fetched) == (3, 1, 2)
    assert fetcher.requested[0] == "https://www.acme.test/robots.txt"


def test_duplicate_urls_are_fetched_once(world: RunningWorld) -> None:
    """URLs differing only by fragment are one page: one result, one request."""
    world.clear_logs()
    results, _ = _run(world, ["https://www.acme.test/about#a", "https://www.acme.test/about#b"])
    assert len(results) == 1 and results[0].ok
    assert _paths(world, "www.acme.test").count("/about") == 1


def test_redirect_loops_stop(world: RunningWorld) -> None:
    """A redirect loop stops after fetch.max_redirects hops with a reason."""
    (result,), _ = _run(world, ["https://www.acme.test/loop-a"], _settings(max_redirects=3))
    assert result.reason == "too many redirects: more than 3"


def test_world_mode_reaches_world_hosts_on_loopback(world: RunningWorld) -> None:
    """In world mode no address check applies, and redirects between world hosts work."""
    settings = replace(Settings().in_world(world.endpoints), fetch=_settings().fetch)

    async def go() -> FetchResult:
        async with make_client(settings, transport=world.transport()) as client:
            return await Fetcher(client, settings, clock=FakeClock()).fetch("http://acme.test/")

    result = asyncio.run(go())
    assert result.ok and result.final_url == "https://www.acme.test/"


def test_unknown_world_host_is_a_connect_failure(world: RunningWorld) -> None:
    """A host the world does not know fails with 'could not connect', not an exception."""
    (result,), _ = _run(world, ["https://nowhere.test/"])
    assert result.reason.startswith("could not connect: The host nowhere.test does not resolve")
    assert result.reason.endswith("(while reading robots.txt)")


def test_real_dns_answer_pointing_at_loopback_is_refused(world: RunningWorld) -> None:
    """The dnspython resolver built from settings asks real DNS; a loopback answer is refused."""
    dns_settings = Settings().in_world(world.endpoints).dns
    settings = replace(_settings(), dns=dns_settings)  # live mode, the world's DNS server
    (result,), fetcher = _run(world, ["https://www.acme.test/"], settings, make_resolver(settings))
    assert result.reason == "non-public address: 127.0.0.1 (www.acme.test resolves to it)"
    assert fetcher.requests_sent == 0


def test_dns_resolver_returns_a_and_aaaa(world: RunningWorld) -> None:
    """The dnspython resolver returns both IPv4 and IPv6 addresses of a host."""
    settings = replace(Settings(), dns=Settings().in_world(world.endpoints).dns)
    addresses = asyncio.run(make_resolver(settings)("public.acme.test"))
    assert sorted(addresses) == ["2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"]


def test_system_resolver_is_used_without_nameservers() -> None:
    """With no nameservers configured, the operating system resolves names (localhost here)."""
    resolve = make_resolver(Settings())
    assert "127.0.0.1" in asyncio.run(resolve("localhost"))


# -- pure parts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::a00:1", False),
        ("2002:7f00:1::", False),
        ("192.0.2.1", False),
    ],
)
def test_address_problem_allows_only_public_unicast(address: str, public: bool) -> None:
    """Only global unicast addresses pass, including IPv4 embedded in IPv6 forms."""
    assert (address_problem(address) is None) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "2130706433", "0x7f.1", "017700000001"])
def test_ip_literal_reads_shorthand_forms(host: str) -> None:
    """Decimal, hex and octal spellings of loopback are recognised as addresses."""
    assert ip_literal(host) is not None and address_problem(ip_literal(host)) is not None  # type: ignore[arg-type]


def test_url_problem_accepts_plain_https() -> None:
    """An ordinary https URL has no problem; a malformed port does."""
    assert url_problem("https://www.acme.test/team?x=1") is None
    assert url_problem("https://www.acme.test:99999/") == "refused: the URL is malformed"


def test_decode_prefers_the_header_charset_over_meta() -> None:
    """The Content-Type charset wins over <meta>, and undecodable bytes become U+FFFD."""
    body = '<meta charset="utf-8"><p>Caf\xe9</p>'.encode("latin-1")
    assert "Café" in decode_html(body, "text/html; charset=ISO-8859-1")
    assert "Caf\ufffd" in decode_html(body, "text/html")


def test_mock_transport_seam_is_enough_for_unit_tests() -> None:
    """make_client accepts any transport, so a MockTransport can stand in for the network."""
    settings = _settings()
    transport = httpx.MockTransport(
        lambda request: (
            httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>ok</html>")
            if request.url.path != "/robots.txt"
            else httpx.Response(404)
        )
    )

    async def go() -> FetchResult:
        async with make_client(settings, transport=transport) as client:
            return await Fetcher(client, settings, resolver=_public, clock=FakeClock()).fetch(
                "https://example.test/"
            )

    assert asyncio.run(go()).text == "<html>ok</html>"


def test_user_agent_comes_from_settings(tmp_path: Path) -> None:
    """Every request carries settings.general.user_agent."""
    seen: list[str] = []
    settings = _settings()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return httpx.Response(404)

    async def go() -> None:
        async with make_client(settings, transport=httpx.MockTransport(handler)) as client:
            await Fetcher(client, settings, resolver=_public, clock=FakeClock()).fetch(
                "https://a.test/"
            )

    asyncio.run(go())
    assert seen and set(seen) == {settings.general.user_agent}


_URLISH = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["http", "https", "ftp", "HTTP", "", "javascript"]),
        st.text(max_size=20),
        st.text(max_size=20),
    ),
)


@hypothesis_settings(max_examples=60, deadline=None)
@given(url=_URLISH)
def test_fetch_never_raises_on_odd_urls(url: str) -> None:
    """Whatever string comes in as a URL, fetch returns a result, with a reason when not ok."""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "text/html"}, content=b"<p>")
    )
    fetch_settings = _settings()

    async def go() -> FetchResult:
        async with make_client(fetch_settings, transport=transport) as client:
            fetcher = Fetcher(client, fetch_settings, resolver=_public, clock=FakeClock())
            return await fetcher.fetch(url)

    result = asyncio.run(go())
    assert result.ok or result.reason


def test_fetched_pages_decode_like_a_browser_when_nothing_is_declared() -> None:
    """A page with no charset anywhere that is not UTF-8 is read as windows-1252, as browsers
    do (WHATWG), so names like "Müller" and "Sørensen" survive; extraction uses the same decoder."""
    body = "<p>Jürgen Müller, Søren Sørensen – “Head of Sales”</p>".encode("cp1252")
    assert "Jürgen Müller, Søren Sørensen – “Head of Sales”" in decode_html(body, "text/html")


def test_a_host_waiting_its_turn_holds_no_slot_another_host_could_use(
        world: RunningWorld) -> None:
    """Pages of one host spaced 0.3 s apart do not keep another host's page waiting: with two
    requests allowed at once, the other host is asked before the first host's second page
    (issue 31: a request took its slot before its host's turn came, and held it waiting)."""
    urls = [f"https://www.acme.test/{p}.html" for p in ("index", "team", "about", "contact")]
    world.clear_logs()

    async def go() -> list[FetchResult]:
        settings = _settings(per_host_delay_s=0.3, concurrency=2)
        async with make_client(settings, transport=world.transport()) as client:
            fetcher = Fetcher(client, settings, resolver=_public, rng=random.Random(0))
            return await fetcher.fetch_many([*urls, "https://blog.acme.test/index.html"])

    began = time.monotonic()  # the world's clock: requests of earlier tests may still land
    results = asyncio.run(go())
    assert all(r.ok for r in results), [r.reason for r in results]
    hits = [hit for hit in world.http_log if hit.at >= began]
    asked = {(hit.host, hit.path): hit.at for hit in hits}
    assert asked[("blog.acme.test", "/index.html")] < asked[("www.acme.test", "/team.html")]
    spaced = sorted(hit.at for hit in hits if hit.host == "www.acme.test")
    assert len(spaced) == 5  # robots.txt and the four pages, each its turn: 0.3 s apart
    assert min(b - a for a, b in pairwise(spaced)) > 0.25
