"""Small text helpers shared by the pure modules. Pure."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

__all__ = ["fold", "host_of"]


def fold(text: str) -> str:
    """Case-folded without accents ("Ørsted Müller" -> "ørsted muller"), for comparisons.

    Whitespace is kept as it is, so positions found in the folded text are
    positions in a text of the same words.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def host_of(url: str) -> str:
    """The lower-cased host of a URL, without port or trailing dot ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
