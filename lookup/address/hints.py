"""Format hints: what address-directory sites say a company's format is, from search snippets.

Sites that collect work addresses publish each company's usual format in the
snippets a search engine shows ("Most common pattern: first.last@acme.com
(83%)", "The email format of Acme is {first}.{last}", "first_initial+last
(ex. jsmith@acme.com), used 62% of the time"), while their robots.txt forbids
the pages. ``read_hints`` reads such claims from a search result's title and
snippet only (never a page) and writes each pattern in the format grammar of
``lookup.address.formats``. A pattern can be written in braces (``{f}{last}``),
in words (``first_initial+last``, ``first name.last name``, ``flast``) or as an
example address of a placeholder person (``jsmith@``, ``john.smith@``).

A hint is a third party's claim, not an observed address: inference counts it
as weak evidence about the company's main format (``inference.hinted``). It
lives with the address stage, not with page extraction, because its work is
turning words into that grammar. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lookup.address.formats import induce, parse_format, render
from lookup.address.names import parse_name
from lookup.models import SearchHit, Source

__all__ = ["FormatHint", "claims", "pattern_format", "read_hints", "snippet_hints", "typed_hint"]


@dataclass(frozen=True, slots=True)
class FormatHint:
    """A format a search result says a company uses, with the share it gives, if any."""

    format: str  # in the grammar: "{first}.{last}"
    share: float | None  # 0.83 for "(83%)"
    said: str  # the words that say it, as the snippet wrote them
    source: Source  # the search result (kind "search")

    @property
    def site(self) -> str:
        """The host that makes the claim ("given by the user" for one typed in)."""
        return urlsplit(self.source.url).hostname or self.source.url or self.source.title


# Words for the parts of a name, longest first so "first_initial" is not "first" + "_initial".
_PARTS = [(re.compile(p), tok) for p, tok in (
    (r"first[ _-]?(?:name[ _-]?)?initials?|firstinitial|1st[ _-]?initial", "{f}"),
    (r"last[ _-]?(?:name[ _-]?)?initials?|lastinitial|surname[ _-]?initial", "{l}"),
    (r"middle[ _-]?(?:name[ _-]?)?initials?", "{m}"),
    (r"first[ _-]?name|given[ _-]?name|forename|firstname", "{first}"),
    (r"last[ _-]?name|family[ _-]?name|surname|lastname", "{last}"),
    (r"middle[ _-]?name", "{middle}"),
    (r"first|given", "{first}"),
    (r"last|family", "{last}"),
    (r"middle", "{middle}"),
    (r"f(?=[^a-z]|last|l\b|$)|fi(?=[^a-z]|$)", "{f}"),  # "f", as in flast, f.last, {f}
    (r"l(?=[^a-z]|$)", "{l}"),
    (r"m(?=[^a-z]|$)", "{m}"),
)]
_BRACKETS = re.compile(r"[\[\]{}<>()]")
_JOIN = " +"  # written between parts that are joined with nothing
_SEPARATOR = "._-"


@lru_cache(maxsize=2048)
def pattern_format(text: str) -> str | None:
    """The grammar spelling of a pattern written in braces or words, or None.

    ``{first}.{last}``, ``[first].[last]``, ``first.last``, ``first name . last name``
    -> ``{first}.{last}``; ``first_initial+last``, ``flast``, ``{f}{last}`` -> ``{f}{last}``.
    """
    s = _BRACKETS.sub(" ", text.strip().lower()).strip(" .")
    out: list[str] = []
    pos = 0
    while pos < len(s):
        if s[pos] in _JOIN:
            pos += 1
            continue
        if s[pos] in _SEPARATOR and out and out[-1] not in _SEPARATOR:
            out.append(s[pos])
            pos += 1
            continue
        for pattern, token in _PARTS:
            match = pattern.match(s, pos)
            if match:
                out.append(token)
                pos = match.end()
                break
        else:
            return None
    return _checked("".join(out)) if out and out[-1] not in _SEPARATOR else None


def _checked(spelling: str) -> str | None:
    """The spelling when the grammar reads it and it writes a plain name; else None."""
    parts = re.findall(r"\{(\w+)\}", spelling)
    if not parts or len(parts) != len(set(parts)) or len(parts) > 3:
        return None
    try:
        simple = parse_format(spelling).simple
    except ValueError:
        return None
    return spelling if simple and render(spelling, _SAMPLE.primary) else None


_SAMPLE = parse_name("Alexander Quentin Smithson")
# The people directory sites write their example addresses for.
_PLACEHOLDERS = tuple(parse_name(n).primary for n in
                      ("John Smith", "Jane Smith", "John Doe", "Jane Doe", "Joe Bloggs"))


@lru_cache(maxsize=2048)
def example_format(local: str) -> str | None:
    """The format of an example address written for a placeholder person ("jsmith" ->
    ``{f}{last}``), or None when no placeholder explains it in one way."""
    for form in _PLACEHOLDERS:
        found = {s for s in induce(form, local.lower()) if _checked(s)}
        if len(found) == 1:
            return found.pop()
    return None


_CUE = re.compile(r"\b(?:e-?mail|address)?\s*(?:format|pattern|formula|structure|convention)s?\b",
                  re.IGNORECASE)
_ADDRESS = re.compile(r"([a-z0-9._+{}\[\]-]{1,64})@([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE)
_BRACED = re.compile(r"(?:[\[{<]\s*[a-z_ ]{1,20}\s*[\]}>]\s*[._+-]?\s*){1,4}", re.IGNORECASE)
_END = r"(?=@|\s*[(,;!?]|\s+(?:e\.?g|ex|for example|used|and|with|which|at|\d)\b|\.(?:\s|$)|$)"
# "... format of Acme is first.last", "Most common pattern: first_initial+last", "formats: flast"
_STATED = re.compile(
    r"(?:format|pattern|formula|convention)s?\b(?:\s+(?:of|for|at|used by|used at)\s+[^:;.]{1,60}?)?"
    r"\s*(?:is|are|was|:|=|-)\s*(?:usually\s+|typically\s+|most(?:ly| often| commonly)?\s+)?"
    r"(?:\d\.\s*)?([a-z][a-z_ .+\-\[\]{}<>]{0,40}?)" + _END, re.IGNORECASE)
_AT = re.compile(r"\s*@([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE)  # a pattern's "@host"
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?%")
# "74% of employees use firstname.lastname", "15% use f.last": the share comes first
_SHARE_FIRST = re.compile(
    r"(\d{1,3}(?:\.\d+)?)\s?%\s+(?:of\s+[a-z ]{1,30}?\s+)?(?:use|uses|follow|follows|have)\s+"
    r"(?:the\s+)?(?:format\s+|pattern\s+)?([a-z][a-z_ .+\-\[\]{}<>]{0,40}?)" + _END, re.IGNORECASE)


def _host_matches(host: str, domain: str) -> bool:
    host, domain = host.lower().strip("."), domain.lower()
    return host == domain or host.endswith("." + domain)


def _about(text: str, domain: str, company: str) -> bool:
    """True when the text names the domain or the company (as a whole phrase)."""
    low = text.lower()
    if re.search(rf"(?<![\w-]){re.escape(domain.lower())}(?![\w-])", low):
        return True
    words = re.sub(r"\W+", " ", company.lower()).strip()
    return bool(words) and re.search(rf"\b{re.escape(words)}\b", re.sub(r"\W+", " ", low)) is not None


def snippet_hints(text: str, domain: str, company: str = "", *,
                  anywhere: bool = False) -> list[tuple[str, float | None, str]]:
    """(format, share, words) for each pattern ``text`` says the company's addresses follow.

    Only text with a format word ("format", "pattern", ...) that names the domain or the
    company counts (``anywhere``: the text need not name them, the user says it is about
    them); an example address at another domain is about another company.
    """
    if not _CUE.search(text) or not (anywhere or _about(text, domain, company)):
        return []
    found: list[tuple[int, int, str, str, float | None]] = []  # start, end, format, words, share
    hosts = {m.group(2).lower(): _host_matches(m.group(2), domain) for m in _ADDRESS.finditer(text)}
    if hosts and not any(hosts.values()):
        return []  # its examples are all at another domain: the snippet is about someone else
    for match in _ADDRESS.finditer(text):
        if not hosts[match.group(2).lower()]:
            continue
        local = match.group(1)
        spelling = pattern_format(local) or example_format(local)
        if spelling:
            found.append((match.start(), match.end(), spelling, match.group(0), None))
    for regex, group in ((_BRACED, 0), (_STATED, 1), (_SHARE_FIRST, 2)):
        for match in regex.finditer(text):
            spelling = pattern_format(match.group(group))
            at = _AT.match(text, match.end(group))
            if spelling and (at is None or hosts.get(at.group(1).lower(), False)):
                share = _share(match.group(1)) if regex is _SHARE_FIRST else None
                found.append((match.start(group), match.end(group), spelling,
                              match.group(0 if share is not None else group).strip(), share))
    found.sort(key=lambda f: f[:2])
    out: dict[str, tuple[float | None, str]] = {}
    for i, (_, end, spelling, words, share) in enumerate(found):
        if share is None:  # a share written after the pattern, before the next one
            stop = found[i + 1][0] if i + 1 < len(found) else len(text)
            pct = _PERCENT.search(text, end, max(end, min(stop, end + 60)))
            share = _share(pct.group(1)) if pct else None
        if spelling not in out:
            out[spelling] = (share, words)
        elif out[spelling][0] is None and share is not None:  # keep the first words
            out[spelling] = (share, out[spelling][1])
    return [(s, share, words) for s, (share, words) in out.items()]


def _share(number: str) -> float | None:
    value = float(number)
    return value / 100 if 0 < value <= 100 else None


def read_hints(hits: Sequence[SearchHit], domain: str, company: str = "") -> list[FormatHint]:
    """The format hints in search results' titles and snippets about ``domain``/``company``.

    Results on the domain itself are the company's own pages, not a directory's claim.
    """
    hints: dict[tuple[str, str], FormatHint] = {}
    for hit in hits:
        host = urlsplit(hit.url).hostname or ""
        if _host_matches(host, domain):
            continue
        text = f"{hit.title}. {hit.snippet}"
        for spelling, share, words in snippet_hints(text, domain, company):
            source = Source(hit.url, hit.title, hit.snippet, "search")
            hints.setdefault((hit.url, spelling), FormatHint(spelling, share, words, source))
    return list(hints.values())


def typed_hint(text: str, domain: str, source: Source) -> list[FormatHint]:
    """The format(s) in a hint typed by a user: a bare pattern ("first.last", "{f}{last}",
    "first.last@acme.com (83%)", "jsmith@") or a directory's snippet pasted whole."""
    pct = _PERCENT.search(text)
    bare = re.sub(r"\(?\s*\d{1,3}(?:\.\d+)?\s?%\s*\)?", " ", text).split("@", 1)[0].strip()
    spelling = pattern_format(bare) or (example_format(bare) if "@" in text else None)
    if spelling:
        return [FormatHint(spelling, _share(pct.group(1)) if pct else None, text.strip(), source)]
    return [FormatHint(s, share, words, source)
            for s, share, words in snippet_hints(text, domain, anywhere=True)]


def claims(hints: Sequence[FormatHint]) -> list[FormatHint]:
    """One claim per site: the format it gives the biggest share (or names first)."""
    best: dict[str, FormatHint] = {}
    for hint in hints:
        held = best.get(hint.site)
        if held is None or (hint.share or 0.0) > (held.share or 0.0):
            best[hint.site] = hint
    return list(best.values())
