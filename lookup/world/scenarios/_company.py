"""One generated company: its people, domains, mail set-up and the traits that shaped it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lookup.world.scenarios._names import Name, company_words, make_name

__all__ = ["FORMATS", "Company", "Member", "make_company"]

# How companies write addresses, from the parts of a name (the common shapes).
FORMATS = {
    "first.last": lambda g, s: f"{g}.{s}",
    "flast": lambda g, s: f"{g[0]}{s}",
    "first_last": lambda g, s: f"{g}_{s}",
    "f.last": lambda g, s: f"{g[0]}.{s}",
    "firstl": lambda g, s: f"{g}{s[0]}",
    "firstlast": lambda g, s: f"{g}{s}",
}
TITLES = ["Head of Operations", "Director of Engineering", "Chief Financial Officer",
          "Marketing Manager", "Senior Data Scientist", "Head of People", "Sales Director",
          "Product Manager", "Chief Technology Officer", "Customer Success Manager"]
COMMA_TITLES = ["VP, Customer Success", "Director, Product Marketing", "VP, Engineering",
                "General Manager, Overseas Sales", "Director, EMEA Partnerships"]
LEGAL = ["GmbH", "Inc.", "Ltd", "AG", "LLC"]


@dataclass(slots=True)
class Member:
    name: Name
    title: str
    local: str  # the address's local part


@dataclass(slots=True)
class Company:
    name: str  # as the user gives it
    legal: str  # as the site writes it
    web: str  # the web site's registrable domain
    mail: str  # the domain addresses are at
    site: str  # the host that serves the site
    fmt: str
    staff: list[Member]  # staff[0] is the interviewer
    traits: list[str]
    catch_all: bool = False
    apex_a: bool = True  # the web domain's apex answers (else: only MX, site on www)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def interviewer(self) -> Member:
        return self.staff[0]

    @property
    def asked(self) -> str:
        """The company as the user names it: its old name, when it was renamed."""
        return self.extra.get("old_name", self.name)

    def address(self, member: Member) -> str:
        return f"{member.local}@{self.mail}"


def _domain_label(name: str, rng: random.Random, initialism: bool) -> str:
    words = [w for w in name.lower().replace("&", " ").split() if w.isalpha()]
    if initialism:
        return words[0][:2] + "".join(w[0] for w in words[1:])
    joiner = rng.choice(["", "-"])
    return joiner.join(words)


def make_company(rng: random.Random, traits: list[str], taken: set[str]) -> Company:
    """A company with the given traits; ``taken`` holds domains already used in the world."""
    while True:
        name = company_words(rng, ampersand="ampersand" in traits)
        label = _domain_label(name, rng, "initialism" in traits)
        web = f"{label}.test"
        if web not in taken and name.lower() not in taken:
            taken.update({web, name.lower()})
            break
    extra: dict[str, str] = {}
    if "renamed" in traits:  # the name given is the old one; the site and mail are the new
        extra = _renamed(rng, name, web, taken)
        name = extra.pop("new_name")
        web = f"{_domain_label(name, rng, False)}.test"
        while web in taken:
            web = f"{_domain_label(name, rng, False)}{rng.choice('xyz')}.test"
        taken.add(web)
    legal = f"{name} {rng.choice(LEGAL)}" if "legal_suffix" in traits else name
    mail = web
    if "mail_domain" in traits:
        initials = "".join(w[0] for w in name.lower().replace("&", " ").split())
        while mail == web or mail in taken:
            mail = f"{initials}{rng.choice(['grp', 'corp', 'hq', 'mail', 'co', 'ltd'])}.test"
            initials += rng.choice("xyz") if mail in taken else ""
        taken.add(mail)
    culture = next((t.removeprefix("name_") for t in traits if t.startswith("name_")), "plain")
    fmt = rng.choice(sorted(FORMATS))
    if "nickname" in traits:
        fmt = rng.choice(["first.last", "first_last", "firstlast"])  # the given name shows
    me = make_name(rng, culture, nickname="nickname" in traits)
    title = rng.choice(COMMA_TITLES) if "title_comma" in traits else rng.choice(TITLES)
    names = [me]
    while len(names) < 4:  # colleagues: one of the same culture, so its spelling is learnable
        culture_i = culture if len(names) == 1 and culture != "family_first" else "plain"
        other = make_name(rng, culture_i)
        if culture_i == "german" and (other.family.isascii() or other.given.isascii()):
            continue  # the colleague must show how the company spells umlauts
        if other.first not in {n.first for n in names} and other.last not in {n.last for n in names}:
            names.append(other)
    titles = [title, *rng.sample([t for t in TITLES if t != title], 3)]
    staff = [Member(n, t, FORMATS[fmt](n.first, n.last)) for n, t in zip(names, titles, strict=True)]
    site = f"www.{web}" if "www_only" in traits or rng.random() < 0.6 else web
    if "renamed" in traits:
        extra["old_fmt"] = rng.choice(sorted(f for f in FORMATS if f != fmt))
    return Company(name, legal, web, mail, site, fmt, staff, traits,
                   catch_all="catch_all" in traits, apex_a="www_only" not in traits, extra=extra)


def _renamed(rng: random.Random, old: str, old_web: str, taken: set[str]) -> dict[str, str]:
    """The company's new name, with its old name and domain (the ones the user knows)."""
    while True:
        new = company_words(rng, ampersand=False)
        if new.lower() not in taken and new.split()[0] != old.split()[0]:
            taken.add(new.lower())
            break
    return {"old_name": old, "old_web": old_web, "new_name": new,
            "move": rng.choice(["redirect", "redirect", "notice"])}
