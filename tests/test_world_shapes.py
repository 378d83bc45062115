"""World shapes real sites have: challenge pages, site-wide redirects and faults, query strings."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from worldkit import write_world

from lookup.errors import WorldError
from lookup.world import serve_world
from lookup.world.format import load_world

SITES = {
    "www.acme.test/index.html": "<h1>Acme</h1>",
    "www.acme.test/staff.html": "<p>page one</p>",
    "www.acme.test/staff@page=2.html": "<p>page two</p>",
    "www.acme.test/news/index@page=3.html": "<p>news three</p>",
    "www.acme.test/news/index.html": "<p>news</p>",
    "walled.test/index.html": "<h1>never seen</h1>",
    "walled.test/challenge.html": "unused",
    "old.test/robots.txt": "User-agent: *\nAllow: /\n",
}
WORLD = """
name = "shapes"
[[fault]]
host = "walled.test"
path = "/*"
status = 403
body = "<html><title>Just a moment...</title></html>"
headers = { "Server" = "cloudflare", "cf-mitigated" = "challenge" }

[[fault]]
host = "www.acme.test"
path = "/private/*"
status = 410

[[redirect]]
host = "old.test"
path = "/*"
to = "https://www.acme.test{path}"
status = 308
"""


def get(running, url: str) -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=running.transport()) as client:
            return await client.get(url)

    return asyncio.run(run())


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    with serve_world(write_world(tmp_path_factory.mktemp("shapes"), WORLD, sites=SITES),
                     latency=False) as world:
        yield world


def test_a_fault_answers_with_its_own_body_and_headers(running) -> None:
    """A challenge fault sends its HTML body, as text/html, with the headers it names."""
    response = get(running, "https://walled.test/any/page?x=1")
    assert response.status_code == 403
    assert response.text == "<html><title>Just a moment...</title></html>"
    assert response.headers["cf-mitigated"] == "challenge"
    assert response.headers["content-type"].startswith("text/html")


def test_a_glob_fault_covers_the_paths_below_it_only(running) -> None:
    """"/private/*" breaks /private/a/b but not /staff."""
    assert get(running, "https://www.acme.test/private/a/b").status_code == 410
    assert get(running, "https://www.acme.test/staff").status_code == 200


def test_a_site_wide_redirect_keeps_path_and_query(running) -> None:
    """A glob redirect with {path} moves each page to the same path on the new host."""
    response = get(running, "https://old.test/news/item?id=7")
    assert response.status_code == 308
    assert response.headers["location"] == "https://www.acme.test/news/item?id=7"


def test_an_exact_file_still_loses_to_a_site_wide_redirect(running) -> None:
    """The old host's own robots.txt is redirected too: the glob covers every path."""
    assert get(running, "https://old.test/robots.txt").status_code == 308


def test_a_query_string_picks_its_own_file(running) -> None:
    """/staff?page=2 serves staff@page=2.html; /staff serves staff.html."""
    assert get(running, "https://www.acme.test/staff?page=2").text == "<p>page two</p>"
    assert get(running, "https://www.acme.test/staff").text == "<p>page one</p>"


def test_a_folder_query_string_picks_its_index_file(running) -> None:
    """/news/?page=3 serves news/index@page=3.html."""
    assert get(running, "https://www.acme.test/news/?page=3").text == "<p>news three</p>"


def test_an_unknown_query_is_ignored_like_a_static_host(running) -> None:
    """A query without a file of its own serves the path's file."""
    assert get(running, "https://www.acme.test/staff?page=9").text == "<p>page one</p>"


def test_the_log_keeps_the_query_apart(running) -> None:
    """The request log has the path and the query separately, and both as the target."""
    get(running, "https://www.acme.test/staff?page=2")
    hit = [h for h in running.http_log if h.query == "page=2"][-1]
    assert (hit.path, hit.target) == ("/staff", "/staff?page=2")


def test_a_query_cannot_climb_out_of_the_site(running) -> None:
    """A query spelling ../ never reaches a file outside the site folder."""
    assert get(running, "https://www.acme.test/staff?..%2F..%2Fworld.toml").text == "<p>page one</p>"


def test_body_file_must_be_inside_the_world(tmp_path) -> None:
    """A body_file outside the world folder is refused with the key named."""
    toml = '[[fault]]\nhost = "a.test"\nstatus = 403\nbody_file = "../../etc/passwd"\n'
    with pytest.raises(WorldError, match="body_file"):
        load_world(write_world(tmp_path, toml))


def test_body_without_a_status_is_refused(tmp_path) -> None:
    """A body is what a forced status answers with; alone it is a mistake worth naming."""
    toml = '[[fault]]\nhost = "a.test"\ndelay_ms = 5\nbody = "x"\n'
    with pytest.raises(WorldError, match="no status"):
        load_world(write_world(tmp_path, toml))


def test_body_file_is_read_from_the_world_folder(tmp_path) -> None:
    """body_file names a file relative to world.toml; its bytes are the fault's body."""
    root = write_world(tmp_path, '[[fault]]\nhost = "a.test"\nstatus = 429\nbody_file = "wall.html"\n')
    (root / "wall.html").write_text("<p>slow down</p>")
    assert load_world(root).faults[0].body == b"<p>slow down</p>"


def test_headers_must_be_a_table_of_strings(tmp_path) -> None:
    """headers = "x" is refused with an example of the right shape."""
    toml = '[[fault]]\nhost = "a.test"\nstatus = 403\nheaders = "Server: x"\n'
    with pytest.raises(WorldError, match="must be a table"):
        load_world(write_world(tmp_path, toml))
