"""File- and URL-safe identifiers for people, and the key names are matched on."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from lookup.errors import BadInputError

__all__ = ["candidate_key", "name_key", "slugify"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80


def slugify(name: str) -> str:
    """Lower-case ASCII words joined by hyphens ("Zoë O'Brien" -> "zoe-o-brien").

    A name with no Latin letters at all (e.g. written in another script) gets a
    stable ``person-<hash>`` slug instead of an empty one.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:_MAX_SLUG].rstrip("-")
    if slug:
        return slug
    digest = hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()[:10]
    return f"person-{digest}"


def name_key(name: str) -> str:
    """The form names are compared in: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def candidate_key(name: str) -> str:
    """How a candidate is stored and compared: their name as a slug ("Alex Kim" -> "alex-kim")."""
    text = " ".join(name.split())
    if not text or len(text) > 100 or any(unicodedata.category(c).startswith("C") for c in text):
        raise BadInputError(
            f"The candidate {name[:40]!r} is not a name: give one of at most 100 characters, "
            "without control characters."
        )
    return slugify(text)
