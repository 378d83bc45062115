"""What counts as a name, a job title, and an address that spells a name: the edges.

lookup.web._words decides for every extractor; each limit in its docstrings and comments
is checked on both sides here.
"""

from __future__ import annotations

import pytest

from lookup.web._words import (
    clean_title,
    consistent,
    fold_space,
    is_title,
    looks_like_name,
    names_in,
)

LONG_FIRST = "A" + "b" * 28  # 29 letters


@pytest.mark.parametrize(("text", "expected"), [
    ("Ada Quill", True),
    ("Ada", False),  # one word
    ("Ada Bea Cleo Quill", True),  # four words
    ("Ada Bea Cleo Dana Quill", False),  # five
    ("Ada Bea Cleo Quill Jr.", True),  # a suffix is not a word of the name
    ("Dr. Ada Maria van der Quill Jr.", True),  # seven words, three of the name
    ("Prof. Dr. Ada Maria van der Quill Jr.", False),  # eight
    ("Dr. Quill", False),  # an honorific leaves one word
    ("Ada van der Quill", True),  # particles are not counted
    ("van der Quill", False),  # ... and cannot start a name
    (f"{LONG_FIRST} Q{'u' * 29}", True),  # 60 characters
    (f"{LONG_FIRST} Q{'u' * 30}", False),  # 61
    ("Ada Quill 2", False),
    ("Ada Quill Ada Quill", False),  # written twice
    ("A. Quill", True),
    ("Ada Q.", False),  # an initial is never the family name
    ("'Ada Quill'", True),  # quotes around a name
    ("BRAM QUILL", True),
    ("BRAM QUILL.", True),  # an all-capitals name may end with its full stop
    ("ADA QUILL", False),  # three capitals read as an acronym
    ("McDonald O'Neil", True),
    ("YorkMarch Quill", False),  # two words run together
    ("Ada Director", False),  # a title word
    ("Xavier Quill", True),  # only quotes are stripped from a word's ends
    ("ALEX QUILL", True),  # four capitals are a name, not an acronym
    ("Ada Q-T", False), ("Ada O'K", False), ("Ada O’K", False),  # nor with a mark inside
    ("Ada O’Neil", True),  # a typographic apostrophe inside a name
    ("Ada Quill Jr.", True),  # the suffix goes, the family name stays
    ("Ada Bea Cleo Quill Jr.,", True),  # a comma after the suffix too
])
def test_looks_like_name(text: str, expected: bool) -> None:
    """2 to 4 capitalised words (7 with honorifics, particles, suffixes), 60 characters."""
    assert looks_like_name(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("CTO", True),  # three characters
    ("VP", False),  # two
    ("Lead " + "x" * 95, True),  # 100 characters
    ("Lead " + "x" * 96, False),
    (" ".join(["Lead"] + ["of"] * 11), True),  # twelve words
    (" ".join(["Lead"] + ["of"] * 12), False),
    ("Lead ada@quillworks.test", False),
    ("Gardener", False),  # no title word
])
def test_is_title(text: str, expected: bool) -> None:
    """3 to 100 characters, at most 12 words, a title word, no address, not a name."""
    assert is_title(text) is expected


@pytest.mark.parametrize(("text", "title"), [
    ("VP, Marketing", "VP, Marketing"),  # a bare rank keeps its function
    ("General Manager, Overseas Sales", "General Manager, Overseas Sales"),
    ("Director of Sales, Acme Corp", "Director of Sales"),  # not a bare rank
    ("Lead, Acme Corp", "Lead"),  # a company, not a function
    ("Director, Customer Success and Growth Marketing Operations Team", "Director"),  # 7 words
    ("Director, Customer Success and Growth Marketing Operations",
     "Director, Customer Success and Growth Marketing Operations"),  # 6 words
    ("Director, " + "Sales " + "x" * 54, "Director, Sales " + "x" * 54),  # 60 characters
    ("Director, " + "Sales " + "x" * 55, "Director"),  # 61
    ("VP, marketing", None),  # lower case: no continuation, and "VP" alone is too short
    ("Head of Data at Quillworks", "Head of Data"),
    ("the company's Data Engineering Lead", "Data Engineering Lead"),
    (" - Head of Data -", "Head of Data"),
    ("Head of Data; based in Oslo", "Head of Data"),
    ("who leads the team", None),
    ("Head of X", "Head of X"),  # only spaces and punctuation are trimmed
    ("VP, Marketing -", "VP, Marketing"),  # ... from the continuation too
    ("Director, EMEA X", "Director, EMEA X"),
    ("Solution Architect, Speaker at Acme", "Solution Architect, Speaker"),  # two roles
    ("Cloud Consultant, Scrum Master.", "Cloud Consultant, Scrum Master"),
    ("Head of Data, Marketing", "Head of Data"),  # an area, not a role of its own
    ("Head of Data, Acme Trainers Ltd", "Head of Data"),  # a company
])
def test_clean_title(text: str, title: str | None) -> None:
    """The title at the start of a phrase, cut before a company, place or separator."""
    assert clean_title(text) == title


@pytest.mark.parametrize(("text", "found"), [
    ("Meet Director Ada Quill today", [(14, "Ada Quill")]),  # leading words dropped one by one
    ("Talks by Ada Quill. And Bram Vance spoke.", [(9, "Ada Quill"), (24, "Bram Vance")]),
    ("Thanks to Dr Ada Quill.", [(10, "Dr Ada Quill")]),  # the full stop is not the name's
    ("BRAM ALEX", [(0, "BRAM ALEX")]),
])
def test_names_in(text: str, found: list[tuple[int, str]]) -> None:
    """Each name-shaped run with where it starts in the text."""
    assert list(names_in(text)) == found


@pytest.mark.parametrize(("address", "name", "expected"), [
    ("t.jaeger@quillworks.test", "Till Jäger", True),  # ä written ae
    ("t.jager@quillworks.test", "Till Jäger", True),
    ("aq@quillworks.test", "Dr Ada Quill", True),  # initials; the honorific is no part
    ("aq@quillworks.test", "Ada van Quill", True),  # ... nor is the particle
    ("qa@quillworks.test", "Ada Quill", True),  # initials reversed
    ("a.q@quillworks.test", "Ada Quill", True),  # separators do not count
    ("oneil@quillworks.test", "Ada O'Neil", True),  # nor apostrophes in the name
    ("x.ada.y@quillworks.test", "Ada Quill", True),  # a part as a token of the local part
    ("ada@quillworks.test", "Ada Quill", True),  # a three-letter part is enough
    ("adeq@quillworks.test", "Adelaide Bea Quill", True),  # first three letters + last initial
    ("adeb@quillworks.test", "Adelaide Bea Quill", False),  # the last initial, not the middle
    ("adex@quillworks.test", "Adelaide Quill", False),
    ("norabennett@quillworks.test", "Ben Stone", False),  # "ben" inside a word is not Ben
    ("daan_vanderberg@quillworks.test", "Pieter van Dijk", False),
])
def test_consistent(address: str, name: str, expected: bool) -> None:
    """The local part spells a name part or the initials (docstring of consistent)."""
    assert consistent(address, name) is expected


def test_fold_space() -> None:
    """Runs of spaces, tabs, newlines and non-breaking spaces become one space."""
    assert fold_space(" Ada\xa0\xa0Quill\n\tCTO ") == "Ada Quill CTO"
