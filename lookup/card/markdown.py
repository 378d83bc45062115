"""Markdown that stays inert: untrusted text escaped, URLs vetted, values formatted. Pure.

The card's Jinja filters. Everything that came from the web is untrusted:
``md`` escapes it as one line of Markdown text, ``link`` accepts only plain
http(s) URLs, and ``Safe`` marks what is already safe so it is not escaped twice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from lookup.text import INVISIBLE

__all__ = [
    "MD_LIMIT",
    "Safe",
    "clean_text",
    "code",
    "english_date",
    "finalize",
    "link",
    "md",
    "mdlink",
    "percent",
    "utc",
]

MD_LIMIT = 300
URL_LIMIT = 2000
# Every ASCII punctuation character that can start Markdown or HTML structure.
# CommonMark lets any ASCII punctuation be backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\](){}#+\-!|<>~&])")
# Bidirectional overrides and isolates can make text display differently from
# what it is (CVE-2021-42574, "Trojan Source"); zero-width marks hide content.
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_LEADING_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_LEADING_SETEXT = re.compile(r"^([=:])")
_URL_SAFE = "/:@!$'*+,;=%~-._"


class Safe(str):
    """Text already made safe for the card; the environment does not escape it again."""

    __slots__ = ()


def clean_text(value: Any) -> str:
    """One line of printable text: no control, bidi or zero-width characters."""
    text = "" if value is None else str(value)
    text = _INVISIBLE.sub("", text)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text
    )
    return " ".join(text.split())


# What GFM viewers turn into links by themselves (GitHub's extended autolinks, markdown-it's
# linkify in Obsidian and VS Code): a scheme, an e-mail address, a host name with a
# two-letter or common top-level domain, "www.". A zero-width space after the scheme and
# before "@", and ONE DOT LEADER (U+2024, which looks like ".") inside such host names, keep
# the text readable and make it unlinkable; the card's only links are the ones it writes.
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|file|javascript|data|vbscript)(?=:)")
_AT = re.compile(r"(?<=[\w.+-])@(?=[\w-])")
_LINKABLE_HOST = re.compile(
    r"(?i)\b(?:www\.(?:[a-z0-9-]+\.)*[a-z0-9-]+|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:[a-z]{2}|com|net|org|edu|gov|info|biz|pro|name|io|ai|app|dev|xyz|online|site|shop|"
    r"museum|aero|asia|coop|web|xxx))\b"
)


def _unlinkable(text: str) -> str:
    text = _SCHEME.sub("\\1\u200b", text)
    text = _AT.sub("\u200b@", text)
    return _LINKABLE_HOST.sub(lambda m: m.group(0).replace(".", "\u2024"), text)


def md(value: Any, limit: int = MD_LIMIT) -> Safe:
    """Untrusted text as inert Markdown: one line, escaped, capped at ``limit`` characters,
    with nothing a GFM viewer would turn into a link by itself."""
    if isinstance(value, Safe):
        return value
    text = clean_text(value)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    text = _unlinkable(text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A value placed at the start of a line must not become a list item or heading.
    text = _LEADING_ORDERED.sub(r"\1\\\2", text)
    text = _LEADING_SETEXT.sub(r"\\\1", text)
    return Safe(text)


def link(value: Any) -> Safe:
    """An http(s) URL made safe as a Markdown link destination, or "" for anything else."""
    text = clean_text(value).strip()
    if not text or len(text) > URL_LIMIT:
        return Safe("")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return Safe("")
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return Safe("")
    if parts.username is not None or not re.fullmatch(r"[A-Za-z0-9.\-_\[\]:]+", host):
        return Safe("")  # "https://bank.test@evil.test" style tricks
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return Safe(urlunsplit((
        parts.scheme.lower(),
        netloc,
        quote(parts.path, safe=_URL_SAFE),
        quote(parts.query, safe=_URL_SAFE + "?&"),
        quote(parts.fragment, safe=_URL_SAFE + "?"),
    )))


def mdlink(text: Any, url: Any, limit: int = 120) -> Safe:
    """``[text](url)`` when the URL is a safe http(s) link, else the escaped text alone."""
    target = link(url)
    label = md(text, limit) if clean_text(text) else md(url, limit)
    return Safe(f"[{label}]({target})") if target else label


def code(value: Any, limit: int = 320) -> Safe:
    """A short token (an address, a domain) as an inline code span."""
    text = clean_text(value).replace("`", "").replace("|", "")[:limit]
    return Safe(f"`{text}`") if text else Safe("")


def percent(value: float | None) -> str:
    """0.873 -> "87%"; 0.002 -> "<1%", 0.998 -> ">99%": "0%" and "100%" only when certain."""
    if value is None:
        return "?"
    shown = round(value * 100)
    if 0 < value < 1 and shown < 1:
        return "<1%"
    if 0 < value < 1 and shown > 99:
        return ">99%"
    return f"{shown}%"


def utc(value: dt.datetime) -> Safe:
    """A datetime as "YYYY-MM-DD HH:MM" in UTC (naive values are taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return Safe(f"{value:%Y-%m-%d %H:%M}")


def english_date(day: dt.date) -> str:
    """ "Monday 2 March 2026": the card's own dates are in English (drafts use a phrasebook)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def finalize(value: Any) -> Any:
    """Escape every printed value that no filter has already made safe."""
    if value is None:
        return ""
    if isinstance(value, Safe) or not isinstance(value, str):
        return value
    return md(value, limit=MD_LIMIT * 4)
