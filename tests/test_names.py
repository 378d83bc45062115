"""Name parsing: parts, affixes, particles, spellings, nicknames, errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lookup.address.names import fold, fold_variants, is_syllabic, nicknames_of, parse_name
from lookup.errors import InvalidNameError

PARTS = [
    # text, given, middle, particles, family, title, suffix
    ("Ada Lovelace", "Ada", (), (), "Lovelace", "", ""),
    ("Dr. Ada Lovelace", "Ada", (), (), "Lovelace", "Dr", ""),
    ("Prof Ada B. Lovelace PhD", "Ada", ("B",), (), "Lovelace", "Prof", "PhD"),
    ("Lovelace, Ada", "Ada", (), (), "Lovelace", "", ""),
    ("Lovelace, Ada Byron", "Ada", ("Byron",), (), "Lovelace", "", ""),
    ("Ada Lovelace, PhD", "Ada", (), (), "Lovelace", "", "PhD"),
    ("Quentin Fairweather Jr.", "Quentin", (), (), "Fairweather", "", "Jr"),
    ("Quentin Fairweather III", "Quentin", (), (), "Fairweather", "", "III"),
    ("Joris van der Velde", "Joris", (), ("van", "der"), "Velde", "", ""),
    ("Ines de la Fuente", "Ines", (), ("de", "la"), "Fuente", "", ""),
    ("Kurt von Altenberg", "Kurt", (), ("von",), "Altenberg", "", ""),
    ("Tiago da Serra", "Tiago", (), ("da",), "Serra", "", ""),
    ("Tiago Sousa e Serra", "Tiago", ("Sousa",), ("e",), "Serra", "", ""),
    ("Tiago E. Serra", "Tiago", ("E",), (), "Serra", "", ""),
    ("Tiago Y Serra", "Tiago", ("Y",), (), "Serra", "", ""),
    ("Amir bin Rashidi", "Amir", (), ("bin",), "Rashidi", "", ""),
    ("Yusuf ibn Taleb", "Yusuf", (), ("ibn",), "Taleb", "", ""),
    ("Niamh O'Faolain", "Niamh", (), (), "O'Faolain", "", ""),
    ("Mara Quill-Hartley", "Mara", (), (), "Quill-Hartley", "", ""),
    ("Anne-Sophie Brightwater", "Anne-Sophie", (), (), "Brightwater", "", ""),
    ("QuentinFairweather", "Quentin", (), (), "Fairweather", "", ""),
    ('Robert "Robin" Quayle', "Robert", (), (), "Quayle", "", ""),
    ("  Ada   Lovelace  ", "Ada", (), (), "Lovelace", "", ""),
    ("Cher", "Cher", (), (), "", "", ""),
]


@pytest.mark.parametrize(("text", "given", "middle", "particles", "family", "title", "suffix"),
                         PARTS)
def test_parts(text, given, middle, particles, family, title, suffix):
    """A name splits into given, middle, particles, family, title and suffix."""
    name = parse_name(text)
    assert (name.given, name.middle, name.particles, name.family, name.title, name.suffix) == (
        given, middle, particles, family, title, suffix)


SPELLINGS = [
    # text, a (first, last) pair that must be among the forms
    ("Jürgen Müßig", ("jurgen", "mussig")),
    ("Jürgen Müßig", ("juergen", "muessig")),
    ("Søren Åberg", ("soren", "aberg")),
    ("Søren Åberg", ("soeren", "aaberg")),
    ("Zoë Łukasiewicz", ("zoe", "lukasiewicz")),
    ("Niamh O'Faolain", ("niamh", "ofaolain")),
    ("Joris van der Velde", ("joris", "vandervelde")),
    ("Joris van der Velde", ("joris", "velde")),
    ("Mara Quill-Hartley", ("mara", "quill-hartley")),
    ("Mara Quill-Hartley", ("mara", "quillhartley")),
    ("Mara Quill-Hartley", ("mara", "hartley")),
    ("Anne-Sophie Brightwater", ("annesophie", "brightwater")),
    ("Anne-Sophie Brightwater", ("anne", "brightwater")),
    ("Lucia Marin Ortega", ("lucia", "marinortega")),
    ("Lucia Marin Ortega", ("lucia", "marin")),
    ("Wei Zhangsun", ("zhangsun", "wei")),
    ("Robert Quayle", ("bob", "quayle")),
    ("Илья Котов", ("ilya", "kotov")),
]


@pytest.mark.parametrize(("text", "pair"), SPELLINGS)
def test_spellings(text, pair):
    """The forms include the transliterated, joined, split, swapped and nickname spellings."""
    assert pair in {(f.first, f.last) for f in parse_name(text).forms}


def test_primary_form_is_the_name_as_written():
    """The most likely spelling keeps the written order and the plain transliteration."""
    form = parse_name("Jürgen Müller").primary
    assert (form.first, form.last) == ("jurgen", "muller")


def test_surname_first_order_is_ambiguous():
    """A name starting with a common East Asian family name may be written either way."""
    name = parse_name("Zhang Wenjie")
    assert name.order_ambiguous
    swapped = [f for f in name.forms if f.kind == "swapped family-first"]
    assert swapped and swapped[0].weight >= 0.5


def test_a_family_first_name_whose_other_word_reads_as_a_given_name_is_put_in_true_order():
    """'Zhang Wenjie': 'Zhang' is a family name and 'wenjie' reads as a Chinese given name,
    so the likeliest spelling is given name first; 'Kim Phillips' keeps its written order."""
    form = parse_name("Zhang Wenjie").primary
    assert (form.first, form.last, form.kind) == ("wenjie", "zhang", "swapped family-first")
    kim = parse_name("Kim Phillips").primary
    assert (kim.first, kim.last) == ("kim", "phillips")
    assert parse_name("Wenjie Zhang").primary.first == "wenjie"


def test_a_family_first_name_is_predicted_in_true_order():
    """With nothing known, 'Tanaka Tomoyuki' is guessed as tomoyuki.tanaka (first.last)."""
    from lookup.address.patterns import predict

    top = predict("Tanaka Tomoyuki", "example.test", test_environment=True)[0]
    assert top.address == "tomoyuki.tanaka@example.test"


@pytest.mark.parametrize("word", ["minrui", "tomoyuki", "jihoon", "zhiqiang", "xiubo", "naoya"])
def test_east_asian_given_names_read_as_syllables(word):
    assert is_syllabic(word)


@pytest.mark.parametrize("word", ["phillips", "travis", "harninder", "", "a" * 17,
                                  "nanananananananananananananananb"])
def test_other_words_do_not_read_as_syllables(word):
    assert not is_syllabic(word)


def test_swap_of_a_given_first_east_asian_name_is_its_own_kind():
    """'Wenjie Zhang' swapped is a separate kind, so a domain learns it apart from other swaps."""
    kinds = {f.kind for f in parse_name("Wenjie Zhang").forms}
    assert "swapped surname-first culture" in kinds
    assert "swapped" in {f.kind for f in parse_name("Ada Lovelace").forms}


def test_formal_name_is_its_own_kind():
    """'Bob' written with 'robert' in the address is a formal-name spelling, not a nickname."""
    kinds = {f.first: f.kind for f in parse_name("Bob Quillfeather").forms}
    assert kinds["robert"] == "formal name"
    assert {f.first: f.kind for f in parse_name("Robert Quillfeather").forms}["bob"] == "nickname"


def test_less_common_chinese_family_name_written_first():
    """'Hou Zhenwu' starts with a Chinese family name, so its swap is a likely spelling."""
    swapped = [f for f in parse_name("Hou Zhenwu").forms if f.kind == "swapped family-first"]
    assert swapped and (swapped[0].first, swapped[0].last) == ("zhenwu", "hou")


@pytest.mark.parametrize(("text", "given", "family"), [
    ("OKUBARA Mitsuru", "Mitsuru", "OKUBARA"),
    ("VASSEUR Ana\u00efs", "Ana\u00efs", "VASSEUR"),
    ("Ada LOVELACE", "Ada", "LOVELACE"),
    ("JP Morgan", "JP", "Morgan"),
])
def test_capitalised_first_word_is_the_family_name(text, given, family):
    """A first word in capitals (not bare initials) is the family name written first."""
    name = parse_name(text)
    assert (name.given, name.family) == (given, family)
    assert not name.order_ambiguous


def test_western_order_is_not_ambiguous():
    """A name with no East Asian family name is taken in the order written."""
    assert not parse_name("Ada Lovelace").order_ambiguous


@pytest.mark.parametrize(("given", "nick"), [("Robert", "bob"), ("William", "bill"),
                                             ("Bill", "william"), ("Elizabeth", "liz")])
def test_nicknames(given, nick):
    """The nickname table works in both directions."""
    assert nick in nicknames_of(given)


def test_quoted_nickname_is_kept():
    """A nickname given in quotes becomes one of the name's nicknames."""
    assert "robin" in parse_name('Robert "Robin" Quayle').nicknames


