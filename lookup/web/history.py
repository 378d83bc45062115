"""Evidence from a company's past, and sites that could not be read: sentences for the card. Pure.

``weigh`` decides what addresses at a company's former domain are worth once it answers at
a new one: current evidence always wins, and the old addresses count only when nothing at
the new domain is known (a renamed company often keeps its format; an acquired one often
takes the buyer's, so old addresses never outvote new ones). Either way the card says so,
with the dates of the pages they came from. ``walled_notes`` says, for a company site that
answered with a bot challenge, that it could not be read and where the card's facts came
from instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from lookup.models import Evidence, PageFacts, Source
from lookup.text import host_of

__all__ = ["walled_notes", "weigh"]


def _dates(evidence: Sequence[Evidence], pages: Sequence[PageFacts]) -> list[str]:
    published = {p.url: p.published for p in pages if p.published}
    urls = {e.source.url for e in evidence if e.source is not None}
    return sorted({published[u] for u in urls if u in published})


def _when(dates: Sequence[str]) -> str:
    if not dates:
        return "undated pages"
    return f"pages dated {dates[0]}" if len(dates) == 1 else f"pages dated {dates[0]} to {dates[-1]}"


def weigh(current: tuple[Evidence, ...], past: Mapping[str, tuple[Evidence, ...]],
          pages: Sequence[PageFacts], domain: str) -> tuple[tuple[Evidence, ...], tuple[str, ...]]:
    """The evidence to infer from, and what the card should say about the old domains'."""
    remarks: list[str] = []
    used: list[Evidence] = []
    for old, found in past.items():
        if not found:
            continue
        example = found[0].address
        when = _when(_dates(found, pages))
        if current:
            remarks.append(
                f"Addresses at {old}, the company's former domain ({len(found)}, e.g. {example}, "
                f"on {when}), are history: they were not used for the address at {domain}.")
        else:
            used += found
            remarks.append(
                f"No colleague's address at {domain} was found, so the format is read from "
                f"{len(found)} address(es) at {old}, the company's former domain (e.g. "
                f"{example}, on {when}); the company may write addresses differently now.")
    return (current or tuple(used)), tuple(remarks)


def walled_notes(blocked: Mapping[str, str], domains: Iterable[str | None],
                 sources: Sequence[Source]) -> tuple[str, ...]:
    """One sentence per company host behind a bot wall, naming where the facts came from."""
    own = [d for d in dict.fromkeys(domains) if d]
    walled = sorted(h for h in blocked if any(h == d or h.endswith("." + d) for d in own))
    if not walled:
        return ()
    elsewhere = sorted({host_of(s.url) for s in sources if s.kind == "page"} - set(walled))
    searched = any(s.kind == "search" for s in sources)
    came = [*(["search results"] if searched else []), *elsewhere]
    said = ("What this card says comes from elsewhere: " + ", ".join(came) + "."
            if came else "Nothing else was found to stand in for it.")
    return tuple(f"{host} could not be read: it answers with a bot challenge instead of its "
                 f"pages{_what(blocked[host])}. {said}" for host in walled)


def _what(reason: str) -> str:
    """" (Cloudflare's challenge page, HTTP 403)" from the fetcher's reason, or ""."""
    found = re.search(r"with (.+?) \((HTTP \d+)\)", reason)
    return f" ({found.group(1)}, {found.group(2)})" if found else ""
