"""Bot walls: a challenge page is recognised, never read as the site, and not asked again."""

from __future__ import annotations

import asyncio

import pytest

from lookup.settings import load_settings
from lookup.web.fetch import Fetcher, make_client
from lookup.web.walls import challenge
from lookup.world import serve_world
from tests.worldkit import write_world

JUST_A_MOMENT = b"<html><head><title>Just a moment...</title></head><body>x</body></html>"


@pytest.mark.parametrize(("status", "headers", "body", "service"), [
    (403, {"cf-mitigated": "challenge"}, b"", "Cloudflare"),
    (503, {"server": "cloudflare"}, JUST_A_MOMENT, "Cloudflare"),
    (403, {}, b"<title>Pardon Our Interruption</title>", "Imperva"),
    (429, {}, b"<div class='g-recaptcha'></div>", "a CAPTCHA"),
    (403, {"x-datadome": "protected"}, b"", "DataDome"),
    (403, {}, b"<h1>Access Denied</h1>You don't have permission to access this. Reference #18.1",
     "Akamai"),
])
def test_challenge_pages_are_recognised(status, headers, body, service) -> None:
    """Each bot-management service's header or page names it."""
    assert challenge(status, headers, body) == service


@pytest.mark.parametrize(("status", "body"), [
    (403, b"<h1>Forbidden</h1><p>You don't have permission.</p>"),  # a plain refusal
    (200, JUST_A_MOMENT),  # only an error status can be a wall
    (404, JUST_A_MOMENT),
])
def test_ordinary_answers_are_not_walls(status, body) -> None:
    """A plain 403, or a page that merely says the words with a 200, is no challenge."""
    assert challenge(status, {}, body) is None


WORLD = """
name = "walled"
[[fault]]
host = "www.walled.test"
path = "/*"
status = {status}
retry_after = 1
body = "<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x'></script></html>"
headers = { "Server" = "cloudflare" }
"""


@pytest.mark.parametrize("status", [403, 503])
def test_a_walled_host_is_asked_once_and_never_retried(tmp_path, status: int) -> None:
    """The first answer walls the host: no retry of a 503, no request for any page."""
    root = write_world(tmp_path, WORLD.replace("{status}", str(status)),
                       sites={"www.walled.test/index.html": "<p>hidden</p>"})

    async def run(running, settings):
        async with make_client(settings, transport=running.transport()) as client:
            fetcher = Fetcher(client, settings)
            first = await fetcher.fetch("https://www.walled.test/")
            later = await fetcher.fetch("https://www.walled.test/team/")
            return first, later, fetcher

    with serve_world(root, latency=False) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path / "d")}).in_world(running.endpoints)
        first, later, fetcher = asyncio.run(run(running, settings))
        served = [h.target for h in running.http_log]
    assert served == ["/robots.txt"]  # robots.txt met the wall; the pages were never asked
    assert first.text is None and later.text is None
    # a 503 robots.txt is "unreachable" (RFC 9309: disallow all), a 403 "unavailable" (allow
    # all, but the host is walled); either way the reason names the wall
    wall = f"blocked by a bot challenge: www.walled.test answered with Cloudflare's challenge " \
        f"page (HTTP {status})"
    assert wall in first.reason and wall in later.reason
    assert set(fetcher.walled) == {"www.walled.test"}