@pytest.mark.parametrize(("text", "plain", "expanded"), [
    ("Müller", "muller", "mueller"), ("Straße", "strasse", "strasse"), ("Ørsted", "orsted",
                                                                        "oersted"),
    ("Ångström", "angstrom", "aangstroem"), ("Dvořák", "dvorak", "dvorak"),
])
def test_fold_variants(text, plain, expanded):
    """Letters with two usual ASCII spellings are spelled both ways, plain first."""
    assert fold_variants(text)[0] == plain
    assert fold_variants(text)[-1] == expanded
    assert fold(text) == plain


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("   ", "empty"),
    ("Ada\x00Lovelace", "control characters"),
    ("Ada\nLovelace", "control characters"),
    ("x" * 300, "characters long"),
    ("ada@example.test", "looks like an address"),
    ("12345", "no letters"),
    ("李雷", "Latin letters"),
    (" ".join(["Ada"] * 20), "words"),
])
def test_invalid_names(text, words):
    """Unusable names raise InvalidNameError with a sentence saying why."""
    with pytest.raises(InvalidNameError, match=words):
        parse_name(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused(text):
    """Any text either parses into ASCII spellings or raises InvalidNameError."""
    try:
        name = parse_name(text)
    except InvalidNameError as exc:
        assert str(exc).endswith(".")
        return
    assert name.forms
    for form in name.forms:
        for part in (form.first, form.last, *form.middle):
            assert part == "" or re.fullmatch(r"[a-z0-9][a-z0-9_-]*", part), part


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_folding_ascii_by_the_short_way_gives_what_the_full_way_gives(text):
    """lookup.text.fold's ASCII short cut (issue 31) equals case folding, decomposing and
    dropping combining marks, on ASCII and on any text."""
    import unicodedata

    from lookup.text import fold as fold_text

    full = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(ch))
    assert fold_text(text) == full
