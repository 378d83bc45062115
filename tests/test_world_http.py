"""The offline world's web: sites by Host header, redirects, faults and the httpx transport."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx
import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

from lookup.world import RunningWorld, serve_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    path = write_world(tmp_path_factory.mktemp("http"), SMALL_WORLD, SMALL_DOCS, SMALL_SITES)
    with serve_world(path, latency=False) as running:
        yield running


def get(world: RunningWorld, url: str, **kwargs) -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=world.transport(), **kwargs) as client:
            return await client.get(url)

    return asyncio.run(run())


def raw(world: RunningWorld, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", world.endpoints.http_port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_root_serves_index_html_of_the_host(world: RunningWorld) -> None:
    """GET / on a world host answers that host's index.html."""
    response = get(world, "https://www.acme.test/")
    assert response.status_code == 200
    assert "<h1>Acme Robotics</h1>" in response.text


def test_other_host_serves_its_own_folder(world: RunningWorld) -> None:
    """The Host header picks the site folder."""
    assert "<h1>Blog</h1>" in get(world, "https://blog.acme.test/").text


def test_extensionless_path_serves_html_file(world: RunningWorld) -> None:
    """/team is answered by team.html."""
    assert "Director of Engineering" in get(world, "https://www.acme.test/team").text


def test_extensionless_path_serves_folder_index(world: RunningWorld) -> None:
    """/about is answered by about/index.html."""
    assert "<h1>About</h1>" in get(world, "https://www.acme.test/about").text


def test_http_and_https_both_reach_the_site_and_keep_the_url(world: RunningWorld) -> None:
    """Both schemes work and response.url stays the URL that was asked for."""
    for url in ("http://www.acme.test/team", "https://www.acme.test/team"):
        response = get(world, url)
        assert response.status_code == 200
        assert str(response.url) == url


def test_html_content_type_has_charset(world: RunningWorld) -> None:
    """HTML is served as text/html with a charset."""
    content_type = get(world, "https://www.acme.test/").headers["content-type"]
    assert content_type == "text/html; charset=utf-8"


def test_json_file_has_json_content_type(world: RunningWorld) -> None:
    """Content-Type follows the file extension."""
    assert get(world, "https://www.acme.test/data.json").headers["content-type"].startswith(
        "application/json"
    )


def test_robots_txt_is_an_ordinary_file(world: RunningWorld) -> None:
    """robots.txt is served as plain text from the site folder."""
    response = get(world, "https://www.acme.test/robots.txt")
    assert response.headers["content-type"].startswith("text/plain")
    assert "Disallow: /private" in response.text


def test_missing_file_is_404(world: RunningWorld) -> None:
    """A path with no file answers 404."""
    assert get(world, "https://www.acme.test/nothing-here").status_code == 404


def test_head_returns_headers_without_body(world: RunningWorld) -> None:
    """HEAD answers the GET headers and no body."""

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=world.transport()) as client:
            return await client.head("https://www.acme.test/team")

    response = asyncio.run(run())
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


def test_transport_refuses_hosts_outside_the_world(world: RunningWorld) -> None:
    """A host with no site folder does not resolve."""
    with pytest.raises(httpx.ConnectError, match="does not resolve"):
        get(world, "https://www.elsewhere.test/")


def test_server_answers_unknown_host_with_404(world: RunningWorld) -> None:
    """Asked directly, the server answers 404 unknown host for a host with no folder."""
    answer = raw(world, b"GET / HTTP/1.1\r\nHost: nowhere.test\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 404")
    assert b"unknown host" in answer


@pytest.mark.parametrize(
    "target",
    [
        "/../../world.toml",
        "/%2e%2e/%2e%2e/world.toml",
        "/..%2f..%2fworld.toml",
        "/%2e%2e%5cworld.toml",
    ],
)
def test_paths_cannot_escape_the_site_folder(world: RunningWorld, target: str) -> None:
    """Dot-dot paths, plain or percent-encoded, never reach files outside the site."""
    request = f"GET {target} HTTP/1.1\r\nHost: www.acme.test\r\nConnection: close\r\n\r\n"
    answer = raw(world, request.encode())
    assert answer.startswith(b"HTTP/1.1 404")
    assert b"Acme Test World" not in answer


def test_redirect_answers_301_with_location(world: RunningWorld) -> None:
    """A [[redirect]] answers 301 and its Location."""
    response = get(world, "http://acme.test/")
    assert response.status_code == 301
    assert response.headers["location"] == "https://www.acme.test/"


