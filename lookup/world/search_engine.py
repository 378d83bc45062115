"""The world's search engine: query parsing and ranking over search.jsonl (pure).

Rules (docs/world.md): every ``"quoted phrase"`` must appear, case-insensitively,
in the title, snippet, URL or the words of the page the document points to;
``site:host`` keeps URLs on that host or its subdomains (several ``site:`` terms
are alternatives); ``-word`` drops documents containing that word; the remaining
words rank the documents with BM25, the title counting twice and the page's own
words (``bodies``: its title, headings and text, as a web search engine indexes
them) at BODY_WEIGHT. When the query has ranking words, a document must contain at
least one of them. Ties keep the order of search.jsonl. A document found by words
only its page holds gets a snippet from around them, as an engine's result does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lookup.web.extract import visible_words
from lookup.world.format import SearchDocument

__all__ = ["ParsedQuery", "ScoredDocument", "SearchIndex", "page_words", "parse_query"]

WORD = re.compile(r"\w+", re.UNICODE)
PHRASE = re.compile(r'"([^"]*)"?')
TITLE_WEIGHT = 2
BODY_WEIGHT = 0.5  # a page's own words rank below its listing's title and snippet
MAX_BODY_CHARS = 200_000  # words of a page indexed (an engine reads the first few hundred KB)
SNIPPET_WIDTH = 150  # characters either side of a phrase found only in the page
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
    snippet: str = ""  # the text shown for this query: the document's, or around the phrase

    def __post_init__(self) -> None:
        if not self.snippet:
            object.__setattr__(self, "snippet", self.document.snippet)


@dataclass(frozen=True, slots=True)
class _Entry:
    document: SearchDocument
    haystack: str  # title + snippet + URL, case-folded, for phrases
    host: str
    terms: Counter[str]  # weighted term counts (title twice)
    length: int
    body: str = ""  # the page's own words, case-folded and squashed
    text: str = ""  # the same words as written, for snippets
    body_terms: Counter[str] | None = None


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

    def __init__(self, documents: Sequence[SearchDocument],
                 bodies: Mapping[str, str] | None = None) -> None:
        """``bodies``: the words of the page each document points to, by URL (optional)."""
        pages = bodies or {}
        self._entries = tuple(_entry(d, pages.get(d.url, "")) for d in documents)
        self._df: Counter[str] = Counter()
        self._body_df: Counter[str] = Counter()
        for entry in self._entries:
            self._df.update(entry.terms.keys())
            self._body_df.update((entry.body_terms or Counter()).keys())
        total = sum(e.length for e in self._entries)
        self._avg_length = total / len(self._entries) if self._entries else 1.0
        lengths = [sum(e.body_terms.values()) for e in self._entries if e.body_terms]
        self._avg_body = sum(lengths) / len(lengths) if lengths else 1.0

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
            ScoredDocument(self._entries[p].document, round(s, 4),
                           _snippet(self._entries[p], query))
            for s, p in scored[offset : offset + limit]
        ]

    def _score(self, entry: _Entry, query: ParsedQuery) -> float:
        score = _bm25(query.words, entry.terms, entry.length, self._df, len(self._entries),
                      self._avg_length)
        if entry.body_terms:
            score += BODY_WEIGHT * _bm25(query.words, entry.body_terms,
                                         sum(entry.body_terms.values()), self._body_df,
                                         len(self._entries), self._avg_body)
        # A document that passed the phrase filter ranks by phrase-only queries too.
        return score + 0.5 * len(query.phrases)


def _bm25(words: Sequence[str], terms: Counter[str], length: int, df: Counter[str], n: int,
          average: float) -> float:
    score = 0.0
    for word in set(words):
        tf = terms.get(word, 0)
        if not tf:
            continue
        idf = math.log(1 + (n - df[word] + 0.5) / (df[word] + 0.5))
        norm = K1 * (1 - B + B * length / average)
        score += idf * tf * (K1 + 1) / (tf + norm)
    return score


def _snippet(entry: _Entry, query: ParsedQuery) -> str:
    """The document's snippet, or the page's words around a phrase only the page holds."""
    for phrase in query.phrases:
        if phrase in entry.haystack or phrase not in entry.body:
            continue
        found = re.search(r"\s+".join(map(re.escape, phrase.split())), entry.text, re.I)
        if found is None:
            continue
        start = max(0, found.start() - SNIPPET_WIDTH)
        start = entry.text.rfind(" ", 0, start) + 1 if start else 0
        end = entry.text.find(" ", found.end() + SNIPPET_WIDTH)
        window = entry.text[start: end if end > 0 else None]
        return f"{'… ' if start else ''}{window}{' …' if end > 0 else ''}"
    return entry.document.snippet


def _entry(document: SearchDocument, page: str = "") -> _Entry:
    title = WORD.findall(document.title.casefold())
    body = WORD.findall(document.snippet.casefold()) + WORD.findall(document.url.casefold())
    terms = Counter(body)
    for word in title:
        terms[word] += TITLE_WEIGHT
    haystack = " \n ".join(_squash(t) for t in (document.title, document.snippet, document.url))
    host = (urlsplit(document.url).hostname or "").casefold()
    text = " ".join(page[:MAX_BODY_CHARS].split())
    words = text.casefold()
    return _Entry(document, haystack, host, terms, TITLE_WEIGHT * len(title) + len(body),
                  body=words, text=text,
                  body_terms=Counter(WORD.findall(words)) if words else None)


def _passes(entry: _Entry, query: ParsedQuery) -> bool:
    if not all(phrase in entry.haystack or phrase in entry.body for phrase in query.phrases):
        return False
    if query.sites and not any(
        entry.host == site or entry.host.endswith("." + site) for site in query.sites
    ):
        return False
    return not any(word in entry.terms or word in (entry.body_terms or ()) for word in query.excluded)


def page_words(html: str) -> str:
    """What a web search engine indexes of a page (``lookup.web.extract.visible_words``: the
    page is tamed before it is parsed, as every page the tool reads is)."""
    return visible_words(html[: MAX_BODY_CHARS * 2])
