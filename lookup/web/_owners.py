"""Whose address is it: the person an address on a page belongs to. Pure.

Private to ``lookup.web.extract``. An address belongs to the person whose card or
paragraph holds it, or to the nearest full name that its local part spells; failing
those, to the one person the page names fully whose given name stands right before it
("Daniel (dchen@…)"), or to the one person on the page whose name it spells. Never to
one of two people it could equally be: then it stays nobody's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from selectolax.lexbor import LexborNode

from lookup.text import fold
from lookup.web._people import MAX_CONTEXT, Person
from lookup.web._words import consistent, fold_space, names_in

__all__ = ["attach_emails", "name_for", "name_near"]


def name_for(address: str, line: str, at: int, people: Sequence[Person],
             written: str = "") -> str | None:
    """The person an address in ``line`` belongs to: their card, or the nearest name before it."""
    written = (written or address).lower()
    cards = [p for p in people if written in p.context.lower() and len(p.context) <= MAX_CONTEXT]
    for person in sorted(cards, key=lambda p: len(p.context)):
        if consistent(address, person.name):
            return person.name
    before = [(at - s, n) for s, n in names_in(line[max(0, at - 200):at])]
    after = [(s, n) for s, n in names_in(line[at: at + 120])]
    for _, name in sorted(before) + sorted(after):
        if consistent(address, name):
            return name
    return _by_given_name(address, line[max(0, at - 40):at], people) or _only_match(address, people)


_GIVEN_BEFORE = re.compile(r"\b([A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]{1,30})\W{0,4}(?:at|via|unter|:)?\W{0,3}$")


def _by_given_name(address: str, before: str, people: Sequence[Person]) -> str | None:
    """"Daniel (dchen@…)": the one person the page names fully whose given name is Daniel."""
    m = _GIVEN_BEFORE.search(before)
    if not m:
        return None
    given = fold(m.group(1))
    found = {p.name for p in people if fold(p.name.split()[0]) == given and consistent(address, p.name)}
    return found.pop() if len(found) == 1 else None


def _only_match(address: str, people: Sequence[Person]) -> str | None:
    """The one person named on the page whose name the address spells (jdoe@ for Jane Doe)."""
    found = {p.name for p in people if consistent(address, p.name)}
    return found.pop() if len(found) == 1 else None


def name_near(node: LexborNode, address: str, people: Sequence[Person]) -> str | None:
    """The person whose card or paragraph holds this address link."""
    current: LexborNode | None = node.parent
    for _ in range(4):
        if current is None:
            return None
        text = fold_space(current.text(deep=True))
        if len(text) > 2 * MAX_CONTEXT:
            return None
        known = [p.name for p in people if p.name in text and consistent(address, p.name)]
        if len(set(known)) == 1:
            return known[0]
        at = text.lower().find(address)
        if at >= 0 and (name := name_for(address, text, at, ())):
            return name
        current = current.parent
    return None


def attach_emails(people: Sequence[Person], emails: Sequence) -> list[Person]:
    """Give each person the address the page links to their name."""
    by_name = {fold(e.name): e.address for e in emails if e.name}
    return [p if p.email else replace(p, email=by_name.get(fold(p.name))) for p in people]
