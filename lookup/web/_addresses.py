"""Addresses written in text: plain, obfuscated, Cloudflare-protected, mailto. Pure.

Private to ``lookup.web.extract``. Every address comes out lower-cased, with the
trailing punctuation of its sentence removed; file names that look like
addresses (``logo@2x.png``) are not addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["Address", "cloudflare", "find_addresses", "link_addresses", "mailto",
           "normalise_address", "parse_address"]

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+'-]{0,63}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN = re.compile(rf"(?<![\w.%+-])({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z]{{2,24}})(?![\w-])")
# Bare " AT " / " DOT " count only in capitals: "writes occasionally at example.test" is prose.
_AT = r"(?:\s*[\[\(\{<]\s*(?:at|@)\s*[\]\)\}>]\s*|\s+(?-i:AT)\s+)"
_DOT = r"(?:\s*[\[\(\{<]\s*(?:dot|\.)\s*[\]\)\}>]\s*|\s+(?-i:DOT)\s+|\.)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.%+-])({_LOCAL}){_AT}((?:{_LABEL}{_DOT})+[A-Za-z]{{2,24}})(?![\w-])", re.I
)
_OBF_DOT = re.compile(_DOT, re.I)
# File names that look like addresses: logo@2x.png, icon@3x.webp.
_NOT_TLDS = frozenset("png jpg jpeg gif svg webp avif bmp ico css js json xml pdf mp4 webm".split())


@dataclass(frozen=True, slots=True)
class Address:
    """An address found in text, with where it sits."""

    address: str
    how: str
    start: int
    end: int


def normalise_address(local: str, domain: str) -> str | None:
    """``local@domain`` lower-cased and trimmed, or None when it cannot be an address."""
    local, domain = local.strip(".'-").lower(), domain.strip(".-").lower()
    tld = domain.rsplit(".", 1)[-1]
    if not local or ".." in local or "." not in domain or tld in _NOT_TLDS or tld.isdigit():
        return None
    return f"{local}@{domain}"


def find_addresses(text: str) -> list[Address]:
    """Addresses written plainly or obfuscated (``name [at] domain [dot] com``) in text."""
    found: list[Address] = []
    for m in _PLAIN.finditer(text):
        if address := normalise_address(m.group(1), m.group(2)):
            found.append(Address(address, "text", m.start(), m.end()))
    for m in _OBFUSCATED.finditer(text):
        if "@" in m.group(0) and not re.search(r"[\[\(\{<]\s*@", m.group(0)):
            continue  # a plain address, already found
        domain = _OBF_DOT.sub(".", m.group(2))
        if address := normalise_address(m.group(1), domain):
            found.append(Address(address, "obfuscated", m.start(), m.end()))
    return sorted(found, key=lambda a: a.start)


def cloudflare(hexed: str) -> str | None:
    """Decode Cloudflare's email protection: the first byte is the XOR key of the rest."""
    try:
        data = bytes.fromhex(hexed)
        text = bytes(b ^ data[0] for b in data[1:]).decode("utf-8")
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    match = _PLAIN.fullmatch(text.strip())
    return normalise_address(match.group(1), match.group(2)) if match else None


def mailto(href: str) -> str | None:
    """The (first) address of a mailto: link, without its ?subject=... part."""
    target = unquote(href.split(":", 1)[1]).split("?", 1)[0].split(",", 1)[0].strip()
    match = _PLAIN.fullmatch(target)
    return normalise_address(match.group(1), match.group(2)) if match else None


def parse_address(text: str) -> str | None:
    """The first plainly written address in ``text`` (a JSON-LD "email" field, say)."""
    match = _PLAIN.search(unquote(text))
    return normalise_address(match.group(1), match.group(2)) if match else None


# Query fields that carry a recipient in web-mail compose, chat, meeting and calendar links:
# Gmail's ?view=cm&to=, Outlook's deeplink/compose?to=, Teams' chat?users= and
# meeting/new?attendees=, Google Calendar's ?add=, and forms' ?email=.
_RECIPIENT_FIELDS = frozenset({"to", "users", "attendees", "add", "email", "recipient",
                               "recipients", "mail", "cc"})


def link_addresses(href: str) -> list[str]:
    """The addresses a web link sends to: a compose, chat, meeting or calendar link's
    recipients (``https://mail.google.com/mail/?view=cm&to=ADDRESS``), in order."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return []
    if parts.scheme not in ("http", "https", "msteams", "sip", "im"):
        return []
    found: list[str] = []
    for key, value in parse_qsl(parts.query):
        if key.lower() not in _RECIPIENT_FIELDS:
            continue
        for item in re.split(r"[,;\s]+", value):
            match = _PLAIN.fullmatch(item.strip())
            if match and (address := normalise_address(match.group(1), match.group(2))):
                found.append(address)
    return list(dict.fromkeys(found))
