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
# Titles as the real pages of ../shared/real-worlds write them (fictional people hold them):
# Dutch board roles on contact cards (a Dutch non-profit's world), German function lists (a German haulier's world),
# research roles "ROLE @ University" (a university group's world); and the title shapes issue 26 names from the
# private real-page worlds: several roles, "for" a region, a rank and its function.
BOARD_TITLES = ["Voorzitter", "Ondervoorzitter", "Secretaris", "Penningmeester", "Bestuurslid"]
FUNCTIONS = ["Disposition", "Fuhrparkleitung", "Buchhaltung", "Personalwesen", "Vertrieb",
             "Einkauf", "Qualitätsmanagement", "Lieferanten", "Prokura", "Lagerleitung",
             "Kundenservice"]
ACADEMIC_TITLES = ["PhD Student in Network Security", "Postdoctoral Researcher",
                   "Associate Professor of Computer Science", "PhD Student in Applied Cryptography",
                   "Research Engineer", "Junior Researcher"]
MULTI_ROLE_TITLES = ["Cloud Consultant, Trainer (MCT)", "Data Consultant, Trainer",
                     "Solution Architect, Speaker", "Project Manager, Scrum Master (PSM)"]
FOR_TITLES = ["Director for Nordic and Baltic Relationships", "Head of Sales for Public Sector",
              "Manager for Partner Programs", "Director for Japan and Korea Relationships"]
FUNCTION_TITLES = ["Senior Vice President, Educational Programs",
                   "Vice President, Academic Affairs", "Director, Student Services",
                   "Senior Director, Learning Programs"]
IMPRINT_TITLES = ["Managing Director", "Chief Executive Officer", "Managing Partner"]
NICKNAMES_IN_SLOT = ["The Spreadsheet Whisperer", "Chief Coffee Taster", "Our Plant Rescuer",
                     "Keeper of the Whiteboard", "The Friday Baker"]
# Team layouts whose titles are not English (their own title pools above).
FOREIGN_TEAMS = {"team_board": BOARD_TITLES}


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
    brand: str = ""  # the name the site's titles carry, when not ``legal``
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


def _local(fmt: str, name: Name) -> str:
    """The address's local part; a second given name shows as an initial (first.m.last)."""
    if name.middle and fmt in ("first.last", "first_last"):
        sep = "." if fmt == "first.last" else "_"
        return f"{name.first}{sep}{name.middle[0]}{sep}{name.last}"
    return FORMATS[fmt](name.first, name.last)


def _titles(rng: random.Random, traits: list[str]) -> list[str]:
    """The four people's titles: the interviewer's first, in the shape the traits say."""
    if "team_board" in traits:
        return rng.sample(BOARD_TITLES, 4)
    if "team_pos" in traits:
        return [" | ".join(rng.sample(FUNCTIONS, rng.choice([2, 3]))) for _ in range(4)]
    pool = TITLES
    if "unit_site" in traits:
        pool = ACADEMIC_TITLES
    first = rng.choice(pool)
    for trait, shaped in (("title_comma", COMMA_TITLES), ("title_multi_role", MULTI_ROLE_TITLES),
                          ("title_for", FOR_TITLES), ("title_function", FUNCTION_TITLES),
                          ("title_imprint", IMPRINT_TITLES)):
        if trait in traits:
            first = rng.choice(shaped)
    return [first, *rng.sample([t for t in pool if t != first], 3)]


def make_company(rng: random.Random, traits: list[str], taken: set[str]) -> Company:
    """A company with the given traits; ``taken`` holds domains already used in the world."""
    name, legal, brand, web = _naming(rng, traits, taken)
    extra: dict[str, str] = {}
    if "renamed" in traits:  # the name given is the old one; the site and mail are the new
        extra = _renamed(rng, name, web, taken)
        name = extra.pop("new_name")
        web = f"{_domain_label(name, rng, False)}.test"
        while web in taken:
            web = f"{_domain_label(name, rng, False)}{rng.choice('xyz')}.test"
        taken.add(web)
        legal = brand = f"{name} {rng.choice(LEGAL)}" if "legal_suffix" in traits else name
    mail = web
    if "mail_domain" in traits:
        initials = "".join(w[0] for w in name.lower().replace("&", " ").split())
        while mail == web or mail in taken:
            mail = f"{initials}{rng.choice(['grp', 'corp', 'hq', 'mail', 'co', 'ltd'])}.test"
            initials += rng.choice("xyz") if mail in taken else ""
        taken.add(mail)
    if "unit_site" in traits:  # the university's mail domain; its web site is not in the world
        mail = _free(f"uni{web.split('.')[0][:2]}", taken)
    culture = next((t.removeprefix("name_") for t in traits if t.startswith("name_")), "plain")
    fmt = rng.choice(sorted(FORMATS))
    if "nickname" in traits or culture == "two_given":
        fmt = rng.choice(["first.last", "first_last", "firstlast"])  # the given name shows
    if "team_pos" in traits or culture == "umlaut":
        fmt = "first.last"  # as the German cards write them (a German haulier's world)
    # every person's name once in the world: the search engine reads whole pages, so a second
    # company's employee of the same name would be a namesake no trait asked for
    me = make_name(rng, culture, nickname="nickname" in traits)
    for _ in range(50):
        if f"person:{me.written}" not in taken:
            break
        me = make_name(rng, culture, nickname="nickname" in traits)
    names = [me]
    while len(names) < 4:  # colleagues: one of the same culture, so its spelling is learnable
        culture_i = culture if len(names) == 1 and culture not in ("family_first", "umlaut") \
            else "plain"
        culture_i = "middle" if culture == "middle" else culture_i  # all show a second name
        other = make_name(rng, culture_i)
        if culture_i == "german" and (other.family.isascii() or other.given.isascii()):
            continue  # the colleague must show how the company spells umlauts
        if other.first not in {n.first for n in names} and other.last not in {n.last for n in names} \
                and f"person:{other.written}" not in taken:
            names.append(other)
    taken.update(f"person:{n.written}" for n in names)
    titles = _titles(rng, traits)
    staff = [Member(n, t, _local(fmt, n)) for n, t in zip(names, titles, strict=True)]
    site = f"www.{web}" if "www_only" in traits or rng.random() < 0.6 else web
    if "unit_site" in traits:
        site = web  # a hosting provider's tenant: group.github.test
    apex = "www_only" not in traits and "en_subpath" not in traits
    site = site if apex else f"www.{web}"
    if "renamed" in traits:
        extra["old_fmt"] = rng.choice(sorted(f for f in FORMATS if f != fmt))
    return Company(name, legal, web, mail, site, fmt, staff, traits,
                   catch_all="catch_all" in traits, apex_a=apex, brand=brand, extra=extra)


