"""Pure helpers on what HTTP hands the fetcher: URLs, headers and bodies."""

from __future__ import annotations

import codecs
import email.utils
import re
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "decode_html",
    "dedupe_key",
    "looks_like_html",
    "media_type",
    "origin",
    "retry_after",
]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


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


def decode_html(body: bytes, content_type: str) -> str:
    """Bytes to text: byte-order mark, then the header's charset, then <meta>, then UTF-8."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    charset = _header_charset(content_type)
    if charset is None:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii", "replace") if match else None
    try:
        encoding = codecs.lookup(charset).name if charset else "utf-8"
    except LookupError:
        encoding = "utf-8"
    return body.decode(encoding, errors="replace")


def _header_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


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
