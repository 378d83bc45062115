"""Parse a person's name into parts, and spell those parts the ways addresses do.

Pure: strings in, frozen dataclasses out. The tables (nicknames, particles,
titles, transliterations, surname-first family names) live in
``lookup/data/*.json`` and are read once, at import.

An address is built from ASCII pieces, so every part is also *folded*:
lower-cased, apostrophes dropped, accents removed, and letters with two usual
spellings (``ü`` → ``u`` or ``ue``) spelled both ways. ``ParsedName.forms``
holds every way of writing the name that an address might use, each with a
weight: how often that spelling is the one an address uses.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from importlib import resources
from itertools import product

from lookup.address._syllables import is_syllabic
from lookup.errors import InvalidNameError
from lookup.text import INVISIBLE

__all__ = ["NameForm", "ParsedName", "fold", "fold_variants", "is_syllabic", "nicknames_of",
           "parse_name"]

MAX_NAME_LENGTH = 200
MAX_NAME_WORDS = 12


def _load(name: str) -> dict:
    return json.loads(resources.files("lookup.data").joinpath(name).read_text("utf-8"))


_NICK = _load("nicknames.json")
_AFFIX = _load("particles.json")
_TRANSLIT = _load("transliterations.json")

_PARTICLES = frozenset(_AFFIX["particles"])
_TITLES = frozenset(_AFFIX["titles"])
_SUFFIXES = frozenset(_AFFIX["suffixes"])
_ANY_SUFFIX = _SUFFIXES | frozenset(_AFFIX["ambiguous_suffixes"])
_SURNAME_FIRST = frozenset(_AFFIX["surname_first"])
_LETTERS: dict[str, list[str]] = _TRANSLIT["letters"]
_SCRIPTS: dict[str, str] = {**_TRANSLIT["cyrillic"], **_TRANSLIT["greek"]}


def _nickname_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = {}
    for formal, shorts in _NICK.items():
        if formal.startswith("_"):
            continue
        for short in shorts:
            index.setdefault(formal, set()).add(short)
            index.setdefault(short, set()).add(formal)
    return {name: tuple(sorted(alts)) for name, alts in index.items()}


_NICKNAMES = _nickname_index()

# How often each kind of spelling is the one an address uses, measured on the
# dev pairs (bench/accuracy.py): the name as written wins by far.
_W_ALT_SPELLING = 0.35  # ü -> ue rather than u, etc.
_W_NO_PARTICLE = 0.5  # "van der Berg" -> "berg"
_W_PART_SURNAME = 0.25  # one half of a double or hyphenated surname
_W_JOINED_MIDDLE = 0.3  # "Antonio Nino Diaz": family "ninodiaz"
_W_SWAPPED = 0.15  # the name was written family-first
_W_SWAPPED_LIKELY = 0.8  # ... and its first word is a common family name (about half are)
# ... and its last word reads as an East Asian given name (syllables like "min-rui", "to-mo-
# yu-ki"): then the first word is the family name, and an address follows the true order
# ({first}.{last} as "minrui.guo" for "Guo Minrui") more often than the written one.
# Measured on the dev pairs (nested --cv, k=3 top-1 0.585 -> 0.587; 1.2 to 2 alike)
_W_SWAPPED_SYLLABIC = 1.5
_W_NICKNAME = 0.04
_W_FORMAL = 0.1  # "Bob" written, "robert" in the address (domains that use legal names)
_W_GIVEN_PART = 0.3  # "Jean-Pierre" -> "jean"
_W_JOINED_GIVEN = 0.25  # "Ashok Kumar Rao": given "ashokkumar"
# ... "anna-lena" for "Anna Lena Roth", a hyphen the page leaves out (issue 26; not measured)
_W_HYPHENED_GIVEN = 0.15
_W_FIRST_SURNAME = 0.4  # "Lucia Marin Soto": family "marin", the first of two surnames
# (0.25 to 0.6 measured alike on the dev pairs; 0.6 pushed the k=3 ECE to 0.049)
# "le-berre", "le_berre", "van.vugt": each separator is its own kind, as domains pick one;
# on the dev pairs "." joined a particle six times as often as "-", twice as often as "_"
_PARTICLE_JOINS = (("-", 0.15, "particle hyphenated"), ("_", 0.15, "particle underscored"),
                   (".", 0.3, "particle dotted"))


@dataclass(frozen=True, slots=True)
class NameForm:
    """One ASCII spelling of a name's parts, as an address might use it."""

    first: str
    middle: tuple[str, ...]
    last: str
    weight: float = 1.0
    kind: str = "as written"  # "as written" | "swapped..." | "nickname" | spelling notes


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A person's name split into parts, with the spellings an address may use."""

    original: str
    given: str
    middle: tuple[str, ...]
    family: str
    particles: tuple[str, ...] = ()
    title: str = ""
    suffix: str = ""
    nicknames: tuple[str, ...] = ()
    order_ambiguous: bool = False
    forms: tuple[NameForm, ...] = ()

    @property
    def full(self) -> str:
        """The name as parts, given name first, without title or suffix."""
        return " ".join(p for p in (self.given, *self.middle, *self.particles, self.family) if p)

    @property
    def primary(self) -> NameForm:
        """The most likely ASCII spelling of the name."""
        return self.forms[0]


