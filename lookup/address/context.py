"""What a run knows about an address before it has seen any: the cold prior's groups. Pure.

Before any colleague's address is known, the first guess rests on how companies
write addresses. Companies differ, and some of what tells them apart is known before
any address: the domain's top-level domain (a ``.de`` company writes ``{f}.{last}``
more often than a ``.com`` one) and the person's name (names from family-first
cultures, with particles, or with several given names or surnames are written
differently). ``context_of`` reads those into group keys; the prior holds, per group
seen at enough companies, how its formats differ from everyone's
(``lookup.address.inference.conditioned``), shrunk toward everyone's by as much as
the groups were found to differ.

Not used, and why (each would need training pairs labelled with it, and the pairs we
fit on have none): the mail provider (Google Workspace, Microsoft 365, self-hosted, a
gateway; the research flow learns it only when it verifies, after ranking) and the
company's size or legal form (the pairs name no legal form, and a team page's length
is not known for them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lookup.address.names import ParsedName

__all__ = ["CULTURES", "NOT_USED", "Context", "conditioned_words", "context_of", "key_words",
           "name_culture", "shares_line", "tld_keys"]

# Two-letter top-level domains are country codes; these few are sold as generic names
# ("startup.io") and say little about the country, so they count as generic ones.
_GENERIC_CC = frozenset({"ai", "co", "io", "me", "tv", "ly", "fm", "gg", "so", "to", "sh"})

# A name's culture, as far as its spelling shows it (the first that applies):
CULTURES = {
    "family-first": "a name from a family-first culture",  # Guo Minrui, Tanaka Hiroshi
    "particle": "a surname with a particle",  # van der Berg, de la Cruz, bin Ahmad
    "several": "several given names or surnames",  # Ana Maria Lopez Garcia, John Q Public
    "hyphenated": "a hyphenated surname",
    "single": "a single name",
    "plain": "a given name and a surname",
}


NOT_USED = ("not used: the mail provider and the company's size or legal form "
            "(no pairs we fit on say them)")


@dataclass(frozen=True, slots=True)
class Context:
    """The domain's TLD keys (most specific first) and the name's culture."""

    tld: str  # "de", "com"
    tld_class: str  # "com", "generic" or "country"
    culture: str  # a key of CULTURES

    @property
    def keys(self) -> tuple[str, ...]:
        """The prior's group keys this context falls in, general before specific within a
        dimension: "tld:country", "tld:.de", "name:plain" (a .com domain has no second)."""
        return (*self.domain_keys, f"name:{self.culture}")

    @property
    def domain_keys(self) -> tuple[str, ...]:
        """The keys of the domain alone (its TLD's class, then the TLD)."""
        if self.tld_class == "com":
            return ("tld:com",)
        return (f"tld:{self.tld_class}", f"tld:.{self.tld}")

    def words(self, key: str) -> str:
        """One of this context's keys in words."""
        return key_words(key)

    def explained(self, groups: Mapping[str, Any]) -> tuple[str, ...]:
        """What the prior conditioned on, a line per group: those it has (``groups``: key ->
        ``inference.GroupShares``) with their shares beside their parent's, those too rare
        to have, and what it never uses."""
        lines, parent = [], ""
        for key in self.keys:
            parent = parent if key.startswith(parent.partition(":")[0] + ":") else ""
            g = groups.get(key)
            lines.append(shares_line(self.words(key), key_words(parent) if parent else
                                     "all companies", g) if g else
                         f"{self.words(key)}: too few companies seen to count")
            parent = key if g else parent
        return (*lines, NOT_USED)


# How many of a group's main formats its line names.
SHOWN_FORMATS = 2


def shares_line(words: str, parent: str, g: Any) -> str:
    """One group's line: companies seen, how much it counts against its ``parent`` (in
    words), its commonest main formats and its people's loyalty to their company's, each
    beside the parent's ("{first}.{last} 29% (vs 52%)")."""
    top = sorted((f for f in g.main if not f.startswith("__")),  # ties: by name
                 key=lambda f: (-round(g.main[f], 9), f))
    formats = ", ".join(f"{f} {g.main[f]:.0%} (vs {g.parent_main.get(f, 0.0):.0%})"
                        for f in top[:SHOWN_FORMATS])
    return (f"{words} ({g.companies} companies seen, its shares counted at {g.weight:.0%} "
            f"against {parent}): usual format {formats}; {g.on_main:.0%} of people follow "
            f"their company's (vs {g.parent_on_main:.0%})")


_CLASS_WORDS = {"com": ".com domains", "generic": "generic top-level domains",
                "country": "country-code domains"}


def key_words(key: str) -> str:
    """A group key in words: "tld:.de" -> ".de domains", "name:single" -> "a single name"."""
    dimension, _, value = key.partition(":")
    if dimension == "name":
        return CULTURES.get(value, value)
    if value.startswith("."):
        return f"{value} domains"
    return _CLASS_WORDS.get(value, value)


def conditioned_words(keys: tuple[str, ...]) -> str:
    """The groups a prior conditioned on, in words: the most specific TLD's, then the name's
    (".de domains and a name from a family-first culture"), or "" for none."""
    tlds = [k for k in keys if k.startswith("tld:")]
    said = [key_words(k) for k in (*tlds[-1:], *(k for k in keys if not k.startswith("tld:")))]
    return " and ".join(said)


def tld_keys(domain: str) -> tuple[str, str]:
    """The domain's top-level domain and its class (``com``, ``generic`` or ``country``)."""
    tld = domain.lower().rstrip(".").rpartition(".")[2]
    if tld == "com":
        return tld, "com"
    if len(tld) == 2 and tld.isalpha() and tld not in _GENERIC_CC:
        return tld, "country"
    return tld, "generic"


def name_culture(name: ParsedName) -> str:
    """The key of CULTURES a parsed name falls in."""
    if name.order_ambiguous or any(f.kind == "swapped family-first" for f in name.forms):
        return "family-first"
    if name.particles:
        return "particle"
    if not name.family:
        return "single"
    if name.middle:
        return "several"
    if "-" in name.family:
        return "hyphenated"
    return "plain"


def context_of(name: ParsedName, domain: str) -> Context:
    """What is known before any address: the domain's TLD and the name's culture."""
    tld, tld_class = tld_keys(domain)
    return Context(tld, tld_class, name_culture(name))
