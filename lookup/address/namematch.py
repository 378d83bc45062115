"""Finding one person's name in text, however it is written. Pure."""

from __future__ import annotations

import re

from lookup.address.names import nicknames_of
from lookup.text import fold

__all__ = ["NameMatcher"]


def _fold(text: str) -> str:
    return fold(text).replace("’", "'")


class NameMatcher:
    """Finds a person's name in text: any case or accents, with middle names or initials.

    Also the usual other writings of the same person: a nickname or formal given name
    ("Bob" for Robert and back), and the two names in the other order ("TANAKA Hiroshi",
    "Sato Yuki" for Yuki Sato), as family-name-first cultures and many directories write
    them. Swapped order is matched without middle names, and not with a bare initial.
    """

    __slots__ = ("family", "given", "pattern")

    def __init__(self, name: str) -> None:
        words = [w.strip(".,") for w in _fold(name).split() if w.strip(".,")]
        self.given, self.family = words[0], words[-1] if len(words) > 1 else ""
        givens = {self.given, *(_fold(n) for n in nicknames_of(self.given))}
        full = "|".join(sorted(map(re.escape, givens), key=len, reverse=True))
        first = full + f"|{re.escape(self.given[0])}\\.?"
        family = re.escape(self.family)
        self.pattern = re.compile(
            rf"\b(?:{first})(?:\s+[a-z]\.?|\s+[a-z'-]+){{0,2}}?\s+{family}\b"
            rf"|\b{family},?\s+(?:{full})\b"
        )

    def positions(self, text: str) -> list[int]:
        """Where the name starts in ``text`` (offsets into the folded text)."""
        return [m.start() for m in self.pattern.finditer(_fold(text))] if self.family else []

    def matches(self, name: str) -> bool:
        """True when ``name`` is this person's name written some way."""
        return bool(self.family) and self.pattern.fullmatch(_fold(name).strip()) is not None
