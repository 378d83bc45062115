"""A text document (a PDF's text) read like a page: the same extraction, fed line by line. Pure.

Text pulled out of a PDF has no markup: a press kit's "Media contact" block is a name, a
title, an address and a phone number on consecutive lines, and an annual report's
management grid is "Name" then "Title" cell after cell. ``text_facts`` writes each such
block as the card a page would (the name, the title line marked as a title, so it is read
whole; a title the layout wrapped over two lines made one again), splits a label off the
line it leads ("Media contact: …"), and hands the rest to ``extract`` as paragraphs, so
names, titles and addresses are found, attributed and capped exactly as on an HTML page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from lookup.models import PageFacts
from lookup.web._addresses import find_addresses
from lookup.web._words import fold_space, is_title, looks_like_name
from lookup.web.extract import extract

__all__ = ["MAX_LINES", "contact_blocks", "text_facts"]

MAX_LINES = 20_000
BLOCK_LINES = 5  # name, title, address, phone, one more (a mobile, a second address)
# A label that leads the people after it, on its line or alone on the line before.
_LABEL = re.compile(
    r"^(?P<label>(?:media|press|investor|sales|general|your|main)?\s*(?:contacts?|enquiries|"
    r"inquiries|kontakt|pressekontakt|contact presse|contacto)(?:\s+(?:person|persons|details|"
    r"for (?:media|press|journalists)))?\s*:)\s*(?P<rest>.*)$",
    re.I,
)
_PHONE = re.compile(r"^(?:(?:tel|phone|telephone|mobile|mob|cell|fax|direct|t|m|p|f)\.?\s*:?\s*)?"
                    r"\+?[\d\s().\-/]{7,22}$", re.I)


def _is_detail(line: str) -> bool:
    """A contact block's line after the name: an address, a phone number."""
    return bool(find_addresses(line)) or bool(_PHONE.match(line))


def _split_labels(lines: Sequence[str]) -> Iterator[str]:
    for line in lines:
        m = _LABEL.match(line)
        if m and m.group("rest"):
            yield m.group("label")
            # several people on one line: "A, Press Officer, a@x; B, Analyst, b@x"
            yield from (part.strip() for part in m.group("rest").split(";") if part.strip())
        else:
            yield line


def contact_blocks(lines: Sequence[str]) -> list[list[str]]:
    """The lines grouped: each "Name / Title / address / phone" block one group (a title
    wrapped over two lines made one again), every other line a group of its own."""
    split = list(_split_labels(lines))
    out: list[list[str]] = []
    i = 0
    while i < len(split):
        line = split[i]
        block = [line]
        if looks_like_name(line):
            j = i + 1
            while j < len(split) and len(block) < BLOCK_LINES:
                nxt = split[j]
                if not nxt or looks_like_name(nxt):
                    break
                if len(block) == 2 and _continues_title(block[1], nxt):
                    block[1] = f"{block[1]} {nxt}"
                    j += 1
                    continue
                if not (len(block) == 1 and is_title(nxt)) and not _is_detail(nxt):
                    break
                block.append(nxt)
                j += 1
            if len(block) > 1:
                out.append(block)
                i = j
                continue
        out.append([line])
        i += 1
    return out


def _continues_title(title: str, line: str) -> bool:
    """True for a short line carrying on a title the layout wrapped ("Director for Japan and
    Korea" / "Relationships"): the title ends on no punctuation and the line is neither an
    address, a phone, a name nor a sentence."""
    return (bool(title) and title[-1].isalnum() and 0 < len(line.split()) <= 3
            and not _is_detail(line) and not looks_like_name(line)
            and line[-1:] not in ".:;!?" and is_title(f"{title} {line}"))


def text_facts(text: str, url: str, title: str) -> PageFacts:
    """The facts of a text document, read as a page whose paragraphs are the text's lines."""
    lines = [fold_space(line) for line in text.splitlines()[:MAX_LINES]]
    body = "\n".join(_html(block) for block in contact_blocks(lines) if block[0])
    facts = extract(f"<html><head><title>{html.escape(title)}</title></head><body>{body}"
                    f"</body></html>", url)
    return replace(facts, links=(), site_links=())  # a PDF's links are not followed


def _html(block: list[str]) -> str:
    """A line as a paragraph; a contact block as the card a page would write, its title line
    marked as one, so the title is read whole as a card's is ("Director for Japan and Korea
    Relationships", not cut at "for" as in a sentence)."""
    if len(block) == 1:
        return f"<p>{html.escape(block[0])}</p>"
    name, *rest = map(html.escape, block)
    title = f'<p class="title">{rest.pop(0)}</p>' if is_title(block[1]) else ""
    details = "".join(f"<p>{line}</p>" for line in rest)
    return f'<div class="contact"><h4>{name}</h4>{title}{details}</div>'
