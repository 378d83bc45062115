"""The world's search engine: query parsing and ranking over search.jsonl (pure).

Rules (docs/world.md): every ``"quoted phrase"`` must appear, case-insensitively,
in the title, snippet or URL; ``site:host`` keeps URLs on that host or its
subdomains (several ``site:`` terms are alternatives); ``-word`` drops documents
containing that word; the remaining words rank the documents with BM25, the
title counting twice. When the query has ranking words, a document must
contain at least one of them. Ties keep the order of search.jsonl.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.world.format import SearchDocument

__all__ = ["ParsedQuery", "ScoredDocument", "SearchIndex", "parse_query"]

WORD = re.compile(r"\w+", re.UNICODE)
PHRASE = re.compile(r'"([^"]*)"?')
TITLE_WEIGHT = 2
# Usual BM25 constants (Robertson & Zaragoza, "The Probabilistic Relevance Framework").
K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its operators."""

    phrases: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoredDocument:
    document: SearchDocument
    score: float


@dataclass(frozen=True, slots=True)
class _Entry:
    document: SearchDocument
    haystack: str  # title + snippet + URL, case-folded, for phrases
    host: str
    terms: Counter[str]  # weighted term counts (title twice)
    length: int


def parse_query(text: str) -> ParsedQuery:
    """Split a query into quoted phrases, site: filters, -exclusions and ranking words."""
    phrases = tuple(_squash(p) for p in PHRASE.findall(text) if p.strip())
    rest = PHRASE.sub(" ", text)
    sites: list[str] = []
    excluded: list[str] = []
    words: list[str] = []
    for token in rest.split():
        lowered = token.casefold()
        if lowered.startswith("site:") and len(lowered) > 5:
            sites.append(lowered[5:].strip("./"))
        elif lowered.startswith("-") and len(lowered) > 1:
            excluded.extend(WORD.findall(lowered[1:]))
        else:
            words.extend(WORD.findall(lowered))
    return ParsedQuery(tuple(phrases), tuple(sites), tuple(excluded), tuple(words))


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


class SearchIndex:
    """The documents of one world, tokenised once, answering queries."""

    def __init__(self, documents: Sequence[SearchDocument]) -> None:
        self._entries = tuple(_entry(d) for d in documents)
        self._df: Counter[str] = Counter()
        for entry in self._entries:
            self._df.update(entry.terms.keys())
        total = sum(e.length for e in self._entries)
        self._avg_length = total / len(self._entries) if self._entries else 1.0

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, text: str, *, limit: int, offset: int = 0) -> list[ScoredDocument]:
        """The best ``limit`` documents for ``text`` after skipping ``offset``."""
        query = parse_query(text)
        scored = [
            (self._score(entry, query), position)
            for position, entry in enumerate(self._entries)
            if _passes(entry, query)
        ]
        if query.words:
            scored = [(s, p) for s, p in scored if s > 0]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [
            ScoredDocument(self._entries[p].document, round(s, 4))
            for s, p in scored[offset : offset + limit]
        ]

    def _score(self, entry: _Entry, query: ParsedQuery) -> float:
        n = len(self._entries)
        score = 0.0
        for word in set(query.words):
            tf = entry.terms.get(word, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - self._df[word] + 0.5) / (self._df[word] + 0.5))
            norm = K1 * (1 - B + B * entry.length / self._avg_length)
            score += idf * tf * (K1 + 1) / (tf + norm)
        # A document that passed the phrase filter ranks by phrase-only queries too.
        return score + 0.5 * len(query.phrases)


def _entry(document: SearchDocument) -> _Entry:
    title = WORD.findall(document.title.casefold())
    body = WORD.findall(document.snippet.casefold()) + WORD.findall(document.url.casefold())
    terms = Counter(body)
    for word in title:
        terms[word] += TITLE_WEIGHT
    haystack = " \n ".join(_squash(t) for t in (document.title, document.snippet, document.url))
    host = (urlsplit(document.url).hostname or "").casefold()
    return _Entry(document, haystack, host, terms, TITLE_WEIGHT * len(title) + len(body))


def _passes(entry: _Entry, query: ParsedQuery) -> bool:
    if not all(phrase in entry.haystack for phrase in query.phrases):
        return False
    if query.sites and not any(
        entry.host == site or entry.host.endswith("." + site) for site in query.sites
    ):
        return False
    return not any(word in entry.terms for word in query.excluded)
