"""People on a page: who is named, with which job title, and whose address is whose. Pure.

Private to ``lookup.web.extract``. People come from JSON-LD, cards, tables, lists,
bylines and sentences; what counts as a name or a title is ``_words``'s call.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from lookup.text import fold
from lookup.web._addresses import find_addresses, link_addresses
from lookup.web._fields import page_fields
from lookup.web._headings import known_names, split_heading
from lookup.web._jsonld import jsonld_people as _jsonld_people
from lookup.web._jsonld import jsonld_types, walk_jsonld
from lookup.web._person import Person
from lookup.web._words import (
    NAME_RUN,
    TITLE_WORDS,
    clean_title,
    consistent,
    field_title,
    fold_space,
    is_title,
    looks_like_name,
    names_in,
)
from lookup.web.documents import is_document_url

__all__ = [
    "Person",
    "consistent",
    "context_of",
    "find_people",
    "fold_space",
    "is_title",
    "jsonld_types",
    "looks_like_name",
    "walk_jsonld",
]

MAX_ELEMENTS = 3_000
MAX_CONTEXT = 400

_SEPARATOR = r"\s*(?:,|·|•|—|–|-|\||:)\s*"
_BYLINE = re.compile(
    r"^(?:(?:written|posted|words|story|text|published|eine analyse|ein kommentar|"
    r"veröffentlicht|publié)\s+)?(?:by|von|par|por|door|av|af)\s+", re.I
)
_LINE_PERSON = re.compile(
    rf"^(?P<name>{NAME_RUN.pattern})(?:{_SEPARATOR}|\s+\(|\s+is\s+(?:a|an|the|our)\s+)"
    r"(?P<title>[^·•|—–(;]{3,120})"
)
# The title may be a bare rank and its function after one more comma ("VP, Marketing").
_INLINE_PERSON = re.compile(
    rf"(?P<name>{NAME_RUN.pattern}),\s+(?P<title>[^,.;·•|—–()]{{2,80}}(?:,\s+[^,.;·•|—–()]{{2,60}})?)"
)
_NAME_COLUMN = re.compile(r"\b(?:name|person|speaker|member|who|employee|staff|contact)\b", re.I)
_TITLE_COLUMN = re.compile(r"\b(?:title|role|position|job|function|designation)\b", re.I)
_PLACE_COLUMN = re.compile(r"\b(?:location|based|city|office)\b", re.I)
_TALK_COLUMN = re.compile(r"\b(?:talks?|sessions?|topics?|presentations?|vortrag|thema|lectures?)\b",
                          re.I)
_TIME_COLUMN = re.compile(r"\b(?:time|when|date|slot|zeit|uhrzeit|heure|hora)\b", re.I)
_TALK_CLASS = re.compile(r"talk|session|presentation|vortrag|keynote", re.I)
_TITLE_CLASS = re.compile(r"title|role|position|job|designation|function", re.I)
_CARD_NAMES = ("h1,h2,h3,h4,h5,h6,strong,b,dt,[itemprop=name],[class*=name],"
               "[class*=Name]")


# ------------------------------------------------------------------ the HTML


def _node_text(node: LexborNode) -> str:
    return fold_space(node.text(deep=True))


_CONTACT_SCHEMES = ("mailto:", "tel:", "sms:")


def _title_text(node: LexborNode) -> str:
    """The element's words without those of the links inside it that act rather than name: a
    download (a vCard, a PDF), a mail or phone link ("Add to contacts" is not in a title)."""
    text = _node_text(node)
    for link in node.css("a"):
        href, words = link.attributes.get("href") or "", _node_text(link)
        if "download" in link.attributes or href.lower().startswith(_CONTACT_SCHEMES) \
                or is_document_url(href, words):
            if words and not find_addresses(words):  # an address shown is the card's own
                cut = text.rfind(words)
                text = fold_space(text[:cut] + text[cut + len(words):]) if cut >= 0 else text
    return text


def context_of(node: LexborNode, minimum: int = 40) -> str:
    """The text of the nearest enclosing block with something to say (at most 400 chars)."""
    current: LexborNode | None = node
    text = ""
    for _ in range(4):
        if current is None:
            break
        text = _node_text(current)
        if len(text) >= minimum:
            break
        current = current.parent
    return text[:MAX_CONTEXT]


def _siblings(node: LexborNode, limit: int = 3) -> Iterator[LexborNode]:
    sibling, seen = node.next, 0
    while sibling is not None and seen < limit:
        if sibling.is_element_node:
            seen += 1
            yield sibling
        sibling = sibling.next


# Classes that mark an element as the role line of a card, when it comes before the name
# ("pos", "name", "tel", "email" on German contact cards): stricter than _TITLE_CLASS,
# which also matches a section's "section-title" above the cards.
_ROLE_CLASS = re.compile(r"(?:^|[\s_-])(?:pos|position|role|job|jobtitle|function|funktion|"
                         r"designation)(?:$|[\s_-])", re.I)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _classed(node: LexborNode, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(node.attributes.get("class") or "")) or \
        (node.attributes.get("itemprop") or "") == "jobTitle"


def _previous(node: LexborNode) -> LexborNode | None:
    sibling = node.prev
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.prev
    return sibling


def _card_title(node: LexborNode) -> tuple[str | None, LexborNode]:
    """A title-like element right after the name (or after its wrapper), or a role line
    marked as one right before it, and the card."""
    current = node
    for _ in range(3):
        for sibling in _siblings(current):
            text = _title_text(sibling)
            classy = _classed(sibling, _TITLE_CLASS)
            trusted = classy and sibling.tag not in _HEADINGS
            title = field_title(text, trusted=trusted) if classy or len(text) <= 120 else None
            if title:
                return title, current.parent or current
        before = _previous(current)
        if before is not None and _classed(before, _ROLE_CLASS) and \
                (title := field_title(_node_text(before), trusted=True)):
            return title, current.parent or current
        parent = current.parent
        if parent is None or len(_node_text(parent)) > len(_node_text(node)) + 2:
            break
        current = parent
    return None, node


def _card_url(card: LexborNode) -> str | None:
    for link in card.css("a[href]")[:6]:
        href = link.attributes.get("href") or ""
        if href.startswith(("http://", "https://")):
            return href
    return None


def _has_address(card: LexborNode) -> bool:
    """True when a card holds an address: a mailto, compose or chat link, or one in its text."""
    for link in card.css("a[href]")[:12]:
        href = link.attributes.get("href") or ""
        if href[:7].lower() == "mailto:" or link_addresses(href):
            return True
    return bool(find_addresses(_node_text(card)))


def _cards(tree: LexborHTMLParser) -> Iterator[Person]:
    known = known_names(tree)
    for node in tree.css(_CARD_NAMES)[:MAX_ELEMENTS]:
        name = _node_text(node).strip(" ,:;#¶")
        title = None
        if not looks_like_name(name):
            split = split_heading(name, known) if len(name) <= 160 else None
            if split is None:
                continue
            name, title = split
            card = _enclosing(node)
        else:
            title, card = _card_title(node)
            if card is node:  # no title beside the name: the speaker card around it, if small
                card = _enclosing(node)
        talk = _card_talk(card, name)
        if title or talk or _has_address(card):
            yield Person(name, title, _node_text(card)[:MAX_CONTEXT], "card",
                         url=_card_url(card), talk=talk)


def _enclosing(node: LexborNode, limit: int = 600) -> LexborNode:
    current = node
    for _ in range(2):
        parent = current.parent
        if parent is None or len(_node_text(parent)) > limit:
            break
        current = parent
    return current


def _card_talk(card: LexborNode, name: str) -> str | None:
    """The talk a speaker card names: an element classed talk/session/topic in the card."""
    for element in card.css("[class]")[:40]:
        if not _TALK_CLASS.search(element.attributes.get("class") or ""):
            continue
        text = _node_text(element)
        # a talk's title: a short phrase, not a sentence of instructions or a whole card
        if 8 <= len(text) <= 160 and len(text.split()) <= 16 and not text.endswith(".") \
                and name not in text:
            return text
    return None


def _columns(table: LexborNode) -> tuple[int | None, ...]:
    head = table.css_first("tr")
    cells = [_node_text(c) for c in head.css("th,td")] if head else []
    find = lambda rx: next((i for i, c in enumerate(cells) if rx.search(c)), None)  # noqa: E731
    name, title, place, talk = (find(_NAME_COLUMN), find(_TITLE_COLUMN), find(_PLACE_COLUMN),
                                find(_TALK_COLUMN))
    if talk is None and title is not None and find(_TIME_COLUMN) is not None:
        title, talk = None, title  # a schedule: its "Title" column is the talk's
    return name, title, place, talk


def _cell_reader(cells: list[str]):  # noqa: ANN202 - a tiny accessor
    return lambda i: cells[i] if i is not None and i < len(cells) else ""


def _tables(tree: LexborHTMLParser) -> Iterator[Person]:
    for table in tree.css("table")[:50]:
        name_col, title_col, place_col, talk_col = _columns(table)
        if name_col is None or (title_col is None and talk_col is None):
            continue
        for row in table.css("tr")[1:500]:
            cells = [_node_text(c) for c in row.css("td,th")]
            cell = _cell_reader(cells)
            # "Julia Hartmann (Kestrel Valves)": the name at the start of the cell
            name = next((n for at, n in names_in(cell(name_col)) if at == 0), "")
            if not looks_like_name(name):
                continue
            title, talk = cell(title_col) or None, cell(talk_col) or None
            context = ", ".join(c for c in (cell(name_col), title) if c)
            if cell(place_col):
                context += f", based in {cell(place_col)}"
            if talk:
                context += f": {talk}"
            yield Person(name, title, context, "table", talk=talk)


_BYLINE_SEPARATOR = re.compile(r"^\s*[,·—–|-]\s*")


def _bylines(tree: LexborHTMLParser, lines: Sequence[str], author: str | None
             ) -> Iterator[Person]:
    """Authors: rel=author links, .author/.byline elements, "By Name" lines, <meta name=author>."""
    nodes = tree.css("[rel~=author],[class*=author],[class*=byline],[itemprop=author]")[:200]
    texts = [t for t in (_node_text(n) for n in nodes) if len(t) <= 80 or _BYLINE.match(t)]
    texts += [line for line in lines if _BYLINE.match(line) and len(line) < 200]
    texts += [author] if author else []
    for text in texts:
        text = _BYLINE.sub("", fold_space(html.unescape(text)))
        start, name = next(names_in(text[:80]), (-1, ""))
        if start != 0:
            continue
        rest = text[len(name):]
        title = clean_title(_BYLINE_SEPARATOR.sub("", rest)) if _BYLINE_SEPARATOR.match(rest) \
            else None
        yield Person(name, title, text[:MAX_CONTEXT], "byline")


def _lines(lines: Sequence[str]) -> Iterator[Person]:
    for line in lines[:MAX_ELEMENTS]:
        if len(line) > 600:
            continue
        m = _LINE_PERSON.match(line) if len(line) <= 250 else None
        if m and looks_like_name(m.group("name")) and (title := clean_title(m.group("title"))):
            yield Person(m.group("name"), title, line[:MAX_CONTEXT], "list")
            continue
        for m in _INLINE_PERSON.finditer(line):
            name = next((n for s, n in names_in(m.group("name")) if
                         s + len(n) == len(m.group("name"))), None)
            if name and (title := clean_title(m.group("title"))):
                yield Person(name, title, _window(line, m.start(), m.end()), "text")


def _window(line: str, start: int, end: int, width: int = 120) -> str:
    return line[max(0, start - width): end + width].strip()


_RANK = {"jsonld": 0, "data": 1, "card": 1, "imprint": 1, "table": 2, "list": 3, "byline": 4,
         "text": 5}


def _merge(found: Iterator[Person]) -> list[Person]:
    people: dict[str, Person] = {}
    for person in found:
        key = fold(person.name)
        old = people.get(key)
        if old is None:
            people[key] = person
            continue
        better = person if old.title is None and person.title else old
        people[key] = replace(
            better,
            how="byline" if "byline" in (old.how, person.how) else min(
                (old.how, person.how), key=lambda h: _RANK.get(h, 9)),
            email=old.email or person.email,
            url=old.url or person.url,
            talk=old.talk or person.talk,
            team=old.team or person.team,
            location=old.location or person.location,
        )
    return list(people.values())


def find_people(tree: LexborHTMLParser, lines: Sequence[str], jsonld: Sequence[dict],
                author: str | None = None, records: Sequence[dict] = ()) -> list[Person]:
    """Everyone the page names as a person: JSON-LD, app data, cards, tables, lists, prose;
    a per-person page's subject gets the page's labelled fields (``_fields``)."""
    people = _merge(_chain(_jsonld_people(jsonld), _data_people(records), _cards(tree),
                           _tables(tree), _bylines(tree, lines, author), _lines(lines),
                           _imprint(lines)))
    return _with_subject(people, tree, lines)


def _subject(tree: LexborHTMLParser) -> str | None:
    """The person a per-person page is about: its <title> and its <h1> agree on a name."""
    names = known_names(tree)
    heading = tree.css_first("h1")
    if heading is not None and not names and (split := split_heading(_node_text(heading))):
        names.append(split[0])
    return names[0] if names else None


def _with_subject(people: list[Person], tree: LexborHTMLParser, lines: Sequence[str]
                  ) -> list[Person]:
    """Fill the page's subject's title, team and place from its labelled fields."""
    cards = [p.name for p in people if p.how == "card"]
    subject = _subject(tree) or (cards[0] if len(cards) == 1 else None)
    if subject is None:
        return people
    fields = page_fields(tree, lines)
    title = field_title(fields["title"], trusted=True) if "title" in fields else None
    team, place = fields.get("team"), fields.get("location")
    key = fold(subject)
    for i, person in enumerate(people):
        if fold(person.name) == key:
            people[i] = replace(person, title=person.title or title, team=person.team or team,
                                location=person.location or place)
            return people
    if title or team or place or "email" in fields:
        context = ", ".join(p for p in (subject, title, team, place) if p)
        people.append(Person(subject, title, context, "card", team=team, location=place))
    return people


# "Geschäftsführer: Markus Roe", "Managing Director: Jane Doe": a role, then who holds it
# (imprints, legal notices, "about" boxes).
_ROLE_THEN_NAME = re.compile(rf"^(?P<title>[^:|]{{3,60}}?)\s*[:：]\s*(?P<name>{NAME_RUN.pattern})\W*$")


def _imprint(lines: Sequence[str]) -> Iterator[Person]:
    for line in lines[:MAX_ELEMENTS]:
        m = _ROLE_THEN_NAME.match(line) if len(line) <= 120 else None
        if m and looks_like_name(m["name"]) and (title := field_title(m["title"])) \
                and TITLE_WORDS.search(title):
            yield Person(m["name"], title, line[:MAX_CONTEXT], "imprint")


def _data_people(records: Sequence[dict]) -> Iterator[Person]:
    """People in the JSON a script-built page ships (``_appdata.person_records``)."""
    for record in records:
        name = fold_space(record["name"] or "")
        if not looks_like_name(name):
            continue
        title = field_title(record["title"], trusted=True) if record.get("title") else None
        email = (record.get("email") or "").strip().lower().removeprefix("mailto:") or None
        if title or email:
            context = ", ".join(p for p in (name, title, email) if p)
            yield Person(name, title, context, "data", email, record.get("url"))


def _chain(*iterators: Iterator[Person]) -> Iterator[Person]:
    for iterator in iterators:
        yield from iterator