# --------------------------------------------------------------------------- folding


def _fold_char(ch: str) -> list[str]:
    low = ch.lower()
    if low in "-_":
        return [low]
    if low in _LETTERS:
        return _LETTERS[low]
    if low in _SCRIPTS:
        return [_SCRIPTS[low]]
    base = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    base = base.lower()
    return [base if base.isascii() and base.isalnum() else ""]


def fold_variants(text: str) -> tuple[str, ...]:
    """Every ASCII spelling of ``text``: the plain one first, then the expanded one (ü→ue)."""
    plain, expanded = [], []
    for ch in text:
        if ch in "'’`´‘ʼ.":
            continue
        options = _fold_char(ch)
        plain.append(options[0])
        expanded.append(options[-1])
    first, second = ("".join(p).strip("-_") for p in (plain, expanded))
    return (first,) if first == second else (first, second)


def fold(text: str) -> str:
    """The usual ASCII spelling of ``text``: lower case, no accents, no apostrophes."""
    return fold_variants(text)[0]


def nicknames_of(given: str) -> tuple[str, ...]:
    """Common short or formal forms of a given name (Robert ↔ Bob, Rob)."""
    return _NICKNAMES.get(fold(given), ())


# --------------------------------------------------------------------------- parsing

_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{INVISIBLE}]")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{1,30})[\"“”«»]|\(([^()]{1,30})\)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_CAMEL_PREFIXES = ("Mc", "Mac", "O", "D", "De", "Di", "La", "Le", "Van", "Von")


def _check(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidNameError("The name is empty; give the person's name, e.g. 'Ada Lovelace'.")
    if _CONTROL.search(text):
        raise InvalidNameError(
            "The name contains control characters; type it again as plain text."
        )
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"The name is {len(text)} characters long; give just the person's name "
            f"(at most {MAX_NAME_LENGTH} characters)."
        )
    if "@" in text or "://" in text:
        raise InvalidNameError(
            "The name looks like an address or a link; give the person's name instead."
        )
    if not any(ch.isalpha() for ch in text):
        raise InvalidNameError("The name has no letters; give the person's name in words.")
    return " ".join(text.split())


def _key(word: str) -> str:
    return fold(word).replace("-", "")


def _strip_affixes(words: list[str]) -> tuple[list[str], str, str]:
    title, suffix = [], []
    while len(words) > 1 and _key(words[0]) in _TITLES:
        title.append(words.pop(0))
    while len(words) > 1 and _key(words[-1]) in _SUFFIXES:
        suffix.insert(0, words.pop())
    return words, " ".join(title), " ".join(suffix)


def _split_comma(text: str) -> tuple[str, str]:
    """'Last, First' → ('First Last', suffix); 'First Last, PhD' keeps its order."""
    head, _, tail = text.partition(",")
    tail_words = tail.replace(",", " ").split()
    if tail_words and all(_key(w) in _ANY_SUFFIX for w in tail_words):
        return head, " ".join(tail_words)
    if not head.strip() or not tail.strip():
        return text.replace(",", " "), ""
    return f"{tail} {head}", ""


