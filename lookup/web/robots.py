"""What a site's robots.txt allows, read the way RFC 9309 says. Pure.

``robots_rules`` turns the answer to ``GET /robots.txt`` into the rules for one
origin and run: a 2xx body is parsed with protego (RFC 9309 matching); a 4xx
answer ("unavailable", 404 included) allows everything; a 5xx or 429 answer,
or no answer at all ("unreachable"), disallows everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

__all__ = [
    "CRAWL_DELAY_CAP_S",
    "ROBOTS_MAX_BYTES",
    "ROBOTS_MAX_REDIRECTS",
    "RobotsRules",
    "crawl_delay_notice",
    "robots_rules",
]

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2
CRAWL_DELAY_CAP_S = 10.0  # a longer Crawl-delay is honoured only up to this, per request


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt allows for this run."""

    parser: Protego | None  # None: allow or disallow everything, as ``allow_all`` says
    allow_all: bool
    why: str = ""  # appended to "disallowed by robots.txt"
    failure: str = ""  # robots.txt could not be requested at all: the page's reason instead

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay asked of ``agent`` (capped at CRAWL_DELAY_CAP_S), or None."""
        if self.parser is None:
            return None
        asked = self.parser.crawl_delay(agent)
        return min(float(asked), CRAWL_DELAY_CAP_S) if asked else None


def robots_rules(status: int | None, body: bytes | None, reason: str,
                 truncated: bool = False) -> RobotsRules:
    """The rules from one robots.txt answer: its status, body and failure reason (if any).

    A file cut at ROBOTS_MAX_BYTES is parsed as far as it was read (RFC 9309 2.5), its
    last, possibly cut, line dropped: a rule half read is not a rule.
    """
    if reason.startswith("too many redirects"):
        return RobotsRules(None, True)  # RFC 9309 2.3.1.2: may be treated as unavailable
    if status is None:  # no answer at all (budget, refused, no connection): RFC "unreachable"
        failure = reason
        if not failure.startswith("budget spent"):
            failure += " (while reading robots.txt)"
        return RobotsRules(None, False, failure=failure)
    if 200 <= status < 300 and body is not None:
        if truncated:
            body = body[: body.rfind(b"\n") + 1]
        text = body.decode("utf-8", errors="replace")
        return RobotsRules(Protego.parse(text), False)
    if 400 <= status < 500 and status != 429:
        return RobotsRules(None, True)  # "unavailable": allow everything
    why = reason or f"HTTP {status}"
    return RobotsRules(
        None, False, f" (robots.txt unreachable: {why}; RFC 9309 says assume disallow)"
    )


def crawl_delay_notice(host: str, delay: float) -> str:
    """What the terminal says when a site's Crawl-delay slows the run (once per host)."""
    return (f"{host} asks for {delay:g} s between requests (robots.txt Crawl-delay): waiting "
            "that long before each further page from it.")
