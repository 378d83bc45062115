"""Headings that name a person: a page's subject, a name and a title run together. Pure.

Private to ``lookup.web._people``. A per-person page announces its subject in its
``<title>`` and ``<h1>``; team pages and profile pages often write the name and the title in
one element ("Jane Doe — Head of Data", "<h3>Jane Example Deputy Head of System
Development</h3>"), which ``split_heading`` cuts at the name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from selectolax.lexbor import LexborHTMLParser, LexborNode

from lookup.text import fold
from lookup.web._words import NAME_RUN, TITLE_WORDS, field_title, fold_space, looks_like_name

__all__ = ["known_names", "split_heading"]


def _node_text(node: LexborNode) -> str:
    return fold_space(node.text(deep=True))


def known_names(tree: LexborHTMLParser) -> list[str]:
    """Names the page announces as its subject: its <title>'s first part, its <h1>."""
    found = []
    node = tree.css_first("title")
    if node is not None:
        head = re.split(r"\s+[|–—·-]\s+|\s*[|–—·]\s*", _node_text(node))[0]
        found.append(head)
    heading = tree.css_first("h1")
    if heading is not None:
        found.append(_node_text(heading))
    return [n for n in found if looks_like_name(n)]


# A name and its title in one element: "Jane Doe — Head of Data", "Jane Doe, CTO".
_NAME_THEN_TITLE = re.compile(rf"^(?P<name>{NAME_RUN.pattern})\s*(?:[—–|,:]|\s-)\s*(?P<title>.+)$")
# Words a title may start with that are no job on their own ("Deputy Head of ...").
_RANK_START = re.compile(r"^(?:deputy|acting|interim|vice|assistant|associate|senior|junior|"
                         r"executive|managing|general|global|regional|group|co-?)\b", re.I)


def split_heading(text: str, known: Sequence[str] = ()) -> tuple[str, str] | None:
    """(name, title) from an element that runs them together, or None.

    At a name the page announces (its title, its <h1>), else at a dash or comma after a
    name, else where a title word starts after two to four name words ("Jane Example
    Deputy Head of System Development").
    """
    folded = fold(text)
    for name in known:
        if folded.startswith(fold(name) + " ") and \
                (title := field_title(text[len(name):].strip(" ,:;|—–-"))):
            return name, title
    m = _NAME_THEN_TITLE.match(text)
    if m and looks_like_name(m.group("name")) and (title := field_title(m.group("title"))):
        return m.group("name"), title
    words = text.split()
    for size in range(2, min(5, len(words))):
        left, right = " ".join(words[:size]), " ".join(words[size:])
        if looks_like_name(left) and (TITLE_WORDS.match(right) or _RANK_START.match(right)) \
                and (title := field_title(right)):
            return left, title
    return None
