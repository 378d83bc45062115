"""What `lookup guess` prints: the ranked candidates, and with --explain how each piece of
evidence moved them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lookup.address.hints import FormatHint, typed_hint
from lookup.card.render import percent
from lookup.errors import BadInputError
from lookup.models import Candidate, Source

__all__ = ["candidate_rows", "explain_lines", "parse_hint", "step_rows"]

_PASTED = re.compile(r"\s*(https?://[^\s/]+\S*)\s+(\S.*)", re.DOTALL)


def parse_hint(text: str, domain: str) -> list[FormatHint]:
    """A format hint typed by the user, or BadInputError saying how to write one.

    A search result pasted with its address first ("https://site/page The email format of
    ... is ...") keeps that address as the claim's source: the site, not the user, says it.
    """
    pasted = _PASTED.match(text)
    url, words = (pasted.group(1), pasted.group(2)) if pasted else ("", text)
    source = (Source(url=url, title="a search result you gave", snippet=words, kind="user")
              if url else Source(url="", title="given by the user", snippet=text, kind="user"))
    found = typed_hint(words, domain, source)
    if not found:
        raise BadInputError(
            f"{text!r} names no address format; write it like 'first.last', '{{f}}{{last}}', "
            "'jsmith@' or paste the search snippet that says it."
        )
    return found


def candidate_rows(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    return [
        {
            "address": c.address,
            "probability": round(c.probability, 4),
            "format": c.format,
            "support": c.support,
            "evidence": c.evidence_total,
            "explanation": c.explanation,
            "claimed_by": [s.url or s.title for s in c.claimed_by],
        }
        for c in candidates
    ]


def step_rows(steps: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "evidence": s.evidence or "none",
            "source": s.source,
            "context": list(s.context),
            "candidates": [{"address": c.address, "probability": round(c.probability, 4)}
                           for c in s.candidates],
        }
        for s in steps
    ]


def explain_lines(steps: Sequence[Any]) -> list[str]:
    """Each piece of evidence, then the top addresses once it counts, with the change."""
    lines = ["How each piece of evidence moved the probabilities (in the order given):"]
    before: dict[str, float] = {}
    for step in steps:
        if not step.evidence:
            lines.append("  no evidence: how companies write addresses elsewhere, for")
            lines += [f"      {line}" for line in step.context]
        else:
            source = f" [{step.source}]" if step.source else ""
            lines.append(f"  + {step.evidence}{source}")
        now = {c.address: c.probability for c in step.candidates}
        for address, p in now.items():
            change = ""
            if before:
                delta = round(100 * (p - before.get(address, 0.0)))
                change = f"{delta:+d} points" if delta else "unchanged"
            lines.append(f"      {percent(p):>5}  {address:<36} {change}".rstrip())
        before = {**before, **now}
    return lines
