"""Counts of formats per group of companies (a TLD, a name culture), for the priors file.

``contributions`` splits one company's pairs into the groups it is in: its TLD's
class and its TLD, whole, and each name culture among its people, weighing as a
company their share of its people (so "name:family-first" counts the main formats of
the companies a person with such a name works at). ``Tally`` sums them, and can take
one company out again (the leave-one-company-out fits of ``shrinkage``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from lookup.address.context import Context, name_culture, tld_keys
from lookup.address.names import parse_name
from lookup.address.observations import Observation
from lookup.errors import InvalidNameError

DOMAIN_CAP = 40  # pairs: a bigger domain counts as this many
MIN_DOMAINS = 3
# A group (a TLD, a name culture) ships when this many companies are in it: a smaller one
# would say too little, and too much about the few companies behind it
MIN_GROUP_DOMAINS = 5
UNEXPLAINED = "__unexplained__"
TIE = 0.9  # formats within 10% of a domain's most common one share its "main" vote


def capped(rows: list[Mapping[str, float]]) -> Counter:
    """A domain's pairs summed, each weighing min(1, DOMAIN_CAP / pairs)."""
    cap = min(1.0, DOMAIN_CAP / len(rows)) if rows else 1.0
    counts: Counter = Counter()
    for row in rows:
        counts.update({s: cap * v for s, v in row.items()})
    return counts


class Tally:
    """Counts over some companies' pairs: each format's pairs (``formats``), the
    companies it is the main format of (``main``), pairs off their company's main format
    (``background``), pairs on it (``on``) of all (``pairs``), and how many companies."""

    def __init__(self) -> None:
        self.formats: Counter = Counter()
        self.main: Counter = Counter()
        self.background: Counter = Counter()
        self.on = self.pairs = 0.0
        self.companies = 0

    def add(self, counts: Mapping[str, float], tops: Sequence[str], weight: float = 1.0,
            pairs: float | None = None) -> None:
        """One company's (capped) pair counts, its main formats, and its weight as a company."""
        self.formats.update(counts)
        self.main.update({s: weight / len(tops) for s in tops})
        self.background.update({s: c for s, c in counts.items() if s not in tops})
        self.on += sum(counts.get(s, 0.0) for s in tops)
        self.pairs += sum(counts.values()) if pairs is None else pairs
        self.companies += 1

    def minus(self, other: Tally) -> Tally:
        """These counts without ``other``'s (a company left out)."""
        out = Tally()
        for name in ("formats", "main", "background"):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(out, name, Counter({s: c - theirs.get(s, 0.0) for s, c in mine.items()}))
        out.on, out.pairs = self.on - other.on, self.pairs - other.pairs
        out.companies = self.companies - other.companies
        return out

    def table(self, keep: set[str]) -> dict:
        """The counts as the priors file holds them: kept formats only, the rest summed."""
        main, background = folded(self.main, keep), folded(self.background, keep)
        return {"main": kept(main, keep), "main_unexplained": rest(main, keep),
                "background": kept(background, keep),
                "background_unexplained": rest(background, keep),
                "on_main": round(self.on, 1), "pairs": round(self.pairs, 1)}


def tops(counts: Mapping[str, float]) -> list[str]:
    """A domain's main formats: a near tie (often a format and its name-order twin) shares
    the domain's vote, so one pair more or less cannot flip a format in or out of "main"."""
    best = max(counts.values())
    return [s for s, c in counts.items() if c >= TIE * best]


def folded(counter: Counter, keep: set[str]) -> Counter:
    """A cut format too rare to ship counts for its uncut form."""
    out: Counter = Counter()
    for s, c in counter.items():
        body = s.partition("~")[0]
        out[body if s not in keep and body in keep else s] += c
    return out


def kept(counter: Counter, keep: set[str]) -> dict:
    return {s: round(c, 1) for s, c in counter.most_common() if s in keep and c > 0}


