"""Finding one person's name in text, however it is written. Pure."""

from __future__ import annotations

import re

from lookup.address.names import nicknames_of
from lookup.text import fold

__all__ = ["NameMatcher"]


def _fold(text: str) -> str:
    return fold(text).replace("’", "'")


class NameMatcher:
    """Finds a person's name in text: any case or accents, with middle names or initials."""

    __slots__ = ("family", "given", "pattern")

    def __init__(self, name: str) -> None:
        words = [w.strip(".,") for w in _fold(name).split() if w.strip(".,")]
        self.given, self.family = words[0], words[-1] if len(words) > 1 else ""
        givens = {self.given, *(_fold(n) for n in nicknames_of(self.given))}
        first = "|".join(sorted(map(re.escape, givens), key=len, reverse=True))
        first += f"|{re.escape(self.given[0])}\\.?"
        self.pattern = re.compile(
            rf"\b(?:{first})(?:\s+[a-z]\.?|\s+[a-z'-]+){{0,2}}?\s+{re.escape(self.family)}\b"
        )

    def positions(self, text: str) -> list[int]:
        """Where the name starts in ``text`` (offsets into the folded text)."""
        return [m.start() for m in self.pattern.finditer(_fold(text))] if self.family else []

    def matches(self, name: str) -> bool:
        """True when ``name`` is this person's name written some way."""
        return bool(self.family) and self.pattern.fullmatch(_fold(name).strip()) is not None