def _camel_split(words: list[str]) -> list[str]:
    if len(words) != 1:
        return words
    parts = _CAMEL.split(words[0])
    if len(parts) == 2 and parts[0] not in _CAMEL_PREFIXES and all(len(p) > 1 for p in parts):
        return parts
    return words


def _capitalised_family_first(words: list[str]) -> bool:
    """True for 'KATO Tomoyuki': a first word in capitals marks the family name, written first."""
    head, rest = words[0], words[1:]
    return (bool(rest) and len(head) > 1 and head.isupper() and any(c in "AEIOUY" for c in head)
            and all(any(c.islower() for c in w) for w in rest))


def _family_split(words: list[str]) -> tuple[list[str], list[str], str]:
    """Split the words after the given name into middles, particles and family."""
    family = words[-1]
    rest = words[:-1]
    particles: list[str] = []
    while rest and _is_particle(rest[-1]):
        particles.insert(0, rest.pop())
    return rest, particles, family


def _is_particle(word: str) -> bool:
    """True for 'van', 'De', 'bin'; a one-letter particle only in lower case ('Sousa e Silva',
    'Ortega y Gasset'): 'Jason E. Rist' has a middle initial, not the particle 'e'."""
    key = _key(word)
    return key in _PARTICLES and (len(key) > 1 or word.islower())


def parse_name(text: str) -> ParsedName:
    """Parse a person's name, or raise InvalidNameError saying what is wrong with it."""
    clean = _check(text)
    nicks = tuple(fold(a or b) for a, b in _QUOTED.findall(clean))
    clean = " ".join(_QUOTED.sub(" ", clean).split())
    suffix_from_comma = ""
    if "," in clean:
        clean, suffix_from_comma = _split_comma(clean)
    words = [w.strip(".,;:") for w in clean.split()]
    words = [w for w in words if any(ch.isalpha() for ch in w)]
    if not words:
        raise InvalidNameError("The name has no words left once titles are removed; check it.")
    if len(words) > MAX_NAME_WORDS:
        raise InvalidNameError(
            f"The name has {len(words)} words; give just the person's name, not a sentence."
        )
    words, title, suffix = _strip_affixes(words)
    suffix = " ".join(s for s in (suffix, suffix_from_comma) if s)
    words = _camel_split(words)
    capital_first = _capitalised_family_first(words)
    if capital_first:
        words = words[1:] + words[:1]
    given = words[0]
    middle, particles, family = _family_split(words[1:]) if len(words) > 1 else ([], [], "")
    ambiguous = (len(words) >= 2 and not suffix_from_comma and "," not in text
                 and not capital_first
                 and (_key(words[0]) in _SURNAME_FIRST or _key(words[-1]) in _SURNAME_FIRST))
    base = ParsedName(
        original=text,
        given=given,
        middle=tuple(middle),
        family=family,
        particles=tuple(particles),
        title=title,
        suffix=suffix,
        nicknames=tuple(dict.fromkeys(nicks + nicknames_of(given))),
        order_ambiguous=ambiguous,
    )
    forms = _forms(base, first_is_family=ambiguous and _key(words[0]) in _SURNAME_FIRST
                   and _key(words[-1]) not in _SURNAME_FIRST)
    if not forms:
        raise InvalidNameError(
            f"{text!r} has no letters an address could use; give the name in Latin letters."
        )
    return replace(base, forms=forms)


# --------------------------------------------------------------------------- forms


def _spellings(word: str, weight: float, kind: str = "as written") -> list[tuple[str, float, str]]:
    """The plain spelling with ``kind``, and the expanded one (ü→ue) as "alt spelling"."""
    variants = fold_variants(word)
    out = [(variants[0], weight, kind)]
    if len(variants) > 1:
        out.append((variants[1], weight * _W_ALT_SPELLING, "alt spelling"))
    return [o for o in out if o[0]]


def _given_options(name: ParsedName) -> list[tuple[str, float, str]]:
    opts = _spellings(name.given, 1.0, "as written")
    if "-" in name.given:
        joined = name.given.replace("-", "")
        opts += _spellings(joined, 0.8, "hyphen dropped")
        head = name.given.split("-")[0]
        opts += _spellings(head, _W_GIVEN_PART, "part of given name")
    opts += [(n, _W_FORMAL, "formal name") if _is_formal_of(n, name.given)
             else (n, _W_NICKNAME, "nickname") for n in name.nicknames]
    return opts


