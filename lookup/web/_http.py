"""Pure helpers on what HTTP hands the fetcher: URLs, headers and bodies."""

from __future__ import annotations

import email.utils
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "dedupe_key",
    "looks_like_html",
    "media_type",
    "origin",
    "retry_after",
]



def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the unit robots.txt applies to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def dedupe_key(url: str) -> str:
    """The URL without its fragment: two links to one page fetch it once."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url  # malformed: fetch() reports why
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta"))


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
