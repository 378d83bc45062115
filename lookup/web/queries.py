"""Search queries for one research run: a few targeted queries, safely quoted. Pure.

A name or company typed by a user (or pasted from a calendar invitation) is
text, never query syntax: ``quote_phrase`` strips double quotes and the
characters and keywords engines read as operators, so ``Jane" OR site:x`` stays
one harmless phrase.
"""

from __future__ import annotations

import re
import unicodedata

from lookup.errors import InvalidDomainError, InvalidNameError

__all__ = ["MAX_PLANNED_QUERIES", "plan_queries", "quote_phrase"]

MAX_PLANNED_QUERIES = 6

_QUOTE_CHARS = '"“”„‟«»‹›「」『』'
# Characters that mean something to search engines outside a word: grouping,
# field prefixes (site:, inurl:), alternation and wildcards.
_OPERATOR_CHARS = re.compile(r"[():|*\\\[\]{}<>]")
_BOOLEAN_WORDS = frozenset({"OR", "AND", "NOT", "NEAR", "AROUND"})
_WORD_PREFIXES = "-+~@#$"
_MAX_PHRASE = 120
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def quote_phrase(text: str) -> str:
    """``text`` as one exact phrase in double quotes that cannot carry operators ("" if empty)."""
    words = _phrase_words(text)
    if not any(ch.isalnum() for word in words for ch in word):
        return ""
    return f'"{" ".join(words)}"'


def _phrase_words(text: str) -> list[str]:
    """The words of ``text`` with quotes, operator characters and boolean keywords neutralized."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if ch.isprintable() and ch not in _QUOTE_CHARS else " " for ch in text)
    text = _OPERATOR_CHARS.sub(" ", text)
    words = []
    for word in text.split():
        word = word.lstrip(_WORD_PREFIXES)
        if word in _BOOLEAN_WORDS:
            word = word.lower()  # engines read only upper-case OR/AND as operators
        if word:
            words.append(word)
    joined = " ".join(words)[:_MAX_PHRASE]
    return joined.split()


def _clean_domain(domain: str | None) -> str | None:
    if domain is None or not domain.strip():
        return None
    cleaned = domain.strip().lower().rstrip(".")
    if not _DOMAIN.match(cleaned):
        raise InvalidDomainError(
            f"The company domain {domain!r} is not a domain name; give one like acme.com."
        )
    return cleaned


def _name_text(name: object) -> str:
    """The display text of a name given as a string or a parsed-name record."""
    if isinstance(name, str):
        return name
    for attr in ("full", "display", "original", "raw"):
        value = getattr(name, attr, None)
        if isinstance(value, str) and value.strip():
            return value
    return str(name)


def plan_queries(name: object, company: str, domain: str | None = None) -> list[str]:
    """The few targeted queries one research run sends (at most six), most useful first."""
    person = quote_phrase(_name_text(name))
    if not person:
        raise InvalidNameError(
            "The interviewer's name has no letters left once quotes and search operators "
            "are removed; give the name as written, e.g. Jane Doe."
        )
    org = quote_phrase(company)
    org_words = " ".join(_phrase_words(company))
    site = _clean_domain(domain)
    planned = [
        f"{person} {org}",  # the person together with the company
        f"{person} site:{site}" if site else f"{org} official site" if org else "",
        f'"@{site}"' if site else "",  # published addresses at the company's domain
        f"{person} {org} linkedin OR github OR profile",  # professional profiles
        f"{person} {org_words} talk OR conference OR podcast OR paper",  # talks, publications
        person,  # the bare name: own pages that omit the company, and namesakes to set aside
    ]
    unique = dict.fromkeys(" ".join(q.split()) for q in planned if q.strip())
    return [q for q in unique if q][:MAX_PLANNED_QUERIES]
