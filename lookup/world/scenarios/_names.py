"""Fictional people and companies for generated worlds: name pools by culture, company words.

Every name here is made up by combining common given and family names; none is meant to
be a real person. Each culture also says how its names become an address's parts, the way
companies in that culture usually write them (ü -> ue, the first of two surnames, a Dutch
particle joined to the family name).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

__all__ = ["CULTURES", "NICKNAMES", "Name", "company_words", "make_name"]

GIVEN = {
    "plain": "Anna Ben Clara Daniel Elena Felix Grace Henry Iris James Kate Leo Maya Nora Owen "
             "Paula Quinn Rosa Samuel Tara Victor Wendy Adam Beth Colin Diana Ethan Fiona".split(),
    "german": "Jürgen Björn Käthe Sören Günter Jörg Hannelore Uwe Mareike Till".split(),
    "spanish": "Lucía Andrés María José Sofía Javier Carmen Diego Inés Álvaro".split(),
    "family_first": "Hiroshi Yuki Kenji Aiko Takeshi Naomi Haruto Emi".split(),
    "dutch": "Pieter Sanne Joost Femke Daan Lieke Bram Anouk".split(),
    # a given name and a second one, written on the page, the second as an initial in the
    # address (first.m.last, as a Nordic company of the private worlds writes them)
    "middle": "Lars Ingrid Sigrid Anders Kjersti Torbjørn Åsa Mette Ørjan Solveig".split(),
    # two given names written apart on the page, hyphenated in the address (anna-lena.last)
    "two_given": "Anna Lena|Eva Maria|Hans Peter|Karl Heinz|Lisa Marie|Jan Erik|Marie Claire|"
                 "Ann Sofie".split("|"),
}
MIDDLE = "Marie Johan Elise Kristian Helene Nils Berit Olav".split()
FAMILY = {
    "plain": "Archer Bennett Carver Dawson Ellis Foster Garner Hale Irving Jarvis Keane Lowell "
             "Mercer Nash Orton Pruitt Quade Rowan Sutton Thorne Vance Walsh Yates Zeller".split(),
    "german": "Müller Schröder Köhler Weiß Jäger Hübner Groß Krüger Böhm Fuchs".split(),
    "spanish": "Marín García López Núñez Ortega Peña Ruiz Serrano Vidal Zamora".split(),
    "family_first": "Tanaka Sato Suzuki Watanabe Ito Yamamoto Kobayashi Kato".split(),
    "dutch": "van der Berg|de Vries|van Dijk|de Jong|van Leeuwen|van den Broek".split("|"),
    "middle": "Ødegård Bjørnstad Haugen Lærum Sæther Åberg Strøm Dahl Berge Lunde".split(),
    "two_given": "Lindqvist Brandt Hofer Keller Wagner Sandberg Roth Vogel".split(),
    # German names whose umlaut the address writes expanded (ö -> oe), where no colleague
    # shows it (a German haulier's world in ../shared/real-worlds: ö -> oe, ü -> ue)
    "umlaut": "Höfling Müller Köster Bäumler Süßmann Jörgensen Möhring Grüner".split(),
}
SECOND_SURNAME = "Soto Castro Molina Rojas Blanco Medina".split()
CULTURES = ("plain", "german", "spanish", "family_first", "dutch", "middle", "two_given",
            "umlaut")
GIVEN["umlaut"] = GIVEN["plain"]
NICKNAMES = {"Robert": "Bob", "William": "Bill", "Katherine": "Kate", "Elizabeth": "Liz",
             "Michael": "Mike", "Jonathan": "Jon", "Alexander": "Alex", "Margaret": "Peggy"}
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue"})


@dataclass(frozen=True, slots=True)
class Name:
    """A person's name as the company writes it, as the user may give it, and its address parts."""

    given: str
    family: str  # as written, particles and second surnames included
    written: str  # on the company's pages
    given_to_tool: str  # what the user types
    first: str  # address part for the given name (ascii, lower)
    last: str  # address part for the family name
    middle: str = ""  # address part for a second given name, when the address shows one


_NORDIC = str.maketrans({"ø": "o", "Ø": "O", "å": "a", "Å": "A", "æ": "ae", "Æ": "Ae"})


def _ascii(text: str, culture: str) -> str:
    if culture == "german":
        text = text.translate(_TRANSLIT)
    text = text.translate(_NORDIC)  # ø -> o, å -> a, æ -> ae, as Nordic companies write them
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "-")


def make_name(rng: random.Random, culture: str, *, nickname: bool = False) -> Name:
    """A fictional person of ``culture``; ``nickname``: the user knows them by a short name."""
    if nickname:
        formal = rng.choice(sorted(NICKNAMES))
        family = rng.choice(FAMILY["plain"])
        return Name(formal, family, f"{formal} {family}", f"{NICKNAMES[formal]} {family}",
                    _ascii(formal, "plain"), _ascii(family, "plain"))
    given, family = rng.choice(GIVEN[culture]), rng.choice(FAMILY[culture])
    if culture == "spanish":
        # a second surname with another initial, so colleagues' addresses show which is used
        second = rng.choice([n for n in SECOND_SURNAME if n[0] != family[0]])
        return Name(given, f"{family} {second}", f"{given} {family} {second}",
                    f"{given} {family} {second}", _ascii(given, culture), _ascii(family, culture))
    if culture == "family_first":  # the site writes TANAKA Hiroshi; the user types Hiroshi Tanaka
        return Name(given, family, f"{family.upper()} {given}", f"{given} {family}",
                    _ascii(given, culture), _ascii(family, culture))
    if culture == "middle":  # the page writes both given names; the user gives the first only
        middle = rng.choice(MIDDLE)
        return Name(given, family, f"{given} {middle} {family}", f"{given} {family}",
                    _ascii(given, culture), _ascii(family, culture), _ascii(middle, culture))
    if culture == "two_given":  # "Anna Lena" on the page and from the user; anna-lena@ in mail
        return Name(given, family, f"{given} {family}", f"{given} {family}",
                    _ascii(given.replace(" ", "-"), culture), _ascii(family, culture))
    if culture == "umlaut":
        return Name(given, family, f"{given} {family}", f"{given} {family}",
                    _ascii(given, "german"), _ascii(family, "german"))
    last = _ascii(family.replace(" ", ""), culture)
    return Name(given, family, f"{given} {family}", f"{given} {family}", _ascii(given, culture),
                last)


ADJECTIVES = ("Harrow Quill Norbrook Alder Fenwick Marlow Kestrel Thornbury Ashgrove Brantley "
              "Corran Dunmore Eastwick Falkner Glenmoor Holloway Ivybridge Larkspur Millbrook "
              "Oakhurst Pellham Redmere Saltmarsh Tidewater Wexley Yarrow").split()
SECTORS = ("Analytics Logistics Robotics Software Energy Health Systems Biotech Freight Labs "
           "Materials Instruments Networks Foods Capital Engineering").split()
PARTNERS = "Vance Holt Reyes Calder Finch Marsh Doyle Brandt".split()


def company_words(rng: random.Random, *, ampersand: bool) -> str:
    """A fictional company name: "Harrow Analytics" or "Quill & Vance"."""
    if ampersand:
        return f"{rng.choice(ADJECTIVES)} & {rng.choice(PARTNERS)}"
    return f"{rng.choice(ADJECTIVES)} {rng.choice(SECTORS)}"
