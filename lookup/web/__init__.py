"""Stage ``web``: a name and company → search hits, pages, sourced facts, the company's domain.

Edges (I/O): ``search`` (backends), ``session`` (a run's rate-limited, cached,
budgeted searches), ``fetch`` (polite fetching), ``robots`` (robots.txt), ``hosts``
(which addresses may be fetched). Pure: ``queries`` (what to search), ``plan``
(which pages to read), ``extract`` (a page → facts: people, titles, addresses,
links), ``company`` (which domain is the company's), ``profile`` (facts → the
person's sourced profile and talking points).
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DomainCandidate": "company",
        "Fetcher": "fetch",
        "SearchBackend": "search",
        "SearchSession": "session",
        "build_profile": "profile",
        "candidate_homepages": "company",
        "choose_domain": "company",
        "make_client": "fetch",
        "make_search_backend": "search",
        "plan_queries": "queries",
        "rank_domains": "company",
        "rank_hits": "plan",
        "registrable_domain": "company",
        "select_follow_ups": "plan",
        "site_links": "plan",
    },
)