# Company names for the domain shapes of the real-page worlds (all fictional): a compound
# trade and a family name whose domain abbreviates the trade ("tl-" for a trade word, as in a German haulier's world),
# a university whose research group runs its own site on a hosting provider (a university group's world), a
# university's school given as the company (issue 26's private worlds).
TRADES = [("Fern", "logistik"), ("Agrar", "technik"), ("Medizin", "technik"), ("Kühl", "transporte"),
          ("Bau", "stoffe"), ("Holz", "handel"), ("Trans", "logistik"), ("Land", "maschinen")]
TRADE_FAMILIES = "Haberl Sandner Wimmer Brunner Leitner Pichler Hofbauer Eder".split()
PLACES = "Harborview Eastmoor Lindenfeld Northwick Calderon Wyndham Ravensholm Ostrava".split()
PLACE_ENDINGS = ("", "ton", "ford", "dale", "mere")  # more places than a world needs
TOPICS = ["Cybersecurity", "Systems Security", "Networked Systems", "Applied Cryptography"]


def _free(label: str, taken: set[str]) -> str:
    domain, n = f"{label}.test", 1
    while domain in taken:
        n += 1
        domain = f"{label}{n}.test"
    taken.add(domain)
    return domain


def _naming(rng: random.Random, traits: list[str], taken: set[str]) -> tuple[str, str, str, str]:
    """(name the user gives, name the site writes, the site's brand, web domain)."""
    for attempt in range(10_000):
        if "abbrev_domain" in traits:
            head, tail = rng.choice(TRADES)
            family = rng.choice(TRADE_FAMILIES)
            name = f"{head}{tail} {family} GmbH"
            label = f"{_ascii_word(head)[0]}{tail[0]}-{family.lower()}"
            brand = f"{family} {head}{tail}"  # the brand's word order, not the legal name's
        elif "unit_site" in traits:
            place, topic = _place(rng), rng.choice(TOPICS)
            name = f"University of {place}"
            label = f"{place.lower()[:4]}{topic.split()[0].lower()}.github"
            brand = f"Uni{place[:2].upper()} {topic}"
        elif "unit_company" in traits:
            place = _place(rng)
            name = f"{place} University School of Management"
            label, brand = place.lower(), f"{place} University"
        else:
            name = company_words(rng, ampersand="ampersand" in traits)
            label = _domain_label(name, rng, "initialism" in traits)
            brand = ""
        if attempt >= 100:  # the pools are spent: a second company of the name, numbered
            name, label = f"{name} {attempt}", f"{label}{attempt}"
        web = f"{label}.test"
        if web not in taken and name.lower() not in taken:
            taken.update({web, name.lower()})
            break
    legal = f"{name} {rng.choice(LEGAL)}" if "legal_suffix" in traits and not brand else name
    return name, legal, brand or legal, web


def _place(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(PLACE_ENDINGS)}"


def _ascii_word(word: str) -> str:
    return word.lower().replace("ü", "u").replace("ö", "o").replace("ä", "a")


def _renamed(rng: random.Random, old: str, old_web: str, taken: set[str]) -> dict[str, str]:
    """The company's new name, with its old name and domain (the ones the user knows)."""
    while True:
        new = company_words(rng, ampersand=False)
        if new.lower() not in taken and new.split()[0] != old.split()[0]:
            taken.add(new.lower())
            break
    return {"old_name": old, "old_web": old_web, "new_name": new,
            "move": rng.choice(["redirect", "redirect", "notice"])}
