"""People in vCard files (RFC 6350, 2426 and 2.1), as law firms and agencies publish them. Pure.

``vcard_facts(data, url)`` reads a ``.vcf`` (one card or several) with vobject, a maintained
parser that knows the three versions' parameter styles, line folding and quoted-printable,
and returns the same ``PageFacts`` a page gives: each card's person (``FN``, else ``N``) with
their ``TITLE`` and work address, the card's organisation (``ORG``), and the addresses as
found emails named after their owner. The rules match HTML's: an ``EMAIL`` typed ``HOME``
is private and never kept; a card is evidence for a company only through its address's
domain, which the address stage checks, and its ``ORG`` is the page's organisation, so a
card from another firm ties nobody to this one.

Bounded: at most ``MAX_BYTES`` of text and ``MAX_CARDS`` cards are read; a card vobject
cannot parse is skipped, the others kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import vobject

from lookup.models import FoundEmail, PageFacts, PersonMention, Source
from lookup.web._addresses import parse_address
from lookup.web._words import clean_title, fold_space, looks_like_name

__all__ = ["MAX_BYTES", "MAX_CARDS", "VCard", "read_vcards", "vcard_facts"]

MAX_BYTES = 256 * 1024
MAX_CARDS = 200  # a firm's whole directory in one file is rare; its first 200 are plenty
PRIVATE_TYPES = frozenset({"home", "personal", "x-home"})
_CARD = re.compile(r"BEGIN:VCARD.*?END:VCARD", re.I | re.S)
# vobject logs every line it skips at ERROR; a stranger's malformed card is not our error.
logging.getLogger("vobject.base").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class VCard:
    """What one card says about a person at work."""

    name: str
    title: str | None
    organization: str | None
    emails: tuple[str, ...]  # work (or untyped) addresses, preferred first
    url: str | None = None
    city: str | None = None


def _values(card: vobject.base.Component, key: str) -> list[vobject.base.ContentLine]:
    return list(card.contents.get(key, []))


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value if v)
    return fold_space(str(value or ""))


def _types(line: vobject.base.ContentLine) -> set[str]:
    """The TYPE parameter's values, however the version writes them (TYPE=a,b; a;b in 2.1)."""
    kinds = {t.lower() for value in line.params.get("TYPE", []) for t in str(value).split(",")}
    kinds |= {str(k).lower() for k in line.singletonparams}
    return kinds


def _name(card: vobject.base.Component) -> str:
    formatted = _values(card, "fn")
    if formatted and (name := _text(formatted[0].value)):
        return name
    for line in _values(card, "n"):  # N: family;given;additional;prefix;suffix
        value = line.value
        given, family = _text(getattr(value, "given", "")), _text(getattr(value, "family", ""))
        if given or family:
            return f"{given} {family}".strip()
    return ""


def _emails(card: vobject.base.Component) -> tuple[str, ...]:
    kept: list[tuple[bool, str]] = []
    for line in _values(card, "email"):
        kinds = _types(line)
        address = parse_address(_text(line.value))
        if address and not kinds & PRIVATE_TYPES:
            kept.append(("pref" not in kinds and "1" != str(line.params.get("PREF", [""])[0]),
                         address))
    return tuple(dict.fromkeys(a for _, a in sorted(kept, key=lambda k: k[0])))


def _organization(card: vobject.base.Component) -> str | None:
    for line in _values(card, "org"):  # ORG: name;unit;unit
        value = line.value
        first = value[0] if isinstance(value, list) and value else value
        if text := _text(first):
            return text
    return None


def _city(card: vobject.base.Component) -> str | None:
    for line in _values(card, "adr"):
        if _types(line) & PRIVATE_TYPES:
            continue
        if city := _text(getattr(line.value, "city", "")):
            return city
    return None


def _card(card: vobject.base.Component) -> VCard | None:
    name = _name(card)
    if not looks_like_name(name):
        return None
    titles = [_text(line.value) for line in _values(card, "title")]
    titles += [_text(line.value) for line in _values(card, "role")]
    title = next((t for t in (clean_title(t) for t in titles if t) if t), None)
    urls = [_text(line.value) for line in _values(card, "url")]
    return VCard(name, title, _organization(card), _emails(card),
                 next((u for u in urls if u.startswith(("http://", "https://"))), None),
                 _city(card))


def read_vcards(data: bytes) -> Iterator[VCard]:
    """The cards in a vCard file, each parsed on its own so one broken card loses only itself."""
    text = data[:MAX_BYTES].decode("utf-8", "replace").replace("\r\n", "\n")
    for number, match in enumerate(_CARD.finditer(text)):
        if number >= MAX_CARDS:
            return
        try:
            card = vobject.readOne(match.group(0), ignoreUnreadable=True)
        except Exception:  # noqa: BLE001 - vobject raises several error types for bad input
            continue
        found = _card(card)
        if found is not None:
            yield found


def _line(card: VCard) -> str:
    return ", ".join(p for p in (card.name, card.title, card.organization, *card.emails[:1],
                                 f"based in {card.city}" if card.city else None) if p)


def vcard_facts(data: bytes, url: str) -> PageFacts:
    """A vCard file as the facts of a page: its people, their titles, work addresses and ORG."""
    cards = list(read_vcards(data))
    title = f"{cards[0].name} (vCard)" if len(cards) == 1 else f"{len(cards)} contacts (vCard)"
    page = Source(url=url, title=title if cards else "vCard")
    people, emails = [], []
    for card in cards:
        source = Source(url, page.title, _line(card))
        people.append(PersonMention(card.name, source, card.title,
                                    card.emails[0] if card.emails else None, card.url, "vcard"))
        emails += [FoundEmail(a, source, "vcard", card.name) for a in card.emails]
    organizations = {c.organization for c in cards if c.organization}
    return PageFacts(
        url=url,
        title=page.title,
        text=" · ".join(_line(c) for c in cards)[:20_000],
        people=tuple(people),
        emails=tuple(emails),
        organization=organizations.pop() if len(organizations) == 1 else None,
    )
