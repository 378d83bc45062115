"""Small text helpers shared by the pure modules. Pure."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CONTROL", "INVISIBLE", "fold", "host_of", "inert", "inert_data", "is_invisible"]

# The one set of characters that show nothing, or make text display other than it is:
# bidi marks, embeddings, overrides and isolates ("Trojan Source", CVE-2021-42574),
# zero-width spaces and joiners, line and paragraph separators, word joiners and
# invisible operators, the byte-order mark, interlinear annotation marks and tag
# characters (which can carry hidden ASCII). A regex character class, for ``re``.
INVISIBLE = ("\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
             "\U000e0000-\U000e007f")
# C0 and C1 control characters but tab, line feed and carriage return.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE_CHAR = re.compile(f"[{INVISIBLE}]")

# Terminal escape sequences (CSI "ESC [ ... m" colours, OSC "ESC ] 8;; url BEL" hyperlinks,
# and other two-character escapes), then single control and invisible characters: text
# from the web must not move the cursor, recolour the terminal, plant a clickable link or
# make itself read in another order.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?|"
                      r"\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?")
_INVISIBLE = re.compile(f"[{CONTROL}{INVISIBLE}]")


def is_invisible(ch: str) -> bool:
    """True for a character of the ``INVISIBLE`` set."""
    return _INVISIBLE_CHAR.match(ch) is not None


def fold(text: str) -> str:
    """Case-folded without accents ("Ørsted Müller" -> "ørsted muller"), for comparisons.

    Whitespace is kept as it is, so positions found in the folded text are
    positions in a text of the same words.
    """
    if text.isascii():  # most text: nothing to decompose (a run folds ~100,000 characters)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def host_of(url: str) -> str:
    """The lower-cased host of a URL, without port or trailing dot ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def inert(text: str) -> str:
    """``text`` without terminal escapes, control, bidi or zero-width characters.

    Tabs and line breaks stay (a caller folding whitespace removes them); everything a
    terminal, a JSON viewer or a Markdown renderer could act on goes.
    """
    return _INVISIBLE.sub("", _ESCAPES.sub("", text))


def inert_data(value: Any) -> Any:
    """``inert`` applied to every string inside lists, tuples and dicts (for JSON output)."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert_data(k): inert_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_data(v) for v in value]
    return value
