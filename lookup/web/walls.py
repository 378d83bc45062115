"""Bot walls: a 403, 429 or 503 answer that is a challenge page, not the site. Pure.

A site behind a bot-management service answers a crawler with a page that asks a browser
to run JavaScript or solve a CAPTCHA ("Just a moment...", "Pardon Our Interruption").
Such a page is not the site's content: nothing in it is about the company, and asking
again only meets the same wall. ``challenge`` recognises one from its status, headers and
the first bytes of its body, and names the service when it can. The markers are what the
services themselves send (their documented headers, the titles and script paths of their
challenge pages); a plain 403 without them is an ordinary refusal.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CHALLENGE_STATUSES", "SNIFF_BYTES", "challenge"]

CHALLENGE_STATUSES = frozenset({403, 429, 503})
SNIFF_BYTES = 64 * 1024  # a challenge page is small; its markers sit in the head

# (service, header name, a value it holds ("" = any value)): sent only by a wall.
HEADER_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("Cloudflare", "cf-mitigated", "challenge"),
    ("DataDome", "x-datadome", ""),
    ("DataDome", "x-dd-b", ""),
    ("AWS WAF", "x-amzn-waf-action", ""),
    ("Sucuri", "x-sucuri-block", ""),
    ("Imperva", "x-iinfo", ""),
)
# (service, words in the body, lower case): every word of a row must be there.
BODY_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cloudflare", ("just a moment",)),
    ("Cloudflare", ("/cdn-cgi/challenge-platform",)),
    ("Cloudflare", ("attention required", "cloudflare")),
    ("Cloudflare", ("cf-browser-verification",)),
    ("Imperva", ("_incapsula_resource",)),
    ("Imperva", ("pardon our interruption",)),
    ("Imperva", ("request unsuccessful", "incapsula")),
    ("Akamai", ("access denied", "you don't have permission to access", "reference #")),
    ("PerimeterX", ("px-captcha",)),
    ("DataDome", ("captcha-delivery.com",)),
    ("AWS WAF", ("awswafintegration",)),
    ("Sucuri", ("sucuri website firewall",)),
    ("DDoS-Guard", ("ddos-guard",)),
    ("a bot check", ("checking your browser",)),
    ("a bot check", ("enable javascript and cookies to continue",)),
    ("a bot check", ("verify you are human",)),
    ("a bot check", ("are you a robot",)),
    ("a CAPTCHA", ("g-recaptcha",)),
    ("a CAPTCHA", ("h-captcha",)),
)


def challenge(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """The wall's name ("Cloudflare", "a bot check") when this answer is a challenge, else None.

    ``headers`` are looked up by lower-case name (httpx's Headers are case-insensitive).
    """
    if status not in CHALLENGE_STATUSES:
        return None
    for service, name, value in HEADER_MARKERS:
        sent = headers.get(name)
        if sent is not None and value in sent.lower():
            return service
    text = body[:SNIFF_BYTES].decode("utf-8", "replace").lower()
    for service, words in BODY_MARKERS:
        if all(word in text for word in words):
            return service
    return None