def rest(counter: Counter, keep: set[str]) -> float:
    return round(sum(c for s, c in counter.items() if s not in keep), 1)


def kept_formats(per_domain: Mapping[str, Counter]) -> set[str]:
    """The formats that ship: seen (half a pair or more) at MIN_DOMAINS domains."""
    seen: Counter = Counter()
    for counts in per_domain.values():
        seen.update(s for s, c in counts.items() if c >= 0.5)
    return {s for s, n in seen.items() if n >= MIN_DOMAINS and s != UNEXPLAINED}


class Facts(NamedTuple):
    """One domain as the groups see it: its TLD group keys, main formats, each pair's
    weight (``cap``) and each pair's name culture with its format shares."""

    keys: tuple[str, ...]
    tops: tuple[str, ...]
    cap: float
    rows: tuple[tuple[str, Mapping[str, float]], ...]


def domain_facts(domain: str, obs: Sequence[Observation],
                 rows: Sequence[Mapping[str, float]]) -> Facts:
    """A domain's facts from its observations and their format shares (``domain_pairs``)."""
    cultures = [culture_of(o.name) for o in obs]
    keys = Context(*tld_keys(domain), "plain").domain_keys
    counts = capped(list(rows))
    return Facts(keys, tuple(tops(counts)), min(1.0, DOMAIN_CAP / len(rows)),
                 tuple(zip(cultures, rows, strict=True)))


@lru_cache(maxsize=65_536)
def culture_of(name: str) -> str:
    """The culture of a name as written ("plain" for one that does not parse)."""
    try:
        return name_culture(parse_name(name))
    except InvalidNameError:
        return "plain"


def contributions(facts: Facts) -> dict[str, Tally]:
    """One domain's counts in each group it is in: its TLD groups, whole, and the group of
    each name culture among its people, weighing as a company their share of its people."""
    out: dict[str, Tally] = {}
    counts = capped([r for _, r in facts.rows])
    for key in ("", *facts.keys):
        out.setdefault(key, Tally()).add(counts, facts.tops)
    by_culture: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    for culture, row in facts.rows:
        by_culture[culture].append(row)
    for culture, rows in by_culture.items():
        part = Counter()
        for row in rows:
            part.update({s: facts.cap * v for s, v in row.items()})
        out.setdefault(f"name:{culture}", Tally()).add(
            part, facts.tops, weight=len(rows) / len(facts.rows))
    return out


def total(parts: Mapping[str, Mapping[str, Tally]]) -> dict[str, Tally]:
    """Every domain's contributions summed, per group."""
    out: dict[str, Tally] = {}
    for mine in parts.values():
        for key, tally in mine.items():
            acc = out.setdefault(key, Tally())
            for name in ("formats", "main", "background"):
                getattr(acc, name).update(getattr(tally, name))
            acc.on += tally.on
            acc.pairs += tally.pairs
            acc.companies += tally.companies
    return out


def group_tables(tallies: Mapping[str, Tally], keep: set[str]) -> dict:
    """The groups that ship (seen at MIN_GROUP_DOMAINS companies or more), as tables."""
    return {key: {**t.table(keep), "companies": t.companies}
            for key, t in sorted(tallies.items())
            if key and t.companies >= MIN_GROUP_DOMAINS and t.pairs > 0}


def priors_data(tallies: Mapping[str, Tally], keep: set[str]) -> dict:
    """The priors file's counts from the tallies (everyone under key "", and the groups)."""
    whole = tallies[""]
    merged = folded(whole.formats, keep)
    return {"formats": kept(merged, keep), "unexplained": rest(merged, keep),
            **whole.table(keep), "domains": round(sum(whole.main.values()), 1),
            "groups": group_tables(tallies, keep)}


def leave_out(tallies: Mapping[str, Tally], part: Mapping[str, Tally]) -> dict[str, Tally]:
    """The tallies without one company's contributions."""
    return {k: t.minus(part[k]) if k in part else t for k, t in tallies.items()}
