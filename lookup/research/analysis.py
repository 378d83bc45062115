"""From gathered facts to a research result: profile, evidence, candidates, summary. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lookup.address.evidence import colleague_evidence, published_address
from lookup.address.hints import FormatHint, claims, read_hints
from lookup.address.patterns import predict
from lookup.address.variants import with_variants
from lookup.mail.scoring import score
from lookup.mail.verdicts import notices
from lookup.models import (
    Candidate,
    Evidence,
    FoundEmail,
    Interview,
    PageFacts,
    Profile,
    ResearchResult,
    ScoredCandidate,
    SearchHit,
    Source,
    Verification,
)
from lookup.web import history
from lookup.web.identity import Move
from lookup.web.profile import build_profile

__all__ = [
    "Analysis", "analyse", "collect_sources", "deeper", "finish", "research_json", "to_verify",
]

CANDIDATES_KEPT = 8  # enough to probe down the list (smtp.max_probes_per_domain)
CANDIDATES_VERIFIED = 3


@dataclass(frozen=True, slots=True)
class Analysis:
    profile: Profile
    evidence: tuple[Evidence, ...]
    published: FoundEmail | None
    candidates: tuple[Candidate, ...]
    hints: tuple[FormatHint, ...] = ()  # directory sites' claims about the format, one a site
    remarks: tuple[str, ...] = ()  # sentences for the card's notes (a move, history used)


def analyse(
    interview: Interview,
    domain: str | None,
    pages: Sequence[PageFacts],
    hits: Sequence[SearchHit],
    *,
    today: dt.date,
    test_environment: bool = False,
    site: str | None = None,
    moves: Sequence[Move] = (),
) -> Analysis:
    """Build the profile, collect colleagues' addresses and rank the candidate addresses.

    ``domain`` is where the company's addresses are; ``site`` its web site's domain when
    that differs (facts are tied to the person through pages on the site). ``moves`` say
    the company answered at other domains before: what was published there is history.
    """
    profile = build_profile(interview, site or domain, pages, hits, today=today)
    if not domain:
        return Analysis(profile, (), None, ())
    moves = [m for m in moves if m.new in (domain, site)]
    evidence, remarks = history.weigh(
        tuple(colleague_evidence(pages, domain, exclude_name=interview.name)),
        {m.old: tuple(colleague_evidence(pages, m.old, exclude_name=interview.name))
         for m in moves}, pages, domain)
    remarks = (*(m.sentence for m in moves), *remarks)
    published = published_address(pages, domain, interview.name)
    # Directory sites' snippets (never their pages) saying how the company writes addresses.
    hints = tuple(claims(read_hints(hits, domain, interview.company)))
    # The company's own writing of the name drives the address (Robert, not Bob).
    name = profile.written_name or interview.name
    ranked = predict(name, domain, evidence, hints=hints, limit=CANDIDATES_KEPT,
                     test_environment=test_environment)
    ranked = with_variants(ranked, name, after=CANDIDATES_VERIFIED, keep=CANDIDATES_KEPT)
    candidates = _with_published(ranked, published)
    return Analysis(profile, evidence, published, tuple(candidates), hints, remarks)


def _with_published(ranked: list[Candidate], published: FoundEmail | None) -> list[Candidate]:
    """Make sure an address published for the person is among the candidates."""
    if published is None:
        return ranked
    if any(c.address.lower() == published.address.lower() for c in ranked):
        return ranked
    extra = Candidate(
        address=published.address.lower(),
        probability=0.0,
        format="published",
        explanation="Published for this person; no known format of the domain produces it.",
    )
    return [*ranked[: CANDIDATES_KEPT - 1], extra]


def deeper(analysis: Analysis) -> list[str]:
    """The rest of the ranked list, in order: asked over SMTP only while the top ones are refused.

    The Verifier walks it (``lookup.mail.probeplan``): an accepted address, a
    catch-all or an answer that proves nothing ends the walk, as does the
    per-domain budget (``smtp.max_probes_per_domain``).
    """
    first = {a.lower() for a in to_verify(analysis)}
    return [c.address for c in analysis.candidates if c.address.lower() not in first]


def to_verify(analysis: Analysis) -> list[str]:
    """The addresses worth a verification: the top few and any published one."""
    chosen = [c.address for c in analysis.candidates[:CANDIDATES_VERIFIED]]
    if analysis.published is not None:
        chosen.append(analysis.published.address.lower())
    return list(dict.fromkeys(chosen))


def finish(
    interview: Interview,
    *,
    domain: str | None,
    domain_reasons: Sequence[str],
    analysis: Analysis,
    site_domain: str | None = None,
    verifications: Sequence[Verification],
    pages: Sequence[PageFacts],
    failures: Iterable[str] = (),
    stats: Mapping[str, int] | None = None,
    blocked: Mapping[str, str] | None = None,
) -> ResearchResult:
    """Score the candidates with their verdicts and assemble the result the card is made from.

    ``blocked`` maps hosts that answered with a bot challenge to the reason (the fetcher's
    ``walled``): when the company's own site is one, the card says so and where its facts
    came from instead.
    """
    published: dict[str, Source] = {}
    if analysis.published is not None:
        published[analysis.published.address.lower()] = analysis.published.source
    scored = score(analysis.candidates, {v.address: v for v in verifications}, published)
    # the inference's own reason (colleagues, a directory's claim) comes first on the card
    why = {c.address.lower(): c.explanation for c in analysis.candidates if c.explanation}
    scored = [replace(s, reasons=(why[s.address.lower()], *s.reasons))
              if s.address.lower() in why else s for s in scored]
    sources = collect_sources(pages, analysis)
    walls = history.walled_notes(blocked or {}, (site_domain, domain), sources)
    return ResearchResult(
        interview=interview,
        domain=domain,
        domain_reasons=tuple(domain_reasons),
        site_domain=site_domain if site_domain != domain else None,
        profile=analysis.profile,
        candidates=tuple(scored),
        sources=sources,
        failures=tuple(failures),
        stats=dict(stats or {}),
        notices=(*notices(verifications), *walls, *analysis.remarks),
    )


def collect_sources(pages: Sequence[PageFacts], analysis: Analysis) -> tuple[Source, ...]:
    """Every page and search result a fact of the card came from, once, in a stable order."""
    found: dict[str, Source] = {}
    profile = analysis.profile
    facts: list[Source | None] = [
        profile.title_source, profile.team_source, profile.location_source, profile.bio_source
    ]
    facts += [t.source for t in profile.talking_points] + [w.source for w in profile.work]
    facts += [e.source for e in analysis.evidence if e.source is not None]
    facts += [h.source for h in analysis.hints]
    if analysis.published is not None:
        facts.append(analysis.published.source)
    for source in facts:
        if source is not None and source.url not in found:
            found[source.url] = source
    titles = {p.url: p.title for p in pages}
    return tuple(
        Source(s.url, s.title or titles.get(s.url, ""), s.snippet, s.kind) for s in found.values()
    )


def _candidate_json(c: ScoredCandidate) -> dict[str, Any]:
    return {
        "address": c.address,
        "probability": round(c.probability, 4),
        "status": c.status,
        "reasons": list(c.reasons),
        "claimed_by": [s.url for s in c.claimed_by],  # search results naming its format
    }


def research_json(result: ResearchResult, card_path: str | None) -> dict[str, Any]:
    """The one JSON object ``lookup research --json`` prints."""
    best = result.candidates[0] if result.candidates else None
    profile = result.profile
    return {
        "name": result.interview.name,
        "company": result.interview.company,
        "candidate": result.interview.candidate,
        "domain": result.domain,
        "site_domain": result.site_domain,
        "email": _candidate_json(best) if best else None,
        "alternatives": [_candidate_json(c) for c in result.candidates[1:]],
        "title": profile.title if profile else None,
        "card": card_path,
        "sources": [s.url for s in result.sources],
        "set_aside": [s.source.url for s in profile.set_aside] if profile else [],
        "failures": list(result.failures),
        "notices": list(result.notices),
        "stats": dict(result.stats),
    }