def test_client_follows_redirect_through_the_transport(world: RunningWorld) -> None:
    """The client follows the redirect to the other world host."""
    response = get(world, "http://acme.test/", follow_redirects=True)
    assert str(response.url) == "https://www.acme.test/"
    assert [r.status_code for r in response.history] == [301]
    assert "Acme Robotics" in response.text


def test_status_fault_answers_that_status(world: RunningWorld) -> None:
    """A [[fault]] with status answers it instead of the page."""
    assert get(world, "https://www.acme.test/broken").status_code == 503


def test_times_limits_a_fault_to_its_first_requests(world: RunningWorld) -> None:
    """A fault with times = 1 fails once, then the page is served."""
    codes = [get(world, "https://www.acme.test/flaky").status_code for _ in range(2)]
    assert codes == [503, 200]


def test_delay_fault_outlasts_a_short_client_timeout(world: RunningWorld) -> None:
    """A delay_ms fault holds the answer back past the client's timeout."""
    with pytest.raises(httpx.ReadTimeout):
        get(world, "https://www.acme.test/slow", timeout=0.2)


def test_reset_fault_drops_the_connection(world: RunningWorld) -> None:
    """A reset fault closes the connection without an answer."""
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        get(world, "https://www.acme.test/reset")


def test_request_log_records_host_path_and_status(world: RunningWorld) -> None:
    """Every request lands in http_log with host, path and status."""
    get(world, "https://blog.acme.test/missing-page")
    assert any(
        hit.host == "blog.acme.test" and hit.path == "/missing-page" and hit.status == 404
        for hit in world.http_log
    )


def test_sync_transport_reaches_the_site(world: RunningWorld) -> None:
    """The synchronous transport twin serves httpx.Client too."""
    with httpx.Client(transport=world.sync_transport()) as client:
        assert client.get("https://www.acme.test/team").status_code == 200


def test_transport_lets_the_world_search_endpoint_through(world: RunningWorld) -> None:
    """The world's own search URL is reachable through the same transport."""
    response = get(world, f"{world.endpoints.search_url}/search?q=robots&format=json")
    assert response.status_code == 200


def test_transport_from_endpoints_alone(world: RunningWorld) -> None:
    """A transport built from settings.world's endpoints reaches the sites and the search engine."""
    from lookup.world import WorldTransport

    async def run() -> list[int]:
        transport = WorldTransport.from_endpoints(world.endpoints)
        async with httpx.AsyncClient(transport=transport) as client:
            page = await client.get("https://www.acme.test/team")
            found = await client.get(f"{world.endpoints.search_url}/search?q=jane&format=json")
            return [page.status_code, found.status_code]

    assert asyncio.run(run()) == [200, 200]


def test_status_fault_can_carry_retry_after(tmp_path) -> None:
    """A fault with retry_after sends a Retry-After header with its status."""
    toml = SMALL_WORLD + '\n[[fault]]\nhost = "blog.acme.test"\nstatus = 429\nretry_after = 30\n'
    with serve_world(write_world(tmp_path, toml, sites=SMALL_SITES), latency=False) as running:
        response = get(running, "https://blog.acme.test/")
    assert (response.status_code, response.headers["retry-after"]) == (429, "30")


def test_malformed_request_gets_400(world: RunningWorld) -> None:
    """A request line that is not HTTP answers 400 and the server keeps serving."""
    assert raw(world, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert get(world, "https://www.acme.test/").status_code == 200


def test_overlong_request_line_is_dropped_without_harm(world: RunningWorld) -> None:
    """A request line over the limit closes that connection and the server keeps serving."""
    with contextlib.suppress(ConnectionError):  # the server may reset a connection it drops
        raw(world, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: www.acme.test\r\n\r\n")
    assert get(world, "https://www.acme.test/").status_code == 200


def test_log_entries_carry_arrival_times_in_order(world: RunningWorld) -> None:
    """Each logged request has a monotonic arrival time, later requests later."""
    get(world, "https://www.acme.test/about")
    get(world, "https://www.acme.test/team")
    hits = [h for h in world.http_log if h.path in ("/about", "/team")][-2:]
    assert 0 < hits[0].at <= hits[1].at


def test_redirect_only_host_answers_404_on_other_paths(world: RunningWorld) -> None:
    """A host known only from a [[redirect]] answers a plain 404 elsewhere."""
    response = get(world, "https://acme.test/elsewhere")
    assert response.status_code == 404
    assert "unknown host" not in response.text


def test_explicit_port_in_the_url_still_reaches_the_site(world: RunningWorld) -> None:
    """A URL with a port keeps it in the URL while the server strips it from the Host header."""
    response = get(world, "https://www.acme.test:8443/team")
    assert response.status_code == 200
    assert str(response.url) == "https://www.acme.test:8443/team"