def _is_formal_of(formal: str, given: str) -> bool:
    """True when ``formal`` is the full name ``given`` shortens (Bob -> Robert)."""
    return fold(given) in _NICK.get(formal, ())


def _family_options(name: ParsedName) -> list[tuple[str, float, str]]:
    fam = name.family
    opts: list[tuple[str, float, str]] = []
    if name.particles:
        opts += _spellings("".join((*name.particles, fam)), 1.0, "as written")
        opts += _spellings(fam, _W_NO_PARTICLE, "without particle")
        for sep, weight, kind in _PARTICLE_JOINS:
            joined = sep.join(fold(p) for p in (*name.particles, fam))
            opts.append((joined, weight, kind))
    else:
        opts += _spellings(fam, 1.0, "as written")
    if "-" in fam:
        opts += _spellings(fam.replace("-", ""), 0.8, "hyphen dropped")
        for part in fam.split("-"):
            opts += _spellings(part, _W_PART_SURNAME, "part of surname")
    return opts


def _forms(name: ParsedName, *, first_is_family: bool) -> tuple[NameForm, ...]:
    """Every ASCII spelling of the name an address may use, most likely first."""
    middles = tuple(fold(m) for m in name.middle if fold(m))
    givens = _given_options(name)
    families = _family_options(name) if name.family else [("", 1.0, "as written")]
    forms: dict[tuple, NameForm] = {}
    alts = (any(k == "alt spelling" for *_, k in givens),
            any(k == "alt spelling" for *_, k in families))

    def add(first: str, middle: tuple[str, ...], last: str, weight: float, kind: str) -> None:
        key = (first, middle, last)
        if first and (key not in forms or forms[key].weight < weight):
            forms[key] = NameForm(first, middle, last, weight, kind)

    for (g, gw, gk), (f, fw, fk) in product(givens, families):
        add(g, middles, f, *_combine(gw, gk, fw, fk, alts))
    if middles and name.family:
        joined = fold("".join((*name.middle[-1:], name.family)))
        add(fold(name.given), middles[:-1], joined, _W_JOINED_MIDDLE, "double surname")
        given = fold("".join((name.given, name.middle[0])))
        add(given, middles[1:], fold(name.family), _W_JOINED_GIVEN, "double given name")
        add(f"{fold(name.given)}-{fold(name.middle[0])}", middles[1:], fold(name.family),
            _W_HYPHENED_GIVEN, "double given name hyphenated")  # "Anna Lena": anna-lena@
        add(fold(name.given), middles[:-1], middles[-1], _W_FIRST_SURNAME, "first surname")
    if name.family:
        swap = _W_SWAPPED_LIKELY if first_is_family else _W_SWAPPED
        if first_is_family and is_syllabic(fold(name.family)):
            swap = _W_SWAPPED_SYLLABIC
        kind = _swap_kind(name, first_is_family=first_is_family)
        for g, gw, _ in _spellings_only(name.given):
            for f, fw, _ in _spellings_only(name.family):
                add(f, middles, g, swap * gw * fw, kind)
    return tuple(sorted(forms.values(), key=lambda form: -form.weight))


def _swap_kind(name: ParsedName, *, first_is_family: bool) -> str:
    """Which kind of swap: of a name written family-first, of one from a family-first
    culture written given-first, or of any other name (domains treat each differently)."""
    if first_is_family:
        return "swapped family-first"
    return "swapped surname-first culture" if name.order_ambiguous else "swapped"


def _combine(gw: float, gk: str, fw: float, fk: str, alts: tuple[bool, bool]):
    """Weight and kind of a (given, family) pair: ü→ue is written alike in both or neither."""
    alt = "alt spelling"
    if gk == fk == alt:
        return gw * fw / _W_ALT_SPELLING, alt
    if (gk == alt and alts[1]) or (fk == alt and alts[0]):
        return gw * fw * _W_ALT_SPELLING, "mixed spelling"
    return gw * fw, fk if gk == "as written" else gk


def _spellings_only(word: str) -> list[tuple[str, float, str]]:
    return _spellings(word, 1.0)
